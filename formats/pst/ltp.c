/* ltp: heap-on-node, BTree-on-heap, property and table contexts, write side (see ltp.h).
 *
 * A node is assembled in memory and written through the NDB layer in one go, so HIDs are known
 * when items are allocated and can be patched in later; a table context is the exception that
 * grows with its folder: its rows, cells and row index go to the file as they fill (its heap's
 * full pages by pst_heap_flush, its row matrix a block at a time), and only page 0 (TCINFO and
 * the BTH header), the pages still open and one block of rows stay in memory. */
#include "pst/ltp.h"

#include <stdbool.h>
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
    struct hpage **pages;  /* NULL for a page pst_heap_flush() has written */
    size_t npages;
    uint64_t *bids;        /* of the pages written, by page index */
    uint8_t *levels;       /* their fill levels, for page 0's and the bitmap pages' headers */
    size_t capbids, caplevels;
    size_t next_flush;     /* pages below it have been written or are held on purpose */
    size_t bitmap_held;    /* a bitmap page kept until its 128 pages are full, or 0 */
    size_t nwritten;       /* pages written by pst_heap_flush() */
    bool flushed;
};

static bool is_bitmap_page(size_t index)
{
    return index >= 8 && (index - 8) % 128 == 0;
}

/* HNHDR on page 0, HNBITMAPHDR on pages 8, 136, 264, ..., HNPAGEHDR on the others. */
static size_t page_header_size(size_t index)
{
    if (index == 0)
        return 12;
    if (is_bitmap_page(index))
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
    if ((hid & 0x1F) || pi >= h->npages || !h->pages[pi] || ii == 0 || ii > h->pages[pi]->count)
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

/* Bytes page `i` uses: its items, its page map. */
static size_t used_size(const struct pst_heap *h, size_t i)
{
    const struct hpage *p = h->pages[i];
    return page_size(p->offs[p->count], p->count);
}

/* The fill level of page `i`: kept when the page was written, else from its contents. */
static uint8_t page_level(const struct pst_heap *h, size_t i)
{
    if (i >= h->npages)
        return 0;
    return h->pages[i] ? fill_level(HN_PAGE_MAX - used_size(h, i)) : h->levels[i];
}

static void put_fill_levels(const struct pst_heap *h, size_t first, size_t count, uint8_t *out)
{
    for (size_t i = 0; i < count; i++) {
        uint8_t lvl = page_level(h, first + i);
        out[i / 2] |= (uint8_t)(i % 2 ? lvl << 4 : lvl);
    }
}

/* Bytes page `i` of `h` takes in its block: every page but the last is a full 8176-byte block,
 * its spare bytes after the page map zero, as Outlook lays out a heap (doc/PST.md 2.1); readers
 * that address the node as one stream (pstsdk) find page i at i * 8176. */
static size_t stored_size(const struct pst_heap *h, size_t i)
{
    return i + 1 < h->npages ? HN_PAGE_MAX : used_size(h, i);
}

/* Page `i` as it is stored, into `out` (empty). */
static void serialize_page(const struct pst_heap *h, size_t i, struct buf *out)
{
    const struct hpage *p = h->pages[i];
    size_t end = p->offs[p->count], pm = page_map_at(end);
    size_t stored = stored_size(h, i);
    uint8_t *b = xcalloc(1, stored);
    memcpy(b, p->data, end);
    pst_put16(b, (uint16_t)pm);
    if (i == 0) {
        b[2] = 0xEC;
        b[3] = h->client_sig;
        pst_put32(b + 4, h->root);
        memset(b + 8, 0, 4);
        put_fill_levels(h, 0, 8, b + 8);
    } else if (is_bitmap_page(i)) {
        memset(b + 2, 0, 64);
        put_fill_levels(h, i, 128, b + 2);
    }
    pst_put16(b + pm, (uint16_t)p->count);
    pst_put16(b + pm + 2, 0); /* cFree */
    for (size_t j = 0; j <= p->count; j++)
        pst_put16(b + pm + 4 + 2 * j, p->offs[j]);
    buf_append(out, b, stored);
    free(b);
}

size_t pst_heap_serialize(const struct pst_heap *h, struct buf **pages)
{
    struct buf *out = xcalloc(h->npages, sizeof *out);
    for (size_t i = 0; i < h->npages; i++)
        serialize_page(h, i, &out[i]);
    *pages = out;
    return h->npages;
}

/* Total bytes of the serialized pages, as stored (non-last pages full; the last is never
 * written before the heap). */
static uint64_t heap_size(const struct pst_heap *h)
{
    return (uint64_t)(h->npages - 1) * HN_PAGE_MAX + used_size(h, h->npages - 1);
}

static void heap_pages_free(struct buf *pages, size_t count)
{
    if (!pages)
        return;
    for (size_t i = 0; i < count; i++)
        buf_free(&pages[i]);
    free(pages);
}

/* Writes page `i` as a block of its own, keeps its BID and fill level, and lets it go. */
static int write_one_page(struct pst_heap *h, struct pst_ndb *n, size_t i, struct error *err)
{
    struct buf b = BUF_INIT;
    serialize_page(h, i, &b);
    h->bids = xgrow(h->bids, &h->capbids, h->npages, sizeof *h->bids);
    h->levels = xgrow(h->levels, &h->caplevels, h->npages, 1);
    h->levels[i] = page_level(h, i);
    struct pst_span span = {(const uint8_t *)b.data, b.len};
    int rc = pst_ndb_write_pages(n, &span, 1, &h->bids[i], err);
    buf_free(&b);
    free(h->pages[i]->offs);
    free(h->pages[i]);
    h->pages[i] = NULL;
    h->nwritten++;
    h->flushed = true;
    return rc;
}

int pst_heap_flush(struct pst_heap *h, struct pst_ndb *n, struct error *err)
{
    for (; h->next_flush + 1 < h->npages; h->next_flush++) {
        size_t i = h->next_flush;
        if (i == 0)
            continue;
        if (is_bitmap_page(i)) {
            h->bitmap_held = i;
            continue;
        }
        if (write_one_page(h, n, i, err) < 0)
            return -1;
    }
    /* A bitmap page is done once the last page it describes is full. */
    if (h->bitmap_held && h->bitmap_held + 128 < h->npages) {
        size_t i = h->bitmap_held;
        h->bitmap_held = 0;
        return write_one_page(h, n, i, err);
    }
    return 0;
}

int pst_heap_write(struct pst_heap *h, struct pst_ndb *n, uint64_t *bid, uint64_t *bytes,
                   struct error *err)
{
    if (bytes)
        *bytes = heap_size(h);
    if (h->flushed) {
        /* The pages still held go to the file now, page 0 last (its header describes the
         * others), then the tree over all of them in page order. */
        size_t last_len = used_size(h, h->npages - 1);
        for (size_t i = h->npages; i-- > 0;)
            if (h->pages[i] && write_one_page(h, n, i, err) < 0)
                return -1;
        return pst_ndb_write_tree(n, h->bids, h->npages, last_len, bid, err);
    }
    struct buf *pages;
    size_t count = pst_heap_serialize(h, &pages);
    struct pst_span *spans = xcalloc(count, sizeof *spans);
    for (size_t i = 0; i < count; i++) {
        spans[i].data = (const uint8_t *)pages[i].data;
        spans[i].len = pages[i].len;
    }
    int rc = pst_ndb_write_pages(n, spans, count, bid, err);
    free(spans);
    heap_pages_free(pages, count);
    return rc;
}

void pst_heap_free(struct pst_heap *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->npages; i++)
        if (h->pages[i]) {
            free(h->pages[i]->offs);
            free(h->pages[i]);
        }
    free(h->pages);
    free(h->bids);
    free(h->levels);
    free(h);
}

