/* tbprefs: the prefs.js of a new Thunderbird profile, holding the store's mail accounts.
 *
 * Each IMAP or POP3 account of the store becomes a Thunderbird account (doc/THUNDERBIRD.md
 * "Profile"): its incoming server (type, host, port, connection security, user name, OAuth2 for
 * Gmail and Outlook.com / Hotmail hosts, a normal password otherwise), an identity (name,
 * address, reply-to, organization) and an SMTP server (host, port, security, user name, and the
 * authentication WLM used: none, SPA as NTLM, the incoming server's, or a password; OAuth2 for
 * the hosts above). Nothing that deletes mail on a server is ever set: a POP3 account leaves its
 * mail there, an IMAP account never expunges or empties the Trash on exit. Passwords are never
 * written (WLM's are DPAPI-protected for the old Windows user anyway): Thunderbird asks for
 * them, or opens the provider's sign-in page. The Local Folders account points at
 * `Mail/Local Folders`, where the converted tree lies. News, HTTP (DeltaSync) and directory
 * accounts cannot be carried: each is a note saying what to do instead.
 *
 * Ownership: the caller owns `out` and `notes`. */
#ifndef WLMIGRATE_TBPREFS_H
#define WLMIGRATE_TBPREFS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "pipeline/writer.h"
#include "util/buf.h"
#include "util/error.h"

/* Thunderbird's authentication methods (nsMsgAuthMethod) and socket types (nsMsgSocketType)
 * that the writer sets. */
enum {
    TBPREFS_AUTH_NONE = 1,     /* "No authentication" */
    TBPREFS_AUTH_PASSWORD = 3, /* passwordCleartext: "Normal password" */
    TBPREFS_AUTH_NTLM = 6,     /* what WLM calls Secure Password Authentication */
    TBPREFS_AUTH_OAUTH2 = 10,
    TBPREFS_SOCKET_PLAIN = 0,
    TBPREFS_SOCKET_STARTTLS = 2,
    TBPREFS_SOCKET_SSL = 3,
};

/* Appends prefs.js for `store`'s accounts to `out`; each account made, and each not carried, is
 * a note in `notes` (its path the .oeaccount). */
void tbprefs_write(struct buf *out, const struct model_store *store, struct writer_outcome *notes);

/* The string value of the last `user_pref("name", "value");` line for `name` in prefs.js
 * text of `len` bytes, unescaped (false when there is none). Lines inside a block comment, and
 * any other line, are not preferences; a literal that is not closed on its line, or holds a
 * NUL, makes the line none either. */
bool tbprefs_string(const char *text, size_t len, const char *name, struct buf *value);

/* For --into-profile: makes sure the profile whose prefs.js is `prefs` has a Local Folders
 * account in `[ProfD]Mail/Local Folders`. A profile that never had one (Thunderbird makes it
 * only when first needed) gets one appended, under account and server numbers no other
 * account uses, added to mail.accountmanager.accounts (a later line wins in prefs.js): 1.
 * 0 when it has one there already; -1 with `err` when its Local Folders live elsewhere. */
int tbprefs_ensure_local_folders(struct buf *prefs, struct error *err);

/* Appends the three settings of a personal address book (an abook-*.sqlite file in the profile)
 * called `name`, under ldap_2.servers.`id`. */
void tbprefs_address_book(struct buf *out, const char *id, const char *name, const char *file);

#endif
