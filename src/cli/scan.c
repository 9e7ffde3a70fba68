/* scan: listing a store's accounts, folders and problems (see scan.h). */
#include "cli/scan.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/contacts.h"
#include "report/json.h"
#include "util/utf8.h"
#include "pipeline/pipeline.h"
#include "registry.h"
#include "report/report.h"
#include "report/report_json.h"
#include "report/report_text.h"
#include "util/i18n.h"
#include "util/xalloc.h"

struct scanned {
    struct model_store *store;
    struct report *report;
    struct contact_sources contacts; /* address books of the same user, read and counted */
};

static void print_text(FILE *out, const char *s)
{
    utf8_print(out, s ? s : "", s ? strlen(s) : 0);
}

static void json_folder(struct json *j, const struct model_folder *f, int depth)
{
    char *path = pipeline_folder_path(f);
    json_object_begin(j);
    json_kv_string(j, "source", f->source);
    json_kv_string(j, "name", f->name);
    json_kv_string(j, "path", path);
    json_kv_int(j, "depth", depth);
    json_kv_string(j, "special", model_special_name(f->special));
    json_kv_string(j, "account", f->account ? f->account->name : NULL);
    json_kv_uint(j, "messages", f->messages);
    json_kv_uint(j, "bytes", f->bytes);
    json_kv_uint(j, "with_state", f->with_state);
    json_kv_uint(j, "unread", f->unread);
    json_object_end(j);
    free(path);
    for (size_t i = 0; i < f->nchildren; i++)
        json_folder(j, f->children[i], depth + 1);
}

static size_t count_folders(const struct model_folder *f)
{
    size_t n = 1;
    for (size_t i = 0; i < f->nchildren; i++)
        n += count_folders(f->children[i]);
    return n;
}

