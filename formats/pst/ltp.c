/* ltp: heap-on-node, BTree-on-heap, property and table contexts, write side (see ltp.h).
 *
 * Everything is assembled in memory per node and written through the NDB layer in one go, so
 * HIDs are known when items are allocated and can be patched in later. */
#include "pst/ltp.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

size_t pst_fixed_size(uint16_t type)
{
    switch (type) {
    case PST_PT_BOOLEAN:
        return 1;
    case PST_PT_I16:
        return 2;
    case PST_PT_I32:
    case PST_PT_FLOAT:
    case PST_PT_ERROR:
        return 4;
    case PST_PT_DOUBLE:
    case PST_PT_CURRENCY:
    case PST_PT_APPTIME:
    case PST_PT_I64:
    case PST_PT_SYSTIME:
        return 8;
    default:
        return 0;
    }
}

/* ---- heap-on-node ---------------------------------------------------------------------- */

#define HN_PAGE_MAX PST_BLOCK_MAX_DATA
#define HN_MAX_ITEMS 2047u /* 11-bit item index */

struct hpage {
    uint8_t data[HN_PAGE_MAX];
    uint16_t *offs; /* start of item i; offs[count] = end of the last item */
    size_t count;
    size_t cap;
};

struct pst_heap {
    uint8_t client_sig;
    uint32_t root;
    struct hpage **pages;
    size_t npages;
};

/* HNHDR on page 0, HNBITMAPHDR on pages 8, 136, 264, ..., HNPAGEHDR on the others. */
static size_t page_header_size(size_t index)
{
    if (index == 0)
        return 12;
    if (index >= 8 && (index - 8) % 128 == 0)
        return 66;
    return 2;
}

static struct hpage *new_page(struct pst_heap *h)
{
    struct hpage *p = xcalloc(1, sizeof *p);
    p->offs = xgrow(NULL, &p->cap, 1, sizeof *p->offs);
    p->offs[0] = (uint16_t)page_header_size(h->npages);
    h->pages = xrealloc(h->pages, (h->npages + 1) * sizeof *h->pages);
    h->pages[h->npages++] = p;
    return p;
}

struct pst_heap *pst_heap_new(uint8_t client_sig)
{
    struct pst_heap *h = xcalloc(1, sizeof *h);
    h->client_sig = client_sig;
    new_page(h);
    return h;
}

/* Where the page map goes and the page's total size with `count` items ending at `end`. */
static size_t page_map_at(size_t end)
{
    return (end + 1) & ~(size_t)1;
}

static size_t page_size(size_t end, size_t count)
{
    return page_map_at(end) + 4 + 2 * (count + 1);
}

uint32_t pst_heap_alloc(struct pst_heap *h, const void *data, size_t len)
{
    if (len == 0 || len > PST_HEAP_MAX_ITEM)
        abort(); /* a programming error in the layers above */
    struct hpage *p = h->pages[h->npages - 1];
    size_t end = p->offs[p->count];
    if (p->count + 1 > HN_MAX_ITEMS || page_size(end + len, p->count + 1) > HN_PAGE_MAX) {
        p = new_page(h);
        end = p->offs[0];
    }
    if (data)
        memcpy(p->data + end, data, len);
    p->offs = xgrow(p->offs, &p->cap, p->count + 2, sizeof *p->offs);
    p->count++;
    p->offs[p->count] = (uint16_t)(end + len);
    return (uint32_t)(((h->npages - 1) << 16) | (p->count << 5));
}

uint8_t *pst_heap_item(struct pst_heap *h, uint32_t hid, size_t *len)
{
    size_t pi = hid >> 16, ii = (hid >> 5) & 0x7FF;
    if ((hid & 0x1F) || pi >= h->npages || ii == 0 || ii > h->pages[pi]->count)
        return NULL;
    struct hpage *p = h->pages[pi];
    if (len)
        *len = (size_t)(p->offs[ii] - p->offs[ii - 1]);
    return p->data + p->offs[ii - 1];
}

