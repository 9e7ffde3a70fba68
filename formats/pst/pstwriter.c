/* pstwriter: the streaming PST writer (see pstwriter.h).
 *
 * Messages go to disk when they are added; a folder's own nodes (PC, hierarchy table, empty
 * tables shared with the templates, as Outlook does) are written at commit, when its final
 * counts and subfolders are known, so that folder counts, subfolder flags, hierarchy rows and
 * parent links always agree. Contents-table rows stay in memory until the folder is closed. */
#include "pst/pstwriter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/platform.h"
#include "model/model.h"
#include "pst/ltp.h"
#include "pst/messaging.h"
#include "pst/ndb.h"
#include "util/xalloc.h"

enum folder_kind { PST_FOLDER_NORMAL, PST_FOLDER_SEARCH };

struct pst_folder {
    uint32_t nid;
    enum folder_kind kind;
    struct pst_folder *parent;
    struct buf name;    /* UTF-16LE */
    struct buf klass;   /* UTF-16LE container class */
    struct buf comment; /* UTF-16LE */
    bool has_class, has_comment;
    uint32_t count, unread;
    struct pst_folder **kids;
    size_t nkids, capkids;
    struct pst_tc *contents; /* rows of messages not yet written */
    bool closed;
    uint64_t contents_bid, contents_sub; /* once written */
};

/* A folder's table node that takes its data block from a template (an empty table). */
struct shared_table {
    uint32_t nid;
    enum pst_template tpl;
};

/* A 128-bit digest of the input, the source of every identifier (see digest_absorb). */
struct pst_digest {
    uint64_t lane[2];
};

struct pst_writer {
    char *path, *part;
    struct pst_ndb *ndb;
    struct pst_nameid *names;
    struct pst_store_info info;
    char *store_name;
    struct shared_table *shared; /* at commit: the empty tables that share a template */
    size_t nshared, capshared;
    struct pst_folder *root, *top;
    struct pst_folder **all;
    size_t nall, capall;
    uint32_t row_ver;
    uint64_t now;
    uint64_t messages;
    uint64_t keys;            /* search keys given so far (embedded messages included) */
    struct pst_digest digest; /* of the input so far: the source of every identifier */
    bool failed;
};

/* ---- small helpers ----------------------------------------------------------------------- */

/* Identifiers (the store's record key and replica GUID, the instance GUIDs of node 0xF01, each
 * message's search key) are derived from the input, never drawn at random, so that the same
 * store converted twice gives the same PST: a 128-bit digest absorbs the store name and then the
 * first 64 bytes of every property of every message as it is added. The instance GUIDs come from the
 * store name and the creation time, the search keys from the digest so far and the message's
 * number, the record key and replica GUID from the final digest at commit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void digest_word(struct pst_digest *d, uint64_t word)
{
    d->lane[0] = (d->lane[0] ^ word) * 0x100000001B3ull;
    d->lane[1] = ((d->lane[1] ^ word) * 0x9E3779B97F4A7C15ull) ^ (d->lane[0] >> 29);
}

/* Eight bytes at a time: the digest is taken of every message and must stay cheap. */
static void digest_absorb(struct pst_digest *d, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (; len >= 8; p += 8, len -= 8) {
        digest_word(d, (uint64_t)pst_get32(p + 4) << 32 | pst_get32(p));
    }
    uint64_t tail = len;
    for (size_t i = 0; i < len; i++)
        tail = tail << 8 | p[i];
    digest_word(d, tail);
}

static void digest_absorb64(struct pst_digest *d, uint64_t v)
{
    digest_word(d, v);
}

/* `len` bytes for the identifier named by `purpose` and `n`; the digest is not changed. */
static void digest_derive(const struct pst_digest *d, uint64_t purpose, uint64_t n, uint8_t *out,
                          size_t len)
{
    uint64_t x = mix64(d->lane[0] ^ mix64(purpose)) ^ mix64(d->lane[1] + n);
    for (size_t i = 0; i < len; i += 8) {
        x = mix64(x + 0x9E3779B97F4A7C15ull);
        uint8_t b[8];
        pst_put64(b, x);
        memcpy(out + i, b, len - i < 8 ? len - i : 8);
    }
}

/* The start of each property of a message: enough to tell messages apart, cheap for large ones. */
#define DIGEST_VALUE_BYTES 64

