/* contacts_find: the address books in a Windows profile (see contacts_find.h). Every directory is
 * read with the one lister, fs_list_dir(), in name order; an entry is taken only when it is what
 * the path wants (a directory, or a regular file at the end), so links are skipped. */
#include "contacts_find.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/fsutil.h"
#include "util/xalloc.h"

typedef void (*add_fn)(void *ctx, const char *path, const char *kind);

/* The first entry of `dir` in name order of `type` called `name` (case ignored), as a full path;
 * NULL when there is none. */
static char *child(const char *dir, const char *name, enum fs_entry_type type)
{
    struct fs_listing l;
    if (fs_list_dir(dir, &l) != 0)
        return NULL;
    char *found = NULL;
    for (size_t i = 0; i < l.count && !found; i++)
        if (l.entries[i].type == type && strcasecmp(l.entries[i].name, name) == 0)
            found = path_join(dir, l.entries[i].name);
    fs_listing_free(&l);
    return found;
}

/* `dir`/a/b/c, each component a directory matched without regard to case; NULL when absent. */
static char *find_dir(const char *dir, const char *const *parts, size_t nparts)
{
    char *cur = xstrdup(dir);
    for (size_t i = 0; cur && i < nparts; i++) {
        char *next = child(cur, parts[i], FS_ENTRY_DIR);
        free(cur);
        cur = next;
    }
    return cur;
}

/* `dir`/DBStore/contacts.edb, when it is a regular file. */
static void add_edb(const char *dir, add_fn add, void *ctx)
{
    char *db = child(dir, "DBStore", FS_ENTRY_DIR);
    char *edb = db ? child(db, "contacts.edb", FS_ENTRY_FILE) : NULL;
    if (edb)
        add(ctx, edb, "edb");
    free(edb);
    free(db);
}

/* Calls `fn` with each subdirectory of `dir` whose name starts with `prefix` ("" for all). */
static void each_dir(const char *dir, const char *prefix, void (*fn)(const char *, add_fn, void *),
                     add_fn add, void *ctx)
{
    struct fs_listing l;
    if (!dir || fs_list_dir(dir, &l) != 0)
        return;
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        if (e->type != FS_ENTRY_DIR || strncasecmp(e->name, prefix, strlen(prefix)) != 0)
            continue;
        char *path = path_join(dir, e->name);
        fn(path, add, ctx);
        free(path);
    }
    fs_listing_free(&l);
}

/* 2011/2012: <id>/15.x/DBStore/contacts.edb */
static void add_wl_id(const char *id, add_fn add, void *ctx)
{
    each_dir(id, "15.", add_edb, add, ctx);
}

/* The .contact files of `dir` and, `depth` levels down, of its subdirectories, in name order. */
static void add_contact_files(const char *dir, int depth, add_fn add, void *ctx)
{
    struct fs_listing l;
    if (fs_list_dir(dir, &l) != 0)
        return;
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        const char *dot = strrchr(e->name, '.');
        char *path = path_join(dir, e->name);
        if (e->type == FS_ENTRY_DIR && depth > 0)
            add_contact_files(path, depth - 1, add, ctx);
        else if (e->type == FS_ENTRY_FILE && dot && strcasecmp(dot + 1, "contact") == 0)
            add(ctx, path, "contact");
        free(path);
    }
    fs_listing_free(&l);
}

/* The user profile above `path`: the nearest ancestor (or itself) that holds an AppData or
 * Local Settings directory. */
static char *find_profile(const char *path)
{
    char *cur = path_resolve(path, NULL);
    if (!cur)
        cur = xstrdup(path);
    for (int up = 0; up < 12 && cur; up++) {
        char *appdata = child(cur, "AppData", FS_ENTRY_DIR);
        char *xp = appdata ? NULL : child(cur, "Local Settings", FS_ENTRY_DIR);
        bool found = appdata || xp;
        free(appdata);
        free(xp);
        if (found)
            return cur;
        char *slash = strrchr(cur, '/');
        if (!slash || slash == cur)
            break;
        *slash = '\0';
    }
    free(cur);
    return NULL;
}

void contacts_find_profile(const char *store_path, add_fn add, void *ctx)
{
    static const char *const local_roots[][3] = {
        {"AppData", "Local", "Microsoft"},
        {"Local Settings", "Application Data", "Microsoft"},
    };
    static const char *const windows_live[] = {"Windows Live", "Contacts"};
    static const char *const windows_live_2009[] = {"Windows Live Contacts"};
    static const char *const contacts[] = {"Contacts"};
    char *profile = find_profile(store_path);
    if (!profile)
        return;
    for (size_t r = 0; r < sizeof local_roots / sizeof local_roots[0]; r++) {
        char *ms = find_dir(profile, local_roots[r], 3);
        if (!ms)
            continue;
        /* 2011/2012: Windows Live/Contacts/<id>/15.x/DBStore/contacts.edb */
        char *wl = find_dir(ms, windows_live, 2);
        each_dir(wl, "", add_wl_id, add, ctx);
        free(wl);
        /* 2009: Windows Live Contacts/{GUID}/DBStore/contacts.edb */
        char *wl2009 = find_dir(ms, windows_live_2009, 1);
        each_dir(wl2009, "", add_edb, add, ctx);
        free(wl2009);
        free(ms);
    }
    /* Vista/7: the .contact files in Contacts/ (and one level of subfolders) */
    char *cdir = find_dir(profile, contacts, 1);
    if (cdir)
        add_contact_files(cdir, 1, add, ctx);
    free(cdir);
    free(profile);
}