void pst_heap_set_root(struct pst_heap *h, uint32_t hid)
{
    h->root = hid;
}

/* [MS-PST] 2.3.1.5 fill levels: how much room a page has left, as a 4-bit class. */
static uint8_t fill_level(size_t free_bytes)
{
    static const size_t limits[] = {3584, 2560, 2048, 1792, 1536, 1280, 1024, 768,
                                    512,  256,  128,  64,   32,   16,   8};
    for (uint8_t i = 0; i < 15; i++)
        if (free_bytes >= limits[i])
            return i;
    return 15;
}

static void put_fill_levels(const struct pst_heap *h, const size_t *sizes, size_t first,
                            size_t count, uint8_t *out)
{
    for (size_t i = 0; i < count; i++) {
        size_t pi = first + i;
        uint8_t lvl = pi < h->npages ? fill_level(HN_PAGE_MAX - sizes[pi]) : 0;
        out[i / 2] |= (uint8_t)(i % 2 ? lvl << 4 : lvl);
    }
}

/* Bytes page `i` of `h` takes in its block: every page but the last is a full 8176-byte block,
 * its spare bytes after the page map zero, as Outlook lays out a heap (doc/PST.md 2.1); readers
 * that address the node as one stream (pstsdk) find page i at i * 8176. */
static size_t stored_size(const struct pst_heap *h, size_t i, size_t used)
{
    return i + 1 < h->npages ? HN_PAGE_MAX : used;
}

size_t pst_heap_serialize(const struct pst_heap *h, struct buf **pages)
{
    size_t *sizes = xcalloc(h->npages, sizeof *sizes); /* used bytes, for the fill levels */
    for (size_t i = 0; i < h->npages; i++)
        sizes[i] = page_size(h->pages[i]->offs[h->pages[i]->count], h->pages[i]->count);
    struct buf *out = xcalloc(h->npages, sizeof *out);
    for (size_t i = 0; i < h->npages; i++) {
        const struct hpage *p = h->pages[i];
        size_t end = p->offs[p->count], pm = page_map_at(end);
        size_t stored = stored_size(h, i, sizes[i]);
        uint8_t *b = xcalloc(1, stored);
        memcpy(b, p->data, end);
        pst_put16(b, (uint16_t)pm);
        if (i == 0) {
            b[2] = 0xEC;
            b[3] = h->client_sig;
            pst_put32(b + 4, h->root);
            memset(b + 8, 0, 4);
            put_fill_levels(h, sizes, 0, 8, b + 8);
        } else if (page_header_size(i) == 66) {
            memset(b + 2, 0, 64);
            put_fill_levels(h, sizes, i, 128, b + 2);
        }
        pst_put16(b + pm, (uint16_t)p->count);
        pst_put16(b + pm + 2, 0); /* cFree */
        for (size_t j = 0; j <= p->count; j++)
            pst_put16(b + pm + 4 + 2 * j, p->offs[j]);
        buf_append(&out[i], b, stored);
        free(b);
    }
    free(sizes);
    *pages = out;
    return h->npages;
}

/* Total bytes of the serialized pages, as stored (non-last pages full). */
static uint64_t heap_size(const struct pst_heap *h)
{
    uint64_t total = 0;
    for (size_t i = 0; i < h->npages; i++)
        total += stored_size(h, i, page_size(h->pages[i]->offs[h->pages[i]->count],
                                             h->pages[i]->count));
    return total;
}

static void heap_pages_free(struct buf *pages, size_t count)
{
    if (!pages)
        return;
    for (size_t i = 0; i < count; i++)
        buf_free(&pages[i]);
    free(pages);
}

int pst_heap_write(const struct pst_heap *h, struct pst_ndb *n, uint64_t *bid, uint64_t *bytes,
                   struct error *err)
{
    struct buf *pages;
    size_t count = pst_heap_serialize(h, &pages);
    struct pst_span *spans = xcalloc(count, sizeof *spans);
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        spans[i].data = (const uint8_t *)pages[i].data;
        spans[i].len = pages[i].len;
        total += pages[i].len;
    }
    int rc = pst_ndb_write_pages(n, spans, count, bid, err);
    free(spans);
    heap_pages_free(pages, count);
    if (bytes)
        *bytes = total;
    return rc;
}

