/* rfc2047: header text to UTF-8: encoded words, RFC 2231 parameters, raw 8-bit bytes.
 *
 * Real mailers split a character (and ISO-2022-JP's escape state) across adjacent encoded
 * words, so adjacent words of one charset are decoded from base64/Q to bytes, the bytes joined,
 * and converted once (never by joining the base64 text). White space between adjacent encoded
 * words is dropped; text between them is kept. Raw 8-bit bytes outside encoded words are decoded
 * with charset_guess() guided by the body's charset (one guess for all raw text of the value);
 * raw ISO-2022-JP escapes are decoded as such. Encoded words inside quoted strings
 * (filename="=?ISO-2022-JP?B?...?=") are decoded too, as Japanese mailers require.
 *
 * Tolerated as real mail needs: encoded words glued to text ("Re:=?...?=", "=?...?=.txt"),
 * lower-case "?b?"/"?q?", an RFC 2231 language in the charset ("=?utf-8*ja?B?...?="), 8-bit
 * bytes left in Q text, base64 with bad or missing padding or stray characters (decoded as far
 * as it goes; "=" ends a quantum). A word that does not parse (unknown encoding, white space in
 * the encoded text, no closing "?=") stays as literal text. A word in an unknown charset is
 * guessed with the hint. Folding line breaks in raw text are removed (the white space after
 * them stays). A NUL byte, which would end the returned string, is removed and counted as
 * replaced. Counters: `guessed` counts unknown word charsets and raw 8-bit text that was not
 * valid UTF-8 (raw UTF-8, RFC 6532, and raw ISO-2022-JP identify themselves).
 *
 * Ownership: returned strings are the caller's (NUL-terminated, valid UTF-8). */
#ifndef WLMIGRATE_RFC2047_H
#define WLMIGRATE_RFC2047_H

#include <stddef.h>

#include "normalize/charset.h"

/* Decodes an unstructured header value (Subject, a display name, a filename parameter).
 * `hint` is the body's charset or NULL; `st` may be NULL. */
char *rfc2047_decode(const char *value, size_t len, const char *hint, struct charset_stats *st);

/* Decodes an RFC 2231 extended parameter value ("UTF-8''%E3%81%82" or "iso-2022-jp'ja'%1B%24B")
 * after continuations have been joined by the caller. A '%' without two hex digits is kept; an
 * empty or unknown charset is guessed with the hint; double quotes around the whole value are
 * ignored. A value that is not charset'language'text (fewer than two quotes, or a charset or
 * language with impossible characters) is treated as raw header text: rfc2047_decode(). */
char *rfc2047_decode_rfc2231(const char *value, size_t len, const char *hint,
                             struct charset_stats *st);

#endif
