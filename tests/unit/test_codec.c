/* Unit tests for src/codec: hex digits, base64 (every flag, chunked) and quoted-printable forms. */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "normalize/codec.h"
#include "tap.h"

/* Prints bytes with control and 8-bit ones escaped, for test names and diagnostics. */
static void show(char *dst, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7F || c == '\\')
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", c);
        else
            dst[o++] = (char)c;
    }
    dst[o] = '\0';
}

static void is_bytes(const struct buf *got, const char *want, size_t wlen, const char *what)
{
    bool same = got->len == wlen && (wlen == 0 || memcmp(got->data, want, wlen) == 0);
    ok(same, "%s", what);
    if (!same) {
        char g[256], w[256];
        show(g, sizeof g, got->data ? got->data : "", got->len);
        show(w, sizeof w, want, wlen);
        printf("#   got:  '%s'\n#   want: '%s'\n", g, w);
    }
}

struct b64case {
    const char *in;
    unsigned flags;
    const char *want;
    size_t wlen; /* 0: strlen(want) */
    size_t bad;
};

struct qpcase {
    const char *in;
    enum codec_qp_form form;
    const char *want;
    size_t bad;
};

static const char *form_name(enum codec_qp_form f)
{
    return f == CODEC_QP_BODY ? "body" : f == CODEC_QP_Q ? "Q" : f == CODEC_QP_VCARD ? "vcard" : "percent";
}