static void digest_message(struct pst_digest *d, const struct pst_message *msg)
{
    for (size_t i = 0; i < msg->props.count; i++) {
        const struct pst_prop *p = &msg->props.props[i];
        digest_absorb64(d, p->tag);
        digest_absorb64(d, p->num);
        if (p->data && !p->source) {
            size_t len = p->len == (size_t)-1 ? strlen(p->data) : p->len;
            digest_absorb(d, p->data, len < DIGEST_VALUE_BYTES ? len : DIGEST_VALUE_BYTES);
        }
    }
}

enum { ID_INSTANCE = 1, ID_SEARCH_KEY, ID_RECORD_KEY, ID_REPL_GUID };

/* The time of the run, or SOURCE_DATE_EPOCH (seconds) when it is set, as for reproducible
 * builds: then two runs over the same store give byte-identical PSTs. */
static uint64_t filetime_now(void)
{
    const char *fixed = getenv("SOURCE_DATE_EPOCH");
    if (fixed && *fixed) {
        char *end;
        long long secs = strtoll(fixed, &end, 10);
        if (*end == '\0' && secs >= 0)
            return model_time_to_filetime((int64_t)secs);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return model_time_to_filetime((int64_t)ts.tv_sec) + (uint64_t)ts.tv_nsec / 100;
}

static void utf16(struct buf *out, const char *s)
{
    if (s)
        pst_utf16_append(out, s, strlen(s));
}

/* Encoded property values with the storage they point into. */
struct enc {
    struct pst_value *v;
    struct buf *store;
    size_t n, cap, capstore;
};

static struct buf *enc_slot(struct enc *e, uint32_t tag)
{
    size_t i;
    for (i = 0; i < e->n; i++)
        if ((e->v[i].tag >> 16) == (tag >> 16))
            break;
    if (i == e->n) {
        e->v = xgrow(e->v, &e->cap, e->n + 1, sizeof *e->v);
        e->store = xgrow(e->store, &e->capstore, e->n + 1, sizeof *e->store);
        memset(&e->store[i], 0, sizeof e->store[i]);
        e->n++;
    } else {
        buf_reset(&e->store[i]);
    }
    e->v[i].tag = tag;
    e->v[i].bid = 0;
    return &e->store[i];
}

static void enc_done(struct enc *e, uint32_t tag)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i].tag == tag) {
            e->v[i].data = (const uint8_t *)e->store[i].data;
            e->v[i].len = e->store[i].len;
        }
}

static void enc_num(struct enc *e, uint32_t tag, uint64_t num)
{
    uint8_t b[8];
    pst_put64(b, num);
    size_t sz = pst_fixed_size((uint16_t)tag);
    buf_append(enc_slot(e, tag), b, sz ? sz : 8);
    enc_done(e, tag);
}

static void enc_bytes(struct enc *e, uint32_t tag, const void *data, size_t len)
{
    struct buf *b = enc_slot(e, tag);
    if (len)
        buf_append(b, data, len);
    enc_done(e, tag);
}

static void enc_str(struct enc *e, uint32_t tag, const char *s)
{
    struct buf *b = enc_slot(e, tag);
    utf16(b, s);
    enc_done(e, tag);
}

static const struct pst_value *enc_find(const struct enc *e, uint16_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if ((e->v[i].tag >> 16) == id)
            return &e->v[i];
    return NULL;
}

static void enc_free(struct enc *e)
{
    for (size_t i = 0; i < e->n; i++)
        buf_free(&e->store[i]);
    free(e->store);
    free(e->v);
    memset(e, 0, sizeof *e);
}

/* A binary value read from `src`: held when it fits a heap item (stored as any other), else
 * written as its data tree while it is read, so that no attachment is ever held whole. */
static int enc_source(struct pst_writer *w, struct enc *e, uint32_t tag, const struct pst_source *src,
                      struct error *err)
{
    struct buf *b = enc_slot(e, tag);
    uint8_t chunk[65536];
    while (b->len <= PST_HEAP_MAX_ITEM) {
        ssize_t got = src->read(src->ctx, chunk, PST_HEAP_MAX_ITEM + 1 - b->len, err);
        if (got < 0)
            return -1;
        if (got == 0) {
            enc_done(e, tag);
            return 0;
        }
        buf_append(b, chunk, (size_t)got);
    }
    struct pst_ndb_stream *s = pst_ndb_stream_begin(w->ndb);
    int rc = pst_ndb_stream_write(s, b->data, b->len, err);
    buf_free(b);
    for (ssize_t got; rc == 0 && (got = src->read(src->ctx, chunk, sizeof chunk, err)) != 0;)
        rc = got < 0 ? -1 : pst_ndb_stream_write(s, chunk, (size_t)got, err);
    if (rc < 0) {
        pst_ndb_stream_abort(s);
        return -1;
    }
    uint64_t bid, total;
    if (pst_ndb_stream_end(s, &bid, &total, err) < 0)
        return -1;
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i].tag == tag) {
            e->v[i].data = NULL;
            e->v[i].len = (size_t)total;
            e->v[i].bid = bid;
        }
    return 0;
}

