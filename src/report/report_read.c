/* report_read: a report.json's store, kind, target and totals, read back (see report_read.h).
 *
 * A recursive-descent reader over (buf, len) that never reads past the end: every step checks
 * what is left. Values other than the ones kept are parsed and skipped, so a document that is
 * not JSON is refused wherever the fault is. */
#include "report/report_read.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/i18n.h"
#include "util/xalloc.h"

#define MAX_DEPTH 64

struct reader {
    const char *start, *p, *end;
    int depth;
    struct error *err;
};

static int fault(struct reader *r, const char *what)
{
    error_set(r->err, "report.json is not valid JSON: %s at byte %zu", what,
              (size_t)(r->p - r->start));
    return -1;
}

static void skip_space(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static void put_utf8(struct buf *b, uint32_t c)
{
    char s[4];
    size_t n;
    if (c < 0x80) {
        s[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        s[0] = (char)(0xC0 | (c >> 6));
        s[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        s[0] = (char)(0xE0 | (c >> 12));
        s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        s[0] = (char)(0xF0 | (c >> 18));
        s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    buf_append(b, s, n);
}

/* Four hex digits after "\u"; -1 when they are not there. */
static long hex4(struct reader *r)
{
    if (r->end - r->p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    r->p += 4;
    return v;
}

/* A string at r->p (its opening quote); decoded into `out` when it is not NULL. */
static int read_string(struct reader *r, struct buf *out)
{
    if (r->p >= r->end || *r->p != '"')
        return fault(r, N_("a string expected"));
    r->p++;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20)
            return fault(r, N_("a control character in a string"));
        if (c != '\\') {
            const char *run = r->p;
            while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
                   (unsigned char)*r->p >= 0x20)
                r->p++;
            if (out)
                buf_append(out, run, (size_t)(r->p - run));
            continue;
        }
        if (r->end - r->p < 2)
            return fault(r, N_("a string cut short"));
        char e = r->p[1];
        r->p += 2;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *known = e ? strchr(from, e) : NULL;
        if (known) {
            if (out)
                buf_putc(out, to[known - from]);
            continue;
        }
        if (e != 'u')
            return fault(r, N_("an unknown escape"));
        long u = hex4(r);
        if (u < 0)
            return fault(r, N_("a bad \\u escape"));
        uint32_t cp = (uint32_t)u;
        if (cp >= 0xD800 && cp < 0xDC00 && r->end - r->p >= 6 && r->p[0] == '\\' &&
            r->p[1] == 'u') {
            const char *save = r->p;
            r->p += 2;
            long low = hex4(r);
            if (low >= 0xDC00 && low < 0xE000)
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)low - 0xDC00);
            else
                r->p = save;
        }
        if (cp >= 0xD800 && cp < 0xE000)
            cp = 0xFFFD; /* a lone surrogate */
        if (out)
            put_utf8(out, cp);
    }
    if (r->p >= r->end)
        return fault(r, N_("a string cut short"));
    r->p++;
    return 0;
}

/* A number; *value and *is_uint say whether it is a plain unsigned integer that fits. */
static int read_number(struct reader *r, uint64_t *value, bool *is_uint)
{
    *value = 0;
    *is_uint = true;
    if (r->p < r->end && *r->p == '-') {
        *is_uint = false;
        r->p++;
    }
    if (r->p >= r->end || *r->p < '0' || *r->p > '9')
        return fault(r, N_("a bad number"));
    if (*r->p == '0' && r->end - r->p > 1 && r->p[1] >= '0' && r->p[1] <= '9')
        return fault(r, N_("a number with a leading zero"));
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        unsigned d = (unsigned)(*r->p - '0');
        if (*value > (UINT64_MAX - d) / 10)
            *is_uint = false;
        else
            *value = *value * 10 + d;
        r->p++;
    }
    if (r->p < r->end && *r->p == '.') {
        *is_uint = false;
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return fault(r, N_("a bad fraction"));
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        *is_uint = false;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return fault(r, N_("a bad exponent"));
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    return 0;
}

static int read_literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return fault(r, N_("an unknown value"));
    r->p += n;
    return 0;
}

/* Called with each member of an object: the key, and the reader at its value, which it must
 * read (or skip with skip_value). */
typedef int (*member_fn)(struct reader *r, const char *key, void *ctx);

static int skip_value(struct reader *r);