void pst_heap_free(struct pst_heap *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->npages; i++) {
        free(h->pages[i]->offs);
        free(h->pages[i]);
    }
    free(h->pages);
    free(h);
}

/* ---- BTree-on-heap --------------------------------------------------------------------- */

uint32_t pst_bth_new(struct pst_heap *h, uint8_t cb_key, uint8_t cb_ent)
{
    uint8_t hdr[8] = {PST_HN_SIG_BTH, cb_key, cb_ent, 0, 0, 0, 0, 0};
    return pst_heap_alloc(h, hdr, sizeof hdr);
}

void pst_bth_fill(struct pst_heap *h, uint32_t bth, const uint8_t *recs, size_t count)
{
    uint8_t *hdr = pst_heap_item(h, bth, NULL);
    size_t cb_key = hdr[1], rec = cb_key + hdr[2];
    if (count == 0) {
        hdr[3] = 0;
        pst_put32(hdr + 4, 0);
        return;
    }
    /* Leaves, then index levels of (first key, HID) until one node remains. */
    size_t per = PST_HEAP_MAX_ITEM / rec;
    size_t nodes = (count + per - 1) / per;
    uint8_t *keys = xcalloc(nodes, cb_key + 4);
    for (size_t i = 0; i < nodes; i++) {
        size_t first = i * per, c = count - first < per ? count - first : per;
        uint32_t hid = pst_heap_alloc(h, recs + first * rec, c * rec);
        memcpy(keys + i * (cb_key + 4), recs + first * rec, cb_key);
        pst_put32(keys + i * (cb_key + 4) + cb_key, hid);
    }
    unsigned levels = 0;
    uint32_t root = pst_get32(keys + cb_key);
    while (nodes > 1) {
        levels++;
        size_t irec = cb_key + 4, iper = PST_HEAP_MAX_ITEM / irec;
        size_t up = (nodes + iper - 1) / iper;
        uint8_t *ukeys = xcalloc(up, irec);
        for (size_t i = 0; i < up; i++) {
            size_t first = i * iper, c = nodes - first < iper ? nodes - first : iper;
            uint32_t hid = pst_heap_alloc(h, keys + first * irec, c * irec);
            memcpy(ukeys + i * irec, keys + first * irec, cb_key);
            pst_put32(ukeys + i * irec + cb_key, hid);
        }
        free(keys);
        keys = ukeys;
        nodes = up;
        root = pst_get32(keys + cb_key);
    }
    free(keys);
    hdr = pst_heap_item(h, bth, NULL); /* the heap may have moved nothing, but be safe */
    hdr[3] = (uint8_t)levels;
    pst_put32(hdr + 4, root);
}

/* ---- values that do not fit inline ----------------------------------------------------- */

/* HNID for a variable-size value: 0 when empty, a HID when it fits in the heap, otherwise the
 * NID of a new subnode holding the bytes. */
static int store_value(struct pst_heap *h, struct pst_ndb *n, struct pst_sublist *subs,
                       const struct pst_value *v, uint32_t *hnid, uint64_t *bytes,
                       struct error *err)
{
    size_t len = v->len;
    if (len == 0) {
        *hnid = 0;
        return 0;
    }
    if (len <= PST_HEAP_MAX_ITEM && !v->bid) {
        *hnid = pst_heap_alloc(h, v->data, len);
        return 0;
    }
    uint64_t bid = v->bid;
    if (!bid && pst_ndb_write_data(n, v->data, len, &bid, err) < 0)
        return -1;
    uint32_t nid = pst_sublist_new_nid(subs);
    pst_sublist_add(subs, nid, bid, 0);
    *hnid = nid;
    if (bytes)
        *bytes += len;
    return 0;
}

/* ---- property context ------------------------------------------------------------------ */

