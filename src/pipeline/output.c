/* output: the partial directory, the lock and the install of a result (see output.h).
 *
 * The install is made to survive a kill at any system call. It has two phases, told apart by
 * what lies in OUT/.wlmigrate-old/:
 *   A. the old result's parts are renamed into .wlmigrate-old/, report.json first (from that
 *      instant the old result no longer looks complete); then an empty file `moved` is created
 *      there: phase A is over;
 *   B. the new parts are renamed from .wlmigrate-partial/ into OUT, report.json last (from that
 *      instant the new result is complete); then .wlmigrate-old/ is renamed to
 *      .wlmigrate-trash/ and removed, and the empty partial directory is removed.
 * So at every instant OUT holds the complete old result, the complete new one, or no
 * report.json. The next run (holding the lock) finishes or undoes what it finds: trash is
 * removed; an install whose new report.json is in place is finished; any other is rolled back
 * (new parts that reached OUT removed, old parts moved back), so that the same command run again
 * starts from the state before the interrupted install. */
#include "pipeline/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_html.h"
#include "report/report_json.h"
#include "report/report_text.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/platform.h"
#include "util/xalloc.h"

#define PARTIAL_NAME ".wlmigrate-partial"
#define LOCK_NAME ".wlmigrate-lock"
#define OLD_NAME ".wlmigrate-old"
#define TRASH_NAME ".wlmigrate-trash"
#define MOVED_NAME "moved"

/* What a finished result consists of beside the target's folder, in the order it is put in
 * place: report.json last. */
static const char *const result_names[] = {"unconverted", "report.txt", "report.html",
                                           "report.json"};
#define NRESULT (sizeof result_names / sizeof result_names[0])

/* The most parts a target's own result may have (a Thunderbird profile's files and folders). */
#define MAX_TARGET_PARTS 8

struct output {
    char *out, *partial, *lock_path;
    char *target_parts[MAX_TARGET_PARTS]; /* the target's folder, or its files and folders */
    size_t ntarget_parts;
    int lock_fd;
    bool installed;
};

static bool result_exists(const struct output *o)
{
    const char *out = o->out;
    bool found = false;
    for (size_t i = 0; i < o->ntarget_parts && !found; i++) {
        char *t = path_join(out, o->target_parts[i]);
        found = fs_exists(t);
        free(t);
    }
    for (size_t i = 0; i < NRESULT && !found; i++) {
        char *p = path_join(out, result_names[i]);
        found = fs_exists(p);
        free(p);
    }
    return found;
}

/* True when the store lies inside a part of the output that a run creates or replaces. */
static bool store_in_result(const char *store, const struct output *o)
{
    const char *parts[MAX_TARGET_PARTS + 2] = {PARTIAL_NAME, result_names[0]};
    size_t n = 2;
    for (size_t i = 0; i < o->ntarget_parts; i++)
        parts[n++] = o->target_parts[i];
    bool inside = false;
    for (size_t i = 0; i < n && !inside; i++) {
        char *p = path_join(o->out, parts[i]);
        inside = path_is_within(store, p);
        free(p);
    }
    return inside;
}


/* The parts of a result in the order they are put in place: report.json last. */
static size_t parts_of(const struct output *o, const char *parts[MAX_TARGET_PARTS + NRESULT])
{
    size_t n = 0;
    for (size_t i = 0; i < o->ntarget_parts; i++)
        parts[n++] = o->target_parts[i];
    for (size_t i = 0; i < NRESULT; i++)
        parts[n++] = result_names[i];
    return n;
}

/* A part may lie below OUT ("Mail/Local Folders/NAME", a folder added to an existing profile);
 * in .wlmigrate-old/ it is kept under one name, '%' and '/' written as %25 and %2F. */
static char *flat_name(const char *part)
{
    struct buf b = BUF_INIT;
    for (const char *p = part; *p; p++)
        if (*p == '%' || *p == '/')
            buf_printf(&b, "%%%02X", (unsigned char)*p);
        else
            buf_putc(&b, *p);
    return buf_detach(&b);
}

