/* charset: declared or guessed charsets to UTF-8 (see charset.h and doc/JAPANESE.md).
 *
 * Three decoders produce all output:
 *  - our own ISO-2022-JP state machine (CP50220/50221), which looks JIS X 0208 and JIS X 0212
 *    pairs up in two tables built once from glibc's iconv: each JIS X 0208 pair is turned into
 *    CP932 bytes by the formula in doc/JAPANESE.md ("The route that works") and converted with iconv "CP932", each JIS X 0212
 *    pair into EUC-JP bytes 8F xx yy converted with "EUC-JP-MS". The tables hold exactly what
 *    iconv answers for every pair, so the result equals converting pair by pair, at table speed,
 *    and an unmapped pair costs one U+FFFD without its trail byte being read as text;
 *  - our own UTF-8 validator (one U+FFFD per invalid byte);
 *  - glibc iconv for every other charset, with one U+FFFD per byte iconv refuses (EILSEQ, or
 *    EINVAL for an incomplete sequence at the end), after which conversion resumes one byte on.
 * An ESC byte never reaches the output: the ISO-2022-JP decoder consumes or replaces it, and the
 * other paths replace any U+001B they produce.
 *
 * The caches (charset names, iconv descriptors, the JIS tables) are static and unlocked: the
 * program converts on one thread. */
#include "normalize/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"
#include "util/xalloc.h"

/* ---------------------------------------------------------------------------------------------
 * Output buffer */

struct out {
    char *p;
    size_t len;
    size_t cap; /* always > len: room for the terminating NUL */
};

/* Makes room for `n` more bytes plus the NUL. */
static void out_reserve(struct out *o, size_t n)
{
    if (n > SIZE_MAX - o->len - 1)
        n = SIZE_MAX - o->len - 1; /* xgrow then aborts on the impossible size */
    o->p = xgrow(o->p, &o->cap, o->len + n + 1, 1);
}

/* Callers reserve before these. */
static inline void out_byte(struct out *o, unsigned char c)
{
    o->p[o->len++] = (char)c;
}

static inline void out_cp(struct out *o, uint32_t cp)
{
    char *p = o->p + o->len;
    if (cp < 0x80) {
        p[0] = (char)cp;
        o->len += 1;
    } else if (cp < 0x800) {
        p[0] = (char)(0xC0 | (cp >> 6));
        p[1] = (char)(0x80 | (cp & 0x3F));
        o->len += 2;
    } else if (cp < 0x10000) {
        p[0] = (char)(0xE0 | (cp >> 12));
        p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (char)(0x80 | (cp & 0x3F));
        o->len += 3;
    } else {
        p[0] = (char)(0xF0 | (cp >> 18));
        p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        p[3] = (char)(0x80 | (cp & 0x3F));
        o->len += 4;
    }
}

static inline void out_fffd(struct out *o)
{
    char *p = o->p + o->len;
    p[0] = (char)0xEF;
    p[1] = (char)0xBF;
    p[2] = (char)0xBD;
    o->len += 3;
}

/* Hands the buffer over as a NUL-terminated string, trimmed to size. */
static char *out_finish(struct out *o, size_t *outlen)
{
    out_reserve(o, 0);
    o->p[o->len] = '\0';
    char *s = o->p;
    if (o->cap > o->len + 1 + 4096)
        s = xrealloc(s, o->len + 1);
    if (outlen)
        *outlen = o->len;
    o->p = NULL;
    o->len = o->cap = 0;
    return s;
}

/* Room for three output bytes per input byte (the worst case of the UTF-8 and ISO-2022-JP
 * decoders: a lone byte becoming U+FFFD, a half-width katakana byte becoming three bytes). */
static void out_reserve_triple(struct out *o, size_t len)
{
    out_reserve(o, len > (SIZE_MAX - 16) / 3 ? SIZE_MAX : len * 3 + 8);
}

/* ---------------------------------------------------------------------------------------------
 * Charset names, their properties and iconv descriptors */

static const char CS_UTF8[] = "UTF-8";
static const char CS_CP932[] = "CP932";
static const char CS_EUCJP[] = "EUC-JP-MS";
static const char CS_ISO2022JP[] = "ISO-2022-JP";
static const char CS_1252[] = "WINDOWS-1252";
static const char CS_CP949[] = "CP949";
static const char CS_GB18030[] = "GB18030";

enum label_class {
    LABEL_OTHER,
    LABEL_ASCII,  /* us-ascii and its aliases */
    LABEL_LATIN1, /* iso-8859-1 and its aliases */
};

