/* mboxrd: writing messages into an mbox file the way Thunderbird reads it back.
 *
 * mboxrd escaping adds one '>' to every line matching ^>*From , so that reading removes exactly
 * one and every message comes back byte for byte (mboxo, which escapes only "From ", loses a
 * '>' on lines that already had one). The escaper is a state machine fed any number of chunks,
 * so a message is streamed through it and never held whole. Line ends are kept as they are.
 * It appends to a memory buffer that the writer drains into its file in large writes; runs of
 * lines that cannot need escaping (those not starting with '>' or 'F') go over in one copy. */
#ifndef WLMIGRATE_MBOXRD_H
#define WLMIGRATE_MBOXRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct mboxrd_escaper {
    bool line_start;     /* the next byte starts a line */
    size_t quotes;       /* '>' seen at the start of the current line, not yet written */
    size_t from_matched; /* bytes of "From " matched after them, not yet written */
    bool any;            /* at least one byte was fed */
    char last;           /* the last byte fed */
    uint64_t written;    /* bytes appended to `out` so far, escapes included */
};

void mboxrd_begin(struct mboxrd_escaper *e);
/* Feeds message bytes, appending them escaped to `out`. */
void mboxrd_write(struct mboxrd_escaper *e, struct buf *out, const char *data, size_t len);
/* The same for `len` message bytes that the caller read straight into `out`, just past its
 * end (buf_reserve): when they would be appended unchanged (no line to escape, nothing held
 * back before or after them), they are taken where they are, without a copy, and true is
 * returned; else nothing changes and false is returned (feed them with mboxrd_write). */
bool mboxrd_pass(struct mboxrd_escaper *e, struct buf *out, size_t len);
/* Appends what is still held back at the end of the message. */
void mboxrd_end(struct mboxrd_escaper *e, struct buf *out);
/* True when the message fed so far ends with a line feed. */
bool mboxrd_ends_with_newline(const struct mboxrd_escaper *e);

/* The envelope sender for a `From ` line: the address in `value` (a Return-Path or From field,
 * raw), or "-" when there is none. Only printable ASCII without spaces is kept. */
void mboxrd_envelope_sender(const char *value, char *out, size_t cap);

#endif