/* ---- BTree-on-heap --------------------------------------------------------------------- */

uint32_t pst_bth_new(struct pst_heap *h, uint8_t cb_key, uint8_t cb_ent)
{
    uint8_t hdr[8] = {PST_HN_SIG_BTH, cb_key, cb_ent, 0, 0, 0, 0, 0};
    return pst_heap_alloc(h, hdr, sizeof hdr);
}

/* A BTH filled with records in key order, one heap item at a time: each level keeps the item
 * being filled; a full one goes into the heap and its first key and HID become a record of the
 * level above ([MS-PST] 2.3.2.2, 2.3.2.3). */
#define BTH_MAX_LEVELS 8 /* 447^8 records: far more than a heap holds */

struct bth_level {
    uint8_t *item; /* PST_HEAP_MAX_ITEM bytes, allocated when the level is first used */
    size_t len;
    size_t emitted;
};

struct bth_build {
    uint32_t bth;
    size_t cb_key, cb_ent;
    unsigned nlevels;
    uint64_t count;
    struct bth_level lv[BTH_MAX_LEVELS];
};

static void bth_build_init(struct bth_build *b, const struct pst_heap *h, uint32_t bth)
{
    const uint8_t *hdr = pst_heap_item((struct pst_heap *)h, bth, NULL);
    memset(b, 0, sizeof *b);
    b->bth = bth;
    b->cb_key = hdr[1];
    b->cb_ent = hdr[2];
}

