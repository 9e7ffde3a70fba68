/* tbprefs: prefs.js with the store's accounts (see tbprefs.h and doc/THUNDERBIRD.md "Profile"). */
#include "tbprofile/tbprefs.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/i18n.h"
#include "util/platform.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* A host is `domain` or one of its subdomains (ASCII case ignored). */
static bool host_in(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    return h >= d && strcasecmp(host + h - d, domain) == 0 &&
           (h == d || host[h - d - 1] == '.');
}

/* The hosts whose providers accept only OAuth2 from mail programs (Google since 2022-05-30,
 * Microsoft's consumer accounts since 2024-09-16), and Thunderbird knows their sign-in page. */
static bool wants_oauth2(const char *host)
{
    static const char *const domains[] = {"gmail.com", "googlemail.com", "outlook.com",
                                          "hotmail.com", "live.com", "office365.com"};
    for (size_t i = 0; host && i < sizeof domains / sizeof domains[0]; i++)
        if (host_in(host, domains[i]))
            return true;
    return false;
}

/* WLM says only "secure connection": on a port where the protocol starts in the clear (SMTP 25
 * and 587, IMAP 143, POP3 110) that is STARTTLS, elsewhere TLS from the start. */
static int socket_type(enum account_security s, unsigned port)
{
    if (s != MODEL_SECURITY_SSL)
        return TBPREFS_SOCKET_PLAIN;
    return port == 25 || port == 587 || port == 143 || port == 110 ? TBPREFS_SOCKET_STARTTLS
                                                                   : TBPREFS_SOCKET_SSL;
}

static const char *socket_name(int type)
{
    return type == TBPREFS_SOCKET_SSL        ? "SSL/TLS"
           : type == TBPREFS_SOCKET_STARTTLS ? "STARTTLS"
                                             : "none";
}

/* A JavaScript string literal of UTF-8 `s`, as prefs.js holds it. */
static void put_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(out, "\\%c", *p);
        else if (*p < 0x20)
            buf_printf(out, "\\u%04x", *p);
        else
            buf_putc(out, (char)*p);
    }
    buf_putc(out, '"');
}

static void pref_str(struct buf *out, const char *name, const char *value)
{
    buf_printf(out, "user_pref(\"%s\", ", name);
    put_string(out, value);
    buf_puts(out, ");\n");
}

static void pref_int(struct buf *out, const char *name, long value)
{
    buf_printf(out, "user_pref(\"%s\", %ld);\n", name, value);
}

static void pref_bool(struct buf *out, const char *name, bool value)
{
    buf_printf(out, "user_pref(\"%s\", %s);\n", name, value ? "true" : "false");
}

/* "mail.server.server3.hostname" */
static void key(char *dst, size_t cap, const char *branch, const char *id, const char *leaf)
{
    snprintf(dst, cap, "%s.%s.%s", branch, id, leaf);
}

/* The authentication Thunderbird uses for the SMTP server of `a`, and the user name with it
 * (`incoming_user` and `incoming_auth` are the incoming server's): OAuth2 for the providers that
 * accept nothing else, otherwise what WLM did. */
static int smtp_auth_method(const struct model_account *a, int incoming_auth,
                            const char *incoming_user, const char **user)
{
    *user = a->smtp_user_name ? a->smtp_user_name : incoming_user;
    if (wants_oauth2(a->smtp_server))
        return TBPREFS_AUTH_OAUTH2;
    switch (a->smtp_auth) {
    case MODEL_SMTP_AUTH_NONE:
        *user = "";
        return TBPREFS_AUTH_NONE;
    case MODEL_SMTP_AUTH_SPA:
        return TBPREFS_AUTH_NTLM;
    case MODEL_SMTP_AUTH_AS_INCOMING:
        *user = incoming_user;
        return incoming_auth;
    case MODEL_SMTP_AUTH_PASSWORD:
        break;
    }
    return TBPREFS_AUTH_PASSWORD;
}

static const char *auth_name(int method)
{
    switch (method) {
    case TBPREFS_AUTH_OAUTH2: return "OAuth2";
    case TBPREFS_AUTH_NONE: return N_("no authentication");
    case TBPREFS_AUTH_NTLM: return N_("NTLM (Secure Password Authentication)");
    default: return N_("normal password");
    }
}

