/* rfc822: looking at a message's raw header block without decoding MIME.
 *
 * The pipeline must tell a message from an empty file, a header-only download or a file that is
 * not mail, and the mbox writer needs a few header values for its envelope. Both only need the
 * raw header block, found here by scanning bytes: (buffer, length) in, offsets out, every read
 * checked against the length. Values are returned unfolded but otherwise as stored (raw bytes,
 * encoded words left alone); decoding is the normalizer's job. */
#ifndef WLMIGRATE_RFC822_H
#define WLMIGRATE_RFC822_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

enum rfc822_class {
    RFC822_MESSAGE,     /* a header block, a blank line, a body */
    RFC822_HEADER_ONLY, /* a header block and nothing after it */
    RFC822_EMPTY,       /* no bytes at all */
    RFC822_NOT_MESSAGE, /* does not start with a header field */
};

/* Length of the header block including the blank line that ends it. Sets *complete to false,
 * and returns `len`, when no blank line occurs within `len` bytes. */
size_t rfc822_header_length(const char *buf, size_t len, bool *complete);

/* Classifies a message from its first bytes. `head` holds the whole header block when
 * `at_eof` is false (the caller reads until the header block is complete or the file ends). */
enum rfc822_class rfc822_classify(const char *head, size_t len, bool at_eof);

/* Finds the first header field `name` (case-insensitive) in the header block and stores its
 * unfolded, trimmed value in `value`. Returns false when absent. */
bool rfc822_header_value(const char *hdr, size_t len, const char *name, struct buf *value);

/* True when the header block's first line ends in CRLF (the message's own line-end style). */
bool rfc822_uses_crlf(const char *buf, size_t len);

#endif
