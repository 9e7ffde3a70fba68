/* contacts_cmd: finding, reading and writing a user's address books, and the
 * `wlmigrate contacts IN... -o OUT --to vcard|csv` command.
 *
 * The first three groups of functions are the API `convert` uses (they never print or exit):
 *
 *   struct contact_sources src = {0};
 *   contacts_find_sources(store_path, extra_paths, n_extra, &src, rep);   // what is there
 *   struct contact_list list = CONTACT_LIST_INIT;
 *   contacts_read_sources(&src, &list, rep);                               // read it all
 *   contacts_write_thunderbird(".../thunderbird", &list, VCARD_V40, rep, &err);
 *   contacts_write_outlook(".../outlook", &list, &csv_opts, rep, &err);
 *   contact_list_clear(&list);
 *   contacts_sources_free(&src);
 *
 * Problems go into the report: a source that cannot be read (contact_source), a card or row
 * skipped with its reason (bad_contact), fields no output can hold (contact_field), characters
 * an output encoding cannot hold (contact_chars). A bad source or card never stops the run.
 *
 * Ownership: the caller owns the sources and the list; the report copies what it is given. */
#ifndef WLMIGRATE_CONTACTS_CMD_H
#define WLMIGRATE_CONTACTS_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "model/contact.h"
#include "util/error.h"
#include "pipeline/writer.h"
#include "vcard/vcard_writer.h"

struct report;

enum contact_source_kind {
    CONTACT_SOURCE_VCARD,   /* .vcf / .vcard: one or many cards */
    CONTACT_SOURCE_CSV,     /* a contacts CSV export (WLM, Outlook, Gmail, Thunderbird) */
    CONTACT_SOURCE_CONTACT, /* a Windows Contacts .contact XML file */
    CONTACT_SOURCE_EDB,     /* WLM 2009-2012 contacts.edb (experimental) */
};

struct contact_source {
    char *path;                    /* as found (absolute when the input was) */
    enum contact_source_kind kind;
    bool found_by_search;          /* beside the store (true) or given with --contacts (false) */
    size_t contacts;               /* read by contacts_read_sources() */
    size_t skipped;                /* cards or rows skipped, each reported */
    bool unreadable;               /* the source as a whole could not be read (reported) */
};

struct contact_sources {
    struct contact_source *items;
    size_t count, cap;
};

/* The name of a source kind: "vcard", "csv", "contact", "edb". */
const char *contacts_source_kind_name(enum contact_source_kind kind);

/* Finds the contact sources of the user whose mail store is `store_path` (a WLM store, one of
 * its account directories, a Windows Mail store, or the user profile itself): it walks up to
 * the profile (the directory holding AppData/, or Local Settings/ on XP) and looks, names
 * compared without regard to case, for
 *   AppData/Local/Microsoft/Windows Live/Contacts/<id>/15.* /DBStore/contacts.edb   (2011/2012)
 *   AppData/Local/Microsoft/Windows Live Contacts/<id>/DBStore/contacts.edb         (2009)
 *   Contacts/ *.contact, one level of subfolders too                                (Vista)
 * (and the same under Local Settings/Application Data on XP). `store_path` may be NULL.
 * Then each of the `n_extra` paths of `extra` (--contacts): a file is taken by its extension
 * (.vcf .vcard .csv .contact .edb) or, failing that, by its content; a directory is searched
 * for such files (four levels deep, in name order). A path that does not exist is reported
 * (contact_source). Sources are appended to `out` without duplicates. Returns the number
 * found. */
size_t contacts_find_sources(const char *store_path, const char *const *extra, size_t n_extra,
                             struct contact_sources *out, struct report *rep);
void contacts_sources_free(struct contact_sources *s);

/* Reads one file (any kind) and appends its contacts; returns the number added. The source's
 * counters are updated. */
size_t contacts_read_source(struct contact_source *src, struct contact_list *out,
                            struct report *rep);
/* Reads every source in order; returns the number of contacts added in all. */
size_t contacts_read_sources(struct contact_sources *s, struct contact_list *out,
                             struct report *rep);

/* Writes `dir`/contacts.vcf (created with the directory): every contact as UTF-8 vCard
 * `version` (VCARD_V40 or VCARD_V30), many per file, groups as CATEGORIES. 0, or -1 with
 * `err` when the file cannot be written. */
int contacts_write_thunderbird(const char *dir, const struct contact_list *l,
                               enum vcard_version version, struct error *err);

struct contacts_csv_options {
    const char *profile;  /* "outlook-en" (default) or "outlook-ja" */
    const char *encoding; /* NULL: the profile's (UTF-8 with BOM / CP932); else "UTF-8",
                             "UTF-8-BOM", "CP932" (alias "SHIFT_JIS"), "UTF-16LE" */
    bool photos_elsewhere; /* photos are written elsewhere (vcards/): not reported as lost */
};

/* Writes `dir`/contacts.csv (the profile's headers and encoding; every character the encoding
 * cannot hold is reported per contact as contact_chars, written as '?') and `dir`/vcards/ with
 * one vCard 2.1 per contact (CHARSET=UTF-8, quoted-printable), named "NNNN Name.vcf". 0, or
 * -1 with `err`. */
int contacts_write_outlook(const char *dir, const struct contact_list *l,
                           const struct contacts_csv_options *o, struct writer_outcome *notes,
                           struct error *err);

/* Writes `path` as CSV in the profile (the command's --to csv). */
int contacts_write_csv_file(const char *path, const struct contact_list *l,
                            const struct contacts_csv_options *o, struct writer_outcome *notes,
                            struct error *err);

/* The command: `argv[0]` is "contacts". Parses its own options, prints, returns the exit code
 * (0 all read and written; 1 written, but the report lists losses; 2 usage; 3 fatal). */
int contacts_main(int argc, char **argv);

#endif
