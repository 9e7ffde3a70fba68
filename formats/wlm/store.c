/* store: finding and walking Windows Live Mail, Windows Mail and plain .eml stores.
 *
 * This implements pipeline/reader.h. A WLM store is a directory tree: one directory per account
 * (holding its .oeaccount and, for IMAP, the server's folders), `Storage Folders` (WLM) or
 * `Local Folders` (Windows Mail) for local mail, and database, log and backup files around them.
 * A plain tree of .eml files has the same shape without the rest, so one walker serves all three.
 *
 * Rules (see doc/WLM-STORE.md and QUIRKS.md beside this file): names are matched without regard to
 * case, because a store copied off Windows keeps whatever case it had; directory names are never
 * taken as account names (the .oeaccount says); database, log and Backup files are skipped, so no
 * message is imported twice; symbolic links are reported and never followed, so the walk cannot
 * leave the store or loop; nothing is opened for writing. Directories are listed by names and
 * types alone, no stat per entry: a message file is described once, by the pipeline, from the
 * file it opens. */
#include "wlm/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/platform.h"
#include "contacts_find.h"
#include "msgstore.h"
#include "normalize/charset.h"
#include "normalize/rfc822.h"
#include "oeaccount.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* Deeper folder trees are reported and not entered: no real store comes near this. */
#define WALK_MAX_DEPTH 100

/* ---- names -------------------------------------------------------------------------------- */

