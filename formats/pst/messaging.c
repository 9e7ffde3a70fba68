/* messaging: templates, message store, name-to-ID map and internal nodes (see messaging.h).
 *
 * The column sets and the undocumented nodes are what current Outlook writes into an empty
 * store (outlook-pst-rs Empty.pst, dissected in doc/PST.md section 3). */
#include "pst/messaging.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

/* ---- templates --------------------------------------------------------------------------- */

#define T(id, type) PST_TAG(0x##id, PST_PT_##type)
#define ROW T(67F2, I32), T(67F3, I32)

static const uint32_t tpl_hierarchy[] = {
    ROW,           T(3001, UNICODE), T(3602, I32), T(3603, I32),     T(360A, BOOLEAN),
    T(0E30, BINARY), T(0E33, I64),   T(0E34, BINARY), T(0E38, I32), T(3613, UNICODE),
    T(6635, I32),  T(6636, I32),
};
static const uint32_t tpl_contents[] = {
    ROW,
    T(0E17, I32),     T(001A, UNICODE), T(0E07, I32),     T(0017, I32),     T(0042, UNICODE),
    T(0037, UNICODE), T(0E06, SYSTIME), T(0039, SYSTIME), T(0E08, I32),     T(0E04, UNICODE),
    T(0E03, UNICODE), T(0057, BOOLEAN), T(0058, BOOLEAN), T(0036, I32),     T(1097, I32),
    T(0070, UNICODE), T(0071, BINARY),  T(3013, BINARY),  T(65C6, I32),     T(3008, SYSTIME),
    T(0E30, BINARY),  T(0E33, I64),     T(0E34, BINARY),  T(0E3D, BINARY),  T(0E3C, BINARY),
    T(0E38, I32),
};
static const uint32_t tpl_fai[] = {
    ROW,
    T(0E17, I32),     T(001A, UNICODE), T(0E07, I32),    T(3001, UNICODE), T(7003, I32),
    T(7004, BINARY),  T(7005, BINARY),  T(7006, UNICODE), T(7007, I32),    T(6800, UNICODE),
    T(6803, BOOLEAN), T(6805, MV_I32),  T(682F, UNICODE),
};
static const uint32_t tpl_search_contents[] = {
    ROW,
    T(67F1, I32),     T(0E05, UNICODE), T(0E17, I32),     T(001A, UNICODE), T(0E07, I32),
    T(0017, I32),     T(0042, UNICODE), T(0037, UNICODE), T(0E06, SYSTIME), T(0E08, I32),
    T(0E04, UNICODE), T(0E03, UNICODE), T(0057, BOOLEAN), T(0058, BOOLEAN), T(0036, I32),
    T(0E2A, BOOLEAN), T(3008, SYSTIME),
};
static const uint32_t tpl_attachment[] = {
    ROW, T(370B, I32), T(0E20, I32), T(3705, I32), T(3704, UNICODE),
};
static const uint32_t tpl_recipient[] = {
    ROW,
    T(0E0F, BOOLEAN), T(3002, UNICODE), T(3003, UNICODE), T(0FFF, BINARY), T(3001, UNICODE),
    T(0C15, I32),     T(300B, BINARY),  T(0FF9, BINARY),  T(0FFE, I32),    T(3900, I32),
    T(3A40, BOOLEAN), T(39FF, UNICODE),
};
static const uint32_t tpl_receive[] = {ROW, T(6605, I32), T(001A, UNICODE)};
static const uint32_t tpl_outgoing[] = {ROW, T(0E14, I32), T(0E10, I32), T(0039, SYSTIME)};
static const uint32_t tpl_6b6[] = {ROW, T(0E33, I64), T(0E37, BINARY), T(0E38, I32)};
static const uint32_t tpl_6d7[] = {
    ROW,          T(0E3E, BINARY), T(0E31, BINARY), T(0E30, BINARY),  T(0E38, I32),
    T(0E34, BINARY), T(0E33, I64), T(001A, UNICODE),
};
static const uint32_t tpl_6f8[] = {ROW, T(3007, SYSTIME), T(0E33, I64)};

