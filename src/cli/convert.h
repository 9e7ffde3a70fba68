/* convert: the `wlmigrate convert` command.
 *
 * Finds the store, refuses to write inside it, builds the whole result in a hidden temporary
 * directory under the output directory, and renames it into place only when it is complete:
 * OUT/<target>/, OUT/unconverted/, OUT/report.txt and, last, OUT/report.json. An interrupted or
 * failed run leaves no result that looks finished, and a re-run starts clean. */
#ifndef WLMIGRATE_CONVERT_H
#define WLMIGRATE_CONVERT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "report/progress.h"

struct convert_options {
    const char *store;
    const char *target;       /* a writer name: "thunderbird" */
    const char *output;
    const char *container;    /* Thunderbird container folder name */
    bool force;               /* replace an existing result */
    bool unknown_is_read;
    uint64_t pst_max_size;    /* Outlook: bytes per PST part, 0 = no limit */
    /* Contacts: found beside the store unless no_contacts, plus the --contacts paths. */
    bool no_contacts;
    const char *const *contact_paths;
    size_t ncontact_paths;
    bool vcard_v30;           /* Thunderbird: vCard 3.0 instead of 4.0 */
    const char *csv_profile;  /* Outlook CSV: "outlook-en" or "outlook-ja" */
    const char *csv_encoding; /* NULL: the profile's */
    bool json;                /* print report.json to stdout as well */
    enum progress_mode progress;
    volatile sig_atomic_t *stop;
};

/* Returns the process exit code: 0 all converted, 1 finished with losses in the report,
 * 2 usage (including an existing result without --force), 3 fatal, 130 interrupted. */
int convert_run(const struct convert_options *o);

#endif