/* What an account we cannot carry should become instead. */
static const char *not_carried_advice(enum account_kind kind)
{
    switch (kind) {
    case MODEL_ACCOUNT_HTTP:
        return "Hotmail's DeltaSync (HTTP) protocol is gone: add the address in Thunderbird as "
               "an IMAP account (outlook.office365.com, OAuth2), its mail is on the server";
    case MODEL_ACCOUNT_NNTP:
        return "a newsgroup account: add it in Thunderbird with File > New > Newsgroup Account";
    case MODEL_ACCOUNT_LDAP:
        return "a directory service: add it in Thunderbird's Address Book as an LDAP directory";
    default:
        return "an account of an unknown kind: set it up in Thunderbird by hand";
    }
}

/* The incoming server, identity and SMTP server of account number `n` (1-based). */
static void write_account(struct buf *out, const struct model_account *a, unsigned n,
                          struct writer_outcome *notes)
{
    char id[32], server[32], smtp[32], k[96];
    snprintf(id, sizeof id, "id%u", n);
    snprintf(server, sizeof server, "server%u", n);
    snprintf(smtp, sizeof smtp, "smtp%u", n);
    bool imap = a->kind == MODEL_ACCOUNT_IMAP;
    const char *user = a->user_name ? a->user_name : (a->email ? a->email : "");
    int auth = wants_oauth2(a->server) ? TBPREFS_AUTH_OAUTH2 : TBPREFS_AUTH_PASSWORD;
    int sock = socket_type(a->security, a->port);

    snprintf(k, sizeof k, "mail.account.account%u.server", n);
    pref_str(out, k, server);
    snprintf(k, sizeof k, "mail.account.account%u.identities", n);
    pref_str(out, k, id);

    key(k, sizeof k, "mail.server", server, "type");
    pref_str(out, k, imap ? "imap" : "pop3");
    key(k, sizeof k, "mail.server", server, "name");
    pref_str(out, k, a->name ? a->name : a->server);
    key(k, sizeof k, "mail.server", server, "hostname");
    pref_str(out, k, a->server);
    key(k, sizeof k, "mail.server", server, "port");
    pref_int(out, k, (long)a->port);
    key(k, sizeof k, "mail.server", server, "socketType");
    pref_int(out, k, sock);
    key(k, sizeof k, "mail.server", server, "userName");
    pref_str(out, k, user);
    key(k, sizeof k, "mail.server", server, "authMethod");
    pref_int(out, k, auth);
    /* never delete mail on the server */
    if (imap) {
        key(k, sizeof k, "mail.server", server, "cleanup_inbox_on_exit");
        pref_bool(out, k, false);
        key(k, sizeof k, "mail.server", server, "empty_trash_on_exit");
        pref_bool(out, k, false);
    } else {
        key(k, sizeof k, "mail.server", server, "leave_on_server");
        pref_bool(out, k, true);
        key(k, sizeof k, "mail.server", server, "delete_mail_left_on_server");
        pref_bool(out, k, false);
        key(k, sizeof k, "mail.server", server, "delete_by_age_from_server");
        pref_bool(out, k, false);
    }

    key(k, sizeof k, "mail.identity", id, "fullName");
    pref_str(out, k, a->display_name ? a->display_name : "");
    key(k, sizeof k, "mail.identity", id, "useremail");
    pref_str(out, k, a->email ? a->email : "");
    if (a->reply_to) {
        key(k, sizeof k, "mail.identity", id, "reply_to");
        pref_str(out, k, a->reply_to);
    }
    if (a->organization) {
        key(k, sizeof k, "mail.identity", id, "organization");
        pref_str(out, k, a->organization);
    }
    key(k, sizeof k, "mail.identity", id, "valid");
    pref_bool(out, k, true);