static const struct {
    const uint32_t *cols;
    size_t count;
    uint32_t nid;
} templates[PST_TPL_COUNT] = {
#define E(a, nid) {a, sizeof a / sizeof a[0], nid}
    [PST_TPL_HIERARCHY] = E(tpl_hierarchy, PST_NID_HIERARCHY_TABLE_TEMPLATE),
    [PST_TPL_CONTENTS] = E(tpl_contents, PST_NID_CONTENTS_TABLE_TEMPLATE),
    [PST_TPL_FAI] = E(tpl_fai, PST_NID_ASSOC_CONTENTS_TABLE_TEMPLATE),
    [PST_TPL_SEARCH_CONTENTS] = E(tpl_search_contents, PST_NID_SEARCH_CONTENTS_TABLE_TEMPLATE),
    [PST_TPL_ATTACHMENT] = E(tpl_attachment, PST_NID_ATTACHMENT_TABLE),
    [PST_TPL_RECIPIENT] = E(tpl_recipient, PST_NID_RECIPIENT_TABLE),
    [PST_TPL_RECEIVE_FOLDER] = E(tpl_receive, PST_NID_RECEIVE_FOLDER_TABLE),
    [PST_TPL_OUTGOING_QUEUE] = E(tpl_outgoing, PST_NID_OUTGOING_QUEUE_TABLE),
    [PST_TPL_6B6] = E(tpl_6b6, 0x6B6),
    [PST_TPL_6D7] = E(tpl_6d7, 0x6D7),
    [PST_TPL_6F8] = E(tpl_6f8, 0x6F8),
#undef E
};

const uint32_t *pst_template_columns(enum pst_template t, size_t *count)
{
    *count = templates[t].count;
    return templates[t].cols;
}

/* ---- name-to-ID map ---------------------------------------------------------------------- */

#define NAMEID_BUCKETS 251u

/* GUIDs in stored (little-endian) order. */
#define MSGUID(a, b, c, d, e, f, g, h, i, j, k)                                                  \
    {(uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24),            \
     (uint8_t)(b), (uint8_t)((b) >> 8), (uint8_t)(c), (uint8_t)((c) >> 8), d, e, f, g, h, i, j, k}
static const uint8_t ps_mapi[16] = MSGUID(0x00020328, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);
static const uint8_t ps_public_strings[16] = MSGUID(0x00020329, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);
static const uint8_t psetid_appointment[16] = MSGUID(0x00062002, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);
static const uint8_t ps_internet_headers[16] = MSGUID(0x00020386, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);
static const uint8_t psetid_common[16] = MSGUID(0x00062008, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);
static const uint8_t psetid_mentions[16] =
    MSGUID(0x41F28F13, 0x83F4, 0x4114, 0xA5, 0x84, 0xEE, 0xDB, 0x5A, 0x6B, 0x0B, 0xFF);
static const uint8_t psetid_log[16] = MSGUID(0x00062014, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);
static const uint8_t psetid_task[16] = MSGUID(0x00062003, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46);

