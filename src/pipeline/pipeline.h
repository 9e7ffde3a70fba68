/* pipeline: drives a store through a writer, counting everything.
 *
 * It walks the folder tree in order (a folder, its messages, then its subfolders), opens each
 * message once, classifies it, hands it to the writer, and records every outcome in the report:
 * written, or in problems[] with the reason, its original bytes copied to unconverted/. It is
 * the only stage that writes the report's rows and totals: a writer hands back what it did (see
 * writer.h). With no writer it only classifies (that is `scan`). It knows no format: reader and
 * writer arrive as ops.
 *
 * Error scopes: a bad message (unreadable, or the writer could not write it) and a bad folder
 * (cannot be listed) are reported and the run goes on; a bad store (the writer cannot write at
 * all) or a stop request ends the run with that status.
 *
 * Ownership: the caller owns everything in struct pipeline. */
#ifndef WLMIGRATE_PIPELINE_H
#define WLMIGRATE_PIPELINE_H

#include <signal.h>

#include "util/error.h"
#include "model/model.h"
#include "pipeline/reader.h"
#include "report/progress.h"
#include "report/report.h"
#include "pipeline/writer.h"

struct pipeline {
    const struct reader_ops *reader;
    struct model_store *store;       /* its folders' bytes are counted here (model.h) */
    struct report *report;
    const struct writer_ops *writer; /* NULL: classify only */
    void *writer_state;
    const char *unconverted_dir;     /* where originals of unconverted messages go, or NULL */
    struct progress *progress;       /* may be NULL */
    volatile sig_atomic_t *stop;     /* set by a signal handler to end the run early, or NULL */
    const struct contact_list *contacts; /* handed to the writer before commit, or NULL */
};

/* STATUS_OK when every folder was walked (and the writer committed), STATUS_STORE_BAD with `err`
 * when the writer could write no more, STATUS_STOPPED when *stop was set. */
enum status pipeline_run(struct pipeline *p, struct error *err);

/* "Storage Folders/Inbox/取引先": the names from the top-level folder down to `f`. */
char *pipeline_folder_path(const struct model_folder *f);

#endif
