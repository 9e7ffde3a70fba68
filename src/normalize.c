/* normalize: the decoded view of one message (see normalize.h).
 *
 * normalize_open() indexes the header block (one pass over its bytes); everything else happens
 * in the accessors, each guarded by a "done" flag: headers are decoded from the index, the MIME
 * tree is built by GMime from a memory stream over the caller's bytes (no copy) the first time
 * a body or attachment is asked for, part contents are transfer-decoded by GMime and converted
 * to UTF-8 by charset.h. Content-Type and Content-Disposition parameters are parsed here from
 * the raw header values, because GMime decodes them with glibc iconv.
 *
 * Byte offsets from GMime (g_mime_header_get_offset) are relative to the stream, which starts at
 * `hdr_start` in `data`; they locate an embedded message's exact bytes. */
#include "normalize.h"

#include <ctype.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <ytnef.h>

#include "buf.h"
#include "charset.h"
#include "codec.h"
#include "maildate.h"
#include "model.h"
#include "rfc2047.h"
#include "rfc822.h"
#include "utf8.h"
#include "xalloc.h"

/* ---------------------------------------------------------------------------------------------
 * The handle */

struct field {
    size_t name, name_len; /* offsets into data */
    size_t value, end;     /* the value after ':' to the end of its last continuation line */
};

struct uu_block {
    size_t begin, end;   /* whole lines in the raw text: `begin` line to past the `end` line */
    size_t data, data_end; /* the encoded lines between them */
    char *name;          /* raw file name from the begin line */
    bool closed;         /* an `end` line was found */
};

struct att {
    struct normalize_attachment pub;
    char *filename, *content_type, *content_id; /* owned; pub points at them */
    char *where;             /* label for repairs: "attachment 3" */
    GMimeObject *part;       /* MIME: the leaf or message part (owned by the tree) */
    bool have_range;         /* an embedded message found as a byte range of `data` */
    size_t range_start, range_end;
    size_t uu;               /* uuencode: index into n->uu */
    char *data;              /* decoded bytes (g_malloc, NUL after len), or NULL */
    size_t len;
    bool keep;               /* data cannot be decoded again (TNEF): release keeps it */
    bool checked;            /* repairs of its decoding recorded (not again after a release) */
};

enum addr_field { AF_FROM, AF_SENDER, AF_REPLY_TO, AF_TO, AF_CC, AF_BCC, AF_COUNT };

static const char *const addr_headers[AF_COUNT] = {"From", "Sender", "Reply-To", "To", "Cc", "Bcc"};
static const char *const addr_where[AF_COUNT] = {"from", "sender", "reply_to", "to", "cc", "bcc"};

struct normalize {
    const char *data;
    size_t len;
    size_t hdr_start; /* after a leading mbox `From ` line */
    size_t body;      /* first byte after the header block */
    struct field *fields;
    size_t nfields, fields_cap;
    struct normalize_hints hints;
    int depth; /* of embedded messages */

    /* header-derived, each decoded once */
    bool hint_done;
    char *hint; /* the body's charset, for raw 8-bit headers */
    bool subject_done;
    char *subject;
    bool ids_done;
    char *message_id, *in_reply_to;
    char **refs;
    size_t nrefs, refs_cap;
    struct address_list *addr[AF_COUNT];
    bool date_done;
    int64_t date;
    const char *date_origin;

    /* MIME */
    bool parsed;
    GByteArray *array; /* wraps data + hdr_start without owning it */
    GMimeParserOptions *options; /* with our warning callback; the tree may refer to it */
    GMimeStream *stream;
    GMimeObject *root;
    GMimeObject *text_part, *html_part;
    GMimeMultipart *prologue_part; /* a multipart without boundary: its text is the body */
    bool text_raw_done;
    char *text_raw; /* text part, transfer-decoded (g_malloc) */
    size_t text_raw_len;
    struct uu_block *uu;
    size_t nuu, uu_cap;
    bool text_done;
    char *text;
    size_t text_len;
    bool text_from_html;
    bool html_done;
    char *html, *html_raw, *html_charset;
    size_t html_len, html_raw_len;
    bool atts_done;
    struct att *atts;
    size_t natts, atts_cap;
    size_t *starts; /* while listing: where each part of the tree begins */
    size_t nstarts, starts_cap;

    struct normalize_repair *repairs;
    size_t nrepairs, repairs_cap;
    GHashTable *repair_index;
};

/* ---------------------------------------------------------------------------------------------
 * Repairs */

static void repair(struct normalize *n, const char *kind, const char *where, size_t count)
{
    if (!count)
        return;
    /* "kind where" -> index + 1: a message with thousands of broken parts stays linear */
    char *key = xasprintf("%s %s", kind, where);
    if (!n->repair_index)
        n->repair_index = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    size_t at = GPOINTER_TO_SIZE(g_hash_table_lookup(n->repair_index, key));
    if (at) {
        n->repairs[at - 1].count += count;
        free(key);
        return;
    }
    n->repairs = xgrow(n->repairs, &n->repairs_cap, n->nrepairs + 1, sizeof *n->repairs);
    n->repairs[n->nrepairs++] = (struct normalize_repair){kind, xstrdup(where), count};
    g_hash_table_insert(n->repair_index, key, GSIZE_TO_POINTER(n->nrepairs));
}

static void repair_stats(struct normalize *n, const char *where, const struct charset_stats *st)
{
    repair(n, "charset_replaced", where, st->replaced);
    repair(n, "charset_guessed", where, st->guessed);
    repair(n, "charset_relabelled", where, st->relabelled);
}

/* ---------------------------------------------------------------------------------------------
 * Small byte helpers */

static size_t line_end(const char *s, size_t len, size_t pos)
{
    const char *lf = memchr(s + pos, '\n', len - pos);
    return lf ? (size_t)(lf - s) + 1 : len;
}

static bool has_8bit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

static void *find_bytes(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    return nlen ? memmem(hay, hlen, needle, nlen) : NULL;
}

static char *lower_dup(const char *s)
{
    char *d = xstrdup(s ? s : "");
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* Unfolds a raw header value into `out`: line breaks and NULs dropped, ends trimmed. */
static void unfold(const char *s, size_t len, struct buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\r' || c == '\n' || c == '\0')
            continue;
        buf_putc(out, c);
    }
    size_t b = 0, e = out->len;
    while (b < e && (out->data[b] == ' ' || out->data[b] == '\t'))
        b++;
    while (e > b && (out->data[e - 1] == ' ' || out->data[e - 1] == '\t'))
        e--;
    if (out->data) {
        memmove(out->data, out->data + b, e - b);
        out->len = e - b;
        out->data[out->len] = '\0';
    }
}

/* ---------------------------------------------------------------------------------------------
 * The header index */

static bool is_field_name_char(unsigned char c)
{
    return c > 32 && c < 127 && c != ':';
}

static void index_headers(struct normalize *n)
{
    const char *s = n->data;
    size_t len = n->len, pos = 0;
    if (len >= 5 && memcmp(s, "From ", 5) == 0) {
        /* an mbox envelope line, unless it is a From field written "From  : ..." */
        size_t i = 5, end = line_end(s, len, 0);
        while (i < end && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= end || s[i] != ':')
            pos = end;
    }
    n->hdr_start = pos;
    while (pos < len) {
        size_t end = line_end(s, len, pos);
        if (s[pos] == '\n' || (s[pos] == '\r' && pos + 1 < len && s[pos + 1] == '\n')) {
            pos = end;
            break;
        }
        if (s[pos] == ' ' || s[pos] == '\t') {
            if (n->nfields)
                n->fields[n->nfields - 1].end = end;
            pos = end;
            continue;
        }
        size_t i = pos;
        while (i < end && is_field_name_char((unsigned char)s[i]))
            i++;
        size_t name_end = i;
        while (i < end && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (name_end > pos && i < end && s[i] == ':') {
            n->fields = xgrow(n->fields, &n->fields_cap, n->nfields + 1, sizeof *n->fields);
            n->fields[n->nfields++] = (struct field){pos, name_end - pos, i + 1, end};
        }
        pos = end;
    }
    n->body = pos;
}

/* The first header named `name`, unfolded into `out`; false when there is none. */
static bool header(struct normalize *n, const char *name, struct buf *out)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < n->nfields; i++) {
        const struct field *f = &n->fields[i];
        if (f->name_len == nlen && strncasecmp(n->data + f->name, name, nlen) == 0) {
            unfold(n->data + f->value, f->end - f->value, out);
            return true;
        }
    }
    return false;
}

bool normalize_has_header(struct normalize *n, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < n->nfields; i++)
        if (n->fields[i].name_len == nlen &&
            strncasecmp(n->data + n->fields[i].name, name, nlen) == 0)
            return true;
    return false;
}

const char *normalize_header_block(struct normalize *n, size_t *len)
{
    *len = n->body - n->hdr_start;
    return n->data + n->hdr_start;
}

/* ---------------------------------------------------------------------------------------------
 * MIME parameters, parsed from raw Content-Type / Content-Disposition values */

