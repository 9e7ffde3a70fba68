/* test_tbname: folder names made into file names Thunderbird reads back (formats/mbox/tbname).
 *
 * Every output is checked twice: against the exact name expected, and by tb_reject(), written
 * from Thunderbird's own rules (NS_MsgHashIfNecessary, nsShouldIgnoreFile; doc/THUNDERBIRD.md,
 * "Folder tree") and Windows' file name rules, independently of tbname.c: it works on the bytes
 * with its own UTF-8 table. A generated part runs 2000 pseudo-random byte strings through
 * tbname_safe() and tbname_unique(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbox/tbname.h"
#include "tap.h"
#include "util/xalloc.h"

/* ---- the checker ---- */

/* Whether the ASCII strings a and b (of n bytes) are equal ignoring ASCII case. */
static int ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

/* Length of the well-formed UTF-8 sequence at s (Unicode Table 3-7), 0 if ill-formed. */
static size_t wellformed(const unsigned char *s)
{
    static const struct {
        unsigned char lead_lo, lead_hi, second_lo, second_hi, len;
    } table[] = {
        {0x01, 0x7F, 0, 0, 1},          {0xC2, 0xDF, 0x80, 0xBF, 2},
        {0xE0, 0xE0, 0xA0, 0xBF, 3},    {0xE1, 0xEC, 0x80, 0xBF, 3},
        {0xED, 0xED, 0x80, 0x9F, 3},    {0xEE, 0xEF, 0x80, 0xBF, 3},
        {0xF0, 0xF0, 0x90, 0xBF, 4},    {0xF1, 0xF3, 0x80, 0xBF, 4},
        {0xF4, 0xF4, 0x80, 0x8F, 4},
    };
    for (size_t t = 0; t < sizeof table / sizeof *table; t++) {
        if (s[0] < table[t].lead_lo || s[0] > table[t].lead_hi)
            continue;
        if (table[t].len == 1)
            return 1;
        if (s[1] < table[t].second_lo || s[1] > table[t].second_hi)
            return 0;
        for (size_t i = 2; i < table[t].len; i++)
            if (s[i] < 0x80 || s[i] > 0xBF)
                return 0;
        return table[t].len;
    }
    return 0;
}

/* Returns NULL when Thunderbird reads a folder file named s under that very name (and Windows
 * and Linux accept the name), else what is wrong with it. */
static const char *tb_reject(const char *s)
{
    static const char *const ignored[] = {
        "popstate.dat", "msgFilterRules.dat", "filters.js", "rules.dat", "rulesbackup.dat",
        "sort.dat", "mailfilt.log", "filterlog.html", "junklog.html", "virtualFolders.dat",
        "panacea.dat", "session.json", "folderTree.json", "feeds.json", "feeds.json.tmp",
        "feeds.json.backup", "feeds.json.corrupt", "feeditems.json", "feeditems.json.tmp",
        "feeditems.json.backup", "feeditems.json.corrupt", "feeds.rdf", "feeditems.rdf",
    };
    static const char *const ignored_endings[] = {".msf", ".sbd", ".snm", ".toc", ".mozmsgs"};
    static const char *const devices[] = {
        "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6",
        "COM7", "COM8", "COM9", "COM\u00b9", "COM\u00b2", "COM\u00b3", "LPT0", "LPT1", "LPT2",
        "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00b9", "LPT\u00b2",
        "LPT\u00b3",
    };
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), units = 0;

    if (len == 0)
        return "empty";
    for (size_t i = 0; i < len;) {
        size_t n = wellformed(u + i);
        if (n == 0)
            return "not UTF-8";
        if (u[i] < 0x20 || u[i] == 0x7F || (u[i] == 0xC2 && u[i + 1] <= 0x9F))
            return "control character";
        if (strchr("\\/:*?\"<>|;#", u[i]))
            return "character Thunderbird hashes or Windows refuses";
        units += n == 4 ? 2 : 1;
        i += n;
    }
    if (units > 55)
        return "over 55 UTF-16 units";
    if (s[0] == '.')
        return "leading '.'";
    if (strchr(".~ ", s[len - 1]))
        return "trailing '.', '~' or space";
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if (strlen(ignored[i]) == len && ascii_ieq(s, ignored[i], len))
            return "a file name Thunderbird keeps for itself";
    for (size_t i = 0; i < sizeof ignored_endings / sizeof *ignored_endings; i++) {
        size_t k = strlen(ignored_endings[i]);
        if (len >= k && ascii_ieq(s + len - k, ignored_endings[i], k))
            return "an ending Thunderbird skips";
    }
    if (len >= 15 && ascii_ieq(s, "feeditems_error", 15))
        return "a beginning Thunderbird skips";
    size_t base = strcspn(s, ".");
    while (base > 0 && s[base - 1] == ' ')
        base--;
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++)
        if (strlen(devices[i]) == base && ascii_ieq(s, devices[i], base))
            return "a Windows device name";
    return NULL;
}