static const struct alias {
    const char *name; /* lower case */
    const char *canonical;
    enum label_class cls;
} aliases[] = {
    {"shift_jis", CS_CP932, LABEL_OTHER},
    {"shift-jis", CS_CP932, LABEL_OTHER},
    {"x-sjis", CS_CP932, LABEL_OTHER},
    {"sjis", CS_CP932, LABEL_OTHER},
    {"s-jis", CS_CP932, LABEL_OTHER},
    {"ms_kanji", CS_CP932, LABEL_OTHER},
    {"csshiftjis", CS_CP932, LABEL_OTHER},
    {"windows-31j", CS_CP932, LABEL_OTHER},
    {"cswindows31j", CS_CP932, LABEL_OTHER},
    {"cp932", CS_CP932, LABEL_OTHER},
    {"ms932", CS_CP932, LABEL_OTHER},
    {"x-ms-cp932", CS_CP932, LABEL_OTHER},
    {"windows-932", CS_CP932, LABEL_OTHER},
    {"euc-jp", CS_EUCJP, LABEL_OTHER},
    {"eucjp", CS_EUCJP, LABEL_OTHER},
    {"x-euc-jp", CS_EUCJP, LABEL_OTHER},
    {"x-euc", CS_EUCJP, LABEL_OTHER},
    {"cseucpkdfmtjapanese", CS_EUCJP, LABEL_OTHER},
    {"euc-jp-ms", CS_EUCJP, LABEL_OTHER},
    {"eucjp-ms", CS_EUCJP, LABEL_OTHER},
    {"cp51932", CS_EUCJP, LABEL_OTHER},
    {"cp50220", CS_ISO2022JP, LABEL_OTHER},
    {"cp50221", CS_ISO2022JP, LABEL_OTHER},
    {"cp50222", CS_ISO2022JP, LABEL_OTHER},
    {"utf8", CS_UTF8, LABEL_OTHER},
    {"utf-8", CS_UTF8, LABEL_OTHER},
    {"unicode-1-1-utf-8", CS_UTF8, LABEL_OTHER},
    {"ks_c_5601-1987", CS_CP949, LABEL_OTHER},
    {"ks_c_5601-1989", CS_CP949, LABEL_OTHER},
    {"ks_c_5601", CS_CP949, LABEL_OTHER},
    {"ksc5601", CS_CP949, LABEL_OTHER},
    {"ksc_5601", CS_CP949, LABEL_OTHER},
    {"csksc56011987", CS_CP949, LABEL_OTHER},
    {"euc-kr", CS_CP949, LABEL_OTHER},
    {"cseuckr", CS_CP949, LABEL_OTHER},
    {"windows-949", CS_CP949, LABEL_OTHER},
    {"cp949", CS_CP949, LABEL_OTHER},
    {"gb2312", CS_GB18030, LABEL_OTHER},
    {"csgb2312", CS_GB18030, LABEL_OTHER},
    {"gb_2312-80", CS_GB18030, LABEL_OTHER},
    {"euc-cn", CS_GB18030, LABEL_OTHER},
    {"gbk", CS_GB18030, LABEL_OTHER},
    {"x-gbk", CS_GB18030, LABEL_OTHER},
    {"cp936", CS_GB18030, LABEL_OTHER},
    {"windows-936", CS_GB18030, LABEL_OTHER},
    {"gb18030", CS_GB18030, LABEL_OTHER},
    {"iso-8859-1", CS_1252, LABEL_LATIN1},
    {"iso8859-1", CS_1252, LABEL_LATIN1},
    {"iso_8859-1", CS_1252, LABEL_LATIN1},
    {"iso_8859-1:1987", CS_1252, LABEL_LATIN1},
    {"iso-ir-100", CS_1252, LABEL_LATIN1},
    {"csisolatin1", CS_1252, LABEL_LATIN1},
    {"latin1", CS_1252, LABEL_LATIN1},
    {"l1", CS_1252, LABEL_LATIN1},
    {"cp819", CS_1252, LABEL_LATIN1},
    {"ibm819", CS_1252, LABEL_LATIN1},
    {"us-ascii", CS_1252, LABEL_ASCII},
    {"ascii", CS_1252, LABEL_ASCII},
    {"us", CS_1252, LABEL_ASCII},
    {"csascii", CS_1252, LABEL_ASCII},
    {"ansi_x3.4-1968", CS_1252, LABEL_ASCII},
    {"iso646-us", CS_1252, LABEL_ASCII},
    {"iso-ir-6", CS_1252, LABEL_ASCII},
    {"cp367", CS_1252, LABEL_ASCII},
    {"ibm367", CS_1252, LABEL_ASCII},
    /* Windows code page numbers, as TNEF and PST properties give them ("CP%u") */
    {"cp65001", CS_UTF8, LABEL_OTHER},
    {"cp20932", CS_EUCJP, LABEL_OTHER},
    {"cp51949", CS_CP949, LABEL_OTHER},
    {"cp54936", CS_GB18030, LABEL_OTHER},
    {"cp1200", "UTF-16LE", LABEL_OTHER},
    {"cp1201", "UTF-16BE", LABEL_OTHER},
    {"cp20127", CS_1252, LABEL_ASCII},
    {"cp28591", CS_1252, LABEL_LATIN1},
    {"cp28592", "ISO-8859-2", LABEL_OTHER},
    {"cp28595", "ISO-8859-5", LABEL_OTHER},
    {"cp28597", "ISO-8859-7", LABEL_OTHER},
    {"cp28605", "ISO-8859-15", LABEL_OTHER},
    {"cp20866", "KOI8-R", LABEL_OTHER},
    {"cp21866", "KOI8-U", LABEL_OTHER},
    {"cp10000", "MACINTOSH", LABEL_OTHER},
    {"windows-1252", CS_1252, LABEL_OTHER},
    {"cp1252", CS_1252, LABEL_OTHER},
    {"x-cp1252", CS_1252, LABEL_OTHER},
};

/* What we know about one name handed to iconv. Entries live until exit. */
struct csinfo {
    char name[48];     /* upper case, as handed to iconv */
    bool known;        /* iconv can convert it to UTF-8 */
    bool ascii_compat; /* bytes 0x00-0x7F decode to themselves */
    bool single_byte;  /* no byte starts a multi-byte sequence */
    iconv_t cd;        /* to UTF-8, open while cached; (iconv_t)-1 when not */
};

