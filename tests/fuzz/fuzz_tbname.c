/* fuzz_tbname: libFuzzer harness for the Thunderbird name rules (formats/mbox/tbname.c).
 *
 * The input is a list of sibling folder names separated by NUL bytes (any other bytes, valid
 * UTF-8 or not). Each is made safe with tbname_safe() and then unique among the names already
 * given out with tbname_unique() (taken() compares with tbname_equal(), as the writer does).
 * Every result, safe or unique, must be what tbname.h promises, checked here from the rules
 * rather than with tbname.c's own helpers:
 *   - valid UTF-8 (shortest forms, no surrogates), non-empty, at most 55 UTF-16 units;
 *   - no NUL, no '/', no other character of \ : * ? " < > | ; #, no C0 or C1 control;
 *   - no bidirectional control (U+202A-202E, U+2066-2069);
 *   - not "." or "..", no leading '.', no trailing '.', '~' or space;
 *   - not a Windows device name (before the first '.', trailing spaces ignored);
 *   - not a name Thunderbird takes for its own files, no ending of its own files, not starting
 *     with "feeditems_error";
 *   - tbname_safe() of it is itself; a name that already has all these properties comes back
 *     unchanged from tbname_safe();
 *   - unique among its siblings (tbname_equal), and taken() is asked a finite number of times.
 * The bidi rule has its own message so that a failure of that rule alone is told apart.
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_tbname
 *   build-fuzz/fuzz_tbname -max_total_time=600 build-fuzz/corpus-tbname tests/fuzz/seeds-tbname */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbox/tbname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what, name)                                                                  \
    do {                                                                                         \
        if (!(cond))                                                                             \
            fail(what, name, __LINE__);                                                          \
    } while (0)

static void fail(const char *what, const char *name, int line)
{
    fprintf(stderr, "fuzz_tbname: %s (line %d): \"", what, line);
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
        fprintf(stderr, *p >= 32 && *p < 127 && *p != '"' && *p != '\\' ? "%c" : "\\x%02x", *p);
    fprintf(stderr, "\"\n");
    abort();
}

/* Decodes one code point; 0 when s does not start a valid shortest-form sequence. */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0)
        n = 2, c = s[0] & 0x1Fu, min = 0x80;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, c = s[0] & 0x0Fu, min = 0x800;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, c = s[0] & 0x07u, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static const char *const own_names[] = {
    "popstate.dat", "msgfilterrules.dat", "filters.js", "rules.dat", "rulesbackup.dat",
    "sort.dat", "mailfilt.log", "filterlog.html", "junklog.html", "virtualfolders.dat",
    "panacea.dat", "session.json", "foldertree.json", "feeds.json", "feeds.json.tmp",
    "feeds.json.backup", "feeds.json.corrupt", "feeditems.json", "feeditems.json.tmp",
    "feeditems.json.backup", "feeditems.json.corrupt", "feeds.rdf", "feeditems.rdf",
};
static const char *const own_suffixes[] = {".msf", ".sbd", ".snm", ".toc", ".mozmsgs"};

/* Whether s[0..n) is a device name: CON PRN AUX NUL, COM or LPT with 0-9, ¹, ² or ³. */
static bool is_device(const char *s, size_t n)
{
    static const char *const three[] = {"con", "prn", "aux", "nul"};
    for (size_t i = 0; i < 4; i++)
        if (n == 3 && strncasecmp(s, three[i], 3) == 0)
            return true;
    if (n < 4 || (strncasecmp(s, "com", 3) != 0 && strncasecmp(s, "lpt", 3) != 0))
        return false;
    if (n == 4 && s[3] >= '0' && s[3] <= '9')
        return true;
    /* ¹ U+00B9, ² U+00B2, ³ U+00B3: C2 B9, C2 B2, C2 B3 */
    return n == 5 && (unsigned char)s[3] == 0xC2 &&
           ((unsigned char)s[4] == 0xB9 || (unsigned char)s[4] == 0xB2 ||
            (unsigned char)s[4] == 0xB3);
}

/* The first property of tbname.h that `s` lacks, or NULL. The bidi rule is reported apart. */
static const char *lacks(const char *s, bool *bidi)
{
    *bidi = false;
    if (!*s)
        return "empty";
    size_t units = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t c;
        size_t n = decode(p, &c);
        if (n == 0)
            return "not valid UTF-8";
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
            return "a control character";
        if (c < 0x80 && strchr("\\/:*?\"<>|;#", (int)c))
            return c == '/' ? "a '/'" : "a character Thunderbird or Windows refuses";
        if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
            *bidi = true;
            return "a bidirectional control (U+202A-202E, U+2066-2069)";
        }
        units += c > 0xFFFF ? 2 : 1;
        p += n;
    }
    if (units > 55)
        return "longer than 55 UTF-16 units";
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return "\".\" or \"..\"";
    if (s[0] == '.')
        return "a leading '.'";
    char last = s[strlen(s) - 1];
    if (last == '.' || last == '~' || last == ' ')
        return "a trailing '.', '~' or space";
    size_t base = strcspn(s, ".");
    while (base > 0 && s[base - 1] == ' ')
        base--;
    if (is_device(s, base))
        return "a Windows device name";
    for (size_t i = 0; i < sizeof own_names / sizeof *own_names; i++)
        if (strcasecmp(s, own_names[i]) == 0)
            return "a name of Thunderbird's own files";
    for (size_t i = 0; i < sizeof own_suffixes / sizeof *own_suffixes; i++)
        if (ends_with_ci(s, own_suffixes[i]))
            return "an ending of Thunderbird's own files";
    if (strncasecmp(s, "feeditems_error", 15) == 0)
        return "starts with feeditems_error";
    return NULL;
}

static void check_result(const char *r, const char *input)
{
    bool bidi;
    const char *why = lacks(r, &bidi);
    if (why) {
        fprintf(stderr, "fuzz_tbname: %sresult has %s\n", bidi ? "BIDI RULE ONLY: " : "", why);
        fail("the result lacks a property of tbname.h (input follows)", input, __LINE__);
    }
    char *again = tbname_safe(r);
    CHECK(strcmp(again, r) == 0, "tbname_safe is not idempotent", r);
    free(again);
}

#define MAX_SIBLINGS 64

struct siblings {
    char *names[MAX_SIBLINGS];
    size_t count;
    size_t asked;
};

static int taken(void *ctx, const char *name)
{
    struct siblings *s = ctx;
    CHECK(++s->asked < 100000, "tbname_unique keeps asking", name);
    for (size_t i = 0; i < s->count; i++)
        if (tbname_equal(s->names[i], name))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    struct siblings sib = {.count = 0};
    for (size_t off = 0; off <= size && sib.count < MAX_SIBLINGS;) {
        const char *name = copy + off;
        size_t n = strlen(name);
        off += n + 1;

        bool bidi;
        char *safe = tbname_safe(name);
        check_result(safe, name);
        if (!lacks(name, &bidi))
            CHECK(strcmp(safe, name) == 0, "a name that is safe already was changed", name);

        sib.asked = 0;
        char *unique = tbname_unique(safe, taken, &sib);
        check_result(unique, name);
        for (size_t i = 0; i < sib.count; i++)
            CHECK(!tbname_equal(sib.names[i], unique), "not unique among its siblings", unique);
        CHECK(sib.count > 0 || strcmp(unique, safe) == 0, "the first name is changed by unique",
              unique);
        sib.names[sib.count++] = unique;
        free(safe);
    }
    for (size_t i = 0; i < sib.count; i++)
        free(sib.names[i]);
    free(copy);
    return 0;
}
