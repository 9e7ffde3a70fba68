/* convert: store to target with an atomic result (see convert.h). */
#include "cli/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/contacts.h"
#include "pipeline/output.h"
#include "pipeline/pipeline.h"
#include "report/report_json.h"
#include "util/fsutil.h"
#include "util/i18n.h"

/* Where refusals and errors go: the options' stream, else stderr. */
static FILE *errors_to(const struct convert_options *o)
{
    return o->errors ? o->errors : stderr;
}

static int fail(const struct convert_options *o, const char *fmt, const char *a, const char *b,
                int code)
{
    FILE *to = errors_to(o);
    fputs("wlmigrate: ", to);
    fprintf(to, fmt, a, b);
    fputc('\n', to);
    return code;
}

/* True when `dir` is missing or holds nothing but our own run's lock and partial directory
 * (".wlmigrate-*"): a new profile may be written into it. */
static bool dir_is_empty(const char *dir)
{
    struct fs_listing l;
    if (fs_list_dir(dir, &l) != 0)
        return !fs_exists(dir);
    bool empty = true;
    for (size_t i = 0; i < l.count && empty; i++)
        empty = strncmp(l.entries[i].name, ".wlmigrate-", 11) == 0;
    fs_listing_free(&l);
    return empty;
}

/* The one store to convert; several stores found is a usage error. */
static int locate_one(const struct convert_options *o, const struct reader_ops **reader,
                      struct reader_location **locs, size_t *n)
{
    struct error err;
    if (registry_locate(o->store, reader, locs, n, &err) != STATUS_OK)
        return fail(o, "%s%s", i18n_sentence(err.msg), "", 3);
    if (*n > 1) {
        fprintf(errors_to(o), _("wlmigrate: %zu stores found below %s; convert one at a time "
                                "(or all with --all):\n"),
                *n, o->store);
        for (size_t i = 0; i < *n; i++)
            fprintf(errors_to(o), "  %s\n", (*locs)[i].path);
        reader_locations_free(*locs, *n);
        return 2;
    }
    return 0;
}

/* Reads the user's address books: the sources found beside the store and the --contacts ones. */
static void read_contacts(const struct convert_options *o, const struct reader_ops *reader,
                          const char *store, struct contact_list *list, struct report *report)
{
    size_t nreaders;
    const struct contacts_reader *readers = registry_contact_readers(&nreaders);
    struct contact_sources sources;
    contacts_sources_init(&sources, readers, nreaders);
    if (!o->no_contacts)
        contacts_search_store(&sources, reader, store);
    contacts_search_paths(&sources, o->contact_paths, o->ncontact_paths, report);
    contacts_read_sources(&sources, list, report);
    for (size_t i = 0; i < sources.count; i++)
        report_contact_source(report, sources.items[i].path, sources.items[i].reader->kind,
                              sources.items[i].contacts, sources.items[i].skipped);
    report_totals(report)->contacts_found = list->count;
    contacts_sources_free(&sources);
}

static void print_summary(const struct convert_options *o, const struct report *r,
                          const char *out)
{
    const struct report_totals *t = report_totals_of(r);
    printf(_("%zu of %zu messages written"), t->messages_written, t->messages_found);
    if (t->messages_not_converted)
        printf(_(", %zu not converted (originals in %s/unconverted/)"), t->messages_not_converted,
               out);
    if (t->messages_repaired)
        printf(_(", %zu repaired"), t->messages_repaired);
    if (t->contacts_found)
        printf(_(".\n%zu of %zu contacts written"), t->contacts_written, t->contacts_found);
    printf(_(".\nReport: %s/report.txt\n"), out);
    if (o->target->next_step) {
        struct buf next = BUF_INIT;
        o->target->next_step(o->target_settings, out, &next);
        printf("%s\n", buf_str(&next));
        buf_free(&next);
    }
}