static void write_json(const struct scanned *s, size_t n)
{
    struct json *j = json_new(stdout);
    json_object_begin(j);
    json_kv_uint(j, "scan_version", 1);
    json_key(j, "stores");
    json_array_begin(j);
    for (size_t k = 0; k < n; k++) {
        const struct model_store *st = s[k].store;
        const struct report *r = s[k].report;
        json_object_begin(j);
        json_kv_string(j, "path", st->root);
        json_kv_string(j, "kind", model_store_kind_name(st->kind));
        json_kv_string(j, "database", model_database_name(st->database_state));
        json_kv_string(j, "database_file", st->database);
        json_key(j, "accounts");
        json_array_begin(j);
        for (size_t i = 0; i < st->naccounts; i++)
            report_json_account(j, st->accounts[i]);
        json_array_end(j);
        json_key(j, "folders");
        json_array_begin(j);
        for (size_t i = 0; i < st->top->nchildren; i++)
            json_folder(j, st->top->children[i], 0);
        json_array_end(j);
        json_key(j, "contact_sources");
        json_array_begin(j);
        for (size_t i = 0; i < s[k].contacts.count; i++) {
            const struct contact_source *c = &s[k].contacts.items[i];
            json_object_begin(j);
            json_kv_string(j, "path", c->path);
            json_kv_string(j, "kind", c->reader->kind);
            json_kv_uint(j, "contacts", c->contacts);
            json_kv_uint(j, "skipped", c->skipped);
            json_kv_bool(j, "unreadable", c->unreadable);
            json_object_end(j);
        }
        json_array_end(j);
        report_json_problems(j, r);
        size_t folders = count_folders(st->top) - 1;
        json_key(j, "totals");
        json_object_begin(j);
        json_kv_uint(j, "accounts", st->naccounts);
        json_kv_uint(j, "folders", folders);
        json_kv_uint(j, "messages", st->messages);
        json_kv_uint(j, "bytes", st->bytes);
        json_kv_uint(j, "problems", report_problem_count(r));
        json_kv_uint(j, "problems_with_loss", report_lossy_count(r));
        json_object_end(j);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_free(j);
}

static void text_account(FILE *out, const struct model_account *a)
{
    fputs("  ", out);
    print_text(out, a->name);
    fprintf(out, "\n    %-9s", model_account_kind_name(a->kind));
    print_text(out, a->server ? a->server : _("(no server)"));
    fprintf(out, ":%u %s", a->port, model_security_name(a->security));
    if (a->user_name) {
        fputs(_("  user "), out);
        print_text(out, a->user_name);
    }
    if (a->smtp_server) {
        fputs("\n    smtp     ", out);
        print_text(out, a->smtp_server);
        fprintf(out, ":%u %s", a->smtp_port, model_security_name(a->smtp_security));
    }
    if (a->email || a->display_name) {
        fputs(_("\n    address  "), out);
        print_text(out, a->display_name);
        fputs(" <", out);
        print_text(out, a->email);
        fputs(">", out);
    }
    const char *advice = report_account_advice(a);
    if (advice) {
        fputs(_("\n    note     "), out);
        print_text(out, _(advice));
    }
    fputc('\n', out);
}

static void text_folder(FILE *out, const struct model_folder *f, int depth)
{
    int pad = 2 + 2 * depth;
    fprintf(out, "%*s", pad, "");
    print_text(out, f->name);
    if (f->special)
        fprintf(out, " [%s]", model_special_name(f->special));
    fprintf(out, _("  %zu messages"), f->messages);
    if (f->with_state)
        fprintf(out, _(" (%zu unread)"), f->unread);
    fprintf(out, _(", %llu bytes\n"), (unsigned long long)f->bytes);
    for (size_t i = 0; i < f->nchildren; i++)
        text_folder(out, f->children[i], depth + 1);
}

static void write_text(const struct scanned *s, size_t n)
{
    FILE *out = stdout;
    if (n > 1)
        fprintf(out, _("%zu stores found.\n\n"), n);
    for (size_t k = 0; k < n; k++) {
        const struct model_store *st = s[k].store;
        const struct report *r = s[k].report;
        fputs(_("Store: "), out);
        print_text(out, st->root);
        fprintf(out, " (%s)\n", model_store_kind_name(st->kind));
        if (st->database_state != MODEL_DB_NONE) {
            fprintf(out, _("Database: %s"), model_database_name(st->database_state));
            if (st->database) {
                fputs(" (", out);
                print_text(out, st->database);
                fputs(")", out);
            }
            fputc('\n', out);
        }
        fprintf(out, _("\nAccounts (%zu)\n"), st->naccounts);
        for (size_t i = 0; i < st->naccounts; i++)
            text_account(out, st->accounts[i]);
        if (s[k].contacts.count) {
            fputs(_("\nAddress books\n"), out);
            for (size_t i = 0; i < s[k].contacts.count; i++) {
                const struct contact_source *c = &s[k].contacts.items[i];
                fprintf(out, c->unreadable ? _("  %zu contacts (unreadable) [%s] ") : _("  %zu contacts [%s] "),
                        c->contacts, c->reader->kind);
                print_text(out, c->path);
                fputc('\n', out);
            }
        }
        fputs(_("\nFolders\n"), out);
        for (size_t i = 0; i < st->top->nchildren; i++)
            text_folder(out, st->top->children[i], 0);
        if (report_problem_count(r)) {
            fprintf(out, _("\nProblems (%zu)\n"), report_problem_count(r));
            for (size_t i = 0; i < report_problem_count(r); i++)
                report_text_problem(out, report_problem_at(r, i), 16);
        }
        fprintf(out, _("\nTotal: %zu folders, %zu messages, %llu bytes, %zu problems"
                       " (%zu would lose something)\n"),
                count_folders(st->top) - 1, st->messages, (unsigned long long)st->bytes,
                report_problem_count(r),
                report_lossy_count(r));
        if (k + 1 < n)
            fputc('\n', out);
    }
}

int scan_run(const struct scan_options *o)
{
    const struct reader_ops *reader;
    struct reader_location *locs;
    size_t n;
    struct error err;
    if (registry_locate(o->store, &reader, &locs, &n, &err) != STATUS_OK) {
        fprintf(stderr, "wlmigrate: %s\n", i18n_sentence(err.msg));
        return 3;
    }
    struct scanned *s = xcalloc(n, sizeof *s);
    int code = 0;
    size_t opened = 0;
    for (size_t k = 0; k < n; k++, opened++) {
        s[k].report = report_new();
        locs[k].read_while_in_use = true; /* scan says so in its report instead */
        s[k].store = reader->open(&locs[k], s[k].report, &err);
        if (!s[k].store) {
            fprintf(stderr, "wlmigrate: %s\n", i18n_sentence(err.msg));
            report_free(s[k].report);
            code = 3;
            break;
        }
        struct progress *prog = progress_new(stderr, o->progress, _("scanned"),
                                             s[k].store->messages);
        struct pipeline p = {.reader = reader,
                             .store = s[k].store,
                             .report = s[k].report,
                             .progress = prog};
        pipeline_run(&p, &err);
        progress_free(prog);
        /* Counting the contacts means reading them; they are dropped at once. */
        struct contact_list list = CONTACT_LIST_INIT;
        size_t nreaders;
        const struct contacts_reader *readers = registry_contact_readers(&nreaders);
        contacts_sources_init(&s[k].contacts, readers, nreaders);
        contacts_search_store(&s[k].contacts, reader, locs[k].path);
        contacts_read_sources(&s[k].contacts, &list, s[k].report);
        contact_list_clear(&list);
        if (report_lossy_count(s[k].report) && code == 0)
            code = 1;
    }
    if (code != 3) {
        if (o->json)
            write_json(s, n);
        else
            write_text(s, n);
    }
    for (size_t k = 0; k < opened; k++) {
        model_store_free(s[k].store);
        report_free(s[k].report);
        contacts_sources_free(&s[k].contacts);
    }
    free(s);
    reader_locations_free(locs, n);
    return code;
}