struct param {
    const char *name; /* in the value; without the RFC 2231 "*N*" suffix */
    size_t name_len;
    int section;      /* -1 when none */
    bool extended;    /* a trailing '*': charset'lang'%XX */
    struct buf value; /* unquoted bytes */
};

struct params {
    struct param *p;
    size_t n, cap;
    struct buf type; /* the value before the first ';', trimmed */
    struct buf src;  /* a copy of the value: the names point into it */
};

static bool cp932_lead(unsigned char c)
{
    return (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC);
}

static bool cp932_trail(unsigned char c)
{
    return (c >= 0x40 && c <= 0x7E) || (c >= 0x80 && c <= 0xFC);
}

static void params_parse(const char *value, size_t len, const char *hint, struct params *ps)
{
    memset(ps, 0, sizeof *ps);
    buf_append(&ps->src, value, len);
    const char *s = ps->src.data;
    /* Raw CP932 names can hold 0x5C ('\\') as a trail byte: keep pairs together. */
    bool cp932 = has_8bit(s, len) && !utf8_valid(s, len) &&
                 strcmp(charset_guess(s, len, hint), "CP932") == 0;
    size_t i = 0;
    while (i < len && s[i] != ';')
        i++;
    unfold(s, i, &ps->type);
    while (i < len) {
        while (i < len && (s[i] == ';' || s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t ns = i;
        while (i < len && s[i] != '=' && s[i] != ';')
            i++;
        size_t ne = i;
        while (ne > ns && (s[ne - 1] == ' ' || s[ne - 1] == '\t'))
            ne--;
        if (i >= len || s[i] != '=')
            continue; /* a parameter without '=': skipped */
        i++;
        if (ne == ns) { /* a value without a name: skipped */
            while (i < len && s[i] != ';')
                i++;
            continue;
        }
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        struct param p = {.name = s + ns, .name_len = ne - ns, .section = -1};
        if (i < len && s[i] == '"') {
            i++;
            while (i < len && s[i] != '"') {
                if (cp932 && i + 1 < len && cp932_lead((unsigned char)s[i]) &&
                    cp932_trail((unsigned char)s[i + 1])) {
                    buf_append(&p.value, s + i, 2);
                    i += 2;
                    continue;
                }
                if (s[i] == '\\' && i + 1 < len)
                    i++;
                buf_putc(&p.value, s[i]);
                i++;
            }
            if (i < len)
                i++;
            while (i < len && s[i] != ';') /* text after the closing quote: ignored */
                i++;
        } else {
            size_t vs = i;
            while (i < len && s[i] != ';')
                i++;
            size_t ve = i;
            while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
                ve--;
            buf_append(&p.value, s + vs, ve - vs);
        }
        /* RFC 2231: name*, name*N, name*N* */
        const char *star = memchr(p.name, '*', p.name_len);
        if (star) {
            size_t rest = p.name_len - (size_t)(star - p.name);
            p.name_len = (size_t)(star - p.name);
            const char *q = star + 1, *end = star + rest;
            if (q < end && isdigit((unsigned char)*q)) {
                int sec = 0;
                while (q < end && isdigit((unsigned char)*q) && sec < 100000)
                    sec = sec * 10 + (*q++ - '0');
                p.section = sec;
                p.extended = q < end && *q == '*';
            } else {
                p.extended = true;
            }
        }
        if (!p.value.data)
            buf_puts(&p.value, "");
        ps->p = xgrow(ps->p, &ps->cap, ps->n + 1, sizeof *ps->p);
        ps->p[ps->n++] = p;
    }
}

static void params_free(struct params *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        buf_free(&ps->p[i].value);
    free(ps->p);
    buf_free(&ps->type);
    buf_free(&ps->src);
}

static bool param_is(const struct param *p, const char *name)
{
    return p->name_len == strlen(name) && strncasecmp(p->name, name, p->name_len) == 0;
}

/* A plain parameter's bytes as written (charset, boundary), or NULL. */
static const struct buf *param_raw(const struct params *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (param_is(&ps->p[i], name) && ps->p[i].section < 0 && !ps->p[i].extended)
            return &ps->p[i].value;
    return NULL;
}

static int cmp_section(const void *a, const void *b)
{
    const struct param *x = *(const struct param *const *)a, *y = *(const struct param *const *)b;
    return (x->section > y->section) - (x->section < y->section);
}

/* A parameter decoded to UTF-8: RFC 2231 pieces when there are any (joined in section order),
 * else the plain value through rfc2047_decode (encoded words in quotes, raw 8-bit). NULL when
 * the parameter is absent. */
static char *param_decoded(const struct params *ps, const char *name, const char *hint,
                           struct charset_stats *st)
{
    const struct param **pieces = NULL;
    size_t np = 0, cap = 0;
    const struct param *plain = NULL;
    for (size_t i = 0; i < ps->n; i++) {
        const struct param *p = &ps->p[i];
        if (!param_is(p, name))
            continue;
        if (p->section < 0 && !p->extended) {
            if (!plain)
                plain = p;
            continue;
        }
        pieces = xgrow(pieces, &cap, np + 1, sizeof *pieces);
        pieces[np++] = p;
    }
    char *out = NULL;
    if (np) {
        qsort(pieces, np, sizeof *pieces, cmp_section);
        struct buf joined = BUF_INIT;
        int last = -2;
        for (size_t i = 0; i < np; i++) {
            const struct param *p = pieces[i];
            if (p->section == last)
                continue; /* a repeated section: the first wins */
            last = p->section;
            if (i == 0 && !p->extended)
                buf_puts(&joined, "''"); /* no charset given */
            if (p->extended) {
                buf_append(&joined, p->value.data, p->value.len);
            } else {
                for (size_t k = 0; k < p->value.len; k++) /* literal pieces, made %-safe */
                    buf_printf(&joined, "%%%02X", (unsigned char)p->value.data[k]);
            }
        }
        out = rfc2047_decode_rfc2231(buf_str(&joined), joined.len, hint, st);
        buf_free(&joined);
    } else if (plain) {
        out = rfc2047_decode(plain->value.data, plain->value.len, hint, st);
    }
    free(pieces);
    return out;
}

/* ---------------------------------------------------------------------------------------------
 * Open and free */

struct normalize *normalize_open(const char *data, size_t len, const struct normalize_hints *hints,
                                 struct error *err)
{
    if (len > G_MAXUINT) {
        error_set(err, "the message is too large to decode (%zu bytes)", len);
        return NULL;
    }
    struct normalize *n = xcalloc(1, sizeof *n);
    n->data = data ? data : "";
    n->len = data ? len : 0;
    n->hints.store_time = hints ? hints->store_time : MODEL_TIME_UNKNOWN;
    n->hints.file_time = hints ? hints->file_time : MODEL_TIME_UNKNOWN;
    index_headers(n);
    return n;
}

void normalize_free(struct normalize *n)
{
    if (!n)
        return;
    free(n->fields);
    free(n->hint);
    free(n->subject);
    free(n->message_id);
    free(n->in_reply_to);
    for (size_t i = 0; i < n->nrefs; i++)
        free(n->refs[i]);
    free(n->refs);
    for (int i = 0; i < AF_COUNT; i++)
        address_list_free(n->addr[i]);
    for (size_t i = 0; i < n->natts; i++) {
        struct att *a = &n->atts[i];
        free(a->filename);
        free(a->content_type);
        free(a->content_id);
        free(a->where);
        g_free(a->data);
    }
    free(n->atts);
    for (size_t i = 0; i < n->nuu; i++)
        free(n->uu[i].name);
    free(n->uu);
    g_free(n->text_raw);
    free(n->text);
    free(n->html);
    g_free(n->html_raw);
    free(n->html_charset);
    if (n->root)
        g_object_unref(n->root);
    if (n->stream)
        g_object_unref(n->stream);
    if (n->options)
        g_mime_parser_options_free(n->options);
    if (n->array)
        g_byte_array_free(n->array, FALSE); /* the bytes are the caller's */
    for (size_t i = 0; i < n->nrepairs; i++)
        free((char *)n->repairs[i].where);
    free(n->repairs);
    if (n->repair_index)
        g_hash_table_destroy(n->repair_index);
    free(n);
}

/* ---------------------------------------------------------------------------------------------
 * Header accessors */

static const char *header_hint(struct normalize *n);

static char *decode_header_text(struct normalize *n, const char *where, const struct buf *v)
{
    struct charset_stats st = {0};
    const char *hint = has_8bit(buf_str(v), v->len) ? header_hint(n) : NULL;
    char *s = rfc2047_decode(buf_str(v), v->len, hint, &st);
    repair_stats(n, where, &st);
    return s;
}

const char *normalize_subject(struct normalize *n)
{
    if (!n->subject_done) {
        n->subject_done = true;
        struct buf v = BUF_INIT;
        if (header(n, "Subject", &v))
            n->subject = decode_header_text(n, "subject", &v);
        buf_free(&v);
    }
    return n->subject;
}

static const struct address_list *addresses(struct normalize *n, enum addr_field f)
{
    if (!n->addr[f]) {
        struct buf v = BUF_INIT;
        struct charset_stats st = {0};
        if (header(n, addr_headers[f], &v)) {
            const char *hint = has_8bit(buf_str(&v), v.len) ? header_hint(n) : NULL;
            n->addr[f] = address_parse(buf_str(&v), v.len, hint, &st);
            repair_stats(n, addr_where[f], &st);
            repair(n, "address_syntax", addr_where[f], n->addr[f]->repairs);
        } else {
            n->addr[f] = address_parse(NULL, 0, NULL, NULL);
        }
        buf_free(&v);
    }
    return n->addr[f];
}

const struct address_list *normalize_from(struct normalize *n) { return addresses(n, AF_FROM); }
const struct address_list *normalize_sender(struct normalize *n) { return addresses(n, AF_SENDER); }
const struct address_list *normalize_reply_to(struct normalize *n)
{
    return addresses(n, AF_REPLY_TO);
}
const struct address_list *normalize_to(struct normalize *n) { return addresses(n, AF_TO); }
const struct address_list *normalize_cc(struct normalize *n) { return addresses(n, AF_CC); }
const struct address_list *normalize_bcc(struct normalize *n) { return addresses(n, AF_BCC); }

/* Message ids: each "<...>" in the value; a value without any is taken as one id. */
static void parse_ids(const struct buf *v, char ***ids, size_t *count, size_t *cap)
{
    const char *s = buf_str(v);
    size_t len = v->len, i = 0;
    bool any = false;
    while (i < len) {
        const char *lt = memchr(s + i, '<', len - i);
        if (!lt)
            break;
        const char *gt = memchr(lt, '>', len - (size_t)(lt - s));
        size_t end = gt ? (size_t)(gt - s) + 1 : len;
        *ids = xgrow(*ids, cap, *count + 1, sizeof **ids);
        (*ids)[(*count)++] = utf8_repair(lt, end - (size_t)(lt - s), '?');
        any = true;
        i = end;
    }
    if (!any && len) {
        *ids = xgrow(*ids, cap, *count + 1, sizeof **ids);
        (*ids)[(*count)++] = utf8_repair(s, len, '?');
    }
}

static void ensure_ids(struct normalize *n)
{
    if (n->ids_done)
        return;
    n->ids_done = true;
    struct buf v = BUF_INIT;
    char **ids = NULL;
    size_t count = 0, cap = 0;
    if (header(n, "Message-ID", &v)) {
        parse_ids(&v, &ids, &count, &cap);
        if (count)
            n->message_id = ids[0];
        for (size_t i = 1; i < count; i++)
            free(ids[i]);
        count = 0;
    }
    if (header(n, "In-Reply-To", &v)) {
        parse_ids(&v, &ids, &count, &cap);
        if (count)
            n->in_reply_to = ids[0];
        for (size_t i = 1; i < count; i++)
            free(ids[i]);
        count = 0;
    }
    free(ids);
    if (header(n, "References", &v))
        parse_ids(&v, &n->refs, &n->nrefs, &n->refs_cap);
    buf_free(&v);
}

const char *normalize_message_id(struct normalize *n)
{
    ensure_ids(n);
    return n->message_id;
}

const char *normalize_in_reply_to(struct normalize *n)
{
    ensure_ids(n);
    return n->in_reply_to;
}

const char *const *normalize_references(struct normalize *n, size_t *count)
{
    ensure_ids(n);
    *count = n->nrefs;
    return (const char *const *)n->refs;
}

/* A date value as GMime's parser wants it: comments removed, no white space around ':'
 * ("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600" is a valid RFC 5322 date). */
static void clean_date(struct buf *v)
{
    size_t o = 0, depth = 0;
    char *d = v->data;
    for (size_t i = 0; i < v->len; i++) {
        char c = d[i];
        if (c == '(') {
            depth++;
            continue;
        }
        if (c == ')' && depth) {
            depth--;
            continue;
        }
        if (depth)
            continue;
        if (c == ':') {
            while (o && (d[o - 1] == ' ' || d[o - 1] == '\t'))
                o--;
            d[o++] = c;
            while (i + 1 < v->len && (d[i + 1] == ' ' || d[i + 1] == '\t'))
                i++;
            continue;
        }
        d[o++] = c;
    }
    v->len = o;
    if (d)
        d[o] = '\0';
}

int64_t normalize_date(struct normalize *n, const char **origin)
{
    if (!n->date_done) {
        n->date_done = true;
        struct buf v = BUF_INIT;
        const char *problem = "date_missing";
        n->date = MODEL_TIME_UNKNOWN;
        if (header(n, "Date", &v)) {
            clean_date(&v);
            n->date = maildate_parse(buf_str(&v));
            problem = "date_invalid";
        }
        if (n->date != MODEL_TIME_UNKNOWN) {
            n->date_origin = "Date";
        } else {
            for (size_t i = 0; i < n->nfields; i++) {
                const struct field *f = &n->fields[i];
                if (f->name_len != 8 || strncasecmp(n->data + f->name, "Received", 8) != 0)
                    continue;
                unfold(n->data + f->value, f->end - f->value, &v);
                clean_date(&v);
                n->date = maildate_parse_received(buf_str(&v));
                if (n->date != MODEL_TIME_UNKNOWN) {
                    n->date_origin = "Received";
                    break;
                }
            }
            if (n->date == MODEL_TIME_UNKNOWN && n->hints.store_time != MODEL_TIME_UNKNOWN) {
                n->date = n->hints.store_time;
                n->date_origin = "store";
            }
            if (n->date == MODEL_TIME_UNKNOWN && n->hints.file_time != MODEL_TIME_UNKNOWN) {
                n->date = n->hints.file_time;
                n->date_origin = "file time";
            }
            if (n->date == MODEL_TIME_UNKNOWN)
                n->date_origin = "none";
            repair(n, problem, n->date_origin, 1);
        }
        buf_free(&v);
    }
    if (origin)
        *origin = n->date_origin;
    return n->date;
}

enum normalize_importance normalize_importance(struct normalize *n)
{
    struct buf v = BUF_INIT;
    enum normalize_importance imp = NORMALIZE_IMPORTANCE_NORMAL;
    if (header(n, "Importance", &v) || header(n, "X-MSMail-Priority", &v)) {
        if (strncasecmp(buf_str(&v), "high", 4) == 0)
            imp = NORMALIZE_IMPORTANCE_HIGH;
        else if (strncasecmp(buf_str(&v), "low", 3) == 0)
            imp = NORMALIZE_IMPORTANCE_LOW;
    } else if (header(n, "X-Priority", &v)) {
        char c = buf_str(&v)[0];
        if (c == '1' || c == '2')
            imp = NORMALIZE_IMPORTANCE_HIGH;
        else if (c == '4' || c == '5')
            imp = NORMALIZE_IMPORTANCE_LOW;
    } else if (header(n, "Priority", &v)) {
        if (strncasecmp(buf_str(&v), "urgent", 6) == 0)
            imp = NORMALIZE_IMPORTANCE_HIGH;
        else if (strncasecmp(buf_str(&v), "non-urgent", 10) == 0)
            imp = NORMALIZE_IMPORTANCE_LOW;
    }
    buf_free(&v);
    return imp;
}

/* ---------------------------------------------------------------------------------------------
 * The MIME tree */

/* The raw value of a part's header, unfolded; false when the part has none. */
/* The raw value of a part's header, unfolded; false when the part has none. When the header
 * is repeated the last one counts, as it does for GMime's parser (a part's structure and its
 * parameters must come from the same Content-Type). */
static bool part_header(GMimeObject *o, const char *name, struct buf *out)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    const char *raw = NULL;
    for (int i = hl ? g_mime_header_list_get_count(hl) : 0; i-- > 0 && !raw;) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0)
            raw = g_mime_header_get_raw_value(h);
    }
    if (!raw)
        return false;
    unfold(raw, strlen(raw), out);
    return true;
}