#define CS_NAME_MAX 47
#define MAX_NEGATIVE 64 /* unknown names remembered (the rest are simply asked again) */
#define MAX_OPEN_CD 32  /* descriptors kept open; conversions beyond open one per call */

static struct csinfo **infos;
static size_t ninfos, infos_cap, nnegative, nopen;

static bool props_of(iconv_t cd, struct csinfo *ci)
{
    /* ASCII compatibility: 0x00-0x7F in one run must come back unchanged. */
    char in[128], outb[1024];
    for (int i = 0; i < 128; i++)
        in[i] = (char)i;
    char *ip = in, *op = outb;
    size_t il = sizeof in, ol = sizeof outb;
    iconv(cd, NULL, NULL, NULL, NULL);
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    ci->ascii_compat = r != (size_t)-1 && il == 0 && (size_t)(op - outb) == sizeof in &&
                       memcmp(in, outb, sizeof in) == 0;
    /* Single byte: no high byte alone is an incomplete sequence. */
    ci->single_byte = ci->ascii_compat;
    for (int b = 0x80; b < 0x100 && ci->single_byte; b++) {
        char c = (char)b;
        ip = &c;
        il = 1;
        op = outb;
        ol = sizeof outb;
        iconv(cd, NULL, NULL, NULL, NULL);
        r = iconv(cd, &ip, &il, &op, &ol);
        if (r == (size_t)-1 && errno == EINVAL)
            ci->single_byte = false;
    }
    iconv(cd, NULL, NULL, NULL, NULL);
    return true;
}

/* The entry for an upper-case name (<= CS_NAME_MAX chars), asking iconv the first time. */
static struct csinfo *info_for(const char *upper)
{
    for (size_t i = 0; i < ninfos; i++)
        if (infos[i]->name == upper || strcmp(infos[i]->name, upper) == 0)
            return infos[i];
    iconv_t cd = iconv_open("UTF-8", upper);
    struct csinfo tmp = {.known = cd != (iconv_t)-1, .cd = (iconv_t)-1};
    if (!tmp.known && nnegative >= MAX_NEGATIVE) {
        static struct csinfo unknown; /* not cached: an unending stream of invented names */
        unknown.known = false;
        unknown.cd = (iconv_t)-1;
        return &unknown;
    }
    struct csinfo *ci = xmalloc(sizeof *ci);
    *ci = tmp;
    snprintf(ci->name, sizeof ci->name, "%s", upper);
    if (ci->known) {
        props_of(cd, ci);
        if (nopen < MAX_OPEN_CD) {
            ci->cd = cd;
            nopen++;
        } else {
            iconv_close(cd);
        }
    } else {
        nnegative++;
    }
    infos = xgrow(infos, &infos_cap, ninfos + 1, sizeof *infos);
    infos[ninfos++] = ci;
    return ci;
}

static bool name_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
}

/* Trims spaces and quotes and checks the characters. Writes the lower-case form to `lower` and
 * the upper-case form to `upper` (each CS_NAME_MAX + 1 bytes). False for no usable name. */
static bool normalize_name(const char *name, char *lower, char *upper)
{
    if (!name)
        return false;
    size_t len = strlen(name);
    size_t a = 0, b = len;
    while (a < b && (name[a] == ' ' || name[a] == '\t' || name[a] == '"' || name[a] == '\''))
        a++;
    while (b > a &&
           (name[b - 1] == ' ' || name[b - 1] == '\t' || name[b - 1] == '"' || name[b - 1] == '\''))
        b--;
    if (a == b || b - a > CS_NAME_MAX)
        return false;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!name_char_ok(c))
            return false;
        lower[i - a] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        upper[i - a] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    lower[b - a] = upper[b - a] = '\0';
    return true;
}

/* charset_canonical() plus the label's class, without the memo. */
static const char *resolve_label(const char *name, enum label_class *cls)
{
    char lower[CS_NAME_MAX + 1], upper[CS_NAME_MAX + 1];
    *cls = LABEL_OTHER;
    if (!normalize_name(name, lower, upper))
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(lower, aliases[i].name) == 0) {
            *cls = aliases[i].cls;
            return aliases[i].canonical;
        }
    if (strncmp(lower, "iso-2022-jp", 11) == 0 || strncmp(lower, "csiso2022jp", 11) == 0)
        return CS_ISO2022JP;
    struct csinfo *ci = info_for(upper);
    return ci->known ? ci->name : NULL;
}

/* Labels repeat (every part of every message says "iso-2022-jp"): the last answers for each
 * spelling are kept in a small direct-mapped memo. */
static struct label_memo {
    char raw[CS_NAME_MAX + 1];
    const char *canonical;
    enum label_class cls;
    bool used;
} memo[64];

static const char *canonical_class(const char *name, enum label_class *cls)
{
    *cls = LABEL_OTHER;
    if (!name)
        return NULL;
    uint32_t h = 2166136261u;
    size_t n = 0;
    for (; n <= CS_NAME_MAX && name[n]; n++)
        h = (h ^ (unsigned char)name[n]) * 16777619u;
    if (n > CS_NAME_MAX)
        return resolve_label(name, cls);
    struct label_memo *m = &memo[h % (sizeof memo / sizeof memo[0])];
    if (m->used && strcmp(m->raw, name) == 0) {
        *cls = m->cls;
        return m->canonical;
    }
    const char *canon = resolve_label(name, cls);
    memcpy(m->raw, name, n + 1);
    m->canonical = canon;
    m->cls = *cls;
    m->used = true;
    return canon;
}

