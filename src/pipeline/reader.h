/* reader: how the program finds a store on disk and walks it.
 *
 * Implemented by formats/wlm/store.c, which reads Windows Live Mail stores, Windows Mail (Vista)
 * stores and plain folder trees of .eml files (the first two are such trees with accounts and
 * side files around them). A reader only reads: it never opens anything in the source for
 * writing and never follows a symbolic link. Problems it meets (unreadable folders, links,
 * odd files, bad names, bad account files) go into the report; the walk goes on.
 *
 * Ownership: the caller owns the locations and the store and frees them with the functions
 * below; a `struct model_message` lives only during the callback that receives it. */
#ifndef WLMIGRATE_READER_H
#define WLMIGRATE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "model/model.h"
#include "report/report.h"

struct reader_location {
    char *path;          /* canonical absolute path of the store */
    enum store_kind kind;
    bool account_only;   /* the path is one account's directory, not a whole store */
};

/* Finds the stores at `path` or below it: the store root itself, one account directory, a
 * Windows Mail store, a plain tree of .eml files, or a directory above a store such as a
 * mounted Windows disk (Users/<name>/AppData/Local/Microsoft/Windows Live Mail, and Windows
 * XP's Documents and Settings). Returns 0 with *count >= 1, or -1 with err when nothing is found. */
int reader_locate(const char *path, struct reader_location **found, size_t *count,
                  struct error *err);
void reader_locations_free(struct reader_location *found, size_t count);

/* Reads accounts and walks the folder tree, counting message files and bytes per folder. */
struct model_store *reader_open(const struct reader_location *loc, struct report *report,
                                struct error *err);

/* Calls `fn` for each message file of `folder` alone (not its subfolders), in file name order.
 * Stops and returns fn's value when it returns non-zero; -1 when the folder cannot be listed. */
typedef int (*reader_message_fn)(void *ctx, const struct model_message *m);
int reader_each_message(const struct model_store *store, const struct model_folder *folder,
                        reader_message_fn fn, void *ctx);

#endif