/* Offset in `data` of a part's first header, or SIZE_MAX when it has none. */
static size_t part_start(struct normalize *n, GMimeObject *o)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    gint64 first = -1;
    for (int i = 0; hl && i < g_mime_header_list_get_count(hl); i++) {
        gint64 off = g_mime_header_get_offset(g_mime_header_list_get_header_at(hl, i));
        if (off >= 0 && (first < 0 || off < first))
            first = off;
    }
    if (first < 0 || (guint64)first >= n->len - n->hdr_start)
        return SIZE_MAX;
    return (size_t)first + n->hdr_start;
}

static void part_params(GMimeObject *o, const char *name, const char *hint, struct params *ps)
{
    struct buf v = BUF_INIT;
    if (part_header(o, name, &v))
        params_parse(buf_str(&v), v.len, hint, ps);
    else
        memset(ps, 0, sizeof *ps);
    buf_free(&v);
}

static bool is_type(GMimeObject *o, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    return ct && g_mime_content_type_is_type(ct, type, subtype);
}

static char *mime_type(GMimeObject *o)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    if (!ct)
        return xstrdup("application/octet-stream");
    char *t = g_mime_content_type_get_mime_type(ct);
    char *out = lower_dup(t);
    g_free(t);
    return out;
}

/* The part's charset parameter as written, or NULL. */
static char *part_charset(GMimeObject *o)
{
    struct params ps;
    part_params(o, "Content-Type", NULL, &ps);
    const struct buf *cs = param_raw(&ps, "charset");
    char *out = cs && cs->len ? utf8_repair(cs->data, cs->len, '?') : NULL;
    params_free(&ps);
    return out;
}

