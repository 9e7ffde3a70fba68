/* scan: the `wlmigrate scan` command: what is in a store, before anything is converted.
 *
 * Shows the stores found, their accounts (with what the technician must know for the new
 * client), the folder tree with message counts and bytes, and the problems a conversion would
 * meet. With --json the same as one JSON document on stdout (shape in README.md). */
#ifndef WLMIGRATE_SCAN_H
#define WLMIGRATE_SCAN_H

#include <stdbool.h>

#include "report/progress.h"

struct scan_options {
    const char *store;
    bool json;
    enum progress_mode progress;
};

/* Returns the process exit code (0 found and readable, 1 problems that lose mail, 3 fatal). */
int scan_run(const struct scan_options *o);

#endif
