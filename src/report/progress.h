/* progress: what a long run shows on the terminal while it works.
 *
 * On a terminal: one line redrawn at most ten times a second with messages done/total, MB/s and
 * the time left (from the messages done: the bytes are known only as the files are opened).
 * Not on a terminal (a log file, CI): a plain line every ten seconds. Quiet shows nothing;
 * verbose adds a line per folder and a final count. All output goes to the stream given
 * (stderr), so stdout stays clean for --json. */
#ifndef WLMIGRATE_PROGRESS_H
#define WLMIGRATE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum progress_mode { PROGRESS_QUIET, PROGRESS_NORMAL, PROGRESS_VERBOSE };

struct progress;

struct progress *progress_new(FILE *out, enum progress_mode mode, const char *verb,
                              size_t total_messages);
void progress_folder(struct progress *p, const char *name, size_t messages);
void progress_message(struct progress *p, uint64_t bytes);
/* Clears the live line and frees (NULL allowed). */
void progress_free(struct progress *p);

#endif