const char *charset_canonical(const char *name)
{
    enum label_class cls;
    return canonical_class(name, &cls);
}

/* ---------------------------------------------------------------------------------------------
 * iconv decoding */

struct errcount {
    size_t bad;        /* EILSEQ: invalid sequences */
    size_t incomplete; /* EINVAL: a sequence cut off by the end of the input */
};

static void count_fffd(struct out *o, struct errcount *e, bool incomplete)
{
    out_reserve(o, 3);
    out_fffd(o);
    if (incomplete)
        e->incomplete++;
    else
        e->bad++;
}

/* Decodes with iconv; every byte iconv refuses becomes one U+FFFD. */
static void decode_iconv(const char *canon, const char *data, size_t len, struct out *o,
                         struct errcount *e)
{
    struct csinfo *ci = info_for(canon);
    iconv_t cd = ci->cd;
    bool temporary = false;
    if (cd == (iconv_t)-1 && ci->known) {
        cd = iconv_open("UTF-8", ci->name);
        temporary = cd != (iconv_t)-1;
    }
    if (cd == (iconv_t)-1) {
        /* iconv cannot read this charset here: keep ASCII, replace the rest. */
        out_reserve_triple(o, len);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)data[i];
            if (c < 0x80) {
                out_byte(o, c);
            } else {
                out_fffd(o);
                e->bad++;
            }
        }
        return;
    }
    iconv(cd, NULL, NULL, NULL, NULL);
    char *in = (char *)data;
    size_t inleft = len;
    out_reserve(o, len > SIZE_MAX / 4 ? SIZE_MAX : len + len / 2 + 32);
    while (inleft > 0) {
        char *op = o->p + o->len;
        size_t ol = o->cap - o->len - 1;
        size_t r = iconv(cd, &in, &inleft, &op, &ol);
        int err = errno;
        o->len = (size_t)(op - o->p);
        if (r != (size_t)-1)
            break;
        if (err == E2BIG) {
            out_reserve(o, inleft > SIZE_MAX / 4 ? SIZE_MAX : inleft * 2 + 64);
            continue;
        }
        /* EILSEQ, EINVAL (incomplete at the end) or anything else: skip one byte. */
        count_fffd(o, e, err == EINVAL);
        in++;
        inleft--;
    }
    /* Stateful charsets may hold something back until the end. */
    for (int tries = 0; tries < 4; tries++) {
        out_reserve(o, 64);
        char *op = o->p + o->len;
        size_t ol = o->cap - o->len - 1;
        size_t r = iconv(cd, NULL, NULL, &op, &ol);
        o->len = (size_t)(op - o->p);
        if (r != (size_t)-1 || errno != E2BIG)
            break;
    }
    if (temporary)
        iconv_close(cd);
}

/* Replaces each ESC (U+001B) from `start` on with U+FFFD. */
static void replace_esc(struct out *o, size_t start, size_t *replaced)
{
    if (o->len <= start || !memchr(o->p + start, 0x1B, o->len - start))
        return;
    size_t n = 0;
    for (size_t i = start; i < o->len; i++)
        n += o->p[i] == 0x1B;
    size_t newlen = o->len + 2 * n;
    char *p = xmalloc(newlen + 1);
    memcpy(p, o->p, start);
    size_t k = start;
    for (size_t i = start; i < o->len; i++) {
        if (o->p[i] == 0x1B) {
            p[k++] = (char)0xEF;
            p[k++] = (char)0xBF;
            p[k++] = (char)0xBD;
        } else {
            p[k++] = o->p[i];
        }
    }
    free(o->p);
    o->p = p;
    o->len = newlen;
    o->cap = newlen + 1;
    *replaced += n;
}

/* ---------------------------------------------------------------------------------------------
 * UTF-8 */