static void bth_add_at(struct pst_heap *h, struct bth_build *b, unsigned level,
                       const uint8_t *rec);

/* Puts the item being filled at `level` into the heap and enters it one level up. */
static void bth_close(struct pst_heap *h, struct bth_build *b, unsigned level)
{
    struct bth_level *l = &b->lv[level];
    uint32_t hid = pst_heap_alloc(h, l->item, l->len);
    uint8_t rec[16 + 4];
    memcpy(rec, l->item, b->cb_key);
    pst_put32(rec + b->cb_key, hid);
    l->len = 0;
    l->emitted++;
    bth_add_at(h, b, level + 1, rec);
}

static void bth_add_at(struct pst_heap *h, struct bth_build *b, unsigned level, const uint8_t *rec)
{
    if (level >= BTH_MAX_LEVELS)
        abort(); /* 447^8 records: not reachable through a heap of 2^16 pages */
    size_t size = b->cb_key + (level ? 4 : b->cb_ent);
    struct bth_level *l = &b->lv[level];
    if (!l->item)
        l->item = xmalloc(PST_HEAP_MAX_ITEM);
    if (level >= b->nlevels)
        b->nlevels = level + 1;
    if (l->len + size > PST_HEAP_MAX_ITEM / size * size)
        bth_close(h, b, level);
    memcpy(l->item + l->len, rec, size);
    l->len += size;
}

/* Adds one record (cb_key + cb_ent bytes); keys must increase. */
static void bth_add(struct pst_heap *h, struct bth_build *b, const uint8_t *rec)
{
    bth_add_at(h, b, 0, rec);
    b->count++;
}

/* Puts what is left into the heap and points the BTH header at the root. */
static void bth_finish(struct pst_heap *h, struct bth_build *b)
{
    uint32_t root = 0;
    unsigned level = 0;
    for (; b->count > 0; level++) {
        struct bth_level *l = &b->lv[level];
        if (level + 1 == b->nlevels && l->emitted == 0) {
            root = pst_heap_alloc(h, l->item, l->len);
            break;
        }
        if (l->len > 0)
            bth_close(h, b, level);
    }
    uint8_t *hdr = pst_heap_item(h, b->bth, NULL);
    hdr[3] = (uint8_t)level;
    pst_put32(hdr + 4, root);
}

static void bth_build_free(struct bth_build *b)
{
    for (unsigned i = 0; i < BTH_MAX_LEVELS; i++)
        free(b->lv[i].item);
}

