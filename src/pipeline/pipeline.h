/* pipeline: drives a store through a writer, counting everything.
 *
 * It walks the folder tree in order (a folder, its messages, then its subfolders), opens each
 * message once, classifies it, hands it to the writer, and records every outcome in the report:
 * written, or in problems[] with the reason, its original bytes copied to unconverted/. With no
 * writer it only classifies (that is `scan`). It knows no format.
 *
 * Ownership: the caller owns everything in struct pipeline. */
#ifndef WLMIGRATE_PIPELINE_H
#define WLMIGRATE_PIPELINE_H

#include <signal.h>

#include "util/error.h"
#include "model/model.h"
#include "report/progress.h"
#include "report/report.h"
#include "pipeline/writer.h"

struct pipeline {
    const struct model_store *store;
    struct report *report;
    const struct writer_ops *writer; /* NULL: classify only */
    void *writer_state;
    const char *unconverted_dir;     /* where originals of unconverted messages go, or NULL */
    struct progress *progress;       /* may be NULL */
    volatile sig_atomic_t *stop;     /* set by a signal handler to end the run early, or NULL */
    const struct contact_list *contacts; /* handed to the writer before commit, or NULL */
};

enum pipeline_result { PIPELINE_DONE = 0, PIPELINE_FATAL = -1, PIPELINE_STOPPED = 1 };

enum pipeline_result pipeline_run(struct pipeline *p, struct error *err);

/* "Storage Folders/Inbox/取引先": the names from the top-level folder down to `f`. */
char *pipeline_folder_path(const struct model_folder *f);

#endif
