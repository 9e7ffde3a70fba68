/* msgstore: what Windows Live Mail's database knows beside the .eml files.
 *
 * WLM keeps read, flagged, replied and forwarded state, received times, priorities, the true
 * (long, Japanese) folder names and the special folders in its ESE database Mail.MSMessageStore
 * (WindowsMail.MSMessageStore on Vista), not in the messages. This module reads that database
 * (through esedb_text.h: checked first, then read by libesedb in a child process) into a small
 * index: per message file (keyed by its path relative to the store root, matched without regard
 * to case) its state, received time and whether its body was downloaded, and per folder
 * directory its display name and special kind. Every assumption about the schema (tables and columns, types, stored values,
 * flag bits) is in one table at the top of msgstore.c, so that a real sample can correct it.
 * The database is opened read-only; a database that cannot be read (damaged, or its reader
 * crashed, hung or ran out of memory) is an error value, never a stop: the caller converts the
 * .eml files without state.
 *
 * Ownership: the caller owns the msgstore and frees it with msgstore_free (NULL allowed);
 * pointers returned by lookups live as long as the msgstore. */
#ifndef WLMIGRATE_MSGSTORE_H
#define WLMIGRATE_MSGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/child.h"
#include "util/error.h"

enum msgstore_shutdown {
    MSGSTORE_UNKNOWN = 0,
    MSGSTORE_CLEAN,
    MSGSTORE_DIRTY,   /* not shut down cleanly: recent changes may sit in the logs, unread */
};

struct msgstore_folder {
    int64_t id;
    int64_t parent;        /* -1 for the invisible root */
    char *name;            /* FLDCOL_NAMEW (or FLDCOL_NAME), UTF-8, or NULL */
    char *path;            /* FLDCOL_PATH relative to the store, '/' separators, or NULL */
    enum folder_special special; /* from FLDCOL_SPECIAL; NORMAL when ordinary or unknown */
};

/* What MSGCOL_FLAGS says of the message's body. */
enum msgstore_body {
    MSGSTORE_BODY_UNKNOWN = 0,   /* no flags */
    MSGSTORE_BODY_DOWNLOADED,    /* the whole message was downloaded */
    MSGSTORE_BODY_HEADERS_ONLY,  /* only its headers were (an IMAP message not yet opened) */
};

struct msgstore_message {
    int64_t folder_id;
    bool folder_exists;    /* a Folders row has folder_id */
    uint32_t state;        /* MSG_STATE_* bits (model.h) */
    int64_t received;      /* Unix time, or MODEL_TIME_UNKNOWN */
    int priority;          /* 1 high, 3 normal, 5 low; 0 unknown */
    enum msgstore_body body;
    bool seen;             /* set by the caller when a file matched this row */
    const char *path;      /* the file, relative to the store root, '/' separators */
};

struct msgstore;


/* Opens and indexes the database at `path` (read in a child process, see esedb_text.h). NULL
 * with err (naming the file and saying why) when it cannot. */
struct msgstore *msgstore_open(const char *path, struct error *err);
/* For tests and the fuzzer: the index from what the child writes (esedb_text.h's row format),
 * fed to the decoder `chunk` bytes at a time (0: all at once). NULL with err when the rows are
 * malformed, cut short, or lack a usable Folders table. */
struct msgstore *msgstore_from_rows(const void *rows, size_t len, size_t chunk,
                                    struct error *err);
/* Writes to `fd` what the child writes for the database at `path`, in this process (seeds). */
void msgstore_dump_rows(const char *path, int fd);
/* msgstore_dump_rows by name, for a new process that reads the database (util/child.h). */
extern const struct child_role msgstore_child_role;
void msgstore_free(struct msgstore *db);

enum msgstore_shutdown msgstore_shutdown_state(const struct msgstore *db);
/* Number of message rows that could not be used (no stream path), for the report. */
size_t msgstore_rows_skipped(const struct msgstore *db);
/* Stream rows whose path leads out of the store (an absolute path elsewhere, a ".." step): never
 * followed, and named in the report. The count of all of them; *named receives how many are
 * kept (the first MSGSTORE_OUTSIDE_NAMED), each as stored (UTF-8). */
#define MSGSTORE_OUTSIDE_NAMED 20
size_t msgstore_outside_count(const struct msgstore *db, size_t *named);
const char *msgstore_outside_at(const struct msgstore *db, size_t i);

/* The row for a message file at `relpath` (relative to the store root), or NULL. */
struct msgstore_message *msgstore_message(struct msgstore *db, const char *relpath);
/* All message rows, for finding those no file matched. */
size_t msgstore_message_count(const struct msgstore *db);
struct msgstore_message *msgstore_message_at(struct msgstore *db, size_t i);

/* All folder rows (sorted by id), for checks. */
size_t msgstore_folder_count(const struct msgstore *db);
const struct msgstore_folder *msgstore_folder_at(const struct msgstore *db, size_t i);

/* The folder whose FLDCOL_PATH is `relpath`, or NULL. */
const struct msgstore_folder *msgstore_folder_by_path(const struct msgstore *db,
                                                      const char *relpath);


#endif
