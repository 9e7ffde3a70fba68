/* pstmail: a normalized message as PST properties (see pstmail.h). */
#include "pst/pstmail.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "normalize/charset.h"
#include "model/model.h"
#include "pst/plist.h"
#include "normalize/rfc822.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/platform.h"

struct pstmail {
    struct pst_message msg;
    struct plist props;
    struct plist *rcpts;
    size_t nrcpts, caprcpts;
    struct pst_proplist *rcpt_lists;
    struct plist *atts;
    struct pst_proplist *att_lists;
    struct pstmail **embedded;              /* per attachment, NULL when by value */
    const struct pst_message **embedded_msgs;
    struct normalize **embedded_n;          /* handles the embedded views point into */
    struct att_source *sources;             /* per attachment: its bytes, read while written */
    size_t natts;
    char **owned;                           /* strings and bytes freed with the message */
    size_t nowned, capowned;
};

/* An attachment's bytes for the writer: the stream is opened on the first read and closed at
 * its end, so that one attachment at a time is being decoded; or, after pstmail_load(), its
 * bytes decoded beforehand, handed out from memory. */
struct att_source {
    struct pst_source src;
    struct normalize *n;
    size_t index;
    struct normalize_stream *stream;
    bool done;
    bool loaded;         /* pstmail_load(): the bytes are in `mem` */
    bool load_failed;    /* ... and reading them failed after those bytes */
    struct buf mem;
    size_t mem_pos;
};

static ssize_t att_read_memory(struct att_source *a, void *buf, size_t cap, struct error *err)
{
    size_t n = a->mem.len - a->mem_pos;
    if (n == 0 && a->load_failed) {
        error_set(err, "attachment %zu could not be read", a->index + 1);
        return -1;
    }
    n = n < cap ? n : cap;
    if (n)
        memcpy(buf, a->mem.data + a->mem_pos, n);
    a->mem_pos += n;
    return (ssize_t)n;
}

static ssize_t att_read(void *ctx, void *buf, size_t cap, struct error *err)
{
    struct att_source *a = ctx;
    if (a->loaded)
        return att_read_memory(a, buf, cap, err);
    if (a->done)
        return 0;
    if (!a->stream)
        a->stream = normalize_attachment_open(a->n, a->index);
    ssize_t got = a->stream ? normalize_stream_read(a->stream, buf, cap) : 0;
    if (got < 0)
        error_set(err, "attachment %zu could not be read", a->index + 1);
    if (got <= 0) {
        normalize_stream_close(a->stream);
        a->stream = NULL;
        a->done = true;
    }
    return got;
}

/* Decodes the attachment now, into memory; the bytes a read error leaves out are given, then
 * the error, as att_read would. */
static size_t att_load(struct att_source *a)
{
    struct normalize_stream *stream = normalize_attachment_open(a->n, a->index);
    char chunk[16384];
    for (ssize_t got = 1; stream && got > 0;) {
        got = normalize_stream_read(stream, chunk, sizeof chunk);
        if (got > 0)
            buf_append(&a->mem, chunk, (size_t)got);
        a->load_failed = got < 0;
    }
    normalize_stream_close(stream);
    a->loaded = true;
    return a->mem.len;
}

static char *keep(struct pstmail *m, char *s)
{
    m->owned = xgrow(m->owned, &m->capowned, m->nowned + 1, sizeof *m->owned);
    m->owned[m->nowned++] = s;
    return s;
}

/* The Windows code page of a charset name (65001 for UTF-8, 50220 for ISO-2022-JP, 932 for
 * Shift_JIS/CP932, ...), or 0 when unknown. */