static bool has_suffix_ci(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

static bool has_prefix_ci(const char *name, const char *prefix)
{
    return strncasecmp(name, prefix, strlen(prefix)) == 0;
}

static bool is_message_name(const char *name)
{
    return has_suffix_ci(name, ".eml") || has_suffix_ci(name, ".nws");
}

/* Files WLM or Windows leaves in mail folders that hold no mail. */
static bool is_folder_side_file(const char *name)
{
    return strcasecmp(name, "winmail.fol") == 0 || strcasecmp(name, "desktop.ini") == 0 ||
           strcasecmp(name, "Thumbs.db") == 0 || has_suffix_ci(name, ".oeaccount");
}

/* Database, checkpoint, log and reserve files in the store root. */
static bool is_store_side_file(const char *name)
{
    return has_suffix_ci(name, ".MSMessageStore") || has_suffix_ci(name, ".edb") ||
           has_suffix_ci(name, ".chk") || has_suffix_ci(name, ".jrs") ||
           has_suffix_ci(name, ".pat") || has_suffix_ci(name, ".jfm") ||
           (has_prefix_ci(name, "edb") && has_suffix_ci(name, ".log")) ||
           is_folder_side_file(name);
}

static bool is_local_folders_name(const char *name)
{
    return strcasecmp(name, "Storage Folders") == 0 || strcasecmp(name, "Local Folders") == 0;
}

/* Standard local folder names, English and Japanese (doc/WLM-STORE.md "Layout"). */
static const struct {
    const char *name;
    enum folder_special special;
} special_names[] = {
    {"Inbox", MODEL_FOLDER_INBOX},         {"受信トレイ", MODEL_FOLDER_INBOX},
    {"Outbox", MODEL_FOLDER_OUTBOX},       {"送信トレイ", MODEL_FOLDER_OUTBOX},
    {"Sent Items", MODEL_FOLDER_SENT},     {"送信済みアイテム", MODEL_FOLDER_SENT},
    {"Deleted Items", MODEL_FOLDER_DELETED}, {"削除済みアイテム", MODEL_FOLDER_DELETED},
    {"Drafts", MODEL_FOLDER_DRAFTS},       {"下書き", MODEL_FOLDER_DRAFTS},
    {"Junk E-mail", MODEL_FOLDER_JUNK},    {"迷惑メール", MODEL_FOLDER_JUNK},
};

static enum folder_special special_for(const char *name)
{
    for (size_t i = 0; i < sizeof special_names / sizeof special_names[0]; i++)
        if (strcasecmp(name, special_names[i].name) == 0)
            return special_names[i].special;
    return MODEL_FOLDER_NORMAL;
}

/* A directory name as UTF-8: as is when valid; else read as CP932, the code page of the
 * Japanese Windows the store most likely came from; else with bad bytes replaced by '_'. */
static char *display_name(const char *raw, bool *was_bad)
{
    size_t len = strlen(raw);
    *was_bad = false;
    if (utf8_valid(raw, len))
        return xstrdup(raw);
    *was_bad = true;
    char *cp932 = charset_to_utf8_strict(raw, len, "CP932");
    return cp932 ? cp932 : utf8_repair(raw, len, '_');
}

/* ---- the walk ----------------------------------------------------------------------------- */

/* What the reader keeps between wlm_open() and wlm_each_message(). */
struct wlm_reader {
    struct msgstore *db; /* NULL when there is none or it could not be read */
    char *prefix;        /* prepended to a source path to get the database's path ("" or "acct/") */
    bool place_by_db;    /* files without a usable row go to Recovered (the database fits) */
    char *unreadable_reason; /* why the database could not be read, for the report */
};

static void wlm_reader_free(void *data)
{
    struct wlm_reader *r = data;
    if (!r)
        return;
    msgstore_free(r->db);
    free(r->prefix);
    free(r->unreadable_reason);
    free(r);
}

/* A message file the database has no usable row for, met during the walk. */
struct unplaced {
    struct model_folder *folder;
    char *source;
    const char *why;
};

struct walk {
    struct model_store *store;
    struct report *report;
    struct wlm_reader *reader;
    struct unplaced *unplaced;
    size_t nunplaced, unplaced_cap;
    size_t matched; /* message files with a usable database row */
};

/* The database row of a message file, or NULL. */
static struct msgstore_message *row_for(const struct wlm_reader *r, const char *source)
{
    if (!r->db)
        return NULL;
    char *key = xasprintf("%s%s", r->prefix, source);
    struct msgstore_message *m = msgstore_message(r->db, key);
    free(key);
    return m;
}

static char *rel_join(const char *rel, const char *name)
{
    return rel[0] ? path_join(rel, name) : xstrdup(name);
}

static struct model_folder *add_folder(struct walk *w, struct model_folder *parent,
                                       const char *raw_name, const char *rel)
{
    bool bad;
    char *name = display_name(raw_name, &bad);
    /* The database has the true name of a folder whose directory name WLM cut short. */
    const struct msgstore_folder *known = NULL;
    if (w->reader->db) {
        char *key = xasprintf("%s%s", w->reader->prefix, rel);
        known = msgstore_folder_by_path(w->reader->db, key);
        free(key);
    }
    if (known && known->name && *known->name) {
        free(name);
        name = xstrdup(known->name);
    } else if (bad) {
        report_problem(w->report, PROBLEM_BAD_NAME, rel,
                       "folder name is not valid UTF-8; shown as \"%s\"", name);
    }
    struct model_folder *f = model_folder_new(parent, name, rel);
    free(name);
    /* FLDCOL_SPECIAL names the inbox, outbox, sent, deleted and drafts folders whatever their
     * names; where it gives none, walk_folder goes by the standard names. */
    if (known)
        f->special = known->special;
    return f;
}

/* Counts one message file of folder `f`, matching it with its database row. Its bytes are the
 * pipeline's, from the file it opens. */
static void count_message(struct walk *w, struct model_folder *f, const char *rel)
{
    f->messages++;
    w->store->messages++;
    if (!w->reader->db)
        return;
    struct msgstore_message *row = row_for(w->reader, rel);
    const char *why = NULL;
    if (!row)
        why = N_("the database has no row for this file");
    else if (!row->folder_exists)
        why = N_("the database files it in a folder that no longer exists");
    if (row)
        row->seen = true;
    if (why) {
        w->unplaced = xgrow(w->unplaced, &w->unplaced_cap, w->nunplaced + 1, sizeof *w->unplaced);
        w->unplaced[w->nunplaced++] = (struct unplaced){f, xstrdup(rel), why};
        return;
    }
    w->matched++;
    f->with_state++;
    if (!(row->state & MODEL_MSG_READ))
        f->unread++;
}

static void read_account(struct walk *w, const char *abs, const char *rel,
                         struct model_folder *folder)
{
    struct buf data = BUF_INIT;
    struct error err;
    struct model_account *a = NULL;
    if (fs_read_file(abs, OEACCOUNT_MAX_BYTES, &data, &err) == 0)
        a = oeaccount_parse(data.data ? data.data : "", data.len, rel, &err);
    buf_free(&data);
    if (!a) {
        report_problem(w->report, PROBLEM_BAD_ACCOUNT, rel, "%s", err.msg);
        return;
    }
    model_store_add_account(w->store, a);
    if (folder) {
        folder->account = a;
        free(folder->name);
        folder->name = xstrdup(a->name);
    }
}

/* Walks one mail folder: counts its messages and walks its subdirectories. Its names are read
 * in order in bounded memory (fs_names): a folder may hold a million messages. */
static void walk_folder(struct walk *w, struct model_folder *f, const char *abs, int depth)
{
    struct error err;
    struct fs_names *l = fs_names_open(abs, &err);
    if (!l) {
        report_problem(w->report, PROBLEM_UNREADABLE_FOLDER, f->source,
                       "%s; its messages are not converted", err.msg);
        f->unlisted = true;
        return;
    }
    const char *name;
    enum fs_entry_type type;
    int got;
    while ((got = fs_names_next(l, &name, &type, &err)) == 1) {
        const struct fs_entry entry = {(char *)name, type, 0, 0}, *e = &entry;
        char *rel = rel_join(f->source, e->name);
        if (e->type == FS_ENTRY_LINK) {
            report_problem(w->report, PROBLEM_LINK_SKIPPED, rel,
                           "symbolic link not followed (it may point outside the store)");
        } else if (e->type == FS_ENTRY_DIR) {
            if (depth >= WALK_MAX_DEPTH) {
                report_problem(w->report, PROBLEM_UNREADABLE_FOLDER, rel,
                               "folder nested deeper than %d levels; not converted",
                               WALK_MAX_DEPTH);
            } else {
                char *child_abs = path_join(abs, e->name);
                struct model_folder *child = add_folder(w, f, e->name, rel);
                if (f->parent && !f->parent->parent && child->special == MODEL_FOLDER_NORMAL)
                    child->special = special_for(child->name);
                walk_folder(w, child, child_abs, depth + 1);
                free(child_abs);
            }
        } else if (is_message_name(e->name)) {
            /* Non-regular files with message names are counted: opening them reports why. */
            if (!utf8_valid(e->name, strlen(e->name)))
                report_problem(w->report, PROBLEM_BAD_NAME, rel,
                               "file name is not valid UTF-8 (the report shows its bad bytes "
                               "as U+FFFD); the message is converted");
            count_message(w, f, rel);
        } else if (!is_folder_side_file(e->name)) {
            report_problem(w->report, PROBLEM_OTHER_FILE, rel,
                           "not a message file (.eml or .nws); left out");
        }
        free(rel);
    }
    if (got < 0) {
        report_problem(w->report, PROBLEM_UNREADABLE_FOLDER, f->source,
                       "%s; its messages are not converted", err.msg);
        f->unlisted = true;
    }
    fs_names_close(l);
}

/* The first .oeaccount file directly in `abs`, or NULL. */
static char *find_oeaccount(const char *abs)
{
    struct fs_listing l;
    char *found = NULL;
    if (fs_list_names(abs, &l) != 0)
        return NULL;
    for (size_t i = 0; i < l.count && !found; i++)
        if (l.entries[i].type == FS_ENTRY_FILE && has_suffix_ci(l.entries[i].name, ".oeaccount"))
            found = xstrdup(l.entries[i].name);
    fs_listing_free(&l);
    return found;
}

/* Reads every .oeaccount file directly in `abs` (relative path `rel`); the first one names
 * `folder` and owns it (when folder is not NULL). Returns the number of account files. */
static size_t read_accounts_in(struct walk *w, const char *abs, const char *rel,
                               struct model_folder *folder)
{
    struct fs_listing l;
    size_t found = 0;
    if (fs_list_names(abs, &l) != 0)
        return 0;
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        if (e->type != FS_ENTRY_FILE || !has_suffix_ci(e->name, ".oeaccount"))
            continue;
        char *file_abs = path_join(abs, e->name);
        char *file_rel = rel_join(rel, e->name);
        read_account(w, file_abs, file_rel, found == 0 ? folder : NULL);
        free(file_abs);
        free(file_rel);
        found++;
    }
    fs_listing_free(&l);
    return found;
}