static char *unflat_name(const char *name)
{
    struct buf b = BUF_INIT;
    for (const char *p = name; *p; p++)
        if (strncmp(p, "%25", 3) == 0 || strncmp(p, "%2F", 3) == 0) {
            buf_putc(&b, p[2] == 'F' ? '/' : '%');
            p += 2;
        } else {
            buf_putc(&b, *p);
        }
    return buf_detach(&b);
}

/* Renames from_dir/from_name to to_dir/to_name. */
static int move_as(const char *from_dir, const char *from_name, const char *to_dir,
                   const char *to_name, struct error *err)
{
    char *from = path_join(from_dir, from_name), *to = path_join(to_dir, to_name);
    int rc = 0;
    if (plat_rename(from, to) != 0) {
        error_errno(err, errno, "cannot move %s to %s", from, to);
        rc = -1;
    }
    free(from);
    free(to);
    return rc;
}

static int move(const char *from_dir, const char *to_dir, const char *name, struct error *err)
{
    return move_as(from_dir, name, to_dir, name, err);
}

static bool exists_in(const char *dir, const char *name)
{
    char *p = path_join(dir, name);
    bool found = fs_exists(p);
    free(p);
    return found;
}

/* True when OUT holds what an interrupted run leaves: the lock, a partial, old or trash
 * directory. */
static bool leftovers_in(const char *out)
{
    static const char *const names[] = {LOCK_NAME, PARTIAL_NAME, OLD_NAME, TRASH_NAME};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (exists_in(out, names[i]))
            return true;
    return false;
}

/* Removes `dir` by renaming it to the trash first, so that no half-removed copy of it is ever
 * mistaken for a phase of an install. */
static int discard(const struct output *o, const char *dir, struct error *err)
{
    char *trash = path_join(o->out, TRASH_NAME);
    int rc = fs_remove_tree(trash, err);
    if (rc == 0 && fs_exists(dir) && plat_rename(dir, trash) != 0) {
        error_errno(err, errno, "cannot move %s aside", dir);
        rc = -1;
    }
    if (rc == 0)
        rc = fs_remove_tree(trash, err);
    free(trash);
    return rc;
}

/* The names listed in the `moved` marker (the new result's parts), or NULL when absent. */
static char *read_marker(const char *old)
{
    char *marker = path_join(old, MOVED_NAME);
    struct buf names = BUF_INIT;
    struct error ignored;
    bool found = fs_read_file(marker, 4096, &names, &ignored) == 0;
    free(marker);
    if (!found) {
        buf_free(&names);
        return NULL;
    }
    return buf_detach(&names);
}

/* Makes what a previous run left behind right again, with the lock held: see the top. */
static int recover(struct output *o, struct error *err)
{
    char *old = path_join(o->out, OLD_NAME), *trash = path_join(o->out, TRASH_NAME);
    int rc = fs_remove_tree(trash, err);
    char *moved = rc == 0 && fs_exists(old) ? read_marker(old) : NULL;
    if (rc == 0 && fs_exists(old) && !(moved && exists_in(o->out, "report.json"))) {
        /* Phase A, or phase B before the new report.json: undo. The new parts that reached
         * OUT are the marker's names; everything in .wlmigrate-old goes back. */
        for (char *name = moved ? strtok(moved, "\n") : NULL; rc == 0 && name;
             name = strtok(NULL, "\n")) {
            char *p = path_join(o->out, name);
            rc = fs_remove_tree(p, err);
            free(p);
        }
        struct fs_listing l;
        if (rc == 0 && fs_list_dir(old, &l) != 0) {
            error_errno(err, errno, "cannot list %s", old);
            rc = -1;
        } else if (rc == 0) {
            for (size_t i = 0; rc == 0 && i < l.count; i++)
                if (strncmp(l.entries[i].name, MOVED_NAME, strlen(MOVED_NAME)) != 0)
                {
                    char *part = unflat_name(l.entries[i].name);
                    rc = move_as(old, l.entries[i].name, o->out, part, err);
                    free(part);
                }
            fs_listing_free(&l);
        }
    }
    if (rc == 0)
        rc = discard(o, old, err);
    free(moved);
    free(old);
    free(trash);
    return rc;
}

