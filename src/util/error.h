/* error: the status every stage returns and the error value that travels with it.
 *
 * Library code never prints and never exits: a function that can fail returns a status (or -1,
 * or NULL, inside one module) and writes one human sentence, naming the file concerned, into a
 * `struct error` given by its caller; errno never crosses a module boundary. The CLI decides what
 * to show.
 *
 * The status says how far a failure reaches (isync's DRV_MSG_BAD / DRV_BOX_BAD / DRV_STORE_BAD
 * split): the pipeline goes on after a bad message or a bad folder, records it in the report,
 * and stops the run for a bad store or a stop request. */
#ifndef WLMIGRATE_ERROR_H
#define WLMIGRATE_ERROR_H

#include "util/platform.h"

enum status {
    STATUS_OK = 0,
    STATUS_MESSAGE_BAD, /* this message could not be read or written: it is reported, the run goes on */
    STATUS_FOLDER_BAD,  /* this folder could not be read: its messages are reported, the run goes on */
    STATUS_STORE_BAD,   /* nothing more can be read or written (no store, disk full): the run stops */
    STATUS_STOPPED,     /* a stop was requested (Ctrl-C): the run ends and leaves no result */
};

struct error {
    char msg[1024];
};

/* Sets the message (printf-style); a NULL `err` is allowed and ignored. */
void error_set(struct error *err, const char *fmt, ...) PLAT_PRINTF(2, 3);
/* Like error_set, followed by ": " and strerror(errnum). */
void error_errno(struct error *err, int errnum, const char *fmt, ...)
    PLAT_PRINTF(3, 4);

#endif