/* Walks a store root: account directories, local folders, and any other mail found there. */
static void walk_store_root(struct walk *w)
{
    const char *root = w->store->root;
    struct model_folder *top = w->store->top;
    struct fs_listing l;
    if (fs_list_names(root, &l) != 0) {
        report_problem(w->report, PROBLEM_UNREADABLE_FOLDER, "", "cannot list the store: %s",
                       strerror(errno));
        return;
    }
    struct model_folder *loose = NULL; /* messages lying in the store root itself */
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        char *abs = path_join(root, e->name);
        if (e->type == FS_ENTRY_LINK) {
            report_problem(w->report, PROBLEM_LINK_SKIPPED, e->name,
                           "symbolic link not followed (it may point outside the store)");
        } else if (e->type == FS_ENTRY_DIR && strcasecmp(e->name, "Backup") == 0) {
            /* WLM's own backup copies: importing them would duplicate mail. */
        } else if (e->type == FS_ENTRY_DIR) {
            bool local = is_local_folders_name(e->name);
            struct model_folder *f = add_folder(w, top, e->name, e->name);
            /* Windows Mail keeps its .oeaccount files among the local folders, which belong
             * to no account; any other directory with one is that account's. */
            read_accounts_in(w, abs, e->name, local ? NULL : f);
            walk_folder(w, f, abs, 1);
            if (!local && !f->account && model_folder_total_messages(f) == 0) {
                /* A directory with no mail and no account (Stationery, logs): not a folder. */
                top->nchildren--;
                model_folder_free(f);
            }
        } else if (is_message_name(e->name)) {
            if (!loose)
                loose = model_folder_new(top, "Store root", "");
            count_message(w, loose, e->name);
        } else if (!is_store_side_file(e->name)) {
            report_problem(w->report, PROBLEM_OTHER_FILE, e->name,
                           "not a message file (.eml or .nws); left out");
        }
        free(abs);
    }
    fs_listing_free(&l);
}

