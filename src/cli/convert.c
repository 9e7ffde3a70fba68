/* convert: store to target with an atomic result (see convert.h). */
#include "cli/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pipeline/contacts.h"
#include "util/fsutil.h"
#include "pipeline/pipeline.h"
#include "pipeline/reader.h"
#include "report/report.h"
#include "pipeline/writer.h"
#include "util/xalloc.h"

#define PARTIAL_NAME ".wlmigrate-partial"
#define LOCK_NAME ".wlmigrate-lock"

/* What a finished result consists of, in the order it is put in place: report.json last, so
 * that its presence means the rest is complete. */
static const char *const result_names[] = {"unconverted", "report.txt", "report.json"};

static int fail(const char *fmt, const char *a, const char *b, int code)
{
    fputs("wlmigrate: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return code;
}

/* The store location to convert; several stores found is a usage error. */
static int locate_one(const struct convert_options *o, struct reader_location **locs,
                      size_t *n)
{
    struct error err;
    if (reader_locate(o->store, locs, n, &err) != 0)
        return fail("%s%s", err.msg, "", 3);
    if (*n > 1) {
        fprintf(stderr, "wlmigrate: %zu stores found below %s; convert one at a time:\n", *n,
                o->store);
        for (size_t i = 0; i < *n; i++)
            fprintf(stderr, "  %s\n", (*locs)[i].path);
        reader_locations_free(*locs, *n);
        return 2;
    }
    return 0;
}

static bool result_exists(const char *out, const char *target)
{
    bool found = false;
    char *t = path_join(out, target);
    found = fs_exists(t);
    free(t);
    for (size_t i = 0; i < sizeof result_names / sizeof result_names[0] && !found; i++) {
        char *p = path_join(out, result_names[i]);
        found = fs_exists(p);
        free(p);
    }
    return found;
}

/* True when the store lies inside a part of the output that a run creates or replaces. */
static bool store_in_result(const char *store, const char *out, const char *target)
{
    const char *parts[] = {target, PARTIAL_NAME, result_names[0]};
    bool inside = false;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !inside; i++) {
        char *p = path_join(out, parts[i]);
        inside = path_is_within(store, p);
        free(p);
    }
    return inside;
}

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

/* Moves the finished result from `tmp` into `out`, replacing an old one (checked earlier). */
static int install(const char *tmp, const char *out, const char *target, struct error *err)
{
    /* The old report goes first, so no moment shows an old report beside new mail. */
    for (size_t i = sizeof result_names / sizeof result_names[0]; i-- > 0;) {
        char *old = path_join(out, result_names[i]);
        int rc = fs_remove_tree(old, err);
        free(old);
        if (rc != 0)
            return -1;
    }
    char *old = path_join(out, target);
    int rc = fs_remove_tree(old, err);
    free(old);
    if (rc != 0)
        return -1;
    const char *order[] = {target, result_names[0], result_names[1], result_names[2]};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        char *from = path_join(tmp, order[i]);
        char *to = path_join(out, order[i]);
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
    return rmdir(tmp) == 0 ? 0 : (error_errno(err, errno, "cannot remove %s", tmp), -1);
}

/* Reads the user's address books: the sources found beside the store and the --contacts ones. */
static void read_contacts(const struct convert_options *o, const char *store,
                          struct contact_list *list, struct report *report)
{
    struct contact_sources sources = {0};
    contacts_find_sources(o->no_contacts ? NULL : store, o->contact_paths, o->ncontact_paths,
                          &sources, report);
    contacts_read_sources(&sources, list, report);
    for (size_t i = 0; i < sources.count; i++)
        report_contact_source(report, sources.items[i].path,
                              contacts_source_kind_name(sources.items[i].kind),
                              sources.items[i].contacts, sources.items[i].skipped);
    report_totals(report)->contacts_found = list->count;
    contacts_sources_free(&sources);
}

/* The contact files each target imports beside its mail: Thunderbird a UTF-8 vCard file,
 * Outlook a CSV and one vCard 2.1 per contact (its PST Contacts folder is the writer's). */
static int write_contact_files(const struct convert_options *o, const char *tmp,
                               const struct contact_list *list, struct report *report,
                               struct error *err)
{
    if (list->count == 0)
        return 0;
    char *dir = path_join(tmp, o->target);
    int rc = 0;
    if (strcmp(o->target, "thunderbird") == 0) {
        rc = contacts_write_thunderbird(dir, list, o->vcard_v30 ? VCARD_V30 : VCARD_V40, report,
                                        err);
    } else if (strcmp(o->target, "outlook") == 0) {
        struct contacts_csv_options csv = {.profile = o->csv_profile,
                                           .encoding = o->csv_encoding};
        rc = contacts_write_outlook(dir, list, &csv, report, err);
    }
    free(dir);
    if (rc == 0)
        report_totals(report)->contacts_written = list->count;
    return rc;
}

static void print_summary(const struct report *r, const char *out)
{
    struct report_totals *t = report_totals((struct report *)r);
    printf("%zu of %zu messages written", t->messages_written, t->messages_found);
    if (t->messages_not_converted)
        printf(", %zu not converted (originals in %s/unconverted/)", t->messages_not_converted,
               out);
    if (t->messages_repaired)
        printf(", %zu repaired", t->messages_repaired);
    if (t->contacts_found)
        printf(".\n%zu of %zu contacts written", t->contacts_written, t->contacts_found);
    printf(".\nReport: %s/report.txt\n", out);
}

