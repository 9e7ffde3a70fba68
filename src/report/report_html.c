/* report_html: report.html, the page for the client (see report_html.h). */
#include "report/report_html.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_json.h"
#include "util/i18n.h"
#include "util/platform.h"
#include "util/utf8.h"

/* Text into the page: bytes that are not UTF-8 become '?', markup characters entities, and
 * control characters are dropped, so a hostile folder name cannot change the page. */
static void html_text(FILE *out, const char *s)
{
    if (!s)
        return;
    char *clean = utf8_repair(s, strlen(s), '?');
    const char *run = clean; /* [run, p) is written as it is, in one piece */
    const char *p = clean;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 0x20 && c != 0x7f && c != '&' && c != '<' && c != '>' && c != '"'))
            continue;
        fwrite(run, 1, (size_t)(p - run), out);
        run = p + 1;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: break; /* control characters are left out */
        }
    }
    fwrite(run, 1, (size_t)(p - run), out);
    free(clean);
}

static void cell(FILE *out, const char *s)
{
    fputs("<td>", out);
    html_text(out, s);
    fputs("</td>", out);
}

static void number_cell(FILE *out, unsigned long long n)
{
    fprintf(out, "<td class=\"n\">%llu</td>", n);
}

static void heading(FILE *out, const char *title)
{
    fputs("<h2>", out);
    html_text(out, title);
    fputs("</h2>\n", out);
}

/* The header row of a table: the column names, separated by '|'. */
static void table_head(FILE *out, const char *columns)
{
    fputs("<table><thead><tr>", out);
    for (const char *c = columns; *c;) {
        size_t len = strcspn(c, "|");
        fputs("<th>", out);
        char *name = strndup(c, len);
        html_text(out, name);
        free(name);
        fputs("</th>", out);
        c += len + (c[len] ? 1 : 0);
    }
    fputs("</tr></thead><tbody>\n", out);
}

static const char style[] =
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Yu Gothic',"
    "'Meiryo',sans-serif;margin:2em auto;padding:0 1em;max-width:60em;color:#111;line-height:1.5}"
    "h1{font-size:1.6em;border-bottom:2px solid #246;margin-bottom:.2em}"
    "h2{font-size:1.2em;color:#246;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "h3{font-size:1.05em;margin:1em 0 .3em}"
    "table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.92em}"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "th{background:#eef2f7}td.n{text-align:right;white-space:nowrap}"
    ".lost{color:#a00;font-weight:bold}.note{background:#fff6d6;border:1px solid #e0c060;"
    "padding:.5em .8em}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}dt{font-weight:bold}"
    "dd{margin:0}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}"
    "tr,.account{break-inside:avoid}}";

/* What the client sees as the security of a connection: WLM's one "SSL" box means implicit TLS
 * on the TLS ports and STARTTLS on the plain ones. */
static const char *security_label(enum account_security s, unsigned port)
{
    if (s != MODEL_SECURITY_SSL)
        return _("none");
    if (port == 25 || port == 587 || port == 110 || port == 143 || port == 119)
        return _("STARTTLS");
    return _("SSL/TLS");
}

static void settings_row(FILE *out, const char *label, const char *value)
{
    fputs("<tr><th>", out);
    html_text(out, label);
    fputs("</th>", out);
    cell(out, value && *value ? value : "-");
    fputs("</tr>\n", out);
}

static void port_row(FILE *out, const char *label, unsigned port)
{
    fputs("<tr><th>", out);
    html_text(out, label);
    fprintf(out, "</th><td>%u</td></tr>\n", port);
}

/* WLM's "My outgoing server requires authentication" and "Log on using", in words. */
static const char *smtp_auth_label(enum smtp_auth auth)
{
    switch (auth) {
    case MODEL_SMTP_AUTH_NONE: return N_("none");
    case MODEL_SMTP_AUTH_SPA: return N_("Secure Password Authentication (SPA)");
    case MODEL_SMTP_AUTH_AS_INCOMING: return N_("same settings as the incoming mail server");
    case MODEL_SMTP_AUTH_PASSWORD: break;
    }
    return N_("user name and password");
}