/* The file called `name` (any case) directly in `dir`, or NULL. */
static char *find_file_ci(const char *dir, const char *name)
{
    struct fs_listing l;
    char *found = NULL;
    if (fs_list_names(dir, &l) != 0)
        return NULL;
    for (size_t i = 0; i < l.count && !found; i++)
        if (l.entries[i].type == FS_ENTRY_FILE && strcasecmp(l.entries[i].name, name) == 0)
            found = path_join(dir, l.entries[i].name);
    fs_listing_free(&l);
    return found;
}

static char *find_database(const char *dir)
{
    char *db = find_file_ci(dir, "Mail.MSMessageStore");
    return db ? db : find_file_ci(dir, "WindowsMail.MSMessageStore");
}

/* WLM's own backup copy of the database (Backup/new/), or NULL. */
static char *find_backup_database(const char *root)
{
    struct fs_listing l;
    char *found = NULL;
    if (fs_list_names(root, &l) != 0)
        return NULL;
    for (size_t i = 0; i < l.count && !found; i++) {
        if (l.entries[i].type != FS_ENTRY_DIR || strcasecmp(l.entries[i].name, "Backup") != 0)
            continue;
        char *backup = path_join(root, l.entries[i].name);
        struct fs_listing b;
        if (fs_list_names(backup, &b) == 0) {
            for (size_t k = 0; k < b.count && !found; k++) {
                if (b.entries[k].type != FS_ENTRY_DIR || strcasecmp(b.entries[k].name, "new") != 0)
                    continue;
                char *dir = path_join(backup, b.entries[k].name);
                found = find_database(dir);
                free(dir);
            }
            fs_listing_free(&b);
        }
        free(backup);
    }
    fs_listing_free(&l);
    return found;
}

static char *relative_to(const char *root, const char *path)
{
    size_t n = strlen(root);
    return xstrdup(strncmp(path, root, n) == 0 && path[n] == '/' ? path + n + 1 : path);
}

/* Opens the store's database, or its backup copy when the main one cannot be read. The
 * database of a single account's directory is the one in the store root above it. A database
 * another program holds (Windows Live Mail while it runs: its file is open without sharing on
 * Windows, record-locked on Linux) is half written at any moment: the store is refused with
 * what to do (false, `err`), or with read_while_in_use left unread, its state unknown. */
