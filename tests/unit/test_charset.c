/* Unit tests for src/charset: ISO-2022-JP as Windows writes it, labels, overrules, guesses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/charset.h"
#include "tap.h"
#include "util/utf8.h"

/* ISO-2022-JP pieces, spelled out. */
#define ESC "\x1b"
#define JIS0208 ESC "$B"
#define ASCII ESC "(B"
#define KANA ESC "(I"
#define JIS0212 ESC "$(D"
#define FFFD "\xef\xbf\xbd"

struct dcase {
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *label;
    const char *want;
    size_t want_len; /* 0: strlen(want) */
    size_t replaced, guessed, relabelled;
};

static bool no_esc(const char *s, size_t n)
{
    return memchr(s, 0x1B, n) == NULL;
}

static void check_decode(const struct dcase *c, size_t i, bool iso2022jp_only)
{
    size_t len = c->len ? c->len : strlen(c->in);
    size_t want_len = c->want_len ? c->want_len : strlen(c->want);
    struct charset_stats st = {0};
    size_t outlen = (size_t)-1;
    char *got = iso2022jp_only ? charset_iso2022jp_to_utf8(c->in, len, &st, &outlen)
                               : charset_to_utf8(c->in, len, c->label, &st, &outlen);
    char what[96];
    snprintf(what, sizeof what, "%s case %zu (%s)", iso2022jp_only ? "iso2022jp" : "to_utf8", i,
             c->label ? c->label : "no label");
    bool same = outlen == want_len && memcmp(got, c->want, want_len) == 0 && got[outlen] == '\0';
    if (!ok(same, "%s: text", what)) {
        printf("#   got:  '%s' (%zu bytes)\n#   want: '%s' (%zu bytes)\n", got, outlen, c->want,
               want_len);
    }
    is_int((long long)st.replaced, (long long)c->replaced, "  replaced");
    is_int((long long)st.guessed, (long long)c->guessed, "  guessed");
    is_int((long long)st.relabelled, (long long)c->relabelled, "  relabelled");
    free(got);
}

/* Removes every U+FFFD from a string. */
static char *strip_fffd(const char *s, size_t n, size_t *outn)
{
    char *o = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (i + 3 <= n && memcmp(s + i, FFFD, 3) == 0) {
            i += 3;
            continue;
        }
        o[k++] = s[i++];
    }
    o[k] = '\0';
    *outn = k;
    return o;
}

static uint32_t rng_state = 20240611u;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Random bytes that often look like ISO-2022-JP, CP932, EUC-JP or UTF-8. */
static size_t random_bytes(char *b, size_t cap)
{
    static const char *const frags[] = {JIS0208, ASCII, KANA, JIS0212, ESC "$@", ESC "(J",
                                        ESC "$A", ESC "&@", ESC, "\x0e", "\x0f", "\r\n",
                                        "\x82\xa0", "\x87\x40", "\xa4\xa2", "\x8f\xb0\xa1",
                                        "\xe3\x81\x82", "\xf0\x9f\x98\x80", "-!", "|b", "+ZeV-"};
    size_t n = rng() % cap, k = 0;
    while (k < n) {
        uint32_t r = rng() % 4;
        if (r == 0) {
            const char *f = frags[rng() % (sizeof frags / sizeof frags[0])];
            size_t fl = strlen(f);
            if (k + fl > n)
                break;
            memcpy(b + k, f, fl);
            k += fl;
        } else if (r == 1) {
            b[k++] = (char)(rng() & 0xFF);
        } else {
            b[k++] = (char)(0x21 + rng() % 94);
        }
    }
    return k;
}