static void account_settings(FILE *out, const struct model_account *a)
{
    fputs("<div class=\"account\"><h3>", out);
    html_text(out, a->name);
    fputs("</h3>\n<table>", out);
    settings_row(out, _("E-mail address"), a->email);
    settings_row(out, _("Name shown to recipients"), a->display_name);
    settings_row(out, _("Reply-to address"), a->reply_to);
    settings_row(out, _("Organization"), a->organization);
    settings_row(out, _("Incoming mail protocol"), model_account_kind_name(a->kind));
    settings_row(out, _("Incoming mail server"), a->server);
    port_row(out, _("Incoming port"), a->port);
    settings_row(out, _("Incoming security"), security_label(a->security, a->port));
    settings_row(out, _("Incoming user name"), a->user_name);
    if (a->smtp_server) {
        settings_row(out, _("Outgoing mail server (SMTP)"), a->smtp_server);
        port_row(out, _("Outgoing port"), a->smtp_port);
        settings_row(out, _("Outgoing security"), security_label(a->smtp_security, a->smtp_port));
        settings_row(out, _("Outgoing authentication"), _(smtp_auth_label(a->smtp_auth)));
        if (a->smtp_auth != MODEL_SMTP_AUTH_NONE)
            settings_row(out, _("Outgoing user name"),
                         a->smtp_user_name && a->smtp_auth != MODEL_SMTP_AUTH_AS_INCOMING
                             ? a->smtp_user_name
                             : a->user_name);
    }
    fputs("</table>\n", out);
    fputs("<p>", out);
    html_text(out, _("Passwords are not stored in this report: ask the client to type them in "
                     "the new mail program."));
    fputs("</p>\n", out);
    const char *advice = report_account_advice(a);
    if (advice) {
        fputs("<div class=\"note\"><p>", out);
        html_text(out, _(advice));
        fputs("</p><ol><li>", out);
        html_text(out, _("Thunderbird: when adding the account, choose OAuth2 as the "
                         "authentication method; a Google sign-in window opens."));
        fputs("</li><li>", out);
        html_text(out, _("Outlook: add the account with its address; Outlook opens Google's "
                         "sign-in page."));
        fputs("</li><li>", out);
        html_text(out, _("A program without OAuth: at myaccount.google.com turn on 2-Step "
                         "Verification, create an app password under Security, and enter its "
                         "16 characters as the password."));
        fputs("</li></ol></div>\n", out);
    }
    fputs("</div>\n", out);
}

/* Where the result is and how the new client takes it in. */
static void where_it_went(FILE *out, const struct report_run *run)
{
    fputs("<p>", out);
    html_text(out, _("Output folder:"));
    fputs(" <code>", out);
    html_text(out, run->output);
    fputs("</code></p>\n<p>", out);
    if (run->target && strcmp(run->target, "outlook") == 0)
        html_text(out, _("Outlook: open the .pst files in the outlook folder with File > Open & "
                         "Export > Open Outlook Data File; the contacts are in its Contacts "
                         "folder, and outlook/contacts.csv and outlook/vcards/ hold them too."));
    else
        html_text(out, _("Thunderbird: close Thunderbird, copy the contents of the thunderbird "
                         "folder into the profile's Mail/Local Folders folder, and start it "
                         "again; import contacts.vcf under Tools > Import > Address Books."));
    fputs("</p>\n<p>", out);
    html_text(out, _("Messages that could not be converted are kept, byte for byte, in the "
                     "unconverted folder."));
    fputs("</p>\n", out);
}

