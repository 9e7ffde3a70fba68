/* ndb: the node database layer of a Unicode PST file ([MS-PST] 2.2), write side.
 *
 * The bottom layer of the PST writer. It owns the output file and lays it out append-only:
 * blocks (64-byte aligned, trailer with CRC and signature, external blocks permuted) from
 * 0x4800 on, never across an allocation-map interval; XBLOCK/XXBLOCK data trees and
 * SLBLOCK/SIBLOCK subnode trees; the BBT and NBT, built bottom up in 512-byte pages as blocks
 * and nodes come; and, at commit, the rest of both trees, the AMap/PMap/FMap/FPMap pages, the
 * empty density list and finally the header. In memory it keeps one page per level of each
 * tree, the nodes that are not messages' (a few per folder), one 496-byte bitmap per open 248
 * KiB interval and two bytes per interval: nothing grows with the number of messages.
 * The header says fAMapValid = INVALID_AMAP until commit rewrites it as the last step.
 *
 * Decisions recorded here (see doc/PST.md 1.1, 1.5, 1.6):
 *  - cRef of a block is 1 + the number of references to it, as Outlook writes it. Every block
 *    is written for one reference; a block shared by several nodes gets the others before 20
 *    more blocks are written (the BBT page holding it is still open then). Commit fails when
 *    the references made do not add up.
 *  - The messages' nodes must be added in increasing NID order, and every other node's NID must
 *    be below theirs (both hold for the NIDs Outlook's counters give).
 *  - Block BIDs come from bidNextB in steps of 4 (bit 1 set for internal blocks); page BIDs are
 *    odd numbers in steps of 2, each above every block BID issued before it.
 *  - Map pages: AMap at every interval start; PMap after it when the interval index k % 8 == 0;
 *    FMap after those when k >= 128 and (k - 128) % 496 == 0; FPMap (files over 2 GB) at
 *    +1024 when k >= 8192 and (k - 8192) % 31744 == 0 (one FPMap maps 496 * 8 PMaps, that is
 *    496 * 64 AMaps; +1024 is the slot ContinuMail found scanpst to expect, and it never
 *    coincides with an FMap interval). PMap and FPMap are all 0xFF.
 *
 * Ownership: the caller owns the struct pst_ndb and frees it with pst_ndb_free(); library code
 * never prints. Functions returning int give 0 on success, -1 with `err` filled. */
#ifndef WLMIGRATE_PST_NDB_H
#define WLMIGRATE_PST_NDB_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "pst/pstprop.h"

#define PST_BLOCK_MAX_DATA 8176u  /* largest cb of one block (8192 minus the trailer) */
#define PST_XBLOCK_MAX 1021u      /* BIDs per XBLOCK / XXBLOCK */
#define PST_SLBLOCK_MAX 340u      /* entries per SLBLOCK */
#define PST_SIBLOCK_MAX 510u      /* entries per SIBLOCK */
#define PST_AMAP_INTERVAL 253952u /* bytes mapped by one AMap page (496 * 8 * 64) */
#define PST_FIRST_AMAP 0x4400u

/* NID types ([MS-PST] 2.2.2.1). */
enum {
    PST_NID_TYPE_HID = 0x00,
    PST_NID_TYPE_INTERNAL = 0x01,
    PST_NID_TYPE_NORMAL_FOLDER = 0x02,
    PST_NID_TYPE_SEARCH_FOLDER = 0x03,
    PST_NID_TYPE_NORMAL_MESSAGE = 0x04,
    PST_NID_TYPE_ATTACHMENT = 0x05,
    PST_NID_TYPE_SEARCH_UPDATE_QUEUE = 0x06,
    PST_NID_TYPE_SEARCH_CRITERIA_OBJECT = 0x07,
    PST_NID_TYPE_ASSOC_MESSAGE = 0x08,
    PST_NID_TYPE_HIERARCHY_TABLE = 0x0D,
    PST_NID_TYPE_CONTENTS_TABLE = 0x0E,
    PST_NID_TYPE_ASSOC_CONTENTS_TABLE = 0x0F,
    PST_NID_TYPE_SEARCH_CONTENTS_TABLE = 0x10,
    PST_NID_TYPE_ATTACHMENT_TABLE = 0x11,
    PST_NID_TYPE_RECIPIENT_TABLE = 0x12,
    PST_NID_TYPE_LTP = 0x1F,
};

#define PST_NID(index, type) ((uint32_t)(((uint32_t)(index) << 5) | (uint32_t)(type)))
#define PST_NID_TYPE(nid) ((nid) & 0x1Fu)
#define PST_NID_INDEX(nid) ((nid) >> 5)

/* [MS-PST] 5.3: reflected CRC-32 (polynomial 0xEDB88320), initial value 0, no final XOR. */
uint32_t pst_crc(const void *data, size_t len);
/* [MS-PST] 5.5: the wSig of a block or B-tree page at file offset `ib` with BID `bid`. */
uint16_t pst_block_sig(uint64_t ib, uint64_t bid);
/* NDB_CRYPT_PERMUTE ([MS-PST] 5.1) in place, as external blocks are written. */
void pst_permute_encode(uint8_t *data, size_t len);

