/* report: recording a run's findings (see report.h; rendered by report_json and report_text). */
#include "report/report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/i18n.h"
#include "util/xalloc.h"

static const struct {
    const char *name;
    bool loses;
    bool repairs; /* a message was changed to be written: it counts as repaired */
} problem_kinds[PROBLEM_KIND_COUNT] = {
    [PROBLEM_EMPTY] = {"empty", true},
    [PROBLEM_HEADER_ONLY] = {"header_only", false},
    [PROBLEM_UNREADABLE] = {"unreadable", true},
    [PROBLEM_NOT_A_MESSAGE] = {"not_a_message", true},
    [PROBLEM_REPAIRED_DATE] = {"repaired_date", false, true},
    [PROBLEM_REPAIRED_EOL] = {"repaired_final_newline", false, true},
    [PROBLEM_REPAIRED_START] = {"repaired_leading_blanks", false, true},
    [PROBLEM_REPAIRED_HEADER_CHARSET] = {"repaired_header_charset", false, true},
    [PROBLEM_UNREADABLE_FOLDER] = {"unreadable_folder", true},
    [PROBLEM_LINK_SKIPPED] = {"link_skipped", false},
    [PROBLEM_OTHER_FILE] = {"other_file", false},
    [PROBLEM_BAD_NAME] = {"bad_name", false},
    [PROBLEM_FOLDER_RENAMED] = {"folder_renamed", false},
    [PROBLEM_BAD_ACCOUNT] = {"bad_account", true},
    [PROBLEM_WRITE_FAILED] = {"write_failed", true},
    [PROBLEM_STATE_UNKNOWN] = {"state_unknown", false},
    [PROBLEM_DATABASE_DIRTY] = {"database_dirty", false},
    [PROBLEM_DATABASE_BACKUP] = {"database_backup", false},
    [PROBLEM_DATABASE_ROWS] = {"database_rows_skipped", false},
    [PROBLEM_MISSING_FILE] = {"missing_file", true},
    [PROBLEM_RECOVERED] = {"recovered", false},
    [PROBLEM_BAD_CONTACT] = {"bad_contact", true},
    [PROBLEM_CONTACT_CHARS] = {"contact_chars", true},
    [PROBLEM_CONTACT_FIELD] = {"contact_field", true},
    [PROBLEM_CONTACT_SOURCE] = {"contact_source", true},
    [PROBLEM_PST_SPLIT] = {"pst_split", false},
    [PROBLEM_DECODE_REPAIRED] = {"decode_repaired", false, true},
    [PROBLEM_DECODE_LOST] = {"decode_lost", true, true},
    [PROBLEM_BODY_MISSING] = {"body_missing", true},
    [PROBLEM_ACCOUNT_CREATED] = {"account_created", false},
    [PROBLEM_ACCOUNT_NOT_CARRIED] = {"account_not_carried", false},
};

struct report {
    struct report_problem *problems;
    size_t nproblems, problems_cap;
    size_t lossy;
    struct report_folder **folders;
    size_t nfolders, folders_cap;
    struct report_totals totals;
    struct report_contact_source *sources;
    size_t nsources, sources_cap;
    struct report_run run;
};

const char *report_problem_name(enum problem_kind kind)
{
    return kind < PROBLEM_KIND_COUNT ? problem_kinds[kind].name : "unknown";
}

bool report_problem_loses(enum problem_kind kind)
{
    return kind < PROBLEM_KIND_COUNT && problem_kinds[kind].loses;
}

bool report_problem_repairs(enum problem_kind kind)
{
    return kind < PROBLEM_KIND_COUNT && problem_kinds[kind].repairs;
}

struct report *report_new(void)
{
    return xcalloc(1, sizeof(struct report));
}

void report_free(struct report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nproblems; i++) {
        free(r->problems[i].path);
        free(r->problems[i].message);
    }
    free(r->problems);
    for (size_t i = 0; i < r->nfolders; i++) {
        free(r->folders[i]->source);
        free(r->folders[i]->name);
        for (size_t k = 0; k < r->folders[i]->noutputs; k++)
            free(r->folders[i]->outputs[k]);
        free(r->folders[i]->outputs);
        free(r->folders[i]);
    }
    free(r->folders);
    for (size_t i = 0; i < r->nsources; i++) {
        free(r->sources[i].path);
        free(r->sources[i].kind);
    }
    free(r->sources);
    free(r->run.command);
    free(r->run.store);
    free(r->run.target);
    free(r->run.output);
    free(r);
}

void report_problem(struct report *r, enum problem_kind kind, const char *path, const char *fmt,
                    ...)
{
    struct buf msg = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    i18n_remember_vformat(buf_str(&msg), fmt, ap);
    va_end(ap);
    r->problems = xgrow(r->problems, &r->problems_cap, r->nproblems + 1, sizeof *r->problems);
    r->problems[r->nproblems++] = (struct report_problem){
        .kind = kind, .path = xstrdup(path ? path : ""), .message = buf_detach(&msg)};
    if (report_problem_loses(kind))
        r->lossy++;
}

size_t report_problem_count(const struct report *r) { return r->nproblems; }

const struct report_problem *report_problem_at(const struct report *r, size_t i)
{
    return i < r->nproblems ? &r->problems[i] : NULL;
}

size_t report_lossy_count(const struct report *r) { return r->lossy; }

struct report_folder *report_folder_for(struct report *r, const char *source, const char *name)
{
    /* Folders are met in order and looked up for the folder being written: search backwards. */
    for (size_t i = r->nfolders; i-- > 0;)
        if (strcmp(r->folders[i]->source, source) == 0)
            return r->folders[i];
    struct report_folder *f = xcalloc(1, sizeof *f);
    f->source = xstrdup(source);
    f->name = xstrdup(name);
    r->folders = xgrow(r->folders, &r->folders_cap, r->nfolders + 1, sizeof *r->folders);
    r->folders[r->nfolders++] = f;
    return f;
}

void report_folder_add_output(struct report_folder *f, const char *output)
{
    f->outputs = xgrow(f->outputs, &f->outputs_cap, f->noutputs + 1, sizeof *f->outputs);
    f->outputs[f->noutputs++] = xstrdup(output);
}

size_t report_folder_count(const struct report *r) { return r->nfolders; }

const struct report_folder *report_folder_at(const struct report *r, size_t i)
{
    return i < r->nfolders ? r->folders[i] : NULL;
}

struct report_totals *report_totals(struct report *r) { return &r->totals; }

const struct report_totals *report_totals_of(const struct report *r) { return &r->totals; }

void report_contact_source(struct report *r, const char *path, const char *kind, size_t contacts,
                           size_t skipped)
{
    r->sources = xgrow(r->sources, &r->sources_cap, r->nsources + 1, sizeof *r->sources);
    r->sources[r->nsources++] = (struct report_contact_source){xstrdup(path), xstrdup(kind),
                                                               contacts, skipped};
}

size_t report_contact_source_count(const struct report *r) { return r->nsources; }

const struct report_contact_source *report_contact_source_at(const struct report *r, size_t i)
{
    return i < r->nsources ? &r->sources[i] : NULL;
}

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

void report_set_run(struct report *r, const char *command, const char *store, const char *target,
                    const char *output)
{
    set_string(&r->run.command, command);
    set_string(&r->run.store, store);
    set_string(&r->run.target, target);
    set_string(&r->run.output, output);
}

const struct report_run *report_run(const struct report *r) { return &r->run; }

