/* contacts_edb: Windows Live Contacts' contacts.edb (WLM 2009-2012), read with libesedb.
 *
 * EXPERIMENTAL: no public sample of this database exists, so nothing here has been checked
 * against a real one. The schema is discovered at run time: every table is looked at, and a
 * table is taken as the contacts table when its column names map to at least two contact
 * fields (names, e-mail, phones, addresses, company ...). Column names are matched against
 * one table of patterns in contacts_edb.c (case-insensitive substrings such as "FirstName",
 * "GivenName", "Email", "HomePhone", "BusinessCity") that a real sample can correct; text
 * columns (ASCII or UTF-16 per their code page) are read, other types ignored. Every column
 * of a contacts table that holds text but matches no pattern is reported once per database
 * (contact_field), so that a technician with a real file can tell us what is missing.
 *
 * Ownership: contacts added to the list belong to it. */
#ifndef WLMIGRATE_CONTACTS_EDB_H
#define WLMIGRATE_CONTACTS_EDB_H

#include <stddef.h>

#include "model/contact.h"
#include "util/child.h"

struct report;

/* Reads the database at `path` (never written). Returns the number of contacts added, or
 * -1 when the file cannot be opened as an ESE database, no contacts table is recognised, or
 * none that is can be read (reported as contact_source under `source`). *skipped (may be NULL) receives the rows
 * skipped (each reported). */
long contacts_edb_read(const char *path, const char *source, struct contact_list *out,
                       struct report *rep, size_t *skipped);

/* The reading of a contacts.edb's rows by name, for a new process (util/child.h). */
extern const struct child_role contacts_edb_child_role;

#endif