/* A part that is meant as a file: Content-Disposition attachment, or a file name. */
static bool attachment_like(GMimeObject *o)
{
    struct params cd, ct;
    part_params(o, "Content-Disposition", NULL, &cd);
    part_params(o, "Content-Type", NULL, &ct);
    bool yes = cd.type.len >= 10 && strncasecmp(buf_str(&cd.type), "attachment", 10) == 0;
    for (size_t i = 0; i < cd.n && !yes; i++)
        yes = param_is(&cd.p[i], "filename");
    for (size_t i = 0; i < ct.n && !yes; i++)
        yes = param_is(&ct.p[i], "name");
    params_free(&cd);
    params_free(&ct);
    return yes;
}

/* What GMime tolerated while parsing, as repairs (header and parameter problems are not
 * GMime's to count: we decode those ourselves). */
static void gmime_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
    (void)offset;
    (void)item;
    struct normalize *n = data;
    switch (code) {
    case GMIME_WARN_MALFORMED_MULTIPART:
    case GMIME_WARN_TRUNCATED_MESSAGE:
        repair(n, "multipart_truncated", "mime", 1);
        break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
        repair(n, "multipart_no_boundary", "mime", 1);
        break;
    case GMIME_CRIT_NESTING_OVERFLOW:
        repair(n, "too_deep", "mime", 1);
        break;
    case GMIME_WARN_INVALID_CONTENT_TYPE:
        repair(n, "content_type_invalid", "mime", 1);
        break;
    case GMIME_WARN_MALFORMED_MESSAGE:
    case GMIME_CRIT_INVALID_HEADER_NAME:
    case GMIME_WARN_PART_WITHOUT_CONTENT:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        repair(n, "mime_malformed", "mime", 1);
        break;
    default:
        break;
    }
}

static bool ensure_parsed(struct normalize *n)
{
    if (n->parsed)
        return n->root != NULL;
    n->parsed = true;
    /* A GMime memory stream over the caller's bytes: the array does not own them. */
    n->array = g_byte_array_new_take((guint8 *)(uintptr_t)(n->data + n->hdr_start),
                                     n->len - n->hdr_start);
    n->stream = g_mime_stream_mem_new_with_byte_array(n->array);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(n->stream), FALSE);
    GMimeParser *parser = g_mime_parser_new_with_stream(n->stream);
    g_mime_parser_set_persist_stream(parser, TRUE);
    n->options = g_mime_parser_options_new();
    g_mime_parser_options_set_warning_callback(n->options, gmime_warning, n);
    n->root = g_mime_parser_construct_part(parser, n->options);
    g_object_unref(parser);
    return n->root != NULL;
}

/* Finds the body parts below `o`; true once something was found. */
static bool find_body(struct normalize *n, GMimeObject *o, int depth)
{
    if (depth > NORMALIZE_MAX_DEPTH)
        return false;
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        int count = g_mime_multipart_get_count(mp);
        if (count == 0) {
            const char *pro = g_mime_multipart_get_prologue(mp);
            if (pro && *pro && !n->prologue_part && !n->text_part && !n->html_part) {
                n->prologue_part = mp;
                return true;
            }
            return false;
        }
        if (is_type(o, "multipart", "alternative")) {
            bool found = false;
            for (int i = 0; i < count && !(n->text_part && n->html_part); i++)
                found |= find_body(n, g_mime_multipart_get_part(mp, i), depth + 1);
            return found;
        }
        if (is_type(o, "multipart", "related")) {
            GMimeObject *root = g_mime_multipart_get_part(mp, 0);
            struct params ps;
            part_params(o, "Content-Type", NULL, &ps);
            const struct buf *start = param_raw(&ps, "start");
            for (int i = 0; start && start->len && i < count; i++) {
                GMimeObject *c = g_mime_multipart_get_part(mp, i);
                struct buf id = BUF_INIT;
                if (part_header(c, "Content-ID", &id) && strcmp(buf_str(&id), start->data) == 0)
                    root = c;
                buf_free(&id);
            }
            params_free(&ps);
            return find_body(n, root, depth + 1);
        }
        if (is_type(o, "multipart", "encrypted"))
            return false;
        for (int i = 0; i < count; i++)
            if (find_body(n, g_mime_multipart_get_part(mp, i), depth + 1))
                return true;
        return false;
    }
    if (!GMIME_IS_PART(o) || attachment_like(o))
        return false;
    if (is_type(o, "text", "plain") && !n->text_part) {
        n->text_part = o;
        return true;
    }
    if (is_type(o, "text", "html") && !n->html_part) {
        n->html_part = o;
        return true;
    }
    return false;
}

static bool ensure_structure(struct normalize *n)
{
    bool first = !n->parsed;
    if (!ensure_parsed(n))
        return false;
    if (first)
        find_body(n, n->root, 0);
    return true;
}

/* The body's charset, guiding the decoding of raw 8-bit header bytes. */
static const char *header_hint(struct normalize *n)
{
    if (n->hint_done)
        return n->hint;
    n->hint_done = true;
    struct buf v = BUF_INIT;
    if (header(n, "Content-Type", &v)) {
        struct params ps;
        params_parse(buf_str(&v), v.len, NULL, &ps);
        const struct buf *cs = param_raw(&ps, "charset");
        if (cs && cs->len)
            n->hint = utf8_repair(cs->data, cs->len, '?');
        params_free(&ps);
    }
    buf_free(&v);
    if (!n->hint && ensure_structure(n)) {
        GMimeObject *p = n->text_part ? n->text_part : n->html_part;
        if (p)
            n->hint = part_charset(p);
    }
    return n->hint;
}

/* ---------------------------------------------------------------------------------------------
 * Part contents */

/* What GMime's decoders pass over silently, as codec.h counts it: characters outside the base64
 * alphabet and a lone last character; in quoted-printable, '=' followed neither by two hex
 * digits nor by a soft line break. Quoted-printable is checked a run of whole lines at a time
 * (an escape never spans a line end), so each chunk is cut after its last LF. */
static void check_encoded(struct normalize *n, GMimeDataWrapper *w, const char *where)
{
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
    if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
        return;
    GMimeStream *raw = g_mime_data_wrapper_get_stream(w);
    if (!raw || g_mime_stream_reset(raw) != 0)
        return;
    char chunk[4096];
    struct codec_base64 b64;
    codec_base64_init(&b64, 0);
    struct buf lines = BUF_INIT; /* quoted-printable not checked yet */
    size_t bad = 0;
    ssize_t got;
    while ((got = g_mime_stream_read(raw, chunk, sizeof chunk)) > 0) {
        if (enc == GMIME_CONTENT_ENCODING_BASE64) {
            codec_base64_step(&b64, chunk, (size_t)got, NULL);
            continue;
        }
        const char *nl = memrchr(chunk, '\n', (size_t)got);
        size_t head = nl ? (size_t)(nl - chunk) + 1 : 0;
        buf_append(&lines, chunk, head);
        if (nl) {
            bad += codec_qp_decode(lines.data, lines.len, CODEC_QP_BODY, NULL);
            buf_reset(&lines);
        }
        buf_append(&lines, chunk + head, (size_t)got - head);
    }
    if (enc == GMIME_CONTENT_ENCODING_BASE64)
        bad += codec_base64_end(&b64);
    else
        bad += codec_qp_decode(buf_str(&lines), lines.len, CODEC_QP_BODY, NULL);
    buf_free(&lines);
    g_mime_stream_reset(raw);
    repair(n, enc == GMIME_CONTENT_ENCODING_BASE64 ? "base64_invalid" : "quoted_printable_invalid",
           where, bad);
}

/* A Content-Transfer-Encoding GMime does not know is decoded as 7bit: say so. */
static void check_encoding_name(struct normalize *n, GMimeObject *o, const char *where)
{
    struct buf v = BUF_INIT;
    if (part_header(o, "Content-Transfer-Encoding", &v) && v.len) {
        const char *s = buf_str(&v);
        if (g_mime_content_encoding_from_string(s) == GMIME_CONTENT_ENCODING_DEFAULT)
            repair(n, "encoding_unknown", where, 1);
    }
    buf_free(&v);
}