    int smtp_auth = 0, smtp_sock = 0;
    const char *smtp_user = user;
    if (a->smtp_server) {
        smtp_auth = smtp_auth_method(a, auth, user, &smtp_user);
        smtp_sock = socket_type(a->smtp_security, a->smtp_port);
        key(k, sizeof k, "mail.identity", id, "smtpServer");
        pref_str(out, k, smtp);
        key(k, sizeof k, "mail.smtpserver", smtp, "type");
        pref_str(out, k, "smtp");
        key(k, sizeof k, "mail.smtpserver", smtp, "hostname");
        pref_str(out, k, a->smtp_server);
        key(k, sizeof k, "mail.smtpserver", smtp, "port");
        pref_int(out, k, (long)a->smtp_port);
        key(k, sizeof k, "mail.smtpserver", smtp, "try_ssl");
        pref_int(out, k, smtp_sock);
        key(k, sizeof k, "mail.smtpserver", smtp, "username");
        pref_str(out, k, smtp_user);
        key(k, sizeof k, "mail.smtpserver", smtp, "authMethod");
        pref_int(out, k, smtp_auth);
        key(k, sizeof k, "mail.smtpserver", smtp, "description");
        pref_str(out, k, a->name ? a->name : a->smtp_server);
    }

    const char *name = a->name ? a->name : a->server;
    const char *display = a->display_name ? a->display_name : "";
    const char *email = a->email ? a->email : "";
    const char *reply_label = a->reply_to ? N_(", reply-to ") : "";
    const char *reply = a->reply_to ? a->reply_to : "";
    const char *org_label = a->organization ? N_(", organization ") : "";
    const char *org = a->organization ? a->organization : "";
    if (a->smtp_server)
        writer_outcome_note(notes, PROBLEM_ACCOUNT_CREATED, a->source,
                            "%s account \"%s\": %s:%u %s, user %s, %s; identity %s <%s>%s%s%s%s; "
                            "SMTP %s:%u %s, user %s, %s; no password stored",
                            imap ? "IMAP" : "POP3", name, a->server, a->port, socket_name(sock),
                            user, auth_name(auth), display, email, reply_label, reply, org_label,
                            org, a->smtp_server, a->smtp_port, socket_name(smtp_sock),
                            *smtp_user ? smtp_user : "-", auth_name(smtp_auth));
    else
        writer_outcome_note(notes, PROBLEM_ACCOUNT_CREATED, a->source,
                            "%s account \"%s\": %s:%u %s, user %s, %s; identity %s <%s>%s%s%s%s; "
                            "no SMTP server; no password stored",
                            imap ? "IMAP" : "POP3", name, a->server, a->port, socket_name(sock),
                            user, auth_name(auth), display, email, reply_label, reply, org_label,
                            org);
}

void tbprefs_write(struct buf *out, const struct model_store *store, struct writer_outcome *notes)
{
    buf_puts(out, "// Mozilla User Preferences\n"
                  "// Written by wlmigrate for a new profile: Thunderbird keeps this file up to "
                  "date from now on.\n\n");
    struct buf accounts = BUF_INIT, servers = BUF_INIT;
    unsigned n = 0;
    for (size_t i = 0; i < store->naccounts; i++) {
        const struct model_account *a = store->accounts[i];
        if ((a->kind != MODEL_ACCOUNT_IMAP && a->kind != MODEL_ACCOUNT_POP3) || !a->server) {
            writer_outcome_note(notes, PROBLEM_ACCOUNT_NOT_CARRIED, a->source,
                                "%s account \"%s\" not set up: %s",
                                model_account_kind_name(a->kind), a->name ? a->name : "",
                                not_carried_advice(a->kind));
            continue;
        }
        n++;
        write_account(out, a, n, notes);
        buf_printf(&accounts, "%saccount%u", n > 1 ? "," : "", n);
        if (a->smtp_server)
            buf_printf(&servers, "%ssmtp%u", servers.len ? "," : "", n);
    }
    /* Local Folders: the converted tree is in its directory */
    unsigned local = n + 1;
    char k[96];
    buf_printf(&accounts, "%saccount%u", n ? "," : "", local);
    snprintf(k, sizeof k, "mail.account.account%u.server", local);
    buf_printf(out, "user_pref(\"%s\", \"server%u\");\n", k, local);
    snprintf(k, sizeof k, "server%u", local);
    char kk[128];
    key(kk, sizeof kk, "mail.server", k, "type");
    pref_str(out, kk, "none");
    key(kk, sizeof kk, "mail.server", k, "hostname");
    pref_str(out, kk, "Local Folders");
    key(kk, sizeof kk, "mail.server", k, "name");
    pref_str(out, kk, "Local Folders");
    key(kk, sizeof kk, "mail.server", k, "userName");
    pref_str(out, kk, "nobody");
    key(kk, sizeof kk, "mail.server", k, "directory-rel");
    pref_str(out, kk, "[ProfD]Mail/Local Folders");
    key(kk, sizeof kk, "mail.server", k, "storeContractID");
    pref_str(out, kk, "@mozilla.org/msgstore/berkeleystore;1");
    pref_str(out, "mail.accountmanager.localfoldersserver", k);

    pref_str(out, "mail.accountmanager.accounts", buf_str(&accounts));
    snprintf(k, sizeof k, "account%u", n ? 1 : local);
    pref_str(out, "mail.accountmanager.defaultaccount", k);
    pref_str(out, "mail.smtpservers", buf_str(&servers));
    if (servers.len) {
        char first[16];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(buf_str(&servers), ","),
                 buf_str(&servers));
        pref_str(out, "mail.smtp.defaultserver", first);
    }
    buf_free(&accounts);
    buf_free(&servers);
}

