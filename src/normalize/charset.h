/* charset: bytes in the charset a message declares (or that we must guess) to UTF-8, and UTF-8
 * back into a named charset for the files written in one (Outlook's CP932 contacts CSV).
 *
 * Japanese mail from Windows is the normal case: "ISO-2022-JP" written by Windows mailers is
 * code page 50220/50221 (JIS X 0208 plus NEC row 13 and the NEC-selected IBM extensions, and
 * half-width katakana after ESC ( I), "Shift_JIS" is CP932 and "EUC-JP" is EUC-JP-MS. glibc's
 * iconv has no CP50220 and its ISO-2022-JP corrupts these silently, so ISO-2022-JP is decoded
 * here by our own state machine into CP932 and then converted with iconv; every other charset
 * goes to iconv under the name that matches what Windows meant (see doc/JAPANESE.md).
 *
 * Nothing here ever passes an escape byte or an undecodable byte through as text: each becomes
 * U+FFFD and is counted. Parsers take (buffer, length) and check every step against it.
 *
 * Ownership: returned strings are the caller's (NUL-terminated, valid UTF-8). NUL bytes in the
 * input are data and come back as U+0000: use *outlen where they may occur. Names returned by
 * charset_canonical() and charset_guess() are static and live as long as the program.
 *
 * Not thread-safe: iconv descriptors, charset names and the JIS tables are cached in statics
 * (the program converts on one thread). */
#ifndef WLMIGRATE_CHARSET_H
#define WLMIGRATE_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

/* What a decode had to do; counters add up over calls so a message can total its parts. */
struct charset_stats {
    size_t replaced;      /* bytes or sequences that could not be decoded: each became U+FFFD */
    size_t guessed;       /* decodes whose charset was guessed (missing, unknown or mislabelled) */
    size_t relabelled;    /* declared charset overruled by the bytes (e.g. us-ascii with ESC $ B) */
};

/* The name to hand to iconv for a declared charset: "shift_jis", "x-sjis", "windows-31j" ->
 * "CP932"; "euc-jp" -> "EUC-JP-MS"; "iso-2022-jp*", "csISO2022JP*" and "cp5022x" ->
 * "ISO-2022-JP" (decoded by us); "utf8" -> "UTF-8"; "ks_c_5601-1987", "euc-kr" -> "CP949";
 * "gb2312", "gbk" -> "GB18030"; "iso-8859-1" and "us-ascii" -> "WINDOWS-1252" (what mailers
 * meant); the common aliases of these and Windows code page numbers ("CP65001", "CP20932")
 * likewise; otherwise the name itself, upper-cased, when iconv knows it, else NULL (unknown).
 * Case-insensitive; surrounding quotes and spaces ignored; a name longer than 47 characters or
 * with characters other than letters, digits and "-_.:+" (iconv's "//" suffixes) is unknown. */
const char *charset_canonical(const char *name);

/* Decodes `len` bytes declared as `charset` (NULL or "" when none) to UTF-8. The bytes overrule
 * the label where they must:
 *  - 7-bit bytes holding ISO-2022-JP escapes (ESC $ B, ESC $ @, ESC ( I, ESC $ ( D, ESC ( B/J)
 *    are decoded as ISO-2022-JP under us-ascii, iso-8859-1, any other ASCII-compatible label
 *    (utf-8, shift_jis ...) or none;
 *  - valid non-ASCII UTF-8 under a single-byte label is read as UTF-8;
 *  - 8-bit bytes without any ESC under an ISO-2022-JP label are read as what charset_guess()
 *    finds (UTF-8, CP932, EUC-JP-MS), unless it finds nothing Japanese;
 *  - a missing or unknown label is guessed from the bytes (charset_guess() without a hint:
 *    UTF-8, then CP932, then EUC-JP-MS, then WINDOWS-1252).
 * Each overrule counts in `relabelled`, each guess (of anything but plain ASCII) in `guessed`
 * (`st` may be NULL). Any ESC that is not part of ISO-2022-JP becomes U+FFFD. *outlen, when
 * not NULL, receives the length of the result. */
char *charset_to_utf8(const char *data, size_t len, const char *charset, struct charset_stats *st,
                      size_t *outlen);

/* ISO-2022-JP as code page 50220/50221: ESC ( B and ESC ( J ASCII, ESC $ @ and ESC $ B
 * JIS X 0208 (with NEC row 13 and rows 89-92), ESC ( I and SO/SI half-width katakana,
 * ESC $ ( D JIS X 0212; the wave dash as CP932 has it (U+FF5E). ESC & @ (the JIS X 0208-1990
 * announcer) is ignored and ESC ( H read as ASCII. A stray ESC, a cut-off or unknown escape
 * sequence, a byte >= 0x80, a pair CP932 cannot map and a first byte without its second each
 * become one U+FFFD; after a designation of an unknown set (ESC $ A ...) every character is
 * U+FFFD until the next known one. Controls and SPACE pass in every mode. A CR or LF inside
 * a two-byte or katakana mode returns to ASCII (mailers that forget ESC ( B at the line end;
 * RFC 1468 wants every line to end in ASCII): a silent repair, not counted. */
char *charset_iso2022jp_to_utf8(const char *data, size_t len, struct charset_stats *st,
                                size_t *outlen);

/* For raw 8-bit header bytes: the charset they most likely are. ASCII-only input gives
 * "UTF-8", or "ISO-2022-JP" when it holds ISO-2022-JP escapes. Valid UTF-8 (also when only a
 * character cut off at the end is broken) gives "UTF-8". Otherwise "CP932" or "EUC-JP-MS",
 * whichever decodes with fewer errors (private-use characters, C1 controls and half-width
 * katakana glued to Latin letters count as errors; one error in eight non-ASCII bytes is
 * tolerated), ties broken by `hint` (the body's declared charset, or NULL), then by fewer
 * half-width katakana, then CP932; "WINDOWS-1252" when neither fits, or when every 8-bit
 * byte is a Latin-1 letter inside a word and no two non-ASCII characters of the Japanese
 * readings stand together ("Forma\xe7\xe3o" is one CP932 kanji). A hint of another
 * charset weighs more: a multi-byte one (GB18030, CP949, Big5) is returned when the bytes
 * decode cleanly in it; a single-byte one (iso-8859-x, windows-125x, koi8-r) is returned
 * unless the bytes read cleanly as CP932 with two non-ASCII characters in a row. A us-ascii
 * hint is no hint. The result is a name charset_to_utf8() accepts. */
const char *charset_guess(const char *data, size_t len, const char *hint);

/* Appends `len` bytes of UTF-8 `s` to `out` encoded in `charset` (an iconv name: "UTF-8",
 * "CP932", "UTF-16LE" ...; no byte order mark is written). Each character the charset cannot
 * hold is written as '?' in it and, when `bad` is not NULL, appended to `bad` as UTF-8 unless
 * it is there already (several separated by spaces), so that the caller can report them.
 * 0, or -1 with `err` when this system cannot write `charset` (nothing appended). */
int charset_from_utf8(struct buf *out, const char *s, size_t len, const char *charset,
                      struct buf *bad, struct error *err);
/* `len` bytes in `charset` (an iconv name) as UTF-8, NUL-terminated, or NULL when any byte does
 * not convert or this system cannot read `charset`: for callers with a fallback of their own,
 * where charset_to_utf8()'s U+FFFD would hide that the guess was wrong. */
char *charset_to_utf8_strict(const char *data, size_t len, const char *charset);

#endif
