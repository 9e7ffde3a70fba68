/* mboxrd: streaming mboxrd escaping and the envelope sender (see mboxrd.h). */
#include "mboxrd.h"

#include <string.h>

static const char from_word[] = "From ";

void mboxrd_begin(struct mboxrd_escaper *e)
{
    memset(e, 0, sizeof *e);
    e->line_start = true;
}

/* Appends the held-back start of a line; `escape` adds the one '>' of mboxrd. */
static void flush_held(struct mboxrd_escaper *e, struct buf *out, bool escape)
{
    size_t n = escape + e->quotes + e->from_matched;
    if (n == 0)
        return;
    char *p = buf_reserve(out, n);
    memset(p, '>', escape + e->quotes);
    memcpy(p + escape + e->quotes, from_word, e->from_matched);
    buf_commit(out, n);
    e->written += n;
    e->quotes = 0;
    e->from_matched = 0;
}

void mboxrd_write(struct mboxrd_escaper *e, struct buf *out, const char *data, size_t len)
{
    if (len) {
        e->any = true;
        e->last = data[len - 1];
    }
    size_t i = 0;
    while (i < len) {
        if (e->line_start) {
            char c = data[i];
            if (e->from_matched == 0 && c == '>') {
                e->quotes++;
                i++;
                continue;
            }
            if (c == from_word[e->from_matched]) {
                e->from_matched++;
                i++;
                if (e->from_matched == sizeof from_word - 1) {
                    flush_held(e, out, true);
                    e->line_start = false;
                }
                continue;
            }
            flush_held(e, out, false);
            e->line_start = false;
        }
        /* The rest of this line and every following line that cannot need escaping, in one
         * copy: only a line starting with '>' or 'F' may be the start of ^>*From . */
        size_t start = i;
        const char *nl;
        while ((nl = memchr(data + i, '\n', len - i)) != NULL) {
            i = (size_t)(nl - data) + 1;
            if (i == len || data[i] == '>' || data[i] == 'F') {
                e->line_start = true;
                break;
            }
        }
        if (!nl)
            i = len;
        buf_append(out, data + start, i - start);
        e->written += i - start;
    }
}

bool mboxrd_pass(struct mboxrd_escaper *e, struct buf *out, size_t len)
{
    if (len == 0 || e->quotes || e->from_matched)
        return len == 0;
    const char *data = out->data + out->len;
    bool line_start = e->line_start;
    size_t i = 0;
    while (i < len) {
        if (line_start) {
            size_t j = i, k = 0;
            while (j < len && data[j] == '>')
                j++;
            while (j + k < len && k < sizeof from_word - 1 && data[j + k] == from_word[k])
                k++;
            if (k == sizeof from_word - 1 || j + k == len)
                return false; /* a line to escape, or a start the escaper would hold back */
            line_start = false;
        }
        const char *nl = memchr(data + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - data) + 1;
        line_start = i == len || data[i] == '>' || data[i] == 'F';
    }
    e->any = true;
    e->last = data[len - 1];
    e->line_start = line_start;
    e->written += len;
    buf_commit(out, len);
    return true;
}

void mboxrd_end(struct mboxrd_escaper *e, struct buf *out)
{
    flush_held(e, out, false);
}

bool mboxrd_ends_with_newline(const struct mboxrd_escaper *e)
{
    return e->any && e->last == '\n';
}

void mboxrd_envelope_sender(const char *value, char *out, size_t cap)
{
    const char *start = value, *end = value ? value + strlen(value) : NULL;
    if (value) {
        const char *lt = strrchr(value, '<');
        const char *gt = lt ? strchr(lt, '>') : NULL;
        if (lt && gt) {
            start = lt + 1;
            end = gt;
        } else {
            /* No angle brackets: the first word with an '@' in it. */
            const char *at = strchr(value, '@');
            if (at) {
                start = at;
                while (start > value && start[-1] != ' ' && start[-1] != '\t')
                    start--;
                end = at;
                while (*end && *end != ' ' && *end != '\t')
                    end++;
            } else {
                while (*start == ' ' || *start == '\t')
                    start++;
                end = start;
                while (*end && *end != ' ' && *end != '\t')
                    end++;
            }
        }
    }
    size_t n = 0;
    for (const char *p = start; value && p < end && n + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c > 32 && c < 127 && c != '"')
            out[n++] = (char)c;
    }
    if (n == 0 && cap >= 2)
        out[n++] = '-';
    if (cap)
        out[n] = '\0';
}
