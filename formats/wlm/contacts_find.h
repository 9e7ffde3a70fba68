/* contacts_find: where Windows keeps the address books of a Windows Live Mail or Windows Mail
 * user, found from the mail store (the reader's find_contacts op, see pipeline/reader.h).
 *
 * The store lies inside the user's profile; from it the profile is found and searched, names
 * compared without regard to case (a profile copied off Windows keeps whatever case it had), for
 *   AppData/Local/Microsoft/Windows Live/Contacts/<id>/15.* /DBStore/contacts.edb   (2011/2012)
 *   AppData/Local/Microsoft/Windows Live Contacts/<id>/DBStore/contacts.edb         (2009)
 *   Contacts/ *.contact, one level of subfolders too                                (Vista, 7)
 * and the same below Local Settings/Application Data on XP. Directories are listed with
 * fs_list_dir(): a symbolic link is never followed, so the search cannot leave the profile. */
#ifndef WLMIGRATE_WLM_CONTACTS_FIND_H
#define WLMIGRATE_WLM_CONTACTS_FIND_H

/* Calls `add` with each address book of the user whose store is at `store_path` (the store, one
 * of its accounts, or the profile itself) and its kind ("edb" or "contact"), in the order above
 * and in name order within each directory; nothing when no profile is found above the store. */
void contacts_find_profile(const char *store_path,
                           void (*add)(void *ctx, const char *path, const char *kind), void *ctx);

#endif
