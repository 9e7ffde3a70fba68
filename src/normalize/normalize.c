/* normalize: the decoded view of one message (see normalize.h).
 *
 * normalize_open() indexes the header block (one pass over its bytes); everything else happens
 * in the accessors, each guarded by a "done" flag: headers are decoded from the index, the MIME
 * tree is built by GMime from a memory stream over the caller's bytes (no copy) the first time
 * a body or attachment is asked for, part contents are transfer-decoded by GMime and converted
 * to UTF-8 by charset.h. Content-Type and Content-Disposition parameters are parsed by
 * mimeparam.h from the raw header values, because GMime decodes them with glibc iconv.
 * The pieces that need no handle live beside this file: uuencoded blocks (uudecode.h), the text
 * of an HTML-only message (html2text.h) and the files in a winmail.dat (tnef.h); this file
 * keeps the lazy handle, the MIME walk and the attachment list they feed.
 *
 * Byte offsets from GMime (g_mime_header_get_offset) are relative to the stream, which starts at
 * `hdr_start` in `data`; they locate an embedded message's exact bytes. */
#include "normalize/normalize.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "normalize/charset.h"
#include "normalize/codec.h"
#include "normalize/html2text.h"
#include "normalize/maildate.h"
#include "normalize/mimeparam.h"
#include "model/model.h"
#include "normalize/rfc2047.h"
#include "normalize/rfc822.h"
#include "normalize/tnef.h"
#include "util/platform.h"
#include "util/utf8.h"
#include "normalize/uudecode.h"
#include "normalize/viewstream.h"
#include "util/xalloc.h"

/* ---------------------------------------------------------------------------------------------
 * The handle */

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
    const char *data; /* the first `avail` bytes of the message, in memory */
    size_t len;       /* of the whole message */
    size_t avail;     /* == len unless the rest lies in a file: */
    int fd;           /* the file (-1 when none), borrowed */
    uint64_t rest_off; /* where byte `avail` of the message lies in it */
    char *cut;         /* owned: `data` when the header block had to be cut */
    size_t hdr_start; /* after a leading mbox `From ` line */
    size_t body;      /* first byte after the header block */
    struct rfc822_field *fields;
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
    struct uudecode_block *uu; /* in text_raw */
    size_t nuu;
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

/* Copies up to `len` bytes of the message at `off` into `out` (from memory, then from the file);
 * returns how many there were. */
static size_t view_read(struct normalize *n, size_t off, size_t len, char *out)
{
    if (off >= n->len)
        return 0;
    if (len > n->len - off)
        len = n->len - off;
    size_t done = 0;
    if (off < n->avail) {
        done = n->avail - off < len ? n->avail - off : len;
        memcpy(out, n->data + off, done);
    }
    if (done < len) {
        ssize_t got = fs_read_at(n->fd, out + done, len - done,
                                 n->rest_off + (off + done - n->avail));
        if (got > 0)
            done += (size_t)got;
    }
    return done;
}

/* ---------------------------------------------------------------------------------------------
 * The header index */

/* The fields of the header block, found by the one raw-header scanner (normalize/rfc822). */
static void index_headers(struct normalize *n)
{
    struct rfc822_scan sc;
    struct rfc822_field f;
    rfc822_scan_begin(&sc, n->data, n->avail);
    n->hdr_start = sc.start;
    while (rfc822_scan_next(&sc, &f)) {
        n->fields = xgrow(n->fields, &n->fields_cap, n->nfields + 1, sizeof *n->fields);
        n->fields[n->nfields++] = f;
    }
    n->body = sc.pos;
}