static void decode_utf8(const char *s, size_t len, struct out *o, size_t *replaced)
{
    out_reserve_triple(o, len);
    if (utf8_valid(s, len) && !memchr(s, 0x1B, len)) {
        if (len)
            memcpy(o->p + o->len, s, len);
        o->len += len;
        return;
    }
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && c != 0x1B) {
            out_byte(o, c);
            i++;
            continue;
        }
        size_t n = c == 0x1B ? 0 : utf8_sequence_length(s + i, len - i);
        if (n == 0) {
            out_fffd(o);
            (*replaced)++;
            i++;
        } else {
            memcpy(o->p + o->len, s + i, n);
            o->len += n;
            i += n;
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * ISO-2022-JP */

/* JIS X 0208 and JIS X 0212 row/cell (0x21-0x7E each) to a BMP code point; 0 = unmapped. */
static uint16_t jis0208[94 * 94];
static uint16_t jis0212[94 * 94];
static bool tables_built;

/* Converts one short sequence to a single code point with a UCS-4LE descriptor; 0 if iconv
 * refuses it or it is not exactly one BMP character. */
static uint16_t one_cp(iconv_t cd, const unsigned char *in, size_t inlen)
{
    unsigned char obuf[16];
    char *ip = (char *)in, *op = (char *)obuf;
    size_t il = inlen, ol = sizeof obuf;
    iconv(cd, NULL, NULL, NULL, NULL);
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (r == (size_t)-1 || il != 0 || sizeof obuf - ol != 4)
        return 0;
    uint32_t cp = (uint32_t)obuf[0] | (uint32_t)obuf[1] << 8 | (uint32_t)obuf[2] << 16 |
                  (uint32_t)obuf[3] << 24;
    return cp > 0 && cp <= 0xFFFF ? (uint16_t)cp : 0;
}

static void build_tables(void)
{
    if (tables_built)
        return;
    tables_built = true;
    iconv_t cd = iconv_open("UCS-4LE", "CP932");
    if (cd != (iconv_t)-1) {
        for (unsigned j1 = 0x21; j1 <= 0x7E; j1++)
            for (unsigned j2 = 0x21; j2 <= 0x7E; j2++) {
                unsigned char sj[2];
                sj[0] = (unsigned char)(((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0));
                sj[1] = (unsigned char)(j2 + ((j1 & 1) ? (j2 <= 0x5F ? 0x1F : 0x20) : 0x7E));
                jis0208[(j1 - 0x21) * 94 + (j2 - 0x21)] = one_cp(cd, sj, 2);
            }
        iconv_close(cd);
    }
    /* The wave dash: CP932 has U+FF5E where the JIS table has U+301C. glibc's CP932 already
     * agrees; this keeps it so should another iconv answer the JIS way. */
    if (jis0208[(0x21 - 0x21) * 94 + (0x41 - 0x21)] == 0x301C)
        jis0208[(0x21 - 0x21) * 94 + (0x41 - 0x21)] = 0xFF5E;
    cd = iconv_open("UCS-4LE", "EUC-JP-MS");
    if (cd != (iconv_t)-1) {
        for (unsigned j1 = 0x21; j1 <= 0x7E; j1++)
            for (unsigned j2 = 0x21; j2 <= 0x7E; j2++) {
                unsigned char eu[3] = {0x8F, (unsigned char)(j1 | 0x80),
                                       (unsigned char)(j2 | 0x80)};
                jis0212[(j1 - 0x21) * 94 + (j2 - 0x21)] = one_cp(cd, eu, 3);
            }
        iconv_close(cd);
    }
}

enum jmode {
    J_ASCII,    /* ESC ( B, ESC ( J (JIS Roman read as ASCII, as Windows does), ESC ( H */
    J_X0208,    /* ESC $ @, ESC $ B, ESC $ ( @, ESC $ ( B */
    J_X0212,    /* ESC $ ( D */
    J_KANA,     /* ESC ( I */
    J_UNKNOWN1, /* G0 designated to a one-byte set we do not know: every graphic byte is lost */
    J_UNKNOWN2, /* ... to a two-byte set we do not know (ESC $ A, ESC $ ( C ...): every pair */
};

enum esc_result { ESC_MODE, ESC_IGNORE, ESC_BAD };

/* Reads the escape sequence at s[0] == ESC. Returns the bytes it covers (>= 1). An ESC followed
 * by intermediates (0x20-0x2F) and a final byte (0x30-0x7E) is one sequence; a lone ESC, or
 * ESC and intermediates without a final byte, covers only what precedes the offending byte,
 * which is then read again as text. */
static size_t read_escape(const unsigned char *s, size_t len, enum esc_result *res,
                          enum jmode *mode)
{
    size_t i = 1;
    while (i < len && i <= 4 && s[i] >= 0x20 && s[i] <= 0x2F)
        i++;
    *res = ESC_BAD;
    if (i == 1)
        return 1; /* stray ESC */
    if (i >= len || s[i] < 0x30 || s[i] > 0x7E)
        return i; /* cut off, or broken by a byte that cannot end it */
    size_t nint = i - 1;
    const unsigned char *im = s + 1;
    unsigned char f = s[i];
    size_t n = i + 1;
    if (nint == 1 && im[0] == '(') {
        *res = ESC_MODE;
        if (f == 'B' || f == 'J' || f == 'H')
            *mode = J_ASCII;
        else if (f == 'I')
            *mode = J_KANA;
        else {
            *mode = J_UNKNOWN1;
            *res = ESC_BAD;
        }
    } else if (nint == 1 && im[0] == '$') {
        *res = ESC_MODE;
        if (f == '@' || f == 'B') {
            *mode = J_X0208;
        } else {
            *mode = J_UNKNOWN2;
            *res = ESC_BAD;
        }
    } else if (nint == 2 && im[0] == '$' && im[1] == '(') {
        *res = ESC_MODE;
        if (f == '@' || f == 'B') {
            *mode = J_X0208;
        } else if (f == 'D') {
            *mode = J_X0212;
        } else {
            *mode = J_UNKNOWN2;
            *res = ESC_BAD;
        }
    } else if (nint == 1 && im[0] == '&' && f == '@') {
        *res = ESC_IGNORE; /* announcer of JIS X 0208-1990, written before ESC $ B */
    }
    return n;
}

/* The state machine. Output never exceeds three bytes per input byte: `o` must have room for
 * 3 * len more bytes.
 *
 * Line ends: RFC 1468 wants every line to end in ASCII, and mailers that forget ESC ( B before
 * CR LF exist. A CR or LF seen in a two-byte or katakana mode (or while shifted out) is passed
 * through and the decoder returns to ASCII, so the forgotten escape costs nothing and cannot
 * turn the next lines into kanji. This is a silent repair: nothing is counted.
 *
 * Other controls and SPACE are passed through in every mode, as ISO 2022 defines them outside
 * the 94-character sets; a two-byte character interrupted by one loses its first byte (U+FFFD). */
static void iso2022jp_decode(const unsigned char *s, size_t len, struct out *o, size_t *replaced)
{
    build_tables();
    enum jmode mode = J_ASCII;
    bool shifted = false; /* SO ... SI: half-width katakana whatever G0 holds */
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x21 && c <= 0x7E) {
            if (shifted || mode == J_KANA) {
                if (c <= 0x5F)
                    out_cp(o, 0xFF61 + (c - 0x21));
                else {
                    out_fffd(o);
                    (*replaced)++;
                }
                i++;
                continue;
            }
            switch (mode) {
            case J_ASCII:
                do {
                    out_byte(o, c);
                    i++;
                } while (i < len && (c = s[i]) >= 0x20 && c <= 0x7E);
                continue;
            case J_X0208:
            case J_X0212:
            case J_UNKNOWN2:
                if (i + 1 < len && s[i + 1] >= 0x21 && s[i + 1] <= 0x7E) {
                    size_t idx = (size_t)(c - 0x21) * 94 + (size_t)(s[i + 1] - 0x21);
                    uint16_t cp = mode == J_X0208   ? jis0208[idx]
                                  : mode == J_X0212 ? jis0212[idx]
                                                    : 0;
                    if (cp)
                        out_cp(o, cp);
                    else {
                        out_fffd(o);
                        (*replaced)++;
                    }
                    i += 2;
                } else {
                    out_fffd(o); /* a first byte without its second */
                    (*replaced)++;
                    i++;
                }
                continue;
            default: /* J_UNKNOWN1; J_KANA handled above */
                out_fffd(o);
                (*replaced)++;
                i++;
                continue;
            }
        }
        if (c == 0x1B) {
            enum esc_result res;
            enum jmode m = mode;
            size_t n = read_escape(s + i, len - i, &res, &m);
            if (m != mode || res == ESC_MODE) {
                mode = m;
                shifted = false;
            }
            if (res == ESC_BAD) {
                out_fffd(o);
                (*replaced)++;
            }
            i += n;
            continue;
        }
        if (c == 0x0E) {
            shifted = true;
            i++;
            continue;
        }
        if (c == 0x0F) {
            shifted = false;
            i++;
            continue;
        }
        if (c >= 0x80) {
            out_fffd(o);
            (*replaced)++;
            i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            mode = J_ASCII;
            shifted = false;
        }
        out_byte(o, c); /* other C0 controls, SPACE, DEL */
        i++;
    }
}