void pst_bth_fill(struct pst_heap *h, uint32_t bth, const uint8_t *recs, size_t count)
{
    struct bth_build b;
    bth_build_init(&b, h, bth);
    for (size_t i = 0; i < count; i++)
        bth_add(h, &b, recs + i * (b.cb_key + b.cb_ent));
    bth_finish(h, &b);
    bth_build_free(&b);
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

/* Row-index records gathered before they go to the BTH: one leaf item's worth, sorted when
 * full, so that a small table may come in any row order and a large one in increasing order
 * from leaf to leaf (its rows are messages, whose NIDs increase). */
#define TC_PENDING_RECS (PST_HEAP_MAX_ITEM / 8u)

struct pst_tc {
    struct tc_col *cols;
    size_t ncols;
    uint16_t rgib[4]; /* TCI_4b, TCI_2b, TCI_1b, TCI_bm (= row size) */
    struct pst_heap *h;
    uint32_t info;    /* TCINFO's HID, on page 0 */
    struct bth_build index;
    uint8_t pending[TC_PENDING_RECS * 8];
    size_t npending;
    uint64_t nrows;
    uint32_t last_id;  /* the highest row ID gone to the BTH */
    bool indexed;      /* some record has gone to the BTH */
    uint8_t *block;    /* the rows not yet written: at most one block's */
    size_t block_rows;
    uint64_t *row_leaves; /* the row matrix's blocks written */
    size_t nrow_leaves, cap_row_leaves;
    struct pst_sublist subs;
    size_t big_cells;  /* variable cells over 3580 bytes, in subnodes */
};

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
    t->h = pst_heap_new(PST_HN_SIG_TC);
    uint32_t row_index = pst_bth_new(t->h, 4, 4); /* HID 0x20 */
    t->info = pst_heap_alloc(t->h, NULL, 22 + 8 * t->ncols);
    pst_heap_set_root(t->h, t->info);
    bth_build_init(&t->index, t->h, row_index);
    t->block = xcalloc(1, PST_BLOCK_MAX_DATA);
    return t;
}

static int cmp_rec_id(const void *a, const void *b)
{
    uint32_t x = pst_get32(a), y = pst_get32(b);
    return x < y ? -1 : x > y;
}

/* Sends the gathered row-index records to the BTH, sorted; a row ID seen twice, or one not
 * above those already sent, is refused. */
static int index_pending(struct pst_tc *t, struct error *err)
{
    qsort(t->pending, t->npending, 8, cmp_rec_id);
    for (size_t i = 0; i < t->npending; i++) {
        uint32_t id = pst_get32(t->pending + 8 * i);
        if (t->indexed && id == t->last_id) {
            error_set(err, "table row %#x appears twice", id);
            return -1;
        }
        if (t->indexed && id < t->last_id) {
            error_set(err, "table row %#x comes after 447 rows with higher row IDs", id);
            return -1;
        }
        bth_add(t->h, &t->index, t->pending + 8 * i);
        t->last_id = id;
        t->indexed = true;
    }
    t->npending = 0;
    return 0;
}

/* Writes the block of rows being filled, padded to a full 8176 bytes (not the last). */
static int write_row_block(struct pst_tc *t, struct pst_ndb *n, size_t len, struct error *err)
{
    t->row_leaves = xgrow(t->row_leaves, &t->cap_row_leaves, t->nrow_leaves + 1,
                          sizeof *t->row_leaves);
    struct pst_span span = {t->block, len};
    if (pst_ndb_write_pages(n, &span, 1, &t->row_leaves[t->nrow_leaves], err) < 0)
        return -1;
    t->nrow_leaves++;
    memset(t->block, 0, PST_BLOCK_MAX_DATA);
    t->block_rows = 0;
    return 0;
}

int pst_tc_add_row(struct pst_tc *t, struct pst_ndb *n, uint32_t row_id, uint32_t row_ver,
                   const struct pst_value *cells, size_t count, struct error *err)
{
    size_t rs = t->rgib[3], per = PST_BLOCK_MAX_DATA / rs;
    if (t->block_rows == per && write_row_block(t, n, PST_BLOCK_MAX_DATA, err) < 0)
        return -1;
    uint8_t *r = t->block + t->block_rows * rs;
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
                uint32_t hnid;
                const struct pst_value cell = {0, cells[i].data, cells[i].len, 0};
                if (store_value(t->h, n, &t->subs, &cell, &hnid, NULL, err) < 0)
                    return -1;
                pst_put32(r + t->cols[c].ib, hnid);
                t->big_cells += cells[i].len > PST_HEAP_MAX_ITEM;
            }
            ceb[t->cols[c].ibit / 8] |= (uint8_t)(0x80u >> (t->cols[c].ibit % 8));
            break;
        }
    }
    t->block_rows++;
    pst_put32(t->pending + 8 * t->npending, row_id);
    pst_put32(t->pending + 8 * t->npending + 4, (uint32_t)t->nrows);
    t->nrows++;
    if (++t->npending == TC_PENDING_RECS && index_pending(t, err) < 0)
        return -1;
    return pst_heap_flush(t->h, n, err);
}