void report_write_html(const struct report *r, const struct model_store *store, FILE *out)
{
    const struct report_run *run = report_run(r);
    const struct report_totals *t = report_totals_of(r);
    /* TRANSLATORS: the language code of this catalog, for the page's <html lang>. */
    const char *lang = i18n_active() ? _("en") : "en";
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>", lang);
    html_text(out, _("Mail migration report"));
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    html_text(out, _("Mail migration report"));
    fputs("</h1>\n<dl>", out);
    fputs("<dt>", out);
    html_text(out, _("Moved from"));
    fputs("</dt><dd>", out);
    html_text(out, run->store);
    if (store) {
        fputs(" (", out);
        html_text(out, model_store_kind_name(store->kind));
        fputs(")", out);
    }
    fputs("</dd><dt>", out);
    html_text(out, _("Moved to"));
    fputs("</dt><dd>", out);
    html_text(out, run->target);
    fputs("</dd><dt>", out);
    html_text(out, _("Result"));
    fputs("</dt><dd>", out);
    html_text(out, run->output);
    fputs("</dd></dl>\n", out);

    heading(out, _("Summary"));
    table_head(out, _("Messages found|Written|Not converted|Repaired|Contacts found|"
                      "Contacts written|Problems|Problems with loss"));
    fputs("<tr>", out);
    number_cell(out, t->messages_found);
    number_cell(out, t->messages_written);
    number_cell(out, t->messages_not_converted);
    number_cell(out, t->messages_repaired);
    number_cell(out, t->contacts_found);
    number_cell(out, t->contacts_written);
    number_cell(out, report_problem_count(r));
    number_cell(out, report_lossy_count(r));
    fputs("</tr></tbody></table>\n<p>", out);
    fprintf(out, _("Size found: %llu bytes; size written: %llu bytes."),
            (unsigned long long)t->bytes_found, (unsigned long long)t->bytes_written);
    fputs("</p>\n", out);

    heading(out, _("Where the result is"));
    where_it_went(out, run);

    if (store && store->naccounts) {
        heading(out, _("Settings for the new mail program"));
        for (size_t i = 0; i < store->naccounts; i++)
            account_settings(out, store->accounts[i]);
    }

    heading(out, _("Folders moved"));
    table_head(out, _("Folder|Put in|Found|Written|Unread|Flagged|Bytes"));
    for (size_t i = 0; i < report_folder_count(r); i++) {
        const struct report_folder *f = report_folder_at(r, i);
        fputs("<tr>", out);
        cell(out, f->source);
        fputs("<td>", out);
        for (size_t k = 0; k < f->noutputs; k++) {
            if (k)
                fputs("<br>", out);
            html_text(out, f->outputs[k]);
        }
        fputs("</td>", out);
        number_cell(out, f->found);
        number_cell(out, f->written);
        number_cell(out, f->unread);
        number_cell(out, f->flagged);
        number_cell(out, f->bytes);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);

    heading(out, _("Contacts"));
    if (report_contact_source_count(r)) {
        table_head(out, _("Address book|Kind|Contacts|Skipped"));
        for (size_t i = 0; i < report_contact_source_count(r); i++) {
            const struct report_contact_source *c = report_contact_source_at(r, i);
            fputs("<tr>", out);
            cell(out, c->path);
            cell(out, c->kind);
            number_cell(out, c->contacts);
            number_cell(out, c->skipped);
            fputs("</tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    } else {
        fputs("<p>", out);
        html_text(out, _("No address book was found or given."));
        fputs("</p>\n", out);
    }

    heading(out, _("What could not be moved, and what was changed"));
    if (report_problem_count(r)) {
        table_head(out, _("Lost|Kind|File or folder|What happened"));
        for (size_t i = 0; i < report_problem_count(r); i++) {
            const struct report_problem *p = report_problem_at(r, i);
            bool lost = report_problem_loses(p->kind);
            fprintf(out, "<tr%s><td>%s</td>", lost ? " class=\"lost\"" : "", lost ? "!" : "");
            cell(out, report_problem_name(p->kind));
            cell(out, p->path);
            cell(out, i18n_sentence(p->message));
            fputs("</tr>\n", out);
        }
        fputs("</tbody></table>\n<p>", out);
        html_text(out, _("! = something was lost or not converted (messages: the original is "
                         "kept in unconverted/)."));
        fputs("</p>\n", out);
    } else {
        fputs("<p>", out);
        html_text(out, _("Nothing was lost and nothing needed a repair."));
        fputs("</p>\n", out);
    }
    fprintf(out, "<p><small>wlmigrate, report.json version %d</small></p>\n</body>\n</html>\n",
            REPORT_VERSION);
}
