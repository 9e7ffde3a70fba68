/* Unit tests for src/rfc2047: encoded words, RFC 2231 values and raw header bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/rfc2047.h"
#include "tap.h"
#include "util/utf8.h"

#define FFFD "\xef\xbf\xbd"
#define TESUTO "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88" /* テスト */
#define A "\xe3\x81\x82"                              /* あ */
#define I "\xe3\x81\x84"                              /* い */
#define U "\xe3\x81\x86"                              /* う */

struct hcase {
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *hint;
    const char *want;
    size_t replaced, guessed, relabelled;
};

static void check(const struct hcase *c, size_t i, bool rfc2231)
{
    size_t len = c->len ? c->len : strlen(c->in);
    struct charset_stats st = {0};
    char *got = rfc2231 ? rfc2047_decode_rfc2231(c->in, len, c->hint, &st)
                        : rfc2047_decode(c->in, len, c->hint, &st);
    char what[128];
    snprintf(what, sizeof what, "%s case %zu: %.60s", rfc2231 ? "rfc2231" : "rfc2047", i, c->in);
    for (char *p = what; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '.';
    is_str(got, c->want, what);
    is_int((long long)st.replaced, (long long)c->replaced, "  replaced");
    is_int((long long)st.guessed, (long long)c->guessed, "  guessed");
    is_int((long long)st.relabelled, (long long)c->relabelled, "  relabelled");
    free(got);
}

static uint32_t rng_state = 7u;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

int main(void)
{
    static const struct hcase words[] = {
        /* single words, B and Q, either case */
        {"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", 0, NULL, TESUTO, 0, 0, 0},
        {"=?iso-2022-jp?b?GyRCJUYlOSVIGyhC?=", 0, NULL, TESUTO, 0, 0, 0},
        {"=?UTF-8?B?5pel5pys6Kqe?=", 0, NULL, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0, 0, 0},
        {"=?iso-8859-1?q?caf=E9?=", 0, NULL, "caf\xc3\xa9", 0, 0, 0},
        {"=?utf-8?Q?caf=c3=a9?=", 0, NULL, "caf\xc3\xa9", 0, 0, 0},
        {"=?utf-8?Q?a_b__c?=", 0, NULL, "a b  c", 0, 0, 0},
        {"=?utf-8?Q?100=25_=3D=?=", 0, NULL, "100% ==", 0, 0, 0},
        {"=?Shift_JIS?B?g2WDWINn?=", 0, NULL, TESUTO, 0, 0, 0},
        {"=?utf-8*ja?B?44GC?=", 0, NULL, A, 0, 0, 0},
        {"=?ISO-2022-JP*ja-JP?B?GyRCJUYlOSVIGyhC?=", 0, NULL, TESUTO, 0, 0, 0},
        {"=?UTF-8?B?4pGg6auZ?=", 0, NULL, "\xe2\x91\xa0\xe9\xab\x99", 0, 0, 0},
        {"=?utf-8?B?\?=", 0, NULL, "", 0, 0, 0}, /* "?\?=": no trigraph */
        /* adjacent ISO-2022-JP words split mid-character and mid-escape: bytes joined */
        {"=?ISO-2022-JP?B?GyRCJUY=?= =?ISO-2022-JP?B?JTklSBsoQg==?=", 0, NULL, TESUTO, 0, 0, 0},
        {"=?ISO-2022-JP?B?GyQ=?=\r\n =?ISO-2022-JP?B?QiVGJTklSBsoQg==?=", 0, NULL, TESUTO, 0, 0,
         0},
        {"=?iso-2022-jp?B?GyQ=?= =?ISO-2022-JP?B?QiVGJTklSBsoQg==?=", 0, NULL, TESUTO, 0, 0, 0},
        /* adjacent UTF-8 words split mid-character, with and without white space */
        {"=?UTF-8?B?44GC4w==?= =?UTF-8?B?gYTjgYY=?=", 0, NULL, A I U, 0, 0, 0},
        {"=?UTF-8?B?44GC4w==?==?UTF-8?B?gYTjgYY=?=", 0, NULL, A I U, 0, 0, 0},
        {"=?utf-8?B?44GC4w==?=\t\r\n\t=?utf8?B?gYTjgYY=?=", 0, NULL, A I U, 0, 0, 0},
        /* mixed charsets: each converted alone, white space between still dropped */
        {"=?utf-8?B?44GC?= =?iso-8859-1?Q?caf=E9?=", 0, NULL, A "caf\xc3\xa9", 0, 0, 0},
        {"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= =?Shift_JIS?B?g2WDWINn?=", 0, NULL, TESUTO TESUTO, 0,
         0, 0},
        /* a split character in words of different charsets stays broken */
        {"=?UTF-8?B?44GC4w==?= =?iso-8859-1?Q?x?=", 0, NULL, A FFFD "x", 1, 0, 0},
        /* text between words kept, white space at the edges kept */
        {"=?utf-8?B?44GC?= and =?utf-8?B?44GE?=", 0, NULL, A " and " I, 0, 0, 0},
        {"Re: =?utf-8?B?44GC?= ", 0, NULL, "Re: " A " ", 0, 0, 0},
        {"  =?utf-8?B?44GC?=", 0, NULL, "  " A, 0, 0, 0},
        /* encoded words glued to text */
        {"abc=?UTF-8?B?44GC?=def", 0, NULL, "abc" A "def", 0, 0, 0},
        {"Re:=?UTF-8?B?44GC?=", 0, NULL, "Re:" A, 0, 0, 0},
        {"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=.txt", 0, NULL, TESUTO ".txt", 0, 0, 0},
        /* malformed words stay literal */
        {"=?utf-8?X?abc?=", 0, NULL, "=?utf-8?X?abc?=", 0, 0, 0},
        {"=?utf-8?B?44GC", 0, NULL, "=?utf-8?B?44GC", 0, 0, 0},
        {"=??B?44GC?=", 0, NULL, "=??B?44GC?=", 0, 0, 0},
        {"=?utf-8?B?44 GC?=", 0, NULL, "=?utf-8?B?44 GC?=", 0, 0, 0},
        {"=?utf 8?B?44GC?=", 0, NULL, "=?utf 8?B?44GC?=", 0, 0, 0},
        {"=?utf-8?BB?44GC?=", 0, NULL, "=?utf-8?BB?44GC?=", 0, 0, 0},
        {"a =? b ?= c", 0, NULL, "a =? b ?= c", 0, 0, 0},
        {"=?", 0, NULL, "=?", 0, 0, 0},
        {"=", 0, NULL, "=", 0, 0, 0},
        {"=?utf-8?B?44GC?= =?bad", 0, NULL, A " =?bad", 0, 0, 0},
        /* broken base64: bad or missing padding, stray characters, padding in the middle */
        {"=?UTF-8?B?44GC44GE=?=", 0, NULL, A I, 0, 0, 0},
        {"=?UTF-8?B?44GC44GE?=", 0, NULL, A I, 0, 0, 0},
        {"=?utf-8?B?YQ?=", 0, NULL, "a", 0, 0, 0},
        {"=?utf-8?B?YQ==YQ==?=", 0, NULL, "aa", 0, 0, 0},
        {"=?utf-8?B?4*4GC?=", 0, NULL, A, 0, 0, 0},
        {"=?utf-8?B?44G?=", 0, NULL, FFFD FFFD, 2, 0, 0},
        /* Q oddities: a lone '=', 8-bit bytes left in the text */
        {"=?iso-8859-1?Q?a=?=", 0, NULL, "a=", 0, 0, 0},
        {"=?iso-8859-1?Q?a=4?=", 0, NULL, "a=4", 0, 0, 0},
        {"=?iso-8859-1?Q?caf\xe9?=", 0, NULL, "caf\xc3\xa9", 0, 0, 0},
        /* unknown charset in a word: guessed with the hint */
        {"=?x-unknown?B?g2WDWINn?=", 0, NULL, TESUTO, 0, 1, 0},
        {"=?unknown-8bit?Q?caf=E9?=", 0, NULL, "caf\xc3\xa9", 0, 1, 0},
        /* mislabelled word: us-ascii holding ISO-2022-JP */
        {"=?us-ascii?B?GyRCJUYlOSVIGyhC?=", 0, NULL, TESUTO, 0, 0, 1},
        /* NUL would end the string early: removed, counted */
        {"=?utf-8?Q?a=00b?=", 0, NULL, "ab", 1, 0, 0},
        {"a\0b", 3, NULL, "ab", 1, 0, 0},
        {"=?ISO-2022-JP?B?GyRCJWEhPCVrGyhCIChFcnJvcikA?=", 0, NULL,
         "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab (Error)", 1, 0, 0},
        /* raw bytes: CP932 with and without a hint, EUC-JP, UTF-8, ISO-2022-JP, Latin-1 */
        {"Re: \x83\x65\x83\x58\x83\x67", 0, NULL, "Re: " TESUTO, 0, 1, 0},
        {"Re: \x83\x65\x83\x58\x83\x67", 0, "shift_jis", "Re: " TESUTO, 0, 1, 0},
        {"\x82\xa0\x82\xa2", 0, "iso-2022-jp", A I, 0, 1, 0},
        {"\xa5\xc6\xa5\xb9\xa5\xc8", 0, "euc-jp", TESUTO, 0, 1, 0},
        {"\xa5\xc6\xa5\xb9\xa5\xc8", 0, NULL, TESUTO, 0, 1, 0},
        {"Re: " TESUTO, 0, NULL, "Re: " TESUTO, 0, 0, 0},
        {"Re: " TESUTO, 0, "iso-2022-jp", "Re: " TESUTO, 0, 0, 0},
        {"Re: \x1b$B%F%9%H\x1b(B", 0, NULL, "Re: " TESUTO, 0, 0, 0},
        /* a fold keeps the escape state (a line end would have reset it); its space stays */
        {"\x1b$B%F%9\r\n %H\x1b(B", 0, NULL, "\xe3\x83\x86\xe3\x82\xb9 \xe3\x83\x88", 0, 0, 0},
        {"caf\xe9", 0, "iso-8859-1", "caf\xc3\xa9", 0, 1, 0},
        {"caf\xe9 au lait", 0, NULL, "caf\xc3\xa9 au lait", 0, 1, 0},
        {"a\x1b[0m", 0, NULL, "a" FFFD "[0m", 1, 0, 0},
        /* raw text and words together: raw guessed as a whole, words by their charset */
        {"\x83\x65\x83\x58\x83\x67 =?UTF-8?B?44GC?= \x83\x65", 0, NULL,
         TESUTO " " A " \xe3\x83\x86", 0, 1, 0},
        /* unfolding of raw text */
        {"long\r\n subject", 0, NULL, "long subject", 0, 0, 0},
        {"a\n\tb", 0, NULL, "a\tb", 0, 0, 0},
        {"", 0, NULL, "", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        check(&words[i], i, false);
    {
        char *s = rfc2047_decode(NULL, 4, NULL, NULL);
        is_str(s, "", "NULL value");
        free(s);
        /* the length is honoured: nothing past it is read */
        s = rfc2047_decode("=?utf-8?B?44GC?=XYZ", 16, NULL, NULL);
        is_str(s, A, "length honoured");
        free(s);
        s = rfc2047_decode("=?utf-8?B?44GC?=", 15, NULL, NULL);
        is_str(s, "=?utf-8?B?44GC?", "word cut by the length stays literal");
        free(s);
    }

    static const struct hcase params[] = {
        {"UTF-8''%E3%81%82.txt", 0, NULL, A ".txt", 0, 0, 0},
        {"utf-8'ja'%E3%81%82%e3%81%84", 0, NULL, A I, 0, 0, 0},
        {"iso-2022-jp'ja'%1B%24B%25F%259%25H%1B%28B", 0, NULL, TESUTO, 0, 0, 0},
        {"ISO-2022-JP''%1B$B%25F%259%25H%1B(B.doc", 0, NULL, TESUTO ".doc", 0, 0, 0},
        {"Shift_JIS''%83e%83X%83g", 0, NULL, TESUTO, 0, 0, 0},
        {"''%82%A0", 0, "shift_jis", A, 0, 1, 0},
        {"x-unknown''%83e%83X%83g", 0, NULL, TESUTO, 0, 1, 0},
        {"x-unknown''%E3%81%82", 0, NULL, A, 0, 1, 0},
        {"x-unknown''abc", 0, NULL, "abc", 0, 0, 0},
        {"UTF-8''100%", 0, NULL, "100%", 0, 0, 0},
        {"UTF-8''100%2", 0, NULL, "100%2", 0, 0, 0},
        {"UTF-8''%E3%81", 0, NULL, FFFD FFFD, 2, 0, 0},
        {"\"UTF-8''%E3%81%82\"", 0, NULL, A, 0, 0, 0},
        {"UTF-8''", 0, NULL, "", 0, 0, 0},
        /* not charset'lang'text: raw */
        {"plain.txt", 0, NULL, "plain.txt", 0, 0, 0},
        {"it's Bob's file.txt", 0, NULL, "it's Bob's file.txt", 0, 0, 0},
        {"UTF-8'%E3%81%82", 0, NULL, "UTF-8'%E3%81%82", 0, 0, 0},
        {"=?UTF-8?B?44GC?=.txt", 0, NULL, A ".txt", 0, 0, 0},
        {"\x83\x65\x83\x58\x83\x67.txt", 0, NULL, TESUTO ".txt", 0, 1, 0},
        {"", 0, NULL, "", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        check(&params[i], i, true);

    /* Pseudo-random values built from word fragments: valid UTF-8, no ESC, never a crash. */
    static const char *const frags[] = {"=?",   "?=",   "?B?",  "?Q?",  "?b?", "utf-8", "ISO-2022-JP",
                                        "*ja",  "GyRC", "JUY=", "44GC", "4w==", "=E3", "=8",
                                        "_",    " ",    "\r\n ", "'",   "''",  "%1B", "%E3%81",
                                        "\x83\x65", "\xa4\xa2", "\x1b$B", "\x1b(B", "%", "="};
    static const char *const hints[] = {NULL, "shift_jis", "euc-jp", "iso-2022-jp", "utf-8",
                                        "iso-8859-1"};
    bool rnd_ok = true;
    char in[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0, want = rng() % 200;
        while (n < want) {
            if (rng() % 3) {
                const char *f = frags[rng() % (sizeof frags / sizeof frags[0])];
                size_t fl = strlen(f);
                if (n + fl > sizeof in)
                    break;
                memcpy(in + n, f, fl);
                n += fl;
            } else {
                in[n++] = (char)(rng() & 0xFF);
            }
        }
        const char *hint = hints[round % (sizeof hints / sizeof hints[0])];
        /* a heap copy of exactly n bytes, so reading past the end is caught by ASan */
        char *heap = malloc(n ? n : 1);
        memcpy(heap, in, n);
        char *a = rfc2047_decode(heap, n, hint, NULL);
        char *b = rfc2047_decode_rfc2231(heap, n, hint, NULL);
        if (!utf8_valid(a, strlen(a)) || strchr(a, 0x1b) || !utf8_valid(b, strlen(b)) ||
            strchr(b, 0x1b)) {
            if (rnd_ok)
                printf("# random round %d failed\n", round);
            rnd_ok = false;
        }
        free(a);
        free(b);
        free(heap);
    }
    ok(rnd_ok, "20000 random values: valid UTF-8 without ESC");

    return tap_done();
}
