/* tbname: folder names -> file names Thunderbird reads back (see tbname.h).
 *
 * Why: Thunderbird derives a folder's file from its name with NS_MsgHashIfNecessary()
 * (nsMsgUtils.cpp). A name containing FILE_ILLEGAL_CHARACTERS (C0 and C1 controls, U+007F,
 * `/:*?"<>|`, nsCRTGlue.h), a path separator or ILLEGAL_FOLDER_CHARS (`;#`), starting with
 * `.`, ending with `.`, `~` or space, or over 55 UTF-16 units is replaced by the first 47 units
 * (or up to the bad character) plus 8 hex digits of a hash, so a file written under the name
 * itself is never opened. doc/THUNDERBIRD.md ("Folder tree") records the measurement: a folder file
 * with an 84-character name lost its 14 messages. Its folder scan also skips files named like
 * its own (nsShouldIgnoreFile() in nsMsgLocalStoreUtils.cpp). Windows adds device names and
 * refuses trailing dots and spaces.
 *
 * How: the name is decoded to code points, each rule of tbname.h is applied once in order, and
 * the result is encoded again. One pass suffices: the only rules that add characters add '_',
 * which no other rule acts on, and shortening keeps the (already safe) first and last code
 * points, with "…" between them, which no special name contains. */
#include "mbox/tbname.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

#define MAX_UNITS 55  /* NS_MsgHashIfNecessary's MAX_LEN */
#define TAIL_UNITS 6  /* kept after the ellipsis when shortening */
#define ELLIPSIS 0x2026u

/* Characters Thunderbird hashes a name for, besides controls (nsCRTGlue.h, nsMsgUtils.cpp);
 * also the characters Windows forbids in a file name. */
static const char forbidden[] = "\\/:*?\"<>|;#";

/* Whole names, compared ignoring ASCII case, that Thunderbird treats as its own files in a mail
 * folder (nsShouldIgnoreFile) or keeps in the profile beside it. */
static const char *const own_names[] = {
    "popstate.dat", "msgfilterrules.dat", "filters.js", "rules.dat", "rulesbackup.dat",
    "sort.dat", "mailfilt.log", "filterlog.html", "junklog.html", "virtualfolders.dat",
    "panacea.dat", "session.json", "foldertree.json", "feeds.json", "feeds.json.tmp",
    "feeds.json.backup", "feeds.json.corrupt", "feeditems.json", "feeditems.json.tmp",
    "feeditems.json.backup", "feeditems.json.corrupt", "feeds.rdf", "feeditems.rdf",
};

/* Endings of the files Thunderbird skips (summaries, subfolder directories, Spotlight data). */
static const char *const own_suffixes[] = {".msf", ".sbd", ".snm", ".toc", ".mozmsgs"};

/* A name as code points; grows through xgrow. */
struct name {
    uint32_t *cp;
    size_t len;
    size_t cap;
};

static size_t units(uint32_t c)
{
    return c > 0xFFFF ? 2 : 1;
}

static uint32_t ascii_lower(uint32_t c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static void name_insert(struct name *nm, size_t at, uint32_t c)
{
    nm->cp = xgrow(nm->cp, &nm->cap, nm->len + 1, sizeof *nm->cp);
    memmove(nm->cp + at + 1, nm->cp + at, (nm->len - at) * sizeof *nm->cp);
    nm->cp[at] = c;
    nm->len++;
}

/* Decodes the code point at s[0..n) (n >= 1). Returns its length in bytes, or 0 when s does not
 * start a valid UTF-8 sequence (overlong forms, surrogates and values over U+10FFFF are not). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *out)
{
    static const uint32_t min_by_len[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80   ? 1
                 : s[0] < 0xC0 ? 0
                 : s[0] < 0xE0 ? 2
                 : s[0] < 0xF0 ? 3
                 : s[0] < 0xF5 ? 4
                               : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t c = len == 1 ? s[0] : s[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if (c < min_by_len[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *out = c;
    return len;
}

static void utf8_put(struct buf *b, uint32_t c)
{
    static const unsigned char lead[] = {0, 0x00, 0xC0, 0xE0, 0xF0};
    unsigned char s[4];
    size_t n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (size_t i = n - 1; i > 0; i--, c >>= 6)
        s[i] = (unsigned char)(0x80 | (c & 0x3F));
    s[0] = (unsigned char)(lead[n] | c);
    buf_append(b, s, n);
}

/* Whether cp[0..n) spells the lower-case ASCII string s, ignoring ASCII case. */
static int spells(const uint32_t *cp, size_t n, const char *s)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(cp[i]) != (unsigned char)s[i])
            return 0;
    return 1;
}

static int is_trailing_junk(uint32_t c)
{
    return c == '.' || c == '~' || c == ' ';
}

static int is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/* The bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069): in a file
 * name they make "gpj.exe" look like "exe.jpg" in a file manager, so none reaches the disk. */
