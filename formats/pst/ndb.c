/* ndb: the node database layer of a Unicode PST, write side (see ndb.h).
 *
 * Everything is appended in one pass; the only writes behind the end of the file are the AMap
 * pages of intervals as they fill, and at commit the NBT pages held back for the graft, the
 * other map pages, the density list and the header. */
#include "pst/ndb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>

#include "util/platform.h"
#include "util/xalloc.h"

/* mpbbR: the first 256 bytes of mpbbCrypt ([MS-PST] 5.1), used to encode. */
static const uint8_t permute_r[256] = {
    0x41, 0x36, 0x13, 0x62, 0xA8, 0x21, 0x6E, 0xBB, 0xF4, 0x16, 0xCC, 0x04, 0x7F, 0x64, 0xE8, 0x5D,
    0x1E, 0xF2, 0xCB, 0x2A, 0x74, 0xC5, 0x5E, 0x35, 0xD2, 0x95, 0x47, 0x9E, 0x96, 0x2D, 0x9A, 0x88,
    0x4C, 0x7D, 0x84, 0x3F, 0xDB, 0xAC, 0x31, 0xB6, 0x48, 0x5F, 0xF6, 0xC4, 0xD8, 0x39, 0x8B, 0xE7,
    0x23, 0x3B, 0x38, 0x8E, 0xC8, 0xC1, 0xDF, 0x25, 0xB1, 0x20, 0xA5, 0x46, 0x60, 0x4E, 0x9C, 0xFB,
    0xAA, 0xD3, 0x56, 0x51, 0x45, 0x7C, 0x55, 0x00, 0x07, 0xC9, 0x2B, 0x9D, 0x85, 0x9B, 0x09, 0xA0,
    0x8F, 0xAD, 0xB3, 0x0F, 0x63, 0xAB, 0x89, 0x4B, 0xD7, 0xA7, 0x15, 0x5A, 0x71, 0x66, 0x42, 0xBF,
    0x26, 0x4A, 0x6B, 0x98, 0xFA, 0xEA, 0x77, 0x53, 0xB2, 0x70, 0x05, 0x2C, 0xFD, 0x59, 0x3A, 0x86,
    0x7E, 0xCE, 0x06, 0xEB, 0x82, 0x78, 0x57, 0xC7, 0x8D, 0x43, 0xAF, 0xB4, 0x1C, 0xD4, 0x5B, 0xCD,
    0xE2, 0xE9, 0x27, 0x4F, 0xC3, 0x08, 0x72, 0x80, 0xCF, 0xB0, 0xEF, 0xF5, 0x28, 0x6D, 0xBE, 0x30,
    0x4D, 0x34, 0x92, 0xD5, 0x0E, 0x3C, 0x22, 0x32, 0xE5, 0xE4, 0xF9, 0x9F, 0xC2, 0xD1, 0x0A, 0x81,
    0x12, 0xE1, 0xEE, 0x91, 0x83, 0x76, 0xE3, 0x97, 0xE6, 0x61, 0x8A, 0x17, 0x79, 0xA4, 0xB7, 0xDC,
    0x90, 0x7A, 0x5C, 0x8C, 0x02, 0xA6, 0xCA, 0x69, 0xDE, 0x50, 0x1A, 0x11, 0x93, 0xB9, 0x52, 0x87,
    0x58, 0xFC, 0xED, 0x1D, 0x37, 0x49, 0x1B, 0x6A, 0xE0, 0x29, 0x33, 0x99, 0xBD, 0x6C, 0xD9, 0x94,
    0xF3, 0x40, 0x54, 0x6F, 0xF0, 0xC6, 0x73, 0xB8, 0xD6, 0x3E, 0x65, 0x18, 0x44, 0x1F, 0xDD, 0x67,
    0x10, 0xF1, 0x0C, 0x19, 0xEC, 0xAE, 0x03, 0xA1, 0x14, 0x7B, 0xA9, 0x0B, 0xFF, 0xF8, 0xA3, 0xC0,
    0xA2, 0x01, 0xF7, 0x2E, 0xBC, 0x24, 0x68, 0x75, 0x0D, 0xFE, 0xBA, 0x2F, 0xB5, 0xD0, 0xDA, 0x3D,
};

