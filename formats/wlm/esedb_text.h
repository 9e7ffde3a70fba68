/* esedb_text: one text value of an ESE record as UTF-8, however libesedb stores it.
 *
 * Both readers of WLM's ESE databases (msgstore for Mail.MSMessageStore, contacts_edb for
 * contacts.edb) need the same thing from a column: plain, long-value or multi-valued text,
 * bounded in size so a damaged database cannot ask for gigabytes. The caller owns the string. */
#ifndef WLMIGRATE_ESEDB_TEXT_H
#define WLMIGRATE_ESEDB_TEXT_H

#include <libesedb.h>

/* The value of entry `entry` as UTF-8 (multi-values one per line); NULL when absent, NULL,
 * empty, over 64 MB or unreadable. */
char *esedb_text(libesedb_record_t *rec, int entry);

#endif