static struct output *refuse(struct output *o, enum output_refusal *why, enum output_refusal r)
{
    *why = r;
    output_close(o);
    return NULL;
}

static struct output *already_there(struct output *o, enum output_refusal *why,
                                    struct error *err)
{
    error_set(err, "%s already holds a result; use --force to replace it", o->out);
    return refuse(o, why, OUTPUT_REFUSED);
}

struct output *output_open(const char *out, const char *subdir, const char *store, bool force,
                           enum output_refusal *why, struct error *err)
{
    return output_open_parts(out, &subdir, 1, store, force, why, err);
}

struct output *output_open_parts(const char *out, const char *const *parts, size_t nparts,
                                 const char *store, bool force, enum output_refusal *why,
                                 struct error *err)
{
    struct output *o = xcalloc(1, sizeof *o);
    o->lock_fd = -1;
    for (size_t i = 0; i < nparts && i < MAX_TARGET_PARTS; i++)
        o->target_parts[o->ntarget_parts++] = xstrdup(parts[i]);
    o->out = path_resolve(out, err);
    if (!o->out)
        return refuse(o, why, OUTPUT_FAILED);
    if (path_is_within(o->out, store)) {
        error_set(err, "refusing to write inside the source store (%s is in %s)", o->out, store);
        return refuse(o, why, OUTPUT_REFUSED);
    }
    if (store_in_result(store, o)) {
        error_set(err, "refusing to write to %s: the store %s lies inside what would be replaced",
                  o->out, store);
        return refuse(o, why, OUTPUT_REFUSED);
    }
    /* Refused before anything in OUT is touched, unless a run was interrupted there: its
     * leftovers are cleared first (under the lock), and then the check is made again below. */
    if (!leftovers_in(o->out) && result_exists(o) && !force)
        return already_there(o, why, err);
    if (fs_mkdirs(o->out, 0755, err) != 0)
        return refuse(o, why, OUTPUT_FAILED);
    o->lock_path = path_join(o->out, LOCK_NAME);
    o->lock_fd = plat_open_write(o->lock_path, PLAT_CREATE_KEEP);
    if (o->lock_fd < 0) {
        error_errno(err, errno, "cannot create %s", o->lock_path);
        free(o->lock_path);
        o->lock_path = NULL;
        return refuse(o, why, OUTPUT_FAILED);
    }
    if (plat_lock(o->lock_fd) != 0) {
        close(o->lock_fd);
        o->lock_fd = -1;
        free(o->lock_path);
        o->lock_path = NULL; /* the lock is the other run's: leave its file */
        error_set(err, "another wlmigrate is writing to %s", o->out);
        return refuse(o, why, OUTPUT_BUSY);
    }
    /* An install a kill interrupted is finished or undone, then a partial result left by a
     * crash or Ctrl-C is removed: it is never finished, the run starts again. */
    o->partial = path_join(o->out, PARTIAL_NAME);
    if (recover(o, err) != 0)
        return refuse(o, why, OUTPUT_FAILED);
    if (result_exists(o) && !force)
        return already_there(o, why, err);
    if (fs_remove_tree(o->partial, err) != 0 || fs_mkdirs(o->partial, 0755, err) != 0)
        return refuse(o, why, OUTPUT_FAILED);
    *why = OUTPUT_OK;
    return o;
}

const char *output_path(const struct output *o) { return o->out; }

const char *output_partial(const struct output *o) { return o->partial; }

typedef void report_renderer(const struct report *r, const struct model_store *s, FILE *out);

static int write_report_file(const char *path, const struct report *r,
                             const struct model_store *s, report_renderer *render,
                             struct error *err)
{
    FILE *f = plat_fopen_write(path, PLAT_CREATE_NEW, false);
    if (!f) {
        error_errno(err, errno, "cannot create %s", path);
        return -1;
    }
    render(r, s, f);
    int rc = fflush(f) == 0 && plat_fsync(fileno(f)) == 0 ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        error_errno(err, errno, "cannot write %s", path);
    return rc;
}