/* ---- tbname_safe ---- */

struct safe_case {
    const char *in;
    const char *want;
    const char *what;
};

static const struct safe_case safe_cases[] = {
    {"Inbox", "Inbox", "plain ASCII unchanged"},
    {"受信トレイ", "受信トレイ", "受信トレイ unchanged"},
    {"株式会社サンプル", "株式会社サンプル", "株式会社サンプル unchanged"},
    {"[Gmail]", "[Gmail]", "brackets unchanged"},
    {"Unread (3) & more, 50% off!", "Unread (3) & more, 50% off!", "punctuation unchanged"},
    {"  leading spaces", "  leading spaces", "leading spaces unchanged"},
    {"name~x.y", "name~x.y", "inner '~' and '.' unchanged"},
    {"資料.txt", "資料.txt", "extension unchanged"},
    {"a/b", "a_b", "'/' replaced"},
    {"a\\b", "a_b", "'\\' replaced"},
    {"Re: *urgent*?", "Re_ _urgent__", "':' '*' '?' replaced"},
    {"\"quoted\" <x> | y", "_quoted_ _x_ _ y", "'\"' '<' '>' '|' replaced"},
    {"a;b#c", "a_b_c", "';' and '#' replaced anywhere (Thunderbird hashes them)"},
    {"C#", "C_", "trailing '#' replaced"},
    {".hidden", "_hidden", "leading '.' replaced"},
    {"#tag", "_tag", "leading '#' replaced"},
    {"name.", "name", "trailing '.' removed"},
    {"name~", "name", "trailing '~' removed"},
    {"name   ", "name", "trailing spaces removed"},
    {"name. ~.", "name", "mixed trailing junk removed"},
    {"...", "_", "dots only"},
    {".", "_", "single dot"},
    {" ", "_", "single space"},
    {"~", "_", "single tilde"},
    {"", "_", "empty"},
    {"\u682a\u5f0f\u4f1a\u793e\u30b5\u30f3\u30d7\u30eb\u5927\u962a\u652f\u5e97\u55b6\u696d"
     "\u90e8\u7b2c\u4e8c\u8ab2\u9867\u5ba2\u5bfe\u5fdc\u8a18\u9332\u4fdd\u5b58\u7528\u8cc7"
     "\u6599\u96c6",
     "\u682a\u5f0f\u4f1a\u793e\u30b5\u30f3\u30d7\u30eb\u5927\u962a\u652f\u5e97\u55b6\u696d"
     "\u90e8\u7b2c\u4e8c\u8ab2\u9867\u5ba2\u5bfe\u5fdc\u8a18\u9332\u4fdd\u5b58\u7528\u8cc7"
     "\u6599\u96c6",
     "30-character Japanese name unchanged"},
    {"Exactly fifty-five characters long, no more, no less!!!",
     "Exactly fifty-five characters long, no more, no less!!!", "55 ASCII characters unchanged"},
    {"Exactly fifty-six characters long, none more, none less!",
     "Exactly fifty-six characters long, none more, no\u2026 less!", "56 ASCII characters cut"},
    {"Customer correspondence 2009-2014 - Osaka branch office - archived project files ABC",
     "Customer correspondence 2009-2014 - Osaka branch\u2026es ABC",
     "84-character ASCII name: 48 + ellipsis + 6"},
    {"株式会社サンプル大阪支店営業部第二課顧客対応記録"
     "二千九年から二千十四年まで保存用資料一覧表過去分"
     "含む最終版確認済み控え分",
     "株式会社サンプル大阪支店営業部第二課顧客対応記録"
     "二千九年から二千十四年まで保存用資料一覧表過去分"
     "\u2026認済み控え分",
     "60-character Japanese name: 48 + ellipsis + 6"},
    {"Photos from the family trip to Hokkaido, winter\U0001F5FB and spring 2019",
     "Photos from the family trip to Hokkaido, winter\u2026g 2019",
     "emoji straddling the head cut is left out whole"},
    {"Trip photos from Hokkaido and Okinawa, summer and winter 2019 \U0001F5FB Fuji",
     "Trip photos from Hokkaido and Okinawa, summer and\u2026 Fuji",
     "emoji straddling the tail cut is left out whole"},
    {"Souvenirs: \U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB"
     "\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB"
     "\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB"
     "\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB",
     "Souvenirs_ \U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB"
     "\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB\U0001F5FB"
     "\U0001F5FB\U0001F5FB\U0001F5FB\u2026\U0001F5FB\U0001F5FB\U0001F5FB",
     "surrogate pairs only: counted as 2 units each"},
    {"Minutes of the weekly meetings with the Osaka branch office team . . . ~",
     "Minutes of the weekly meetings with the Osaka br\u2026e team",
     "long name: trailing junk removed before cutting"},
    {".Archive of the weekly meetings with the Osaka branch office team",
     "_Archive of the weekly meetings with the Osaka b\u2026e team",
     "long name with a leading '.'"},
    {"\x8e\xf3\x90\x4d", "___M", "raw CP932 bytes: one '_' per bad byte"},
    {"受信\xe3\x83", "受信__", "truncated UTF-8 sequence"},
    {"\xc0\xaf", "__", "overlong form"},
    {"\xed\xa0\x80x", "___x", "UTF-8-encoded surrogate"},
    {"\xf4\x90\x80\x80", "____", "beyond U+10FFFF"},
    {"\xff\xfe", "__", "bytes never in UTF-8"},
    {"\xf5\x80\x80\x80", "____", "lead byte F5"},
    {"\xfc\x84\x80\x80\x80\x80", "______", "old 6-byte form"},
    {"Tab\there\x01\x1f\x7f", "Tab_here___", "C0 controls and DEL replaced"},
    {"a\xc2\x85" "b\xc2\x9f", "a_b_", "C1 controls replaced"},
    {"invoice\xe2\x80\xaegpj.exe", "invoice_gpj.exe", "RIGHT-TO-LEFT OVERRIDE replaced"},
    {"\xe2\x80\xaa" "a\xe2\x80\xac" "b\xe2\x81\xa6" "c\xe2\x81\xa9", "_a_b_c_",
     "embeddings, pop and isolates (U+202A, U+202C, U+2066, U+2069) replaced"},
    {"a\xe2\x80\x8f" "b", "a\xe2\x80\x8f" "b", "RIGHT-TO-LEFT MARK (not a control) kept"},
    {"a\xc2\xa0" "b", "a\xc2\xa0" "b", "U+00A0 unchanged"},
    {"CON", "CON_", "device name CON"},
    {"con~", "con_", "device name after trimming"},
    {"nul.txt", "nul_.txt", "device name with an extension"},
    {"NUL .txt", "NUL_ .txt", "device name followed by spaces and an extension"},
    {"Lpt9.tar.gz", "Lpt9_.tar.gz", "device name with two extensions"},
    {"COM\u00b9", "COM\u00b9_", "device name with superscript digit"},
    {"aux.msf", "aux_.msf_", "device name and summary ending"},
    {"CONSOLE", "CONSOLE", "longer than a device name: unchanged"},
    {"COM10", "COM10", "COM10 is no device: unchanged"},
    {"Inbox.msf", "Inbox.msf_", "summary file ending"},
    {"Inbox.SBD", "Inbox.SBD_", "subfolder directory ending, any case"},
    {"x.snm", "x.snm_", ".snm ending"},
    {"x.toc", "x.toc_", ".toc ending"},
    {"x.mozmsgs", "x.mozmsgs_", ".mozmsgs ending"},
    {"filters.js", "filters.js_", "filters.js"},
    {"MSGFILTERRULES.DAT", "MSGFILTERRULES.DAT_", "msgFilterRules.dat, any case"},
    {"popstate.dat", "popstate.dat_", "popstate.dat"},
    {"rules.dat", "rules.dat_", "rules.dat"},
    {"virtualFolders.dat", "virtualFolders.dat_", "virtualFolders.dat"},
    {"panacea.dat", "panacea.dat_", "panacea.dat"},
    {"session.json", "session.json_", "session.json"},
    {"folderTree.json", "folderTree.json_", "folderTree.json"},
    {"feeds.json", "feeds.json_", "feeds.json"},
    {"feeditems.json", "feeditems.json_", "feeditems.json"},
    {"sort.dat", "sort.dat_", "sort.dat"},
    {"rulesbackup.dat", "rulesbackup.dat_", "rulesbackup.dat"},
    {"mailfilt.log", "mailfilt.log_", "mailfilt.log"},
    {"filterlog.html", "filterlog.html_", "filterlog.html"},
    {"junklog.html", "junklog.html_", "junklog.html"},
    {"feeds.json.tmp", "feeds.json.tmp_", "feeds.json.tmp"},
    {"feeds.json.backup", "feeds.json.backup_", "feeds.json.backup"},
    {"feeds.json.corrupt", "feeds.json.corrupt_", "feeds.json.corrupt"},
    {"feeditems.json.tmp", "feeditems.json.tmp_", "feeditems.json.tmp"},
    {"feeditems.json.backup", "feeditems.json.backup_", "feeditems.json.backup"},
    {"feeditems.json.corrupt", "feeditems.json.corrupt_", "feeditems.json.corrupt"},
    {"feeds.rdf", "feeds.rdf_", "feeds.rdf"},
    {"feeditems.rdf", "feeditems.rdf_", "feeditems.rdf"},
    {"feeditems_error.log", "_feeditems_error.log", "feeditems_error prefix"},
    {"my filters.js", "my filters.js", "filters.js inside a longer name: unchanged"},
};