/* API properties to stored values; named properties get their ID from the map. */
static int enc_props(struct pst_writer *w, struct enc *e, const struct pst_proplist *pl,
                     struct error *err)
{
    for (size_t i = 0; i < pl->count; i++) {
        const struct pst_prop *p = &pl->props[i];
        uint32_t tag = p->tag;
        if ((uint16_t)tag == PST_PT_OBJECT)
            continue; /* an embedded message: written by write_attachments() */
        if (p->name) {
            uint16_t id = pst_nameid_lookup(w->names, p->name->guid, p->name->lid, p->name->name);
            if (!id) {
                error_set(err, "%s: too many named properties", w->path);
                return -1;
            }
            tag = PST_TAG(id, tag & 0xFFFF);
        }
        uint16_t type = (uint16_t)tag;
        if (pst_fixed_size(type)) {
            enc_num(e, tag, p->num);
        } else if (type == PST_PT_UNICODE || type == PST_PT_STRING8) {
            const char *s = p->data ? p->data : "";
            size_t len = p->len == (size_t)-1 ? strlen(s) : p->len;
            struct buf *b = enc_slot(e, tag);
            if (type == PST_PT_UNICODE)
                pst_utf16_append(b, s, len);
            else
                buf_append(b, s, len);
            enc_done(e, tag);
        } else if (p->source) {
            if (enc_source(w, e, tag, p->source, err) < 0)
                return -1;
        } else {
            if (p->len && !p->data) {
                error_set(err, "%s: property %#010x has no data", w->path, tag);
                return -1;
            }
            enc_bytes(e, tag, p->data, p->len);
        }
    }
    return 0;
}

/* ---- folders ----------------------------------------------------------------------------- */

static struct pst_folder *new_folder(struct pst_writer *w, uint32_t nid, struct pst_folder *parent,
                                     const char *name, enum folder_kind kind)
{
    struct pst_folder *f = xcalloc(1, sizeof *f);
    f->nid = nid;
    f->kind = kind;
    f->parent = parent ? parent : f;
    utf16(&f->name, name);
    if (parent) {
        parent->kids = xgrow(parent->kids, &parent->capkids, parent->nkids + 1, sizeof *parent->kids);
        parent->kids[parent->nkids++] = f;
    }
    w->all = xgrow(w->all, &w->capall, w->nall + 1, sizeof *w->all);
    w->all[w->nall++] = f;
    return f;
}

static uint32_t new_folder_nid(struct pst_writer *w)
{
    return PST_NID(pst_ndb_alloc_nid(w->ndb, PST_NID_TYPE_NORMAL_FOLDER), PST_NID_TYPE_NORMAL_FOLDER);
}

static void free_folder(struct pst_folder *f)
{
    buf_free(&f->name);
    buf_free(&f->klass);
    buf_free(&f->comment);
    free(f->kids);
    pst_tc_free(f->contents);
    free(f);
}

static void writer_free(struct pst_writer *w)
{
    for (size_t i = 0; i < w->nall; i++)
        free_folder(w->all[i]);
    free(w->all);
    free(w->shared);
    pst_ndb_free(w->ndb);
    pst_nameid_free(w->names);
    free(w->store_name);
    free(w->path);
    free(w->part);
    free(w);
}

struct pst_writer *pst_writer_open(const char *path, const char *store_name, struct error *err)
{
    struct pst_writer *w = xcalloc(1, sizeof *w);
    w->path = xstrdup(path);
    w->part = xasprintf("%s.part", path);
    w->store_name = xstrdup(store_name ? store_name : "Outlook Data File");
    w->ndb = pst_ndb_create(w->part, err);
    if (!w->ndb) {
        writer_free(w);
        return NULL;
    }
    w->names = pst_nameid_new();
    w->now = filetime_now();
    w->digest = (struct pst_digest){{0xCBF29CE484222325ull, 0x84222325CBF29CE4ull}};
    digest_absorb(&w->digest, w->store_name, strlen(w->store_name) + 1);
    digest_derive(&w->digest, ID_INSTANCE, w->now, w->info.instance, sizeof w->info.instance);
    w->info.name = w->store_name;
    w->info.filetime = w->now;

