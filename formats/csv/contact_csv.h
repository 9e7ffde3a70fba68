/* contact_csv: contacts CSV exports in, Outlook CSV out, with the column profiles.
 *
 * Reading: the header row decides; columns are matched by name (ASCII case ignored, spaces
 * and full-width spaces trimmed: WLM writes some Japanese names with trailing spaces), never
 * by position. Known header families, all in one table in contact_csv.c that a real sample
 * can correct: Windows Live Mail's English and Japanese exports (doc/WLM-STORE.md "Contacts"), Outlook's
 * English export and a Japanese Outlook profile, Thunderbird's export, and Gmail's
 * ("E-mail 1 - Type", "Phone 1 - Value", " ::: " lists, "Group Membership"). A column no
 * table knows is named in the contact's `dropped` (reported as contact_field). The input may
 * be UTF-16LE/BE with BOM, UTF-8 with or without BOM, or CP932 (guessed); the delimiter is
 * ',' ';' or TAB (guessed from the header). A row without any field is skipped silently; a
 * row with data but nothing a contact keeps is reported as bad_contact.
 *
 * Writing: the header row and one row per contact in a profile, as UTF-8 text with CRLF
 * line ends, and a whole file of them in the profile's encoding or another (contact_csv_write,
 * which the contact files of `contacts --to csv` and `convert --for outlook` are written
 * with). The profiles (column names) are
 * documented in README.md; the Japanese one comes from third-party descriptions of Japanese
 * Outlook, not from a Japanese Outlook: correct it in the table when a sample shows better.
 *
 * Ownership: contacts added to a list belong to it; returned strings are the caller's. */
#ifndef WLMIGRATE_CONTACT_CSV_H
#define WLMIGRATE_CONTACT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "model/contact.h"

struct error;
struct report;
struct writer_outcome;

#define CONTACT_CSV_MAX_BYTES ((size_t)256 << 20)

enum contact_csv_profile { CONTACT_CSV_OUTLOOK_EN, CONTACT_CSV_OUTLOOK_JA };

/* "outlook-en" / "outlook-ja" -> 0 and *p set; -1 for any other name. */
int contact_csv_profile_from_name(const char *name, enum contact_csv_profile *p);

/* True when the first line looks like a contacts CSV header this reader knows (at least one
 * known column name: an export of e-mail addresses alone is an address book too). Any encoding
 * as described above. */
bool contact_csv_sniff(const char *data, size_t len);

/* Reads every row of a contacts CSV; see above. Returns the number of contacts added;
 * *skipped (may be NULL) receives the rows skipped (each reported). */
size_t contact_csv_read(const char *data, size_t len, const char *source, struct contact_list *out,
                        struct report *rep, size_t *skipped);

/* Appends the profile's header line (UTF-8, CRLF). */
void contact_csv_write_header(struct buf *out, enum contact_csv_profile p);
/* Appends one row for `c` (UTF-8, CRLF). Fields the profile has no column for (a fourth
 * e-mail address, a role, a photo unless `photo_elsewhere` ...) are named in *lost (a string
 * the caller frees, NULL when nothing was lost). */
void contact_csv_write_row(struct buf *out, const struct contact *c, enum contact_csv_profile p,
                           bool photo_elsewhere, char **lost);

struct contact_csv_options {
    enum contact_csv_profile profile;
    const char *encoding;  /* NULL: the profile's; else "UTF-8", "UTF-8-BOM", "CP932" (also
                              "SHIFT_JIS", "SJIS", "WINDOWS-31J"), "UTF-16LE" (also "UTF-16",
                              with BOM), case ignored */
    bool photos_elsewhere; /* photos are written elsewhere (vcards/): not noted as lost */
};

/* Appends a whole CSV file of `l` to `out`: the byte order mark of UTF-8-BOM and UTF-16LE, the
 * header and a row per contact, in the encoding. Per contact, the characters the encoding
 * cannot hold (written as '?') are noted in `notes` as contact_chars and the fields no column
 * holds as contact_field, under the contact's origin, else `path` (where the file goes; the
 * notes name its file name). 0, or -1 with `err` (nothing appended) when the encoding is not
 * one of these or this system cannot write it. */
int contact_csv_write(struct buf *out, const struct contact_list *l,
                      const struct contact_csv_options *o, const char *path,
                      struct writer_outcome *notes, struct error *err);

#endif