static void test_safe_cases(void)
{
    for (size_t i = 0; i < sizeof safe_cases / sizeof *safe_cases; i++) {
        const struct safe_case *c = &safe_cases[i];
        char *got = tbname_safe(c->in);
        is_str(got, c->want, c->what);
        const char *why = tb_reject(got);
        ok(why == NULL, "%s: Thunderbird reads it under its name%s%s", c->what, why ? ": " : "",
           why ? why : "");
        char *again = tbname_safe(got);
        is_str(again, got, "idempotent");
        free(again);
        free(got);
    }
}

/* "a" + seq + "a" must come back with each well-formed sequence of seq kept (C1 controls
 * excepted) and every other byte replaced by '_': checked for every seq of 1 or 2 bytes from
 * 0x80-0xFF, and for 3 and 4 bytes with boundary values after the lead byte. */
static void expect_mapped(const unsigned char *seq, size_t n, int *bad)
{
    char in[8], want[16];
    size_t w = 0;
    in[0] = 'a';
    memcpy(in + 1, seq, n);
    in[n + 1] = 'a';
    in[n + 2] = '\0';
    for (size_t i = 0; i < n + 2;) {
        size_t k = wellformed((const unsigned char *)in + i);
        int c1 = k == 2 && (unsigned char)in[i] == 0xC2 && (unsigned char)in[i + 1] <= 0x9F;
        if (k == 0 || c1) {
            want[w++] = '_';
            i += k ? k : 1;
        } else {
            memcpy(want + w, in + i, k);
            w += k;
            i += k;
        }
    }
    want[w] = '\0';
    char *got = tbname_safe(in);
    if (strcmp(got, want) != 0 && (*bad)++ < 5) {
        printf("# bytes");
        for (size_t i = 0; i < n; i++)
            printf(" %02x", seq[i]);
        printf(": got '%s', want '%s'\n", got, want);
    }
    free(got);
}

