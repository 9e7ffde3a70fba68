/* html2text: the plain text of an HTML body, and the charset its <meta> tag names.
 *
 * A message with only an HTML body still needs a plain one (a PST's PR_BODY, search, `show`).
 * This is not a renderer, only enough for that: tags are removed, and with them the contents of
 * <script>, <style>, <head> and <title> (a head also ends at <body>; one never closed is an
 * ordinary tag); comments are removed; block elements (<br>, <p>, <div>, <li>, <tr>, headings,
 * lists, tables ...) start a new line (<br> may also leave an empty one), table cells are
 * separated by a space; runs of white space become one space; character references (decimal,
 * hex, and the common named ones) are decoded, an impossible code point becoming U+FFFD; a '<'
 * that starts no tag is text; an unterminated tag runs to the end. Leading blank lines and
 * trailing white space are dropped. The input is already UTF-8 and its bytes pass unchanged.
 *
 * Ownership: the caller frees the strings returned. */
#ifndef WLMIGRATE_HTML2TEXT_H
#define WLMIGRATE_HTML2TEXT_H

#include <stddef.h>

/* The text of `html` (UTF-8), NUL-terminated; *outlen receives its length. */
char *html2text_convert(const char *html, size_t len, size_t *outlen);

/* The charset named by `charset=` in the first 8 KiB (a <meta> tag's, as written), or NULL. */
char *html2text_meta_charset(const char *html, size_t len);

#endif
