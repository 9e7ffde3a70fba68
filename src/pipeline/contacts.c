/* contacts: finding, reading and writing address books (see contacts.h).
 *
 * Which file is which kind is asked of the table of contact readers the caller gives; where a
 * format keeps address books beside its store is asked of the store's reader. What is left here
 * is the walk (fs_list_dir(), so links are never followed), the list without duplicates, the
 * counters, and the one way a contact file is written: to a temporary name beside its final one,
 * renamed when complete. */
#include "pipeline/contacts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/platform.h"
#include "util/xalloc.h"

/* A file of no known extension is read whole to be sniffed when it holds at most this much (as
 * much as any contacts reader takes). */
#define CONTACTS_SNIFF_MAX ((size_t)256 << 20)

/* Levels of subdirectories searched below a --contacts directory. */
#define CONTACTS_SEARCH_DEPTH 4

void contacts_sources_init(struct contact_sources *s, const struct contacts_reader *readers,
                           size_t n)
{
    memset(s, 0, sizeof *s);
    s->readers = readers;
    s->nreaders = n;
}

void contacts_sources_free(struct contact_sources *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i].path);
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* ---- finding ----------------------------------------------------------------------------- */

/* Appends `path` unless it is there already; 1 when added. */
static size_t add_source(struct contact_sources *s, const char *path,
                         const struct contacts_reader *reader)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].path, path) == 0)
            return 0;
    s->items = xgrow(s->items, &s->cap, s->count + 1, sizeof *s->items);
    s->items[s->count++] = (struct contact_source){.path = xstrdup(path), .reader = reader};
    return 1;
}

static const struct contacts_reader *reader_of_kind(const struct contact_sources *s,
                                                    const char *kind)
{
    for (size_t i = 0; i < s->nreaders; i++)
        if (strcmp(s->readers[i].kind, kind) == 0)
            return &s->readers[i];
    return NULL;
}

/* The reader whose extensions hold the one of `name` (after its last dot), or NULL. */
static const struct contacts_reader *reader_by_extension(const struct contact_sources *s,
                                                         const char *name)
{
    const char *dot = strrchr(path_basename(name), '.');
    const char *ext = dot ? dot + 1 : "";
    for (size_t i = 0; i < s->nreaders; i++)
        for (const char *const *e = s->readers[i].extensions; *e; e++)
            if (strcasecmp(ext, *e) == 0)
                return &s->readers[i];
    return NULL;
}

/* The first reader whose sniffer takes the file's bytes, or NULL. */
static const struct contacts_reader *reader_by_content(const struct contact_sources *s,
                                                       const char *path)
{
    const struct contacts_reader *found = NULL;
    struct buf b = BUF_INIT;
    if (fs_read_file(path, CONTACTS_SNIFF_MAX, &b, NULL) == 0)
        for (size_t i = 0; i < s->nreaders && !found; i++)
            if (s->readers[i].sniff && s->readers[i].sniff(b.data ? b.data : "", b.len))
                found = &s->readers[i];
    buf_free(&b);
    return found;
}

struct found_ctx {
    struct contact_sources *s;
    size_t added;
};

static void add_found(void *ctx, const char *path, const char *kind)
{
    struct found_ctx *f = ctx;
    const struct contacts_reader *reader = reader_of_kind(f->s, kind);
    if (reader)
        f->added += add_source(f->s, path, reader);
}

size_t contacts_search_store(struct contact_sources *s, const struct reader_ops *store_reader,
                             const char *store_path)
{
    struct found_ctx f = {s, 0};
    if (store_reader && store_reader->find_contacts && store_path)
        store_reader->find_contacts(store_path, add_found, &f);
    return f.added;
}

/* The files of `dir` with a known extension, `depth` levels of subdirectories down, in name
 * order (a subdirectory where its name sorts). */
static size_t search_dir(struct contact_sources *s, const char *dir, int depth)
{
    struct fs_listing l;
    if (fs_list_dir(dir, &l) != 0)
        return 0;
    size_t added = 0;
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        char *path = path_join(dir, e->name);
        const struct contacts_reader *reader;
        if (e->type == FS_ENTRY_DIR && depth > 0)
            added += search_dir(s, path, depth - 1);
        else if (e->type == FS_ENTRY_FILE && (reader = reader_by_extension(s, e->name)) != NULL)
            added += add_source(s, path, reader);
        free(path);
    }
    fs_listing_free(&l);
    return added;
}

size_t contacts_search_paths(struct contact_sources *s, const char *const *paths, size_t n,
                             struct report *rep)
{
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = paths[i];
        struct plat_stat st;
        bool exists = plat_lstat(p, &st) == 0;
        if (exists && st.type == PLAT_DIR) {
            added += search_dir(s, p, CONTACTS_SEARCH_DEPTH);
        } else if (exists && st.type == PLAT_FILE) {
            const struct contacts_reader *reader = reader_by_extension(s, p);
            if (!reader)
                reader = reader_by_content(s, p);
            if (reader)
                added += add_source(s, p, reader);
            else
                report_problem(rep, PROBLEM_CONTACT_SOURCE, p,
                               "Not a contacts file this program reads (vCard, CSV, .contact, "
                               "contacts.edb).");
        } else {
            report_problem(rep, PROBLEM_CONTACT_SOURCE, p,
                           "The contacts path does not exist or is not a file or directory.");
        }
    }
    return added;
}

/* ---- reading ----------------------------------------------------------------------------- */

size_t contacts_read_sources(struct contact_sources *s, struct contact_list *out,
                             struct report *rep)
{
    size_t total = 0;
    for (size_t i = 0; i < s->count; i++) {
        struct contact_source *src = &s->items[i];
        size_t skipped = 0;
        long n = src->reader->read(src->path, out, rep, &skipped);
        if (n < 0)
            src->unreadable = true;
        else
            src->contacts += (size_t)n;
        src->skipped += skipped;
        total += n > 0 ? (size_t)n : 0;
    }
    return total;
}