    /* The folders of an empty store, with the NIDs Outlook gives them. */
    w->root = new_folder(w, PST_NID_ROOT_FOLDER, NULL, "", PST_FOLDER_NORMAL);
    w->top = new_folder(w, new_folder_nid(w), w->root, "Top of Outlook data file",
                        PST_FOLDER_NORMAL);
    struct pst_folder *finder = new_folder(w, new_folder_nid(w), w->root, "Search Root",
                                           PST_FOLDER_NORMAL);
    new_folder(w, PST_NID_SPAM_SEARCH_FOLDER, w->root, "SPAM Search Folder 2", PST_FOLDER_SEARCH);
    struct pst_folder *deleted = new_folder(w, new_folder_nid(w), w->top, "Deleted Items",
                                            PST_FOLDER_NORMAL);
    deleted->has_comment = true;
    utf16(&deleted->comment, "Deleted Items folder");
    struct pst_folder *views = new_folder(w, new_folder_nid(w), w->root, "IPM_COMMON_VIEWS",
                                          PST_FOLDER_NORMAL);
    views->has_comment = true;
    w->info.ipm_subtree = w->top->nid;
    w->info.search_root = finder->nid;
    w->info.deleted_items = deleted->nid;
    w->info.common_views = views->nid;
    if (pst_store_write_internal(&w->info, w->ndb, err) < 0) {
        pst_writer_abort(w);
        return NULL;
    }
    return w;
}

struct pst_folder *pst_writer_top(struct pst_writer *w)
{
    return w->top;
}

uint64_t pst_writer_size_estimate(const struct pst_writer *w)
{
    struct pst_ndb_stats st;
    pst_ndb_get_stats(w->ndb, &st);
    /* Still to come: the contents tables of the open folders (pst_tc_size_bound: their heaps
     * with every block but the last full, row matrices, large cells); per folder its PC, its
     * row in the parent's hierarchy table and its share of tables (4096); per node its NBT
     * entry with its share of pages (64, 15 entries of 32 bytes to a 512-byte page), per block
     * its BBT entry (32); the store and name-to-ID nodes (65,536). Blocks never cross an AMap
     * interval, and every interval starts with its map pages: 5 % more for that. Last, the rest
     * of the last interval (253,952 bytes) that the file is padded to. */
    uint64_t more = (uint64_t)st.nodes * 64 + (uint64_t)st.blocks * 32 + (uint64_t)w->nall * 4096 +
                    65536;
    for (size_t i = 0; i < w->nall; i++)
        if (w->all[i]->contents)
            more += pst_tc_size_bound(w->all[i]->contents);
    return st.file_size + more + more / 20 + 253952;
}

uint64_t pst_writer_message_count(const struct pst_writer *w)
{
    return w->messages;
}

uint32_t pst_folder_nid(const struct pst_folder *f)
{
    return f->nid;
}

struct pst_folder *pst_writer_add_folder(struct pst_writer *w, struct pst_folder *parent,
                                         const char *name, const char *container_class,
                                         struct error *err)
{
    if (!parent || parent->kind != PST_FOLDER_NORMAL || parent == w->root) {
        error_set(err, "%s: folders go under the top folder or its subfolders", w->path);
        return NULL;
    }
    struct pst_folder *f = new_folder(w, new_folder_nid(w), parent, name ? name : "",
                                      PST_FOLDER_NORMAL);
    if (container_class) {
        f->has_class = true;
        utf16(&f->klass, container_class);
    }
    return f;
}

/* ---- messages ---------------------------------------------------------------------------- */

/* Columns of a table: the template's, then any other tag the rows carry. */
static struct pst_tc *table_for(enum pst_template t, const struct enc *rows, size_t nrows)
{
    size_t nc;
    const uint32_t *cols = pst_template_columns(t, &nc);
    uint32_t *all = xcalloc(nc + 1, sizeof *all);
    size_t n = nc, cap = nc + 1;
    memcpy(all, cols, nc * sizeof *all);
    for (size_t r = 0; r < nrows; r++)
        for (size_t i = 0; i < rows[r].n; i++) {
            uint32_t tag = rows[r].v[i].tag;
            uint16_t type = (uint16_t)tag;
            if (tag >> 16 == 0x3701 || type == PST_PT_OBJECT)
                continue; /* attachment data stays in the attachment object */
            size_t j = 0;
            while (j < n && all[j] != tag)
                j++;
            if (j == n) {
                all = xgrow(all, &cap, n + 1, sizeof *all);
                all[n++] = tag;
            }
        }
    struct pst_tc *tc = pst_tc_new(all, n);
    free(all);
    return tc;
}

