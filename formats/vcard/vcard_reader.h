/* vcard_reader: vCard 2.1, 3.0 and 4.0 files into the contact model.
 *
 * What real address-book exports hold, and what this reader takes: many cards per file; UTF-8
 * (with or without BOM), UTF-16 with or without BOM, and per-property CHARSET= (SHIFT_JIS is
 * CP932) with or without quoted-printable, whose soft breaks may cut a multi-byte character
 * (bytes are joined before they are decoded); a value without CHARSET that is not UTF-8 is
 * guessed (CP932, EUC-JP, Windows-1252); folded lines; 2.1 bare parameters (TEL;HOME;FAX);
 * group prefixes (item1.EMAIL with item1.X-ABLabel); PHOTO as 2.1/3.0 base64 (with or without
 * folding and the blank line after it), as a 4.0 data: URI or as a URL; X-PHONETIC-* and
 * SOUND;X-IRMC-N phonetic names; '#' comment lines of 2.1; nested BEGIN:VCARD (each card is
 * read as its own card); a card cut off by the end of the file.
 *
 * Properties no model field holds are named in the contact's `dropped` and reported as
 * contact_field; a card that holds nothing (no name, address, phone ...) is skipped and
 * reported as bad_contact. Nothing is printed.
 *
 * Ownership: contacts added to `out` belong to the list. */
#ifndef WLMIGRATE_VCARD_READER_H
#define WLMIGRATE_VCARD_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/contact.h"

struct report;

/* The largest vCard file read (a photo per card makes big files; 256 MB is far beyond any
 * real address book and keeps sizes in int range for the decoders). */
#define VCARD_MAX_BYTES ((size_t)256 << 20)

/* True when the bytes look like a vCard file: "BEGIN:VCARD" (any case) near the start, in
 * UTF-8 or UTF-16. */
bool vcard_sniff(const char *data, size_t len);

/* Reads every card in `len` bytes of `data`, appends the contacts to `out`, and records
 * problems (skipped cards, dropped properties) into `rep` (may be NULL) under `source` (the
 * path to name in the report; also the prefix of each contact's `origin`). Returns the number
 * of contacts added; *skipped (may be NULL) receives the number of cards skipped. */
size_t vcard_read(const char *data, size_t len, const char *source, struct contact_list *out,
                  struct report *rep, size_t *skipped);

#endif