int convert_run(const struct convert_options *o)
{
    const struct writer_ops *writer = writer_find(o->target);
    if (!writer)
        return fail("unknown target \"%s\" (known: %s)", o->target, writer_names(), 2);

    struct reader_location *locs;
    size_t nlocs;
    int code = locate_one(o, &locs, &nlocs);
    if (code != 0)
        return code;

    struct error err;
    char *out = path_resolve(o->output, &err);
    char *tmp = NULL, *lock_path = NULL;
    int lock_fd = -1;
    struct report *report = report_new();
    struct model_store *store = NULL;
    struct contact_list contacts = CONTACT_LIST_INIT;
    void *w = NULL;
    if (!out) {
        code = fail("%s%s", err.msg, "", 3);
        goto done;
    }
    if (path_is_within(out, locs[0].path)) {
        code = fail("refusing to write inside the source store (%s is in %s)", out, locs[0].path,
                    2);
        goto done;
    }
    if (store_in_result(locs[0].path, out, o->target)) {
        code = fail("refusing to write to %s: the store %s lies inside what would be replaced",
                    out, locs[0].path, 2);
        goto done;
    }
    if (result_exists(out, o->target) && !o->force) {
        code = fail("%s already holds a result; use --force to replace it%s", out, "", 2);
        goto done;
    }
    if (fs_mkdirs(out, 0755, &err) != 0) {
        code = fail("%s%s", err.msg, "", 3);
        goto done;
    }
    lock_path = path_join(out, LOCK_NAME);
    lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        close(lock_fd);
        lock_fd = -1;
        code = fail("another wlmigrate is writing to %s%s", out, "", 3);
        goto done;
    }
    if (lock_fd < 0) {
        code = fail("cannot create %s: %s", lock_path, strerror(errno), 3);
        goto done;
    }
    /* A partial result left by a crash or Ctrl-C is never finished: start again. */
    tmp = path_join(out, PARTIAL_NAME);
    if (fs_remove_tree(tmp, &err) != 0 || fs_mkdirs(tmp, 0755, &err) != 0) {
        code = fail("%s%s", err.msg, "", 3);
        goto done;
    }

    report_set_run(report, "convert", locs[0].path, o->target, out);
    store = reader_open(&locs[0], report, &err);
    if (!store) {
        code = fail("%s%s", err.msg, "", 3);
        goto done;
    }
    struct writer_options wopts = {.container = o->container,
                                   .unknown_is_read = o->unknown_is_read,
                                   .pst_max_size = o->pst_max_size};
    read_contacts(o, locs[0].path, &contacts, report);
    w = writer->open(tmp, &wopts, store, report, &err);
    if (!w) {
        code = fail("%s%s", err.msg, "", 3);
        goto done;
    }
    char *unconverted = path_join(tmp, "unconverted");
    struct progress *prog =
        progress_new(stderr, o->progress, "converted", store->messages, store->bytes);
    struct pipeline p = {.store = store,
                         .report = report,
                         .writer = writer,
                         .writer_state = w,
                         .unconverted_dir = unconverted,
                         .progress = prog,
                         .stop = o->stop,
                         .contacts = &contacts};
    enum pipeline_result res = pipeline_run(&p, &err);
    progress_free(prog);
    free(unconverted);
    writer->free(w);
    w = NULL;
    if (res == PIPELINE_STOPPED) {
        code = fail("interrupted: nothing was written to %s%s", out, "", 130);
        goto done;
    }
    if (res == PIPELINE_FATAL) {
        code = fail("%s; nothing was written to %s", err.msg, out, 3);
        goto done;
    }
    if (write_contact_files(o, tmp, &contacts, report, &err) != 0) {
        code = fail("%s; nothing was written to %s", err.msg, out, 3);
        goto done;
    }
    char *txt = path_join(tmp, "report.txt");
    char *json = path_join(tmp, "report.json");
    int rc = write_report_file(txt, report, store, false, &err);
    if (rc == 0)
        rc = write_report_file(json, report, store, true, &err);
    free(txt);
    free(json);
    if (rc != 0 || install(tmp, out, o->target, &err) != 0) {
        code = fail("%s%s", err.msg, "", 3);
        goto done;
    }
    free(tmp);
    tmp = NULL; /* installed: nothing to clean up */
    if (o->json)
        report_write_json(report, store, stdout);
    else if (o->progress != PROGRESS_QUIET)
        print_summary(report, out);
    const struct report_totals *t = report_totals(report);
    code = (t->messages_not_converted || report_lossy_count(report)) ? 1 : 0;

done:
    if (w)
        writer->free(w);
    if (tmp) {
        struct error ignored;
        fs_remove_tree(tmp, &ignored);
        free(tmp);
    }
    if (lock_fd >= 0) {
        unlink(lock_path);
        close(lock_fd);
    }
    free(lock_path);
    model_store_free(store);
    contact_list_clear(&contacts);
    report_free(report);
    free(out);
    reader_locations_free(locs, nlocs);
    return code;
}
