/* bulk: `wlmigrate convert ROOT --all`, every store found below ROOT, each into its own result.
 *
 * Technicians move a whole office and IT staff convert archived profiles from a file server:
 * one command finds every store below ROOT (the reader's locate, as `scan` does), gives each a
 * result directory OUT/<user>/<store kind>/ and converts the stores in parallel processes
 * (util/child.h; on Windows too), so that a crash of one conversion is that store's failure,
 * never the run's.
 * Each store is converted by the single-store convert (convert.h) with its own lock, partial
 * directory, report and atomic install: a kill leaves every finished store correct, and the
 * same command again skips the stores whose report.json is in place and converts the rest.
 * At the end OUT/summary.txt and then OUT/summary.json are written atomically, one row per store
 * with the numbers its report.json holds; the exit code is the worst of the stores'. */
#ifndef WLMIGRATE_BULK_H
#define WLMIGRATE_BULK_H

#include <signal.h>
#include <stdbool.h>

#include "cli/convert.h"
#include "report/progress.h"
#include "util/child.h"

struct bulk_options {
    const char *root;
    const char *output;
    /* How every store is converted (target, its settings, container, force ...); the store,
     * the output, the progress and the error stream are set for each store. */
    struct convert_options convert;
    unsigned jobs;      /* stores converted at once; 0: the number of processors */
    bool list;          /* print which store goes where and convert nothing */
    bool json;          /* summary.json (or, with list, the plan as JSON) on stdout */
    enum progress_mode progress;
    volatile sig_atomic_t *stop;
    /* Each store is converted in a process of its own running `store_role`, which is given the
     * store, its directory, its threads and the run's command line `argv` (argc words, as typed, before any
     * option parsing reordered them) and converts with bulk_store_serve. */
    const struct child_role *store_role;
    char *const *argv;
    int argc;
};

/* Returns the exit code: the worst of the stores' (0, 1, 2, 3, 130 from best to worst), 2 for a
 * usage error, 3 when ROOT holds no store or OUT cannot be written. */
int bulk_run(const struct bulk_options *o);

/* The argument `store_role` is given (`len` bytes), split back into its fields: the store, its
 * directory, its threads (convert_options.threads, in decimal), then the words of the command
 * line. Each field is its length in decimal (no
 * leading zero), a colon and its bytes. NULL-terminated (n counts the fields), or NULL when
 * `arg` is not such an argument. The caller frees each field and the array. */
char **bulk_job_decode(const char *arg, size_t len, size_t *n);

/* In the store's process: converts for `store` into `dir` on `threads` threads with the run's
 * `options` and writes to `fd` what bulk_run reads: the exit code on a line, then the messages
 * of the conversion. */
void bulk_store_serve(const struct convert_options *options, const char *store,
                      const char *dir, unsigned threads, int fd);

/* The user a store belongs to, as the README states the rule: the folder above `AppData` or
 * `Local Settings` in the store's path; else the first folder below `root` (unless that is
 * the store folder itself); else the last component of `root`. Not yet made safe. */
char *bulk_user_of(const char *root, const char *store);
/* `name` made safe as one file name on Linux, macOS and Windows: no separators, control
 * characters, characters Windows refuses, invalid UTF-8, leading dot, trailing dot or space,
 * device name (CON, NUL, COM1 ...); at most 64 bytes; "user" when nothing is left. */
char *bulk_safe_name(const char *name);

#endif
