/* report_json: report.json, the report for scripts (see report_json.h; shape in README.md). */
#include "report/report_json.h"

#include "report/json.h"
#include "util/i18n.h"

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
    json_kv_string(j, "smtp_auth", model_smtp_auth_name(a->smtp_auth));
    json_kv_string(j, "display_name", a->display_name);
    json_kv_string(j, "email", a->email);
    json_kv_string(j, "reply_to", a->reply_to);
    json_kv_string(j, "organization", a->organization);
    json_kv_bool(j, "gmail", a->is_gmail);
    json_kv_string(j, "advice", report_account_advice(a));
    json_object_end(j);
}

const char *report_account_advice(const struct model_account *a)
{
    if (a->is_gmail)
        return N_("Gmail no longer accepts the account password from mail programs (since "
                  "2022-05-30): in the new client sign in with OAuth (Thunderbird and Outlook "
                  "offer it), or turn on 2-step verification and use an app password.");
    return NULL;
}

void report_write_json(const struct report *r, const struct model_store *store, FILE *out)
{
    const struct report_run *run = report_run(r);
    const struct report_totals *t = report_totals_of(r);
    struct json *j = json_new(out);
    json_object_begin(j);
    json_kv_uint(j, "report_version", REPORT_VERSION);
    json_kv_string(j, "command", run->command);
    json_kv_string(j, "store", run->store);
    json_kv_string(j, "store_kind", store ? model_store_kind_name(store->kind) : NULL);
    json_kv_string(j, "database", store ? model_database_name(store->database_state) : NULL);
    json_kv_string(j, "target", run->target);
    json_kv_string(j, "output", run->output);

    json_key(j, "totals");
    json_object_begin(j);
    json_kv_uint(j, "messages_found", t->messages_found);
    json_kv_uint(j, "messages_written", t->messages_written);
    json_kv_uint(j, "messages_not_converted", t->messages_not_converted);
    json_kv_uint(j, "messages_repaired", t->messages_repaired);
    json_kv_uint(j, "bytes_found", t->bytes_found);
    json_kv_uint(j, "bytes_written", t->bytes_written);
    json_kv_uint(j, "contacts_found", t->contacts_found);
    json_kv_uint(j, "contacts_written", t->contacts_written);
    json_kv_uint(j, "problems", report_problem_count(r));
    json_kv_uint(j, "problems_with_loss", report_lossy_count(r));
    json_object_end(j);

    json_key(j, "accounts");
    json_array_begin(j);
    for (size_t i = 0; store && i < store->naccounts; i++)
        report_json_account(j, store->accounts[i]);
    json_array_end(j);

    json_key(j, "contact_sources");
    json_array_begin(j);
    for (size_t i = 0; i < report_contact_source_count(r); i++) {
        const struct report_contact_source *c = report_contact_source_at(r, i);
        json_object_begin(j);
        json_kv_string(j, "path", c->path);
        json_kv_string(j, "kind", c->kind);
        json_kv_uint(j, "contacts", c->contacts);
        json_kv_uint(j, "skipped", c->skipped);
        json_object_end(j);
    }
    json_array_end(j);

    json_key(j, "folders");
    json_array_begin(j);
    for (size_t i = 0; i < report_folder_count(r); i++) {
        const struct report_folder *f = report_folder_at(r, i);
        json_object_begin(j);
        json_kv_string(j, "source", f->source);
        json_kv_string(j, "name", f->name);
        json_key(j, "outputs");
        json_array_begin(j);
        for (size_t k = 0; k < f->noutputs; k++)
            json_string(j, f->outputs[k]);
        json_array_end(j);
        json_kv_uint(j, "found", f->found);
        json_kv_uint(j, "written", f->written);
        json_kv_uint(j, "unread", f->unread);
        json_kv_uint(j, "flagged", f->flagged);
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
    for (size_t i = 0; i < report_problem_count(r); i++) {
        const struct report_problem *p = report_problem_at(r, i);
        json_object_begin(j);
        json_kv_string(j, "path", p->path);
        json_kv_string(j, "kind", report_problem_name(p->kind));
        json_kv_bool(j, "lost", report_problem_loses(p->kind));
        json_kv_string(j, "message", p->message);
        json_object_end(j);
    }
    json_array_end(j);
}

