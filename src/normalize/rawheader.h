/* rawheader: header fields in raw 8-bit bytes rewritten as RFC 2047 UTF-8 words.
 *
 * Old Japanese mail often carries Shift_JIS (CP932) or EUC-JP bytes in Subject, From and To
 * without any encoded word. Thunderbird shows them as U+FFFD, while the normalizer decodes them
 * (charset_guess() guided by the body's charset). For the Thunderbird route the fields the
 * normalizer decodes (Subject, From, Sender, Reply-To, To, Cc, Bcc; the first of each name, the
 * one a reader shows) are written again from the normalizer's decoded value when their stored
 * bytes hold 8-bit bytes that are not valid UTF-8: the text as "=?UTF-8?B?...?=" words of at
 * most 75 characters, folded between words; address lists as display names in words (or quoted
 * when plain ASCII) and the addresses as decoded, groups kept. Every other byte of the header
 * block stays as it was, each rewritten field keeps its name as written and its line end.
 *
 * Ownership: the caller owns `out` and `names`. */
#ifndef WLMIGRATE_RAWHEADER_H
#define WLMIGRATE_RAWHEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "normalize/normalize.h"
#include "normalize/rfc822.h"
#include "util/buf.h"

/* True when a field of the header block `head` would be rewritten: read from its fields `fs`
 * (rfc822_fields_find over the block), without scanning it again. */
bool rawheader_needed(const char *head, const struct rfc822_fields *fs);

/* Appends the header block `head` to `out` with every such field rewritten from `n` (a
 * normalizer opened on the same message) and appends the names of the rewritten fields to
 * `names` ("Subject, From"). Returns how many fields were rewritten. */
size_t rawheader_reencode(const char *head, size_t len, struct normalize *n, struct buf *out,
                          struct buf *names);

#endif