/* The entries of Outlook's empty store, in its order. */
static const struct {
    const uint8_t *guid;
    uint32_t lid;
    const char *name;
} default_names[] = {
    {psetid_appointment, 0x8205, NULL},
    {psetid_appointment, 0x8223, NULL},
    {psetid_appointment, 0x8231, NULL},
    {psetid_appointment, 0x8216, NULL},
    {psetid_appointment, 0x820D, NULL},
    {psetid_appointment, 0x820E, NULL},
    {psetid_appointment, 0x8235, NULL},
    {psetid_appointment, 0x8236, NULL},
    {psetid_appointment, 0x8233, NULL},
    {ps_internet_headers, 0, "content-class"},
    {ps_public_strings, 0, "DRMLicense"},
    {ps_internet_headers, 0, "x-cr-hashedpuzzle"},
    {ps_internet_headers, 0, "x-cr-puzzleid"},
    {psetid_common, 0x8580, NULL},
    {psetid_common, 0x8581, NULL},
    {ps_public_strings, 0, "urn:schemas-microsoft-com:office:outlook#storetypeprivate"},
    {psetid_common, 0x8510, NULL},
    {psetid_common, 0x8578, NULL},
    {psetid_mentions, 0, "IsMentioned"},
    {ps_public_strings, 0, "Keywords"},
    {psetid_log, 0x8F05, NULL},
    {psetid_common, 0x8514, NULL},
    {psetid_log, 0x8F07, NULL},
    {psetid_common, 0x8503, NULL},
    {psetid_common, 0x85A8, NULL},
    {psetid_common, 0x8502, NULL},
    {psetid_task, 0x8104, NULL},
    {psetid_task, 0x8105, NULL},
    {psetid_task, 0x811C, NULL},
    {ps_internet_headers, 0, "x-ms-exchange-organization-authdomain"},
    {ps_public_strings, 0, "DoNotForward"},
    {psetid_common, 0x8570, NULL},
    {psetid_task, 0x8101, NULL},
    {psetid_common, 0x85E0, NULL},
    {psetid_common, 0x8552, NULL},
};

struct nameid_entry {
    uint16_t wguid;    /* (GUID index << 1) | string flag */
    uint32_t id;       /* LID, or offset in the string stream */
    uint32_t hash_key; /* LID, or CRC of the UTF-16LE name */
};

struct pst_nameid {
    struct buf guids;   /* GUID stream */
    struct buf strings; /* string stream */
    struct nameid_entry *v;
    size_t count, cap;
};

static uint16_t guid_index(struct pst_nameid *m, const uint8_t guid[16])
{
    if (memcmp(guid, ps_mapi, 16) == 0)
        return 1;
    if (memcmp(guid, ps_public_strings, 16) == 0)
        return 2;
    for (size_t i = 0; i * 16 < m->guids.len; i++)
        if (memcmp(m->guids.data + 16 * i, guid, 16) == 0)
            return (uint16_t)(3 + i);
    buf_append(&m->guids, guid, 16);
    return (uint16_t)(3 + m->guids.len / 16 - 1);
}

uint16_t pst_nameid_lookup(struct pst_nameid *m, const uint8_t guid[16], uint32_t lid,
                           const char *name)
{
    struct buf u = BUF_INIT;
    if (name)
        pst_utf16_append(&u, name, strlen(name));
    uint16_t gi = guid_index(m, guid);
    uint16_t wguid = (uint16_t)((gi << 1) | (name ? 1 : 0));
    uint32_t key = name ? pst_crc(u.data, u.len) : lid;
    for (size_t i = 0; i < m->count; i++) {
        const struct nameid_entry *e = &m->v[i];
        if (e->wguid != wguid || e->hash_key != key)
            continue;
        if (!name || (pst_get32((const uint8_t *)m->strings.data + e->id) == u.len &&
                      memcmp(m->strings.data + e->id + 4, u.data, u.len) == 0)) {
            buf_free(&u);
            return (uint16_t)(0x8000 + i);
        }
    }
    if (m->count >= 0x7FFF) {
        buf_free(&u);
        return 0;
    }
    struct nameid_entry e = {wguid, lid, key};
    if (name) {
        uint8_t len[4];
        pst_put32(len, (uint32_t)u.len);
        e.id = (uint32_t)m->strings.len;
        buf_append(&m->strings, len, 4);
        buf_append(&m->strings, u.data, u.len);
        static const uint8_t pad[4];
        buf_append(&m->strings, pad, (4 - m->strings.len % 4) % 4);
    }
    buf_free(&u);
    m->v = xgrow(m->v, &m->cap, m->count + 1, sizeof *m->v);
    m->v[m->count++] = e;
    return (uint16_t)(0x8000 + m->count - 1);
}