static bool open_database(struct walk *w, const struct reader_location *loc, struct error *err)
{
    struct model_store *s = w->store;
    if (loc->kind == MODEL_STORE_EML_TREE)
        return true;
    char *root = xstrdup(loc->path);
    if (loc->account_only) {
        char *slash = strrchr(root, '/');
        if (slash && slash != root)
            *slash = '\0';
        free(w->reader->prefix);
        w->reader->prefix = xasprintf("%s/", path_basename(loc->path));
    }
    s->database_state = MODEL_DB_MISSING;
    char *path = find_database(root);
    if (path && plat_file_locked(path)) {
        if (!loc->read_while_in_use)
            error_set(err, "Windows Live Mail is running and holds its database %s: close Windows "
                      "Live Mail, then run again (or add --while-running to convert every "
                      "message without its read and flag state)", path);
        s->database = relative_to(root, path);
        s->database_state = MODEL_DB_UNREADABLE;
        free(w->reader->unreadable_reason);
        w->reader->unreadable_reason = xstrdup(N_("Windows Live Mail was running and held it"));
        free(path);
        free(root);
        return loc->read_while_in_use;
    }
    struct error dberr = {""};
    if (path) {
        w->reader->db = msgstore_open(path, &dberr);
        s->database = relative_to(root, path);
        s->database_state = w->reader->db ? MODEL_DB_OK : MODEL_DB_UNREADABLE;
        free(path);
    }
    if (!w->reader->db) {
        /* Missing or unreadable: WLM's own backup copy is better than no state at all. */
        char *backup = find_backup_database(root);
        struct error backup_err;
        struct msgstore *db = backup ? msgstore_open(backup, &backup_err) : NULL;
        if (db) {
            w->reader->db = db;
            report_problem(w->report, PROBLEM_DATABASE_BACKUP, s->database ? s->database : "",
                           "%s%s; WLM's backup copy %s was used instead: state changed since "
                           "that backup is missing",
                           s->database ? N_("the database cannot be read: ") : N_("there is no database"),
                           s->database ? dberr.msg : "", backup + strlen(root) + 1);
            free(s->database);
            s->database = relative_to(root, backup);
            s->database_state = MODEL_DB_BACKUP;
        }
        free(backup);
    }
    if (!w->reader->db && s->database_state == MODEL_DB_UNREADABLE) {
        free(w->reader->unreadable_reason);
        w->reader->unreadable_reason = xstrdup(dberr.msg);
    }
    size_t named, outside = msgstore_outside_count(w->reader->db, &named);
    for (size_t i = 0; i < named; i++)
        report_problem(w->report, PROBLEM_DATABASE_ROWS, s->database,
                       "a row of the database names a message file outside the store (%s): it "
                       "was not read; the message files in the store are converted as usual",
                       msgstore_outside_at(w->reader->db, i));
    if (outside > named)
        report_problem(w->report, PROBLEM_DATABASE_ROWS, s->database,
                       "%zu more rows of the database name message files outside the store: "
                       "not read", outside - named);
    size_t skipped = msgstore_rows_skipped(w->reader->db);
    if (skipped)
        report_problem(w->report, PROBLEM_DATABASE_ROWS, s->database,
                       "%zu row%s of the database could not be used (a folder without its id, a "
                       "message without its folder or file): the message files are still "
                       "converted, without the state those rows held",
                       skipped, skipped == 1 ? "" : "s");
    if (w->reader->db && msgstore_shutdown_state(w->reader->db) == MSGSTORE_DIRTY) {
        if (s->database_state == MODEL_DB_OK)
            s->database_state = MODEL_DB_DIRTY;
        report_problem(w->report, PROBLEM_DATABASE_DIRTY, s->database,
                       "the database was not shut down cleanly (Windows Live Mail was running "
                       "or crashed): recent changes to read state and flags may be missing");
    }
    free(root);
    return true;
}

static bool top_has_source(const struct model_folder *top, const char *source)
{
    for (size_t i = 0; i < top->nchildren; i++)
        if (strcmp(top->children[i]->source, source) == 0)
            return true;
    return false;
}

/* After the walk: decide whether the database fits these files, move the files it has no
 * usable row for into Recovered, and list rows whose files are gone. */
