/* report_text: report.txt, the report for the technician and the client (see report_text.h),
 * in the chosen language (util/i18n.h); kinds stay the names report.json uses. */
#include "report/report_text.h"

#include <string.h>

#include "report/report_json.h"
#include "util/i18n.h"
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
    text_value(out, i18n_sentence(p->message));
    fputc('\n', out);
}

void report_write_text(const struct report *r, const struct model_store *store, FILE *out)
{
    const struct report_run *run = report_run(r);
    const struct report_totals *t = report_totals_of(r);
    fputs(_("wlmigrate report\n================\n\n"), out);
    fputs(_("Store:   "), out);
    text_value(out, run->store);
    if (store)
        fprintf(out, " (%s)", model_store_kind_name(store->kind));
    fputs(_("\nTarget:  "), out);
    text_value(out, run->target);
    fputs(_("\nOutput:  "), out);
    text_value(out, run->output);
    fprintf(out, _("\n\nMessages found:          %zu\n"), t->messages_found);
    fprintf(out, _("Messages written:        %zu\n"), t->messages_written);
    fprintf(out, t->messages_not_converted
                     ? _("Messages not converted:  %zu  (original bytes kept in unconverted/)\n")
                     : _("Messages not converted:  %zu\n"),
            t->messages_not_converted);
    fprintf(out, _("Messages repaired:       %zu\n"), t->messages_repaired);
    fprintf(out, _("Contacts found:          %zu\n"), t->contacts_found);
    fprintf(out, _("Contacts written:        %zu\n"), t->contacts_written);
    fprintf(out, _("Problems:                %zu (%zu lost something)\n\n"),
            report_problem_count(r), report_lossy_count(r));
    if (report_contact_source_count(r)) {
        fputs(_("Address books\n-------------\n"), out);
        for (size_t i = 0; i < report_contact_source_count(r); i++) {
            const struct report_contact_source *c = report_contact_source_at(r, i);
            fprintf(out, _("  %6zu contacts (%zu skipped)  [%s] "), c->contacts, c->skipped,
                    c->kind);
            text_value(out, c->path);
            fputc('\n', out);
        }
        fputc('\n', out);
    }

    if (store && store->naccounts) {
        fputs(_("Accounts\n--------\n"), out);
        for (size_t i = 0; i < store->naccounts; i++) {
            const struct model_account *a = store->accounts[i];
            fputs("  ", out);
            text_value(out, a->name);
            fprintf(out, "  [%s] ", model_account_kind_name(a->kind));
            text_value(out, a->email);
            fputc('\n', out);
            const char *advice = report_account_advice(a);
            if (advice) {
                fputs("    ", out);
                text_value(out, _(advice));
                fputc('\n', out);
            }
        }
        fputc('\n', out);
    }

    fputs(_("Folders (found / written: source -> output)\n"
            "-------------------------------------------\n"),
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
        fputs(_("\nProblems\n--------\n"), out);
        for (size_t i = 0; i < report_problem_count(r); i++)
            report_text_problem(out, report_problem_at(r, i), 22);
        fputs(_("\n  ! = something was lost or not converted (messages: original kept in "
                "unconverted/)\n"),
              out);
    }
}