static uint32_t codepage(const char *charset)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } table[] = {
        {"utf-8", 65001},        {"utf8", 65001},          {"us-ascii", 20127},
        {"ascii", 20127},        {"iso-2022-jp", 50220},   {"csiso2022jp", 50221},
        {"iso-2022-jp-1", 50221}, {"iso-2022-jp-2", 50220}, {"shift_jis", 932},
        {"shift-jis", 932},      {"sjis", 932},            {"x-sjis", 932},
        {"windows-31j", 932},    {"cp932", 932},           {"ms932", 932},
        {"euc-jp", 51932},       {"x-euc-jp", 51932},      {"euc-jp-ms", 51932},
        {"iso-8859-1", 28591},   {"latin1", 28591},        {"iso-8859-2", 28592},
        {"iso-8859-3", 28593},   {"iso-8859-4", 28594},    {"iso-8859-5", 28595},
        {"iso-8859-6", 28596},   {"iso-8859-7", 28597},    {"iso-8859-8", 28598},
        {"iso-8859-9", 28599},   {"iso-8859-13", 28603},   {"iso-8859-15", 28605},
        {"windows-1250", 1250},  {"windows-1251", 1251},   {"windows-1252", 1252},
        {"windows-1253", 1253},  {"windows-1254", 1254},   {"windows-1255", 1255},
        {"windows-1256", 1256},  {"windows-1257", 1257},   {"windows-1258", 1258},
        {"koi8-r", 20866},       {"koi8-u", 21866},        {"gb2312", 936},
        {"gbk", 936},            {"gb18030", 54936},       {"big5", 950},
        {"euc-kr", 51949},       {"ks_c_5601-1987", 949},  {"cp949", 949},
        {"utf-16", 1200},        {"utf-16le", 1200},       {"utf-16be", 1201},
        {"utf-7", 65000},        {"iso-2022-kr", 50225},   {"tis-620", 874},
        {"windows-874", 874},    {"cp1252", 1252},         {"cp65001", 65001},
    };
    if (!charset)
        return 0;
    char low[48];
    size_t n = 0;
    for (const char *p = charset; *p && n + 1 < sizeof low; p++)
        if (*p != '"' && *p != ' ')
            low[n++] = (char)tolower((unsigned char)*p);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(low, table[i].name) == 0)
            return table[i].cp;
    const char *canon = charset_canonical(charset);
    if (canon && strcasecmp(canon, charset) != 0)
        return codepage(canon);
    return 0;
}

/* The subject split as Outlook does: the prefix ("Re: ", "AW: "...: 1 to 3 letters, a colon
 * and an optional space) is given by its length in bytes at the start of `subject`. */
static size_t prefix_len(const char *s)
{
    if (!s)
        return 0;
    size_t i = 0, chars = 0;
    while (s[i] && s[i] != ':' && chars < 4) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || isdigit(c) || c < 0x20)
            return 0;
        size_t l = utf8_sequence_length(s + i, strlen(s + i));
        i += l ? l : 1;
        chars++;
    }
    if (s[i] != ':' || chars < 1 || chars > 3)
        return 0;
    i++;
    if (s[i] == ' ')
        i++;
    if (!s[i])
        return 0; /* "Re:" alone is the whole subject */
    return i;
}

/* An 8.3 name for a long file name (`index` makes it unique): "REPORT~1.PDF". Caller frees. */
static char *short_name(const char *name, size_t index)
{
    char base[9], ext[4];
    size_t nb = 0, ne = 0;
    bool lossy = false;
    const char *dot = name ? strrchr(name, '.') : NULL;
    const char *end = dot ? dot : (name ? name + strlen(name) : NULL);
    for (const char *p = name; p && p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) || c == '_' || c == '-') {
            if (nb < 8)
                base[nb++] = (char)toupper(c);
            else
                lossy = true;
        } else {
            lossy = true;
        }
    }
    for (const char *p = dot ? dot + 1 : NULL; p && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) && ne < 3)
            ext[ne++] = (char)toupper(c);
    }
    base[nb] = '\0';
    ext[ne] = '\0';
    char b[16];
    if (nb == 0)
        snprintf(b, sizeof b, "ATT%05zu", index % 100000);
    else if (lossy)
        snprintf(b, sizeof b, "%.6s~%zu", base, index % 10 ? index % 10 : 1);
    else
        snprintf(b, sizeof b, "%s", base);
    return ne ? xasprintf("%s.%s", b, ext) : xstrdup(b);
}

