/* rfc822: looking at a message's raw header block without decoding MIME.
 *
 * The pipeline must tell a message from an empty file, a header-only download or a file that is
 * not mail and find the date it is filed under, the mbox writer needs a few header values for
 * its envelope and its raw 8-bit check (those three share one scan: rfc822_fields_find), and
 * the normalizer indexes the fields of every message it decodes. All of them read the raw
 * header block through the one scanner here, so they cannot disagree about where a field starts
 * or the header ends: (buffer, length) in, offsets out, every read checked against the length.
 * Values are returned unfolded but otherwise as stored (raw bytes, encoded words left alone);
 * decoding is the normalizer's job.
 *
 * The rules: a first line "From " that is not a field ("From :" is one) is an mbox envelope left
 * by a tool and is skipped; a field line is a name of printable ASCII other than ':', optional
 * blanks, then ':'; a line starting with a blank continues the field before it; other lines are
 * ignored; a blank line ends the header block. */
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

/* One field of a header block, as offsets into it. */
struct rfc822_field {
    size_t name, name_len;  /* the field name */
    size_t value;           /* just after the ':' */
    size_t end;             /* past the last line of the field (its continuations included) */
};

/* A walk over the fields of a header block. */
struct rfc822_scan {
    const char *buf;
    size_t len;
    size_t start;   /* where the header block starts (after an envelope line) */
    size_t pos;     /* the next line; at the end, where the body starts (past the blank line) */
    bool done;
    /* The line at `pos` is a field whose line end and name were found while looking for the
     * end of the field before it (each line is parsed once). */
    bool pending;
    size_t pending_end, pending_name_end, pending_colon;
};

void rfc822_scan_begin(struct rfc822_scan *sc, const char *buf, size_t len);
/* The next field; false at the end of the header block (then sc->pos is the body's offset). */
bool rfc822_scan_next(struct rfc822_scan *sc, struct rfc822_field *f);
/* True when the field is called `name` (ASCII case-insensitive). */
bool rfc822_field_is(const struct rfc822_scan *sc, const struct rfc822_field *f, const char *name);
/* A raw value unfolded into `out`: CR, LF and NUL dropped, blanks at both ends trimmed. */
void rfc822_unfold(const char *s, size_t len, struct buf *out);

/* The fields the date rule, the mbox envelope and the raw 8-bit check read (rawheader's are
 * those the normalizer decodes). */
enum rfc822_known {
    RFC822_DATE,
    RFC822_RECEIVED,
    RFC822_RETURN_PATH,
    RFC822_FROM,
    RFC822_SENDER,
    RFC822_REPLY_TO,
    RFC822_TO,
    RFC822_CC,
    RFC822_BCC,
    RFC822_SUBJECT,
    RFC822_KNOWN_COUNT,
};

/* The first field of each known name in a header block, found in one scan, so that each of
 * those readers takes offsets instead of scanning the block again. */
struct rfc822_fields {
    struct rfc822_field first[RFC822_KNOWN_COUNT];
    unsigned found; /* bit (1u << k) set: first[k] holds the block's first field k */
};

/* Which known name the field has (ASCII case-insensitive), or -1. */
int rfc822_known_of(const struct rfc822_scan *sc, const struct rfc822_field *f);
#define RFC822_ALL_KNOWN ((1u << RFC822_KNOWN_COUNT) - 1)
/* Fills `fs` from the header block `buf` (`len` bytes) in one scan, which ends once every field
 * in `want` (bits 1u << k; RFC822_ALL_KNOWN) is found: others may then be missing from `fs`. */
void rfc822_fields_find(const char *buf, size_t len, unsigned want, struct rfc822_fields *fs);
/* The block's first field `k`, or NULL when it has none. */
const struct rfc822_field *rfc822_fields_get(const struct rfc822_fields *fs, enum rfc822_known k);

/* Length of the header block including the blank line that ends it. Sets *complete to false,
 * and returns `len`, when no blank line occurs within `len` bytes. */
size_t rfc822_header_length(const char *buf, size_t len, bool *complete);

/* The bytes to drop before the first header field of a message that starts with blank lines or
 * an indented first field (as some tools saved mail): 0 when it starts with a field, or when no
 * field follows the blanks (then it is not mail). */
size_t rfc822_leading_blanks(const char *buf, size_t len);

/* Classifies a message from its first bytes, whose header block the caller has measured
 * (`header_len`: rfc822_header_length of `head`). `head` holds the whole header block when
 * `at_eof` is false (the caller reads until the header block is complete or the file ends). */
enum rfc822_class rfc822_classify(const char *head, size_t len, size_t header_len, bool at_eof);

/* Finds the first header field `name` (case-insensitive) in the header block and stores its
 * unfolded, trimmed value in `value`. Returns false when absent. */
bool rfc822_header_value(const char *hdr, size_t len, const char *name, struct buf *value);

/* True when the header block's first line ends in CRLF (the message's own line-end style). */
bool rfc822_uses_crlf(const char *buf, size_t len);

#endif