static int is_bidi_control(uint32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Whether cp[0..n) is a Windows device name: CON PRN AUX NUL, COM or LPT with 0-9 or ¹²³. */
static int is_device(const uint32_t *cp, size_t n)
{
    if (n == 3)
        return spells(cp, 3, "con") || spells(cp, 3, "prn") || spells(cp, 3, "aux") ||
               spells(cp, 3, "nul");
    if (n == 4 && (spells(cp, 3, "com") || spells(cp, 3, "lpt"))) {
        uint32_t d = cp[3];
        return (d >= '0' && d <= '9') || d == 0xB9 || d == 0xB2 || d == 0xB3;
    }
    return 0;
}

static int is_own_file(const struct name *nm)
{
    for (size_t i = 0; i < sizeof own_names / sizeof *own_names; i++)
        if (spells(nm->cp, nm->len, own_names[i]))
            return 1;
    for (size_t i = 0; i < sizeof own_suffixes / sizeof *own_suffixes; i++) {
        size_t k = strlen(own_suffixes[i]);
        if (nm->len >= k && spells(nm->cp + nm->len - k, k, own_suffixes[i]))
            return 1;
    }
    return 0;
}

/* Cuts a name over MAX_UNITS to its beginning, an ellipsis and its last TAIL_UNITS units. */
static void shorten(struct name *nm)
{
    size_t total = 0;
    for (size_t i = 0; i < nm->len; i++)
        total += units(nm->cp[i]);
    if (total <= MAX_UNITS)
        return;
    size_t tail = nm->len, tail_units = 0;
    while (tail_units + units(nm->cp[tail - 1]) <= TAIL_UNITS)
        tail_units += units(nm->cp[--tail]);
    /* head_units + 1 + tail_units <= MAX_UNITS < total: a code point lies between the two. */
    size_t head = 0, head_units = 0;
    while (head_units + units(nm->cp[head]) <= MAX_UNITS - 1 - tail_units)
        head_units += units(nm->cp[head++]);
    nm->cp[head] = ELLIPSIS;
    memmove(nm->cp + head + 1, nm->cp + tail, (nm->len - tail) * sizeof *nm->cp);
    nm->len = head + 1 + (nm->len - tail);
}

char *tbname_safe(const char *name)
{
    struct name nm = {NULL, 0, 0};
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strlen(name);

    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = utf8_decode(s + i, n - i, &c);
        if (len == 0) {
            c = '_';
            len = 1;
        } else if (is_control(c) || is_bidi_control(c) ||
                   (c < 0x80 && strchr(forbidden, (int)c))) {
            c = '_';
        }
        name_insert(&nm, nm.len, c);
        i += len;
    }
    if (nm.len > 0 && nm.cp[0] == '.')
        nm.cp[0] = '_';
    while (nm.len > 0 && is_trailing_junk(nm.cp[nm.len - 1]))
        nm.len--;
    if (nm.len == 0)
        name_insert(&nm, 0, '_');

    if (is_own_file(&nm))
        name_insert(&nm, nm.len, '_');
    if (nm.len >= 15 && spells(nm.cp, 15, "feeditems_error"))
        name_insert(&nm, 0, '_');

    /* Windows reads "NUL.txt" and "NUL .txt" as the device: look before the first dot, without
     * the spaces ending that part. */
    size_t base = 0;
    while (base < nm.len && nm.cp[base] != '.')
        base++;
    while (base > 0 && nm.cp[base - 1] == ' ')
        base--;
    if (is_device(nm.cp, base))
        name_insert(&nm, base, '_');

    shorten(&nm);

    struct buf out = BUF_INIT;
    for (size_t i = 0; i < nm.len; i++)
        utf8_put(&out, nm.cp[i]);
    free(nm.cp);
    return buf_detach(&out);
}

/* Length in bytes of the longest start of the UTF-8 string s that fits in max_units UTF-16
 * units, cut before a lead byte. */
static size_t fitting_prefix(const char *s, size_t max_units)
{
    size_t i = 0, used = 0;
    while (s[i]) {
        size_t u = (unsigned char)s[i] >= 0xF0 ? 2 : 1;
        if (used + u > max_units)
            break;
        used += u;
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

char *tbname_unique(const char *safe, int (*taken)(void *ctx, const char *name), void *ctx)
{
    if (!taken(ctx, safe))
        return xstrdup(safe);
    for (unsigned long n = 2;; n++) {
        char suffix[32];
        int slen = snprintf(suffix, sizeof suffix, " (%lu)", n);
        size_t end = fitting_prefix(safe, MAX_UNITS - (size_t)slen);
        while (end > 0 && is_trailing_junk((unsigned char)safe[end - 1]))
            end--;
        char *candidate = xasprintf("%.*s%s", (int)end, safe, suffix);
        if (!taken(ctx, candidate))
            return candidate;
        free(candidate);
    }
}

int tbname_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        uint32_t x = ascii_lower((unsigned char)*a), y = ascii_lower((unsigned char)*b);
        if (x != y)
            return 0;
        if (x == 0)
            return 1;
    }
}
