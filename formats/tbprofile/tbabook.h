/* tbabook: Thunderbird's own address book file, abook.sqlite, written with libsqlite3.
 *
 * The schema is the one Thunderbird 153 creates (learned from a profile it made; doc/THUNDERBIRD.md
 * "Address book file"): user_version 4; `properties (card, name, value)` holding, per card UID,
 * the card as a vCard 4.0 (`_vCard`) and the values Thunderbird derives from it for sorting and
 * search (DisplayName, FirstName, LastName, PrimaryEmail, SecondEmail, LastModifiedDate,
 * PopularityIndex), as its own importer stores them: readings stay in the vCard
 * (X-PHONETIC-FIRST-NAME ...); `lists (uid, name, nickName,
 * description)` and `list_cards (list, card)` for mailing lists. Each contact category (a WLM
 * group) becomes a mailing list of its members. UIDs are derived from the contacts' contents,
 * so the same source gives the same file.
 *
 * The vCard text is the caller's (the vCard writer's, through the registry: formats do not know
 * each other), so the card Thunderbird reads is exactly the one the vCard route carries. */
#ifndef WLMIGRATE_TBABOOK_H
#define WLMIGRATE_TBABOOK_H

#include "model/contact.h"
#include "util/buf.h"
#include "util/error.h"

/* Appends contact `c` as a vCard 4.0 (without UID: the writer adds one) to `out`. */
typedef void (*tbabook_vcard_fn)(struct buf *out, const struct contact *c);

/* Writes `path` (which must not exist) with every contact of `contacts`; on failure the file is
 * removed. 0, or -1 with `err` naming the file. */
int tbabook_write(const char *path, const struct contact_list *contacts, tbabook_vcard_fn vcard,
                  struct error *err);

#endif
