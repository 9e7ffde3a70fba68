/* ltp: the lists, tables and properties layer of a PST ([MS-PST] 2.3), write side.
 *
 * A heap-on-node (HN) is built in memory and written as one node's data tree: page 0 starts
 * with HNHDR, the others with HNPAGEHDR, pages 8, 136, 264, ... with HNBITMAPHDR; items are
 * packed back to back, the HNPAGEMAP follows them, and every page but the last is padded with
 * zeros to a full 8176-byte block, as Outlook writes it. On it sit the BTree-on-heap (BTH,
 * always allocated first so its header is HID 0x20, which pst-extractor relies on), the
 * property context (PC: a BTH of 2-byte property IDs; values inline, in the heap, or in a
 * subnode when over 3580 bytes; empty variable values as HNID 0, as Outlook does) and the table
 * context (TC: TCINFO, row index BTH, rows with a cell-existence bitmap; a row matrix too big
 * for one heap item goes to a subnode whose non-final blocks are padded to 8176 bytes). A TC
 * writes its rows to the file as they fill (pst_heap_flush); everything else is written whole.
 *
 * Ownership: the caller owns the heap and TC objects and frees them (the *_free functions accept
 * NULL). Values passed in are copied where they are kept. */
#ifndef WLMIGRATE_PST_LTP_H
#define WLMIGRATE_PST_LTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"
#include "pst/ndb.h"
#include "pst/pstprop.h"

#define PST_HEAP_MAX_ITEM 3580u

enum {
    PST_HN_SIG_TC = 0x7C,
    PST_HN_SIG_BTH = 0xB5,
    PST_HN_SIG_PC = 0xBC,
};

/* Size of a value of `type` kept in place (in a PC's dwValueHnid when <= 4, in a TC cell), or
 * 0 for types stored through an HNID. */
size_t pst_fixed_size(uint16_t type);

/* One property as stored: fixed types as their little-endian bytes, strings as UTF-16LE
 * without terminator, binary as is. A large value already written as a data tree (streamed:
 * pst_ndb_stream) has `bid` set, `len` its length and no `data`. */
struct pst_value {
    uint32_t tag;
    const uint8_t *data;
    size_t len;
    uint64_t bid;
};

/* ---- heap-on-node ---- */
struct pst_heap;

struct pst_heap *pst_heap_new(uint8_t client_sig);
/* Allocates an item of 1..3580 bytes (copied from `data`, or zeros when NULL); returns its HID. */
uint32_t pst_heap_alloc(struct pst_heap *h, const void *data, size_t len);
/* The bytes of an item, to patch it before the heap is written. */
uint8_t *pst_heap_item(struct pst_heap *h, uint32_t hid, size_t *len);
void pst_heap_set_root(struct pst_heap *h, uint32_t hid);
/* The serialized pages, as they are stored (every one but the last 8176 bytes): `*pages` is an
 * array of `return value` buffers; the caller frees each buffer and the array. */
size_t pst_heap_serialize(const struct pst_heap *h, struct buf **pages);
/* Writes the pages that are full and that nothing will change any more (all but page 0, the
 * last page and a bitmap page whose 128 pages are not all full) as blocks of their own, and
 * frees them: a heap that grows with a table stays at a few pages in memory. Their items can
 * no longer be reached through pst_heap_item(); pst_heap_serialize() is for heaps never
 * flushed. */
int pst_heap_flush(struct pst_heap *h, struct pst_ndb *n, struct error *err);
/* Writes the heap as a data tree; *bytes receives the sum of its page sizes. */
int pst_heap_write(struct pst_heap *h, struct pst_ndb *n, uint64_t *bid, uint64_t *bytes,
                   struct error *err);
void pst_heap_free(struct pst_heap *h);

/* ---- BTree-on-heap ---- */
/* Allocates the BTHHEADER (do it first on a PC or TC heap so that it is HID 0x20). */
uint32_t pst_bth_new(struct pst_heap *h, uint8_t cb_key, uint8_t cb_ent);
/* Stores `count` records of cb_key + cb_ent bytes, sorted by key, as leaves and index levels,
 * and points the header at the root. */
void pst_bth_fill(struct pst_heap *h, uint32_t bth, const uint8_t *recs, size_t count);

/* ---- property context ---- */
/* Optional size patch: when `prop_id` is non-zero, the Int32 property of that ID (which must be
 * among the properties) is set to `base` + the data bytes of this PC (heap pages and the
 * streams of its large values) before the heap is written: PidTagMessageSize, PidTagAttachSize.
 * The total is returned in `result`. */
struct pst_pc_size {
    uint16_t prop_id;
    uint64_t base;
    uint64_t result;
};

/* Writes a PC node's data tree from `count` properties (any order; IDs must be distinct).
 * Values over 3580 bytes become subnodes added to `subs`. `size` may be NULL. */
int pst_pc_write(struct pst_ndb *n, const struct pst_value *props, size_t count,
                 struct pst_sublist *subs, uint64_t *bid, struct pst_pc_size *size,
                 struct error *err);

/* ---- table context ---- */
struct pst_tc;

#define PST_TAG_ROW_ID PST_TAG(0x67F2, PST_PT_I32)
#define PST_TAG_ROW_VER PST_TAG(0x67F3, PST_PT_I32)

/* Columns in iBit order; RowId and RowVer are added in front when not given. */
struct pst_tc *pst_tc_new(const uint32_t *tags, size_t ncols);
/* Appends a row; cells whose tag is not a column are ignored, columns without a cell are
 * absent in the cell-existence bitmap. Variable cells go into the heap (or a subnode) at once,
 * and whatever is full goes to the file, so memory does not grow with the rows. Row IDs may
 * come in any order within a run of 447 rows (one row-index leaf) and must increase from run to
 * run; a row ID seen twice fails, as does a failed write. */
int pst_tc_add_row(struct pst_tc *t, struct pst_ndb *n, uint32_t row_id, uint32_t row_ver,
                   const struct pst_value *cells, size_t count, struct error *err);
size_t pst_tc_row_count(const struct pst_tc *t);
/* An upper bound on the bytes pst_tc_write() will add to the file for this table beyond what
 * its rows have written already, for the writer's size estimate. */
uint64_t pst_tc_size_bound(const struct pst_tc *t);
/* Writes the rest of the TC node's data tree and, when needed, its subnode tree: once. */
int pst_tc_write(struct pst_tc *t, struct pst_ndb *n, uint64_t *bid_data, uint64_t *bid_sub,
                 struct error *err);
void pst_tc_free(struct pst_tc *t);

#endif
