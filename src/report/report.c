/* report: recording and rendering a run's findings (see report.h). */
#include "report/report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "report/json.h"
#include "util/utf8.h"
#include "util/xalloc.h"

static const struct {
    const char *name;
    bool loses;
} problem_kinds[PROBLEM_KIND_COUNT] = {
    [PROBLEM_EMPTY] = {"empty", true},
    [PROBLEM_HEADER_ONLY] = {"header_only", false},
    [PROBLEM_UNREADABLE] = {"unreadable", true},
    [PROBLEM_NOT_A_MESSAGE] = {"not_a_message", true},
    [PROBLEM_REPAIRED_DATE] = {"repaired_date", false},
    [PROBLEM_REPAIRED_EOL] = {"repaired_final_newline", false},
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
    [PROBLEM_MISSING_FILE] = {"missing_file", true},
    [PROBLEM_RECOVERED] = {"recovered", false},
    [PROBLEM_BAD_CONTACT] = {"bad_contact", true},
    [PROBLEM_CONTACT_CHARS] = {"contact_chars", true},
    [PROBLEM_CONTACT_FIELD] = {"contact_field", true},
    [PROBLEM_CONTACT_SOURCE] = {"contact_source", true},
    [PROBLEM_PST_SPLIT] = {"pst_split", false},
    [PROBLEM_DECODE_REPAIRED] = {"decode_repaired", false},
    [PROBLEM_DECODE_LOST] = {"decode_lost", true},
};

struct report {
    struct report_problem *problems;
    size_t nproblems, problems_cap;
    size_t lossy;
    struct report_folder **folders;
    size_t nfolders, folders_cap;
    struct report_totals totals;
    struct contact_source_row {
        char *path, *kind;
        size_t contacts, skipped;
    } *sources;
    size_t nsources, sources_cap;
    char *command, *store, *target, *output;
};

const char *report_problem_name(enum problem_kind kind)
{
    return kind < PROBLEM_KIND_COUNT ? problem_kinds[kind].name : "unknown";
}

bool report_problem_loses(enum problem_kind kind)
{
    return kind < PROBLEM_KIND_COUNT && problem_kinds[kind].loses;
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
        free(r->folders[i]->output);
        free(r->folders[i]);
    }
    free(r->folders);
    for (size_t i = 0; i < r->nsources; i++) {
        free(r->sources[i].path);
        free(r->sources[i].kind);
    }
    free(r->sources);
    free(r->command);
    free(r->store);
    free(r->target);
    free(r->output);
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

size_t report_folder_count(const struct report *r) { return r->nfolders; }

struct report_folder *report_folder_at(const struct report *r, size_t i)
{
    return i < r->nfolders ? r->folders[i] : NULL;
}

struct report_totals *report_totals(struct report *r) { return &r->totals; }

void report_contact_source(struct report *r, const char *path, const char *kind, size_t contacts,
                           size_t skipped)
{
    r->sources = xgrow(r->sources, &r->sources_cap, r->nsources + 1, sizeof *r->sources);
    r->sources[r->nsources++] = (struct contact_source_row){xstrdup(path), xstrdup(kind),
                                                            contacts, skipped};
}

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

void report_set_run(struct report *r, const char *command, const char *store, const char *target,
                    const char *output)
{
    set_string(&r->command, command);
    set_string(&r->store, store);
    set_string(&r->target, target);
    set_string(&r->output, output);
}

void report_json_account(struct json *j, const struct model_account *a)
{
    json_object_begin(j);
    json_kv_string(j, "name", a->name);
    json_kv_string(j, "kind", model_account_kind_name(a->kind));
    json_kv_string(j, "source", a->source);
    json_kv_string(j, "server", a->server);
    json_kv_uint(j, "port", a->port);
    json_kv_string(j, "security", model_security_name(a->security));
    json_kv_string(j, "user_name", a->user_name);
    json_kv_string(j, "smtp_server", a->smtp_server);
    json_kv_uint(j, "smtp_port", a->smtp_port);
    json_kv_string(j, "smtp_security", model_security_name(a->smtp_security));
    json_kv_string(j, "display_name", a->display_name);
    json_kv_string(j, "email", a->email);
    json_kv_bool(j, "gmail", a->is_gmail);
    json_kv_string(j, "advice", report_account_advice(a));
    json_object_end(j);
}

const char *report_account_advice(const struct model_account *a)
{
    if (a->is_gmail)
        return "Gmail no longer accepts the account password from mail programs (since "
               "2022-05-30): in the new client sign in with OAuth (Thunderbird and Outlook offer "
               "it), or turn on 2-step verification and use an app password.";
    return NULL;
}