static int read_object(struct reader *r, member_fn fn, void *ctx)
{
    if (++r->depth > MAX_DEPTH)
        return fault(r, N_("nesting too deep"));
    r->p++; /* '{' */
    skip_space(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        r->depth--;
        return 0;
    }
    for (;;) {
        struct buf key = BUF_INIT;
        skip_space(r);
        int rc = read_string(r, &key);
        skip_space(r);
        if (rc == 0 && (r->p >= r->end || *r->p != ':'))
            rc = fault(r, N_("':' expected"));
        if (rc == 0) {
            r->p++;
            skip_space(r);
            rc = fn ? fn(r, buf_str(&key), ctx) : skip_value(r);
        }
        buf_free(&key);
        if (rc != 0)
            return rc;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            r->depth--;
            return 0;
        }
        return fault(r, N_("',' or '}' expected"));
    }
}

static int read_array(struct reader *r)
{
    if (++r->depth > MAX_DEPTH)
        return fault(r, N_("nesting too deep"));
    r->p++; /* '[' */
    skip_space(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        r->depth--;
        return 0;
    }
    for (;;) {
        skip_space(r);
        if (skip_value(r) != 0)
            return -1;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            r->depth--;
            return 0;
        }
        return fault(r, N_("',' or ']' expected"));
    }
}

static int skip_value(struct reader *r)
{
    if (r->p >= r->end)
        return fault(r, N_("a value expected"));
    uint64_t v;
    bool is_uint;
    switch (*r->p) {
    case '{': return read_object(r, NULL, NULL);
    case '[': return read_array(r);
    case '"': return read_string(r, NULL);
    case 't': return read_literal(r, "true");
    case 'f': return read_literal(r, "false");
    case 'n': return read_literal(r, "null");
    default: return read_number(r, &v, &is_uint);
    }
}

/* A string value kept in *dst (a later duplicate key replaces it); other types are skipped. */
static int keep_string(struct reader *r, char **dst)
{
    if (r->p >= r->end || *r->p != '"')
        return skip_value(r);
    struct buf b = BUF_INIT;
    if (read_string(r, &b) != 0) {
        buf_free(&b);
        return -1;
    }
    free(*dst);
    *dst = buf_detach(&b);
    return 0;
}

struct totals_seen {
    struct report_read *out;
    unsigned seen; /* a bit per count of `counts` */
};

static const char *const counts[] = {"messages_found", "messages_written",
                                     "messages_not_converted", "problems", "problems_with_loss"};

static uint64_t *count_field(struct report_read *o, size_t i)
{
    uint64_t *fields[] = {&o->messages_found, &o->messages_written, &o->messages_not_converted,
                          &o->problems, &o->problems_with_loss};
    return fields[i];
}

static int totals_member(struct reader *r, const char *key, void *ctx)
{
    struct totals_seen *t = ctx;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (strcmp(key, counts[i]) != 0)
            continue;
        if (r->p >= r->end || !(*r->p == '-' || (*r->p >= '0' && *r->p <= '9')))
            return skip_value(r);
        uint64_t v;
        bool is_uint;
        if (read_number(r, &v, &is_uint) != 0)
            return -1;
        if (is_uint) {
            *count_field(t->out, i) = v;
            t->seen |= 1u << i;
        }
        return 0;
    }
    return skip_value(r);
}

static int top_member(struct reader *r, const char *key, void *ctx)
{
    struct report_read *o = ctx;
    if (strcmp(key, "store") == 0)
        return keep_string(r, &o->store);
    if (strcmp(key, "store_kind") == 0)
        return keep_string(r, &o->store_kind);
    if (strcmp(key, "target") == 0)
        return keep_string(r, &o->target);
    if (strcmp(key, "totals") == 0 && r->p < r->end && *r->p == '{') {
        struct totals_seen t = {o, 0};
        if (read_object(r, totals_member, &t) != 0)
            return -1;
        o->has_totals = t.seen == (1u << (sizeof counts / sizeof counts[0])) - 1;
        return 0;
    }
    return skip_value(r);
}

int report_read_json(const char *buf, size_t len, struct report_read *out, struct error *err)
{
    memset(out, 0, sizeof *out);
    struct reader r = {buf, buf, buf + len, 0, err};
    skip_space(&r);
    int rc = r.p < r.end && *r.p == '{' ? read_object(&r, top_member, out)
                                        : fault(&r, N_("an object expected"));
    if (rc == 0) {
        skip_space(&r);
        if (r.p != r.end)
            rc = fault(&r, N_("text after the object"));
    }
    if (rc != 0)
        report_read_clear(out);
    return rc;
}

void report_read_clear(struct report_read *r)
{
    if (!r)
        return;
    free(r->store);
    free(r->store_kind);
    free(r->target);
    memset(r, 0, sizeof *r);
}