struct pst_nameid *pst_nameid_new(void)
{
    struct pst_nameid *m = xcalloc(1, sizeof *m);
    for (size_t i = 0; i < sizeof default_names / sizeof default_names[0]; i++)
        pst_nameid_lookup(m, default_names[i].guid, default_names[i].lid, default_names[i].name);
    return m;
}

int pst_nameid_write(const struct pst_nameid *m, struct pst_ndb *n, struct error *err)
{
    /* Entry stream, and the same records keyed by hash in their buckets. */
    uint8_t *entries = xcalloc(m->count ? m->count : 1, 8);
    struct buf buckets[NAMEID_BUCKETS];
    memset(buckets, 0, sizeof buckets);
    for (size_t i = 0; i < m->count; i++) {
        const struct nameid_entry *e = &m->v[i];
        uint8_t rec[8];
        pst_put32(entries + 8 * i, e->id);
        pst_put16(entries + 8 * i + 4, e->wguid);
        pst_put16(entries + 8 * i + 6, (uint16_t)i);
        pst_put32(rec, e->hash_key);
        pst_put16(rec + 4, e->wguid);
        pst_put16(rec + 6, (uint16_t)i);
        buf_append(&buckets[(e->hash_key ^ e->wguid) % NAMEID_BUCKETS], rec, 8);
    }
    struct pst_value *props = xcalloc(4 + NAMEID_BUCKETS, sizeof *props);
    size_t np = 0;
    uint8_t nb[4];
    pst_put32(nb, NAMEID_BUCKETS);
    props[np++] = (struct pst_value){PST_TAG(0x0001, PST_PT_I32), nb, 4, 0};
    props[np++] = (struct pst_value){PST_TAG(0x0002, PST_PT_BINARY),
                                     (const uint8_t *)m->guids.data, m->guids.len, 0};
    props[np++] = (struct pst_value){PST_TAG(0x0003, PST_PT_BINARY), entries, 8 * m->count, 0};
    props[np++] = (struct pst_value){PST_TAG(0x0004, PST_PT_BINARY),
                                     (const uint8_t *)m->strings.data, m->strings.len, 0};
    for (unsigned b = 0; b < NAMEID_BUCKETS; b++)
        if (buckets[b].len)
            props[np++] = (struct pst_value){PST_TAG(0x1000 + b, PST_PT_BINARY),
                                             (const uint8_t *)buckets[b].data, buckets[b].len, 0};
    struct pst_sublist subs = {0};
    uint64_t bid = 0, sub = 0;
    int rc = pst_pc_write(n, props, np, &subs, &bid, NULL, err);
    if (rc == 0)
        rc = pst_ndb_write_subnodes(n, subs.v, subs.count, &sub, err);
    if (rc == 0)
        rc = pst_ndb_add_node(n, PST_NID_NAME_TO_ID_MAP, bid, sub, 0, err);
    pst_sublist_free(&subs);
    for (unsigned b = 0; b < NAMEID_BUCKETS; b++)
        buf_free(&buckets[b]);
    free(props);
    free(entries);
    return rc;
}

void pst_nameid_free(struct pst_nameid *m)
{
    if (!m)
        return;
    buf_free(&m->guids);
    buf_free(&m->strings);
    free(m->v);
    free(m);
}

/* ---- message store and internal nodes ---------------------------------------------------- */

/* The EntryID of a folder: 4 zero flag bytes, the provider UID, the NID. */
static void entry_id(const struct pst_store_info *s, uint32_t nid, uint8_t out[24])
{
    memset(out, 0, 4);
    memcpy(out + 4, s->record_key, 16);
    pst_put32(out + 20, nid);
}

