/* Unit tests for formats/tbprofile/tbprefs.c: prefs.js for a store's accounts, and the Local
 * Folders account --into-profile adds to a profile that has none.
 *
 * Each account kind is checked against the settings Thunderbird 153 reads (the names and values
 * tests/e2e/32-thunderbird-profile.t sees through the real Thunderbird), and an account no
 * profile can hold must be a note saying what to do, never a silent loss. */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "tbprofile/tbprefs.h"
#include "util/xalloc.h"
#include "tap.h"

static struct model_account *account(enum account_kind kind, const char *server, unsigned port,
                                     const char *source)
{
    struct model_account *a = model_account_new();
    a->kind = kind;
    a->server = server ? xstrdup(server) : NULL;
    a->port = port;
    a->source = xstrdup(source);
    a->name = xstrdup(source);
    return a;
}

static void add(struct model_store *s, struct model_account *a)
{
    s->accounts = xgrow(s->accounts, &s->accounts_cap, s->naccounts + 1, sizeof *s->accounts);
    s->accounts[s->naccounts++] = a;
}

static bool has(const struct buf *b, const char *line)
{
    return strstr(buf_str(b), line) != NULL;
}

static size_t notes_of(const struct writer_outcome *o, enum problem_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < o->nnotes; i++)
        n += o->notes[i].kind == kind;
    return n;
}

static void test_accounts(void)
{
    struct model_store s = {0};
    struct model_account *hotmail = account(MODEL_ACCOUNT_POP3, "pop-mail.outlook.com", 995,
                                            "a/hotmail.oeaccount");
    hotmail->security = MODEL_SECURITY_SSL;
    hotmail->user_name = xstrdup("u@hotmail.com");
    hotmail->smtp_server = xstrdup("smtp-mail.outlook.com");
    hotmail->smtp_port = 587;
    hotmail->smtp_security = MODEL_SECURITY_SSL;
    hotmail->display_name = xstrdup("名前 \"引用\"");
    add(&s, hotmail);
    struct model_account *plain = account(MODEL_ACCOUNT_IMAP, "mail.example.jp", 143,
                                          "b/imap.oeaccount");
    add(&s, plain);
    add(&s, account(MODEL_ACCOUNT_NNTP, "news.example.jp", 119, "c/news.oeaccount"));
    add(&s, account(MODEL_ACCOUNT_HTTP, "mail.services.live.com", 0, "d/http.oeaccount"));

    struct buf out = BUF_INIT;
    struct writer_outcome notes = {0};
    tbprefs_write(&out, &s, &notes);
    ok(has(&out, "user_pref(\"mail.server.server1.type\", \"pop3\");\n"), "POP3 account");
    ok(has(&out, "user_pref(\"mail.server.server1.authMethod\", 10);"),
       "Outlook.com's POP3 server takes OAuth2");
    ok(has(&out, "user_pref(\"mail.smtpserver.smtp1.authMethod\", 10);"), "and its SMTP too");
    ok(has(&out, "user_pref(\"mail.smtpserver.smtp1.try_ssl\", 2);"),
       "a secure SMTP connection on 587 is STARTTLS");
    ok(has(&out, "user_pref(\"mail.server.server1.socketType\", 3);"),
       "a secure POP3 connection on 995 is TLS");
    ok(has(&out, "user_pref(\"mail.server.server1.leave_on_server\", true);") &&
           has(&out, "user_pref(\"mail.server.server1.delete_mail_left_on_server\", false);"),
       "POP3 leaves mail on the server and never deletes it there");
    ok(has(&out, "user_pref(\"mail.identity.id1.fullName\", \"名前 \\\"引用\\\"\");"),
       "the name is a JavaScript string, quotes escaped, UTF-8 kept");
    ok(has(&out, "user_pref(\"mail.server.server2.type\", \"imap\");") &&
           has(&out, "user_pref(\"mail.server.server2.socketType\", 0);") &&
           has(&out, "user_pref(\"mail.server.server2.authMethod\", 3);"),
       "a plain IMAP account: no security, normal password");
    ok(!has(&out, "smtp2"), "an account without SMTP server gets none");
    ok(has(&out, "user_pref(\"mail.accountmanager.accounts\", \"account1,account2,account3\");"),
       "two accounts and Local Folders, the news and HTTP accounts left out");
    ok(has(&out, "user_pref(\"mail.server.server3.directory-rel\", \"[ProfD]Mail/Local Folders\");"),
       "Local Folders in Mail/Local Folders");
    ok(!strstr(buf_str(&out), "assword\""), "no password setting");
    is_int((long long)notes_of(&notes, PROBLEM_ACCOUNT_CREATED), 2, "two accounts reported");
    is_int((long long)notes_of(&notes, PROBLEM_ACCOUNT_NOT_CARRIED), 2,
           "the news and HTTP accounts reported as not carried");
    bool advice = false;
    for (size_t i = 0; i < notes.nnotes; i++)
        if (notes.notes[i].kind == PROBLEM_ACCOUNT_NOT_CARRIED &&
            strstr(notes.notes[i].message, "IMAP account (outlook.office365.com"))
            advice = true;
    ok(advice, "the HTTP account's note says to add it as IMAP");
    writer_outcome_free(&notes);
    buf_free(&out);
    for (size_t i = 0; i < s.naccounts; i++)
        model_account_free(s.accounts[i]);
    free(s.accounts);
}