/* A leaf part's content with the transfer encoding undone (g_malloc, NUL after *len). */
static char *part_bytes(struct normalize *n, GMimeObject *o, const char *where, bool check,
                        size_t *len)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeDataWrapper *w = GMIME_IS_PART(o) ? g_mime_part_get_content(GMIME_PART(o)) : NULL;
    if (w) {
        if (check) {
            check_encoding_name(n, o, where);
            check_encoded(n, w, where);
        }
        g_mime_data_wrapper_write_to_stream(w, mem);
    }
    GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_object_unref(mem);
    /* GMime gives the CR of the CRLF before a delimiter to the content when the delimiter line
     * itself has no line end (the last line of a file): it belongs to the delimiter. */
    GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
    GMimeContentEncoding enc =
        w ? g_mime_data_wrapper_get_encoding(w) : GMIME_CONTENT_ENCODING_DEFAULT;
    if (raw && a->len && a->data[a->len - 1] == '\r' && enc != GMIME_CONTENT_ENCODING_BASE64 &&
        enc != GMIME_CONTENT_ENCODING_UUENCODE && raw->super_stream == n->stream &&
        raw->bound_end > 0) {
        size_t end = n->hdr_start + (size_t)raw->bound_end;
        if (end >= 1 && end + 2 < n->len && n->data[end - 1] == '\r' && n->data[end] == '\n' &&
            n->data[end + 1] == '-' && n->data[end + 2] == '-')
            g_byte_array_set_size(a, a->len - 1);
    }
    *len = a->len;
    g_byte_array_append(a, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(a, FALSE);
}

/* ---------------------------------------------------------------------------------------------
 * uuencoded blocks inside a text body */

static bool uu_char(unsigned char c)
{
    return c >= 0x20 && c <= 0x60;
}

/* A line of uuencoded data: a length character and enough characters for it. */
static bool uu_line(const char *s, size_t len)
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || !uu_char((unsigned char)s[0]))
        return false;
    size_t n = (size_t)(((unsigned char)s[0] - 0x20) & 0x3F);
    size_t need = (n + 2) / 3 * 4;
    if (len - 1 < need)
        return false;
    for (size_t i = 1; i < len; i++)
        if (!uu_char((unsigned char)s[i]))
            return false;
    return true;
}

static bool begin_line(const char *s, size_t len, const char **name, size_t *name_len)
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len < 11 || memcmp(s, "begin ", 6) != 0)
        return false;
    size_t i = 6, d = 0;
    while (i < len && s[i] >= '0' && s[i] <= '7')
        i++, d++;
    if (d < 3 || d > 4 || i >= len || s[i] != ' ')
        return false;
    *name = s + i + 1;
    *name_len = len - i - 1;
    return *name_len > 0;
}

static void find_uu(struct normalize *n)
{
    const char *s = n->text_raw;
    size_t len = n->text_raw_len, pos = 0;
    while (pos < len) {
        size_t end = line_end(s, len, pos);
        const char *name;
        size_t name_len;
        if (!begin_line(s + pos, end - pos, &name, &name_len) || end >= len ||
            !uu_line(s + end, line_end(s, len, end) - end)) {
            pos = end;
            continue;
        }
        struct uu_block b = {.begin = pos, .data = end, .name = xstrndup(name, name_len)};
        size_t p = end;
        while (p < len) {
            size_t e = line_end(s, len, p);
            size_t l = e - p;
            while (l && (s[p + l - 1] == '\n' || s[p + l - 1] == '\r'))
                l--;
            if (l == 3 && memcmp(s + p, "end", 3) == 0) {
                b.data_end = p;
                b.end = e;
                b.closed = true;
                break;
            }
            p = e;
        }
        if (!b.closed)
            b.data_end = b.end = len;
        n->uu = xgrow(n->uu, &n->uu_cap, n->nuu + 1, sizeof *n->uu);
        n->uu[n->nuu++] = b;
        pos = b.end;
    }
}

static char *uu_decode(struct normalize *n, const struct uu_block *b, const char *where,
                       size_t *outlen)
{
    const char *s = n->text_raw;
    GByteArray *out = g_byte_array_new();
    size_t bad = b->closed ? 0 : 1;
    for (size_t p = b->data; p < b->data_end;) {
        size_t e = line_end(s, b->data_end, p);
        size_t l = e - p;
        while (l && (s[p + l - 1] == '\n' || s[p + l - 1] == '\r'))
            l--;
        if (l == 0 || (l == 1 && s[p] == '`')) {
            p = e;
            continue;
        }
        if (!uu_line(s + p, l)) {
            bad++;
            p = e;
            continue;
        }
        size_t want = (size_t)(((unsigned char)s[p] - 0x20) & 0x3F);
        guint8 q[3];
        for (size_t i = 1; want && i + 3 < l + 1; i += 4) {
            unsigned v[4];
            for (int k = 0; k < 4; k++)
                v[k] = ((unsigned)(unsigned char)s[p + i + (size_t)k] - 0x20) & 0x3F;
            q[0] = (guint8)(v[0] << 2 | v[1] >> 4);
            q[1] = (guint8)(v[1] << 4 | v[2] >> 2);
            q[2] = (guint8)(v[2] << 6 | v[3]);
            size_t take = want < 3 ? want : 3;
            g_byte_array_append(out, q, (guint)take);
            want -= take;
        }
        p = e;
    }
    if (where)
        repair(n, "uuencode_invalid", where, bad);
    *outlen = out->len;
    g_byte_array_append(out, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(out, FALSE);
}

static void ensure_text_raw(struct normalize *n)
{
    if (n->text_raw_done)
        return;
    n->text_raw_done = true;
    if (!ensure_structure(n))
        return;
    if (n->text_part) {
        n->text_raw = part_bytes(n, n->text_part, "body_text", true, &n->text_raw_len);
        find_uu(n);
    } else if (n->prologue_part) {
        const char *pro = g_mime_multipart_get_prologue(n->prologue_part);
        n->text_raw_len = strlen(pro);
        n->text_raw = g_strdup(pro);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Bodies */

static char *html_meta_charset(const char *s, size_t len)
{
    size_t lim = len < 8192 ? len : 8192;
    for (size_t i = 0; i + 8 < lim; i++) {
        if (strncasecmp(s + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < lim && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= lim || s[j] != '=')
            continue;
        j++;
        while (j < lim && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
            j++;
        size_t k = j;
        while (k < lim && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_' ||
                           s[k] == '.' || s[k] == ':'))
            k++;
        if (k > j)
            return xstrndup(s + j, k - j);
    }
    return NULL;
}

static void ensure_html(struct normalize *n)
{
    if (n->html_done)
        return;
    n->html_done = true;
    if (!ensure_structure(n) || !n->html_part)
        return;
    n->html_raw = part_bytes(n, n->html_part, "body_html", true, &n->html_raw_len);
    char *declared = part_charset(n->html_part);
    char *label = declared ? declared : html_meta_charset(n->html_raw, n->html_raw_len);
    struct charset_stats st = {0};
    n->html = charset_to_utf8(n->html_raw, n->html_raw_len, label, &st, &n->html_len);
    repair_stats(n, "body_html", &st);
    /* the charset of the bytes: as labelled, unless the label was missing or overruled */
    if (label && !st.relabelled && !st.guessed) {
        n->html_charset = label;
    } else {
        free(label);
        if (find_bytes(n->html_raw, n->html_raw_len, "\x1b$B", 3) ||
            find_bytes(n->html_raw, n->html_raw_len, "\x1b$@", 3))
            n->html_charset = xstrdup("ISO-2022-JP");
        else
            n->html_charset = xstrdup(charset_guess(n->html_raw, n->html_raw_len, NULL));
    }
}

struct entity {
    const char *name;
    const char *utf8;
};

static const struct entity entities[] = {
    {"amp", "&"},       {"lt", "<"},        {"gt", ">"},        {"quot", "\""},
    {"apos", "'"},      {"nbsp", "\xc2\xa0"}, {"copy", "\xc2\xa9"}, {"reg", "\xc2\xae"},
    {"yen", "\xc2\xa5"}, {"euro", "\xe2\x82\xac"}, {"hellip", "\xe2\x80\xa6"},
    {"mdash", "\xe2\x80\x94"}, {"ndash", "\xe2\x80\x93"}, {"laquo", "\xc2\xab"},
    {"raquo", "\xc2\xbb"}, {"middot", "\xc2\xb7"}, {"trade", "\xe2\x84\xa2"},
    {"lsquo", "\xe2\x80\x98"}, {"rsquo", "\xe2\x80\x99"}, {"ldquo", "\xe2\x80\x9c"},
    {"rdquo", "\xe2\x80\x9d"}, {"bull", "\xe2\x80\xa2"},
};

static void put_codepoint(struct buf *b, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    char u[4];
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
        return;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 4);
    }
}

/* Decodes the entity at s[i] ('&'); returns the bytes consumed (0: not an entity). */
static size_t entity(const char *s, size_t len, size_t i, struct buf *out)
{
    size_t j = i + 1;
    if (j < len && s[j] == '#') {
        j++;
        bool hex = j < len && (s[j] == 'x' || s[j] == 'X');
        if (hex)
            j++;
        unsigned long cp = 0;
        size_t digits = 0;
        while (j < len && digits < 8) {
            int d = codec_hex_value((unsigned char)s[j]);
            if (d < 0 || (!hex && d > 9))
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            j++, digits++;
        }
        if (!digits)
            return 0;
        if (j < len && s[j] == ';')
            j++;
        put_codepoint(out, cp);
        return j - i;
    }
    size_t k = j;
    while (k < len && k - j < 10 && isalnum((unsigned char)s[k]))
        k++;
    for (size_t e = 0; e < sizeof entities / sizeof entities[0]; e++) {
        size_t el = strlen(entities[e].name);
        if (k - j == el && memcmp(s + j, entities[e].name, el) == 0) {
            buf_puts(out, entities[e].utf8);
            return k - i + (k < len && s[k] == ';');
        }
    }
    return 0;
}

static bool tag_is(const char *name, size_t nlen, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == nlen && strncasecmp(name, *list, nlen) == 0)
            return true;
    return false;
}

/* HTML to plain text: tags removed (script, style, head and title with their contents), line
 * breaks for block elements, entities decoded, white space collapsed. Not a renderer: enough
 * for a PST's plain body and for search. */
static char *html_to_text(const char *s, size_t len, size_t *outlen)
{
    static const char *const skip[] = {"script", "style", "head", "title", NULL};
    static const char *const block[] = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4",
                                        "h5", "h6", "table", "blockquote", "hr", "pre", "ul",
                                        "ol", "dl", "dt", "dd", NULL};
    struct buf out = BUF_INIT;
    bool space = false;
    size_t newlines = 2; /* no leading blank lines */
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == '<') {
            if (i + 3 < len && memcmp(s + i, "<!--", 4) == 0) {
                char *end = find_bytes(s + i + 4, len - i - 4, "-->", 3);
                i = end ? (size_t)(end - s) + 3 : len;
                continue;
            }
            size_t j = i + 1;
            bool closing = j < len && s[j] == '/';
            if (closing)
                j++;
            size_t ns = j;
            while (j < len && isalnum((unsigned char)s[j]))
                j++;
            size_t nlen = j - ns;
            const char *gt = memchr(s + j, '>', len - j);
            size_t after = gt ? (size_t)(gt - s) + 1 : len;
            if (nlen == 0 && !closing && (j >= len || (s[j] != '!' && s[j] != '?'))) {
                /* a lone '<' is text */
                buf_putc(&out, '<');
                newlines = 0;
                i++;
                continue;
            }
            if (!closing && tag_is(s + ns, nlen, skip)) {
                /* skip to the matching end tag (for head also to <body>); a tag that is never
                 * closed is an ordinary tag */
                bool head = nlen == 4 && strncasecmp(s + ns, "head", 4) == 0;
                size_t k = after;
                for (; k < len; k++) {
                    if (s[k] != '<')
                        continue;
                    if (k + 2 + nlen <= len && s[k + 1] == '/' &&
                        strncasecmp(s + k + 2, s + ns, nlen) == 0)
                        break;
                    if (head && k + 5 <= len && strncasecmp(s + k + 1, "body", 4) == 0)
                        break;
                }
                if (k < len) {
                    bool body = s[k + 1] != '/';
                    const char *gt2 = memchr(s + k, '>', len - k);
                    i = body ? k : gt2 ? (size_t)(gt2 - s) + 1 : len;
                    continue;
                }
            }
            if (tag_is(s + ns, nlen, block)) {
                /* a line break, unless at the start of a line already; <br> may add an
                 * empty line */
                bool br = nlen == 2 && strncasecmp(s + ns, "br", 2) == 0;
                while (out.len && out.data[out.len - 1] == ' ')
                    out.len--;
                if (newlines == 0 || (br && newlines < 2)) {
                    buf_putc(&out, '\n');
                    newlines++;
                }
                space = false;
            } else if (nlen) {
                space = space || (tag_is(s + ns, nlen, (const char *const[]){"td", "th", NULL}));
            }
            i = after;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
            space = true;
            i++;
            continue;
        }
        if (space && newlines == 0)
            buf_putc(&out, ' ');
        space = false;
        newlines = 0;
        if (c == '&') {
            size_t used = entity(s, len, i, &out);
            if (used) {
                i += used;
                continue;
            }
        }
        buf_putc(&out, c);
        i++;
    }
    while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.len--;
    if (out.data)
        out.data[out.len] = '\0';
    *outlen = out.len;
    char *r = buf_detach(&out);
    /* entities may have produced U+FFFD but never invalid UTF-8; the input was UTF-8 */
    return r;
}

