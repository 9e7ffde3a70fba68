/* pstmail: one normalized mail message as the property lists of a PST message (IPM.Note).
 *
 * The Outlook writer hands every message through here: the normalizer (src/normalize.h) gives
 * the decoded view, this module turns it into what doc/PST.md 3.4 asks for: message class, subject
 * with the 0x01 prefix rule ([MS-OXCMAIL] 2.2.3.2.6.1), normalized subject and conversation
 * topic, sender and sent-representing (name, SMTP, address, one-off EntryID), a recipient row
 * per To/Cc/Bcc mailbox and the display lists, times, read flag, importance, sensitivity, message
 * id, the raw header block, the plain body (stored as UTF-16), the HTML body as its bytes with
 * their code page, and attachments by value (short and long name, extension, MIME type,
 * Content-ID, hidden when an inline image the HTML refers to) or, for message/rfc822 parts,
 * embedded messages built the same way. Kept separate from the writer so that the mapping can
 * be tested on memory, without a store.
 *
 * Ownership: pstmail_build() borrows `n`; the result points into it and into its own storage,
 * so free the result (pstmail_free(), NULL allowed) before normalize_free(). */
#ifndef WLMIGRATE_PST_PSTMAIL_H
#define WLMIGRATE_PST_PSTMAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "normalize/normalize.h"
#include "pst/pstwriter.h"

struct pstmail_info {
    bool read;             /* mfRead */
    int64_t delivered;     /* Unix time received (the store's), MODEL_TIME_UNKNOWN: the date */
};

struct pstmail;

struct pstmail *pstmail_build(struct normalize *n, const struct pstmail_info *info);
/* Decodes every attachment's bytes (those of embedded messages too) into memory now: writing the
 * message then touches the normalizer no more, so that it may be written on another thread
 * while this one goes on with GMime. Returns the bytes it holds. */
size_t pstmail_load(struct pstmail *m);
const struct pst_message *pstmail_message(const struct pstmail *m);
void pstmail_free(struct pstmail *m);

#endif