void tbprefs_address_book(struct buf *out, const char *id, const char *name, const char *file)
{
    char k[160];
    key(k, sizeof k, "ldap_2.servers", id, "description");
    pref_str(out, k, name);
    key(k, sizeof k, "ldap_2.servers", id, "dirType");
    pref_int(out, k, 101); /* a JS (SQLite) address book */
    key(k, sizeof k, "ldap_2.servers", id, "filename");
    pref_str(out, k, file);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A JavaScript string literal at `p` (before `end`, which a line end also ends), unescaped
 * into `out` as prefs.js means it: \\ \" \' \n \r \t, \xHH and \uXXXX (a surrogate pair as one
 * character) are decoded, any other escaped character stands for itself. Where it ends (after the
 * closing quote), or NULL when there is no closed literal or it holds a NUL, which a C string
 * cannot carry. */
static const char *read_literal(const char *p, const char *end, struct buf *out)
{
    if (p >= end || *p != '"')
        return NULL;
    buf_reset(out);
    for (p++; p < end && *p != '\n'; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\0')
            return NULL;
        if (*p != '\\' || p + 1 >= end) {
            buf_putc(out, *p);
            continue;
        }
        char c = *++p;
        if (c == '\0')
            return NULL;
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 0;
        if (!digits) {
            buf_putc(out, c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c);
            continue;
        }
        uint32_t u = 0;
        for (int i = 0; i < digits; i++) {
            int h = p + 1 < end ? hex_digit(p[1]) : -1;
            if (h < 0)
                return NULL;
            u = u << 4 | (uint32_t)h;
            p++;
        }
        if (u >= 0xD800 && u < 0xDC00 && end - p > 6 && p[1] == '\\' && p[2] == 'u') {
            uint32_t lo = 0;
            int i = 0;
            for (; i < 4 && hex_digit(p[3 + i]) >= 0; i++)
                lo = lo << 4 | (uint32_t)hex_digit(p[3 + i]);
            if (i == 4 && lo >= 0xDC00 && lo < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
        }
        if (u == 0)
            return NULL;
        if (u >= 0xD800 && u < 0xE000)
            u = 0xFFFD; /* a lone surrogate */
        char utf8[4];
        buf_append(out, utf8, utf8_encode(u, utf8));
    }
    return NULL;
}

/* tbprefs_string(), also saying whether the text ends inside a block comment (then whatever is
 * appended to it would be a comment too). */
static bool scan_prefs(const char *text, size_t len, const char *name, struct buf *value,
                       bool *ends_in_comment)
{
    static const char call[] = "user_pref(";
    struct buf key = BUF_INIT, val = BUF_INIT;
    bool found = false, in_comment = false;
    for (const char *line = text, *stop = text + len; line < stop;) {
        const char *eol = memchr(line, '\n', (size_t)(stop - line));
        if (!eol)
            eol = stop;
        const char *p = line;
        while (p < eol && (*p == ' ' || *p == '\t'))
            p++;
        if (in_comment) {
            in_comment = !memmem(p, (size_t)(eol - p), "*/", 2);
        } else if (eol - p >= 2 && p[0] == '/' && p[1] == '*') {
            in_comment = !memmem(p + 2, (size_t)(eol - p - 2), "*/", 2);
        } else if ((size_t)(eol - p) > sizeof call - 1 && memcmp(p, call, sizeof call - 1) == 0) {
            p += sizeof call - 1;
            while (p < eol && (*p == ' ' || *p == '\t'))
                p++;
            p = read_literal(p, eol, &key);
            while (p && p < eol && (*p == ' ' || *p == '\t' || *p == ','))
                p++;
            if (p && read_literal(p, eol, &val) && strlen(buf_str(&key)) == key.len &&
                strcmp(buf_str(&key), name) == 0) {
                buf_reset(value);
                buf_append(value, val.data, val.len);
                found = true;
            }
        }
        line = eol + 1;
    }
    buf_free(&key);
    buf_free(&val);
    *ends_in_comment = in_comment;
    return found;
}

bool tbprefs_string(const char *text, size_t len, const char *name, struct buf *value)
{
    bool in_comment;
    return scan_prefs(text, len, name, value, &in_comment);
}

/* 1 + the largest N of `prefix`N (digits right after it) anywhere in the text, so that
 * `prefix`N names nothing the profile has, wherever it is written. */
static unsigned next_number(const char *text, size_t len, const char *prefix)
{
    unsigned next = 1;
    size_t plen = strlen(prefix);
    for (const char *p = text, *stop = text + len;
         (p = memmem(p, (size_t)(stop - p), prefix, plen)) != NULL; p++) {
        unsigned long n = 0;
        const char *d = p + plen;
        for (; d < stop && *d >= '0' && *d <= '9' && n < UINT_MAX; d++)
            n = n * 10 + (unsigned long)(*d - '0');
        if (d > p + plen && n < UINT_MAX - 1 && n + 1 > next)
            next = (unsigned)n + 1;
    }
    return next;
}

int tbprefs_ensure_local_folders(struct buf *prefs, struct error *err)
{
    /* `prefs` grows below: read the old text from a copy */
    size_t len = prefs->len;
    char *text = xmalloc(len + 1);
    memcpy(text, prefs->data ? prefs->data : "", len);
    struct buf server = BUF_INIT, dir = BUF_INIT, accounts = BUF_INIT;
    int rc = 0;
    bool in_comment;
    bool has_local = scan_prefs(text, len, "mail.accountmanager.localfoldersserver", &server,
                                &in_comment);
    if (in_comment) {
        error_set(err, "this profile's prefs.js ends inside a comment (/* without */), so "
                       "nothing can be added to it: start Thunderbird on the profile once and "
                       "close it, so that it writes the file again");
        rc = -1;
    } else if (has_local) {
        char *rel = xasprintf("mail.server.%s.directory-rel", buf_str(&server));
        if (tbprefs_string(text, len, rel, &dir) && strcmp(buf_str(&dir), "[ProfD]Mail/Local Folders") != 0) {
            error_set(err, "this profile keeps Local Folders in %s, not in Mail/Local Folders: "
                      "move them back in Thunderbird's account settings, or use -o OUT and copy "
                      "the folders by hand", buf_str(&dir));
            rc = -1;
        }
        free(rel);
    } else {
        /* names as keys ("mail.server.server7.type") and as values ("server7") */
        unsigned a = next_number(text, len, "account");
        unsigned s = next_number(text, len, "server");
        char acc[32], srv[32], k[96];
        snprintf(acc, sizeof acc, "account%u", a);
        snprintf(srv, sizeof srv, "server%u", s);
        if (prefs->len && prefs->data[prefs->len - 1] != '\n')
            buf_putc(prefs, '\n');
        key(k, sizeof k, "mail.account", acc, "server");
        pref_str(prefs, k, srv);
        static const char *const local[][2] = {
            {"type", "none"}, {"hostname", "Local Folders"}, {"name", "Local Folders"},
            {"userName", "nobody"}, {"directory-rel", "[ProfD]Mail/Local Folders"},
            {"storeContractID", "@mozilla.org/msgstore/berkeleystore;1"}};
        for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
            key(k, sizeof k, "mail.server", srv, local[i][0]);
            pref_str(prefs, k, local[i][1]);
        }
        pref_str(prefs, "mail.accountmanager.localfoldersserver", srv);
        tbprefs_string(text, len, "mail.accountmanager.accounts", &accounts);
        if (accounts.len)
            buf_putc(&accounts, ',');
        buf_puts(&accounts, acc);
        pref_str(prefs, "mail.accountmanager.accounts", buf_str(&accounts));
        rc = 1;
    }
    buf_free(&server);
    buf_free(&dir);
    buf_free(&accounts);
    free(text);
    return rc;
}
