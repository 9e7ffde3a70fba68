/* utf8: UTF-8 validation and repair (see utf8.h). */
#include "util/utf8.h"

#include "util/xalloc.h"

size_t utf8_sequence_length(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

void utf8_print(FILE *out, const char *s, size_t len)
{
    size_t i = 0, run = 0; /* s[run..i) is written as it is, in one piece */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f) {
            size_t n = c < 0x80 ? 1 : utf8_sequence_length(s + i, len - i);
            if (n > 0) {
                i += n;
                continue;
            }
        }
        fwrite(s + run, 1, i - run, out);
        if (c >= 0x80)
            fputs("\xef\xbf\xbd", out);
        else
            fprintf(out, "\\x%02x", c);
        run = ++i;
    }
    fwrite(s + run, 1, i - run, out);
}

char *utf8_repair(const char *s, size_t len, char replacement)
{
    char *out = xmalloc(len + 1);
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0) {
            out[i] = replacement;
            i++;
        } else {
            for (size_t k = 0; k < n; k++)
                out[i + k] = s[i + k];
            i += n;
        }
    }
    out[len] = '\0';
    return out;
}
