/* rfc2047: encoded words, RFC 2231 values and raw 8-bit header bytes to UTF-8 (see rfc2047.h).
 *
 * The value is cut into pieces: encoded words (=?charset?B|Q?text?=, recognised anywhere, with
 * or without white space around them) and raw text between them. Runs of adjacent words, with
 * only white space between them, are decoded to bytes; consecutive words of one charset have
 * their bytes joined and converted once. Raw text is unfolded and, when it holds 8-bit bytes,
 * decoded with the charset charset_guess() picks for all raw text of the value together. */
#include "normalize/rfc2047.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "normalize/codec.h"
#include "util/xalloc.h"

#define CHARSET_MAX 63

struct piece {
    bool word;
    size_t start, end; /* the span in the value */
    /* encoded words only: */
    size_t cs, cslen; /* the charset, without any RFC 2231 language */
    char enc;         /* 'B' or 'Q' */
    size_t text, textlen;
};

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool charset_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && c != '?' && !strchr("()<>@,;:\"/[]\\=", c);
}

/* An encoded word starting at v[i] ("=?"), or false. */
static bool parse_word(const char *v, size_t len, size_t i, struct piece *w)
{
    if (i + 1 >= len || v[i] != '=' || v[i + 1] != '?')
        return false;
    size_t j = i + 2, cs = j;
    while (j < len && v[j] != '?') {
        if (!charset_char((unsigned char)v[j]) || j - cs >= CHARSET_MAX)
            return false;
        j++;
    }
    if (j >= len || j == cs)
        return false;
    size_t cslen = j - cs;
    const char *star = memchr(v + cs, '*', cslen); /* RFC 2231: charset*language */
    if (star)
        cslen = (size_t)(star - (v + cs));
    if (cslen == 0)
        return false;
    j++;
    if (j + 1 >= len || v[j + 1] != '?')
        return false;
    char enc = v[j];
    if (enc == 'b' || enc == 'q')
        enc = (char)(enc - 32);
    if (enc != 'B' && enc != 'Q')
        return false;
    j += 2;
    size_t text = j;
    for (;;) {
        if (j + 1 >= len)
            return false; /* no "?=" */
        unsigned char c = (unsigned char)v[j];
        if (c == '?') {
            if (v[j + 1] != '=')
                return false;
            break;
        }
        /* Printable ASCII, and 8-bit bytes some mailers leave in Q text; no white space. */
        if (c <= 0x20 || c == 0x7F)
            return false;
        j++;
    }
    w->word = true;
    w->start = i;
    w->end = j + 2;
    w->cs = cs;
    w->cslen = cslen;
    w->enc = enc;
    w->text = text;
    w->textlen = j - text;
    return true;
}

/* Copies a charset name (at most CHARSET_MAX bytes) into a C string. */
static void name_copy(char *dst, const char *src, size_t len)
{
    if (len > CHARSET_MAX)
        len = CHARSET_MAX;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static bool has_high(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* Plain ASCII: nothing a charset could change. */
static bool plain_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1B || s[i] == 0x0E)
            return false;
    return true;
}

/* Converts bytes in `cs` and appends the UTF-8 to `out`. A missing or unknown charset is
 * guessed from the bytes and the hint, and counted as guessed unless the bytes are ASCII. */
static void convert_append(const char *bytes, size_t n, const char *cs, const char *hint,
                           struct charset_stats *st, struct buf *out)
{
    const char *label = cs;
    if (!cs || !charset_canonical(cs)) {
        label = charset_guess(bytes, n, hint);
        if (st && !plain_ascii(bytes, n))
            st->guessed++;
    }
    size_t olen;
    char *s = charset_to_utf8(bytes, n, label, st, &olen);
    buf_append(out, s, olen);
    free(s);
}

/* Removes the line breaks of folding (CR, LF or CR LF followed by a space or a tab). */
static void unfold(const char *s, size_t len, struct buf *out)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] == '\r' || s[i] == '\n') {
            size_t j = i + 1;
            if (s[i] == '\r' && j < len && s[j] == '\n')
                j++;
            if (j < len && (s[j] == ' ' || s[j] == '\t')) {
                i = j;
                continue;
            }
        }
        buf_putc(out, s[i]);
        i++;
    }
}

/* A NUL has no meaning in header text and would cut the returned C string short; mailers that
 * write one (docomo's "=?ISO-2022-JP?B?...KQA?=" ends in a C string's terminator) meant
 * nothing by it. Each is removed and counted as replaced. */
static char *finish(struct buf *out, struct charset_stats *st)
{
    if (out->len && memchr(out->data, '\0', out->len)) {
        size_t k = 0;
        for (size_t i = 0; i < out->len; i++) {
            if (out->data[i] == '\0') {
                if (st)
                    st->replaced++;
            } else {
                out->data[k++] = out->data[i];
            }
        }
        out->len = k;
        out->data[k] = '\0';
    }
    return buf_detach(out);
}

/* Both words name the same charset (so their bytes belong together). */
static bool same_charset(const char *v, const struct piece *a, const struct piece *b)
{
    char na[CHARSET_MAX + 1], nb[CHARSET_MAX + 1];
    name_copy(na, v + a->cs, a->cslen);
    name_copy(nb, v + b->cs, b->cslen);
    if (strcasecmp(na, nb) == 0)
        return true;
    const char *ca = charset_canonical(na), *cb = charset_canonical(nb);
    return ca && cb && strcmp(ca, cb) == 0;
}

