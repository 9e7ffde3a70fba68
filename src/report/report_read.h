/* report_read: the few fields of an installed report.json that a summary of many runs needs.
 *
 * `convert ROOT --all` reads each store's report.json back, whether this run, an earlier one or
 * a job runner's wrote it, so that its summary says exactly what each report says. A small JSON
 * reader of our own (GLib has none and the report is ours): the whole document is checked to be
 * one JSON object (strings, numbers, nesting up to 64 levels), and only the top-level "store",
 * "store_kind" and "target" strings and the unsigned integers of "totals" are kept.
 *
 * Ownership: report_read_clear() frees what report_read_json() filled in. */
#ifndef WLMIGRATE_REPORT_READ_H
#define WLMIGRATE_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct report_read {
    char *store, *store_kind, *target; /* UTF-8; NULL when absent */
    bool has_totals;                   /* "totals" held all five counts below */
    uint64_t messages_found, messages_written, messages_not_converted;
    uint64_t problems, problems_with_loss;
};

/* Reads `len` bytes of report.json. 0, or -1 with `err` (one sentence) when it is not JSON or
 * not an object; *out is cleared first and left clear on failure. */
int report_read_json(const char *buf, size_t len, struct report_read *out, struct error *err);
void report_read_clear(struct report_read *r);

#endif
