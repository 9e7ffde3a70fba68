/* contacts: the `contacts` command (see contacts.h): options, usage, the run and its messages.
 *
 * Finding and reading the sources and writing the file are the pipeline's (pipeline/contacts.h);
 * which kinds of file there are, the writers and their options are the registry's. */
#include "cli/contacts.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/contacts.h"
#include "registry.h"
#include "report/report.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* "vcard|csv": the names --to takes. */
static void writer_names(FILE *out)
{
    const struct contact_writer *w;
    for (size_t i = 0; (w = registry_contact_writer_at(i)) != NULL; i++)
        fprintf(out, "%s%s", i ? "|" : "", w->name);
}

/* One option of usage: the flag, then its help from column 25 (each further line too). */
static void usage_option(FILE *out, const char *flag, const char *help)
{
    for (const char *line = help; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (line == help)
            fprintf(out, "  %-21s %.*s\n", flag, (int)len, line);
        else
            fprintf(out, "%24s%.*s\n", "", (int)len, line);
        line += len + (end ? 1 : 0);
    }
}

static void usage(FILE *out)
{
    fputs(_("Usage: wlmigrate contacts IN... -o OUT --to "), out);
    writer_names(out);
    fputs(_(" [options]\n"
            "\n"
            "IN is a vCard (.vcf), a contacts CSV export, a Windows Contacts .contact file,\n"
            "a contacts.edb database (experimental), or a directory of them.\n"),
          out);
    const struct contact_writer *w;
    for (size_t i = 0; (w = registry_contact_writer_at(i)) != NULL; i++) {
        char *flag = xasprintf("--to %s", w->name);
        usage_option(out, flag, _(w->help));
        free(flag);
    }
    for (const struct target_option *o = registry_contact_options(); o->name; o++) {
        char *flag = xasprintf("--%s %s", o->name, o->arg);
        usage_option(out, flag, _(o->help));
        free(flag);
    }
    fputs(_("  --force               replace an existing OUT/contacts.*\n"
            "  -q, --quiet           no summary\n"
            "Exit codes: 0 all read and written; 1 written, but some cards or fields were\n"
            "skipped or could not be written (listed on stderr); 2 usage; 3 fatal.\n"),
          out);
}

enum { OPT_TO = 256, OPT_FORCE, OPT_WRITER /* + i: the i-th of registry_contact_options() */ };

