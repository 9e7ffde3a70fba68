/* contacts: finding and reading a user's address books, and writing contact files.
 *
 * The pipeline's side of contacts, used by `convert`, `scan` and `contacts`; it never prints.
 * Formats are known only through a table of contact readers the caller hands in (formats/
 * registry.c has it) and through the store reader's find_contacts op (pipeline/reader.h):
 *
 *   struct contact_sources src;
 *   contacts_sources_init(&src, readers, nreaders);
 *   contacts_search_store(&src, store_reader, store_path);     // what lies beside the store
 *   contacts_search_paths(&src, paths, npaths, rep);           // and what --contacts names
 *   struct contact_list list = CONTACT_LIST_INIT;
 *   contacts_read_sources(&src, &list, rep);                    // read it all
 *   ... fs_write_atomic(path, bytes, len, &err) for what a writer produced ...
 *   contact_list_clear(&list);
 *   contacts_sources_free(&src);
 *
 * Problems go into the report: a source that cannot be read (contact_source), and what the
 * readers report (bad_contact, contact_field). A bad source or card never stops the run.
 *
 * Ownership: the caller owns the sources, the table and the list; the report copies what it is
 * given. */
#ifndef WLMIGRATE_PIPELINE_CONTACTS_H
#define WLMIGRATE_PIPELINE_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/contact.h"
#include "pipeline/reader.h"
#include "report/report.h"
#include "util/error.h"

/* One kind of address-book file. */
struct contacts_reader {
    const char *kind;                 /* "vcard", "csv", "contact", "edb": in reports and scan */
    const char *const *extensions;    /* file name endings it takes, without the dot, case
                                         ignored; ends with NULL */
    /* True when a file's bytes are of this kind (the whole file, at most 256 MB); NULL when
     * the kind is known by its extension only. */
    bool (*sniff)(const char *data, size_t len);
    /* Appends the contacts of the file at `path` to `out`, reporting problems under `path`.
     * Returns the number added, or -1 when the file as a whole cannot be read (reported as
     * contact_source); *skipped receives the cards or rows skipped (each reported). */
    long (*read)(const char *path, struct contact_list *out, struct report *rep, size_t *skipped);
};

struct contact_source {
    char *path;                            /* as found (absolute when the input was) */
    const struct contacts_reader *reader;  /* its kind */
    size_t contacts;                       /* read by contacts_read_sources() */
    size_t skipped;                        /* cards or rows skipped, each reported */
    bool unreadable;                       /* the source as a whole could not be read */
};

struct contact_sources {
    const struct contacts_reader *readers; /* the kinds known, in the order they are sniffed */
    size_t nreaders;
    struct contact_source *items;
    size_t count, cap;
};

/* An empty list of sources that knows the `n` kinds of `readers`. */
void contacts_sources_init(struct contact_sources *s, const struct contacts_reader *readers,
                           size_t n);
void contacts_sources_free(struct contact_sources *s);

/* Appends the address books `store_reader` finds beside the store at `store_path` (its
 * find_contacts op; kinds `s` does not know are left out). Returns the number added. */
size_t contacts_search_store(struct contact_sources *s, const struct reader_ops *store_reader,
                             const char *store_path);
/* Appends each of the `n` paths (--contacts): a file is taken by its extension or, failing
 * that, by its content (the first reader whose sniffer says yes); a directory is searched for
 * files with a known extension, four levels deep, in name order. Links are not followed. A path
 * that does not exist, or a file of no known kind, is reported (contact_source). Returns the
 * number added. Sources are never added twice. */
size_t contacts_search_paths(struct contact_sources *s, const char *const *paths, size_t n,
                             struct report *rep);

/* Reads every source in order and updates its counters; returns the number of contacts added
 * in all. */
size_t contacts_read_sources(struct contact_sources *s, struct contact_list *out,
                             struct report *rep);

#endif