static int write_recipients(struct pst_writer *w, const struct pst_message *m, struct pst_sublist *subs,
                            struct error *err)
{
    struct enc *rows = xcalloc(m->nrecipients ? m->nrecipients : 1, sizeof *rows);
    int rc = 0;
    for (size_t i = 0; i < m->nrecipients && rc == 0; i++)
        rc = enc_props(w, &rows[i], &m->recipients[i], err);
    if (rc == 0) {
        struct pst_tc *tc = table_for(PST_TPL_RECIPIENT, rows, m->nrecipients);
        for (size_t i = 0; i < m->nrecipients && rc == 0; i++)
            rc = pst_tc_add_row(tc, w->ndb, (uint32_t)i, ++w->row_ver, rows[i].v, rows[i].n, err);
        uint64_t bid, sub;
        if (rc == 0)
            rc = pst_tc_write(tc, w->ndb, &bid, &sub, err);
        if (rc == 0)
            pst_sublist_add(subs, PST_NID_RECIPIENT_TABLE, bid, sub);
        pst_tc_free(tc);
    }
    for (size_t i = 0; i < m->nrecipients; i++)
        enc_free(&rows[i]);
    free(rows);
    return rc;
}

static int write_message_node(struct pst_writer *w, const struct pst_message *msg, struct enc *e,
                              uint64_t *bid, uint64_t *sub, uint32_t *flags_out, int depth,
                              struct error *err);

/* An embedded message: a NID_TYPE_NORMAL_MESSAGE subnode of the attachment, whose own subnode
 * tree holds its tables; the attachment's PidTagAttachDataObject is {nid, its message size}. */
static int write_embedded(struct pst_writer *w, const struct pst_message *m, struct enc *att,
                          struct pst_sublist *asubs, int depth, struct error *err)
{
    struct enc e = {0};
    uint64_t bid = 0, sub = 0;
    uint32_t flags;
    int rc = write_message_node(w, m, &e, &bid, &sub, &flags, depth + 1, err);
    if (rc == 0) {
        uint32_t nid = PST_NID(0x400 + asubs->count + 1, PST_NID_TYPE_NORMAL_MESSAGE);
        pst_sublist_add(asubs, nid, bid, sub);
        const struct pst_value *sz = enc_find(&e, 0x0E08);
        uint8_t obj[8];
        pst_put32(obj, nid);
        pst_put32(obj + 4, sz && sz->len >= 4 ? pst_get32(sz->data) : 0);
        enc_bytes(att, PST_TAG(0x3701, PST_PT_OBJECT), obj, sizeof obj);
        enc_num(att, PST_TAG(0x3705, PST_PT_I32), 5); /* afEmbeddedMessage */
    }
    enc_free(&e);
    return rc;
}