/* Runs the pipeline into the partial directory; an exit code other than 0 when it failed. */
static int convert_into(const struct convert_options *o, const struct reader_ops *reader,
                        struct model_store *store, struct output *out, struct report *report,
                        const struct contact_list *contacts)
{
    const struct target *t = o->target;
    struct writer_options wopts = {.container = o->container,
                                   .unknown_is_read = o->unknown_is_read,
                                   .threads = o->threads};
    struct error err;
    void *w = t->writer->open(output_partial(out), &wopts, t->writer_settings(o->target_settings),
                              store, &err);
    if (!w)
        return fail(o, "%s%s", i18n_sentence(err.msg), "", 3);
    char *unconverted = path_join(output_partial(out), "unconverted");
    struct progress *prog =
        progress_new(stderr, o->progress, _("converted"), store->messages);
    struct pipeline p = {.reader = reader,
                         .store = store,
                         .report = report,
                         .writer = t->writer,
                         .writer_state = w,
                         .unconverted_dir = unconverted,
                         .progress = prog,
                         .stop = o->stop,
                         .contacts = contacts};
    enum status res = pipeline_run(&p, &err);
    progress_free(prog);
    free(unconverted);
    t->writer->free(w);
    if (res == STATUS_STOPPED)
        return fail(o, _("interrupted: nothing was written to %s%s"), output_path(out), "", 130);
    if (res != STATUS_OK)
        return fail(o, _("%s; nothing was written to %s"), i18n_sentence(err.msg), output_path(out), 3);
    if (contacts->count) {
        struct writer_outcome notes = {0};
        int rc = t->contact_files(output_partial(out), contacts, o->target_settings, &notes, &err);
        for (size_t i = 0; i < notes.nnotes; i++)
            report_problem(report, notes.notes[i].kind, notes.notes[i].path, "%s",
                           notes.notes[i].message);
        writer_outcome_free(&notes);
        if (rc != 0)
            return fail(o, _("%s; nothing was written to %s"), i18n_sentence(err.msg), output_path(out), 3);
        report_totals(report)->contacts_written = contacts->count;
    }
    if (output_install(out, report, store, &err) != STATUS_OK)
        return fail(o, "%s%s", i18n_sentence(err.msg), "", 3);
    return 0;
}

int convert_run(const struct convert_options *o)
{
    const struct reader_ops *reader;
    struct reader_location *locs;
    size_t nlocs;
    int code = locate_one(o, &reader, &locs, &nlocs);
    if (code != 0)
        return code;

    struct error err;
    enum output_refusal why;
    const char *dir;
    size_t nparts = 0;
    bool adds = false;
    const char *const *parts =
        o->target->result_parts
            ? o->target->result_parts(o->target_settings, o->container, &dir, &nparts, &adds)
            : NULL;
    /* Before anything is written there: is it a profile, is Thunderbird running on it (the
     * parts it would replace are checked below, once an interrupted run is cleared up). */
    if (o->target->check_result_dir &&
        o->target->check_result_dir(o->target_settings, true, &err) != 0) {
        reader_locations_free(locs, nlocs);
        return fail(o, "%s%s", err.msg, "", 2);
    }
    /* A result of its own layout is checked against what is there by the two checks below,
     * after output_open has finished or undone an install a kill interrupted. */
    struct output *out =
        parts ? output_open_parts(o->output, parts, nparts, locs[0].path, true, &why, &err)
              : output_open(o->output, o->target->name, locs[0].path, o->force, &why, &err);
    if (!out) {
        reader_locations_free(locs, nlocs);
        return fail(o, "%s%s", i18n_sentence(err.msg), "", why == OUTPUT_REFUSED ? 2 : 3);
    }
    /* a new profile needs an empty directory; an import into one (--into-profile) must not
     * replace an earlier one of the same name (the target checks its parts) */
    int refused = 0;
    if (parts && !o->force && !adds && !dir_is_empty(o->output))
        refused = fail(o, "%s exists and is not empty: a new profile needs an empty directory (or "
                       "--force)%s", o->output, "", 2);
    else if (parts && o->target->check_result_dir &&
             o->target->check_result_dir(o->target_settings, o->force, &err) != 0)
        refused = fail(o, "%s%s", err.msg, "", 2);
    if (refused) {
        output_close(out);
        reader_locations_free(locs, nlocs);
        return refused;
    }
    struct report *report = report_new();
    struct contact_list contacts = CONTACT_LIST_INIT;
    report_set_run(report, "convert", locs[0].path, o->target->name, output_path(out));
    locs[0].read_while_in_use = o->while_running;
    struct model_store *store = reader->open(&locs[0], report, &err);
    if (!store) {
        code = fail(o, "%s%s", i18n_sentence(err.msg), "", 3);
    } else {
        read_contacts(o, reader, locs[0].path, &contacts, report);
        code = convert_into(o, reader, store, out, report, &contacts);
    }
    if (code == 0) {
        if (o->json)
            report_write_json(report, store, stdout);
        else if (o->progress != PROGRESS_QUIET)
            print_summary(o, report, output_path(out));
        const struct report_totals *t = report_totals_of(report);
        code = (t->messages_not_converted || report_lossy_count(report)) ? 1 : 0;
    }
    output_close(out);
    model_store_free(store);
    contact_list_clear(&contacts);
    report_free(report);
    reader_locations_free(locs, nlocs);
    return code;
}