int main(void)
{
    /* ---- charset_canonical */
    static const struct {
        const char *in, *want;
    } names[] = {
        {"Shift_JIS", "CP932"},
        {" \"x-sjis\" ", "CP932"},
        {"windows-31j", "CP932"},
        {"MS932", "CP932"},
        {"EUC-JP", "EUC-JP-MS"},
        {"x-euc-jp", "EUC-JP-MS"},
        {"ISO-2022-JP", "ISO-2022-JP"},
        {"iso-2022-jp-2", "ISO-2022-JP"},
        {"csISO2022JP", "ISO-2022-JP"},
        {"utf8", "UTF-8"},
        {"'UTF-8'", "UTF-8"},
        {"ks_c_5601-1987", "CP949"},
        {"gb2312", "GB18030"},
        {"iso-8859-1", "WINDOWS-1252"},
        {"us-ascii", "WINDOWS-1252"},
        {"iso-8859-15", "ISO-8859-15"},
        {"koi8-r", "KOI8-R"},
        {"Windows-1251", "WINDOWS-1251"},
        {"CP65001", "UTF-8"},
        {"CP50220", "ISO-2022-JP"},
        {"CP1200", "UTF-16LE"},
        {"CP874", "CP874"},
        {"x-unknown", NULL},
        {"unknown-8bit", NULL},
        {"utf-8//TRANSLIT", NULL},
        {"utf-8, ignore", NULL},
        {"", NULL},
        {"  ", NULL},
        {NULL, NULL},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "canonical(%s)", names[i].in ? names[i].in : "NULL");
        is_str(charset_canonical(names[i].in), names[i].want, what);
    }
    is_str(charset_canonical("iso-8859-15"), "ISO-8859-15", "canonical cached answer stable");

    /* ---- the ISO-2022-JP state machine */
    static const struct dcase jis[] = {
        /* NEC row 13 and NEC-selected IBM extensions (rows 89-92 via CP932 lead bytes ED/EE) */
        {JIS0208 "\x2d\x21\x2d\x6a\x2d\x62\x2d\x36\x7c\x62\x79\x75" ASCII, 0, NULL,
         "\xe2\x91\xa0\xe3\x88\xb1\xe2\x84\x96\xe2\x85\xa1\xe9\xab\x99\xef\xa8\x91", 0, 0, 0, 0},
        /* 纊 at the start of row 89 */
        {JIS0208 "\x79\x21" ASCII, 0, NULL, "\xe7\xba\x8a", 0, 0, 0, 0},
        /* wave dash and the other CP932 differences from the JIS table */
        {JIS0208 "\x21\x41" ASCII, 0, NULL, "\xef\xbd\x9e", 0, 0, 0, 0},
        {JIS0208 "\x21\x42\x21\x5d\x21\x71\x21\x72\x22\x4c" ASCII, 0, NULL,
         "\xe2\x88\xa5\xef\xbc\x8d\xef\xbf\xa0\xef\xbf\xa1\xef\xbf\xa2", 0, 0, 0, 0},
        /* ordinary text with ASCII around it; ESC $ @ is JIS X 0208 too */
        {"Re: " JIS0208 "%F%9%H" ASCII " ok", 0, NULL,
         "Re: \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88 ok", 0, 0, 0, 0},
        {ESC "$@\x30\x21" ASCII, 0, NULL, "\xe4\xba\x9c", 0, 0, 0, 0},
        {ESC "&@" JIS0208 "\x30\x21" ASCII, 0, NULL, "\xe4\xba\x9c", 0, 0, 0, 0},
        {ESC "$(B\x30\x21" ESC "(J\\~", 0, NULL, "\xe4\xba\x9c\\~", 0, 0, 0, 0},
        /* half-width katakana: ESC ( I, and SO/SI from ASCII and from JIS X 0208 */
        {KANA "\x31\x32\x33\x5f" ASCII "x", 0, NULL,
         "\xef\xbd\xb1\xef\xbd\xb2\xef\xbd\xb3\xef\xbe\x9f" "x", 0, 0, 0, 0},
        {"a\x0e\x31\x32\x33\x0f" "b", 0, NULL, "a\xef\xbd\xb1\xef\xbd\xb2\xef\xbd\xb3" "b", 0, 0, 0, 0},
        {JIS0208 "\x30\x21\x0e\x31\x0f\x30\x21" ASCII, 0, NULL,
         "\xe4\xba\x9c\xef\xbd\xb1\xe4\xba\x9c", 0, 0, 0, 0},
        {KANA "\x60" ASCII, 0, NULL, FFFD, 0, 1, 0, 0},
        /* JIS X 0212 */
        {JIS0212 "\x30\x21" ASCII, 0, NULL, "\xe4\xb8\x82", 0, 0, 0, 0},
        {JIS0212 "\x22\x2f" ASCII, 0, NULL, "\xcb\x98", 0, 0, 0, 0}, /* breve */
        /* stray and unknown escapes */
        {"a" ESC "b", 0, NULL, "a" FFFD "b", 0, 1, 0, 0},
        {"a" ESC, 0, NULL, "a" FFFD, 0, 1, 0, 0},
        {"a" ESC "$", 0, NULL, "a" FFFD, 0, 1, 0, 0},
        {"a" ESC "$(", 0, NULL, "a" FFFD, 0, 1, 0, 0},
        {"a" ESC "$\nb", 0, NULL, "a" FFFD "\nb", 0, 1, 0, 0},
        {ESC "$A\x30\x21" ASCII "x", 0, NULL, FFFD FFFD "x", 0, 2, 0, 0}, /* GB 2312 */
        {ESC "(Zab" ASCII "x", 0, NULL, FFFD FFFD FFFD "x", 0, 3, 0, 0},
        {ESC ")Iab", 0, NULL, FFFD "ab", 0, 1, 0, 0},
        /* truncated pair, lone first byte, 8-bit bytes, unmapped pairs */
        {JIS0208 "\x30", 0, NULL, FFFD, 0, 1, 0, 0},
        {JIS0208 "\x30" ASCII "x", 0, NULL, FFFD "x", 0, 1, 0, 0},
        {"a\x82" "b\xff", 0, NULL, "a" FFFD "b" FFFD, 0, 2, 0, 0},
        {JIS0208 "\x29\x21\x30\x21" ASCII, 0, NULL, FFFD "\xe4\xba\x9c", 0, 1, 0, 0},
        {JIS0208 "\x75\x21" ASCII, 0, NULL, FFFD, 0, 1, 0, 0}, /* user-defined rows */
        /* line ends return to ASCII; space and controls pass in every mode */
        {JIS0208 "\x30\x21\r\nabc", 0, NULL, "\xe4\xba\x9c\r\nabc", 0, 0, 0, 0},
        {JIS0208 "\x30\x21\nabc", 0, NULL, "\xe4\xba\x9c\nabc", 0, 0, 0, 0},
        {"\x0e\x31\r\n\x31", 0, NULL, "\xef\xbd\xb1\r\n1", 0, 0, 0, 0},
        {JIS0208 "\x30\x21 \x30\x21\t" ASCII, 0, NULL, "\xe4\xba\x9c \xe4\xba\x9c\t", 0, 0, 0, 0},
        {JIS0208 "\x30 \x21" ASCII, 0, NULL, FFFD " " FFFD, 0, 2, 0, 0},
        /* NUL bytes are data */
        {"a\0" JIS0208 "\x30\x21", 7, NULL, "a\0\xe4\xba\x9c", 5, 0, 0, 0},
        {"", 0, NULL, "", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof jis / sizeof jis[0]; i++)
        check_decode(&jis[i], i, true);

    /* Truncated at every length: never a crash, only U+FFFD added to a prefix of the text. */
    const char sample[] = "A" JIS0208 "\x2d\x21\x7c\x62\x24\x22" KANA "\x31\x32" ASCII "z"
                          "\x0e\x33\x0f" JIS0212 "\x30\x21" ASCII "!";
    size_t full_len;
    char *full = charset_iso2022jp_to_utf8(sample, sizeof sample - 1, NULL, &full_len);
    is_str(full,
           "A\xe2\x91\xa0\xe9\xab\x99\xe3\x81\x82\xef\xbd\xb1\xef\xbd\xb2z\xef\xbd\xb3"
           "\xe4\xb8\x82!",
           "truncation sample decodes whole");
    bool trunc_ok = true;
    for (size_t n = 0; n <= sizeof sample - 1; n++) {
        size_t outn, stripped_n;
        struct charset_stats st = {0};
        char *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees any read beyond */
        memcpy(cut, sample, n);
        char *o = charset_iso2022jp_to_utf8(cut, n, &st, &outn);
        free(cut);
        char *stripped = strip_fffd(o, outn, &stripped_n);
        if (!utf8_valid(o, outn) || !no_esc(o, outn) || stripped_n > full_len ||
            memcmp(stripped, full, stripped_n) != 0 || (st.replaced == 0) != (stripped_n == outn)) {
            trunc_ok = false;
            printf("# truncated at %zu: '%s'\n", n, o);
        }
        free(stripped);
        free(o);
    }
    ok(trunc_ok, "every truncation: valid UTF-8, no ESC, a prefix plus U+FFFD only");
    free(full);

    /* Every pair after ESC $ B: valid UTF-8, no ESC, one character or U+FFFD. */
    bool pairs_ok = true;
    size_t mapped = 0;
    for (unsigned b1 = 0; b1 < 256; b1++)
        for (unsigned b2 = 0; b2 < 256; b2++) {
            char in[5] = {0x1b, '$', 'B', (char)b1, (char)b2};
            size_t outn;
            struct charset_stats st = {0};
            char *o = charset_iso2022jp_to_utf8(in, 5, &st, &outn);
            if (!utf8_valid(o, outn) || !no_esc(o, outn)) {
                if (pairs_ok)
                    printf("# pair %02x %02x: '%s'\n", b1, b2, o);
                pairs_ok = false;
            }
            if (b1 >= 0x21 && b1 <= 0x7e && b2 >= 0x21 && b2 <= 0x7e && st.replaced == 0)
                mapped++;
            free(o);
        }
    ok(pairs_ok, "all 65536 pairs after ESC $ B give valid UTF-8 without ESC");
    /* JIS X 0208 (6879) + NEC row 13 (83) + NEC-selected IBM (374), as CP932 has them */
    is_int((long long)mapped, 7336, "mapped JIS X 0208 pairs");

    /* ---- charset_to_utf8: labels and overrules */
    static const struct dcase conv[] = {
        /* CP932 under its many names, NEC and IBM forms of 髙 */
        {"\x87\x40\xee\xe0\xfb\xfc", 0, "Shift_JIS", "\xe2\x91\xa0\xe9\xab\x99\xe9\xab\x99", 0,
         0, 0, 0},
        {"\x83\x65\x83\x58\x83\x67\x5c", 0, "x-sjis", "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88\\",
         0, 0, 0, 0},
        {"\x81\x60\xb1", 0, "windows-31j", "\xef\xbd\x9e\xef\xbd\xb1", 0, 0, 0, 0},
        {"a\x82", 0, "shift_jis", "a" FFFD, 0, 1, 0, 0},
        {"\x85\x40z", 0, "shift_jis", FFFD "@z", 0, 1, 0, 0},
        /* EUC-JP as EUC-JP-MS: kana via 8E, JIS X 0212 via 8F, NEC row 13 */
        {"\xa4\xa2\xb4\xc1\x8e\xb1\x8f\xb0\xa1\xad\xa1", 0, "euc-jp",
         "\xe3\x81\x82\xe6\xbc\xa2\xef\xbd\xb1\xe4\xb8\x82\xe2\x91\xa0", 0, 0, 0, 0},
        /* ISO-2022-JP by label */
        {JIS0208 "\x24\x22" ASCII, 0, "iso-2022-jp", "\xe3\x81\x82", 0, 0, 0, 0},
        {"plain", 0, "ISO-2022-JP", "plain", 0, 0, 0, 0},
        {"\x0e\x31\x0f", 0, "ISO-2022-JP", "\xef\xbd\xb1", 0, 0, 0, 0},
        /* ... and labelled so, but raw CP932: relabelled */
        {"\x82\xa0\x82\xa2", 0, "iso-2022-jp", "\xe3\x81\x82\xe3\x81\x84", 0, 0, 0, 1},
        /* UTF-8 */
        {"\xe6\x97\xa5\xe6\x9c\xac", 0, "utf-8", "\xe6\x97\xa5\xe6\x9c\xac", 0, 0, 0, 0},
        {"a\xe6\x97z\xc0\xaf", 0, "UTF8", "a" FFFD FFFD "z" FFFD FFFD, 0, 4, 0, 0},
        {"\xed\xa0\x80", 0, "utf-8", FFFD FFFD FFFD, 0, 3, 0, 0}, /* a surrogate */
        /* single-byte labels holding UTF-8 */
        {"caf\xc3\xa9", 0, "iso-8859-1", "caf\xc3\xa9", 0, 0, 0, 1},
        {"\xe3\x81\x82", 0, "windows-1252", "\xe3\x81\x82", 0, 0, 0, 1},
        /* ISO-2022-JP escapes under us-ascii / iso-8859-1 / utf-8 / no label */
        {JIS0208 "\x24\x22" ASCII, 0, "us-ascii", "\xe3\x81\x82", 0, 0, 0, 1},
        {JIS0208 "\x24\x22" ASCII, 0, "iso-8859-1", "\xe3\x81\x82", 0, 0, 0, 1},
        {JIS0208 "\x24\x22" ASCII, 0, "utf-8", "\xe3\x81\x82", 0, 0, 0, 1},
        {JIS0208 "\x24\x22" ASCII, 0, NULL, "\xe3\x81\x82", 0, 0, 1, 0},
        /* an ESC that is not ISO-2022-JP never passes */
        {"a" ESC "[0m", 0, "us-ascii", "a" FFFD "[0m", 0, 1, 0, 0},
        {"a" ESC "b\xe9", 0, "iso-8859-1", "a" FFFD "b\xc3\xa9", 0, 1, 0, 0},
        {"a" ESC "b", 0, NULL, "a" FFFD "b", 0, 1, 0, 0},
        /* Western */
        {"\x93quoted\x94 \x85 \x80", 0, "windows-1252",
         "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\xa6 \xe2\x82\xac", 0, 0, 0, 0},
        {"\x93x\x94 caf\xe9", 0, "iso-8859-1", "\xe2\x80\x9cx\xe2\x80\x9d caf\xc3\xa9", 0, 0, 0, 0},
        {"caf\xe9", 0, "us-ascii", "caf\xc3\xa9", 0, 0, 0, 0},
        {"\xa4", 0, "iso-8859-15", "\xe2\x82\xac", 0, 0, 0, 0},
        {"\xc1\xc2", 0, "koi8-r", "\xd0\xb0\xd0\xb1", 0, 0, 0, 0},
        /* other East Asian */
        {"\xb0\xa1", 0, "ks_c_5601-1987", "\xea\xb0\x80", 0, 0, 0, 0},
        {"\xb0\xa1", 0, "gb2312", "\xe5\x95\x8a", 0, 0, 0, 0},
        /* not ASCII-compatible: no ASCII shortcut */
        {"+MEIwRA-", 0, "utf-7", "\xe3\x81\x82\xe3\x81\x84", 0, 0, 0, 0},
        {"\x42\x30", 2, "utf-16le", "\xe3\x81\x82", 0, 0, 0, 0},
        /* unknown and missing labels: guessed */
        {"\x82\xa0\x82\xa2", 0, "x-foo", "\xe3\x81\x82\xe3\x81\x84", 0, 0, 1, 0},
        {"\x83\x65\x83\x58\x83\x67", 0, NULL, "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 0, 0, 1, 0},
        {"\xa5\xc6\xa5\xb9\xa5\xc8", 0, "", "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 0, 0, 1, 0},
        {"\xe3\x81\x82", 0, "unknown-8bit", "\xe3\x81\x82", 0, 0, 1, 0},
        {"caf\xe9", 0, NULL, "caf\xc3\xa9", 0, 0, 1, 0},
        {"plain ascii", 0, NULL, "plain ascii", 0, 0, 0, 0},
        {"plain ascii", 0, "x-foo", "plain ascii", 0, 0, 0, 0},
        /* NUL bytes are data; length comes back */
        {"a\0b", 3, "us-ascii", "a\0b", 3, 0, 0, 0},
        {"\x82\xa0\0\x82\xa2", 5, "shift_jis", "\xe3\x81\x82\0\xe3\x81\x84", 7, 0, 0, 0},
        {"", 0, "utf-8", "", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++)
        check_decode(&conv[i], i, false);
    {
        char *s = charset_to_utf8(NULL, 5, "utf-8", NULL, NULL);
        is_str(s, "", "NULL data gives an empty string");
        free(s);
        struct charset_stats st = {0};
        free(charset_to_utf8("\x82\xa0", 2, "x-foo", &st, NULL));
        free(charset_to_utf8("a\x82", 2, "shift_jis", &st, NULL));
        ok(st.guessed == 1 && st.replaced == 1, "counters add up over calls");
    }

    /* ---- charset_guess */
    static const struct {
        const char *in, *hint, *want;
    } guesses[] = {
        {"", NULL, "UTF-8"},
        {"plain", "shift_jis", "UTF-8"},
        {JIS0208 "\x24\x22" ASCII, NULL, "ISO-2022-JP"},
        {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "shift_jis", "UTF-8"},
        {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa", NULL, "UTF-8"}, /* cut off mid-character */
        {"\x83\x65\x83\x58\x83\x67", NULL, "CP932"},
        {"\x83\x65\x83\x58\x83\x67", "euc-jp", "CP932"}, /* invalid as EUC-JP */
        {"\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x58\x83\x67", NULL, "CP932"},
        {"\x87\x40\xee\xe0 Re:", "iso-2022-jp", "CP932"},
        {"\xa5\xc6\xa5\xb9\xa5\xc8", NULL, "EUC-JP-MS"},
        {"\xa4\xa2\xa4\xa4", "euc-jp", "EUC-JP-MS"},
        {"\xa4\xa2\xa4\xa4", "shift_jis", "CP932"}, /* fits both: the hint decides */
        {"\xc6\xfc\xcb\xdc\xb8\xec", "EUC-JP", "EUC-JP-MS"},
        {"caf\xe9", NULL, "WINDOWS-1252"},
        {"Forma\xe7\xe3o FrenetikPolis: Mega Campanha Final Ver\xe3o", NULL, "WINDOWS-1252"},
        {"Forma\xe7\xe3o", "shift_jis", "WINDOWS-1252"},
        {"\x91\xe6\x31\x89\xf1", NULL, "CP932"}, /* 第1回: one kanji at a time too */
        {"M\xfcller", NULL, "WINDOWS-1252"},
        {"\x93quoted\x94", "windows-1252", "WINDOWS-1252"},
        {"\xc4rger", "iso-8859-1", "WINDOWS-1252"},
        {"\xc4rger", NULL, "WINDOWS-1252"},
        {"\xff\xfe\xfd", NULL, "WINDOWS-1252"},
        {"\xc4rger", "us-ascii", "WINDOWS-1252"},
        {"\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", "KOI8-R"},
        {"\xb0\xa1\xb3\xaa", "ks_c_5601-1987", "CP949"},
        {"\xb0\xa1\xb3\xaa", "gb2312", "GB18030"},
        {"\x83\x65\x83\x58\x83\x67", "gb2312", "GB18030"}, /* GBK reads it cleanly too */
        {"r\xe9union", "iso-8859-1", "WINDOWS-1252"},
        {"r\xe9union", "windows-1250", "WINDOWS-1250"},
        {"\x83\x65\x83\x58\x83\x67", "iso-8859-1", "CP932"},
    };
    for (size_t i = 0; i < sizeof guesses / sizeof guesses[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "guess case %zu", i);
        is_str(charset_guess(guesses[i].in, strlen(guesses[i].in), guesses[i].hint),
               guesses[i].want, what);
    }
    is_str(charset_guess(NULL, 3, NULL), "UTF-8", "guess NULL data");

    /* ---- pseudo-random bytes through every function */
    static const char *const labels[] = {NULL,        "iso-2022-jp", "shift_jis", "euc-jp",
                                         "utf-8",     "us-ascii",    "iso-8859-1", "x-unknown",
                                         "utf-7",     "utf-16",      "gb2312",     "windows-1252",
                                         "big5",      "iso-2022-kr"};
    bool rnd_ok = true;
    char in[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = random_bytes(in, sizeof in);
        /* a heap copy of exactly n bytes, so reading past the end is caught by ASan */
        char *heap = malloc(n ? n : 1);
        memcpy(heap, in, n);
        const char *label = labels[round % (sizeof labels / sizeof labels[0])];
        size_t outn;
        struct charset_stats st = {0};
        char *o = charset_to_utf8(heap, n, label, &st, &outn);
        if (!utf8_valid(o, outn) || !no_esc(o, outn) || o[outn] != '\0') {
            if (rnd_ok)
                printf("# random round %d label %s failed\n", round, label ? label : "NULL");
            rnd_ok = false;
        }
        free(o);
        o = charset_iso2022jp_to_utf8(heap, n, &st, &outn);
        if (!utf8_valid(o, outn) || !no_esc(o, outn) || o[outn] != '\0')
            rnd_ok = false;
        free(o);
        const char *g = charset_guess(heap, n, label);
        if (!g || !charset_canonical(g))
            rnd_ok = false;
        o = charset_to_utf8(heap, n, g, &st, &outn);
        if (!utf8_valid(o, outn) || !no_esc(o, outn))
            rnd_ok = false;
        free(o);
        if (charset_canonical(label) == NULL && label && strcmp(label, "x-unknown") != 0)
            rnd_ok = false;
        /* random names: an answer is NULL or a name iconv takes (upper case, no "//") */
        char name[24];
        size_t nl = rng() % sizeof name;
        for (size_t k = 0; k < nl; k++)
            name[k] = (char)(rng() % 3 ? "utf-8isojp_ISO2022JP'\" /"[rng() % 24] : (char)(1 + rng() % 255));
        name[nl] = '\0';
        const char *cn = charset_canonical(name);
        if (cn && (strchr(cn, '/') || strchr(cn, ' ')))
            rnd_ok = false;
        free(heap);
    }
    ok(rnd_ok, "20000 random inputs: every function gives valid UTF-8 without ESC");

    /* UTF-8 into a charset: '?' for what it cannot hold, each such character collected once */
    struct buf enc = BUF_INIT, bad = BUF_INIT;
    struct error err;
    ok(charset_from_utf8(&enc, "\xe5\xb1\xb1\xf0\xa0\xae\xb7" "a\xf0\xa0\xae\xb7\xef\xbd\xb1", 15,
                         "CP932", &bad, &err) == 0 &&
           enc.len == 6 && memcmp(enc.data, "\x8e\x52?a?\xb1", 6) == 0,
       "charset_from_utf8 CP932: U+5C71 and U+FF71 encoded, U+20BB7 written as '?' twice");
    is_str(buf_str(&bad), "\xf0\xa0\xae\xb7",
           "charset_from_utf8: the character CP932 cannot hold, collected once");
    buf_reset(&enc);
    ok(charset_from_utf8(&enc, "A\xe2\x82\xac", 4, "UTF-16LE", NULL, &err) == 0 && enc.len == 4 &&
           memcmp(enc.data, "A\0\xac\x20", 4) == 0,
       "charset_from_utf8 UTF-16LE: no byte order mark");
    buf_reset(&enc);
    ok(charset_from_utf8(&enc, "x", 1, "NO-SUCH-CHARSET", NULL, &err) == -1 && enc.len == 0 &&
           strstr(err.msg, "cannot write NO-SUCH-CHARSET") != NULL,
       "charset_from_utf8: an unknown charset is an error, nothing written");
    buf_free(&enc);
    buf_free(&bad);

    /* strict: all or nothing */
    char *st2 = charset_to_utf8_strict("\x8e\x52\x8c\xfb", 4, "CP932");
    is_str(st2, "\xe5\xb1\xb1\xe5\x8f\xa3", "charset_to_utf8_strict CP932");
    free(st2);
    ok(charset_to_utf8_strict("\x8e", 1, "CP932") == NULL,
       "charset_to_utf8_strict: a cut-off character gives NULL");
    ok(charset_to_utf8_strict("\x85\x40", 2, "CP932") == NULL,
       "charset_to_utf8_strict: an unmapped pair gives NULL");

    return tap_done();
}
