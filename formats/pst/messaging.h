/* messaging: the fixed parts of a PST message store ([MS-PST] 2.4, 2.7), write side.
 *
 * What every store carries besides the user's folders: the table templates with the exact
 * column sets current Outlook writes, the message store PC, the name-to-ID map (never empty,
 * each entry also in its hash bucket), and the internal nodes Outlook creates in an empty store
 * (search activity list, receive-folder and outgoing-queue tables, the undocumented 0x6B6,
 * 0x6D7, 0x6F8 tables and 0xC01, 0xE01, 0xEE1, 0xF01 nodes, empty queues).
 *
 * Ownership: struct pst_nameid is the caller's (pst_nameid_free accepts NULL). */
#ifndef WLMIGRATE_PST_MESSAGING_H
#define WLMIGRATE_PST_MESSAGING_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "pst/ltp.h"
#include "pst/ndb.h"

/* Well-known NIDs ([MS-PST] 2.4.1) and the folder NIDs Outlook gives an empty store. */
enum {
    PST_NID_MESSAGE_STORE = 0x21,
    PST_NID_NAME_TO_ID_MAP = 0x61,
    PST_NID_ROOT_FOLDER = 0x122,
    PST_NID_SEARCH_MANAGEMENT_QUEUE = 0x1E1,
    PST_NID_SEARCH_ACTIVITY_LIST = 0x201,
    PST_NID_SEARCH_DOMAIN_OBJECT = 0x261,
    PST_NID_HIERARCHY_TABLE_TEMPLATE = 0x60D,
    PST_NID_CONTENTS_TABLE_TEMPLATE = 0x60E,
    PST_NID_ASSOC_CONTENTS_TABLE_TEMPLATE = 0x60F,
    PST_NID_SEARCH_CONTENTS_TABLE_TEMPLATE = 0x610,
    PST_NID_RECEIVE_FOLDER_TABLE = 0x62B,
    PST_NID_OUTGOING_QUEUE_TABLE = 0x64C,
    PST_NID_ATTACHMENT_TABLE = 0x671,
    PST_NID_RECIPIENT_TABLE = 0x692,
    PST_NID_SPAM_SEARCH_FOLDER = 0x2223,
};

enum pst_template {
    PST_TPL_HIERARCHY,
    PST_TPL_CONTENTS,
    PST_TPL_FAI,
    PST_TPL_SEARCH_CONTENTS,
    PST_TPL_ATTACHMENT,
    PST_TPL_RECIPIENT,
    PST_TPL_RECEIVE_FOLDER,
    PST_TPL_OUTGOING_QUEUE,
    PST_TPL_6B6,
    PST_TPL_6D7,
    PST_TPL_6F8,
    PST_TPL_COUNT
};

/* Column tags of a template, in Outlook's column (iBit) order, RowId and RowVer first. */
const uint32_t *pst_template_columns(enum pst_template t, size_t *count);

/* ---- name-to-ID map ---- */
struct pst_nameid;

/* A map holding the 35 entries Outlook puts into an empty store. */
struct pst_nameid *pst_nameid_new(void);
/* The property ID (0x8000 + index) of a named property, added when new; 0 when the map is full.
 * `guid` is in stored byte order; `name` (UTF-8) or, if NULL, `lid`. */
uint16_t pst_nameid_lookup(struct pst_nameid *m, const uint8_t guid[16], uint32_t lid,
                           const char *name);
/* Writes node 0x61. */
int pst_nameid_write(const struct pst_nameid *m, struct pst_ndb *n, struct error *err);
void pst_nameid_free(struct pst_nameid *m);

/* ---- fixed nodes ---- */
struct pst_store_info {
    const char *name;        /* UTF-8 display name of the store */
    uint8_t record_key[16];  /* the store's provider UID, also in every EntryID */
    uint8_t repl_guid[16];   /* for PidTagReplVersionhistory */
    uint8_t instance[32];    /* two GUIDs for node 0xF01 */
    uint64_t filetime;       /* creation time */
    uint32_t ipm_subtree, deleted_items, search_root, common_views; /* folder NIDs */
};

/* Writes the message store PC (node 0x21). */
int pst_store_write(const struct pst_store_info *s, struct pst_ndb *n, struct error *err);
/* Writes the internal nodes of an empty store, all but the templates. */
int pst_store_write_internal(const struct pst_store_info *s, struct pst_ndb *n, struct error *err);
/* Writes template `t`'s node; *bid receives its data block, which the empty tables of folders
 * share: pst_ndb_add_node() their nodes with it before any other block is written. */
int pst_template_write(struct pst_ndb *n, enum pst_template t, uint64_t *bid, struct error *err);

#endif