static void place_unmatched(struct walk *w)
{
    struct model_store *s = w->store;
    struct wlm_reader *r = w->reader;
    if (!r->db) {
        if ((s->database_state == MODEL_DB_MISSING || s->database_state == MODEL_DB_UNREADABLE) &&
            s->messages > 0)
            report_problem(w->report, PROBLEM_STATE_UNKNOWN, s->database ? s->database : "",
                           "%s (%s): the read, flagged, replied and forwarded state of all %zu "
                           "messages is unknown",
                           r->unreadable_reason ? N_("the database cannot be read")
                                                : N_("no database"),
                           r->unreadable_reason ? r->unreadable_reason
                           : s->kind == MODEL_STORE_WINMAIL ? "WindowsMail.MSMessageStore"
                                                      : "Mail.MSMessageStore",
                           s->messages);
        return;
    }
    /* A database that matches under half of the files describes another store (or a schema
     * we misread): use the state it has, but move nothing. */
    r->place_by_db = w->matched * 2 >= w->matched + w->nunplaced;
    if (!r->place_by_db) {
        s->database_state = MODEL_DB_MISMATCH;
        report_problem(w->report, PROBLEM_STATE_UNKNOWN, s->database ? s->database : "",
                       "the database matches only %zu of %zu message files: their state is "
                       "used, the others' state is unknown",
                       w->matched, w->matched + w->nunplaced);
    } else if (w->nunplaced) {
        /* Its source names no directory: unique among the top folders, as every source is. */
        char *source = xstrdup("(recovered)");
        for (unsigned k = 2; top_has_source(s->top, source); k++) {
            free(source);
            source = xasprintf("(recovered %u)", k);
        }
        struct model_folder *rec = model_folder_new(s->top, "Recovered", source);
        free(source);
        for (size_t i = 0; i < w->nunplaced; i++) {
            struct unplaced *u = &w->unplaced[i];
            u->folder->messages--;
            rec->messages++;
            model_folder_add_file(rec, u->source);
            const struct msgstore_message *row = row_for(r, u->source);
            if (row) {
                rec->with_state++;
                rec->unread += !(row->state & MODEL_MSG_READ);
            }
            report_problem(w->report, PROBLEM_RECOVERED, u->source,
                           "placed in the Recovered folder: %s", u->why);
        }
    }
    size_t prefix_len = strlen(r->prefix);
    for (size_t i = 0; i < msgstore_message_count(r->db); i++) {
        const struct msgstore_message *m = msgstore_message_at(r->db, i);
        if (!m->seen && strncasecmp(m->path, r->prefix, prefix_len) == 0)
            report_problem(w->report, PROBLEM_MISSING_FILE, m->path,
                           "the database lists this message but its file is missing");
    }
}

static struct model_store *wlm_open(const struct reader_location *loc, struct report *report,
                                struct error *err)
{
    struct plat_stat st;
    if (plat_lstat(loc->path, &st) != 0 || st.type != PLAT_DIR) {
        error_set(err, "%s is not a directory", loc->path);
        return NULL;
    }
    struct model_store *s = model_store_new(loc->path, loc->kind);
    struct wlm_reader *reader = xcalloc(1, sizeof *reader);
    reader->prefix = xstrdup("");
    s->reader_data = reader;
    s->reader_data_free = wlm_reader_free;
    struct walk w = {.store = s, .report = report, .reader = reader};
    if (!open_database(&w, loc, err)) {
        model_store_free(s);
        return NULL;
    }
    if (loc->account_only) {
        /* One account's directory: it becomes the one top-level folder. */
        struct model_folder *f = add_folder(&w, s->top, path_basename(loc->path), "");
        read_accounts_in(&w, loc->path, "", f);
        walk_folder(&w, f, loc->path, 1);
    } else if (loc->kind == MODEL_STORE_EML_TREE) {
        struct model_folder *f = add_folder(&w, s->top, path_basename(loc->path), "");
        walk_folder(&w, f, loc->path, 1);
    } else {
        walk_store_root(&w);
    }
    place_unmatched(&w);
    for (size_t i = 0; i < w.nunplaced; i++)
        free(w.unplaced[i].source);
    free(w.unplaced);
    return s;
}

/* Fills the store's knowledge of one file into `m`; false when the file belongs elsewhere
 * (Recovered) and must be skipped in its directory. */
static bool describe(const struct model_store *store, const char *source, bool in_recovered,
                     struct model_message *m)
{
    const struct wlm_reader *r = store->reader_data;
    struct msgstore_message *row = r ? row_for(r, source) : NULL;
    if (r && r->place_by_db && !in_recovered && (!row || !row->folder_exists))
        return false;
    if (row) {
        m->state = row->state;
        m->state_known = true;
        m->received = row->received;
        m->body = row->body == MSGSTORE_BODY_DOWNLOADED      ? MODEL_BODY_DOWNLOADED
                  : row->body == MSGSTORE_BODY_HEADERS_ONLY ? MODEL_BODY_HEADERS_ONLY
                                                            : MODEL_BODY_UNKNOWN;
    }
    return true;
}

static enum status each_listed_file(const struct model_store *store,
                                    const struct model_folder *folder, reader_message_fn fn,
                                    void *ctx)
{
    enum status rc = STATUS_OK;
    for (size_t i = 0; i < folder->nfiles && rc == STATUS_OK; i++) {
        char *path = path_join(store->root, folder->files[i]);
        struct model_message m = {.source = folder->files[i],
                                  .path = path,
                                  .received = MODEL_TIME_UNKNOWN,
                                  .mtime = MODEL_TIME_UNKNOWN};
        describe(store, folder->files[i], true, &m);
        rc = fn(ctx, &m);
        free(path);
    }
    return rc;
}