/* One entry of a subnode tree (SLENTRY). */
struct pst_subnode {
    uint32_t nid;
    uint64_t bid_data;
    uint64_t bid_sub;
};

/* A growable list of subnodes, filled while a node's contents are built. */
struct pst_sublist {
    struct pst_subnode *v;
    size_t count;
    size_t cap;
    uint32_t next_index; /* nidIndex for the next NID_TYPE_LTP subnode (starts at 0x401) */
};

void pst_sublist_add(struct pst_sublist *l, uint32_t nid, uint64_t bid_data, uint64_t bid_sub);
/* A fresh NID_TYPE_LTP subnode NID unique inside this list's node. */
uint32_t pst_sublist_new_nid(struct pst_sublist *l);
void pst_sublist_free(struct pst_sublist *l);

/* A page of bytes handed to pst_ndb_write_pages (one block each). */
struct pst_span {
    const uint8_t *data;
    size_t len;
};

struct pst_ndb;

/* Creates `path` (truncating it) and writes a placeholder header that marks the allocation map
 * invalid (fAMapValid = 0), so a file left behind by a crash is one Outlook repairs. */
struct pst_ndb *pst_ndb_create(const char *path, struct error *err);

/* Writes a byte stream as a data tree: one block, or blocks of 8176 bytes under an XBLOCK, or an
 * XXBLOCK. An empty stream gives BID 0. */
int pst_ndb_write_data(struct pst_ndb *n, const void *data, size_t len, uint64_t *bid,
                       struct error *err);
/* Writes `count` pages as the leaves of one data tree, as a heap or a row matrix needs it: one
 * block per page. Every page but the last must hold exactly 8176 bytes (the caller pads), as in
 * Outlook's files: readers find byte k of the tree in block k / 8176 (doc/PST.md 1.7). */
int pst_ndb_write_pages(struct pst_ndb *n, const struct pst_span *pages, size_t count,
                        uint64_t *bid, struct error *err);
/* Puts leaves already written (pst_ndb_write_pages of one page each; every one but the last
 * 8176 bytes, the last `last_len`) under an XBLOCK or XXBLOCK, in the order given: for a tree
 * whose first leaf can only be written last (a heap's page 0). One leaf is its own tree. */
int pst_ndb_write_tree(struct pst_ndb *n, const uint64_t *leaves, size_t count,
                       size_t last_len, uint64_t *bid, struct error *err);
/* A data tree written as its bytes come, for a value too large to hold (an attachment of any
 * size): leaves go to the file as they fill, an XBLOCK above every 1021 of them, an XXBLOCK at
 * the end; memory stays at one block and two BID arrays. Up to 1021 leaves the file is the
 * same as pst_ndb_write_data() gives for the same bytes. end() and abort() free the stream;
 * after abort the blocks written stay in the file, unreferenced. */
struct pst_ndb_stream;
struct pst_ndb_stream *pst_ndb_stream_begin(struct pst_ndb *n);
int pst_ndb_stream_write(struct pst_ndb_stream *s, const void *data, size_t len, struct error *err);
/* *bid receives the tree's BID (0 when no byte was written), *total its length. */
int pst_ndb_stream_end(struct pst_ndb_stream *s, uint64_t *bid, uint64_t *total, struct error *err);
void pst_ndb_stream_abort(struct pst_ndb_stream *s);
/* Writes the subnode tree of a node (entries sorted here by NID; NIDs must be distinct);
 * an empty list gives BID 0. */
int pst_ndb_write_subnodes(struct pst_ndb *n, struct pst_subnode *subs, size_t count,
                           uint64_t *bid, struct error *err);
/* Adds a node to the NBT; counts one reference on each non-zero BID. */
int pst_ndb_add_node(struct pst_ndb *n, uint32_t nid, uint64_t bid_data, uint64_t bid_sub,
                     uint32_t nid_parent, struct error *err);
/* Allocates the next nidIndex of `type` (rgnid[type] is the last one used). Folder indexes also
 * advance the hierarchy, contents and FAI table counters, as Outlook does. */
uint32_t pst_ndb_alloc_nid(struct pst_ndb *n, unsigned type);

/* Bytes written so far in external (data) blocks: the difference over the writes of one message
 * is what Outlook stores as PidTagMessageSize. */
uint64_t pst_ndb_data_bytes(const struct pst_ndb *n);

/* Builds the B-trees, the maps and the header, and closes the file. After commit (successful or
 * not) only pst_ndb_free() may be called. */
int pst_ndb_commit(struct pst_ndb *n, struct error *err);
/* Closes without committing; the file keeps its invalid-map header. Accepts NULL. */
void pst_ndb_free(struct pst_ndb *n);

/* Figures for tests and reports. */
struct pst_ndb_stats {
    uint64_t file_size;
    uint64_t amap_free;
    size_t blocks;
    size_t nodes;
    unsigned bbt_levels;
    unsigned nbt_levels;
};
void pst_ndb_get_stats(const struct pst_ndb *n, struct pst_ndb_stats *st);

#endif