int main(void)
{
    /* ---- hex digits ---- */
    static const char digits[] = "0123456789abcdefABCDEF";
    for (size_t i = 0; digits[i]; i++) {
        int want = i < 16 ? (int)i : (int)i - 6;
        char what[32];
        snprintf(what, sizeof what, "hex '%c'", digits[i]);
        is_int(codec_hex_value((unsigned char)digits[i]), want, what);
    }
    size_t not_hex = 0;
    for (int c = 0; c < 256; c++)
        if (!strchr(digits, c) || c == 0)
            not_hex += codec_hex_value((unsigned char)c) == -1;
    is_int((long long)not_hex, 256 - 22, "hex: every other byte is -1 (NUL, 'g', 'G', '/', ':', '@', '`', 0xFF ...)");

    /* ---- base64 alphabet ---- */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    bool all = true;
    for (int v = 0; v < 64; v++)
        all = all && codec_base64_value((unsigned char)alphabet[v], 0) == v &&
              codec_base64_value((unsigned char)alphabet[v], CODEC_BASE64_URL) == v;
    ok(all, "base64: the 64 standard characters, with and without the URL flag");
    is_int(codec_base64_value('-', 0), -1, "base64: '-' only with the URL flag");
    is_int(codec_base64_value('_', 0), -1, "base64: '_' only with the URL flag");
    is_int(codec_base64_value('-', CODEC_BASE64_URL), 62, "base64 URL: '-' is 62");
    is_int(codec_base64_value('_', CODEC_BASE64_URL), 63, "base64 URL: '_' is 63");
    is_int(codec_base64_value('=', CODEC_BASE64_URL | CODEC_BASE64_JOINED), -1, "base64: '=' has no value");
    is_int(codec_base64_value(0xC1, 0), -1, "base64: 8-bit bytes have no value");

    /* ---- base64 decoding ---- */
    static const struct b64case b64[] = {
        {"", 0, "", 0, 0},
        {"", CODEC_BASE64_JOINED, "", 0, 0},
        /* every truncation of "YWJj" ("abc") and of its padded forms */
        {"Y", 0, "", 0, 1},
        {"YW", 0, "a", 0, 0},
        {"YWJ", 0, "ab", 0, 0},
        {"YWJj", 0, "abc", 0, 0},
        {"YQ", 0, "a", 0, 0},
        {"YQ=", 0, "a", 0, 0},
        {"YQ==", 0, "a", 0, 0},
        {"YWI", 0, "ab", 0, 0},
        {"YWI=", 0, "ab", 0, 0},
        {"YWJjZ", 0, "abc", 0, 1},
        /* padding variants: missing, short, too long, a lone '=' */
        {"YQ===", 0, "a", 0, 0},
        {"=", 0, "", 0, 0},
        {"==", CODEC_BASE64_JOINED, "", 0, 0},
        {"=YQ==", 0, "", 0, 0},          /* the first '=' ends the data */
        {"=YQ==", CODEC_BASE64_JOINED, "a", 0, 0},
        /* '=' in the middle: the end of the data, or the end of a quantum */
        {"YQ==YQ==", 0, "a", 0, 0},
        {"YQ==YQ==", CODEC_BASE64_JOINED, "aa", 0, 0},
        {"YQ=YQ", CODEC_BASE64_JOINED, "aa", 0, 0},
        {"YWJ=YWJ", CODEC_BASE64_JOINED, "abab", 0, 0},
        {"Y=YQ", CODEC_BASE64_JOINED, "a", 0, 0}, /* 'Y' dropped; the count is of all */
        /* white space is skipped and not bad; other strangers are skipped and bad */
        {"YW\r\nJj", 0, "abc", 0, 0},
        {" Y W J j\t", 0, "abc", 0, 0},
        {"YW*Jj", 0, "abc", 0, 1},
        {"Y.W.J.j", 0, "abc", 0, 3},
        {"YWJj\x80\xff", 0, "abc", 0, 2},
        {"!!!!", 0, "", 0, 4},
        {"YQ==!", 0, "a", 0, 1}, /* bad bytes after the end still count */
        {"YQ==Z", 0, "a", 0, 0}, /* three alphabet characters in all: no lone one */
        {"YQ==ZZZ", 0, "a", 0, 1},
        /* the URL-safe alphabet */
        {"-_8", CODEC_BASE64_URL, "\xfb\xff", 2, 0},
        {"-_8", 0, "", 0, 3}, /* two strangers, and a lone '8' */
        {"+/8", 0, "\xfb\xff", 2, 0},
        /* NUL bytes decode */
        {"AAAA", 0, "\0\0\0", 3, 0},
        {"AA", 0, "\0", 1, 0},
    };
    for (size_t i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
        const struct b64case *c = &b64[i];
        size_t len = strlen(c->in), wlen = c->wlen ? c->wlen : strlen(c->want);
        char what[128], in[64];
        show(in, sizeof in, c->in, len);
        snprintf(what, sizeof what, "base64 case %zu (flags %u): '%s'", i, c->flags, in);
        struct buf out = BUF_INIT;
        size_t bad = codec_base64_decode(c->in, len, c->flags, &out);
        is_bytes(&out, c->want, wlen, what);
        is_int((long long)bad, (long long)c->bad, "  bad");
        /* the same count with no output */
        is_int((long long)codec_base64_decode(c->in, len, c->flags, NULL), (long long)c->bad,
               "  bad, counting only");
        /* fed one byte at a time: the same bytes and count */
        struct buf pieces = BUF_INIT;
        struct codec_base64 d;
        codec_base64_init(&d, c->flags);
        for (size_t k = 0; k < len; k++)
            codec_base64_step(&d, c->in + k, 1, &pieces);
        size_t pbad = codec_base64_end(&d);
        ok(pbad == bad && pieces.len == out.len &&
               (out.len == 0 || memcmp(pieces.data, out.data, out.len) == 0),
           "  byte by byte");
        buf_free(&pieces);
        buf_free(&out);
    }
    struct buf app = BUF_INIT;
    buf_puts(&app, "x");
    codec_base64_decode("YQ", 2, 0, &app);
    is_str(buf_str(&app), "xa", "base64 appends to what the buffer holds");
    buf_free(&app);

    /* ---- quoted-printable ---- */
    static const struct qpcase qp[] = {
        /* empty, and every truncation of an escape, in every form */
        {"", CODEC_QP_BODY, "", 0},
        {"", CODEC_QP_Q, "", 0},
        {"", CODEC_QP_VCARD, "", 0},
        {"", CODEC_QP_PERCENT, "", 0},
        {"=", CODEC_QP_BODY, "=", 1},
        {"=", CODEC_QP_Q, "=", 1},
        {"=", CODEC_QP_VCARD, "=", 1},
        {"%", CODEC_QP_PERCENT, "%", 1},
        {"=4", CODEC_QP_BODY, "=4", 1},
        {"=4", CODEC_QP_Q, "=4", 1},
        {"=4", CODEC_QP_VCARD, "=4", 1},
        {"%4", CODEC_QP_PERCENT, "%4", 1},
        {"=41", CODEC_QP_BODY, "A", 0},
        {"=41", CODEC_QP_Q, "A", 0},
        {"=41", CODEC_QP_VCARD, "A", 0},
        {"%41", CODEC_QP_PERCENT, "A", 0},
        /* either case, the ends of the byte range */
        {"=e9=C3=a9x=FF=01", CODEC_QP_VCARD, "\xe9\xc3\xa9x\xff\x01", 0},
        /* '=' followed by non-hex: kept, and decoding goes on with the next byte */
        {"a=G1b", CODEC_QP_VCARD, "a=G1b", 1},
        {"a=4Gb", CODEC_QP_VCARD, "a=4Gb", 1},
        {"==41", CODEC_QP_VCARD, "=A", 1},
        {"=4=41", CODEC_QP_Q, "=4A", 1},
        {"x=", CODEC_QP_Q, "x=", 1},
        {"100% =3D", CODEC_QP_VCARD, "100% =", 0},
        /* the escape character of each form */
        {"%41=41", CODEC_QP_PERCENT, "A=41", 0},
        {"%41=41", CODEC_QP_Q, "%41A", 0},
        {"%", CODEC_QP_VCARD, "%", 0},
        /* '_' is a space in Q only */
        {"a_b__c", CODEC_QP_Q, "a b  c", 0},
        {"a_b", CODEC_QP_VCARD, "a_b", 0},
        {"a_b", CODEC_QP_BODY, "a_b", 0},
        {"a_b", CODEC_QP_PERCENT, "a_b", 0},
        {"=5F_", CODEC_QP_Q, "_ ", 0},
        /* 8-bit bytes and line ends pass through */
        {"caf\xe9\r\n", CODEC_QP_Q, "caf\xe9\r\n", 0},
        /* soft line breaks: the body form only */
        {"ab=\r\ncd", CODEC_QP_BODY, "abcd", 0},
        {"ab=\ncd", CODEC_QP_BODY, "abcd", 0},
        {"ab= \t\r\ncd", CODEC_QP_BODY, "abcd", 0},
        {"ab=  \ncd", CODEC_QP_BODY, "abcd", 0},
        {"ab=\r\ncd", CODEC_QP_VCARD, "ab=\r\ncd", 1},
        {"ab=\ncd", CODEC_QP_Q, "ab=\ncd", 1},
        /* soft breaks at the end of the input, cut or whole */
        {"ab=\r\n", CODEC_QP_BODY, "ab", 0},
        {"ab=\n", CODEC_QP_BODY, "ab", 0},
        {"ab=\r", CODEC_QP_BODY, "ab", 0},
        {"ab= ", CODEC_QP_BODY, "ab", 0},
        {"ab=\t \r", CODEC_QP_BODY, "ab", 0},
        {"ab=", CODEC_QP_BODY, "ab=", 1}, /* a lone '=' at the end is bad */
        /* not soft breaks: text after the padding, a CR without its LF */
        {"a= b", CODEC_QP_BODY, "a= b", 1},
        {"a=\rb", CODEC_QP_BODY, "a=\rb", 1},
        {"a= \rb", CODEC_QP_BODY, "a= \rb", 1},
        {"a=\r\r\n", CODEC_QP_BODY, "a=\r\r\n", 1},
        {"a=4\n", CODEC_QP_BODY, "a=4\n", 1},
        {"a=\n=\n=", CODEC_QP_BODY, "a=", 1},
        {"=\n=41=\r\n", CODEC_QP_BODY, "A", 0},
        {"line one=20\r\nline two", CODEC_QP_BODY, "line one \r\nline two", 0},
    };
    for (size_t i = 0; i < sizeof qp / sizeof qp[0]; i++) {
        const struct qpcase *c = &qp[i];
        size_t len = strlen(c->in), wlen = strlen(c->want);
        char what[128], in[64];
        show(in, sizeof in, c->in, len);
        snprintf(what, sizeof what, "qp %s case %zu: '%s'", form_name(c->form), i, in);
        struct buf out = BUF_INIT;
        size_t bad = codec_qp_decode(c->in, len, c->form, &out);
        is_bytes(&out, c->want, wlen, what);
        is_int((long long)bad, (long long)c->bad, "  bad");
        is_int((long long)codec_qp_decode(c->in, len, c->form, NULL), (long long)c->bad,
               "  bad, counting only");
        buf_free(&out);
    }

    struct buf nul = BUF_INIT;
    codec_qp_decode("a=00b", 5, CODEC_QP_VCARD, &nul);
    is_bytes(&nul, "a\0b", 3, "qp: =00 is a NUL byte");
    buf_free(&nul);

    /* A body decoded line by line gives what it gives whole (escapes never span a line end). */
    static const char body[] = "a=41=\r\nb= \t\r\nc=\n=4\n=G=\r\n=3d\nlast=";
    size_t blen = strlen(body), whole = codec_qp_decode(body, blen, CODEC_QP_BODY, NULL), split = 0;
    for (size_t start = 0; start < blen;) {
        const char *nl = memchr(body + start, '\n', blen - start);
        size_t end = nl ? (size_t)(nl - body) + 1 : blen;
        split += codec_qp_decode(body + start, end - start, CODEC_QP_BODY, NULL);
        start = end;
    }
    is_int((long long)split, (long long)whole, "qp body: line by line counts as whole");
    is_int((long long)whole, 3, "qp body: three bad escapes in the sample");
    return tap_done();
}