size_t pst_tc_row_count(const struct pst_tc *t)
{
    return (size_t)t->nrows;
}

uint64_t pst_tc_size_bound(const struct pst_tc *t)
{
    /* What pst_tc_write() adds to the file: the heap's pages still in memory and those the
     * items still to come may open (the rest of the row index and its BTH levels, the row
     * matrix when it fits an item: a page each), the XBLOCKs over the heap's and the row
     * matrix's blocks, the last block of rows, the subnode tree (24 bytes an entry in
     * SLBLOCKs of 340, an SIBLOCK above them). Pages and blocks written before are in the
     * file already. */
    uint64_t pages = t->h->npages - t->h->nwritten + t->index.nlevels + 2;
    uint64_t xblocks = (t->h->npages + pages) / PST_XBLOCK_MAX + 2 +
                       t->nrow_leaves / PST_XBLOCK_MAX + 2;
    uint64_t nsub = t->big_cells + 1;
    uint64_t sl = (nsub + PST_SLBLOCK_MAX - 1) / PST_SLBLOCK_MAX;
    return (pages + xblocks + 1 + sl + (sl > 1)) * 8192;
}

static int cmp_col_tag(const void *a, const void *b)
{
    uint32_t x = ((const struct tc_col *)a)->tag, y = ((const struct tc_col *)b)->tag;
    return x < y ? -1 : x > y;
}

int pst_tc_write(struct pst_tc *t, struct pst_ndb *n, uint64_t *bid_data, uint64_t *bid_sub,
                 struct error *err)
{
    size_t rs = t->rgib[3];
    int rc = index_pending(t, err);
    if (rc == 0)
        bth_finish(t->h, &t->index);

    /* Row matrix: a heap item when it fits, else a subnode of whole rows per block with every
     * block but the last padded to 8176 bytes. */
    uint32_t hnid_rows = 0;
    size_t last = t->block_rows * rs;
    if (rc == 0 && t->nrow_leaves == 0 && last > 0 && last <= PST_HEAP_MAX_ITEM) {
        hnid_rows = pst_heap_alloc(t->h, t->block, last);
    } else if (rc == 0 && t->nrows > 0) {
        if (last > 0)
            rc = write_row_block(t, n, last, err);
        uint64_t bid;
        if (rc == 0)
            rc = pst_ndb_write_tree(n, t->row_leaves, t->nrow_leaves,
                                    last ? last : PST_BLOCK_MAX_DATA, &bid, err);
        if (rc == 0) {
            hnid_rows = pst_sublist_new_nid(&t->subs);
            pst_sublist_add(&t->subs, hnid_rows, bid, 0);
        }
    }

    if (rc == 0) {
        uint8_t *ti = pst_heap_item(t->h, t->info, NULL);
        ti[0] = PST_HN_SIG_TC;
        ti[1] = (uint8_t)t->ncols;
        for (int i = 0; i < 4; i++)
            pst_put16(ti + 2 + 2 * i, t->rgib[i]);
        pst_put32(ti + 10, t->index.bth);
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
        rc = pst_heap_write(t->h, n, bid_data, NULL, err);
    }
    if (rc == 0)
        rc = pst_ndb_write_subnodes(n, t->subs.v, t->subs.count, bid_sub, err);
    return rc;
}

void pst_tc_free(struct pst_tc *t)
{
    if (!t)
        return;
    pst_heap_free(t->h);
    bth_build_free(&t->index);
    pst_sublist_free(&t->subs);
    free(t->block);
    free(t->row_leaves);
    free(t->cols);
    free(t);
}
