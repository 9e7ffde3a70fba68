/* output: where a result is built and how it is put in place.
 *
 * A run builds its whole result in OUT/.wlmigrate-partial/ and moves it into OUT only when it is
 * complete: OUT/<target>/, OUT/unconverted/, OUT/report.txt and, last, OUT/report.json, so that
 * report.json's presence means the rest is complete. One run at a time holds OUT (a lock file);
 * a partial result a crash left behind is removed by the next run; an output inside the store,
 * or a store inside what would be replaced, is refused; an existing result is replaced only when
 * asked.
 *
 * Ownership: output_open()'s result is freed with output_close(), which removes the partial
 * directory unless the result was installed. */
#ifndef WLMIGRATE_OUTPUT_H
#define WLMIGRATE_OUTPUT_H

#include <stdbool.h>

#include "model/model.h"
#include "report/report.h"
#include "util/error.h"

/* Why output_open() refused; the CLI maps each to an exit code. */
enum output_refusal {
    OUTPUT_OK,
    OUTPUT_REFUSED,   /* inside the store, store inside the result, or a result without force */
    OUTPUT_BUSY,      /* another run holds OUT */
    OUTPUT_FAILED,    /* OUT or the partial directory cannot be made */
};

struct output;

/* Checks `out` against the store and any result there, creates it, takes its lock and makes a
 * fresh partial directory. `subdir` is the target's folder in OUT ("thunderbird"). NULL with
 * *why and `err` (one sentence) when refused or failed. */
struct output *output_open(const char *out, const char *subdir, const char *store, bool force,
                           enum output_refusal *why, struct error *err);
/* The same for a target whose result is several files and folders in OUT (a Thunderbird
 * profile: prefs.js, abook.sqlite, Mail ...), at most 8, each replaced and installed as one. */
struct output *output_open_parts(const char *out, const char *const *parts, size_t nparts,
                                 const char *store, bool force, enum output_refusal *why,
                                 struct error *err);
/* The canonical path of OUT. */
const char *output_path(const struct output *o);
/* The directory the writers write below. */
const char *output_partial(const struct output *o);
/* Writes report.txt and report.json into the partial directory, then moves the result into
 * place, replacing an old one. STATUS_OK or STATUS_STORE_BAD with `err`. */
enum status output_install(struct output *o, const struct report *r, const struct model_store *s,
                           struct error *err);
void output_close(struct output *o);

#endif