/* Finds the PC record of `id` in the BTH (any depth) and sets its inline value. */
static void patch_pc_value(struct pst_heap *h, uint32_t bth, uint32_t id, uint32_t value)
{
    uint8_t *hdr = pst_heap_item(h, bth, NULL);
    unsigned levels = hdr[3];
    uint32_t hid = pst_get32(hdr + 4);
    while (hid) {
        size_t len;
        uint8_t *node = pst_heap_item(h, hid, &len);
        if (levels == 0) {
            for (size_t i = 0; i + 8 <= len; i += 8)
                if (pst_get16(node + i) == id)
                    pst_put32(node + i + 4, value);
            return;
        }
        uint32_t next = pst_get32(node + 2);
        for (size_t i = 0; i + 6 <= len; i += 6)
            if (pst_get16(node + i) <= id)
                next = pst_get32(node + i + 2);
        hid = next;
        levels--;
    }
}

static int cmp_value_id(const void *a, const void *b)
{
    uint32_t x = ((const struct pst_value *)a)->tag >> 16, y = ((const struct pst_value *)b)->tag >> 16;
    return x < y ? -1 : x > y;
}

int pst_pc_write(struct pst_ndb *n, const struct pst_value *props, size_t count,
                 struct pst_sublist *subs, uint64_t *bid, struct pst_pc_size *size,
                 struct error *err)
{
    struct pst_value *v = xcalloc(count ? count : 1, sizeof *v);
    if (count)
        memcpy(v, props, count * sizeof *v);
    qsort(v, count, sizeof *v, cmp_value_id);
    for (size_t i = 1; i < count; i++)
        if ((v[i].tag >> 16) == (v[i - 1].tag >> 16)) {
            error_set(err, "property %#06x given twice", v[i].tag >> 16);
            free(v);
            return -1;
        }
    struct pst_heap *h = pst_heap_new(PST_HN_SIG_PC);
    uint32_t bth = pst_bth_new(h, 2, 6); /* HID 0x20, as Outlook lays it out */
    pst_heap_set_root(h, bth);
    uint8_t *recs = xcalloc(count ? count : 1, 8);
    uint64_t extra = 0;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        uint16_t type = (uint16_t)v[i].tag;
        uint8_t *r = recs + 8 * i;
        pst_put16(r, (uint16_t)(v[i].tag >> 16));
        pst_put16(r + 2, type);
        size_t fixed = pst_fixed_size(type);
        if (fixed && fixed <= 4) {
            memcpy(r + 4, v[i].data, v[i].len < fixed ? v[i].len : fixed);
        } else if (fixed && v[i].len != fixed) {
            error_set(err, "property %#010x has %zu bytes, not %zu", v[i].tag, v[i].len, fixed);
            rc = -1;
        } else {
            uint32_t hnid;
            rc = store_value(h, n, subs, &v[i], &hnid, &extra, err);
            pst_put32(r + 4, hnid);
        }
    }
    if (rc == 0) {
        uint8_t *size_rec = NULL;
        if (size && size->prop_id)
            for (size_t i = 0; i < count; i++)
                if (pst_get16(recs + 8 * i) == size->prop_id)
                    size_rec = recs + 8 * i;
        pst_bth_fill(h, bth, recs, count);
        if (size && size->prop_id) {
            /* The records were copied into the heap: patch the copy (an inline Int32). */
            size->result = size->base + heap_size(h) + extra;
            if (!size_rec) {
                error_set(err, "size property %#06x missing", size->prop_id);
                rc = -1;
            } else {
                uint32_t key = pst_get16(size_rec);
                patch_pc_value(h, bth, key, (uint32_t)size->result);
            }
        }
        if (rc == 0)
            rc = pst_heap_write(h, n, bid, NULL, err);
    }
    free(recs);
    free(v);
    pst_heap_free(h);
    return rc;
}

/* ---- table context --------------------------------------------------------------------- */

struct tc_col {
    uint32_t tag;
    uint16_t ib;
    uint8_t cb;
    uint8_t ibit;
};

struct tc_var {
    size_t row;
    size_t col;
    uint8_t *data;
    size_t len;
};

