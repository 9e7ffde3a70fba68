/* output: the partial directory, the lock and the install of a result (see output.h). */
#include "pipeline/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "report/report_json.h"
#include "report/report_text.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#define PARTIAL_NAME ".wlmigrate-partial"
#define LOCK_NAME ".wlmigrate-lock"

/* What a finished result consists of beside the target's folder, in the order it is put in
 * place: report.json last. */
static const char *const result_names[] = {"unconverted", "report.txt", "report.json"};
#define NRESULT (sizeof result_names / sizeof result_names[0])

struct output {
    char *out, *subdir, *partial, *lock_path;
    int lock_fd;
    bool installed;
};

static bool result_exists(const char *out, const char *subdir)
{
    char *t = path_join(out, subdir);
    bool found = fs_exists(t);
    free(t);
    for (size_t i = 0; i < NRESULT && !found; i++) {
        char *p = path_join(out, result_names[i]);
        found = fs_exists(p);
        free(p);
    }
    return found;
}

/* True when the store lies inside a part of the output that a run creates or replaces. */
static bool store_in_result(const char *store, const char *out, const char *subdir)
{
    const char *parts[] = {subdir, PARTIAL_NAME, result_names[0]};
    bool inside = false;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !inside; i++) {
        char *p = path_join(out, parts[i]);
        inside = path_is_within(store, p);
        free(p);
    }
    return inside;
}

static struct output *refuse(struct output *o, enum output_refusal *why, enum output_refusal r)
{
    *why = r;
    output_close(o);
    return NULL;
}

struct output *output_open(const char *out, const char *subdir, const char *store, bool force,
                           enum output_refusal *why, struct error *err)
{
    struct output *o = xcalloc(1, sizeof *o);
    o->lock_fd = -1;
    o->subdir = xstrdup(subdir);
    o->out = path_resolve(out, err);
    if (!o->out)
        return refuse(o, why, OUTPUT_FAILED);
    if (path_is_within(o->out, store)) {
        error_set(err, "refusing to write inside the source store (%s is in %s)", o->out, store);
        return refuse(o, why, OUTPUT_REFUSED);
    }
    if (store_in_result(store, o->out, subdir)) {
        error_set(err, "refusing to write to %s: the store %s lies inside what would be replaced",
                  o->out, store);
        return refuse(o, why, OUTPUT_REFUSED);
    }
    if (result_exists(o->out, subdir) && !force) {
        error_set(err, "%s already holds a result; use --force to replace it", o->out);
        return refuse(o, why, OUTPUT_REFUSED);
    }
    if (fs_mkdirs(o->out, 0755, err) != 0)
        return refuse(o, why, OUTPUT_FAILED);
    o->lock_path = path_join(o->out, LOCK_NAME);
    o->lock_fd = open(o->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (o->lock_fd < 0) {
        error_errno(err, errno, "cannot create %s", o->lock_path);
        free(o->lock_path);
        o->lock_path = NULL;
        return refuse(o, why, OUTPUT_FAILED);
    }
    if (flock(o->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        close(o->lock_fd);
        o->lock_fd = -1;
        free(o->lock_path);
        o->lock_path = NULL; /* the lock is the other run's: leave its file */
        error_set(err, "another wlmigrate is writing to %s", o->out);
        return refuse(o, why, OUTPUT_BUSY);
    }
    /* A partial result left by a crash or Ctrl-C is never finished: start again. */
    o->partial = path_join(o->out, PARTIAL_NAME);
    if (fs_remove_tree(o->partial, err) != 0 || fs_mkdirs(o->partial, 0755, err) != 0)
        return refuse(o, why, OUTPUT_FAILED);
    *why = OUTPUT_OK;
    return o;
}

const char *output_path(const struct output *o) { return o->out; }

const char *output_partial(const struct output *o) { return o->partial; }

static int write_report_file(const char *path, const struct report *r,
                             const struct model_store *s, bool json, struct error *err)
{
    FILE *f = fopen(path, "wx");
    if (!f) {
        error_errno(err, errno, "cannot create %s", path);
        return -1;
    }
    if (json)
        report_write_json(r, s, f);
    else
        report_write_text(r, s, f);
    int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        error_errno(err, errno, "cannot write %s", path);
    return rc;
}

/* Moves the finished result from the partial directory into OUT, replacing an old one. */
static int move_into_place(struct output *o, struct error *err)
{
    /* The old report goes first, so no moment shows an old report beside new mail. */
    for (size_t i = NRESULT; i-- > 0;) {
        char *old = path_join(o->out, result_names[i]);
        int rc = fs_remove_tree(old, err);
        free(old);
        if (rc != 0)
            return -1;
    }
    char *old = path_join(o->out, o->subdir);
    int rc = fs_remove_tree(old, err);
    free(old);
    if (rc != 0)
        return -1;
    const char *order[] = {o->subdir, result_names[0], result_names[1], result_names[2]};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        char *from = path_join(o->partial, order[i]);
        char *to = path_join(o->out, order[i]);
        rc = 0;
        if (fs_exists(from) && rename(from, to) != 0) {
            error_errno(err, errno, "cannot move %s into place", to);
            rc = -1;
        }
        free(from);
        free(to);
        if (rc != 0)
            return -1;
    }
    if (rmdir(o->partial) != 0) {
        error_errno(err, errno, "cannot remove %s", o->partial);
        return -1;
    }
    return 0;
}

enum status output_install(struct output *o, const struct report *r, const struct model_store *s,
                           struct error *err)
{
    char *txt = path_join(o->partial, "report.txt");
    char *json = path_join(o->partial, "report.json");
    int rc = write_report_file(txt, r, s, false, err);
    if (rc == 0)
        rc = write_report_file(json, r, s, true, err);
    free(txt);
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
        unlink(o->lock_path);
        close(o->lock_fd);
    }
    free(o->lock_path);
    free(o->partial);
    free(o->subdir);
    free(o->out);
    free(o);
}