static void ensure_text(struct normalize *n)
{
    if (n->text_done)
        return;
    n->text_done = true;
    ensure_text_raw(n);
    if (n->text_raw) {
        /* the text without its uuencoded blocks */
        struct buf t = BUF_INIT;
        size_t pos = 0;
        for (size_t i = 0; i < n->nuu; i++) {
            buf_append(&t, n->text_raw + pos, n->uu[i].begin - pos);
            pos = n->uu[i].end;
        }
        buf_append(&t, n->text_raw + pos, n->text_raw_len - pos);
        char *charset = n->text_part ? part_charset(n->text_part) : NULL;
        struct charset_stats st = {0};
        n->text = charset_to_utf8(buf_str(&t), t.len, charset, &st, &n->text_len);
        repair_stats(n, "body_text", &st);
        free(charset);
        buf_free(&t);
        return;
    }
    ensure_html(n);
    if (n->html) {
        n->text = html_to_text(n->html, n->html_len, &n->text_len);
        n->text_from_html = true;
    }
}

const char *normalize_body_text(struct normalize *n, size_t *len)
{
    ensure_text(n);
    if (len)
        *len = n->text ? n->text_len : 0;
    return n->text;
}

bool normalize_body_text_from_html(struct normalize *n)
{
    ensure_text(n);
    return n->text_from_html;
}

const char *normalize_body_html(struct normalize *n, size_t *len)
{
    ensure_html(n);
    if (len)
        *len = n->html ? n->html_len : 0;
    return n->html;
}

const char *normalize_body_html_raw(struct normalize *n, size_t *len, const char **charset)
{
    ensure_html(n);
    if (len)
        *len = n->html_raw ? n->html_raw_len : 0;
    if (charset)
        *charset = n->html_raw ? n->html_charset : NULL;
    return n->html_raw;
}

/* ---------------------------------------------------------------------------------------------
 * Attachments */

