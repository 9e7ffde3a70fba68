/* pstwriter: the public API for writing a Unicode PST (Outlook data file), streaming.
 *
 * Folders and messages are added one at a time. A message is written to disk as soon as it is
 * added; memory keeps the NDB B-tree indexes, the folder tree (names, counts) and the contents
 * table rows of folders still open. pst_writer_close_folder() writes a folder's contents table
 * and drops its rows; pst_writer_commit() closes every folder, writes the folder nodes, the
 * name-to-ID map, the message store, the B-trees, the allocation maps and last the header, and
 * moves the file into place. Until then the output exists only as PATH.part with a header that
 * marks its allocation map invalid.
 *
 * Properties are given as a list of tagged values (struct pst_prop, tags made with PST_TAG and
 * the PST_PT_* types of pstprop.h). Strings are UTF-8 and are stored as UTF-16LE; binary and
 * multi-valued values are stored as given; named properties (a GUID with a number or a name)
 * get their property ID from the store's name-to-ID map.
 *
 * Ownership: the writer owns every folder handle it returns; handles stay valid until commit or
 * abort. Property data is copied when needed; the caller keeps its buffers. */
#ifndef WLMIGRATE_PST_PSTWRITER_H
#define WLMIGRATE_PST_PSTWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"
#include "pst/pstprop.h"

struct pst_writer;
struct pst_folder;

/* A named property ([MS-OXCDATA] 2.6): `guid` in its stored (little-endian) byte order, and
 * either `name` (UTF-8) or, when `name` is NULL, the number `lid`. */
struct pst_propname {
    uint8_t guid[16];
    uint32_t lid;
    const char *name;
};

/* Binary bytes read in pieces while the message is written, for a value of any size (an
 * attachment's data): read() gives >0 bytes, 0 at the end, -1 with `err` filled. The bytes go
 * to the file as they come; none is held beyond one block. */
struct pst_source {
    ssize_t (*read)(void *ctx, void *buf, size_t cap, struct error *err);
    void *ctx;
};

struct pst_prop {
    uint32_t tag;                    /* for a named property only the type half is used */
    const struct pst_propname *name; /* NULL for an ordinary property */
    uint64_t num;                    /* integers, booleans, FILETIMEs; doubles as IEEE bits */
    const void *data;                /* strings (UTF-8), binary and multi-valued bytes */
    size_t len;                      /* bytes at `data`; (size_t)-1 = NUL-terminated string */
    const struct pst_source *source; /* binary only: read from here instead of data/len */
};

struct pst_proplist {
    const struct pst_prop *props;
    size_t count;
};

/* One message: its properties (PidTagMessageClass defaults to IPM.Note; PidTagMessageSize,
 * PidTagMessageStatus, creation/modification times and PidTagSearchKey are filled when absent),
 * one property list per recipient row and one per attachment (PidTagAttachDataBinary holds the
 * bytes; PidTagAttachMethod defaults to 1, by value). An attachment whose list holds
 * PST_PROP_EMBEDDED with `data` pointing at a struct pst_message is written as that embedded
 * message (PidTagAttachMethod 5, PidTagAttachDataObject {its NID, its size}, [MS-PST] 2.4.6.2). */
struct pst_message {
    struct pst_proplist props;
    const struct pst_proplist *recipients;
    size_t nrecipients;
    const struct pst_proplist *attachments;
    size_t nattachments;
};

/* PidTagAttachDataObject (PtypObject): in an attachment's list, `data` is the embedded message. */
#define PST_PROP_EMBEDDED PST_TAG(0x3701, PST_PT_OBJECT)

/* Creates PATH.part; `store_name` is the display name Outlook shows for the data file. */
struct pst_writer *pst_writer_open(const char *path, const char *store_name, struct error *err);
/* The top of the personal folders (IPM subtree), parent of the user's folders. */
struct pst_folder *pst_writer_top(struct pst_writer *w);
/* A new folder under `parent`; `container_class` such as "IPF.Note" or "IPF.Contact" (NULL for
 * none). Names may repeat; any depth is allowed. NULL on error. */
struct pst_folder *pst_writer_add_folder(struct pst_writer *w, struct pst_folder *parent,
                                         const char *name, const char *container_class,
                                         struct error *err);
/* Writes one message into `folder` (which must still be open). */
int pst_writer_add_message(struct pst_writer *w, struct pst_folder *folder,
                           const struct pst_message *msg, struct error *err);
/* Writes the folder's contents table now; no more messages may be added to it. Optional. */
int pst_writer_close_folder(struct pst_writer *w, struct pst_folder *folder, struct error *err);
/* Finishes the file and renames PATH.part to PATH. The writer is freed in every case. */
int pst_writer_commit(struct pst_writer *w, struct error *err);
/* Drops everything and removes PATH.part. Accepts NULL. */
void pst_writer_abort(struct pst_writer *w);

/* An upper estimate of the file's size if it were committed now (written blocks plus the
 * B-trees, contents tables, folder nodes and allocation maps still to come), for splitting
 * output into parts of a maximum size. */
uint64_t pst_writer_size_estimate(const struct pst_writer *w);
/* Messages added so far, all folders. */
uint64_t pst_writer_message_count(const struct pst_writer *w);

/* The NID a folder got (for tests and reports). */
uint32_t pst_folder_nid(const struct pst_folder *f);

#endif
