/* writer: the interface every output format implements, and the list of them.
 *
 * The pipeline drives a writer folder by folder, message by message; the writer keeps only what
 * it must. A writer writes below the directory it is opened on (a temporary directory that the
 * CLI renames into place after commit), so that abort() can leave nothing that looks finished.
 *
 * Return values: 0 success; WRITER_MESSAGE_FAILED when this one message could not be written
 * (the writer has removed any part of it; the pipeline keeps the original in unconverted/);
 * WRITER_FATAL when nothing more can be written (disk full): the run stops. */
#ifndef WLMIGRATE_WRITER_H
#define WLMIGRATE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "pipeline/message.h"
#include "model/model.h"
#include "report/report.h"

#define WRITER_MESSAGE_FAILED (-1)
#define WRITER_FATAL (-2)

struct writer_options {
    const char *container;   /* Thunderbird: name of the folder that holds the import */
    bool unknown_is_read;    /* state to give messages whose store state is unknown */
    uint64_t pst_max_size;   /* Outlook: bytes per PST part (--pst-max-size), 0 = no limit */
};

struct contact_list;

struct writer_ops {
    const char *name;        /* as given to --for */
    /* Messages of a folder arrive oldest first (else in file name order): a writer that may
     * split a folder into parts gets each part as one stretch of dates. */
    bool date_order;
    void *(*open)(const char *dir, const struct writer_options *opts,
                  const struct model_store *store, struct report *report, struct error *err);
    /* `row` is the report's row for this folder: the writer fills row->output. */
    int (*begin_folder)(void *w, const struct model_folder *folder, struct report_folder *row,
                        struct error *err);
    int (*message)(void *w, struct message *msg, struct error *err);
    int (*end_folder)(void *w, struct error *err);
    /* The user's contacts, once, before commit; NULL when the format keeps none itself
     * (contact files beside the mail are written by the CLI). */
    int (*contacts)(void *w, const struct contact_list *contacts, struct error *err);
    /* Flushes and closes everything; after it the directory holds the finished output. */
    int (*commit)(void *w, struct error *err);
    /* Closes and frees; after a failed or interrupted run the caller removes the directory. */
    void (*free)(void *w);
};

/* The writer called `name`, or NULL. */
const struct writer_ops *writer_find(const char *name);
/* Names of all writers, comma-separated, for messages. */
const char *writer_names(void);

#endif
