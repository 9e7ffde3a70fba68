/* rfc2047: header text to UTF-8: encoded words, RFC 2231 parameters, raw 8-bit bytes.
 *
 * Real mailers split a character (and ISO-2022-JP's escape state) across adjacent encoded
 * words, so adjacent words of one charset are decoded from base64/Q to bytes, the bytes joined,
 * and converted once (never by joining the base64 text). White space between adjacent encoded
 * words is dropped; text between them is kept. Raw 8-bit bytes outside encoded words are decoded
 * with charset_guess() guided by the body's charset. Encoded words inside quoted strings
 * (filename="=?ISO-2022-JP?B?...?=") are decoded too, as Japanese mailers require.
 *
 * Ownership: returned strings are the caller's (NUL-terminated, valid UTF-8). */
#ifndef WLMIGRATE_RFC2047_H
#define WLMIGRATE_RFC2047_H

#include <stddef.h>

#include "charset.h"

/* Decodes an unstructured header value (Subject, a display name, a filename parameter).
 * `hint` is the body's charset or NULL; `st` may be NULL. */
char *rfc2047_decode(const char *value, size_t len, const char *hint, struct charset_stats *st);

/* Decodes an RFC 2231 extended parameter value ("UTF-8''%E3%81%82" or "iso-2022-jp'ja'%1B%24B")
 * after continuations have been joined by the caller. */
char *rfc2047_decode_rfc2231(const char *value, size_t len, const char *hint,
                             struct charset_stats *st);

#endif