static int write_attachments(struct pst_writer *w, const struct pst_message *m,
                             struct pst_sublist *subs, int depth, struct error *err)
{
    struct enc *rows = xcalloc(m->nattachments, sizeof *rows);
    int rc = 0;
    uint32_t *nids = xcalloc(m->nattachments, sizeof *nids);
    for (size_t i = 0; i < m->nattachments && rc == 0; i++) {
        struct enc *e = &rows[i];
        enc_num(e, PST_TAG(0x3705, PST_PT_I32), 1);          /* PidTagAttachMethod: by value */
        enc_num(e, PST_TAG(0x370B, PST_PT_I32), 0xFFFFFFFF); /* PidTagRenderingPosition */
        enc_num(e, PST_TAG(0x0E20, PST_PT_I32), 0);          /* PidTagAttachSize, set below */
        rc = enc_props(w, e, &m->attachments[i], err);
        if (rc < 0)
            break;
        struct pst_sublist asubs = {0};
        const struct pst_message *embedded = NULL;
        for (size_t k = 0; k < m->attachments[i].count; k++)
            if (m->attachments[i].props[k].tag == PST_PROP_EMBEDDED && !m->attachments[i].props[k].name)
                embedded = m->attachments[i].props[k].data;
        if (embedded)
            rc = write_embedded(w, embedded, e, &asubs, depth, err);
        struct pst_pc_size size = {0x0E20, 0, 0};
        uint64_t bid = 0, sub = 0;
        if (rc == 0)
            rc = pst_pc_write(w->ndb, e->v, e->n, &asubs, &bid, &size, err);
        if (rc == 0)
            rc = pst_ndb_write_subnodes(w->ndb, asubs.v, asubs.count, &sub, err);
        pst_sublist_free(&asubs);
        nids[i] = PST_NID(0x401 + i, PST_NID_TYPE_ATTACHMENT);
        if (rc == 0)
            pst_sublist_add(subs, nids[i], bid, sub);
        enc_num(e, PST_TAG(0x0E20, PST_PT_I32), size.result); /* the row agrees with the PC */
    }
    if (rc == 0) {
        struct pst_tc *tc = table_for(PST_TPL_ATTACHMENT, rows, m->nattachments);
        for (size_t i = 0; i < m->nattachments && rc == 0; i++)
            rc = pst_tc_add_row(tc, w->ndb, nids[i], ++w->row_ver, rows[i].v, rows[i].n, err);
        uint64_t bid, sub;
        if (rc == 0)
            rc = pst_tc_write(tc, w->ndb, &bid, &sub, err);
        if (rc == 0)
            pst_sublist_add(subs, PST_NID_ATTACHMENT_TABLE, bid, sub);
        pst_tc_free(tc);
    }
    for (size_t i = 0; i < m->nattachments; i++)
        enc_free(&rows[i]);
    free(rows);
    free(nids);
    return rc;
}

#define PST_MAX_EMBED_DEPTH 64

/* Writes a message's tables, attachments and PC; `e` receives its stored values with the final
 * PidTagMessageSize, `*flags_out` its message flags. */
static int write_message_node(struct pst_writer *w, const struct pst_message *msg, struct enc *e,
                              uint64_t *bid, uint64_t *sub, uint32_t *flags_out, int depth,
                              struct error *err)
{
    if (depth > PST_MAX_EMBED_DEPTH) {
        error_set(err, "%s: embedded messages nested too deeply", w->path);
        return -1;
    }
    /* Defaults first; the caller's properties replace them. */
    uint8_t key[16];
    digest_message(&w->digest, msg);
    digest_derive(&w->digest, ID_SEARCH_KEY, ++w->keys, key, sizeof key);
    enc_str(e, PST_TAG(0x001A, PST_PT_UNICODE), "IPM.Note");
    enc_num(e, PST_TAG(0x0E07, PST_PT_I32), 0);
    enc_num(e, PST_TAG(0x0E17, PST_PT_I32), 0);
    enc_num(e, PST_TAG(0x3007, PST_PT_SYSTIME), w->now);
    enc_num(e, PST_TAG(0x3008, PST_PT_SYSTIME), w->now);
    enc_bytes(e, PST_TAG(0x300B, PST_PT_BINARY), key, sizeof key);
    int rc = enc_props(w, e, &msg->props, err);
    uint32_t flags = 0;
    const struct pst_value *fv = enc_find(e, 0x0E07);
    if (fv && fv->len >= 4)
        flags = pst_get32(fv->data);
    if (msg->nattachments)
        flags |= 0x10; /* mfHasAttach */
    enc_num(e, PST_TAG(0x0E07, PST_PT_I32), flags);
    enc_num(e, PST_TAG(0x0E08, PST_PT_I32), 0);
    *flags_out = flags;

    struct pst_sublist subs = {0};
    uint64_t before = pst_ndb_data_bytes(w->ndb);
    if (rc == 0)
        rc = write_recipients(w, msg, &subs, err);
    if (rc == 0 && msg->nattachments)
        rc = write_attachments(w, msg, &subs, depth, err);
    struct pst_pc_size size = {0x0E08, 0, 0};
    if (rc == 0) {
        size.base = pst_ndb_data_bytes(w->ndb) - before;
        rc = pst_pc_write(w->ndb, e->v, e->n, &subs, bid, &size, err);
    }
    if (rc == 0)
        rc = pst_ndb_write_subnodes(w->ndb, subs.v, subs.count, sub, err);
    if (rc == 0)
        enc_num(e, PST_TAG(0x0E08, PST_PT_I32), size.result);
    pst_sublist_free(&subs);
    return rc;
}

