/* utf8: validating UTF-8 byte sequences.
 *
 * Names on a copied Windows disk and header bytes in old mail are not always UTF-8; every place
 * that must emit valid UTF-8 (JSON, folder names, terminal output) asks here. */
#ifndef WLMIGRATE_UTF8_H
#define WLMIGRATE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length (1-4) of the valid, shortest-form UTF-8 sequence at `s`, or 0 if it is not one
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
size_t utf8_sequence_length(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);
/* Writes code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8 into `out`: its length,
 * 1 to 4 bytes. */
size_t utf8_encode(uint32_t cp, char out[4]);
/* A copy with each invalid byte replaced by `replacement` (an ASCII character). */
char *utf8_repair(const char *s, size_t len, char replacement);
/* Writes text for a person to read: valid UTF-8 as it is, each invalid byte as U+FFFD, control
 * characters as "\xNN" so that no name from a store can move the terminal's cursor. */
void utf8_print(FILE *out, const char *s, size_t len);

#endif
