/* xalloc: allocation that never returns NULL.
 *
 * Out of memory is the one condition the program does not try to survive: every allocation in
 * wlmigrate goes through these wrappers, which print one line and abort. The caller owns what it
 * gets back. */
#ifndef WLMIGRATE_XALLOC_H
#define WLMIGRATE_XALLOC_H

#include <stddef.h>

#include "util/platform.h"

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of `*cap` elements of `elem` bytes so that it holds at least `need`. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PLAT_PRINTF(1, 2);

#endif