static const struct {
    const char *ext, *type;
} ext_types[] = {
    {"txt", "text/plain"}, {"htm", "text/html"}, {"html", "text/html"}, {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"}, {"gif", "image/gif"}, {"png", "image/png"}, {"bmp", "image/bmp"},
    {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"pdf", "application/pdf"},
    {"zip", "application/zip"}, {"doc", "application/msword"},
    {"xls", "application/vnd.ms-excel"}, {"ppt", "application/vnd.ms-powerpoint"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"rtf", "application/rtf"}, {"eml", "message/rfc822"}, {"csv", "text/csv"},
    {"mp3", "audio/mpeg"}, {"wav", "audio/wav"}, {"vcf", "text/vcard"}, {"ics", "text/calendar"},
};

/* A MIME type for a file name found without one (uuencode, TNEF). */
static const char *type_for_name(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (dot)
        for (size_t i = 0; i < sizeof ext_types / sizeof ext_types[0]; i++)
            if (strcasecmp(dot + 1, ext_types[i].ext) == 0)
                return ext_types[i].type;
    return "application/octet-stream";
}

static struct att *new_att(struct normalize *n)
{
    n->atts = xgrow(n->atts, &n->atts_cap, n->natts + 1, sizeof *n->atts);
    struct att *a = &n->atts[n->natts++];
    memset(a, 0, sizeof *a);
    a->where = xasprintf("attachment %zu", n->natts);
    return a;
}

static void publish(struct att *a)
{
    a->pub.filename = a->filename;
    a->pub.content_type = a->content_type;
    a->pub.content_id = a->content_id;
}

/* The first delimiter line "--boundary" (then "--", white space or the line end) at or after
 * `from` that starts a line and lies before `len`; `len` when none. */
static size_t find_delimiter(const char *s, size_t len, size_t from, const char *b)
{
    size_t bl = strlen(b);
    size_t pos = from;
    while (pos < len) {
        size_t at;
        if (pos == from && len - pos >= bl + 2 && s[pos] == '-' && s[pos + 1] == '-' &&
            memcmp(s + pos + 2, b, bl) == 0) {
            at = pos;
        } else {
            const char *hit = NULL;
            for (const char *p = s + pos; (p = memchr(p, '\n', len - (size_t)(p - s))) != NULL;
                 p++) {
                size_t q = (size_t)(p - s) + 1;
                if (len - q >= bl + 2 && s[q] == '-' && s[q + 1] == '-' &&
                    memcmp(s + q + 2, b, bl) == 0) {
                    hit = p + 1;
                    break;
                }
            }
            if (!hit)
                return len;
            at = (size_t)(hit - s);
        }
        size_t after = at + 2 + bl;
        if (after >= len || s[after] == '-' || s[after] == ' ' || s[after] == '\t' ||
            s[after] == '\r' || s[after] == '\n')
            return at;
        pos = at + 1;
    }
    return len;
}

/* Where the content starting at `from` ends: before the first delimiter line of an enclosing
 * multipart (the line end before it belongs to the delimiter). */
static size_t content_end(struct normalize *n, size_t from, char *const *boundaries, size_t nb)
{
    size_t end = n->len;
    for (size_t k = nb; k-- > 0;) { /* innermost first: the others need only search before it */
        size_t at = find_delimiter(n->data, end, from, boundaries[k]);
        if (at < end)
            end = at;
    }
    if (end > from && end < n->len && n->data[end - 1] == '\n')
        end--;
    if (end > from && end < n->len && n->data[end - 1] == '\r')
        end--;
    return end;
}

/* True when a multipart below `o` uses one of the enclosing boundaries: then a delimiter
 * search cannot tell where the embedded message ends. */
static bool reuses_boundary(GMimeObject *o, char *const *bnd, size_t nb, int depth)
{
    if (!o || depth > NORMALIZE_MAX_DEPTH)
        return false;
    if (GMIME_IS_MESSAGE_PART(o)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
        return m && reuses_boundary(g_mime_message_get_mime_part(m), bnd, nb, depth + 1);
    }
    if (!GMIME_IS_MULTIPART(o))
        return false;
    const char *b = g_mime_object_get_content_type_parameter(o, "boundary");
    for (size_t k = 0; b && k < nb; k++)
        if (strcmp(b, bnd[k]) == 0)
            return true;
    GMimeMultipart *mp = GMIME_MULTIPART(o);
    for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
        if (reuses_boundary(g_mime_multipart_get_part(mp, i), bnd, nb, depth + 1))
            return true;
    return false;
}

/* Locates an embedded message (a GMimeMessagePart) in the bytes; when it cannot be located
 * exactly, normalize_attachment_data() has GMime write it out instead. */
static void message_range(struct normalize *n, GMimeObject *o, struct att *a, char *const *bnd,
                          size_t nb)
{
    if (o == n->root) {
        a->range_start = n->body;
        a->range_end = n->len;
        a->have_range = true;
        return;
    }
    size_t hs = part_start(n, o);
    if (hs == SIZE_MAX || reuses_boundary(o, bnd, nb, 0))
        return;
    bool complete;
    size_t hl_len = rfc822_header_length(n->data + hs, n->len - hs, &complete);
    if (!complete)
        return;
    a->range_start = hs + hl_len;
    a->range_end = content_end(n, a->range_start, bnd, nb);
    if (a->range_end < a->range_start)
        a->range_end = a->range_start;
    a->have_range = true;
}

static void describe_part(struct normalize *n, GMimeObject *o, struct att *a, bool in_related)
{
    const char *hint = header_hint(n);
    struct params cd, ct;
    struct charset_stats st = {0};
    part_params(o, "Content-Disposition", hint, &cd);
    part_params(o, "Content-Type", hint, &ct);
    a->filename = param_decoded(&cd, "filename", hint, &st);
    if (!a->filename)
        a->filename = param_decoded(&ct, "name", hint, &st);
    if (a->filename && !*a->filename) {
        free(a->filename);
        a->filename = NULL;
    }
    repair_stats(n, a->where, &st);
    a->content_type = mime_type(o);
    struct buf id = BUF_INIT;
    if (part_header(o, "Content-ID", &id) && id.len) {
        const char *s = buf_str(&id);
        size_t l = id.len;
        if (l && s[0] == '<')
            s++, l--;
        const char *gt = memchr(s, '>', l);
        if (gt)
            l = (size_t)(gt - s);
        a->content_id = l ? utf8_repair(s, l, '?') : NULL;
    }
    buf_free(&id);
    if (cd.type.len)
        a->pub.disposition = strncasecmp(buf_str(&cd.type), "inline", 6) == 0
                                 ? NORMALIZE_DISPOSITION_INLINE
                                 : NORMALIZE_DISPOSITION_ATTACHMENT;
    else
        a->pub.disposition = in_related || a->content_id ? NORMALIZE_DISPOSITION_INLINE
                                                         : NORMALIZE_DISPOSITION_ATTACHMENT;
    params_free(&cd);
    params_free(&ct);
}

static bool is_tnef(const struct att *a);
static bool expand_tnef(struct normalize *n, size_t i);

static void collect(struct normalize *n, GMimeObject *o, int depth, bool in_related,
                    char ***bnd, size_t *nb, size_t *bcap)
{
    if (depth > NORMALIZE_MAX_DEPTH) {
        repair(n, "too_deep", "mime", 1);
        return;
    }
    size_t start = part_start(n, o);
    if (start != SIZE_MAX) {
        n->starts = xgrow(n->starts, &n->starts_cap, n->nstarts + 1, sizeof *n->starts);
        n->starts[n->nstarts++] = start;
    }
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        /* the boundary GMime's parser used (get_boundary would invent one) */
        const char *b = g_mime_object_get_content_type_parameter(o, "boundary");
        bool pushed = false;
        if (b && *b) {
            *bnd = xgrow(*bnd, bcap, *nb + 1, sizeof **bnd);
            (*bnd)[(*nb)++] = xstrdup(b);
            pushed = true;
        }
        bool related = is_type(o, "multipart", "related");
        for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
            collect(n, g_mime_multipart_get_part(mp, i), depth + 1, related, bnd, nb, bcap);
        if (pushed)
            free((*bnd)[--(*nb)]);
        return;
    }
    if (o == n->text_part || o == n->html_part)
        return;
    struct att *a = new_att(n);
    a->part = o;
    describe_part(n, o, a, in_related);
    if (GMIME_IS_MESSAGE_PART(o)) {
        a->pub.is_message = true;
        message_range(n, o, a, *bnd, *nb);
    } else if (is_type(o, "message", "rfc822")) {
        a->pub.is_message = true; /* an encoded message/rfc822: GMime keeps it as a leaf */
    }
    publish(a);
    if (!a->pub.is_message && is_tnef(a))
        expand_tnef(n, n->natts - 1); /* now, so that later attachments keep their numbers */
}

/* TNEF ------------------------------------------------------------------------------------- */

#define TNEF_LONG_FILENAME 0x3707
#define TNEF_DISPLAY_NAME 0x3001
#define TNEF_MIME_TAG 0x370E
#define TNEF_CONTENT_ID 0x3712
#define TNEF_DATA_OBJ 0x3701

static bool is_tnef(const struct att *a)
{
    return strcmp(a->content_type, "application/ms-tnef") == 0 ||
           strcmp(a->content_type, "application/vnd.ms-tnef") == 0 ||
           (a->filename && strcasecmp(a->filename, "winmail.dat") == 0);
}

/* A TNEF string property: PT_UNICODE (libytnef made it UTF-8) or PT_STRING8 in `codepage`. */
static char *tnef_string(MAPIProps *p, unsigned id, const char *codepage,
                         struct charset_stats *st)
{
    variableLength *v = MAPIFindProperty(p, PROP_TAG(PT_UNICODE, id));
    if (v != MAPI_UNDEFINED && v && v->data && v->size > 0) {
        size_t l = strnlen((const char *)v->data, (size_t)v->size * 3 / 2);
        if (utf8_valid((const char *)v->data, l))
            return l ? xstrndup((const char *)v->data, l) : NULL;
        return charset_to_utf8((const char *)v->data, l, NULL, st, NULL);
    }
    v = MAPIFindProperty(p, PROP_TAG(PT_STRING8, id));
    if (v != MAPI_UNDEFINED && v && v->data && v->size > 0) {
        size_t l = strnlen((const char *)v->data, (size_t)v->size);
        return l ? charset_to_utf8((const char *)v->data, l, codepage, st, NULL) : NULL;
    }
    return NULL;
}

/* libytnef prints its complaints with printf: send stdout to /dev/null meanwhile. */
static int quiet_begin(void)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    if (saved < 0)
        return -1;
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
        if (null >= 0)
            close(null);
        close(saved);
        return -1;
    }
    close(null);
    return saved;
}

static void quiet_end(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}