static void test_utf8_boundaries(void)
{
    static const unsigned char edge[] = {0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    const size_t ne = sizeof edge;
    unsigned char q[4];
    int bad = 0;
    for (unsigned a = 0x80; a <= 0xFF; a++) {
        q[0] = (unsigned char)a;
        expect_mapped(q, 1, &bad);
        for (unsigned b = 0x80; b <= 0xFF; b++) {
            q[1] = (unsigned char)b;
            expect_mapped(q, 2, &bad);
        }
        for (size_t i = 0; i < ne * ne; i++) {
            q[1] = edge[i / ne];
            q[2] = edge[i % ne];
            expect_mapped(q, 3, &bad);
            for (size_t j = 0; a >= 0xE0 && j < ne; j++) {
                q[3] = edge[j];
                expect_mapped(q, 4, &bad);
            }
        }
    }
    is_int(bad, 0, "UTF-8 boundaries: valid sequences kept, each other byte '_'");
}

/* ---- tbname_unique ---- */

struct names {
    const char *const *v;
    size_t n;
};

static int in_names(void *ctx, const char *name)
{
    const struct names *taken = ctx;
    for (size_t i = 0; i < taken->n; i++)
        if (tbname_equal(taken->v[i], name))
            return 1;
    return 0;
}

struct unique_case {
    const char *safe;
    const char *taken[12];
    const char *want;
    const char *what;
};

#define S55 "Reports from the Osaka, Kobe and Nara desks etc. ~ 2019"
#define B51 "Reports from the Osaka, Kobe and Nara desks etc"
#define J50                                                                                    \
    "あいうえおかきくけこさしすせそたちつてとなにぬね"                                         \
    "のはひふへほまみむめもやゆよらりるれろわをんアイウエ"

static const struct unique_case unique_cases[] = {
    {"Drafts", {"Inbox"}, "Drafts", "free name kept"},
    {"inbox", {"Inbox"}, "inbox (2)", "Inbox vs inbox: ASCII case ignored"},
    {"Sent", {"Sent", "sent (2)"}, "Sent (3)", "chain to (3)"},
    {"受信トレイ", {"受信トレイ"}, "受信トレイ (2)", "Japanese name"},
    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (2)",
     "55-unit name cut to 51 for the suffix"},
    {S55, {S55}, B51 " (2)", "55-unit name: no '.', '~' or space before the suffix"},
    {S55,
     {S55, B51 " (2)", B51 " (3)", B51 " (4)", B51 " (5)", B51 " (6)", B51 " (7)", B51 " (8)",
      B51 " (9)"},
     B51 " (10)", "longer suffix (10) cuts one more unit"},
    {J50 "\U0001F5FB" "あいう", {J50 "\U0001F5FB" "あいう"}, J50 " (2)",
     "surrogate pair at the cut is left out whole"},
};

