/* uudecode: uuencoded files inside a text body.
 *
 * Old mailers (and some WLM users forwarding from them) put files into the text as
 * `begin 644 name` ... `end` blocks. The normalizer cuts each block out of the text and offers
 * it as an attachment. A block starts at a `begin` line with a three- or four-digit octal mode
 * and a name, but only when the next line is a uuencoded data line (a length character, then at
 * least as many characters as that length needs, every one in 0x20..0x60); it ends after the
 * first line that is exactly `end`, or at the end of the text when there is none. Decoding is
 * tolerant: empty lines and "`" lines are passed over; a line that is not a data line is
 * skipped and counted as bad, and so is a missing `end`.
 *
 * Ownership: uudecode_find() returns an array the caller frees with uudecode_free(); it holds
 * offsets into the caller's text, which must still be there when a block is decoded. */
#ifndef WLMIGRATE_UUDECODE_H
#define WLMIGRATE_UUDECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct uudecode_block {
    size_t begin, end;     /* whole lines: the `begin` line to past the `end` line */
    size_t data, data_end; /* the encoded lines between them */
    char *name;            /* the file name as written on the begin line (raw bytes) */
    bool closed;           /* an `end` line was found */
};

/* The blocks in `text`, in order; *count receives their number (NULL when 0). */
struct uudecode_block *uudecode_find(const char *text, size_t len, size_t *count);
void uudecode_free(struct uudecode_block *blocks, size_t count);

/* Appends the bytes of block `b` of `text` to `out`; returns the number of bad lines (plus one
 * when the block has no `end` line). */
size_t uudecode_block(const char *text, const struct uudecode_block *b, struct buf *out);

#endif