int pst_writer_add_message(struct pst_writer *w, struct pst_folder *folder,
                           const struct pst_message *msg, struct error *err)
{
    if (w->failed || !folder || folder->closed || folder->kind != PST_FOLDER_NORMAL ||
        folder == w->root) {
        error_set(err, "%s: cannot add a message to this folder", w->path);
        return -1;
    }
    struct enc e = {0};
    uint64_t bid = 0, sub = 0;
    uint32_t flags = 0;
    int rc = write_message_node(w, msg, &e, &bid, &sub, &flags, 0, err);
    uint32_t nid = PST_NID(pst_ndb_alloc_nid(w->ndb, PST_NID_TYPE_NORMAL_MESSAGE),
                           PST_NID_TYPE_NORMAL_MESSAGE);
    if (rc == 0)
        rc = pst_ndb_add_node(w->ndb, nid, bid, sub, folder->nid, err);
    if (rc == 0) {
        if (!folder->contents) {
            size_t nc;
            const uint32_t *cols = pst_template_columns(PST_TPL_CONTENTS, &nc);
            folder->contents = pst_tc_new(cols, nc);
        }
        rc = pst_tc_add_row(folder->contents, w->ndb, nid, ++w->row_ver, e.v, e.n, err);
    }
    if (rc == 0) {
        folder->count++;
        w->messages++;
        if (!(flags & 0x01))
            folder->unread++;
    } else {
        w->failed = true;
    }
    enc_free(&e);
    return rc;
}

static int write_contents(struct pst_writer *w, struct pst_folder *f, struct error *err)
{
    if (f->closed)
        return 0;
    f->closed = true;
    if (!f->contents || pst_tc_row_count(f->contents) == 0)
        return 0;
    int rc = pst_tc_write(f->contents, w->ndb, &f->contents_bid, &f->contents_sub, err);
    pst_tc_free(f->contents);
    f->contents = NULL;
    return rc;
}

int pst_writer_close_folder(struct pst_writer *w, struct pst_folder *folder, struct error *err)
{
    if (w->failed) {
        error_set(err, "%s: an earlier write failed", w->path);
        return -1;
    }
    if (write_contents(w, folder, err) < 0) {
        w->failed = true;
        return -1;
    }
    return 0;
}

/* ---- commit ------------------------------------------------------------------------------ */

/* The properties a folder's PC and its row in the parent's hierarchy table share. */
static void folder_values(const struct pst_folder *f, struct enc *e)
{
    enc_bytes(e, PST_TAG(0x3001, PST_PT_UNICODE), f->name.data, f->name.len);
    enc_num(e, PST_TAG(0x3602, PST_PT_I32), f->count);
    enc_num(e, PST_TAG(0x3603, PST_PT_I32), f->unread);
    enc_num(e, PST_TAG(0x360A, PST_PT_BOOLEAN), f->nkids > 0);
    if (f->has_class)
        enc_bytes(e, PST_TAG(0x3613, PST_PT_UNICODE), f->klass.data, f->klass.len);
}

/* Notes a table node that will share template `t`'s block (see write_templates). */
static void add_shared(struct pst_writer *w, uint32_t nid, enum pst_template t)
{
    w->shared = xgrow(w->shared, &w->capshared, w->nshared + 1, sizeof *w->shared);
    w->shared[w->nshared++] = (struct shared_table){nid, t};
}

/* Writes each template and, right after its block, the nodes of the empty tables that share it:
 * the NDB counts their references into that block's cRef only while its BBT entry is open. */
static int write_templates(struct pst_writer *w, struct error *err)
{
    for (int t = 0; t < PST_TPL_COUNT; t++) {
        uint64_t bid;
        if (pst_template_write(w->ndb, (enum pst_template)t, &bid, err) < 0)
            return -1;
        for (size_t i = 0; i < w->nshared; i++)
            if (w->shared[i].tpl == (enum pst_template)t &&
                pst_ndb_add_node(w->ndb, w->shared[i].nid, bid, 0, 0, err) < 0)
                return -1;
    }
    return 0;
}

