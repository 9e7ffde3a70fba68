/* writer: the interface every output format implements.
 *
 * The pipeline drives a writer folder by folder, message by message; the writer keeps only what
 * it must. A writer writes below the directory it is opened on (a temporary directory that the
 * output module renames into place after commit), so that a failed or interrupted run leaves
 * nothing that looks finished.
 *
 * A writer never touches the report: each op returns a status (STATUS_OK; STATUS_MESSAGE_BAD when
 * this one message could not be written and the writer has taken back any part of it, so that the
 * pipeline keeps the original in unconverted/; STATUS_STORE_BAD when nothing more can be written,
 * such as a full disk) and tells what it did in a `struct writer_outcome`: where the folder went
 * (one output, or several when a folder is split between files) and notes of the report's problem
 * kinds (a repair, a renamed folder, a split). The pipeline moves both into the report.
 *
 * Ownership: the pipeline owns the outcome; notes and outputs are copied into it. */
#ifndef WLMIGRATE_WRITER_H
#define WLMIGRATE_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "pipeline/message.h"
#include "report/report.h"
#include "util/error.h"
#include "util/platform.h"

/* Options every writer takes; a target's own options reach its writer as `settings`. */
struct writer_options {
    const char *container;   /* name of the folder (Thunderbird) or file (Outlook) that holds it */
    bool unknown_is_read;    /* state to give messages whose store state is unknown */
    unsigned threads;        /* threads the writer may use, the pipeline's counted: 0 or 1 that
                                one only, 2 one more (the Outlook writer's PST writer thread) */
};

struct writer_note {
    enum problem_kind kind;
    char *path;              /* relative to the store root */
    char *message;
};

/* What one writer op did, beside its status. */
struct writer_outcome {
    char **outputs;          /* new outputs of the open folder, relative to the output directory */
    size_t noutputs, outputs_cap;
    struct writer_note *notes;
    size_t nnotes, notes_cap;
};

/* Adds an output path of the open folder (begin_folder, or message when a folder continues in a
 * new file). */
void writer_outcome_output(struct writer_outcome *o, const char *path);
/* Adds a note for the report (printf-style message). */
void writer_outcome_note(struct writer_outcome *o, enum problem_kind kind, const char *path,
                         const char *fmt, ...) PLAT_PRINTF(4, 5);
/* Empties the outcome for the next op (the pipeline calls it after taking what is in it). */
void writer_outcome_clear(struct writer_outcome *o);
void writer_outcome_free(struct writer_outcome *o);

struct contact_list;

struct writer_ops {
    /* Messages of a folder arrive oldest first (else in file name order): a writer that may
     * split a folder into parts gets each part as one stretch of dates. The pipeline opens such
     * a folder's messages to sort them before begin_folder, so `folder->bytes` is whole there;
     * otherwise it is counted as they arrive. */
    bool date_order;
    /* `settings` are the target's own (from its entry in formats/registry.c), or NULL. */
    void *(*open)(const char *dir, const struct writer_options *opts, const void *settings,
                  const struct model_store *store, struct error *err);
    enum status (*begin_folder)(void *w, const struct model_folder *folder,
                                struct writer_outcome *out, struct error *err);
    enum status (*message)(void *w, struct message *msg, struct writer_outcome *out,
                           struct error *err);
    enum status (*end_folder)(void *w, struct writer_outcome *out, struct error *err);
    /* The user's contacts, once, before commit; NULL when the format keeps none itself
     * (contact files beside the mail are the target's, see formats/registry.h). */
    enum status (*contacts)(void *w, const struct contact_list *contacts,
                            struct writer_outcome *out, struct error *err);
    /* Flushes and closes everything; after it the directory holds the finished output. */
    enum status (*commit)(void *w, struct error *err);
    /* Closes and frees; after a failed or interrupted run the caller removes the directory. */
    void (*free)(void *w);
};

#endif