static void test_unique_cases(void)
{
    for (size_t i = 0; i < sizeof unique_cases / sizeof *unique_cases; i++) {
        const struct unique_case *c = &unique_cases[i];
        size_t n = 0;
        while (n < sizeof c->taken / sizeof *c->taken && c->taken[n])
            n++;
        struct names taken = {c->taken, n};
        char *got = tbname_unique(c->safe, in_names, &taken);
        is_str(got, c->want, c->what);
        const char *why = tb_reject(got);
        ok(why == NULL, "%s: Thunderbird reads it under its name%s%s", c->what, why ? ": " : "",
           why ? why : "");
        free(got);
    }
}

static void test_equal(void)
{
    ok(tbname_equal("Inbox", "INBOX"), "tbname_equal folds ASCII case");
    ok(!tbname_equal("Inbox", "Inbox2"), "tbname_equal: prefix is not equal");
    ok(tbname_equal("受信トレイ", "受信トレイ"), "tbname_equal: same UTF-8");
    ok(!tbname_equal("\xc3\xa9", "\xc3\x89"), "tbname_equal: no folding beyond ASCII");
}

/* ---- generated names ---- */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* A pseudo-random byte string of 0-200 bytes mixing ASCII, Japanese, emoji, troublesome
 * characters, Thunderbird's and Windows' special names, and arbitrary bytes. */
