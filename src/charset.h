/* charset: bytes in the charset a message declares (or that we must guess) to UTF-8.
 *
 * Japanese mail from Windows is the normal case: "ISO-2022-JP" written by Windows mailers is
 * code page 50220/50221 (JIS X 0208 plus NEC row 13 and the NEC-selected IBM extensions, and
 * half-width katakana after ESC ( I), "Shift_JIS" is CP932 and "EUC-JP" is EUC-JP-MS. glibc's
 * iconv has no CP50220 and its ISO-2022-JP corrupts these silently, so ISO-2022-JP is decoded
 * here by our own state machine into CP932 and then converted with iconv; every other charset
 * goes to iconv under the name that matches what Windows meant (see JAPANESE.md).
 *
 * Nothing here ever passes an escape byte or an undecodable byte through as text: each becomes
 * U+FFFD and is counted. Parsers take (buffer, length) and check every step against it.
 *
 * Ownership: returned strings are the caller's (NUL-terminated, valid UTF-8). */
#ifndef WLMIGRATE_CHARSET_H
#define WLMIGRATE_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

/* What a decode had to do; counters add up over calls so a message can total its parts. */
struct charset_stats {
    size_t replaced;      /* bytes or sequences that could not be decoded: each became U+FFFD */
    size_t guessed;       /* decodes whose charset was guessed (missing, unknown or mislabelled) */
    size_t relabelled;    /* declared charset overruled by the bytes (e.g. us-ascii with ESC $ B) */
};

/* The name to hand to iconv for a declared charset: "shift_jis", "x-sjis", "windows-31j" ->
 * "CP932"; "euc-jp" -> "EUC-JP-MS"; "iso-2022-jp*" and "csISO2022JP" -> "ISO-2022-JP" (decoded
 * by us); "utf8" -> "UTF-8"; "ks_c_5601-1987" -> "CP949"; "gb2312" -> "GB18030"; "iso-8859-1" and
 * "us-ascii" -> "WINDOWS-1252" (what mailers meant); otherwise the name itself when iconv knows
 * it, else NULL (unknown). Case-insensitive; surrounding quotes and spaces ignored. */
const char *charset_canonical(const char *name);

/* Decodes `len` bytes declared as `charset` (NULL or "" when none) to UTF-8. The bytes overrule
 * the label where they must: ISO-2022-JP escapes under us-ascii / iso-8859-1 / no label are
 * decoded as ISO-2022-JP; valid non-ASCII UTF-8 under a single-byte label is read as UTF-8; an
 * unknown label is guessed from the bytes (UTF-8, then CP932, then EUC-JP-MS, then
 * WINDOWS-1252). Each overrule or guess is counted in `st` (which may be NULL). *outlen, when
 * not NULL, receives the length of the result. */
char *charset_to_utf8(const char *data, size_t len, const char *charset, struct charset_stats *st,
                      size_t *outlen);

/* ISO-2022-JP as code page 50220/50221: ESC ( B and ESC ( J ASCII, ESC $ @ and ESC $ B
 * JIS X 0208 (with NEC row 13 and rows 89-92), ESC ( I and SO/SI half-width katakana,
 * ESC $ ( D JIS X 0212; the wave dash as CP932 has it (U+FF5E). */
char *charset_iso2022jp_to_utf8(const char *data, size_t len, struct charset_stats *st,
                                size_t *outlen);

/* For raw 8-bit header bytes: the charset they most likely are, "UTF-8", "CP932" or
 * "EUC-JP-MS", guided by `hint` (the body's declared charset, or NULL) when the bytes fit
 * more than one; "WINDOWS-1252" when none fits. ASCII-only input gives "UTF-8". */
const char *charset_guess(const char *data, size_t len, const char *hint);

#endif
