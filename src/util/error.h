/* error: the error value that library code fills instead of printing.
 *
 * Library code never prints and never exits: a function that can fail returns -1 (or NULL) and
 * writes one human sentence, naming the file concerned, into a `struct error` given by its
 * caller. The CLI decides what to show. */
#ifndef WLMIGRATE_ERROR_H
#define WLMIGRATE_ERROR_H

struct error {
    char msg[1024];
};

/* Sets the message (printf-style); a NULL `err` is allowed and ignored. */
void error_set(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like error_set, followed by ": " and strerror(errnum). */
void error_errno(struct error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
