/* uudecode: uuencoded blocks in a text body (see uudecode.h).
 *
 * Finding and decoding are separate passes, because the normalizer needs the blocks' places
 * (to cut them out of the text) long before, and often without, their bytes. Each encoded
 * line is decoded on its own: its length character says how many bytes its groups of four
 * characters carry. */
#include "normalize/uudecode.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "util/platform.h"

static size_t line_end(const char *s, size_t len, size_t pos)
{
    const char *lf = memchr(s + pos, '\n', len - pos);
    return lf ? (size_t)(lf - s) + 1 : len;
}

static bool uu_char(unsigned char c)
{
    return c >= 0x20 && c <= 0x60;
}

/* A line of uuencoded data: a length character and enough characters for it. */
static bool uu_line(const char *s, size_t len)
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || !uu_char((unsigned char)s[0]))
        return false;
    size_t n = (size_t)(((unsigned char)s[0] - 0x20) & 0x3F);
    size_t need = (n + 2) / 3 * 4;
    if (len - 1 < need)
        return false;
    for (size_t i = 1; i < len; i++)
        if (!uu_char((unsigned char)s[i]))
            return false;
    return true;
}

static bool begin_line(const char *s, size_t len, const char **name, size_t *name_len)
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len < 11 || memcmp(s, "begin ", 6) != 0)
        return false;
    size_t i = 6, d = 0;
    while (i < len && s[i] >= '0' && s[i] <= '7')
        i++, d++;
    if (d < 3 || d > 4 || i >= len || s[i] != ' ')
        return false;
    *name = s + i + 1;
    *name_len = len - i - 1;
    return *name_len > 0;
}

struct uudecode_block *uudecode_find(const char *s, size_t len, size_t *count)
{
    struct uudecode_block *blocks = NULL;
    size_t n = 0, cap = 0, pos = 0;
    while (pos < len) {
        size_t end = line_end(s, len, pos);
        const char *name;
        size_t name_len;
        if (!begin_line(s + pos, end - pos, &name, &name_len) || end >= len ||
            !uu_line(s + end, line_end(s, len, end) - end)) {
            pos = end;
            continue;
        }
        struct uudecode_block b = {.begin = pos, .data = end, .name = xstrndup(name, name_len)};
        size_t p = end;
        while (p < len) {
            size_t e = line_end(s, len, p);
            size_t l = e - p;
            while (l && (s[p + l - 1] == '\n' || s[p + l - 1] == '\r'))
                l--;
            if (l == 3 && memcmp(s + p, "end", 3) == 0) {
                b.data_end = p;
                b.end = e;
                b.closed = true;
                break;
            }
            p = e;
        }
        if (!b.closed)
            b.data_end = b.end = len;
        blocks = xgrow(blocks, &cap, n + 1, sizeof *blocks);
        blocks[n++] = b;
        pos = b.end;
    }
    *count = n;
    return blocks;
}

void uudecode_free(struct uudecode_block *blocks, size_t count)
{
    for (size_t i = 0; blocks && i < count; i++)
        free(blocks[i].name);
    free(blocks);
}

size_t uudecode_block(const char *s, const struct uudecode_block *b, struct buf *out)
{
    size_t bad = b->closed ? 0 : 1;
    for (size_t p = b->data; p < b->data_end;) {
        size_t e = line_end(s, b->data_end, p);
        size_t l = e - p;
        while (l && (s[p + l - 1] == '\n' || s[p + l - 1] == '\r'))
            l--;
        if (l == 0 || (l == 1 && s[p] == '`')) {
            p = e;
            continue;
        }
        if (!uu_line(s + p, l)) {
            bad++;
            p = e;
            continue;
        }
        size_t want = (size_t)(((unsigned char)s[p] - 0x20) & 0x3F);
        unsigned char q[3];
        for (size_t i = 1; want && i + 3 < l + 1; i += 4) {
            unsigned v[4];
            for (int k = 0; k < 4; k++)
                v[k] = ((unsigned)(unsigned char)s[p + i + (size_t)k] - 0x20) & 0x3F;
            q[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
            q[1] = (unsigned char)(v[1] << 4 | v[2] >> 2);
            q[2] = (unsigned char)(v[2] << 6 | v[3]);
            size_t take = want < 3 ? want : 3;
            buf_append(out, q, take);
            want -= take;
        }
        p = e;
    }
    return bad;
}