uint32_t pst_crc(const void *data, size_t len)
{
    /* zlib computes the same reflected CRC with initial ~0 and a final XOR; undo both. */
    uLong c = 0xFFFFFFFFul;
    const Bytef *p = data;
    while (len > 0) {
        uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
        c = crc32(c, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)(c ^ 0xFFFFFFFFul);
}

uint16_t pst_block_sig(uint64_t ib, uint64_t bid)
{
    uint32_t x = (uint32_t)(ib ^ bid);
    return (uint16_t)((x >> 16) ^ x);
}

void pst_permute_encode(uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        data[i] = permute_r[data[i]];
}

void pst_sublist_add(struct pst_sublist *l, uint32_t nid, uint64_t bid_data, uint64_t bid_sub)
{
    l->v = xgrow(l->v, &l->cap, l->count + 1, sizeof *l->v);
    l->v[l->count++] = (struct pst_subnode){nid, bid_data, bid_sub};
}

uint32_t pst_sublist_new_nid(struct pst_sublist *l)
{
    if (l->next_index < 0x401)
        l->next_index = 0x401;
    return PST_NID(l->next_index++, PST_NID_TYPE_LTP);
}

void pst_sublist_free(struct pst_sublist *l)
{
    if (!l)
        return;
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------------------------------ */

enum {
    PTYPE_BBT = 0x80,
    PTYPE_NBT = 0x81,
    PTYPE_FMAP = 0x82,
    PTYPE_PMAP = 0x83,
    PTYPE_AMAP = 0x84,
    PTYPE_FPMAP = 0x85,
    PTYPE_DLIST = 0x86,
};

#define PAGE_SIZE 512u
#define HEADER_SIZE 564u
#define DLIST_OFFSET 0x4200u
#define AMAP_BYTES 496u

/* The two B-trees are written bottom up while the file is written ([MS-PST] 2.2.2.7.7): a
 * builder fills one page per level, a full page goes to the file and its first key and BREF
 * become an entry of the level above. Entries must come in key order:
 *  - BBT: a block's entry is added when the block is written, since BIDs are issued in
 *    increasing order. Its cRef is counted in advance: every block is written to be referenced
 *    once (by an XBLOCK, a subnode entry or a node). A block referenced more than once (the
 *    template tables that empty folders share) must get its other references while its entry
 *    is still in the leaf page being filled, that is before 20 more blocks are written.
 *  - NBT: the messages' nodes come in increasing NID order (their NIDs are allocated as they
 *    are written), above every other node's NID. They go into their builder at once; the other
 *    nodes (the store's internal nodes, the folders and their tables: a few per folder) are held
 *    and, at commit, built into a subtree that is grafted in front of the messages'. To leave
 *    room for it, the messages' tree keeps the leftmost page of each level above the leaves
 *    back until commit, with one entry free (see graft_nbt).
 * Memory is one page per level and tree, whatever the number of messages. */
#define BTREE_MAX_LEVELS 16 /* 20^15 leaf pages: far beyond 2^32 blocks */
#define BTENTRY_SIZE 24u
#define BTENTRY_MAX (488u / BTENTRY_SIZE)

struct btree_page {
    uint8_t pg[PAGE_SIZE];
    unsigned count;
    uint64_t first_key;
    uint64_t bid, ib; /* of a page held back */
};

struct btree_build {
    uint8_t ptype;
    unsigned cb_leaf;      /* 24 (BBT) or 32 (NBT) */
    bool hold_left;        /* keep the leftmost page of every level above the leaves */
    unsigned nlevels;
    struct btree_page cur[BTREE_MAX_LEVELS];   /* the page being filled at each level */
    uint64_t closed[BTREE_MAX_LEVELS];         /* pages of each level gone to the file */
    struct btree_page left[BTREE_MAX_LEVELS];  /* hold_left: the leftmost pages, held */
};

/* A node held until commit: not a message's. */
struct nbt_held {
    uint32_t nid;
    uint32_t parent;
    uint64_t data;
    uint64_t sub;
};

struct pst_ndb {
    FILE *f;
    char *path;
    uint64_t pos;       /* end of what has been written */
    uint8_t *amap;      /* AMAP_BYTES per interval from amap_first on, still being filled */
    size_t amap_first;  /* intervals below it are full: their AMap pages are written */
    size_t nintervals;
    uint8_t *longest;   /* per interval once full: its longest free run (for the FMap) */
    uint16_t *free_units; /* per interval once full: its free 64-byte units */
    struct btree_build bbt;
    uint64_t nblocks;
    uint64_t bbt_page_first;   /* block number (BID >> 2) of the first entry in bbt.cur[0] */
    uint8_t bbt_page_refs[20]; /* references seen to each entry of that page */
    uint64_t refs;             /* references made to blocks */
    uint64_t refs_extra;       /* of them, beyond the one each block is written for */
    struct btree_build nbt;    /* the messages' nodes */
    uint64_t nmsg_nodes;
    uint32_t last_msg_nid;
    struct nbt_held *held;     /* the other nodes, in the order they came */
    size_t nheld, capheld;
    uint64_t bid_next_b;
    uint64_t bid_next_p;
    uint32_t rgnid[32];
    uint32_t unique;
    uint64_t data_bytes;
    bool done;
    struct pst_ndb_stats stats;
};

static uint64_t interval_base(size_t k)
{
    return PST_FIRST_AMAP + (uint64_t)k * PST_AMAP_INTERVAL;
}

static bool has_pmap(size_t k)
{
    return k % 8 == 0;
}

static bool has_fmap(size_t k)
{
    return k >= 128 && (k - 128) % 496 == 0;
}

/* One FPMap maps 496 * 8 PMaps, that is 496 * 64 = 31744 AMap intervals (about 7.5 GiB). */
static bool has_fpmap(size_t k)
{
    return k >= 8192 && (k - 8192) % 31744 == 0;
}

/* Bytes at the start of interval k taken by map pages. */
static uint64_t interval_reserved(size_t k)
{
    uint64_t r = PAGE_SIZE;
    if (has_pmap(k))
        r += PAGE_SIZE;
    if (has_fmap(k) || has_fpmap(k))
        r += PAGE_SIZE;
    return r;
}

static void mark(struct pst_ndb *n, uint64_t off, uint64_t len)
{
    for (uint64_t o = off; o < off + len; o += 64) {
        size_t k = (size_t)((o - PST_FIRST_AMAP) / PST_AMAP_INTERVAL);
        uint64_t bit = (o - interval_base(k)) / 64;
        n->amap[(k - n->amap_first) * AMAP_BYTES + bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
    }
}

static int io_fail(struct pst_ndb *n, struct error *err)
{
    error_errno(err, errno, "%s: cannot write", n->path);
    return -1;
}

static int pwrite_at(struct pst_ndb *n, uint64_t off, const void *data, size_t len,
                     struct error *err)
{
    if (fseeko(n->f, (off_t)off, SEEK_SET) != 0 || fwrite(data, 1, len, n->f) != len)
        return io_fail(n, err);
    return 0;
}

static uint8_t longest_free(const uint8_t *bits);
static void map_trailer(uint8_t pg[PAGE_SIZE], uint8_t ptype, uint64_t ib);

/* Writes the AMap page of the oldest interval still held, keeps what the FMap and the header
 * need of it, and lets its bitmap go. */
static int close_interval(struct pst_ndb *n, struct error *err)
{
    size_t k = n->amap_first;
    const uint8_t *bits = n->amap;
    unsigned used = 0;
    for (unsigned i = 0; i < AMAP_BYTES; i++)
        used += (unsigned)__builtin_popcount(bits[i]);
    n->longest[k] = longest_free(bits);
    n->free_units[k] = (uint16_t)(AMAP_BYTES * 8 - used);
    uint8_t pg[PAGE_SIZE];
    memset(pg, 0, sizeof pg);
    memcpy(pg, bits, AMAP_BYTES);
    map_trailer(pg, PTYPE_AMAP, interval_base(k));
    if (pwrite_at(n, interval_base(k), pg, sizeof pg, err) < 0)
        return -1;
    n->amap_first++;
    memmove(n->amap, n->amap + AMAP_BYTES, (n->nintervals - n->amap_first) * AMAP_BYTES);
    return 0;
}

/* Makes interval k known. Space is only ever allocated at the end, so the intervals below k
 * are full: their AMap pages are written now (the file is positioned back at its end), and
 * memory holds the bitmaps of one or two intervals whatever the size of the file. */
static int ensure_interval(struct pst_ndb *n, size_t k, struct error *err)
{
    while (n->nintervals <= k) {
        size_t i = n->nintervals++;
        n->longest = xrealloc(n->longest, n->nintervals);
        n->free_units = xrealloc(n->free_units, n->nintervals * sizeof *n->free_units);
        n->amap = xrealloc(n->amap, (n->nintervals - n->amap_first) * AMAP_BYTES);
        memset(n->amap + (i - n->amap_first) * AMAP_BYTES, 0, AMAP_BYTES);
        mark(n, interval_base(i), interval_reserved(i));
    }
    bool moved = false;
    while (n->amap_first < k) {
        if (close_interval(n, err) < 0)
            return -1;
        moved = true;
    }
    if (moved && fseeko(n->f, (off_t)n->pos, SEEK_SET) != 0)
        return io_fail(n, err);
    return 0;
}

static int write_zeros(struct pst_ndb *n, uint64_t count, struct error *err)
{
    static const uint8_t zeros[8192];
    while (count > 0) {
        size_t c = count > sizeof zeros ? sizeof zeros : (size_t)count;
        if (fwrite(zeros, 1, c, n->f) != c)
            return io_fail(n, err);
        n->pos += c;
        count -= c;
    }
    return 0;
}

/* Reserves `size` bytes at an offset aligned to `align`, inside one interval and clear of its
 * map pages, marks them in the AMap and positions the stream there. */
static int alloc_space(struct pst_ndb *n, uint64_t size, uint64_t align, uint64_t *off,
                       struct error *err)
{
    uint64_t pos = (n->pos + align - 1) / align * align;
    for (;;) {
        size_t k = (size_t)((pos - PST_FIRST_AMAP) / PST_AMAP_INTERVAL);
        if (ensure_interval(n, k, err) < 0)
            return -1;
        uint64_t start = interval_base(k) + interval_reserved(k);
        if (pos < start)
            pos = start;
        if (pos + size <= interval_base(k) + PST_AMAP_INTERVAL)
            break;
        pos = interval_base(k + 1);
    }
    if (write_zeros(n, pos - n->pos, err) < 0)
        return -1;
    mark(n, pos, size);
    *off = pos;
    return 0;
}

static int put_bytes(struct pst_ndb *n, const void *data, size_t len, struct error *err)
{
    if (fwrite(data, 1, len, n->f) != len)
        return io_fail(n, err);
    n->pos += len;
    return 0;
}

/* Page BIDs: odd, so never a block's, and above every block BID issued so far, as Outlook's
 * counters give them (doc/PST.md 1.5). */
static uint64_t next_page_bid(struct pst_ndb *n)
{
    uint64_t bid = n->bid_next_p > n->bid_next_b ? n->bid_next_p : n->bid_next_b + 1;
    n->bid_next_p = bid + 2;
    return bid;
}

/* Fills in a B-tree page's counts and trailer for the page at `ib` with BID `bid`. */
static void seal_btree_page(uint8_t pg[PAGE_SIZE], uint8_t ptype, unsigned count,
                            unsigned cb_ent, unsigned level, uint64_t ib, uint64_t bid)
{
    pg[488] = (uint8_t)count;
    pg[489] = (uint8_t)(488u / cb_ent);
    pg[490] = (uint8_t)cb_ent;
    pg[491] = (uint8_t)level;
    pg[496] = ptype;
    pg[497] = ptype;
    pst_put16(pg + 498, pst_block_sig(ib, bid));
    pst_put32(pg + 500, pst_crc(pg, 496));
    pst_put64(pg + 504, bid);
}

/* Room for one page at the end of the file, zeros for now; *bid and *ib say where. */
static int reserve_page(struct pst_ndb *n, uint64_t *bid, uint64_t *ib, struct error *err)
{
    static const uint8_t zeros[PAGE_SIZE];
    if (alloc_space(n, PAGE_SIZE, PAGE_SIZE, ib, err) < 0)
        return -1;
    *bid = next_page_bid(n);
    return put_bytes(n, zeros, PAGE_SIZE, err);
}

static unsigned btree_entry_size(const struct btree_build *t, unsigned level)
{
    return level ? BTENTRY_SIZE : t->cb_leaf;
}

/* Entries the page being filled at `level` may take: a held leftmost page keeps one free. */
static unsigned btree_capacity(const struct btree_build *t, unsigned level)
{
    unsigned max = 488u / btree_entry_size(t, level);
    return t->hold_left && level > 0 && t->closed[level] == 0 ? max - 1 : max;
}

/* Sends the page being filled at `level` to the file, or holds it back when it is a leftmost
 * page of a hold_left tree (its place in the file is taken now); *key, *bid and *ib receive
 * its first key and BREF. */
static int btree_emit(struct pst_ndb *n, struct btree_build *t, unsigned level, uint64_t *key,
                      uint64_t *bid, uint64_t *ib, struct error *err)
{
    struct btree_page *p = &t->cur[level];
    *key = p->first_key;
    if (t->hold_left && level > 0 && t->closed[level] == 0) {
        if (reserve_page(n, bid, ib, err) < 0)
            return -1;
        t->left[level] = *p;
        t->left[level].bid = *bid;
        t->left[level].ib = *ib;
    } else {
        if (alloc_space(n, PAGE_SIZE, PAGE_SIZE, ib, err) < 0)
            return -1;
        *bid = next_page_bid(n);
        seal_btree_page(p->pg, t->ptype, p->count, btree_entry_size(t, level), level, *ib, *bid);
        if (put_bytes(n, p->pg, PAGE_SIZE, err) < 0)
            return -1;
    }
    t->closed[level]++;
    memset(p, 0, sizeof *p);
    return 0;
}

static int btree_add(struct pst_ndb *n, struct btree_build *t, unsigned level,
                     const uint8_t *entry, uint64_t key, struct error *err);

/* Emits the page being filled at `level` and enters it in the level above. */
static int btree_close(struct pst_ndb *n, struct btree_build *t, unsigned level, struct error *err)
{
    uint64_t key, bid, ib;
    if (btree_emit(n, t, level, &key, &bid, &ib, err) < 0)
        return -1;
    uint8_t e[BTENTRY_SIZE];
    pst_put64(e, key);
    pst_put64(e + 8, bid);
    pst_put64(e + 16, ib);
    return btree_add(n, t, level + 1, e, key, err);
}

/* Adds an entry at `level` (0: a leaf entry of cb_leaf bytes, above: a BTENTRY); keys must
 * increase. A page is emitted when the entry after its last comes, never empty. */
static int btree_add(struct pst_ndb *n, struct btree_build *t, unsigned level,
                     const uint8_t *entry, uint64_t key, struct error *err)
{
    if (level >= BTREE_MAX_LEVELS) {
        error_set(err, "%s: B-tree deeper than %u levels", n->path, BTREE_MAX_LEVELS);
        return -1;
    }
    if (level >= t->nlevels)
        t->nlevels = level + 1;
    struct btree_page *p = &t->cur[level];
    if (p->count == btree_capacity(t, level) && btree_close(n, t, level, err) < 0)
        return -1;
    unsigned cb = btree_entry_size(t, level);
    memcpy(p->pg + p->count * cb, entry, cb);
    if (p->count == 0)
        p->first_key = key;
    p->count++;
    return 0;
}

/* Closes every page still being filled below `top`, so that each is an entry of the level
 * above, and returns the root: the single page of the highest level. An empty tree is one
 * empty leaf page. */
static int btree_finish(struct pst_ndb *n, struct btree_build *t, uint64_t *key, uint64_t *bid,
                        uint64_t *ib, unsigned *levels, struct error *err)
{
    if (t->nlevels == 0)
        t->nlevels = 1;
    for (unsigned level = 0;; level++) {
        if (level + 1 == t->nlevels && t->closed[level] == 0) {
            *levels = level + 1;
            return btree_emit(n, t, level, key, bid, ib, err);
        }
        if (t->cur[level].count > 0 && btree_close(n, t, level, err) < 0)
            return -1;
    }
}

/* Writes the pages a hold_left tree held back, where their places were taken. */
static int btree_write_held(struct pst_ndb *n, struct btree_build *t, struct error *err)
{
    for (unsigned level = 1; level < t->nlevels; level++) {
        struct btree_page *p = &t->left[level];
        if (!p->bid)
            continue;
        seal_btree_page(p->pg, t->ptype, p->count, BTENTRY_SIZE, level, p->ib, p->bid);
        if (pwrite_at(n, p->ib, p->pg, PAGE_SIZE, err) < 0)
            return -1;
    }
    if (fseeko(n->f, (off_t)n->pos, SEEK_SET) != 0)
        return io_fail(n, err);
    return 0;
}

/* The BBT entry of a block just written: its BREF, cb and cRef 2 (the one reference it is
 * written for, plus one). */
static int bbt_add(struct pst_ndb *n, uint64_t bid, uint64_t ib, size_t cb, struct error *err)
{
    if (n->bbt.cur[0].count == btree_capacity(&n->bbt, 0)) {
        if (btree_close(n, &n->bbt, 0, err) < 0)
            return -1;
    }
    if (n->bbt.cur[0].count == 0) {
        n->bbt_page_first = bid >> 2;
        memset(n->bbt_page_refs, 0, sizeof n->bbt_page_refs);
    }
    uint8_t e[24] = {0};
    pst_put64(e, bid);
    pst_put64(e + 8, ib);
    pst_put16(e + 16, (uint16_t)cb);
    pst_put16(e + 18, 2);
    return btree_add(n, &n->bbt, 0, e, bid, err);
}

/* One reference to block `bid` (none for 0). The first is the one the block was written for;
 * another is counted into its cRef while its entry is still in the leaf page being filled. */
static int add_ref(struct pst_ndb *n, uint64_t bid, struct error *err)
{
    if (!bid)
        return 0;
    uint64_t block = bid >> 2;
    if ((bid & 1) || block == 0 || block > n->nblocks) {
        error_set(err, "%s: reference to block %#llx, which was never written", n->path,
                  (unsigned long long)bid);
        return -1;
    }
    n->refs++;
    if (block < n->bbt_page_first || n->bbt.cur[0].count == 0)
        return 0;
    size_t i = (size_t)(block - n->bbt_page_first);
    if (n->bbt_page_refs[i]++ == 0)
        return 0;
    uint8_t *e = n->bbt.cur[0].pg + 24 * i;
    uint16_t cref = pst_get16(e + 18);
    if (cref == 0xFFFF) {
        error_set(err, "%s: block %#llx is referenced 65,535 times", n->path,
                  (unsigned long long)bid);
        return -1;
    }
    pst_put16(e + 18, (uint16_t)(cref + 1));
    n->refs_extra++;
    return 0;
}

static void init_rgnid(uint32_t rgnid[32])
{
    for (int i = 0; i < 32; i++)
        rgnid[i] = 0x400;
    rgnid[PST_NID_TYPE_SEARCH_FOLDER] = 0x4000;
    rgnid[PST_NID_TYPE_NORMAL_MESSAGE] = 0x10000;
    rgnid[PST_NID_TYPE_ASSOC_MESSAGE] = 0x8000;
}

/* The 564-byte HEADER ([MS-PST] 2.2.2.6) with its ROOT; `root` NULL writes a placeholder. */
struct root_info {
    uint64_t eof, amap_last, amap_free, nbt_bid, nbt_ib, bbt_bid, bbt_ib;
    uint8_t amap_valid;
};

static void build_header(const struct pst_ndb *n, const struct root_info *r, uint8_t h[HEADER_SIZE])
{
    memset(h, 0, HEADER_SIZE);
    memcpy(h, "!BDN", 4);
    memcpy(h + 8, "SM", 2);
    pst_put16(h + 10, 23); /* wVer: Unicode */
    pst_put16(h + 12, 19); /* wVerClient */
    h[14] = 0x01;
    h[15] = 0x01;
    pst_put64(h + 32, n->bid_next_p);
    pst_put32(h + 40, n->unique);
    for (int i = 0; i < 32; i++)
        pst_put32(h + 44 + 4 * i, n->rgnid[i]);
    if (r) {
        pst_put64(h + 184, r->eof);
        pst_put64(h + 192, r->amap_last);
        pst_put64(h + 200, r->amap_free);
        pst_put64(h + 208, 0);
        pst_put64(h + 216, r->nbt_bid);
        pst_put64(h + 224, r->nbt_ib);
        pst_put64(h + 232, r->bbt_bid);
        pst_put64(h + 240, r->bbt_ib);
        h[248] = r->amap_valid;
    }
    memset(h + 256, 0xFF, 128); /* rgbFM, deprecated */
    memset(h + 384, 0xFF, 128); /* rgbFP, deprecated */
    h[512] = 0x80;              /* bSentinel */
    h[513] = 0x01;              /* bCryptMethod: NDB_CRYPT_PERMUTE */
    pst_put64(h + 516, n->bid_next_b);
    pst_put32(h + 4, pst_crc(h + 8, 471));
    pst_put32(h + 524, pst_crc(h + 8, 516));
}

struct pst_ndb *pst_ndb_create(const char *path, struct error *err)
{
    FILE *f = plat_fopen_write(path, PLAT_CREATE_TRUNCATE, true);
    if (!f) {
        error_errno(err, errno, "%s: cannot create", path);
        return NULL;
    }
    struct pst_ndb *n = xcalloc(1, sizeof *n);
    n->f = f;
    n->path = xstrdup(path);
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    n->bid_next_b = 4;
    n->bid_next_p = 1;
    n->bbt.ptype = PTYPE_BBT;
    n->bbt.cb_leaf = 24;
    n->nbt.ptype = PTYPE_NBT;
    n->nbt.cb_leaf = 32;
    n->nbt.hold_left = true;
    n->unique = 1;
    init_rgnid(n->rgnid);
    uint8_t h[HEADER_SIZE];
    build_header(n, NULL, h); /* fAMapValid = INVALID_AMAP until commit */
    if (put_bytes(n, h, sizeof h, err) < 0 ||
        write_zeros(n, PST_FIRST_AMAP - HEADER_SIZE, err) < 0) {
        pst_ndb_free(n);
        return NULL;
    }
    if (ensure_interval(n, 0, err) < 0) {
        pst_ndb_free(n);
        return NULL;
    }
    return n;
}

/* One block of `cb` bytes (1..8176); external blocks are permuted on the way out (the caller's
 * bytes are not changed). The block starts with no references; the trees and nodes that point
 * at it add them. */
static int write_raw_block(struct pst_ndb *n, const uint8_t *data, size_t cb, bool internal,
                           uint64_t *bid_out, struct error *err)
{
    if (cb == 0 || cb > PST_BLOCK_MAX_DATA) {
        error_set(err, "%s: block of %zu bytes", n->path, cb);
        return -1;
    }
    uint8_t blk[8192];
    size_t total = (cb + 16 + 63) / 64 * 64;
    uint64_t bid = n->bid_next_b | (internal ? 2u : 0u);
    if (n->bid_next_b != (n->nblocks + 1) << 2 || n->nblocks >= UINT32_MAX) {
        error_set(err, "%s: too many blocks", n->path);
        return -1;
    }
    uint64_t ib;
    if (alloc_space(n, total, 64, &ib, err) < 0)
        return -1;
    if (ib / 64 > UINT32_MAX) {
        error_set(err, "%s: the file is beyond 256 GiB", n->path);
        return -1;
    }
    memcpy(blk, data, cb);
    if (!internal)
        pst_permute_encode(blk, cb);
    memset(blk + cb, 0, total - cb);
    uint8_t *t = blk + total - 16;
    pst_put16(t, (uint16_t)cb);
    pst_put16(t + 2, pst_block_sig(ib, bid));
    pst_put32(t + 4, pst_crc(blk, cb));
    pst_put64(t + 8, bid);
    if (put_bytes(n, blk, total, err) < 0)
        return -1;
    n->nblocks++;
    n->bid_next_b += 4;
    if (bbt_add(n, bid, ib, cb, err) < 0)
        return -1;
    if (!internal)
        n->data_bytes += cb;
    *bid_out = bid;
    return 0;
}

/* XBLOCK / XXBLOCK ([MS-PST] 2.2.2.8.3.2): btype 1, cLevel, cEnt, lcbTotal, rgbid. */
static int write_xblock(struct pst_ndb *n, unsigned level, const uint64_t *bids, size_t count,
                        uint64_t total, uint64_t *bid, struct error *err)
{
    uint8_t b[8 + 8 * PST_XBLOCK_MAX];
    b[0] = 0x01;
    b[1] = (uint8_t)level;
    pst_put16(b + 2, (uint16_t)count);
    pst_put32(b + 4, (uint32_t)total);
    for (size_t i = 0; i < count; i++)
        pst_put64(b + 8 + 8 * i, bids[i]);
    if (write_raw_block(n, b, 8 + 8 * count, true, bid, err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (add_ref(n, bids[i], err) < 0)
            return -1;
    return 0;
}

int pst_ndb_write_tree(struct pst_ndb *n, const uint64_t *leaves, size_t count,
                       size_t last_len, uint64_t *bid, struct error *err)
{
    *bid = 0;
    if (count == 0)
        return 0;
    if (count == 1) {
        *bid = leaves[0];
        return 0;
    }
    uint64_t total = (uint64_t)(count - 1) * PST_BLOCK_MAX_DATA + last_len;
    if (total > 0xFFFFFFFFu || count > (size_t)PST_XBLOCK_MAX * PST_XBLOCK_MAX) {
        error_set(err, "%s: data tree of %llu bytes is too large", n->path,
                  (unsigned long long)total);
        return -1;
    }
    if (count <= PST_XBLOCK_MAX)
        return write_xblock(n, 1, leaves, count, total, bid, err);
    size_t nx = (count + PST_XBLOCK_MAX - 1) / PST_XBLOCK_MAX;
    uint64_t *xs = xcalloc(nx, sizeof *xs);
    int rc = 0;
    for (size_t i = 0; i < nx && rc == 0; i++) {
        size_t first = i * PST_XBLOCK_MAX;
        size_t c = count - first < PST_XBLOCK_MAX ? count - first : PST_XBLOCK_MAX;
        uint64_t sub = (uint64_t)c * PST_BLOCK_MAX_DATA;
        if (first + c == count)
            sub = sub - PST_BLOCK_MAX_DATA + last_len;
        rc = write_xblock(n, 1, leaves + first, c, sub, &xs[i], err);
    }
    if (rc == 0)
        rc = write_xblock(n, 2, xs, nx, total, bid, err);
    free(xs);
    return rc;
}

int pst_ndb_write_pages(struct pst_ndb *n, const struct pst_span *pages, size_t count,
                        uint64_t *bid, struct error *err)
{
    *bid = 0;
    if (count == 0)
        return 0;
    /* Readers address a data tree as one stream with block i at i * 8176 (pstsdk, the row
     * matrix readers): a short non-last block is a bug in the layer above. */
    for (size_t i = 0; i + 1 < count; i++)
        if (pages[i].len != PST_BLOCK_MAX_DATA) {
            error_set(err, "%s: block %zu of %zu in a data tree holds %zu bytes, not %u", n->path,
                      i, count, pages[i].len, PST_BLOCK_MAX_DATA);
            return -1;
        }
    uint64_t *leaves = xcalloc(count, sizeof *leaves);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = write_raw_block(n, pages[i].data, pages[i].len, false, &leaves[i], err);
    if (rc == 0)
        rc = pst_ndb_write_tree(n, leaves, count, pages[count - 1].len, bid, err);
    free(leaves);
    return rc;
}

int pst_ndb_write_data(struct pst_ndb *n, const void *data, size_t len, uint64_t *bid,
                       struct error *err)
{
    size_t count = (len + PST_BLOCK_MAX_DATA - 1) / PST_BLOCK_MAX_DATA;
    struct pst_span *pages = xcalloc(count ? count : 1, sizeof *pages);
    const uint8_t *p = data;
    for (size_t i = 0; i < count; i++) {
        size_t off = i * PST_BLOCK_MAX_DATA;
        pages[i].data = p + off;
        pages[i].len = len - off < PST_BLOCK_MAX_DATA ? len - off : PST_BLOCK_MAX_DATA;
    }
    int rc = pst_ndb_write_pages(n, pages, count, bid, err);
    free(pages);
    return rc;
}

/* ---- a data tree written as its bytes come ---- */

struct pst_ndb_stream {
    struct pst_ndb *n;
    uint8_t block[PST_BLOCK_MAX_DATA]; /* the leaf being filled */
    size_t fill;
    uint64_t leaves[PST_XBLOCK_MAX];   /* written leaves not yet under an XBLOCK */
    size_t nleaves;
    uint64_t leaves_bytes;
    uint64_t xblocks[PST_XBLOCK_MAX];  /* written XBLOCKs, for the XXBLOCK at the end */
    size_t nx;
    uint64_t total;
};

struct pst_ndb_stream *pst_ndb_stream_begin(struct pst_ndb *n)
{
    struct pst_ndb_stream *s = xcalloc(1, sizeof *s);
    s->n = n;
    return s;
}

/* Puts the pending leaves under an XBLOCK (when the tree needs an XXBLOCK above them). */
static int stream_close_xblock(struct pst_ndb_stream *s, struct error *err)
{
    if (s->nx == PST_XBLOCK_MAX) {
        error_set(err, "%s: data tree of over %llu bytes is too large", s->n->path,
                  (unsigned long long)s->total);
        return -1;
    }
    if (write_xblock(s->n, 1, s->leaves, s->nleaves, s->leaves_bytes, &s->xblocks[s->nx], err) < 0)
        return -1;
    s->nx++;
    s->nleaves = 0;
    s->leaves_bytes = 0;
    return 0;
}

static int stream_flush_leaf(struct pst_ndb_stream *s, struct error *err)
{
    if (s->nleaves == PST_XBLOCK_MAX && stream_close_xblock(s, err) < 0)
        return -1;
    if (write_raw_block(s->n, s->block, s->fill, false, &s->leaves[s->nleaves], err) < 0)
        return -1;
    s->nleaves++;
    s->leaves_bytes += s->fill;
    s->fill = 0;
    return 0;
}

int pst_ndb_stream_write(struct pst_ndb_stream *s, const void *data, size_t len, struct error *err)
{
    const uint8_t *p = data;
    if (len > 0xFFFFFFFFu - s->total) {
        error_set(err, "%s: data tree of over 4 GiB", s->n->path);
        return -1;
    }
    s->total += len;
    while (len) {
        /* A full leaf is written only when more bytes follow: the last one may be full. */
        if (s->fill == PST_BLOCK_MAX_DATA && stream_flush_leaf(s, err) < 0)
            return -1;
        size_t take = PST_BLOCK_MAX_DATA - s->fill;
        if (take > len)
            take = len;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        len -= take;
    }
    return 0;
}

int pst_ndb_stream_end(struct pst_ndb_stream *s, uint64_t *bid, uint64_t *total, struct error *err)
{
    int rc = 0;
    *bid = 0;
    *total = s->total;
    if (s->total && s->fill)
        rc = stream_flush_leaf(s, err);
    if (rc == 0 && s->nx == 0 && s->nleaves == 1)
        *bid = s->leaves[0];
    else if (rc == 0 && s->nx == 0 && s->nleaves > 1)
        rc = write_xblock(s->n, 1, s->leaves, s->nleaves, s->leaves_bytes, bid, err);
    else if (rc == 0 && s->nx > 0) {
        if (s->nleaves)
            rc = stream_close_xblock(s, err);
        if (rc == 0)
            rc = write_xblock(s->n, 2, s->xblocks, s->nx, s->total, bid, err);
    }
    free(s);
    return rc;
}

void pst_ndb_stream_abort(struct pst_ndb_stream *s)
{
    free(s);
}

static int cmp_sub(const void *a, const void *b)
{
    uint32_t x = ((const struct pst_subnode *)a)->nid, y = ((const struct pst_subnode *)b)->nid;
    return x < y ? -1 : x > y;
}

int pst_ndb_write_subnodes(struct pst_ndb *n, struct pst_subnode *subs, size_t count,
                           uint64_t *bid, struct error *err)
{
    *bid = 0;
    if (count == 0)
        return 0;
    qsort(subs, count, sizeof *subs, cmp_sub);
    for (size_t i = 1; i < count; i++)
        if (subs[i].nid == subs[i - 1].nid) {
            error_set(err, "%s: subnode %#x appears twice", n->path, subs[i].nid);
            return -1;
        }
    size_t nleaf = (count + PST_SLBLOCK_MAX - 1) / PST_SLBLOCK_MAX;
    if (nleaf > PST_SIBLOCK_MAX) {
        error_set(err, "%s: %zu subnodes in one node", n->path, count);
        return -1;
    }
    uint64_t leaf_bids[PST_SIBLOCK_MAX];
    uint8_t b[8 + 24 * PST_SLBLOCK_MAX];
    for (size_t l = 0; l < nleaf; l++) {
        size_t first = l * PST_SLBLOCK_MAX;
        size_t c = count - first < PST_SLBLOCK_MAX ? count - first : PST_SLBLOCK_MAX;
        memset(b, 0, 8);
        b[0] = 0x02; /* btype: subnode block */
        b[1] = 0x00; /* cLevel: SLBLOCK */
        pst_put16(b + 2, (uint16_t)c);
        for (size_t i = 0; i < c; i++) {
            uint8_t *e = b + 8 + 24 * i;
            pst_put64(e, subs[first + i].nid);
            pst_put64(e + 8, subs[first + i].bid_data);
            pst_put64(e + 16, subs[first + i].bid_sub);
        }
        if (write_raw_block(n, b, 8 + 24 * c, true, &leaf_bids[l], err) < 0)
            return -1;
        for (size_t i = 0; i < c; i++)
            if (add_ref(n, subs[first + i].bid_data, err) < 0 ||
                add_ref(n, subs[first + i].bid_sub, err) < 0)
                return -1;
    }
    if (nleaf == 1) {
        *bid = leaf_bids[0];
        return 0;
    }
    uint8_t s[8 + 16 * PST_SIBLOCK_MAX];
    memset(s, 0, 8);
    s[0] = 0x02;
    s[1] = 0x01; /* SIBLOCK */
    pst_put16(s + 2, (uint16_t)nleaf);
    for (size_t l = 0; l < nleaf; l++) {
        pst_put64(s + 8 + 16 * l, subs[l * PST_SLBLOCK_MAX].nid);
        pst_put64(s + 8 + 16 * l + 8, leaf_bids[l]);
    }
    if (write_raw_block(n, s, 8 + 16 * nleaf, true, bid, err) < 0)
        return -1;
    for (size_t l = 0; l < nleaf; l++)
        if (add_ref(n, leaf_bids[l], err) < 0)
            return -1;
    return 0;
}

int pst_ndb_add_node(struct pst_ndb *n, uint32_t nid, uint64_t bid_data, uint64_t bid_sub,
                     uint32_t nid_parent, struct error *err)
{
    if (add_ref(n, bid_data, err) < 0 || add_ref(n, bid_sub, err) < 0)
        return -1;
    if (PST_NID_TYPE(nid) != PST_NID_TYPE_NORMAL_MESSAGE) {
        n->held = xgrow(n->held, &n->capheld, n->nheld + 1, sizeof *n->held);
        n->held[n->nheld++] = (struct nbt_held){nid, nid_parent, bid_data, bid_sub};
        return 0;
    }
    if (n->nmsg_nodes > 0 && nid <= n->last_msg_nid) {
        error_set(err, "%s: message node %#x after %#x: messages must come in NID order",
                  n->path, nid, n->last_msg_nid);
        return -1;
    }
    n->last_msg_nid = nid;
    n->nmsg_nodes++;
    uint8_t e[32] = {0};
    pst_put64(e, nid);
    pst_put64(e + 8, bid_data);
    pst_put64(e + 16, bid_sub);
    pst_put32(e + 24, nid_parent);
    return btree_add(n, &n->nbt, 0, e, nid, err);
}

uint32_t pst_ndb_alloc_nid(struct pst_ndb *n, unsigned type)
{
    type &= 0x1F;
    uint32_t idx = ++n->rgnid[type];
    if (type == PST_NID_TYPE_NORMAL_FOLDER) {
        /* Outlook keeps the folder's table counters in step with the folder counter. */
        n->rgnid[PST_NID_TYPE_HIERARCHY_TABLE] = idx;
        n->rgnid[PST_NID_TYPE_CONTENTS_TABLE] = idx;
        n->rgnid[PST_NID_TYPE_ASSOC_CONTENTS_TABLE] = idx;
    }
    return idx;
}

/* ---- commit ---------------------------------------------------------------------------- */

static int cmp_held(const void *a, const void *b)
{
    uint32_t x = ((const struct nbt_held *)a)->nid, y = ((const struct nbt_held *)b)->nid;
    return x < y ? -1 : x > y;
}

/* Height (the root's level) of a tree of `count` leaf entries built with full pages. */
static unsigned btree_height(uint64_t count, unsigned per_leaf)
{
    uint64_t pages = count ? (count + per_leaf - 1) / per_leaf : 1;
    unsigned h = 0;
    for (; pages > 1; h++)
        pages = (pages + BTENTRY_MAX - 1) / BTENTRY_MAX;
    return h;
}

/* The NBT: the held nodes, sorted, as a subtree A in front of the messages' tree B. When A is
 * lower than B, A's root becomes the first entry of B's leftmost page one level above it (the
 * entry kept free there), and the leftmost pages above that start with A's first key; else B's
 * root joins A's pages at the level above it. Either way every leaf is at the same depth and
 * every BTENTRY's key is its child's first. */
static int write_nbt(struct pst_ndb *n, uint64_t *root_bid, uint64_t *root_ib, unsigned *levels,
                     struct error *err)
{
    qsort(n->held, n->nheld, sizeof *n->held, cmp_held);
    for (size_t i = 1; i < n->nheld; i++)
        if (n->held[i].nid == n->held[i - 1].nid) {
            error_set(err, "%s: node %#x appears twice", n->path, n->held[i].nid);
            return -1;
        }
    struct btree_build *a = xcalloc(1, sizeof *a);
    a->ptype = PTYPE_NBT;
    a->cb_leaf = 32;
    int rc = 0;
    for (size_t i = 0; i < n->nheld && rc == 0; i++) {
        uint8_t e[32] = {0};
        pst_put64(e, n->held[i].nid);
        pst_put64(e + 8, n->held[i].data);
        pst_put64(e + 16, n->held[i].sub);
        pst_put32(e + 24, n->held[i].parent);
        rc = btree_add(n, a, 0, e, n->held[i].nid, err);
    }
    uint64_t key, bid, ib;
    if (rc == 0 && n->nmsg_nodes == 0) {
        rc = btree_finish(n, a, &key, root_bid, root_ib, levels, err);
        free(a);
        return rc;
    }
    unsigned hb = 0, ha = btree_height(n->nheld, 488u / 32);
    uint64_t bkey = 0, bbid = 0, bib = 0;
    if (rc == 0) {
        rc = btree_finish(n, &n->nbt, &bkey, &bbid, &bib, &hb, err);
        hb--;
    }
    if (rc == 0 && n->nheld && n->held[n->nheld - 1].nid >= bkey) {
        error_set(err, "%s: node %#x is above the messages' NIDs", n->path,
                  n->held[n->nheld - 1].nid);
        rc = -1;
    }
    if (rc == 0 && n->nheld == 0) {
        *root_bid = bbid;
        *root_ib = bib;
        *levels = hb + 1;
    } else if (rc == 0 && ha < hb && (rc = btree_finish(n, a, &key, &bid, &ib, levels, err)) == 0) {
        struct btree_page *p = &n->nbt.left[ha + 1];
        memmove(p->pg + BTENTRY_SIZE, p->pg, (size_t)p->count * BTENTRY_SIZE);
        pst_put64(p->pg, key);
        pst_put64(p->pg + 8, bid);
        pst_put64(p->pg + 16, ib);
        p->count++;
        for (unsigned level = ha + 2; level <= hb; level++)
            pst_put64(n->nbt.left[level].pg, key);
        *root_bid = bbid;
        *root_ib = bib;
        *levels = hb + 1;
    } else if (rc == 0) {
        for (unsigned level = 0; level <= hb && rc == 0; level++)
            if (a->cur[level].count > 0)
                rc = btree_close(n, a, level, err);
        uint8_t e[BTENTRY_SIZE];
        pst_put64(e, bkey);
        pst_put64(e + 8, bbid);
        pst_put64(e + 16, bib);
        if (rc == 0)
            rc = btree_add(n, a, hb + 1, e, bkey, err);
        if (rc == 0)
            rc = btree_finish(n, a, &key, root_bid, root_ib, levels, err);
    }
    if (rc == 0)
        rc = btree_write_held(n, &n->nbt, err);
    free(a);
    return rc;
}

/* Longest run of free 64-byte units in one AMap bitmap, capped at 255 (an FMap byte). */
static uint8_t longest_free(const uint8_t *bits)
{
    unsigned best = 0, run = 0;
    for (unsigned i = 0; i < AMAP_BYTES * 8; i++) {
        if (bits[i / 8] & (0x80u >> (i % 8)))
            run = 0;
        else if (++run > best)
            best = run;
    }
    return (uint8_t)(best > 255 ? 255 : best);
}

static void map_trailer(uint8_t pg[PAGE_SIZE], uint8_t ptype, uint64_t ib)
{
    pg[496] = ptype;
    pg[497] = ptype;
    pst_put16(pg + 498, 0);
    pst_put32(pg + 500, pst_crc(pg, 496));
    pst_put64(pg + 504, ib);
}

int pst_ndb_commit(struct pst_ndb *n, struct error *err)
{
    if (n->done) {
        error_set(err, "%s: already committed", n->path);
        return -1;
    }
    n->done = true;
    int rc = 0;
    uint64_t bbt_key, bbt_bid = 0, bbt_ib = 0, nbt_bid = 0, nbt_ib = 0;
    unsigned bbt_levels = 0, nbt_levels = 0;
    /* Every block was written for one reference; the extra ones were counted as they came. */
    if (n->refs != n->nblocks + n->refs_extra) {
        error_set(err, "%s: %llu references to %llu blocks, %llu of them beyond the first: some "
                  "block is unreferenced or referenced twice", n->path,
                  (unsigned long long)n->refs, (unsigned long long)n->nblocks,
                  (unsigned long long)n->refs_extra);
        rc = -1;
    }
    if (rc == 0)
        rc = btree_finish(n, &n->bbt, &bbt_key, &bbt_bid, &bbt_ib, &bbt_levels, err);
    if (rc == 0)
        rc = write_nbt(n, &nbt_bid, &nbt_ib, &nbt_levels, err);
    /* The file ends at the end of an AMap interval ([MS-PST] 2.6.1.1.2). */
    size_t last = n->nintervals - 1;
    uint64_t eof = interval_base(last) + PST_AMAP_INTERVAL;
    if (rc == 0)
        rc = write_zeros(n, eof - n->pos, err);
    /* The AMap pages of the intervals still open; the others were written as they filled. */
    while (rc == 0 && n->amap_first < n->nintervals)
        rc = close_interval(n, err);
    uint64_t free_bytes = 0;
    uint8_t pg[PAGE_SIZE];
    for (size_t k = 0; k < n->nintervals && rc == 0; k++) {
        free_bytes += 64u * n->free_units[k];
        uint64_t at = interval_base(k) + PAGE_SIZE;
        if (rc == 0 && has_pmap(k)) {
            memset(pg, 0xFF, 496);
            map_trailer(pg, PTYPE_PMAP, at);
            rc = pwrite_at(n, at, pg, sizeof pg, err);
            at += PAGE_SIZE;
        }
        if (rc == 0 && has_fmap(k)) {
            /* One byte per AMap from this interval on: its longest free run. */
            memset(pg, 0, sizeof pg);
            for (size_t j = 0; j < 496 && k + j < n->nintervals; j++)
                pg[j] = n->longest[k + j];
            map_trailer(pg, PTYPE_FMAP, at);
            rc = pwrite_at(n, at, pg, sizeof pg, err);
        } else if (rc == 0 && has_fpmap(k)) {
            memset(pg, 0xFF, 496);
            map_trailer(pg, PTYPE_FPMAP, at);
            rc = pwrite_at(n, at, pg, sizeof pg, err);
        }
    }
    if (rc == 0) {
        /* An empty density list, as Outlook 2010 and later write it. */
        memset(pg, 0, sizeof pg);
        pg[496] = PTYPE_DLIST;
        pg[497] = PTYPE_DLIST;
        pst_put16(pg + 498, pst_block_sig(DLIST_OFFSET, n->bid_next_p));
        pst_put32(pg + 500, pst_crc(pg, 496));
        pst_put64(pg + 504, n->bid_next_p);
        rc = pwrite_at(n, DLIST_OFFSET, pg, sizeof pg, err);
    }
    if (rc == 0 && fflush(n->f) != 0)
        rc = io_fail(n, err);
    if (rc == 0) {
        /* Last: the header that makes the file valid. */
        struct root_info r = {eof,     interval_base(last), free_bytes, nbt_bid,
                              nbt_ib,  bbt_bid,             bbt_ib,     0x02 /* VALID_AMAP2 */};
        uint8_t h[HEADER_SIZE];
        n->unique++;
        build_header(n, &r, h);
        rc = pwrite_at(n, 0, h, sizeof h, err);
    }
    if (rc == 0 && fflush(n->f) != 0)
        rc = io_fail(n, err);
    n->stats.file_size = eof;
    n->stats.amap_free = free_bytes;
    n->stats.blocks = (size_t)n->nblocks;
    n->stats.nodes = (size_t)(n->nheld + n->nmsg_nodes);
    n->stats.bbt_levels = bbt_levels;
    n->stats.nbt_levels = nbt_levels;
    if (fclose(n->f) != 0 && rc == 0)
        rc = io_fail(n, err);
    n->f = NULL;
    return rc;
}

uint64_t pst_ndb_data_bytes(const struct pst_ndb *n)
{
    return n->data_bytes;
}

void pst_ndb_get_stats(const struct pst_ndb *n, struct pst_ndb_stats *st)
{
    *st = n->stats;
    if (!n->done) {
        st->file_size = n->pos;
        st->blocks = (size_t)n->nblocks;
        st->nodes = (size_t)(n->nheld + n->nmsg_nodes);
    }
}

void pst_ndb_free(struct pst_ndb *n)
{
    if (!n)
        return;
    if (n->f)
        fclose(n->f);
    free(n->path);
    free(n->amap);
    free(n->longest);
    free(n->free_units);
    free(n->held);
    free(n);
}
