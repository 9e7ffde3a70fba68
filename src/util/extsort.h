/* extsort: records sorted by a 64-bit key and a string, in bounded memory.
 *
 * The Outlook route hands a folder's messages to the writer oldest first (pipeline.c), and a
 * folder may hold a million of them: its list must not be held whole. Records are kept in memory
 * up to a budget of bytes; beyond it, each full run is sorted and written to a temporary file
 * (plat_tmpfile, deleted when closed), and the runs are merged as the records are read back. At
 * most EXTSORT_MAX_RUNS files are open at once: before one more is written, the runs so far are
 * merged into one. Equal keys are ordered by the string (bytewise), then by arrival: the order
 * is the same whatever the budget.
 *
 * Ownership: the caller owns the struct extsort and frees it with extsort_free(). Functions
 * returning int give 0 on success (extsort_next: 1 for a record, 0 at the end), -1 with `err`
 * filled when a temporary file cannot be written or read. */
#ifndef WLMIGRATE_UTIL_EXTSORT_H
#define WLMIGRATE_UTIL_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define EXTSORT_MAX_RUNS 16

struct extsort;

/* A sorter that holds at most about `budget` bytes of records (their bytes and 40 more each). */
struct extsort *extsort_new(size_t budget);
/* Adds a record: its key, its tie-breaking string `tie` (NUL-terminated) and `len` bytes of data
 * that come back with it. */
int extsort_add(struct extsort *s, int64_t key, const char *tie, const void *data, size_t len,
                struct error *err);
/* The next record in order: its string in *tie, its data in *data and *len, valid until the
 * next call (the data not aligned: copy it out). The first call ends the adding. */
int extsort_next(struct extsort *s, const char **tie, const void **data, size_t *len,
                 struct error *err);
/* Runs written to temporary files so far (for tests and figures). */
size_t extsort_runs_written(const struct extsort *s);
/* Accepts NULL. */
void extsort_free(struct extsort *s);

#endif