char *rfc2047_decode(const char *value, size_t len, const char *hint, struct charset_stats *st)
{
    struct buf out = BUF_INIT;
    if (!value)
        len = 0;

    /* Cut the value into words and raw text. */
    struct piece *p = NULL;
    size_t np = 0, pcap = 0, raw_start = 0;
    size_t i = 0;
    while (i < len) {
        const char *q = memchr(value + i, '=', len - i);
        if (!q)
            break;
        i = (size_t)(q - value);
        struct piece w;
        if (!parse_word(value, len, i, &w)) {
            i++;
            continue;
        }
        if (raw_start < w.start) {
            p = xgrow(p, &pcap, np + 1, sizeof *p);
            p[np++] = (struct piece){.word = false, .start = raw_start, .end = w.start};
        }
        p = xgrow(p, &pcap, np + 1, sizeof *p);
        p[np++] = w;
        i = raw_start = w.end;
    }
    if (raw_start < len) {
        p = xgrow(p, &pcap, np + 1, sizeof *p);
        p[np++] = (struct piece){.word = false, .start = raw_start, .end = len};
    }

    /* White space between two words goes. */
    for (size_t k = 0; k < np; k++) {
        if (p[k].word || k == 0 || k + 1 >= np || !p[k - 1].word || !p[k + 1].word)
            continue;
        bool ws = true;
        for (size_t j = p[k].start; j < p[k].end && ws; j++)
            ws = is_ws((unsigned char)value[j]);
        if (ws)
            p[k].end = p[k].start; /* empty: skipped below, and words on both sides join */
    }

    /* One charset for all raw 8-bit text, guessed from all of it. */
    const char *raw_cs = NULL;
    bool raw_high = false;
    for (size_t k = 0; k < np && !raw_high; k++)
        if (!p[k].word)
            raw_high = has_high(value + p[k].start, p[k].end - p[k].start);
    if (raw_high) {
        struct buf all = BUF_INIT;
        for (size_t k = 0; k < np; k++)
            if (!p[k].word)
                buf_append(&all, value + p[k].start, p[k].end - p[k].start);
        raw_cs = charset_guess(all.data, all.len, hint);
        if (strcmp(raw_cs, "UTF-8") != 0 && st)
            st->guessed++; /* raw UTF-8 (RFC 6532) and ISO-2022-JP escapes are no guess */
        buf_free(&all);
    }

    struct buf bytes = BUF_INIT, tmp = BUF_INIT;
    for (size_t k = 0; k < np; k++) {
        if (!p[k].word) {
            if (p[k].end == p[k].start)
                continue;
            buf_reset(&tmp);
            unfold(value + p[k].start, p[k].end - p[k].start, &tmp);
            /* Raw text: ASCII as it is; escapes and 8-bit bytes through the charset module
             * (which reads ISO-2022-JP escapes, and replaces any other ESC). */
            bool plain = plain_ascii(tmp.data, tmp.len);
            if (plain) {
                buf_append(&out, tmp.data, tmp.len);
            } else {
                /* 7-bit: ISO-2022-JP when its escapes are there, else ASCII with any ESC
                 * replaced. */
                const char *cs = has_high(tmp.data, tmp.len) ? raw_cs
                                                              : charset_guess(tmp.data, tmp.len, hint);
                size_t olen;
                char *s = charset_to_utf8(tmp.data, tmp.len, cs, st, &olen);
                buf_append(&out, s, olen);
                free(s);
            }
            continue;
        }
        /* A run of words in one charset, joined as bytes. */
        buf_reset(&bytes);
        size_t first = k;
        for (;;) {
            /* Base64 as forgiving as real mail needs: "=" ends a quantum ("YQ==YQ==" is "aa"). */
            if (p[k].enc == 'B')
                codec_base64_decode(value + p[k].text, p[k].textlen, CODEC_BASE64_JOINED, &bytes);
            else
                codec_qp_decode(value + p[k].text, p[k].textlen, CODEC_QP_Q, &bytes);
            size_t next = k + 1;
            while (next < np && !p[next].word && p[next].end == p[next].start)
                next++;
            if (next < np && p[next].word && same_charset(value, &p[first], &p[next]))
                k = next;
            else
                break;
        }
        char cs[CHARSET_MAX + 1];
        name_copy(cs, value + p[first].cs, p[first].cslen);
        convert_append(bytes.data ? bytes.data : "", bytes.len, cs, hint, st, &out);
    }
    buf_free(&bytes);
    buf_free(&tmp);
    free(p);
    return finish(&out, st);
}

static bool lang_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '*';
}

char *rfc2047_decode_rfc2231(const char *value, size_t len, const char *hint,
                             struct charset_stats *st)
{
    if (!value)
        len = 0;
    /* Mailers that quote the whole extended value: "UTF-8''%E3%81%82". */
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value++;
        len -= 2;
    }
    const char *q1 = len ? memchr(value, '\'', len) : NULL;
    const char *q2 = q1 ? memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - value)) : NULL;
    bool ok = q1 && q2 && (size_t)(q1 - value) <= CHARSET_MAX && q2 - q1 - 1 <= CHARSET_MAX;
    for (const char *c = value; ok && c < q1; c++)
        ok = charset_char((unsigned char)*c);
    for (const char *c = q1 ? q1 + 1 : NULL; ok && c < q2; c++)
        ok = lang_char((unsigned char)*c);
    if (!ok)
        return rfc2047_decode(value, len, hint, st); /* not charset'lang'text: raw */

    char cs[CHARSET_MAX + 1];
    name_copy(cs, value, (size_t)(q1 - value));
    const char *text = q2 + 1;
    size_t textlen = len - (size_t)(text - value);
    struct buf bytes = BUF_INIT, out = BUF_INIT;
    codec_qp_decode(text, textlen, CODEC_QP_PERCENT, &bytes);
    convert_append(bytes.data ? bytes.data : "", bytes.len, cs[0] ? cs : NULL, hint, st, &out);
    buf_free(&bytes);
    return finish(&out, st);
}
