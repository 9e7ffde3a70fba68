/* mimeparam: the parameters of a Content-Type or Content-Disposition value, decoded by us.
 *
 * GMime decodes parameters with glibc iconv, which corrupts Japanese file names, so the
 * normalizer parses the raw header values here instead. The value before the first ';' is the
 * type ("text/plain", "attachment"); after it come name=value pairs, quoted or not. A parameter
 * without '=' or without a name is skipped; text after a closing quote is ignored. RFC 2231
 * pieces (name*, name*N, name*N*) are kept apart and joined in section order when a parameter
 * is decoded: a repeated section counts once (the first), literal pieces may be mixed with
 * encoded ones, and the first piece's charset'lang' applies to all. A parameter without RFC 2231
 * pieces is decoded as header text: encoded words even inside quotes, raw 8-bit bytes by the
 * hint charset or guessed. Raw CP932 values may hold 0x5C ('\\') as a trail byte, which is not
 * taken for a quoting backslash.
 *
 * Ownership: mimeparam_parse() copies `value`; everything returned by the accessors belongs to
 * the list and is valid until mimeparam_free(), except mimeparam_decoded(), whose string the
 * caller frees. */
#ifndef WLMIGRATE_MIMEPARAM_H
#define WLMIGRATE_MIMEPARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "normalize/charset.h"

struct mimeparam;

/* Parses an unfolded header value. `hint` (may be NULL) is the charset raw 8-bit bytes are
 * probably in; it only decides whether they are CP932. Never NULL: a NULL `value` gives an
 * empty list. */
struct mimeparam *mimeparam_parse(const char *value, size_t len, const char *hint);
void mimeparam_free(struct mimeparam *ps);

/* The value before the first ';', trimmed ("" when empty); *len may be NULL. */
const char *mimeparam_type(const struct mimeparam *ps, size_t *len);

/* True when a parameter `name` (case-insensitive) is present in any form, RFC 2231 or not. */
bool mimeparam_has(const struct mimeparam *ps, const char *name);

/* A plain parameter's bytes as written, unquoted (charset, boundary, start), or NULL when there
 * is none; *len may be NULL. RFC 2231 pieces are not plain. */
const char *mimeparam_raw(const struct mimeparam *ps, const char *name, size_t *len);

/* A parameter decoded to UTF-8: its RFC 2231 pieces when there are any, else the plain value.
 * NULL when the parameter is absent. Repairs are added to `st` (may be NULL). */
char *mimeparam_decoded(const struct mimeparam *ps, const char *name, const char *hint,
                        struct charset_stats *st);

#endif