static void test_local_folders(void)
{
    struct error err;
    struct buf p = BUF_INIT;
    buf_puts(&p, "user_pref(\"mail.account.account4.server\", \"server7\");\n"
                 "user_pref(\"mail.accountmanager.accounts\", \"account4\");\n");
    is_int(tbprefs_ensure_local_folders(&p, &err), 1, "no Local Folders: one is added");
    ok(has(&p, "user_pref(\"mail.account.account5.server\", \"server8\");"),
       "under numbers no account uses");
    ok(has(&p, "user_pref(\"mail.accountmanager.accounts\", \"account4,account5\");\n"),
       "added to the accounts, the old ones kept");
    is_int(tbprefs_ensure_local_folders(&p, &err), 0, "then it is there");
    buf_puts(&p, "user_pref(\"mail.accountmanager.localfoldersserver\", \"server9\");\n"
                 "user_pref(\"mail.server.server9.directory-rel\", \"[ProfD]Mail/Local Folders-1\");\n");
    is_int(tbprefs_ensure_local_folders(&p, &err), -1, "Local Folders elsewhere are refused");
    buf_free(&p);
}

/* The reader of a client's prefs.js: only user_pref lines, the last one wins, escapes undone,
 * comments are not preferences, and a file that ends in an open comment is refused. */
static void test_reader(void)
{
    static const char text[] =
        "// Mozilla User Preferences\n"
        "/* user_pref(\"a.b\", \"in a comment\");\n"
        "   user_pref(\"a.b\", \"still one\"); */\n"
        "user_pref(\"a.b\", \"first\");\n"
        "  user_pref( \"a.b\" ,\"\\u5c71\\u7530 \\\"q\\\" \\\\ \\ud83d\\ude00\");\n"
        "user_pref(\"a.c\", \"unclosed);\n"
        "pref(\"a.d\", \"not user_pref\");\n"
        "user_pref(\"a.e\", \"nul \\u0000 here\");\n";
    struct buf v = BUF_INIT;
    ok(tbprefs_string(text, sizeof text - 1, "a.b", &v) &&
           strcmp(buf_str(&v), "\xe5\xb1\xb1\xe7\x94\xb0 \"q\" \\ \xf0\x9f\x98\x80") == 0,
       "the last line wins, unescaped (\\u, a surrogate pair, \\\" and \\\\)");
    ok(!tbprefs_string(text, sizeof text - 1, "a.c", &v), "a literal not closed is no value");
    ok(!tbprefs_string(text, sizeof text - 1, "a.d", &v), "only user_pref lines count");
    ok(!tbprefs_string(text, sizeof text - 1, "a.e", &v), "a NUL makes no value");
    ok(!tbprefs_string(text, 40, "a.b", &v), "the length is respected");

    struct error err;
    struct buf p = BUF_INIT;
    buf_puts(&p, "user_pref(\"mail.accountmanager.accounts\", \"account1\");\n/* open\n");
    size_t before = p.len;
    is_int(tbprefs_ensure_local_folders(&p, &err), -1, "a file ending in a comment is refused");
    ok(p.len == before && strstr(err.msg, "prefs.js"), "unchanged, and the reason is named");
    buf_free(&p);
    buf_free(&v);
}

int main(void)
{
    test_accounts();
    test_local_folders();
    test_reader();
    return tap_done();
}
