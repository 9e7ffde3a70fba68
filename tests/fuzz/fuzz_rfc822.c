/* fuzz_rfc822: libFuzzer harness for the raw header scanner, the classifier and the date rule
 * (src/normalize/rfc822.c, src/normalize/maildate.c).
 *
 * Each input is the start of a message file. The scanner's fields are checked against an
 * independent reading of the rules in rfc822.h (one field per field line, in order, each a whole
 * run of lines, ending where the header block ends), and so are the classifier, the unfolding,
 * rfc822_header_value(), rfc822_leading_blanks() and rfc822_uses_crlf(). maildate_of_header()
 * must agree with the first Date field and the Received fields as the scanner finds them, and
 * every date it gives must survive maildate_format_rfc5322() and maildate_parse(). Every broken
 * rule aborts with a line on stderr that names it.
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_rfc822
 *   build-fuzz/fuzz_rfc822 -max_total_time=600 build-fuzz/corpus-rfc822 tests/fuzz/seeds-rfc822 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "model/model.h"
#include "normalize/maildate.h"
#include "normalize/rfc822.h"
#include "util/buf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz_rfc822: %s (%s:%d)\n", what, __FILE__, __LINE__);              \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* ---- the reference reading of rfc822.h ------------------------------------------------------ */

static size_t line_end(const char *s, size_t len, size_t pos)
{
    while (pos < len && s[pos] != '\n')
        pos++;
    return pos < len ? pos + 1 : len;
}

static bool blank_line(const char *s, size_t len, size_t pos)
{
    return (pos < len && s[pos] == '\n') || (pos + 1 < len && s[pos] == '\r' && s[pos + 1] == '\n');
}

/* "a name of printable ASCII other than ':', optional blanks, then ':'" within s[pos..end);
 * *name_len and *colon set when it is one. */
static bool field_line(const char *s, size_t end, size_t pos, size_t *name_len, size_t *colon)
{
    size_t i = pos;
    while (i < end && (unsigned char)s[i] > 32 && (unsigned char)s[i] < 127 && s[i] != ':')
        i++;
    size_t n = i - pos;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n == 0 || i >= end || s[i] != ':')
        return false;
    *name_len = n;
    *colon = i;
    return true;
}

struct ref_field {
    size_t name, name_len, value, end;
};

/* Where the header block starts: past a first line "From " that is not a field. */
static size_t ref_start(const char *s, size_t len)
{
    size_t n, c;
    if (len >= 5 && memcmp(s, "From ", 5) == 0 && !field_line(s, line_end(s, len, 0), 0, &n, &c))
        return line_end(s, len, 0);
    return 0;
}

/* The fields of the header block: each field line starts one, which runs to the last
 * continuation line (a line starting with a blank) before the next field line or the end of
 * the block; lines that are neither are ignored. Returns the count; *body is where the block
 * ends (past the blank line, or len). */
static size_t ref_fields(const char *s, size_t len, struct ref_field *out, size_t cap, size_t *body)
{
    size_t count = 0, pos = ref_start(s, len);
    struct ref_field *cur = NULL;
    while (pos < len && !blank_line(s, len, pos)) {
        size_t end = line_end(s, len, pos), n, colon;
        if (field_line(s, end, pos, &n, &colon)) {
            CHECK(count < cap, "reference: too many fields for the harness");
            cur = &out[count++];
            *cur = (struct ref_field){pos, n, colon + 1, end};
        } else if (cur && (s[pos] == ' ' || s[pos] == '\t')) {
            cur->end = end;
        }
        pos = end;
    }
    *body = pos < len ? line_end(s, len, pos) : len;
    return count;
}

/* Unfolding as rfc822.h states it: CR, LF and NUL dropped, blanks at both ends trimmed. */
static char *ref_unfold(const char *s, size_t len, size_t *out_len)
{
    char *o = malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r' && s[i] != '\n' && s[i] != '\0')
            o[n++] = s[i];
    size_t b = 0;
    while (b < n && (o[b] == ' ' || o[b] == '\t'))
        b++;
    while (n > b && (o[n - 1] == ' ' || o[n - 1] == '\t'))
        n--;
    memmove(o, o + b, n - b);
    *out_len = n - b;
    o[*out_len] = '\0';
    return o;
}

/* ---- checks --------------------------------------------------------------------------------- */

#define MAX_FIELDS 4096