struct pst_tc {
    struct tc_col *cols;
    size_t ncols;
    uint16_t rgib[4]; /* TCI_4b, TCI_2b, TCI_1b, TCI_bm (= row size) */
    uint8_t *rows;    /* row_size bytes per row; variable cells filled at write time */
    size_t nrows, caprows;
    uint32_t *row_ids;
    size_t cap_ids;
    struct tc_var *vars;
    size_t nvars, capvars;
    /* Running totals of the variable cells for pst_tc_size_bound: bytes of those that fit a
     * heap item (with their page-map entries), stored bytes of the larger ones' subnodes. */
    uint64_t var_items, var_trees;
    size_t nvar_trees;
};

/* Blocks of a data tree of `len` bytes as stored: each leaf with its trailer, 64-aligned, and
 * the XBLOCK above several. */
static uint64_t tree_bytes(uint64_t len)
{
    uint64_t blocks = (len + PST_BLOCK_MAX_DATA - 1) / PST_BLOCK_MAX_DATA;
    return blocks * 8192 + (blocks > 1 ? 8192 : 0);
}

static size_t cell_size(uint32_t tag)
{
    size_t s = pst_fixed_size((uint16_t)tag);
    return s ? s : 4; /* everything else is an HNID */
}

struct pst_tc *pst_tc_new(const uint32_t *tags, size_t ncols)
{
    struct pst_tc *t = xcalloc(1, sizeof *t);
    t->cols = xcalloc(ncols + 2, sizeof *t->cols);
    t->cols[t->ncols++].tag = PST_TAG_ROW_ID;
    t->cols[t->ncols++].tag = PST_TAG_ROW_VER;
    for (size_t i = 0; i < ncols; i++)
        if (tags[i] != PST_TAG_ROW_ID && tags[i] != PST_TAG_ROW_VER)
            t->cols[t->ncols++].tag = tags[i];
    /* 8- and 4-byte cells in column order, then 2-byte, then 1-byte, then the bitmap. */
    size_t off = 0;
    static const size_t groups[3][2] = {{4, 8}, {2, 2}, {1, 1}};
    for (int g = 0; g < 3; g++) {
        for (size_t i = 0; i < t->ncols; i++) {
            size_t s = cell_size(t->cols[i].tag);
            if (s >= groups[g][0] && s <= groups[g][1]) {
                t->cols[i].ib = (uint16_t)off;
                t->cols[i].cb = (uint8_t)s;
                off += s;
            }
        }
        t->rgib[g] = (uint16_t)off;
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->cols[i].ibit = (uint8_t)i;
    t->rgib[3] = (uint16_t)(off + (t->ncols + 7) / 8);
    return t;
}

void pst_tc_add_row(struct pst_tc *t, uint32_t row_id, uint32_t row_ver,
                    const struct pst_value *cells, size_t count)
{
    size_t rs = t->rgib[3];
    t->rows = xgrow(t->rows, &t->caprows, (t->nrows + 1) * rs, 1);
    t->row_ids = xgrow(t->row_ids, &t->cap_ids, t->nrows + 1, sizeof *t->row_ids);
    uint8_t *r = t->rows + t->nrows * rs;
    uint8_t *ceb = r + t->rgib[2];
    memset(r, 0, rs);
    pst_put32(r + t->cols[0].ib, row_id);
    pst_put32(r + t->cols[1].ib, row_ver);
    ceb[0] |= 0xC0;
    for (size_t i = 0; i < count; i++) {
        for (size_t c = 2; c < t->ncols; c++) {
            if (t->cols[c].tag != cells[i].tag)
                continue;
            if (pst_fixed_size((uint16_t)cells[i].tag)) {
                size_t len = cells[i].len < t->cols[c].cb ? cells[i].len : t->cols[c].cb;
                memcpy(r + t->cols[c].ib, cells[i].data, len);
            } else {
                t->vars = xgrow(t->vars, &t->capvars, t->nvars + 1, sizeof *t->vars);
                struct tc_var *v = &t->vars[t->nvars++];
                v->row = t->nrows;
                v->col = c;
                v->len = cells[i].len;
                v->data = cells[i].len ? xmalloc(cells[i].len) : NULL;
                if (cells[i].len)
                    memcpy(v->data, cells[i].data, cells[i].len);
                if (v->len > PST_HEAP_MAX_ITEM) {
                    t->var_trees += tree_bytes(v->len);
                    t->nvar_trees++;
                } else {
                    t->var_items += v->len + 2;
                }
            }
            ceb[t->cols[c].ibit / 8] |= (uint8_t)(0x80u >> (t->cols[c].ibit % 8));
            break;
        }
    }
    t->row_ids[t->nrows++] = row_id;
}

size_t pst_tc_row_count(const struct pst_tc *t)
{
    return t->nrows;
}

uint64_t pst_tc_size_bound(const struct pst_tc *t)
{
    /* Heap items: TCINFO, the row-index records (at most 3580 bytes an item, each with its
     * page-map entry), the variable cells that fit an item. Every heap block but the last is
     * full; it leaves at most an item's worth (3580 bytes) unused, so it holds at least
     * 8176 - 12 - 3580 - its page map of used bytes: twice the items plus a block is more than
     * the heap takes. Cells over 3580 bytes and the row matrix are subnodes of their own. The
     * cells are counted as rows are added, so this is quick enough to ask after every row. */
    uint64_t items = 22 + 8 * (uint64_t)t->ncols + 8 * (uint64_t)t->nrows + 64 + t->var_items;
    uint64_t subnodes = t->var_trees, nsub = t->nvar_trees;
    uint64_t matrix = (uint64_t)t->nrows * t->rgib[3];
    if (matrix > PST_HEAP_MAX_ITEM) {
        size_t per = PST_BLOCK_MAX_DATA / t->rgib[3];
        subnodes += tree_bytes(((uint64_t)t->nrows + per - 1) / per * PST_BLOCK_MAX_DATA);
        nsub++;
    } else {
        items += matrix + 2;
    }
    /* The subnode tree: 24 bytes an entry in SLBLOCKs of 340, an SIBLOCK above them. */
    uint64_t sl = (nsub + PST_SLBLOCK_MAX - 1) / PST_SLBLOCK_MAX;
    return 2 * items + 8192 + subnodes + sl * 8192 + (sl > 1 ? 8192 : 0);
}

struct id_index {
    uint32_t id;
    uint32_t index;
};

static int cmp_id_index(const void *a, const void *b)
{
    uint32_t x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_col_tag(const void *a, const void *b)
{
    uint32_t x = ((const struct tc_col *)a)->tag, y = ((const struct tc_col *)b)->tag;
    return x < y ? -1 : x > y;
}

int pst_tc_write(const struct pst_tc *t, struct pst_ndb *n, uint64_t *bid_data, uint64_t *bid_sub,
                 struct error *err)
{
    struct pst_heap *h = pst_heap_new(PST_HN_SIG_TC);
    struct pst_sublist subs = {0};
    size_t rs = t->rgib[3];
    int rc = 0;
    uint32_t row_index = pst_bth_new(h, 4, 4); /* HID 0x20 */
    uint32_t info = pst_heap_alloc(h, NULL, 22 + 8 * t->ncols);
    pst_heap_set_root(h, info);

    /* Variable cells into the heap (or subnodes), patched into a copy of the rows. */
    uint8_t *rows = xmalloc(t->nrows * rs + 1);
    if (t->nrows)
        memcpy(rows, t->rows, t->nrows * rs);
    for (size_t i = 0; i < t->nvars && rc == 0; i++) {
        const struct tc_var *v = &t->vars[i];
        uint32_t hnid;
        const struct pst_value cell = {0, v->data, v->len, 0};
        rc = store_value(h, n, &subs, &cell, &hnid, NULL, err);
        pst_put32(rows + v->row * rs + t->cols[v->col].ib, hnid);
    }

    /* Row index: row ID -> position in the row matrix, sorted by row ID. */
    struct id_index *idx = xcalloc(t->nrows ? t->nrows : 1, sizeof *idx);
    for (size_t i = 0; i < t->nrows; i++)
        idx[i] = (struct id_index){t->row_ids[i], (uint32_t)i};
    qsort(idx, t->nrows, sizeof *idx, cmp_id_index);
    uint8_t *recs = xcalloc(t->nrows ? t->nrows : 1, 8);
    for (size_t i = 0; i < t->nrows; i++) {
        if (i > 0 && idx[i].id == idx[i - 1].id && rc == 0) {
            error_set(err, "table row %#x appears twice", idx[i].id);
            rc = -1;
        }
        pst_put32(recs + 8 * i, idx[i].id);
        pst_put32(recs + 8 * i + 4, idx[i].index);
    }
    if (rc == 0)
        pst_bth_fill(h, row_index, recs, t->nrows);
    free(recs);
    free(idx);

    /* Row matrix: a heap item when it fits, else a subnode of whole rows per block with every
     * block but the last padded to 8176 bytes. */
    uint32_t hnid_rows = 0;
    size_t total = t->nrows * rs;
    if (rc == 0 && total > 0 && total <= PST_HEAP_MAX_ITEM) {
        hnid_rows = pst_heap_alloc(h, rows, total);
    } else if (rc == 0 && total > 0) {
        size_t per = PST_BLOCK_MAX_DATA / rs;
        size_t nblocks = (t->nrows + per - 1) / per;
        uint8_t *padded = xcalloc(nblocks, PST_BLOCK_MAX_DATA);
        struct pst_span *spans = xcalloc(nblocks, sizeof *spans);
        for (size_t b = 0; b < nblocks; b++) {
            size_t first = b * per, c = t->nrows - first < per ? t->nrows - first : per;
            memcpy(padded + b * PST_BLOCK_MAX_DATA, rows + first * rs, c * rs);
            spans[b].data = padded + b * PST_BLOCK_MAX_DATA;
            spans[b].len = b + 1 < nblocks ? PST_BLOCK_MAX_DATA : c * rs;
        }
        uint64_t bid;
        rc = pst_ndb_write_pages(n, spans, nblocks, &bid, err);
        if (rc == 0) {
            hnid_rows = pst_sublist_new_nid(&subs);
            pst_sublist_add(&subs, hnid_rows, bid, 0);
        }
        free(spans);
        free(padded);
    }
    free(rows);

    if (rc == 0) {
        uint8_t *ti = pst_heap_item(h, info, NULL);
        ti[0] = PST_HN_SIG_TC;
        ti[1] = (uint8_t)t->ncols;
        for (int i = 0; i < 4; i++)
            pst_put16(ti + 2 + 2 * i, t->rgib[i]);
        pst_put32(ti + 10, row_index);
        pst_put32(ti + 14, hnid_rows);
        pst_put32(ti + 18, 0); /* hidIndex: deprecated */
        struct tc_col *sorted = xcalloc(t->ncols, sizeof *sorted);
        memcpy(sorted, t->cols, t->ncols * sizeof *sorted);
        qsort(sorted, t->ncols, sizeof *sorted, cmp_col_tag); /* Outlook sorts TCOLDESCs by tag */
        for (size_t i = 0; i < t->ncols; i++) {
            uint8_t *d = ti + 22 + 8 * i;
            pst_put32(d, sorted[i].tag);
            pst_put16(d + 4, sorted[i].ib);
            d[6] = sorted[i].cb;
            d[7] = sorted[i].ibit;
        }
        free(sorted);
        rc = pst_heap_write(h, n, bid_data, NULL, err);
    }
    if (rc == 0)
        rc = pst_ndb_write_subnodes(n, subs.v, subs.count, bid_sub, err);
    pst_sublist_free(&subs);
    pst_heap_free(h);
    return rc;
}

void pst_tc_free(struct pst_tc *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nvars; i++)
        free(t->vars[i].data);
    free(t->vars);
    free(t->rows);
    free(t->row_ids);
    free(t->cols);
    free(t);
}