static enum status wlm_each_message(const struct model_store *store,
                                    const struct model_folder *folder, reader_message_fn fn,
                                    void *ctx, struct error *err)
{
    if (folder->files)
        return each_listed_file(store, folder, fn, ctx);
    char *abs = folder->source[0] ? path_join(store->root, folder->source) : xstrdup(store->root);
    /* Names only, as the walk in wlm_open() listed them (in order, in bounded memory): the
     * pipeline takes each file's size and time from the file it opens. */
    struct fs_names *l = fs_names_open(abs, err);
    if (!l) {
        free(abs);
        return STATUS_FOLDER_BAD;
    }
    /* held open while its messages are handed out: each is opened by its name in it */
    struct plat_dir *dir = plat_opendir(abs);
    enum status rc = STATUS_OK;
    const char *name;
    enum fs_entry_type type;
    int got = 0;
    while (rc == STATUS_OK && (got = fs_names_next(l, &name, &type, err)) == 1) {
        const struct fs_entry entry = {(char *)name, type, 0, 0}, *e = &entry;
        if (e->type == FS_ENTRY_DIR || e->type == FS_ENTRY_LINK || !is_message_name(e->name))
            continue;
        char *path = path_join(abs, e->name);
        char *source = rel_join(folder->source, e->name);
        struct model_message m = {
            .source = source,
            .path = path,
            .received = MODEL_TIME_UNKNOWN,
            .mtime = MODEL_TIME_UNKNOWN,
            .dir = dir,
            .name = e->name,
        };
        if (describe(store, source, false, &m))
            rc = fn(ctx, &m);
        free(path);
        free(source);
    }
    plat_closedir(dir);
    fs_names_close(l);
    free(abs);
    return rc == STATUS_OK && got < 0 ? STATUS_FOLDER_BAD : rc;
}

/* ---- finding stores ----------------------------------------------------------------------- */

static bool is_dir_nofollow(const char *path)
{
    struct plat_stat st;
    return plat_lstat(path, &st) == 0 && st.type == PLAT_DIR;
}

/* What kind of store root `dir` is; false when it is none. */
static bool store_root_kind(const char *dir, enum store_kind *kind)
{
    struct fs_listing l;
    if (fs_list_names(dir, &l) != 0)
        return false;
    bool wlm = false, winmail = false;
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        if (e->type == FS_ENTRY_DIR && strcasecmp(e->name, "Storage Folders") == 0)
            wlm = true;
        else if (e->type == FS_ENTRY_DIR && strcasecmp(e->name, "Local Folders") == 0)
            winmail = true;
        else if (e->type == FS_ENTRY_FILE && strcasecmp(e->name, "Mail.MSMessageStore") == 0)
            wlm = true;
        else if (e->type == FS_ENTRY_FILE && strcasecmp(e->name, "WindowsMail.MSMessageStore") == 0)
            winmail = true;
        else if (e->type == FS_ENTRY_DIR && strcasecmp(e->name, "Backup") != 0) {
            char *sub = path_join(dir, e->name);
            char *account = find_oeaccount(sub);
            wlm = wlm || account != NULL;
            free(account);
            free(sub);
        }
    }
    fs_listing_free(&l);
    *kind = winmail ? MODEL_STORE_WINMAIL : MODEL_STORE_WLM;
    return wlm || winmail;
}

/* True when a message file lies at or below `dir` (within a few levels). */
static bool holds_messages(const char *dir, int depth)
{
    struct fs_listing l;
    if (depth > 8 || fs_list_names(dir, &l) != 0)
        return false;
    bool found = false;
    for (size_t i = 0; i < l.count && !found; i++)
        if (l.entries[i].type == FS_ENTRY_FILE && is_message_name(l.entries[i].name))
            found = true;
    for (size_t i = 0; i < l.count && !found; i++) {
        if (l.entries[i].type != FS_ENTRY_DIR)
            continue;
        char *sub = path_join(dir, l.entries[i].name);
        found = holds_messages(sub, depth + 1);
        free(sub);
    }
    fs_listing_free(&l);
    return found;
}

struct found_list {
    struct reader_location *items;
    size_t count, cap;
};

