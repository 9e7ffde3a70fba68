/* report_text: report.txt, the report for the technician and the client (see report_text.h). */
#include "report/report_text.h"

#include <string.h>

#include "util/utf8.h"

/* Text for people: names are printed as UTF-8 with bad bytes escaped, like the JSON. */
static void text_value(FILE *out, const char *s)
{
    utf8_print(out, s ? s : "", s ? strlen(s) : 0);
}

void report_text_problem(FILE *out, const struct report_problem *p, int kind_width)
{
    fprintf(out, "  %s %-*s ", report_problem_loses(p->kind) ? "!" : " ", kind_width,
            report_problem_name(p->kind));
    text_value(out, p->path);
    fputs(": ", out);
    text_value(out, p->message);
    fputc('\n', out);
}

void report_write_text(const struct report *r, const struct model_store *store, FILE *out)
{
    const struct report_run *run = report_run(r);
    const struct report_totals *t = report_totals_of(r);
    fprintf(out, "wlmigrate report\n================\n\n");
    fputs("Store:   ", out);
    text_value(out, run->store);
    if (store)
        fprintf(out, " (%s)", model_store_kind_name(store->kind));
    fputs("\nTarget:  ", out);
    text_value(out, run->target);
    fputs("\nOutput:  ", out);
    text_value(out, run->output);
    fprintf(out, "\n\nMessages found:          %zu\n", t->messages_found);
    fprintf(out, "Messages written:        %zu\n", t->messages_written);
    fprintf(out, "Messages not converted:  %zu%s\n", t->messages_not_converted,
            t->messages_not_converted ? "  (original bytes kept in unconverted/)" : "");
    fprintf(out, "Messages repaired:       %zu\n", t->messages_repaired);
    fprintf(out, "Contacts found:          %zu\n", t->contacts_found);
    fprintf(out, "Contacts written:        %zu\n", t->contacts_written);
    fprintf(out, "Problems:                %zu (%zu lost something)\n\n", report_problem_count(r), report_lossy_count(r));
    if (report_contact_source_count(r)) {
        fputs("Address books\n-------------\n", out);
        for (size_t i = 0; i < report_contact_source_count(r); i++) {
            const struct report_contact_source *c = report_contact_source_at(r, i);
            fprintf(out, "  %6zu contacts (%zu skipped)  [%s] ", c->contacts, c->skipped, c->kind);
            text_value(out, c->path);
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
    for (size_t i = 0; i < report_folder_count(r); i++) {
        const struct report_folder *f = report_folder_at(r, i);
        fprintf(out, "  %6zu / %-6zu ", f->found, f->written);
        text_value(out, f->source);
        fputs(" -> ", out);
        for (size_t k = 0; k < f->noutputs; k++) {
            if (k)
                fputs("; ", out);
            text_value(out, f->outputs[k]);
        }
        fputc('\n', out);
    }

    if (report_problem_count(r)) {
        fputs("\nProblems\n--------\n", out);
        for (size_t i = 0; i < report_problem_count(r); i++)
            report_text_problem(out, report_problem_at(r, i), 22);
        fputs("\n  ! = something was lost or not converted (messages: original kept in "
              "unconverted/)\n", out);
    }
}
