/* vcard_writer: contacts as vCard 4.0, 3.0 (Thunderbird) and 2.1 (Outlook).
 *
 * 4.0 and 3.0 are written as doc/THUNDERBIRD.md ("Address book") asks: plain UTF-8, no quoted-printable, no
 * CHARSET, PHOTO as a data: URI (4.0) or ENCODING=b (3.0), standard properties plus a few X-
 * names (X-PHONETIC-FIRST-NAME / -LAST-NAME / -MIDDLE-NAME / -ORG for readings, X-MS-OFFICE,
 * X-MANAGER, X-ASSISTANT, X-ABLabel for labels), lines folded at 75 octets on character
 * boundaries, CRLF line ends. Groups are written as CATEGORIES.
 *
 * 2.1 is written as desktop Outlook imports it: one card per file, every value that is not
 * short plain ASCII as CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE with soft breaks placed between
 * characters, PHOTO as folded base64 followed by a blank line.
 *
 * Every field of the model is written in every version; no field is dropped. */
#ifndef WLMIGRATE_VCARD_WRITER_H
#define WLMIGRATE_VCARD_WRITER_H

#include "util/buf.h"
#include "model/contact.h"

enum vcard_version { VCARD_V21 = 21, VCARD_V30 = 30, VCARD_V40 = 40 };

/* Appends one BEGIN:VCARD ... END:VCARD card for `c` to `out`. */
void vcard_write(struct buf *out, const struct contact *c, enum vcard_version version);

#endif