static void check_scan(const char *s, size_t len)
{
    static struct ref_field ref[MAX_FIELDS];
    size_t body;
    size_t nref = ref_fields(s, len, ref, MAX_FIELDS, &body);

    struct rfc822_scan sc;
    struct rfc822_field f;
    rfc822_scan_begin(&sc, s, len);
    CHECK(sc.start == ref_start(s, len), "scan starts where the envelope line ends");
    size_t i = 0, prev_end = sc.start;
    struct buf v = BUF_INIT;
    while (rfc822_scan_next(&sc, &f)) {
        CHECK(i < nref, "scanner found more fields than there are field lines");
        CHECK(f.name == ref[i].name && f.name_len == ref[i].name_len, "field name offsets");
        CHECK(f.value == ref[i].value, "field value offset");
        CHECK(f.end == ref[i].end, "field end (continuations taken with their field)");
        CHECK(f.name >= prev_end && f.end <= len && f.value <= f.end, "fields in order");
        CHECK(f.end == len || s[f.end - 1] == '\n', "a field ends at a line end");
        prev_end = f.end;
        /* The field is its own name, case-insensitively. */
        char name[1024];
        if (f.name_len < sizeof name) {
            memcpy(name, s + f.name, f.name_len);
            name[f.name_len] = '\0';
            CHECK(rfc822_field_is(&sc, &f, name), "rfc822_field_is on its own name");
        }
        /* Unfolding against the reference. */
        rfc822_unfold(s + f.value, f.end - f.value, &v);
        size_t rlen;
        char *r = ref_unfold(s + f.value, f.end - f.value, &rlen);
        CHECK(v.len == rlen && (rlen == 0 || memcmp(v.data, r, rlen) == 0), "rfc822_unfold");
        CHECK(!v.data || v.data[v.len] == '\0', "rfc822_unfold terminates its output");
        free(r);
        i++;
    }
    CHECK(i == nref, "scanner missed a field line");
    CHECK(sc.pos == body, "scanner ends where the header block ends");
    /* A second call after the end stays at the end. */
    CHECK(!rfc822_scan_next(&sc, &f) && sc.pos == body, "scanner stays done");

    /* rfc822_fields_find keeps the first field of each known name, as a scan meets them. */
    struct rfc822_fields fs;
    rfc822_fields_find(s, len, RFC822_ALL_KNOWN, &fs);
    unsigned met = 0;
    rfc822_scan_begin(&sc, s, len);
    while (rfc822_scan_next(&sc, &f)) {
        int k = rfc822_known_of(&sc, &f);
        if (k < 0 || (met & (1u << k)))
            continue;
        met |= 1u << k;
        const struct rfc822_field *g = rfc822_fields_get(&fs, (enum rfc822_known)k);
        CHECK(g && g->name == f.name && g->value == f.value && g->end == f.end,
              "rfc822_fields_find keeps the first field of a name");
    }
    CHECK(fs.found == met, "rfc822_fields_find finds the names a scan meets");

    bool complete;
    size_t hlen = rfc822_header_length(s, len, &complete);
    if (complete)
        CHECK(hlen == body && hlen <= len, "rfc822_header_length agrees with the scanner");
    else
        CHECK(hlen == len, "rfc822_header_length of an incomplete block is len");

    /* rfc822_header_value finds the first field of a name, case-insensitively. */
    for (size_t k = 0; k < nref && k < 8; k++) {
        char name[1024];
        if (ref[k].name_len >= sizeof name || memchr(s + ref[k].name, '\0', ref[k].name_len))
            continue;
        memcpy(name, s + ref[k].name, ref[k].name_len);
        name[ref[k].name_len] = '\0';
        for (char *p = name; *p; p++) /* change the case: the lookup ignores it */
            *p = (char)(k % 2 ? (*p >= 'a' && *p <= 'z' ? *p - 32 : *p)
                              : (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        size_t first = 0;
        while (first < nref && !(ref[first].name_len == ref[k].name_len &&
                                 strncasecmp(s + ref[first].name, name, ref[k].name_len) == 0))
            first++;
        CHECK(first <= k, "reference lookup");
        CHECK(rfc822_header_value(s, len, name, &v), "rfc822_header_value finds a field");
        size_t rlen;
        char *r = ref_unfold(s + ref[first].value, ref[first].end - ref[first].value, &rlen);
        CHECK(v.len == rlen && (rlen == 0 || memcmp(v.data, r, rlen) == 0),
              "rfc822_header_value gives the first field's unfolded value");
        free(r);
    }
    CHECK(!rfc822_header_value(s, len, "X-Fuzz-Absent-\x7f", &v) && v.len == 0,
          "rfc822_header_value of a name no field can have");
    buf_free(&v);

    /* The classifier. */
    size_t start = ref_start(s, len), n, colon;
    bool first_is_field = field_line(s, line_end(s, len, start), start, &n, &colon) && n <= 998;
    for (int at_eof = 0; at_eof < 2; at_eof++) {
        enum rfc822_class c = rfc822_classify(s, len, hlen, at_eof);
        enum rfc822_class want = len == 0               ? RFC822_EMPTY
                                 : !first_is_field      ? RFC822_NOT_MESSAGE
                                 : at_eof && body == len ? RFC822_HEADER_ONLY
                                                         : RFC822_MESSAGE;
        CHECK(c == want, "rfc822_classify");
    }

    /* Leading blanks: 0, or the blank run before a field line. */
    size_t lb = rfc822_leading_blanks(s, len);
    size_t run = 0;
    while (run < len && (s[run] == ' ' || s[run] == '\t' || s[run] == '\r' || s[run] == '\n'))
        run++;
    bool field_after = run > 0 && run < len && field_line(s, line_end(s, len, run), run, &n, &colon);
    CHECK(lb == (field_after ? run : 0), "rfc822_leading_blanks");

    const char *lf = memchr(s, '\n', len);
    CHECK(rfc822_uses_crlf(s, len) == (lf && lf > s && lf[-1] == '\r'), "rfc822_uses_crlf");
}

/* The first Date field decides when it can be read; else the first Received whose date can. */
static void check_date(const char *s, size_t len)
{
    enum date_origin origin;
    int64_t t = maildate_of_header(s, len, &origin);
    CHECK((t == MODEL_TIME_UNKNOWN) == (origin == MAILDATE_FROM_NONE), "origin NONE iff no date");
    CHECK(origin == MAILDATE_FROM_NONE || origin == MAILDATE_FROM_DATE ||
              origin == MAILDATE_FROM_RECEIVED, "maildate_of_header origin");

    struct rfc822_scan sc;
    struct rfc822_field f;
    struct buf v = BUF_INIT;
    int64_t want = MODEL_TIME_UNKNOWN;
    enum date_origin want_origin = MAILDATE_FROM_NONE;
    rfc822_scan_begin(&sc, s, len);
    while (rfc822_scan_next(&sc, &f))
        if (rfc822_field_is(&sc, &f, "date")) {
            rfc822_unfold(s + f.value, f.end - f.value, &v);
            want = maildate_parse(buf_str(&v));
            want_origin = MAILDATE_FROM_DATE;
            break;
        }
    if (want == MODEL_TIME_UNKNOWN) {
        want_origin = MAILDATE_FROM_NONE;
        rfc822_scan_begin(&sc, s, len);
        while (want == MODEL_TIME_UNKNOWN && rfc822_scan_next(&sc, &f))
            if (rfc822_field_is(&sc, &f, "RECEIVED")) {
                rfc822_unfold(s + f.value, f.end - f.value, &v);
                want = maildate_parse_received(buf_str(&v));
            }
        if (want != MODEL_TIME_UNKNOWN)
            want_origin = MAILDATE_FROM_RECEIVED;
    }
    buf_free(&v);
    CHECK(t == want && origin == want_origin, "maildate_of_header follows the Date/Received rule");

    /* The filed-under date: the store's time first, then the message's, then the file's. */
    enum date_origin o2;
    struct rfc822_fields fs;
    rfc822_fields_find(s, len, RFC822_ALL_KNOWN, &fs);
    CHECK(maildate_filed(s, len, &fs, 1234, 5678, &o2) == 1234 && o2 == MAILDATE_FROM_STORE,
          "maildate_filed takes the store time");
    int64_t filed = maildate_filed(s, len, &fs, MODEL_TIME_UNKNOWN, 5678, &o2);
    CHECK(t != MODEL_TIME_UNKNOWN ? filed == t && o2 == origin
                                  : filed == 5678 && o2 == MAILDATE_FROM_FILE,
          "maildate_filed falls back to the message, then the file");
    filed = maildate_filed(s, len, &fs, MODEL_TIME_UNKNOWN, MODEL_TIME_UNKNOWN, &o2);
    CHECK(t != MODEL_TIME_UNKNOWN || (filed == MODEL_TIME_UNKNOWN && o2 == MAILDATE_FROM_NONE),
          "maildate_filed with nothing");

    /* What we write for a date reads back as that date (years 1969-9999: four digits, and GMime
     * reads no earlier year, while "Thu, 1 Jan 1969 00:00:00 +0023" is a time in 1968). */
    if (t != MODEL_TIME_UNKNOWN && t >= -31536000 && t <= 253402300799) {
        char text[64], env[64];
        maildate_format_rfc5322(t, text);
        maildate_format_envelope(t, env);
        CHECK(strlen(env) == 24, "the envelope date is 24 characters");
        CHECK(maildate_parse(text) == t, "maildate_format_rfc5322 reads back");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    g_mime_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The scanner's buffers are not NUL-terminated: a copy of exactly `size` bytes lets ASan
     * see a read past the end. */
    char *s = malloc(size ? size : 1);
    if (size)
        memcpy(s, data, size);
    check_scan(s, size);
    check_date(s, size);
    free(s);
    return 0;
}