/* The first header named `name`, unfolded into `out`; false when there is none. */
static bool header(struct normalize *n, const char *name, struct buf *out)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < n->nfields; i++) {
        const struct rfc822_field *f = &n->fields[i];
        if (f->name_len == nlen && strncasecmp(n->data + f->name, name, nlen) == 0) {
            rfc822_unfold(n->data + f->value, f->end - f->value, out);
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
 * Open and free */

/* Fields kept even after NORMALIZE_HEADER_BLOCK_MAX: what the view and the writers decode. */
static bool essential_field(const char *line, size_t len)
{
    static const char *const names[] = {
        "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id",
        "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
        "content-disposition", "importance", "x-priority", "x-msmail-priority", "priority"};
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return false;
    size_t nl = (size_t)(colon - line);
    while (nl && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
        nl--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == nl && strncasecmp(line, names[i], nl) == 0)
            return true;
    return false;
}

/* A header block too long for any real mail is cut before GMime sees it (a 50 MB line takes
 * GMime seconds): lines over NORMALIZE_LINE_MAX are cut to that length, and past
 * NORMALIZE_HEADER_BLOCK_MAX only the fields essential_field() names are kept (within
 * NORMALIZE_HEADER_KEEP_MAX more), the others dropped. The block is read a line at a time from
 * the view, so a header block that continues into the file is cut the same way as one in
 * memory; the message is converted with the cut header, recorded as header_cut. */
static void limit_header(struct normalize *n)
{
    bool complete;
    size_t hs = n->hdr_start;
    rfc822_header_length(n->data + hs, n->avail - hs, &complete);
    bool continues = !complete && n->len > n->avail; /* into the file */
    size_t longest = 0;
    for (size_t p = hs; p < n->body && !continues;) {
        const char *e = memchr(n->data + p, '\n', n->body - p);
        size_t l = e ? (size_t)(e - n->data) + 1 - p : n->body - p;
        longest = l > longest ? l : longest;
        p += l;
    }
    if (!continues && n->body - hs <= NORMALIZE_HEADER_BLOCK_MAX && longest <= NORMALIZE_LINE_MAX)
        return;
    const char *eol = "\n";
    const char *first = memchr(n->data + hs, '\n', n->avail - hs);
    if (first && first > n->data + hs && first[-1] == '\r')
        eol = "\r\n";
    struct buf out = BUF_INIT, line = BUF_INIT;
    buf_append(&out, n->data, hs); /* a leading `From ` line */
    char *chunk = xmalloc(65536);
    size_t clen = 0, cpos = 0, p = hs, cuts = 0;
    bool ended = false, keeping = true;
    while (!ended && p < n->len) {
        /* the next line, at most NORMALIZE_LINE_MAX bytes of it kept */
        buf_reset(&line);
        bool cut = false, has_end = false;
        for (;;) {
            if (cpos == clen) {
                clen = view_read(n, p, 65536, chunk);
                cpos = 0;
                if (!clen)
                    break;
            }
            const char *e = memchr(chunk + cpos, '\n', clen - cpos);
            size_t take = e ? (size_t)(e - (chunk + cpos)) + 1 : clen - cpos;
            size_t room = NORMALIZE_LINE_MAX - line.len;
            buf_append(&line, chunk + cpos, take < room ? take : room);
            cut = cut || take > room;
            cpos += take;
            p += take;
            if (e) {
                has_end = true;
                break;
            }
        }
        if (line.len == 0)
            break;
        const char *l = buf_str(&line);
        if ((line.len == 1 && has_end && !cut) || (line.len == 2 && l[0] == '\r' && has_end)) {
            buf_append(&out, l, line.len); /* the blank line */
            ended = true;
            break;
        }
        bool continuation = l[0] == ' ' || l[0] == '\t';
        size_t used = out.len - hs + line.len + 2;
        if (!continuation)
            keeping = used <= NORMALIZE_HEADER_BLOCK_MAX ||
                      (essential_field(l, line.len) &&
                       used <= NORMALIZE_HEADER_BLOCK_MAX + NORMALIZE_HEADER_KEEP_MAX);
        else
            keeping = keeping && used <= NORMALIZE_HEADER_BLOCK_MAX + NORMALIZE_HEADER_KEEP_MAX;
        if (!keeping) {
            cuts++;
            continue;
        }
        buf_append(&out, l, line.len);
        if (cut || !has_end)
            buf_append(&out, eol, strlen(eol)); /* a cut line ends as the others do */
        cuts += cut;
    }
    free(chunk);
    buf_free(&line);
    if (!ended)
        buf_append(&out, eol, strlen(eol));
    /* Byte p of the view is the body's first: the body follows the cut block. */
    size_t body_len = n->len - p;
    if (p < n->avail)
        buf_append(&out, n->data + p, n->avail - p);
    else
        n->rest_off += p - n->avail;
    n->len = out.len + (p < n->avail ? body_len - (n->avail - p) : body_len);
    n->avail = out.len;
    n->cut = buf_detach(&out);
    n->data = n->cut;
    n->nfields = 0;
    index_headers(n);
    repair(n, "header_cut", "header", cuts);
}

static struct normalize *open_view(const char *data, size_t avail, size_t len, int fd,
                                   uint64_t rest_off, const struct normalize_hints *hints)
{
    struct normalize *n = xcalloc(1, sizeof *n);
    n->data = data ? data : "";
    n->avail = data ? avail : 0;
    n->len = data ? len : 0;
    n->fd = fd;
    n->rest_off = rest_off;
    n->hints.store_time = hints ? hints->store_time : MODEL_TIME_UNKNOWN;
    n->hints.file_time = hints ? hints->file_time : MODEL_TIME_UNKNOWN;
    index_headers(n);
    limit_header(n);
    return n;
}

struct normalize *normalize_open(const char *data, size_t len, const struct normalize_hints *hints,
                                 struct error *err)
{
    if (len > G_MAXUINT) {
        error_set(err, "the message is too large to decode (%zu bytes)", len);
        return NULL;
    }
    return open_view(data, len, len, -1, 0, hints);
}

struct normalize *normalize_open_file(const char *head, size_t head_len, int fd,
                                      uint64_t rest_offset, uint64_t rest_len,
                                      const struct normalize_hints *hints, struct error *err)
{
    if (rest_len > SIZE_MAX - head_len || (uint64_t)head_len + rest_len > G_MAXINT64) {
        error_set(err, "the message is too large to decode");
        return NULL;
    }
    return open_view(head, head_len, head_len + (size_t)rest_len, fd, rest_offset, hints);
}

void normalize_free(struct normalize *n)
{
    if (!n)
        return;
    free(n->fields);
    free(n->cut);
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
    uudecode_free(n->uu, n->nuu);
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

int64_t normalize_date(struct normalize *n, const char **origin)
{
    if (!n->date_done) {
        n->date_done = true;
        enum date_origin from;
        n->date = maildate_of_header(n->data + n->hdr_start, n->body - n->hdr_start, &from);
        if (n->date == MODEL_TIME_UNKNOWN || from != MAILDATE_FROM_DATE) {
            const char *problem = normalize_has_header(n, "Date") ? "date_invalid"
                                                                  : "date_missing";
            if (n->date == MODEL_TIME_UNKNOWN && n->hints.store_time != MODEL_TIME_UNKNOWN) {
                n->date = n->hints.store_time;
                from = MAILDATE_FROM_STORE;
            }
            if (n->date == MODEL_TIME_UNKNOWN && n->hints.file_time != MODEL_TIME_UNKNOWN) {
                n->date = n->hints.file_time;
                from = MAILDATE_FROM_FILE;
            }
            repair(n, problem, maildate_origin_name(from), 1);
        }
        n->date_origin = maildate_origin_name(from);
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
    rfc822_unfold(raw, strlen(raw), out);
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

/* The parameters of a part's header (an empty list when the part has none). */
static struct mimeparam *part_params(GMimeObject *o, const char *name, const char *hint)
{
    struct buf v = BUF_INIT;
    struct mimeparam *ps = part_header(o, name, &v) ? mimeparam_parse(buf_str(&v), v.len, hint)
                                                     : mimeparam_parse(NULL, 0, NULL);
    buf_free(&v);
    return ps;
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
    struct mimeparam *ps = part_params(o, "Content-Type", NULL);
    size_t cl;
    const char *cs = mimeparam_raw(ps, "charset", &cl);
    char *out = cs && cl ? utf8_repair(cs, cl, '?') : NULL;
    mimeparam_free(ps);
    return out;
}

/* A part that is meant as a file: Content-Disposition attachment, or a file name. */
static bool attachment_like(GMimeObject *o)
{
    struct mimeparam *cd = part_params(o, "Content-Disposition", NULL);
    struct mimeparam *ct = part_params(o, "Content-Type", NULL);
    size_t tl;
    const char *type = mimeparam_type(cd, &tl);
    bool yes = (tl >= 10 && strncasecmp(type, "attachment", 10) == 0) ||
               mimeparam_has(cd, "filename") || mimeparam_has(ct, "name");
    mimeparam_free(cd);
    mimeparam_free(ct);
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
    if (n->len > n->avail) {
        /* The head in memory, then the rest of the file, read by GMime as it goes. */
        n->stream = viewstream_new(n->data + n->hdr_start, n->avail - n->hdr_start, n->fd,
                                   n->rest_off, n->len - n->avail);
    } else {
        /* A GMime memory stream over the caller's bytes: the array does not own them. */
        n->array = g_byte_array_new_take((guint8 *)(uintptr_t)(n->data + n->hdr_start),
                                         n->avail - n->hdr_start);
        n->stream = g_mime_stream_mem_new_with_byte_array(n->array);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(n->stream), FALSE);
    }
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
            struct mimeparam *ps = part_params(o, "Content-Type", NULL);
            size_t sl;
            const char *start = mimeparam_raw(ps, "start", &sl);
            for (int i = 0; start && sl && i < count; i++) {
                GMimeObject *c = g_mime_multipart_get_part(mp, i);
                struct buf id = BUF_INIT;
                if (part_header(c, "Content-ID", &id) && strcmp(buf_str(&id), start) == 0)
                    root = c;
                buf_free(&id);
            }
            mimeparam_free(ps);
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
        struct mimeparam *ps = mimeparam_parse(buf_str(&v), v.len, NULL);
        size_t cl;
        const char *cs = mimeparam_raw(ps, "charset", &cl);
        if (cs && cl)
            n->hint = utf8_repair(cs, cl, '?');
        mimeparam_free(ps);
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

/* GMime gives the CR of the CRLF before a delimiter to the content when the delimiter line
 * itself has no line end (the last line of a file): it belongs to the delimiter. True when a
 * final CR of this content is such a CR. */
static bool final_cr_is_delimiters(struct normalize *n, GMimeDataWrapper *w)
{
    GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
    GMimeContentEncoding enc =
        w ? g_mime_data_wrapper_get_encoding(w) : GMIME_CONTENT_ENCODING_DEFAULT;
    if (!raw || enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_UUENCODE ||
        raw->super_stream != n->stream || raw->bound_end <= 0)
        return false;
    size_t end = n->hdr_start + (size_t)raw->bound_end;
    char around[4];
    return end >= 1 && end + 2 < n->len && view_read(n, end - 1, 4, around) == 4 &&
           memcmp(around, "\r\n--", 4) == 0;
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
    if (a->len && a->data[a->len - 1] == '\r' && final_cr_is_delimiters(n, w))
        g_byte_array_set_size(a, a->len - 1);
    *len = a->len;
    g_byte_array_append(a, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(a, FALSE);
}

/* ---------------------------------------------------------------------------------------------
 * The raw text body and the uuencoded blocks in it */

/* The bytes of uuencoded block `b` (g_malloc, NUL after *outlen), its defects recorded at
 * `where` unless that is NULL. */
static char *uu_bytes(struct normalize *n, const struct uudecode_block *b, const char *where,
                      size_t *outlen)
{
    struct buf out = BUF_INIT;
    size_t bad = uudecode_block(n->text_raw, b, &out);
    if (where)
        repair(n, "uuencode_invalid", where, bad);
    char *d = g_malloc(out.len + 1);
    if (out.len)
        memcpy(d, out.data, out.len);
    d[out.len] = '\0';
    *outlen = out.len;
    buf_free(&out);
    return d;
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
        n->uu = uudecode_find(n->text_raw, n->text_raw_len, &n->nuu);
    } else if (n->prologue_part) {
        const char *pro = g_mime_multipart_get_prologue(n->prologue_part);
        n->text_raw_len = strlen(pro);
        n->text_raw = g_strdup(pro);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Bodies */

static void ensure_html(struct normalize *n)
{
    if (n->html_done)
        return;
    n->html_done = true;
    if (!ensure_structure(n) || !n->html_part)
        return;
    n->html_raw = part_bytes(n, n->html_part, "body_html", true, &n->html_raw_len);
    char *declared = part_charset(n->html_part);
    char *label = declared ? declared : html2text_meta_charset(n->html_raw, n->html_raw_len);
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
        n->text = html2text_convert(n->html, n->html_len, &n->text_len);
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

/* find_delimiter() over a message whose rest lies in a file, a window at a time: each window
 * starts one byte early (the line end before its first position) and reaches past its own
 * positions by the bytes a delimiter line and the character after it take. */
static size_t find_delimiter_view(struct normalize *n, size_t len, size_t from, const char *b)
{
    if (len <= n->avail)
        return find_delimiter(n->data, len, from, b);
    size_t bl = strlen(b), win = (size_t)1 << 20;
    char *w = xmalloc(win + bl + 4);
    size_t found = len;
    for (size_t pos = from; pos < len && found == len; pos += win) {
        size_t ws = pos > from ? pos - 1 : pos, lo = pos - ws;
        size_t want = lo + win + bl + 3;
        size_t got = view_read(n, ws, want < len - ws ? want : len - ws, w);
        if (got <= lo)
            break;
        size_t hi = lo + win < got ? lo + win : got;
        for (size_t q = lo; q < hi; q++) {
            if (ws + q != from) { /* the next line start */
                const char *nl = memchr(w + q - 1, '\n', hi - q);
                if (!nl)
                    break;
                q = (size_t)(nl - w) + 1;
                if (q >= hi)
                    break;
            }
            size_t after = q + 2 + bl;
            if (ws + after > len || after > got || w[q] != '-' || w[q + 1] != '-' ||
                memcmp(w + q + 2, b, bl) != 0)
                continue;
            if (ws + after == len ||
                (after < got && strchr("- \t\r\n", w[after]) && w[after] != '\0')) {
                found = ws + q;
                break;
            }
        }
    }
    free(w);
    return found;
}

/* Where the content starting at `from` ends: before the first delimiter line of an enclosing
 * multipart (the line end before it belongs to the delimiter). */
static size_t content_end(struct normalize *n, size_t from, char *const *boundaries, size_t nb)
{
    size_t end = n->len;
    for (size_t k = nb; k-- > 0;) { /* innermost first: the others need only search before it */
        size_t at = find_delimiter_view(n, end, from, boundaries[k]);
        if (at < end)
            end = at;
    }
    char before[2];
    if (end > from && end < n->len && view_read(n, end - 1, 1, before) == 1 && before[0] == '\n')
        end--;
    if (end > from && end < n->len && view_read(n, end - 1, 1, before) == 1 && before[0] == '\r')
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
    size_t hl_len;
    if (n->len <= n->avail) {
        hl_len = rfc822_header_length(n->data + hs, n->len - hs, &complete);
    } else { /* an embedded header block longer than NORMALIZE_HEADER_MAX is not located */
        char *h = xmalloc(NORMALIZE_HEADER_MAX);
        size_t got = view_read(n, hs, NORMALIZE_HEADER_MAX, h);
        hl_len = rfc822_header_length(h, got, &complete);
        free(h);
    }
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
    struct charset_stats st = {0};
    struct mimeparam *cd = part_params(o, "Content-Disposition", hint);
    struct mimeparam *ct = part_params(o, "Content-Type", hint);
    a->filename = mimeparam_decoded(cd, "filename", hint, &st);
    if (!a->filename)
        a->filename = mimeparam_decoded(ct, "name", hint, &st);
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
    size_t tl;
    const char *type = mimeparam_type(cd, &tl);
    if (tl)
        a->pub.disposition = strncasecmp(type, "inline", 6) == 0
                                 ? NORMALIZE_DISPOSITION_INLINE
                                 : NORMALIZE_DISPOSITION_ATTACHMENT;
    else
        a->pub.disposition = in_related || a->content_id ? NORMALIZE_DISPOSITION_INLINE
                                                         : NORMALIZE_DISPOSITION_ATTACHMENT;
    mimeparam_free(cd);
    mimeparam_free(ct);
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

/* winmail.dat ------------------------------------------------------------------------------ */

static bool is_tnef(const struct att *a)
{
    return strcmp(a->content_type, "application/ms-tnef") == 0 ||
           strcmp(a->content_type, "application/vnd.ms-tnef") == 0 ||
           (a->filename && strcasecmp(a->filename, "winmail.dat") == 0);
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
    size_t nfiles;
    bool readable;
    struct charset_stats st = {0};
    struct tnef_file *files = tnef_extract(bytes, len, &nfiles, &readable, &st);
    if (!readable)
        repair(n, "tnef_unreadable", w->where, 1);
    repair_stats(n, "winmail.dat", &st);
    if (!nfiles) {
        tnef_free(files, nfiles);
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
        struct tnef_file *f = &files[k];
        struct att *a = &n->atts[i + k];
        memset(a, 0, sizeof *a);
        a->where = xasprintf("attachment %zu", i + k + 1);
        a->filename = f->name;
        f->name = NULL;
        a->content_type = f->type ? lower_dup(f->type) : xstrdup(type_for_name(a->filename));
        if (f->content_id) {
            size_t l = strlen(f->content_id);
            const char *c = f->content_id;
            if (l >= 2 && c[0] == '<' && c[l - 1] == '>')
                a->content_id = xstrndup(c + 1, l - 2);
            else
                a->content_id = xstrdup(c);
        }
        a->pub.disposition = NORMALIZE_DISPOSITION_ATTACHMENT;
        a->pub.origin = NORMALIZE_ORIGIN_TNEF;
        a->data = f->data;
        f->data = NULL;
        a->len = f->len;
        a->keep = true;
        publish(a);
    }
    tnef_free(files, nfiles);
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
            a->data = uu_bytes(n, &n->uu[a->uu], a->checked ? NULL : a->where, &a->len);
            a->checked = true;
        } else if (a->have_range) {
            size_t l = a->range_end - a->range_start;
            char *copy = NULL;
            const char *s = n->data + a->range_start;
            if (a->range_end > n->avail) {
                copy = g_malloc(l + 1);
                l = view_read(n, a->range_start, l, copy);
                s = copy;
            }
            struct buf v = BUF_INIT;
            GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
            if (part_header(a->part, "Content-Transfer-Encoding", &v))
                enc = g_mime_content_encoding_from_string(buf_str(&v));
            buf_free(&v);
            if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
                enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
                enc == GMIME_CONTENT_ENCODING_UUENCODE) {
                a->data = decode_range(s, l, enc, &a->len);
            } else if (copy) {
                copy[l] = '\0';
                a->data = copy;
                a->len = l;
                copy = NULL;
            } else {
                a->data = g_malloc(l + 1);
                memcpy(a->data, s, l);
                a->data[l] = '\0';
                a->len = l;
            }
            g_free(copy);
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

/* Attachment bytes read in pieces: a MIME leaf part's content through GMime's decoding filter
 * (nothing held), anything else from the bytes normalize_attachment_data() holds. */
struct normalize_stream {
    const char *data; /* from memory */
    size_t len, pos;
    GMimeStream *filtered; /* from the part */
    bool drop_final_cr;    /* final_cr_is_delimiters() */
    bool cr_pending;       /* a CR held back until it is known not to be the last byte */
    char chunk[16384];     /* decoded bytes not yet given out */
    size_t clen, cpos;
};

struct normalize_stream *normalize_attachment_open(struct normalize *n, size_t i)
{
    ensure_attachments(n);
    if (i >= n->natts)
        return NULL;
    struct att *a = &n->atts[i];
    struct normalize_stream *s = xcalloc(1, sizeof *s);
    GMimeDataWrapper *w = NULL;
    if (!a->data && a->pub.origin == NORMALIZE_ORIGIN_MIME && !a->have_range &&
        !GMIME_IS_MESSAGE_PART(a->part) && GMIME_IS_PART(a->part))
        w = g_mime_part_get_content(GMIME_PART(a->part));
    GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
    if (!raw || g_mime_stream_reset(raw) != 0) {
        s->data = normalize_attachment_data(n, i, &s->len);
        return s;
    }
    if (!a->checked) {
        check_encoding_name(n, a->part, a->where);
        check_encoded(n, w, a->where);
        a->checked = true;
    }
    s->filtered = g_mime_stream_filter_new(raw);
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
    if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
        enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        GMimeFilter *f = g_mime_filter_basic_new(enc, FALSE);
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(s->filtered), f);
        g_object_unref(f);
    }
    s->drop_final_cr = final_cr_is_delimiters(n, w);
    return s;
}

/* Decodes the next piece into s->chunk; false at the end. */
static bool stream_fill(struct normalize_stream *s, bool *failed)
{
    while (!g_mime_stream_eos(s->filtered)) {
        size_t at = s->cr_pending ? 1 : 0;
        ssize_t got = g_mime_stream_read(s->filtered, s->chunk + at, sizeof s->chunk - at);
        if (got < 0) {
            *failed = true;
            return false;
        }
        if (got == 0)
            continue;
        s->chunk[0] = s->cr_pending ? '\r' : s->chunk[0];
        s->clen = at + (size_t)got;
        s->cpos = 0;
        s->cr_pending = s->drop_final_cr && s->chunk[s->clen - 1] == '\r';
        if (s->cr_pending)
            s->clen--;
        if (s->clen)
            return true;
    }
    return false; /* a CR still pending is the delimiter's */
}

ssize_t normalize_stream_read(struct normalize_stream *s, char *buf, size_t cap)
{
    if (!s->filtered) {
        size_t take = s->len - s->pos < cap ? s->len - s->pos : cap;
        if (take)
            memcpy(buf, s->data + s->pos, take);
        s->pos += take;
        return (ssize_t)take;
    }
    bool failed = false;
    if (s->cpos == s->clen && !stream_fill(s, &failed))
        return failed ? -1 : 0;
    size_t take = s->clen - s->cpos < cap ? s->clen - s->cpos : cap;
    memcpy(buf, s->chunk + s->cpos, take);
    s->cpos += take;
    return (ssize_t)take;
}

void normalize_stream_close(struct normalize_stream *s)
{
    if (!s)
        return;
    if (s->filtered)
        g_object_unref(s->filtered);
    free(s);
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
