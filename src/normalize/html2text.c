/* html2text: HTML to plain text (see html2text.h).
 *
 * One pass over the bytes with a little state: whether white space is pending and how many
 * line ends the output ends in (so that block elements never stack blank lines, and the text
 * never starts with any). Skipped elements are searched forward for their end tag. */
#include "normalize/html2text.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/utf8.h"
#include "normalize/codec.h"
#include "util/platform.h"
#include "util/xalloc.h"

struct entity {
    const char *name;
    const char *utf8;
};

static const struct entity entities[] = {
    {"amp", "&"},       {"lt", "<"},        {"gt", ">"},        {"quot", "\""},
    {"apos", "'"},      {"nbsp", "\xc2\xa0"}, {"copy", "\xc2\xa9"}, {"reg", "\xc2\xae"},
    {"yen", "\xc2\xa5"}, {"euro", "\xe2\x82\xac"}, {"hellip", "\xe2\x80\xa6"},
    {"mdash", "\xe2\x80\x94"}, {"ndash", "\xe2\x80\x93"}, {"laquo", "\xc2\xab"},
    {"raquo", "\xc2\xbb"}, {"middot", "\xc2\xb7"}, {"trade", "\xe2\x84\xa2"},
    {"lsquo", "\xe2\x80\x98"}, {"rsquo", "\xe2\x80\x99"}, {"ldquo", "\xe2\x80\x9c"},
    {"rdquo", "\xe2\x80\x9d"}, {"bull", "\xe2\x80\xa2"},
};

static void put_codepoint(struct buf *b, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    char u[4];
    buf_append(b, u, utf8_encode((uint32_t)cp, u));
}

/* Decodes the entity at s[i] ('&'); returns the bytes consumed (0: not an entity). */
static size_t entity(const char *s, size_t len, size_t i, struct buf *out)
{
    size_t j = i + 1;
    if (j < len && s[j] == '#') {
        j++;
        bool hex = j < len && (s[j] == 'x' || s[j] == 'X');
        if (hex)
            j++;
        unsigned long cp = 0;
        size_t digits = 0;
        while (j < len && digits < 8) {
            int d = codec_hex_value((unsigned char)s[j]);
            if (d < 0 || (!hex && d > 9))
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            j++, digits++;
        }
        if (!digits)
            return 0;
        if (j < len && s[j] == ';')
            j++;
        put_codepoint(out, cp);
        return j - i;
    }
    size_t k = j;
    while (k < len && k - j < 10 && isalnum((unsigned char)s[k]))
        k++;
    for (size_t e = 0; e < sizeof entities / sizeof entities[0]; e++) {
        size_t el = strlen(entities[e].name);
        if (k - j == el && memcmp(s + j, entities[e].name, el) == 0) {
            buf_puts(out, entities[e].utf8);
            return k - i + (k < len && s[k] == ';');
        }
    }
    return 0;
}

static bool tag_is(const char *name, size_t nlen, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == nlen && strncasecmp(name, *list, nlen) == 0)
            return true;
    return false;
}

char *html2text_convert(const char *s, size_t len, size_t *outlen)
{
    static const char *const skip[] = {"script", "style", "head", "title", NULL};
    static const char *const block[] = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4",
                                        "h5", "h6", "table", "blockquote", "hr", "pre", "ul",
                                        "ol", "dl", "dt", "dd", NULL};
    struct buf out = BUF_INIT;
    bool space = false;
    size_t newlines = 2; /* no leading blank lines */
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == '<') {
            if (i + 3 < len && memcmp(s + i, "<!--", 4) == 0) {
                char *end = memmem(s + i + 4, len - i - 4, "-->", 3);
                i = end ? (size_t)(end - s) + 3 : len;
                continue;
            }
            size_t j = i + 1;
            bool closing = j < len && s[j] == '/';
            if (closing)
                j++;
            size_t ns = j;
            while (j < len && isalnum((unsigned char)s[j]))
                j++;
            size_t nlen = j - ns;
            const char *gt = memchr(s + j, '>', len - j);
            size_t after = gt ? (size_t)(gt - s) + 1 : len;
            if (nlen == 0 && !closing && (j >= len || (s[j] != '!' && s[j] != '?'))) {
                /* a lone '<' is text */
                buf_putc(&out, '<');
                newlines = 0;
                i++;
                continue;
            }
            if (!closing && tag_is(s + ns, nlen, skip)) {
                /* skip to the matching end tag (for head also to <body>); a tag that is never
                 * closed is an ordinary tag */
                bool head = nlen == 4 && strncasecmp(s + ns, "head", 4) == 0;
                size_t k = after;
                for (; k < len; k++) {
                    if (s[k] != '<')
                        continue;
                    if (k + 2 + nlen <= len && s[k + 1] == '/' &&
                        strncasecmp(s + k + 2, s + ns, nlen) == 0)
                        break;
                    if (head && k + 5 <= len && strncasecmp(s + k + 1, "body", 4) == 0)
                        break;
                }
                if (k < len) {
                    bool body = s[k + 1] != '/';
                    const char *gt2 = memchr(s + k, '>', len - k);
                    i = body ? k : gt2 ? (size_t)(gt2 - s) + 1 : len;
                    continue;
                }
            }
            if (tag_is(s + ns, nlen, block)) {
                /* a line break, unless at the start of a line already; <br> may add an
                 * empty line */
                bool br = nlen == 2 && strncasecmp(s + ns, "br", 2) == 0;
                while (out.len && out.data[out.len - 1] == ' ')
                    out.len--;
                if (newlines == 0 || (br && newlines < 2)) {
                    buf_putc(&out, '\n');
                    newlines++;
                }
                space = false;
            } else if (nlen) {
                space = space || (tag_is(s + ns, nlen, (const char *const[]){"td", "th", NULL}));
            }
            i = after;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
            space = true;
            i++;
            continue;
        }
        if (space && newlines == 0)
            buf_putc(&out, ' ');
        space = false;
        newlines = 0;
        if (c == '&') {
            size_t used = entity(s, len, i, &out);
            if (used) {
                i += used;
                continue;
            }
        }
        buf_putc(&out, c);
        i++;
    }
    while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.len--;
    if (out.data)
        out.data[out.len] = '\0';
    *outlen = out.len;
    char *r = buf_detach(&out);
    /* entities may have produced U+FFFD but never invalid UTF-8; the input was UTF-8 */
    return r;
}

char *html2text_meta_charset(const char *s, size_t len)
{
    size_t lim = len < 8192 ? len : 8192;
    for (size_t i = 0; i + 8 < lim; i++) {
        if (strncasecmp(s + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < lim && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= lim || s[j] != '=')
            continue;
        j++;
        while (j < lim && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
            j++;
        size_t k = j;
        while (k < lim && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_' ||
                           s[k] == '.' || s[k] == ':'))
            k++;
        if (k > j)
            return xstrndup(s + j, k - j);
    }
    return NULL;
}