static int write_folder(struct pst_writer *w, struct pst_folder *f, struct error *err)
{
    struct pst_ndb *n = w->ndb;
    uint32_t idx = PST_NID_INDEX(f->nid);
    struct enc e = {0};
    folder_values(f, &e);
    if (f->has_comment)
        enc_bytes(&e, PST_TAG(0x3004, PST_PT_UNICODE), f->comment.data, f->comment.len);
    struct pst_sublist subs = {0};
    uint64_t bid = 0, sub = 0;
    int rc = pst_pc_write(n, e.v, e.n, &subs, &bid, NULL, err);
    if (rc == 0)
        rc = pst_ndb_write_subnodes(n, subs.v, subs.count, &sub, err);
    if (rc == 0)
        rc = pst_ndb_add_node(n, f->nid, bid, sub, f->parent->nid, err);
    pst_sublist_free(&subs);
    enc_free(&e);
    if (rc < 0)
        return -1;

    if (f->kind == PST_FOLDER_SEARCH) {
        /* Search update queue (empty), search criteria object, search contents table. */
        uint8_t zero[4] = {0};
        const struct pst_value crit[] = {{PST_TAG(0x660B, PST_PT_I32), zero, 4, 0}};
        if (pst_ndb_add_node(n, PST_NID(idx, PST_NID_TYPE_SEARCH_UPDATE_QUEUE), 0, 0, 0, err) < 0 ||
            pst_pc_write(n, crit, 1, &subs, &bid, NULL, err) < 0 ||
            pst_ndb_add_node(n, PST_NID(idx, PST_NID_TYPE_SEARCH_CRITERIA_OBJECT), bid, 0, 0, err) < 0)
            rc = -1;
        add_shared(w, PST_NID(idx, PST_NID_TYPE_SEARCH_CONTENTS_TABLE), PST_TPL_SEARCH_CONTENTS);
        pst_sublist_free(&subs);
        return rc;
    }

    /* Hierarchy table: one row per subfolder with the values of its PC. */
    uint32_t hier = PST_NID(idx, PST_NID_TYPE_HIERARCHY_TABLE);
    if (f->nkids == 0) {
        add_shared(w, hier, PST_TPL_HIERARCHY);
    } else {
        size_t nc;
        const uint32_t *cols = pst_template_columns(PST_TPL_HIERARCHY, &nc);
        struct pst_tc *tc = pst_tc_new(cols, nc);
        for (size_t i = 0; i < f->nkids && rc == 0; i++) {
            struct enc k = {0};
            folder_values(f->kids[i], &k);
            rc = pst_tc_add_row(tc, n, f->kids[i]->nid, ++w->row_ver, k.v, k.n, err);
            enc_free(&k);
        }
        if (rc == 0)
            rc = pst_tc_write(tc, n, &bid, &sub, err);
        if (rc == 0)
            rc = pst_ndb_add_node(n, hier, bid, sub, 0, err);
        pst_tc_free(tc);
    }
    uint32_t contents = PST_NID(idx, PST_NID_TYPE_CONTENTS_TABLE);
    if (f->contents_bid && rc == 0)
        rc = pst_ndb_add_node(n, contents, f->contents_bid, f->contents_sub, 0, err);
    else if (!f->contents_bid)
        add_shared(w, contents, PST_TPL_CONTENTS);
    add_shared(w, PST_NID(idx, PST_NID_TYPE_ASSOC_CONTENTS_TABLE), PST_TPL_FAI);
    return rc;
}

int pst_writer_commit(struct pst_writer *w, struct error *err)
{
    int rc = w->failed ? -1 : 0;
    if (rc < 0)
        error_set(err, "%s: an earlier write failed", w->path);
    for (size_t i = 0; i < w->nall && rc == 0; i++)
        rc = write_contents(w, w->all[i], err);
    for (size_t i = 0; i < w->nall && rc == 0; i++)
        rc = write_folder(w, w->all[i], err);
    if (rc == 0)
        rc = write_templates(w, err);
    if (rc == 0)
        rc = pst_nameid_write(w->names, w->ndb, err);
    if (rc == 0) {
        digest_derive(&w->digest, ID_RECORD_KEY, 0, w->info.record_key, sizeof w->info.record_key);
        digest_derive(&w->digest, ID_REPL_GUID, 0, w->info.repl_guid, sizeof w->info.repl_guid);
        rc = pst_store_write(&w->info, w->ndb, err);
    }
    if (rc == 0)
        rc = pst_ndb_commit(w->ndb, err);
    if (rc == 0 && plat_rename(w->part, w->path) != 0) {
        error_errno(err, errno, "%s: cannot rename into place", w->path);
        rc = -1;
    }
    if (rc < 0)
        plat_unlink(w->part);
    writer_free(w);
    return rc;
}

void pst_writer_abort(struct pst_writer *w)
{
    if (!w)
        return;
    pst_ndb_free(w->ndb);
    w->ndb = NULL;
    plat_unlink(w->part);
    writer_free(w);
}
