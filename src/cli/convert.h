/* convert: the `wlmigrate convert` command.
 *
 * Finds the store, reads the address books beside it, drives the pipeline from the store's reader
 * to the target's writer in a partial directory, writes the target's contact files, and has the
 * output module install the result (see pipeline/output.h). Prints the summary and every
 * refusal; returns the exit code. */
#ifndef WLMIGRATE_CONVERT_H
#define WLMIGRATE_CONVERT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "registry.h"
#include "report/progress.h"

struct convert_options {
    const char *store;
    const struct target *target;
    const void *target_settings; /* the target's own options, parsed by its entry */
    const char *output;
    const char *container;    /* the folder (Thunderbird) or file (Outlook) that holds the import */
    bool force;               /* replace an existing result */
    bool unknown_is_read;
    bool while_running;       /* convert although Windows Live Mail holds its database */
    unsigned threads;         /* the writer's threads, its own counted (writer_options.threads) */
    /* Contacts: found beside the store unless no_contacts, plus the --contacts paths. */
    bool no_contacts;
    const char *const *contact_paths;
    size_t ncontact_paths;
    bool json;                /* print report.json to stdout as well */
    enum progress_mode progress;
    FILE *errors;             /* where refusals and errors are written; NULL: stderr */
    volatile sig_atomic_t *stop;
};

/* Returns the process exit code: 0 all converted, 1 finished with losses in the report,
 * 2 usage (including an existing result without --force), 3 fatal, 130 interrupted. */
int convert_run(const struct convert_options *o);

#endif
