/* plist: building the property lists that become PST messages, recipients, attachments and
 * contacts.
 *
 * pstmail (mail) and pstcontact (contacts) both turn a decoded item into a struct pst_prop
 * array for the writer; the small growing list and the entry identifiers they share live
 * here. A plist does not own the strings and bytes its properties point to: the caller keeps
 * them alive until the item is written.
 *
 * Ownership: plist_free() frees the array only (and accepts an empty list). */
#ifndef WLMIGRATE_PST_PLIST_H
#define WLMIGRATE_PST_PLIST_H

#include <stddef.h>
#include <stdint.h>

#include "pst/pstwriter.h"

struct plist {
    struct pst_prop *v;
    size_t n, cap;
};

/* Appends a zeroed property with `tag` and returns it for the caller to fill. */
struct pst_prop *plist_add(struct plist *l, uint32_t tag);
void plist_num(struct plist *l, uint32_t tag, uint64_t num);
/* A NUL-terminated UTF-8 string; NULL is stored as "". */
void plist_str(struct plist *l, uint32_t tag, const char *s);
/* A string only when there is a value. */
void plist_opt_str(struct plist *l, uint32_t tag, const char *s);
/* `len` bytes of UTF-8 (NULL is stored as ""). */
void plist_strn(struct plist *l, uint32_t tag, const char *s, size_t len);
void plist_bin(struct plist *l, uint32_t tag, const void *data, size_t len);
void plist_free(struct plist *l);

/* The one-off EntryID of an SMTP address ([MS-OXCDATA] 2.2.5.1: Unicode, no rich info); the
 * caller frees it. */
char *plist_one_off_entryid(const char *name, const char *addr, size_t *len);

#endif