int pst_store_write(const struct pst_store_info *s, struct pst_ndb *n, struct error *err)
{
    struct buf name = BUF_INIT;
    pst_utf16_append(&name, s->name, strlen(s->name));
    uint8_t history[24], ipm[24], waste[24], views[24], finder[24];
    uint8_t zero[4] = {0}, one[4] = {1}, mask[4];
    pst_put32(history, 1);
    memcpy(history + 4, s->repl_guid, 16);
    pst_put32(history + 20, 1);
    entry_id(s, s->ipm_subtree, ipm);
    entry_id(s, s->deleted_items, waste);
    entry_id(s, s->common_views, views);
    entry_id(s, s->search_root, finder);
    /* FOLDER_IPM_SUBTREE_VALID | WASTEBASKET | COMMON_VIEWS | FINDER, as in Outlook's file */
    pst_put32(mask, 0x01 | 0x08 | 0x40 | 0x80);
    const struct pst_value props[] = {
        {PST_TAG(0x0E34, PST_PT_BINARY), history, 24, 0}, /* PidTagReplVersionhistory */
        {PST_TAG(0x0E38, PST_PT_I32), zero, 4, 0},        /* PidTagReplFlags */
        {PST_TAG(0x0FF9, PST_PT_BINARY), s->record_key, 16, 0},
        {PST_TAG(0x3001, PST_PT_UNICODE), (const uint8_t *)name.data, name.len, 0},
        {PST_TAG(0x35DF, PST_PT_I32), mask, 4, 0},
        {PST_TAG(0x35E0, PST_PT_BINARY), ipm, 24, 0},
        {PST_TAG(0x35E3, PST_PT_BINARY), waste, 24, 0},
        {PST_TAG(0x35E6, PST_PT_BINARY), views, 24, 0},
        {PST_TAG(0x35E7, PST_PT_BINARY), finder, 24, 0},
        {PST_TAG(0x6633, PST_PT_BOOLEAN), one, 1, 0}, /* PidTagPstLrNoRestrictions */
        {PST_TAG(0x67FF, PST_PT_I32), zero, 4, 0},    /* PidTagPstPassword: none */
    };
    struct pst_sublist subs = {0};
    uint64_t bid = 0, sub = 0;
    int rc = pst_pc_write(n, props, sizeof props / sizeof props[0], &subs, &bid, NULL, err);
    if (rc == 0)
        rc = pst_ndb_write_subnodes(n, subs.v, subs.count, &sub, err);
    if (rc == 0)
        rc = pst_ndb_add_node(n, PST_NID_MESSAGE_STORE, bid, sub, 0, err);
    pst_sublist_free(&subs);
    buf_free(&name);
    return rc;
}

static int write_tc_node(struct pst_ndb *n, uint32_t nid, struct pst_tc *t, uint64_t *bid_out,
                         struct error *err)
{
    uint64_t bid, sub;
    if (pst_tc_write(t, n, &bid, &sub, err) < 0 || pst_ndb_add_node(n, nid, bid, sub, 0, err) < 0)
        return -1;
    if (bid_out)
        *bid_out = bid;
    return 0;
}

/* A heap whose user root is a 4-byte item pointing at an empty BTH, followed by `extra` bytes:
 * the shape of Outlook's nodes 0xC01 (client signature 0x9C) and 0xE01 (0xCC). */
static int write_rooted_bth(struct pst_ndb *n, uint32_t nid, uint8_t sig, const uint8_t *extra,
                            size_t extra_len, uint8_t cb_key, struct error *err)
{
    struct pst_heap *h = pst_heap_new(sig);
    uint32_t root = pst_heap_alloc(h, NULL, 4 + extra_len);
    uint32_t bth = pst_bth_new(h, cb_key, 4);
    uint8_t *r = pst_heap_item(h, root, NULL);
    pst_put32(r, bth);
    if (extra_len)
        memcpy(r + 4, extra, extra_len);
    pst_heap_set_root(h, root);
    uint64_t bid;
    int rc = pst_heap_write(h, n, &bid, NULL, err);
    pst_heap_free(h);
    if (rc == 0)
        rc = pst_ndb_add_node(n, nid, bid, 0, 0, err);
    return rc;
}

static int write_raw_node(struct pst_ndb *n, uint32_t nid, const uint8_t *data, size_t len,
                          struct error *err)
{
    uint64_t bid = 0;
    if (len && pst_ndb_write_data(n, data, len, &bid, err) < 0)
        return -1;
    return pst_ndb_add_node(n, nid, bid, 0, 0, err);
}

