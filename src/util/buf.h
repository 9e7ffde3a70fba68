/* buf: a growable byte buffer, always NUL-terminated after `len` bytes.
 *
 * Used wherever output is assembled in memory (JSON, report lines, names). The struct is public
 * because it is a plain value; buf_free() accepts a zeroed buffer. */
#ifndef WLMIGRATE_BUF_H
#define WLMIGRATE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/platform.h"

struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_append(struct buf *b, const void *data, size_t len);
/* Room for `extra` more bytes: returns where they go (data + len); the caller writes at most
 * that many and then calls buf_commit() with how many it wrote. */
char *buf_reserve(struct buf *b, size_t extra);
void buf_commit(struct buf *b, size_t written);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) PLAT_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
/* Returns the contents as a NUL-terminated string the caller owns; the buffer is left empty. */
char *buf_detach(struct buf *b);
/* The contents as a C string ("" when empty); valid until the next change. */
const char *buf_str(const struct buf *b);
void buf_free(struct buf *b);

#endif