void report_write_json(const struct report *r, const struct model_store *store, FILE *out)
{
    struct json *j = json_new(out);
    json_object_begin(j);
    json_kv_uint(j, "report_version", 1);
    json_kv_string(j, "command", r->command);
    json_kv_string(j, "store", r->store);
    json_kv_string(j, "store_kind", store ? model_store_kind_name(store->kind) : NULL);
    json_kv_string(j, "database", store ? model_database_name(store->database_state) : NULL);
    json_kv_string(j, "target", r->target);
    json_kv_string(j, "output", r->output);

    json_key(j, "totals");
    json_object_begin(j);
    json_kv_uint(j, "messages_found", r->totals.messages_found);
    json_kv_uint(j, "messages_written", r->totals.messages_written);
    json_kv_uint(j, "messages_not_converted", r->totals.messages_not_converted);
    json_kv_uint(j, "messages_repaired", r->totals.messages_repaired);
    json_kv_uint(j, "bytes_found", r->totals.bytes_found);
    json_kv_uint(j, "bytes_written", r->totals.bytes_written);
    json_kv_uint(j, "contacts_found", r->totals.contacts_found);
    json_kv_uint(j, "contacts_written", r->totals.contacts_written);
    json_kv_uint(j, "problems", r->nproblems);
    json_kv_uint(j, "problems_with_loss", r->lossy);
    json_object_end(j);

    json_key(j, "accounts");
    json_array_begin(j);
    for (size_t i = 0; store && i < store->naccounts; i++)
        report_json_account(j, store->accounts[i]);
    json_array_end(j);

    json_key(j, "contact_sources");
    json_array_begin(j);
    for (size_t i = 0; i < r->nsources; i++) {
        json_object_begin(j);
        json_kv_string(j, "path", r->sources[i].path);
        json_kv_string(j, "kind", r->sources[i].kind);
        json_kv_uint(j, "contacts", r->sources[i].contacts);
        json_kv_uint(j, "skipped", r->sources[i].skipped);
        json_object_end(j);
    }
    json_array_end(j);

    json_key(j, "folders");
    json_array_begin(j);
    for (size_t i = 0; i < r->nfolders; i++) {
        const struct report_folder *f = r->folders[i];
        json_object_begin(j);
        json_kv_string(j, "source", f->source);
        json_kv_string(j, "name", f->name);
        json_kv_string(j, "output", f->output);
        json_kv_uint(j, "found", f->found);
        json_kv_uint(j, "written", f->written);
        json_kv_uint(j, "bytes", f->bytes);
        json_object_end(j);
    }
    json_array_end(j);

    report_json_problems(j, r);
    json_object_end(j);
    json_free(j);
}

void report_json_problems(struct json *j, const struct report *r)
{
    json_key(j, "problems");
    json_array_begin(j);
    for (size_t i = 0; i < r->nproblems; i++) {
        const struct report_problem *p = &r->problems[i];
        json_object_begin(j);
        json_kv_string(j, "path", p->path);
        json_kv_string(j, "kind", report_problem_name(p->kind));
        json_kv_bool(j, "lost", report_problem_loses(p->kind));
        json_kv_string(j, "message", p->message);
        json_object_end(j);
    }
    json_array_end(j);
}

/* Text for people: names are printed as UTF-8 with bad bytes escaped, like the JSON. */
static void text_value(FILE *out, const char *s)
{
    utf8_print(out, s ? s : "", s ? strlen(s) : 0);
}

void report_write_text(const struct report *r, const struct model_store *store, FILE *out)
{
    fprintf(out, "wlmigrate report\n================\n\n");
    fputs("Store:   ", out);
    text_value(out, r->store);
    if (store)
        fprintf(out, " (%s)", model_store_kind_name(store->kind));
    fputs("\nTarget:  ", out);
    text_value(out, r->target);
    fputs("\nOutput:  ", out);
    text_value(out, r->output);
    fprintf(out, "\n\nMessages found:          %zu\n", r->totals.messages_found);
    fprintf(out, "Messages written:        %zu\n", r->totals.messages_written);
    fprintf(out, "Messages not converted:  %zu%s\n", r->totals.messages_not_converted,
            r->totals.messages_not_converted ? "  (original bytes kept in unconverted/)" : "");
    fprintf(out, "Messages repaired:       %zu\n", r->totals.messages_repaired);
    fprintf(out, "Contacts found:          %zu\n", r->totals.contacts_found);
    fprintf(out, "Contacts written:        %zu\n", r->totals.contacts_written);
    fprintf(out, "Problems:                %zu (%zu lost something)\n\n", r->nproblems, r->lossy);
    if (r->nsources) {
        fputs("Address books\n-------------\n", out);
        for (size_t i = 0; i < r->nsources; i++) {
            fprintf(out, "  %6zu contacts (%zu skipped)  [%s] ", r->sources[i].contacts,
                    r->sources[i].skipped, r->sources[i].kind);
            text_value(out, r->sources[i].path);
            fputc('\n', out);
        }
        fputc('\n', out);
    }

    if (store && store->naccounts) {
        fputs("Accounts\n--------\n", out);
        for (size_t i = 0; i < store->naccounts; i++) {
            const struct model_account *a = store->accounts[i];
            fputs("  ", out);
            text_value(out, a->name);
            fprintf(out, "  [%s] ", model_account_kind_name(a->kind));
            text_value(out, a->email);
            fputc('\n', out);
        }
        fputc('\n', out);
    }

    fputs("Folders (found / written: source -> output)\n-------------------------------------------\n",
          out);
    for (size_t i = 0; i < r->nfolders; i++) {
        const struct report_folder *f = r->folders[i];
        fprintf(out, "  %6zu / %-6zu ", f->found, f->written);
        text_value(out, f->source);
        fputs(" -> ", out);
        text_value(out, f->output);
        fputc('\n', out);
    }

    if (r->nproblems) {
        fputs("\nProblems\n--------\n", out);
        for (size_t i = 0; i < r->nproblems; i++) {
            const struct report_problem *p = &r->problems[i];
            fprintf(out, "  %s %-22s ", report_problem_loses(p->kind) ? "!" : " ",
                    report_problem_name(p->kind));
            text_value(out, p->path);
            fputs(": ", out);
            text_value(out, p->message);
            fputc('\n', out);
        }
        fputs("\n  ! = something was lost or not converted (messages: original kept in "
              "unconverted/)\n", out);
    }
}