/* Writes the marker that ends phase A: the new result's part names, written whole and then
 * renamed into place. */
static int write_marker(const char *old, const char *const *parts, size_t n, struct error *err)
{
    struct buf names = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&names, "%s\n", parts[i]);
    char *marker = path_join(old, MOVED_NAME);
    int rc = fs_write_atomic(marker, names.data ? names.data : "", names.len, err);
    free(marker);
    buf_free(&names);
    return rc;
}

/* Moves the finished result from the partial directory into OUT: phase A, marker, phase B. */
static int move_into_place(struct output *o, struct error *err)
{
    const char *parts[MAX_TARGET_PARTS + NRESULT];
    size_t n = parts_of(o, parts);
    char *old = path_join(o->out, OLD_NAME);
    int rc = 0;
    if (plat_mkdir(old, 0755) != 0) {
        error_errno(err, errno, "cannot create %s", old);
        rc = -1;
    }
    for (size_t i = n; rc == 0 && i-- > 0;)
        if (exists_in(o->out, parts[i]))
        {
            char *flat = flat_name(parts[i]);
            rc = move_as(o->out, parts[i], old, flat, err);
            free(flat);
        }
    const char *present[MAX_TARGET_PARTS + NRESULT];
    size_t npresent = 0;
    for (size_t i = 0; i < n; i++)
        if (exists_in(o->partial, parts[i]))
            present[npresent++] = parts[i];
    if (rc == 0)
        rc = write_marker(old, present, npresent, err);
    for (size_t i = 0; rc == 0 && i < npresent; i++)
        rc = move(o->partial, o->out, present[i], err);
    if (rc == 0)
        rc = discard(o, old, err);
    /* the folders that held parts below OUT ("Mail/Local Folders/"), now empty */
    for (size_t i = 0; rc == 0 && i < npresent; i++) {
        char *dir = path_join(o->partial, present[i]);
        for (char *slash; (slash = strrchr(dir, '/')) && slash > dir + strlen(o->partial);) {
            *slash = '\0';
            plat_rmdir(dir);
        }
        free(dir);
    }
    if (rc == 0 && plat_rmdir(o->partial) != 0) {
        error_errno(err, errno, "cannot remove %s", o->partial);
        rc = -1;
    }
    /* the renames on disk before the run says it is done (a file system that cannot sync a
     * directory says EINVAL) */
    if (rc == 0 && plat_fsync_dir(o->out) != 0 && errno != EINVAL) {
        error_errno(err, errno, "cannot write %s", o->out);
        rc = -1;
    }
    free(old);
    return rc;
}

enum status output_install(struct output *o, const struct report *r, const struct model_store *s,
                           struct error *err)
{
    char *txt = path_join(o->partial, "report.txt");
    char *html = path_join(o->partial, "report.html");
    char *json = path_join(o->partial, "report.json");
    int rc = write_report_file(txt, r, s, report_write_text, err);
    if (rc == 0)
        rc = write_report_file(html, r, s, report_write_html, err);
    if (rc == 0)
        rc = write_report_file(json, r, s, report_write_json, err);
    free(txt);
    free(html);
    free(json);
    if (rc == 0)
        rc = move_into_place(o, err);
    if (rc != 0)
        return STATUS_STORE_BAD;
    o->installed = true;
    return STATUS_OK;
}

void output_close(struct output *o)
{
    if (!o)
        return;
    if (o->partial && !o->installed) {
        struct error ignored;
        fs_remove_tree(o->partial, &ignored);
    }
    if (o->lock_fd >= 0) {
        plat_unlink(o->lock_path);
        close(o->lock_fd);
    }
    free(o->lock_path);
    free(o->partial);
    for (size_t i = 0; i < o->ntarget_parts; i++)
        free(o->target_parts[i]);
    free(o->out);
    free(o);
}
