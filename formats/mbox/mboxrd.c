/* mboxrd: streaming mboxrd escaping and the envelope sender (see mboxrd.h). */
#include "mboxrd.h"

#include <string.h>

static const char from_word[] = "From ";

void mboxrd_begin(struct mboxrd_escaper *e)
{
    memset(e, 0, sizeof *e);
    e->line_start = true;
}

/* Writes the held-back start of a line; `escape` adds the one '>' of mboxrd. */
static int flush_held(struct mboxrd_escaper *e, FILE *out, bool escape)
{
    if (escape && fputc('>', out) == EOF)
        return -1;
    for (size_t i = 0; i < e->quotes; i++)
        if (fputc('>', out) == EOF)
            return -1;
    if (e->from_matched && fwrite(from_word, 1, e->from_matched, out) != e->from_matched)
        return -1;
    e->written += escape + e->quotes + e->from_matched;
    e->quotes = 0;
    e->from_matched = 0;
    return 0;
}

int mboxrd_write(struct mboxrd_escaper *e, FILE *out, const char *data, size_t len)
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
                    if (flush_held(e, out, true) != 0)
                        return -1;
                    e->line_start = false;
                }
                continue;
            }
            if (flush_held(e, out, false) != 0)
                return -1;
            e->line_start = false;
        }
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) + 1 : len;
        if (fwrite(data + i, 1, end - i, out) != end - i)
            return -1;
        e->written += end - i;
        i = end;
        if (nl)
            e->line_start = true;
    }
    return 0;
}

int mboxrd_end(struct mboxrd_escaper *e, FILE *out)
{
    return flush_held(e, out, false);
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