char *charset_iso2022jp_to_utf8(const char *data, size_t len, struct charset_stats *st,
                                size_t *outlen)
{
    struct out o = {0};
    size_t replaced = 0;
    if (!data)
        len = 0;
    out_reserve_triple(&o, len);
    iso2022jp_decode((const unsigned char *)data, len, &o, &replaced);
    if (st)
        st->replaced += replaced;
    return out_finish(&o, outlen);
}

/* ---------------------------------------------------------------------------------------------
 * Guessing */

/* An escape sequence that only ISO-2022-JP writes: a designation of ASCII, JIS Roman, JIS X
 * 0208, JIS X 0212 or half-width katakana. */
static bool has_jis_escape(const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end && (p = memchr(p, 0x1B, (size_t)(end - p))) != NULL) {
        size_t left = (size_t)(end - p);
        if (left >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@'))
            return true;
        if (left >= 3 && p[1] == '(' && (p[2] == 'B' || p[2] == 'J' || p[2] == 'I'))
            return true;
        if (left >= 4 && p[1] == '$' && p[2] == '(' && (p[3] == 'D' || p[3] == 'B'))
            return true;
        p++;
    }
    return false;
}

struct scan {
    size_t high; /* bytes >= 0x80 */
    bool esc;    /* an ESC byte */
    bool so;     /* an SO byte */
};

static void scan_bytes(const char *data, size_t len, struct scan *sc)
{
    sc->high = 0;
    sc->esc = sc->so = false;
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c >= 0x80)
            sc->high++;
        else if (c == 0x1B)
            sc->esc = true;
        else if (c == 0x0E)
            sc->so = true;
    }
}

/* Valid UTF-8 but for a sequence cut off by the end (a header truncated by its mailer). */
static bool utf8_valid_but_tail(const char *s, size_t len)
{
    size_t i = 0, multi = 0;
    while (i < len) {
        size_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0)
            break;
        multi += n > 1;
        i += n;
    }
    if (i == len)
        return true;
    size_t left = len - i;
    unsigned char c = (unsigned char)s[i];
    size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (multi == 0 || need == 0 || left >= need)
        return false;
    for (size_t k = 1; k < left; k++)
        if (((unsigned char)s[i + k] & 0xC0) != 0x80)
            return false;
    return true;
}

struct jscore {
    size_t bad;  /* undecodable sequences, private-use characters, katakana glued to Latin */
    size_t kana; /* half-width katakana */
    size_t run;  /* longest run of consecutive non-ASCII characters */
    bool fits;
};