static void found_add(struct found_list *fl, const char *path, enum store_kind kind,
                      bool account_only)
{
    char *real = plat_realpath(path);
    if (!real)
        return;
    for (size_t i = 0; i < fl->count; i++)
        if (strcmp(fl->items[i].path, real) == 0) {
            free(real);
            return;
        }
    fl->items = xgrow(fl->items, &fl->cap, fl->count + 1, sizeof *fl->items);
    fl->items[fl->count++] = (struct reader_location){real, kind, account_only, false};
}

/* Where stores live below a directory: patterns of path components, '*' for any directory,
 * matched without regard to case. The last component is the store itself. */
static const char *const store_patterns[] = {
    "Windows Live Mail",
    "Windows Mail",
    "Microsoft/Windows Live Mail",
    "Microsoft/Windows Mail",
    "Local/Microsoft/Windows Live Mail",
    "Local/Microsoft/Windows Mail",
    "AppData/Local/Microsoft/Windows Live Mail",
    "AppData/Local/Microsoft/Windows Mail",
    "*/AppData/Local/Microsoft/Windows Live Mail",
    "*/AppData/Local/Microsoft/Windows Mail",
    "Users/*/AppData/Local/Microsoft/Windows Live Mail",
    "Users/*/AppData/Local/Microsoft/Windows Mail",
    "Local Settings/Application Data/Microsoft/Windows Live Mail",
    "*/Local Settings/Application Data/Microsoft/Windows Live Mail",
    "Documents and Settings/*/Local Settings/Application Data/Microsoft/Windows Live Mail",
};

/* Expands `pattern` (components separated by '/') below `dir`, adding every store found. */
static void match_pattern(const char *dir, const char *pattern, struct found_list *fl)
{
    if (!*pattern) {
        enum store_kind kind;
        if (store_root_kind(dir, &kind))
            found_add(fl, dir, kind, false);
        return;
    }
    const char *slash = strchr(pattern, '/');
    size_t n = slash ? (size_t)(slash - pattern) : strlen(pattern);
    const char *rest = slash ? slash + 1 : "";
    struct fs_listing l;
    if (fs_list_names(dir, &l) != 0)
        return;
    for (size_t i = 0; i < l.count; i++) {
        const struct fs_entry *e = &l.entries[i];
        if (e->type != FS_ENTRY_DIR)
            continue;
        bool any = n == 1 && pattern[0] == '*';
        if (!any && !(strlen(e->name) == n && strncasecmp(e->name, pattern, n) == 0))
            continue;
        char *sub = path_join(dir, e->name);
        match_pattern(sub, rest, fl);
        free(sub);
    }
    fs_listing_free(&l);
}

static enum status wlm_locate(const char *path, struct reader_location **found, size_t *count,
                              struct error *err)
{
    struct found_list fl = {0};
    *found = NULL;
    *count = 0;
    char *target = NULL;
    if (!is_dir_nofollow(path)) {
        struct plat_stat st;
        if (plat_stat(path, &st) != 0 || st.type != PLAT_DIR) {
            error_set(err, "%s is not a directory", path);
            return STATUS_STORE_BAD;
        }
        /* The path the user names may be a link to the store: it is read where the link points
         * (and named so in the report). Links inside the store are never followed. */
        target = plat_realpath(path);
        if (!target) {
            error_errno(err, errno, "cannot follow the link %s", path);
            return STATUS_STORE_BAD;
        }
        path = target;
    }
    enum store_kind kind;
    char *account = find_oeaccount(path);
    if (store_root_kind(path, &kind)) {
        found_add(&fl, path, kind, false);
    } else if (account) {
        found_add(&fl, path, MODEL_STORE_WLM, true);
    } else {
        for (size_t i = 0; i < sizeof store_patterns / sizeof store_patterns[0]; i++)
            match_pattern(path, store_patterns[i], &fl);
        if (fl.count == 0 && holds_messages(path, 0))
            found_add(&fl, path, MODEL_STORE_EML_TREE, false);
    }
    free(account);
    if (fl.count == 0) {
        error_set(err,
                  "no Windows Live Mail store, Windows Mail store or .eml files found at or "
                  "below %s",
                  path);
        free(target);
        return STATUS_STORE_BAD;
    }
    free(target);
    *found = fl.items;
    *count = fl.count;
    return STATUS_OK;
}

const struct reader_ops wlm_store_reader = {
    .name = "wlm",
    .locate = wlm_locate,
    .open = wlm_open,
    .each_message = wlm_each_message,
    .find_contacts = contacts_find_profile,
};
