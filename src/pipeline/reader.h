/* reader: the interface through which the program finds a store on disk and walks it.
 *
 * Implemented today by formats/wlm/store.c (Windows Live Mail stores, Windows Mail stores and
 * plain folder trees of .eml files) and listed in formats/registry.c; the pipeline knows a
 * reader only through these ops, so its unit test drives it with a fake one. A reader only
 * reads: it never opens anything in the source for writing and never follows a symbolic link.
 * Problems it meets (unreadable folders, links, odd files, bad names, bad account files) go into
 * the report; the walk goes on.
 *
 * Ownership: the caller owns the locations and the store and frees them with
 * reader_locations_free() and model_store_free(); a `struct model_message` lives only during
 * the callback that receives it. */
#ifndef WLMIGRATE_READER_H
#define WLMIGRATE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "report/report.h"
#include "util/error.h"

struct reader_location {
    char *path;          /* canonical absolute path of the store */
    enum store_kind kind;
    bool account_only;   /* the path is one account's directory, not a whole store */
    /* Set before open: a database another program holds (a running Windows Live Mail) is left
     * unread, its state reported unknown, instead of refusing the store. */
    bool read_while_in_use;
};

/* Called for each message; a status other than STATUS_OK ends the walk with that status. */
typedef enum status (*reader_message_fn)(void *ctx, const struct model_message *m);

struct reader_ops {
    const char *name;
    /* Finds the stores at `path` or below it (the store itself, one account directory, or a
     * directory above stores such as a mounted disk). STATUS_OK with *count >= 1, or
     * STATUS_STORE_BAD with `err` when nothing is found. */
    enum status (*locate)(const char *path, struct reader_location **found, size_t *count,
                          struct error *err);
    /* Reads accounts and walks the folder tree, counting message files per folder (by name and
     * type: their bytes are counted by the pipeline as it opens them); NULL with `err` when the
     * store cannot be read at all. */
    struct model_store *(*open)(const struct reader_location *loc, struct report *report,
                                struct error *err);
    /* Calls `fn` for each message file of `folder` alone (not its subfolders), in file name
     * order, named (and, where it can, with its open directory: model_message.dir) but not
     * described: the pipeline takes size and time from the file it opens. STATUS_FOLDER_BAD
     * with `err` (one sentence naming why) when the folder cannot be listed; otherwise
     * STATUS_OK or the first status `fn` returned that was not OK. */
    enum status (*each_message)(const struct model_store *store, const struct model_folder *folder,
                                reader_message_fn fn, void *ctx, struct error *err);
    /* Finds the address books the format's programs keep beside a store at `store_path` (the
     * path given to locate, or a location found): calls `add` with each file's path and the
     * kind of contacts reader that reads it ("edb", "contact": see pipeline/contacts.h), in a
     * fixed order. NULL when the format knows of none. */
    void (*find_contacts)(const char *store_path,
                          void (*add)(void *ctx, const char *path, const char *kind), void *ctx);
};

void reader_locations_free(struct reader_location *found, size_t count);

#endif