static bool ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* How well the bytes read in a charset (made for Japanese; fair for the others). */
static void score_as(const char *canon, const char *data, size_t len, size_t high,
                           struct jscore *js)
{
    struct out o = {0};
    struct errcount e = {0};
    decode_iconv(canon, data, len, &o, &e);
    js->bad = e.bad + e.incomplete;
    js->kana = 0;
    js->run = 0;
    const unsigned char *p = (const unsigned char *)o.p;
    for (size_t i = 0, run = 0; i < o.len; i++) {
        if (p[i] < 0x80)
            run = 0;
        else if (p[i] >= 0xC0 && ++run > js->run)
            js->run = run;
    }
    for (size_t i = 0; i + 1 < o.len; i++) {
        /* iconv wrote valid UTF-8: 0xC2, 0xEE and 0xEF are lead bytes. */
        if (p[i] == 0xC2 && p[i + 1] < 0xA0) {
            js->bad++; /* C1 controls, which EUC-JP-MS lets through */
            i += 1;
        } else if (i + 2 >= o.len) {
            break;
        } else if (p[i] == 0xEE || (p[i] == 0xEF && p[i + 1] >= 0x80 && p[i + 1] <= 0xA3)) {
            js->bad++; /* U+E000-U+F8FF: private use, nearly never real text */
            i += 2;
        } else if (p[i] == 0xEF && ((p[i + 1] == 0xBD && p[i + 2] >= 0xA1) ||
                                    (p[i + 1] == 0xBE && p[i + 2] <= 0x9F))) {
            js->kana++; /* U+FF61-U+FF9F */
            if ((i > 0 && ascii_letter(p[i - 1])) || (i + 3 < o.len && ascii_letter(p[i + 3])))
                js->bad++; /* "Ärger" read as "ﾄrger" */
            i += 2;
        }
    }
    free(o.p);
    js->fits = js->bad == 0 || js->bad * 8 <= high;
}

/* Reads like Latin-1 words: every 8-bit byte is a Latin-1 letter (0xC0-0xFF but for the
 * multiplication and division signs) next to an ASCII letter or another such byte. */
static bool latin_words(const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80)
            continue;
        if (s[i] < 0xC0 || s[i] == 0xD7 || s[i] == 0xF7)
            return false;
        bool prev = i > 0 && (ascii_letter(s[i - 1]) || s[i - 1] >= 0xC0);
        bool next = i + 1 < len && (ascii_letter(s[i + 1]) || s[i + 1] >= 0xC0);
        if (!prev && !next)
            return false;
    }
    return true;
}

const char *charset_guess(const char *data, size_t len, const char *hint)
{
    if (!data)
        len = 0;
    struct scan sc;
    scan_bytes(data, len, &sc);
    if (sc.high == 0)
        return sc.esc && has_jis_escape(data, len) ? CS_ISO2022JP : CS_UTF8;
    if (utf8_valid_but_tail(data, len))
        return CS_UTF8;

    enum label_class cls;
    const char *h = canonical_class(hint, &cls);
    bool hint_sjis = h && (strcmp(h, CS_CP932) == 0 || strcmp(h, CS_ISO2022JP) == 0);
    bool hint_euc = h && strcmp(h, CS_EUCJP) == 0;

    /* Another charset as the hint: a single-byte one (Western, Cyrillic ...) is taken unless
     * the bytes read cleanly as Japanese; a multi-byte one (GB18030, CP949, Big5) when the
     * bytes read cleanly in it. us-ascii says nothing about 8-bit bytes. */
    struct csinfo *other = NULL;
    if (h && cls != LABEL_ASCII && !hint_sjis && !hint_euc && strcmp(h, CS_UTF8) != 0) {
        other = info_for(h);
        if (!other->known)
            other = NULL;
    }
    if (other && !other->single_byte) {
        struct jscore hs;
        score_as(other->name, data, len, sc.high, &hs);
        if (hs.bad == 0)
            return other->name;
    }

    struct jscore sj, eu;
    score_as(CS_CP932, data, len, sc.high, &sj);
    if (other && other->single_byte) {
        /* Only CP932 that reads cleanly, two characters together at least, overrules: EUC-JP
         * would take most Latin-1 and KOI8-R text, and "r\xe9union" is one CP932 kanji. */
        if (sj.bad == 0 && sj.kana == 0 && sj.run >= 2)
            return CS_CP932;
        return other->name;
    }
    score_as(CS_EUCJP, data, len, sc.high, &eu);
    /* "Forma\xe7\xe3o Ver\xe3o" reads as CP932 without an error, one kanji at a time: isolated
     * characters whose bytes are Latin-1 letters inside words are Latin-1. */
    if (sj.run <= 1 && eu.run <= 1 && latin_words(data, len))
        return CS_1252;
    if (!sj.fits && !eu.fits)
        return CS_1252;
    if (!eu.fits)
        return CS_CP932;
    if (!sj.fits)
        return CS_EUCJP;
    if (sj.bad != eu.bad)
        return sj.bad < eu.bad ? CS_CP932 : CS_EUCJP;
    if (hint_euc)
        return CS_EUCJP;
    if (hint_sjis)
        return CS_CP932;
    return eu.kana < sj.kana ? CS_EUCJP : CS_CP932;
}

/* ---------------------------------------------------------------------------------------------
 * The entry point */

/* Decodes as `canon` (a name charset_canonical() or charset_guess() gave) into `o`. */
static void decode_as(const char *canon, const char *data, size_t len, struct out *o,
                      size_t *replaced)
{
    if (strcmp(canon, CS_ISO2022JP) == 0) {
        out_reserve_triple(o, len);
        iso2022jp_decode((const unsigned char *)data, len, o, replaced);
    } else if (strcmp(canon, CS_UTF8) == 0) {
        decode_utf8(data, len, o, replaced);
    } else {
        size_t start = o->len;
        struct errcount e = {0};
        decode_iconv(canon, data, len, o, &e);
        *replaced += e.bad + e.incomplete;
        replace_esc(o, start, replaced);
    }
}

