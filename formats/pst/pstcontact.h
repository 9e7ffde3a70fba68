/* pstcontact: one contact of the address-book model as the property list of a PST contact
 * (IPM.Contact, doc/PST.md 3.6 and [MS-OXOCNTC]).
 *
 * The Outlook writer puts every contact of the run into a Contacts folder (IPF.Contact) through
 * here: display name (also subject and conversation topic), given, middle and family name,
 * prefix, suffix, nickname, initials, the Japanese readings (PidLidYomiFirstName, LastName,
 * CompanyName), file-under ("Family, Given" or, for Japanese names, "Family Given") with its
 * PidLidFileUnderId, e-mail 1-3 through the PSETID_Address named properties (address, type
 * SMTP, display name, original display name, one-off EntryID) with
 * PidLidAddressBookProviderEmailList / ArrayType, the phones by type (business, business 2,
 * home, home 2, mobile, car, pager, faxes, company main, primary, other), the home, work and
 * other postal address (parts and the formatted block) and the mailing address, company,
 * department, title, profession, office, manager, assistant, spouse, web pages, IM address,
 * birthday and anniversary, notes as the plain body, categories (PidNameKeywords) and the photo
 * as Outlook's ContactPicture.jpg attachment.
 *
 * Every contact carries the same named properties in the same order (empty when the contact
 * has no value), so the store's name-to-ID map gets them in one fixed order with a harmless one
 * last: pst-extractor skips the last entry of that map (doc/PST.md 3.5).
 *
 * What a PST contact has no place for (a fourth e-mail, a phone when its slots are taken, a
 * fourth address, further IM addresses and web pages, a birthday without a year) is named in
 * pstcontact_dropped() for the report.
 *
 * Ownership: the result owns its storage but points into `c`: free it (pstcontact_free(),
 * NULL allowed) before the contact. */
#ifndef WLMIGRATE_PST_PSTCONTACT_H
#define WLMIGRATE_PST_PSTCONTACT_H

#include "model/contact.h"
#include "pst/pstwriter.h"

struct pstcontact;

struct pstcontact *pstcontact_build(const struct contact *c);
const struct pst_message *pstcontact_message(const struct pstcontact *pc);
/* "e-mail 4 (a@example.jp), phone 090-..." or NULL when nothing was left out. */
const char *pstcontact_dropped(const struct pstcontact *pc);
void pstcontact_free(struct pstcontact *pc);

#endif
