/* codec: the small content decoders every reader needs: hex digits, base64 and quoted-printable.
 *
 * Every reader meets the same transfer encodings in slightly different dialects, and each
 * dialect's rules are kept here once, as a flag or a form, rather than in a private copy per
 * reader. All decoders are tolerant, as real mail and address books need: they never fail,
 * they decode what they can, keep or skip what they cannot, and report how much was bad.
 *
 * Base64: characters outside the alphabet are skipped; missing padding is fine and bits left
 * over at the end are dropped. "Bad" counts bytes outside the alphabet other than '=' and white
 * space (SP, TAB, CR, LF), wherever they stand, plus one when the number of alphabet characters
 * leaves a lone character (6 bits that make no byte). What '=' does depends on the flags.
 *
 * Quoted-printable: an escape character followed by two hex digits (either case) is the byte
 * they spell; an escape character without them is kept as it is and counted as bad. Escapes
 * never span a line end, so a stream may be decoded line by line. The forms differ only in
 * what else they know (see enum codec_qp_form).
 *
 * Ownership: output is appended to the caller's buffer; nothing is kept between calls. */
#ifndef WLMIGRATE_CODEC_H
#define WLMIGRATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
int codec_hex_value(unsigned char c);

/* ---- base64 ---------------------------------------------------------------------------------- */

enum {
    /* Also the URL-safe alphabet of RFC 4648 section 5: '-' is 62 and '_' is 63. */
    CODEC_BASE64_URL = 1,
    /* '=' ends a quantum and decoding goes on, for base64 texts joined together (RFC 2047
     * words: "YQ==YQ==" is "aa"). Without it the first '=' ends the data. */
    CODEC_BASE64_JOINED = 2,
};

/* The value of a base64 character (0-63) under `flags`, or -1. */
int codec_base64_value(unsigned char c, unsigned flags);

/* A base64 decoder fed in pieces (a stream read in chunks). */
struct codec_base64 {
    unsigned flags;
    uint32_t acc;  /* bits not yet output */
    int bits;      /* how many */
    bool ended;    /* an '=' ended the data (without CODEC_BASE64_JOINED) */
    size_t chars;  /* alphabet characters seen, for the lone-character rule */
    size_t bad;
};

void codec_base64_init(struct codec_base64 *d, unsigned flags);
/* Decodes `len` bytes, appending to `out`; with `out` NULL only counts what is bad. */
void codec_base64_step(struct codec_base64 *d, const char *s, size_t len, struct buf *out);
/* Ends the stream; returns the number of bad bytes (see the top of this file). */
size_t codec_base64_end(struct codec_base64 *d);

/* All three at once: decodes `len` bytes to `out` (may be NULL); returns the bad count. */
size_t codec_base64_decode(const char *s, size_t len, unsigned flags, struct buf *out);

/* ---- quoted-printable ------------------------------------------------------------------------ */

enum codec_qp_form {
    /* RFC 2045 body: '=' before a line end (LF or CR LF, after any spaces and tabs of transport
     * padding) is a soft line break, removed with the line end. So is '=' followed only by
     * padding or a CR at the end of the input (a line end cut off); a lone '=' at the end is
     * bad. */
    CODEC_QP_BODY,
    /* RFC 2047 'Q' encoded word: '_' is a space. */
    CODEC_QP_Q,
    /* vCard 2.1 value after the reader has joined its soft line breaks: =XX only. */
    CODEC_QP_VCARD,
    /* RFC 2231 extended parameter value: %XX instead of =XX, nothing else. */
    CODEC_QP_PERCENT,
};

/* Decodes `len` bytes in `form`, appending to `out` (may be NULL: only counts). Returns the
 * number of escape characters that were not followed by two hex digits (or, in the body form,
 * by a soft line break); each is kept as it is and decoding goes on with the next byte. */
size_t codec_qp_decode(const char *s, size_t len, enum codec_qp_form form, struct buf *out);

#endif