static char *random_name(void)
{
    static const char *const pieces[] = {
        "a", "Z", " ", ".", "~", "受", "信", "\U0001F5FB", "\u2026", "0", "_", "-", "(", ")",
        "\\", "/", ":", "*", "?", "\"", "<", ">", "|", ";", "#", "ト", "レ", "イ", "株",
        "\xc2\x85", "\t", "\x7f", "CON", "nul", "com1", ".msf", ".SBD", "filters.js",
        "feeditems_error", "Inbox",
    };
    /* One name in three uses only the first `benign` pieces, to give good names too. */
    const size_t benign = 9, all = sizeof pieces / sizeof *pieces;
    int tame = rng() % 3 == 0;
    size_t want = rng() % 201, len = 0;
    char *s = xmalloc(want + 1);
    while (len < want) {
        if (!tame && rng() % 5 == 0) {
            s[len++] = (char)(1 + rng() % 255);
            continue;
        }
        const char *p = pieces[rng() % (tame ? benign : all)];
        size_t n = strlen(p);
        if (n > want - len)
            n = want - len; /* may cut a UTF-8 sequence: more invalid input */
        memcpy(s + len, p, n);
        len += n;
    }
    s[len] = '\0';
    return s;
}

/* Answers "taken" to the first *ctx questions. */
static int first_taken(void *ctx, const char *name)
{
    int *left = ctx;
    (void)name;
    return (*left)-- > 0;
}

static void test_generated(void)
{
    int rejected = 0, not_idempotent = 0, changed_valid = 0, valid_inputs = 0, bad_unique = 0;
    for (int i = 0; i < 2000; i++) {
        char *in = random_name();
        char *out = tbname_safe(in);
        const char *why = tb_reject(out);
        if (why) {
            if (rejected++ < 5)
                printf("# rejected (%s): '%s' from '%s'\n", why, out, in);
        }
        char *again = tbname_safe(out);
        if (strcmp(again, out) != 0 && not_idempotent++ < 5)
            printf("# not idempotent: '%s' -> '%s'\n", out, again);
        if (!tb_reject(in)) {
            valid_inputs++;
            if (strcmp(in, out) != 0 && changed_valid++ < 5)
                printf("# changed a good name: '%s' -> '%s'\n", in, out);
        }
        int left = (int)(rng() % 12);
        int asked = left;
        char *uniq = tbname_unique(out, first_taken, &left);
        char suffix[16];
        snprintf(suffix, sizeof suffix, " (%d)", asked + 1);
        size_t ul = strlen(uniq), sl = strlen(suffix);
        int good = tb_reject(uniq) == NULL &&
                   (asked == 0 ? strcmp(uniq, out) == 0
                               : ul > sl && strcmp(uniq + ul - sl, suffix) == 0);
        if (!good && bad_unique++ < 5)
            printf("# bad unique name after %d taken: '%s' from '%s'\n", asked, uniq, out);
        free(uniq);
        free(again);
        free(out);
        free(in);
    }
    is_int(rejected, 0, "2000 generated names: every output passes the checker");
    is_int(not_idempotent, 0, "2000 generated names: tbname_safe is idempotent");
    is_int(changed_valid, 0, "generated names already good come back unchanged");
    ok(valid_inputs > 20, "the generator produced good names too (%d)", valid_inputs);
    is_int(bad_unique, 0, "2000 generated names: tbname_unique gives good, suffixed names");
}

int main(void)
{
    test_safe_cases();
    test_utf8_boundaries();
    test_unique_cases();
    test_equal();
    test_generated();
    return tap_done();
}