/* Replaces attachment `i` (a winmail.dat) with the files inside it; true when it did. */
static bool expand_tnef(struct normalize *n, size_t i)
{
    struct att *w = &n->atts[i];
    size_t len;
    char *bytes = part_bytes(n, w->part, w->where, true, &len);
    w->checked = true;
    if (len > (size_t)INT32_MAX) {
        g_free(bytes);
        return false;
    }
    TNEFStruct t;
    memset(&t, 0, sizeof t);
    TNEFInitialize(&t);
    t.Debug = 0;
    int saved = quiet_begin();
    int rc = TNEFParseMemory((BYTE *)bytes, (long)len, &t);
    quiet_end(saved);
    char codepage[32] = "WINDOWS-1252";
    if (t.CodePage.data && t.CodePage.size >= 4) {
        unsigned cp = (unsigned)t.CodePage.data[0] | (unsigned)t.CodePage.data[1] << 8 |
                      (unsigned)t.CodePage.data[2] << 16 | (unsigned)t.CodePage.data[3] << 24;
        if (cp == 65001)
            snprintf(codepage, sizeof codepage, "UTF-8");
        else if (cp > 0 && cp < 100000)
            snprintf(codepage, sizeof codepage, "CP%u", cp);
    }
    /* Collect the files first: appending moves n->atts. */
    struct found {
        char *name, *type, *cid, *data;
        size_t len;
    } *files = NULL;
    size_t nfiles = 0, cap = 0;
    struct charset_stats st = {0};
    for (Attachment *p = t.starting_attach.next; p; p = p->next) {
        const BYTE *d = p->FileData.data;
        size_t dl = p->FileData.size > 0 ? (size_t)p->FileData.size : 0;
        if (!d || !dl) {
            variableLength *o = MAPIFindProperty(&p->MAPI, PROP_TAG(PT_OBJECT, TNEF_DATA_OBJ));
            if (o != MAPI_UNDEFINED && o && o->data && o->size > 16) {
                d = o->data + 16; /* after the interface id */
                dl = (size_t)o->size - 16;
            }
        }
        if (!d || !dl)
            continue;
        struct found f = {0};
        f.name = tnef_string(&p->MAPI, TNEF_LONG_FILENAME, codepage, &st);
        if (!f.name)
            f.name = tnef_string(&p->MAPI, TNEF_DISPLAY_NAME, codepage, &st);
        if (!f.name && p->Title.data && p->Title.size > 0) {
            size_t l = strnlen((const char *)p->Title.data, (size_t)p->Title.size);
            if (l)
                f.name = charset_to_utf8((const char *)p->Title.data, l, codepage, &st, NULL);
        }
        f.type = tnef_string(&p->MAPI, TNEF_MIME_TAG, codepage, &st);
        f.cid = tnef_string(&p->MAPI, TNEF_CONTENT_ID, codepage, &st);
        f.data = g_malloc(dl + 1);
        memcpy(f.data, d, dl);
        f.data[dl] = '\0';
        f.len = dl;
        files = xgrow(files, &cap, nfiles + 1, sizeof *files);
        files[nfiles++] = f;
    }
    TNEFFree(&t);
    TNEFFreeAttachment(&t.starting_attach); /* data before the first file: TNEFFree leaks it */
    if (rc != 0)
        repair(n, "tnef_unreadable", w->where, 1);
    repair_stats(n, "winmail.dat", &st);
    if (!nfiles) {
        free(files);
        w->data = bytes; /* kept as it is */
        w->len = len;
        return false;
    }
    g_free(bytes);
    /* Put the files where winmail.dat was. */
    struct att old = n->atts[i];
    size_t tail = n->natts - i - 1;
    n->atts = xgrow(n->atts, &n->atts_cap, n->natts + nfiles - 1, sizeof *n->atts);
    memmove(&n->atts[i + nfiles], &n->atts[i + 1], tail * sizeof *n->atts);
    n->natts += nfiles - 1;
    for (size_t k = 0; k < nfiles; k++) {
        struct att *a = &n->atts[i + k];
        memset(a, 0, sizeof *a);
        a->where = xasprintf("attachment %zu", i + k + 1);
        a->filename = files[k].name;
        a->content_type = files[k].type ? lower_dup(files[k].type)
                                        : xstrdup(type_for_name(files[k].name));
        free(files[k].type);
        if (files[k].cid) {
            size_t l = strlen(files[k].cid);
            const char *c = files[k].cid;
            if (l >= 2 && c[0] == '<' && c[l - 1] == '>')
                a->content_id = xstrndup(c + 1, l - 2);
            else
                a->content_id = xstrdup(c);
            free(files[k].cid);
        }
        a->pub.disposition = NORMALIZE_DISPOSITION_ATTACHMENT;
        a->pub.origin = NORMALIZE_ORIGIN_TNEF;
        a->data = files[k].data;
        a->len = files[k].len;
        a->keep = true;
        publish(a);
    }
    free(files);
    free(old.filename);
    free(old.content_type);
    free(old.content_id);
    free(old.where);
    g_free(old.data);
    return true;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static void ensure_attachments(struct normalize *n)
{
    if (n->atts_done)
        return;
    n->atts_done = true;
    if (!ensure_structure(n))
        return;
    char **bnd = NULL;
    size_t nb = 0, bcap = 0;
    collect(n, n->root, 0, false, &bnd, &nb, &bcap);
    free(bnd);
    /* An embedded message never runs into the part after it, whatever its delimiters say:
     * siblings stay disjoint, so nested messages cannot make the work grow exponentially. */
    if (n->nstarts)
        qsort(n->starts, n->nstarts, sizeof *n->starts, cmp_size);
    for (size_t i = 0; i < n->natts; i++) {
        struct att *a = &n->atts[i];
        if (!a->have_range)
            continue;
        size_t lo = 0, hi = n->nstarts; /* the first start after range_start */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (n->starts[mid] <= a->range_start)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n->nstarts && n->starts[lo] < a->range_end)
            a->range_end = n->starts[lo];
    }
    free(n->starts);
    n->starts = NULL;
    n->nstarts = n->starts_cap = 0;
    ensure_text_raw(n);
    for (size_t k = 0; k < n->nuu; k++) {
        struct att *a = new_att(n);
        struct charset_stats st = {0};
        const char *nm = n->uu[k].name;
        a->filename = rfc2047_decode(nm, strlen(nm), header_hint(n), &st);
        repair_stats(n, a->where, &st);
        a->content_type = xstrdup(type_for_name(a->filename));
        a->pub.origin = NORMALIZE_ORIGIN_UUENCODE;
        a->pub.disposition = NORMALIZE_DISPOSITION_ATTACHMENT;
        a->uu = k;
        publish(a);
    }
}

size_t normalize_attachment_count(struct normalize *n)
{
    ensure_attachments(n);
    return n->natts;
}

const struct normalize_attachment *normalize_attachment(struct normalize *n, size_t i)
{
    ensure_attachments(n);
    return i < n->natts ? &n->atts[i].pub : NULL;
}

/* Undoes a transfer encoding over a byte range (an embedded message sent in base64). */
static char *decode_range(const char *s, size_t len, GMimeContentEncoding enc, size_t *outlen)
{
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, enc);
    size_t cap = g_mime_encoding_outlen(&state, len) + 1;
    char *out = g_malloc(cap);
    size_t n = g_mime_encoding_flush(&state, s, len, out);
    out[n] = '\0';
    *outlen = n;
    return out;
}

const char *normalize_attachment_data(struct normalize *n, size_t i, size_t *len)
{
    ensure_attachments(n);
    if (i >= n->natts)
        return NULL;
    struct att *a = &n->atts[i];
    if (!a->data) {
        if (a->pub.origin == NORMALIZE_ORIGIN_UUENCODE) {
            a->data = uu_decode(n, &n->uu[a->uu], a->checked ? NULL : a->where, &a->len);
            a->checked = true;
        } else if (a->have_range) {
            const char *s = n->data + a->range_start;
            size_t l = a->range_end - a->range_start;
            struct buf v = BUF_INIT;
            GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
            if (part_header(a->part, "Content-Transfer-Encoding", &v))
                enc = g_mime_content_encoding_from_string(buf_str(&v));
            buf_free(&v);
            if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
                enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
                enc == GMIME_CONTENT_ENCODING_UUENCODE) {
                a->data = decode_range(s, l, enc, &a->len);
            } else {
                a->data = g_malloc(l + 1);
                memcpy(a->data, s, l);
                a->data[l] = '\0';
                a->len = l;
            }
        } else if (GMIME_IS_MESSAGE_PART(a->part)) {
            /* no offsets to cut it out: let GMime write it back */
            GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(a->part));
            GMimeStream *mem = g_mime_stream_mem_new();
            if (m)
                g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
            GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
            g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
            g_object_unref(mem);
            a->len = arr->len;
            g_byte_array_append(arr, (const guint8 *)"", 1);
            a->data = (char *)g_byte_array_free(arr, FALSE);
        } else {
            a->data = part_bytes(n, a->part, a->where, !a->checked, &a->len);
            a->checked = true;
        }
    }
    if (len)
        *len = a->len;
    return a->data;
}

void normalize_attachment_release(struct normalize *n, size_t i)
{
    if (i >= n->natts || n->atts[i].keep)
        return;
    g_free(n->atts[i].data);
    n->atts[i].data = NULL;
    n->atts[i].len = 0;
}

struct normalize *normalize_attachment_message(struct normalize *n, size_t i)
{
    ensure_attachments(n);
    if (i >= n->natts || !n->atts[i].pub.is_message)
        return NULL;
    if (n->depth >= NORMALIZE_MAX_DEPTH) {
        repair(n, "too_deep", n->atts[i].where, 1);
        return NULL;
    }
    size_t len;
    const char *data = normalize_attachment_data(n, i, &len);
    struct normalize_hints h = {MODEL_TIME_UNKNOWN, n->hints.file_time};
    struct normalize *m = normalize_open(data, len, &h, NULL);
    if (m)
        m->depth = n->depth + 1;
    return m;
}

size_t normalize_repair_count(struct normalize *n)
{
    return n->nrepairs;
}

const struct normalize_repair *normalize_repair_at(struct normalize *n, size_t i)
{
    return i < n->nrepairs ? &n->repairs[i] : NULL;
}