char *charset_to_utf8(const char *data, size_t len, const char *charset, struct charset_stats *st,
                      size_t *outlen)
{
    struct charset_stats dummy = {0};
    if (!st)
        st = &dummy;
    if (!data)
        len = 0;
    struct out o = {0};
    enum label_class cls;
    const char *canon = canonical_class(charset, &cls);
    struct csinfo *ci = NULL;
    if (canon && strcmp(canon, CS_ISO2022JP) != 0 && strcmp(canon, CS_UTF8) != 0) {
        ci = info_for(canon);
    }
    bool ascii_label = !canon || strcmp(canon, CS_UTF8) == 0 || strcmp(canon, CS_ISO2022JP) == 0 ||
                       (ci && ci->ascii_compat);
    struct scan sc;
    scan_bytes(data, len, &sc);

    /* ASCII in an ASCII-compatible charset (SO matters to ISO-2022-JP only). */
    if (sc.high == 0 && !sc.esc && ascii_label &&
        !(sc.so && canon && strcmp(canon, CS_ISO2022JP) == 0)) {
        out_reserve(&o, len);
        if (len)
            memcpy(o.p, data, len);
        o.len = len;
        return out_finish(&o, outlen);
    }

    const char *use = canon;
    if (canon && strcmp(canon, CS_ISO2022JP) == 0) {
        /* 8-bit bytes and no escape: what was labelled ISO-2022-JP is not. */
        if (sc.high > 0 && !sc.esc) {
            const char *g = charset_guess(data, len, NULL);
            if (strcmp(g, CS_1252) != 0) {
                use = g;
                st->relabelled++;
            }
        }
    } else if (sc.high == 0 && sc.esc && ascii_label && has_jis_escape(data, len)) {
        /* ISO-2022-JP under us-ascii, iso-8859-1, any ASCII-compatible label, or none. */
        use = CS_ISO2022JP;
        if (canon)
            st->relabelled++;
        else
            st->guessed++;
    } else if (!canon) {
        use = charset_guess(data, len, NULL);
        if (sc.high > 0)
            st->guessed++;
    } else if (ci && ci->single_byte && sc.high > 0 && utf8_valid(data, len)) {
        use = CS_UTF8;
        st->relabelled++;
    }
    decode_as(use, data, len, &o, &st->replaced);
    return out_finish(&o, outlen);
}

/* ---------------------------------------------------------------------------------------------
 * UTF-8 into a charset, and strict decoding */

/* The descriptor charset_from_utf8() used last: files are written in one charset at a time. */
static char enc_name[CS_NAME_MAX + 1];
static iconv_t enc_cd = (iconv_t)-1;

static iconv_t encoder_for(const char *charset)
{
    if (enc_cd != (iconv_t)-1 && strcmp(enc_name, charset) == 0)
        return enc_cd;
    if (enc_cd != (iconv_t)-1)
        iconv_close(enc_cd);
    enc_cd = (iconv_t)-1;
    if (strlen(charset) >= sizeof enc_name) {
        errno = EINVAL;
        return enc_cd;
    }
    enc_cd = iconv_open(charset, "UTF-8");
    if (enc_cd != (iconv_t)-1)
        strcpy(enc_name, charset);
    return enc_cd;
}

int charset_from_utf8(struct buf *out, const char *s, size_t len, const char *charset,
                      struct buf *bad, struct error *err)
{
    iconv_t cd = encoder_for(charset);
    if (cd == (iconv_t)-1) {
        error_errno(err, errno, "This system's iconv cannot write %s", charset);
        return -1;
    }
    char tmp[4096];
    char *in = (char *)s;
    size_t inleft = len;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (inleft > 0) {
        char *o = tmp;
        size_t oleft = sizeof tmp;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        buf_append(out, tmp, sizeof tmp - oleft);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        /* EILSEQ / EINVAL: one character the charset cannot hold */
        size_t k = utf8_sequence_length(in, inleft);
        if (k == 0)
            k = 1;
        if (bad) {
            bool seen = false;
            for (size_t i = 0; bad->data && i + k <= bad->len; i++)
                if (memcmp(bad->data + i, in, k) == 0)
                    seen = true;
            if (!seen) {
                if (bad->len)
                    buf_putc(bad, ' ');
                buf_append(bad, in, k);
            }
        }
        /* '?' in the charset */
        char q[8], *qi = (char *)"?", *qo = q;
        size_t qil = 1, qol = sizeof q;
        iconv(cd, &qi, &qil, &qo, &qol);
        buf_append(out, q, sizeof q - qol);
        in += k;
        inleft -= k;
    }
    char *o = tmp;
    size_t oleft = sizeof tmp;
    iconv(cd, NULL, NULL, &o, &oleft);
    buf_append(out, tmp, sizeof tmp - oleft);
    return 0;
}

char *charset_to_utf8_strict(const char *data, size_t len, const char *charset)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return NULL;
    /* Three UTF-8 bytes per input byte hold any CP932 or single-byte text; more is grown. */
    size_t cap = len * 3 + 1, used = 0;
    char *out = xmalloc(cap);
    char *in = (char *)data;
    size_t inleft = len;
    for (;;) {
        char *op = out + used;
        size_t oleft = cap - 1 - used;
        size_t r = iconv(cd, &in, &inleft, &op, &oleft);
        used = (size_t)(op - out);
        if (r != (size_t)-1 && inleft == 0)
            break;
        if (r == (size_t)-1 && errno == E2BIG) {
            cap *= 2;
            out = xrealloc(out, cap);
            continue;
        }
        iconv_close(cd);
        free(out);
        return NULL;
    }
    iconv_close(cd);
    out[used] = '\0';
    return out;
}