static const struct option own_options[] = {
    {"output", required_argument, NULL, 'o'}, {"to", required_argument, NULL, OPT_TO},
    {"force", no_argument, NULL, OPT_FORCE},  {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
};

#define NOWN (sizeof own_options / sizeof own_options[0])

/* The command's own options followed by the writers' `n`, for getopt_long. */
static struct option *all_options(const struct target_option *writer_opts, size_t n)
{
    struct option *all = xcalloc(NOWN + n + 1, sizeof *all);
    memcpy(all, own_options, sizeof own_options);
    for (size_t i = 0; i < n; i++)
        all[NOWN + i] = (struct option){writer_opts[i].name, required_argument, NULL,
                                        OPT_WRITER + (int)i};
    return all;
}

/* Everything the command line says. */
struct contacts_cli {
    const char *output, *to;
    bool force, quiet;
    const char **values; /* the last value of each writer option, or NULL */
};

/* Parses the options: -1 when done (run), else an exit code. */
static int parse(int argc, char **argv, struct contacts_cli *o,
                 const struct target_option *writer_opts, size_t nwriter_opts)
{
    struct option *options = all_options(writer_opts, nwriter_opts);
    int c, code = -1;
    optind = 1;
    while (code < 0 && (c = getopt_long(argc, argv, "o:qh", options, NULL)) != -1) {
        if (c >= OPT_WRITER) {
            o->values[c - OPT_WRITER] = optarg;
            continue;
        }
        switch (c) {
        case 'o': o->output = optarg; break;
        case OPT_TO: o->to = optarg; break;
        case OPT_FORCE: o->force = true; break;
        case 'q': o->quiet = true; break;
        case 'h': usage(stdout); code = 0; break;
        default: usage(stderr); code = 2; break;
        }
    }
    free(options);
    return code;
}

/* Reads the sources, writes `target` with `w`, and prints; the exit code. */
static int run(const struct contacts_cli *o, const char *const *inputs, size_t ninputs,
               const struct contact_writer *w, const void *settings, const char *target)
{
    struct report *rep = report_new();
    size_t nreaders;
    const struct contacts_reader *readers = registry_contact_readers(&nreaders);
    struct contact_sources src;
    contacts_sources_init(&src, readers, nreaders);
    contacts_search_paths(&src, inputs, ninputs, rep);
    struct contact_list list = CONTACT_LIST_INIT;
    contacts_read_sources(&src, &list, rep);
    struct error err;
    struct writer_outcome notes = {0};
    struct buf bytes = BUF_INIT;
    int rc = w->write(&bytes, &list, settings, target, &notes, &err);
    if (rc == 0)
        rc = fs_write_atomic(target, bytes.data ? bytes.data : "", bytes.len, &err);
    buf_free(&bytes);
    for (size_t i = 0; i < notes.nnotes; i++)
        report_problem(rep, notes.notes[i].kind, notes.notes[i].path, "%s",
                       notes.notes[i].message);
    writer_outcome_free(&notes);
    int code = 0;
    if (rc != 0) {
        fprintf(stderr, "wlmigrate: %s\n", i18n_sentence(err.msg));
        code = 3;
    } else {
        for (size_t i = 0; i < report_problem_count(rep); i++) {
            const struct report_problem *p = report_problem_at(rep, i);
            fprintf(stderr, "wlmigrate: %s: %s: %s\n", report_problem_name(p->kind), p->path,
                    i18n_sentence(p->message));
        }
        if (report_lossy_count(rep) > 0)
            code = 1;
        if (!o->quiet) {
            for (size_t i = 0; i < src.count; i++)
                fprintf(stderr, src.items[i].unreadable ? _("%s (%s): %zu contacts, unreadable\n")
                                                        : _("%s (%s): %zu contacts\n"),
                        src.items[i].path, src.items[i].reader->kind, src.items[i].contacts);
            fprintf(stderr, _("%zu contacts written to %s\n"), list.count, target);
        }
    }
    contact_list_clear(&list);
    contacts_sources_free(&src);
    report_free(rep);
    return code;
}

int contacts_run(int argc, char **argv)
{
    const struct target_option *writer_opts = registry_contact_options();
    size_t nwriter_opts = 0;
    while (writer_opts[nwriter_opts].name)
        nwriter_opts++;
    struct contacts_cli o = {.values = xcalloc(nwriter_opts + 1, sizeof *o.values)};
    void *settings = registry_contact_settings_new();
    int code = parse(argc, argv, &o, writer_opts, nwriter_opts);
    const struct contact_writer *w = o.to ? registry_contact_writer(o.to) : NULL;
    /* A value an option does not take is a usage error told in the one sentence below. */
    struct error err;
    bool known = true;
    for (size_t i = 0; code < 0 && i < nwriter_opts; i++)
        if (o.values[i] &&
            registry_contact_set_option(settings, writer_opts[i].name, o.values[i], &err) != 0)
            known = false;
    if (code < 0 && (optind >= argc || !o.output || !w || !known)) {
        fputs(_("wlmigrate: contacts needs IN..., -o OUT and --to "), stderr);
        writer_names(stderr);
        fputs(_(" (with a known --vcard-version / --csv-profile)\n"), stderr);
        usage(stderr);
        code = 2;
    }
    if (code < 0 && fs_mkdirs(o.output, 0755, &err) != 0) {
        fprintf(stderr, "wlmigrate: %s\n", i18n_sentence(err.msg));
        code = 3;
    }
    if (code < 0) {
        char *target = path_join(o.output, w->file_name);
        if (fs_exists(target) && !o.force) {
            fprintf(stderr, _("wlmigrate: %s exists (use --force to replace it)\n"), target);
            code = 2;
        } else {
            code = run(&o, (const char *const *)argv + optind, (size_t)(argc - optind), w,
                       settings, target);
        }
        free(target);
    }
    free(settings);
    free(o.values);
    return code;
}