/* PidTagSearchKey of an address: "SMTP:" + upper-case address + NUL. */
static char *search_key(const char *addr, size_t *len)
{
    char *s = xasprintf("SMTP:%s", addr);
    for (char *p = s; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    *len = strlen(s) + 1;
    return s;
}

static const char *display_of(const struct address *a)
{
    return a->name && *a->name ? a->name : a->address;
}

/* Sender or sent-representing: name, type, address, EntryID (and search key). */
static void add_party(struct pstmail *m, const struct address *a, uint16_t name_id,
                      uint16_t type_id, uint16_t addr_id, uint16_t eid_id, uint16_t key_id)
{
    size_t len;
    plist_str(&m->props, PST_TAG(name_id, PST_PT_UNICODE), display_of(a));
    plist_str(&m->props, PST_TAG(type_id, PST_PT_UNICODE), "SMTP");
    plist_str(&m->props, PST_TAG(addr_id, PST_PT_UNICODE), a->address);
    char *eid = keep(m, plist_one_off_entryid(display_of(a), a->address, &len));
    plist_bin(&m->props, PST_TAG(eid_id, PST_PT_BINARY), eid, len);
    char *key = keep(m, search_key(a->address, &len));
    plist_bin(&m->props, PST_TAG(key_id, PST_PT_BINARY), key, len);
}

static void add_recipients(struct pstmail *m, const struct address_list *l, uint32_t type,
                           uint16_t display_id)
{
    struct buf disp = BUF_INIT;
    for (size_t i = 0; i < l->count; i++) {
        const struct address *a = &l->items[i];
        if (!a->name && !*a->address)
            continue; /* an empty group */
        const char *name = display_of(a);
        m->rcpts = xgrow(m->rcpts, &m->caprcpts, m->nrcpts + 1, sizeof *m->rcpts);
        struct plist *r = &m->rcpts[m->nrcpts++];
        memset(r, 0, sizeof *r);
        size_t len;
        plist_num(r, PST_TAG(0x0C15, PST_PT_I32), type);
        plist_num(r, PST_TAG(0x0E0F, PST_PT_BOOLEAN), 1);
        plist_num(r, PST_TAG(0x0FFE, PST_PT_I32), 6); /* MAPI_MAILUSER */
        char *eid = keep(m, plist_one_off_entryid(name, a->address, &len));
        plist_bin(r, PST_TAG(0x0FFF, PST_PT_BINARY), eid, len);
        plist_str(r, PST_TAG(0x3001, PST_PT_UNICODE), name);
        plist_str(r, PST_TAG(0x3002, PST_PT_UNICODE), "SMTP");
        plist_str(r, PST_TAG(0x3003, PST_PT_UNICODE), a->address);
        char *key = keep(m, search_key(a->address, &len));
        plist_bin(r, PST_TAG(0x300B, PST_PT_BINARY), key, len);
        plist_num(r, PST_TAG(0x3900, PST_PT_I32), 0);
        plist_str(r, PST_TAG(0x39FF, PST_PT_UNICODE), name);
        plist_num(r, PST_TAG(0x3A40, PST_PT_BOOLEAN), 0);
        plist_str(r, PST_TAG(0x5FF6, PST_PT_UNICODE), name);
        plist_num(r, PST_TAG(0x5FFD, PST_PT_I32), 1);
        plist_num(r, PST_TAG(0x5FFF, PST_PT_I32), 0);
        if (disp.len)
            buf_puts(&disp, "; ");
        buf_puts(&disp, name);
    }
    plist_str(&m->props, PST_TAG(display_id, PST_PT_UNICODE), keep(m, buf_detach(&disp)));
}

static uint32_t sensitivity(struct normalize *n)
{
    size_t len;
    const char *hdr = normalize_header_block(n, &len);
    struct buf v = BUF_INIT;
    uint32_t s = 0;
    if (hdr && rfc822_header_value(hdr, len, "Sensitivity", &v)) {
        const char *t = buf_str(&v);
        if (strcasecmp(t, "Personal") == 0)
            s = 1;
        else if (strcasecmp(t, "Private") == 0)
            s = 2;
        else if (strcasecmp(t, "Company-Confidential") == 0)
            s = 3;
    }
    buf_free(&v);
    return s;
}

/* True when `html` refers to the Content-ID `cid` (as "cid:ID", case-insensitively). */
static bool html_refers(const char *html, size_t len, const char *cid)
{
    if (!html || !cid || !*cid)
        return false;
    size_t cl = strlen(cid);
    for (size_t i = 0; i + 4 + cl <= len; i++)
        if (strncasecmp(html + i, "cid:", 4) == 0 && strncasecmp(html + i + 4, cid, cl) == 0)
            return true;
    return false;
}

static const char *ext_for_type(const char *type)
{
    static const char *const map[][2] = {
        {"image/png", "png"},  {"image/jpeg", "jpg"},       {"image/gif", "gif"},
        {"text/plain", "txt"}, {"text/html", "htm"},        {"application/pdf", "pdf"},
        {"message/rfc822", "eml"}, {"text/calendar", "ics"}, {"text/x-vcard", "vcf"},
        {"text/vcard", "vcf"}, {"application/zip", "zip"},
    };
    for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    return "dat";
}

static void build(struct pstmail *m, struct normalize *n, const struct pstmail_info *info,
                  int depth);

static void add_attachments(struct pstmail *m, struct normalize *n, int depth)
{
    size_t count = normalize_attachment_count(n);
    size_t html_len = 0;
    const char *html = normalize_body_html(n, &html_len);
    m->natts = count;
    m->atts = xcalloc(count ? count : 1, sizeof *m->atts);
    m->att_lists = xcalloc(count ? count : 1, sizeof *m->att_lists);
    m->embedded = xcalloc(count ? count : 1, sizeof *m->embedded);
    m->embedded_msgs = xcalloc(count ? count : 1, sizeof *m->embedded_msgs);
    m->embedded_n = xcalloc(count ? count : 1, sizeof *m->embedded_n);
    m->sources = xcalloc(count ? count : 1, sizeof *m->sources);
    for (size_t i = 0; i < count; i++) {
        const struct normalize_attachment *a = normalize_attachment(n, i);
        struct plist *l = &m->atts[i];
        struct normalize *sub = a->is_message && depth < 16 ? normalize_attachment_message(n, i)
                                                            : NULL;
        char *name;
        if (a->filename && *a->filename)
            name = keep(m, xstrdup(a->filename));
        else if (sub && normalize_subject(sub) && *normalize_subject(sub))
            name = keep(m, xstrdup(normalize_subject(sub)));
        else
            name = keep(m, xasprintf("attachment%zu.%s", i + 1, ext_for_type(a->content_type)));
        plist_str(l, PST_TAG(0x3001, PST_PT_UNICODE), name);
        plist_str(l, PST_TAG(0x370E, PST_PT_UNICODE), a->content_type ? a->content_type
                                                                : "application/octet-stream");
        if (a->content_id)
            plist_str(l, PST_TAG(0x3712, PST_PT_UNICODE), a->content_id);
        plist_num(l, PST_TAG(0x3714, PST_PT_I32), 0);
        bool hidden = a->content_id && a->disposition == NORMALIZE_DISPOSITION_INLINE &&
                      a->content_type && strncmp(a->content_type, "image/", 6) == 0 &&
                      html_refers(html, html_len, a->content_id);
        plist_num(l, PST_TAG(0x7FFE, PST_PT_BOOLEAN), hidden);
        if (sub) {
            m->embedded_n[i] = sub;
            struct pstmail_info ei = {.read = true, .delivered = MODEL_TIME_UNKNOWN};
            struct pstmail *em = xcalloc(1, sizeof *em);
            build(em, sub, &ei, depth + 1);
            m->embedded[i] = em;
            m->embedded_msgs[i] = &em->msg;
            plist_bin(l, PST_PROP_EMBEDDED, &em->msg, 0);
        } else {
            const char *dot = strrchr(name, '.');
            plist_str(l, PST_TAG(0x3707, PST_PT_UNICODE), name);
            plist_str(l, PST_TAG(0x3704, PST_PT_UNICODE), keep(m, short_name(name, i + 1)));
            if (dot && dot[1])
                plist_str(l, PST_TAG(0x3703, PST_PT_UNICODE), dot);
            struct att_source *src = &m->sources[i];
            *src = (struct att_source){.src = {att_read, src}, .n = n, .index = i};
            plist_add(l, PST_TAG(0x3701, PST_PT_BINARY))->source = &src->src;
        }
        m->att_lists[i].props = l->v;
        m->att_lists[i].count = l->n;
    }
}

static void build(struct pstmail *m, struct normalize *n, const struct pstmail_info *info,
                  int depth)
{
    struct plist *p = &m->props;
    plist_str(p, PST_TAG(0x001A, PST_PT_UNICODE), "IPM.Note");

    /* Subject: "\x01" + (char)(1 + prefix length) + prefix + normalized subject (doc/PST.md 3.4). */
    const char *subject = normalize_subject(n);
    if (!subject)
        subject = "";
    size_t plen = prefix_len(subject);
    const char *normalized = subject + plen;
    char *prefix = keep(m, xstrndup(subject, plen));
    struct buf s = BUF_INIT;
    size_t prefix_chars = 0;
    for (size_t i = 0; i < plen;) {
        size_t l = utf8_sequence_length(subject + i, plen - i);
        i += l ? l : 1;
        prefix_chars++;
    }
    buf_putc(&s, '\x01');
    buf_putc(&s, (char)(1 + prefix_chars));
    buf_puts(&s, subject);
    plist_str(p, PST_TAG(0x0037, PST_PT_UNICODE), keep(m, buf_detach(&s)));
    plist_str(p, PST_TAG(0x003D, PST_PT_UNICODE), prefix);
    plist_str(p, PST_TAG(0x0E1D, PST_PT_UNICODE), normalized);
    plist_str(p, PST_TAG(0x0070, PST_PT_UNICODE), normalized);

    /* Sender (the Sender header when there is one) and sent-representing (From). */
    const struct address_list *from = normalize_from(n), *sender = normalize_sender(n);
    const struct address *f = from->count ? &from->items[0] : NULL;
    const struct address *sd = sender->count ? &sender->items[0] : f;
    if (f)
        add_party(m, f, 0x0042, 0x0064, 0x0065, 0x0041, 0x003B);
    if (sd)
        add_party(m, sd, 0x0C1A, 0x0C1E, 0x0C1F, 0x0C19, 0x0C1D);

    add_recipients(m, normalize_to(n), 1, 0x0E04);
    add_recipients(m, normalize_cc(n), 2, 0x0E03);
    add_recipients(m, normalize_bcc(n), 3, 0x0E02);

    int64_t sent = normalize_date(n, NULL);
    int64_t delivered = info->delivered != MODEL_TIME_UNKNOWN ? info->delivered : sent;
    if (sent != MODEL_TIME_UNKNOWN)
        plist_num(p, PST_TAG(0x0039, PST_PT_SYSTIME), model_time_to_filetime(sent));
    if (delivered != MODEL_TIME_UNKNOWN) {
        plist_num(p, PST_TAG(0x0E06, PST_PT_SYSTIME), model_time_to_filetime(delivered));
        plist_num(p, PST_TAG(0x3007, PST_PT_SYSTIME), model_time_to_filetime(delivered));
        plist_num(p, PST_TAG(0x3008, PST_PT_SYSTIME), model_time_to_filetime(delivered));
    }
    plist_num(p, PST_TAG(0x0E07, PST_PT_I32), info->read ? 0x01 : 0x00);
    plist_num(p, PST_TAG(0x0017, PST_PT_I32), (uint64_t)normalize_importance(n));
    plist_num(p, PST_TAG(0x0036, PST_PT_I32), sensitivity(n));
    plist_num(p, PST_TAG(0x0057, PST_PT_BOOLEAN), 0);
    plist_num(p, PST_TAG(0x0058, PST_PT_BOOLEAN), 0);
    const char *id = normalize_message_id(n);
    if (id)
        plist_str(p, PST_TAG(0x1035, PST_PT_UNICODE), id);
    const char *irt = normalize_in_reply_to(n);
    if (irt)
        plist_str(p, PST_TAG(0x1042, PST_PT_UNICODE), irt);

    /* The header block as stored; 8-bit bytes that are not UTF-8 are decoded as guessed. */
    size_t hlen = 0;
    const char *hdr = normalize_header_block(n, &hlen);
    if (hdr && hlen) {
        if (utf8_valid(hdr, hlen)) {
            plist_strn(p, PST_TAG(0x007D, PST_PT_UNICODE), hdr, hlen);
        } else {
            size_t ul = 0;
            char *u = keep(m, charset_to_utf8(hdr, hlen, NULL, NULL, &ul));
            plist_strn(p, PST_TAG(0x007D, PST_PT_UNICODE), u, ul);
        }
    }

    size_t tlen = 0, rlen = 0, ulen = 0;
    const char *text = normalize_body_text(n, &tlen);
    if (text)
        plist_strn(p, PST_TAG(0x1000, PST_PT_UNICODE), text, tlen);
    const char *charset = NULL;
    const char *raw = normalize_body_html_raw(n, &rlen, &charset);
    uint32_t cp = raw ? codepage(charset) : 0;
    if (raw && cp) {
        plist_bin(p, PST_TAG(0x1013, PST_PT_BINARY), raw, rlen);
    } else if (raw) {
        const char *html = normalize_body_html(n, &ulen);
        plist_bin(p, PST_TAG(0x1013, PST_PT_BINARY), html, ulen);
        cp = 65001;
    } else {
        cp = 65001;
    }
    plist_num(p, PST_TAG(0x3FDE, PST_PT_I32), cp);

    add_attachments(m, n, depth);

    /* Recipient rows and attachment lists are complete: point the message at them. */
    m->rcpt_lists = xcalloc(m->nrcpts ? m->nrcpts : 1, sizeof *m->rcpt_lists);
    for (size_t i = 0; i < m->nrcpts; i++) {
        m->rcpt_lists[i].props = m->rcpts[i].v;
        m->rcpt_lists[i].count = m->rcpts[i].n;
    }
    m->msg.props.props = p->v;
    m->msg.props.count = p->n;
    m->msg.recipients = m->rcpt_lists;
    m->msg.nrecipients = m->nrcpts;
    m->msg.attachments = m->att_lists;
    m->msg.nattachments = m->natts;
}

struct pstmail *pstmail_build(struct normalize *n, const struct pstmail_info *info)
{
    struct pstmail *m = xcalloc(1, sizeof *m);
    build(m, n, info, 0);
    return m;
}

size_t pstmail_load(struct pstmail *m)
{
    size_t bytes = 0;
    for (size_t i = 0; i < m->natts; i++) {
        if (m->embedded[i])
            bytes += pstmail_load(m->embedded[i]);
        else
            bytes += att_load(&m->sources[i]);
    }
    return bytes;
}

const struct pst_message *pstmail_message(const struct pstmail *m)
{
    return &m->msg;
}

void pstmail_free(struct pstmail *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->natts; i++) {
        pstmail_free(m->embedded[i]);
        normalize_free(m->embedded_n[i]);
        normalize_stream_close(m->sources[i].stream);
        buf_free(&m->sources[i].mem);
        plist_free(&m->atts[i]);
    }
    for (size_t i = 0; i < m->nrcpts; i++)
        plist_free(&m->rcpts[i]);
    for (size_t i = 0; i < m->nowned; i++)
        free(m->owned[i]);
    free(m->owned);
    free(m->rcpts);
    free(m->rcpt_lists);
    free(m->atts);
    free(m->att_lists);
    free(m->embedded);
    free(m->embedded_msgs);
    free(m->embedded_n);
    free(m->sources);
    plist_free(&m->props);
    free(m);
}