int pst_template_write(struct pst_ndb *n, enum pst_template t, uint64_t *bid, struct error *err)
{
    size_t nc;
    const uint32_t *cols = pst_template_columns(t, &nc);
    struct pst_tc *tc = pst_tc_new(cols, nc);
    if (t == PST_TPL_RECEIVE_FOLDER) {
        /* The receive-folder table has the root as default. */
        uint8_t root[4];
        pst_put32(root, PST_NID_ROOT_FOLDER);
        const struct pst_value cells[] = {
            {PST_TAG(0x001A, PST_PT_UNICODE), NULL, 0, 0}, /* message class "": the default */
            {PST_TAG(0x6605, PST_PT_I32), root, 4, 0},     /* folder NID */
        };
        if (pst_tc_add_row(tc, n, 1, 2, cells, 2, err) < 0) {
            pst_tc_free(tc);
            return -1;
        }
    }
    int rc = write_tc_node(n, templates[t].nid, tc, bid, err);
    pst_tc_free(tc);
    return rc;
}

int pst_store_write_internal(const struct pst_store_info *s, struct pst_ndb *n, struct error *err)
{
    /* Search activity list: the spam search folder. */
    uint8_t spam[4];
    pst_put32(spam, PST_NID_SPAM_SEARCH_FOLDER);
    if (write_raw_node(n, PST_NID_SEARCH_ACTIVITY_LIST, spam, 4, err) < 0)
        return -1;
    /* Nodes Outlook keeps empty. */
    static const uint32_t empty[] = {PST_NID_SEARCH_MANAGEMENT_QUEUE, PST_NID_SEARCH_DOMAIN_OBJECT,
                                     0xE41, 0xEC1, 0xF21};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
        if (pst_ndb_add_node(n, empty[i], 0, 0, 0, err) < 0)
            return -1;
    /* Undocumented nodes, with the contents Outlook gives them in an empty store. */
    if (write_rooted_bth(n, 0xC01, 0x9C, NULL, 0, 16, err) < 0)
        return -1;
    static const uint8_t e01[52] = {0x01, 0, 0, 0, 0x04, 0, 0x20, 0, 0,    0, 0, 0, 0x03,
                                    0,    0, 0, 0, 0,    0, 0,    0x10, 0, 0, 0, 0, 0,
                                    0,    0, 0xB3, 0x48, 0, 0,    0,    0, 0, 0, 0, 0,
                                    0,    0, 0, 0, 0,    0, 0,    0,    0, 0, 0xE2, 0x01, 0, 0};
    if (write_rooted_bth(n, 0xE01, 0xCC, e01, sizeof e01, 4, err) < 0)
        return -1;
    /* 0xEE1: one 28-byte record per store object and standard folder. */
    const uint32_t objs[5] = {PST_NID_MESSAGE_STORE, s->ipm_subtree, s->search_root,
                              s->deleted_items, s->common_views};
    uint8_t ee1[140];
    memset(ee1, 0, sizeof ee1);
    for (int i = 0; i < 5; i++) {
        pst_put32(ee1 + 28 * i, objs[i]);
        ee1[28 * i + 18] = 0x04;
        ee1[28 * i + 21] = i == 4 ? 0x02 : 0x01;
    }
    if (write_raw_node(n, 0xEE1, ee1, sizeof ee1, err) < 0)
        return -1;
    /* 0xF01: two instance GUIDs and the creation time. */
    uint8_t f01[104];
    memset(f01, 0, sizeof f01);
    f01[0] = 0x08;
    f01[0x1D] = 0x01;
    f01[0x1E] = 0x01;
    memcpy(f01 + 0x28, s->instance, 32);
    f01[0x48] = 0x6A;
    f01[0x4C] = 0x02;
    pst_put64(f01 + 0x50, s->filetime);
    f01[0x5C] = 0x05;
    f01[0x60] = 0x05;
    return write_raw_node(n, 0xF01, f01, sizeof f01, err);
}
