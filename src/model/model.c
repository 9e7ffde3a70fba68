/* model: constructors, destructors and names for the store model, and the FILETIME
 * conversions (see model.h). */
#include "model/model.h"

#include <stdlib.h>

#include "util/xalloc.h"

#define TICKS_PER_SECOND 10000000u
#define EPOCH_SECONDS ((int64_t)(MODEL_FILETIME_UNIX_EPOCH / TICKS_PER_SECOND)) /* 11644473600 */

uint64_t model_time_to_filetime(int64_t t)
{
    if (t == MODEL_TIME_UNKNOWN || t < -EPOCH_SECONDS ||
        t > (int64_t)(UINT64_MAX / TICKS_PER_SECOND) - EPOCH_SECONDS)
        return 0;
    return (uint64_t)(t + EPOCH_SECONDS) * TICKS_PER_SECOND;
}

int64_t model_time_from_filetime(uint64_t ft)
{
    if (ft >= MODEL_FILETIME_UNIX_EPOCH)
        return (int64_t)((ft - MODEL_FILETIME_UNIX_EPOCH) / TICKS_PER_SECOND);
    return -(int64_t)((MODEL_FILETIME_UNIX_EPOCH - ft) / TICKS_PER_SECOND);
}

const char *model_account_kind_name(enum account_kind kind)
{
    switch (kind) {
    case MODEL_ACCOUNT_POP3: return "pop3";
    case MODEL_ACCOUNT_IMAP: return "imap";
    case MODEL_ACCOUNT_HTTP: return "http";
    case MODEL_ACCOUNT_NNTP: return "nntp";
    case MODEL_ACCOUNT_LDAP: return "ldap";
    case MODEL_ACCOUNT_UNKNOWN: break;
    }
    return "unknown";
}

const char *model_security_name(enum account_security s)
{
    return s == MODEL_SECURITY_SSL ? "ssl" : "none";
}

const char *model_smtp_auth_name(enum smtp_auth a)
{
    switch (a) {
    case MODEL_SMTP_AUTH_NONE: return "none";
    case MODEL_SMTP_AUTH_SPA: return "spa";
    case MODEL_SMTP_AUTH_AS_INCOMING: return "as_incoming";
    case MODEL_SMTP_AUTH_PASSWORD: return "password";
    }
    return "password";
}

const char *model_special_name(enum folder_special s)
{
    switch (s) {
    case MODEL_FOLDER_INBOX: return "inbox";
    case MODEL_FOLDER_OUTBOX: return "outbox";
    case MODEL_FOLDER_SENT: return "sent";
    case MODEL_FOLDER_DELETED: return "deleted";
    case MODEL_FOLDER_DRAFTS: return "drafts";
    case MODEL_FOLDER_JUNK: return "junk";
    case MODEL_FOLDER_NORMAL: break;
    }
    return NULL;
}

const char *model_store_kind_name(enum store_kind kind)
{
    switch (kind) {
    case MODEL_STORE_WLM: return "wlm";
    case MODEL_STORE_WINMAIL: return "windows-mail";
    case MODEL_STORE_EML_TREE: return "eml-tree";
    }
    return "unknown";
}

const char *model_database_name(enum model_database d)
{
    switch (d) {
    case MODEL_DB_NONE: return "none";
    case MODEL_DB_MISSING: return "missing";
    case MODEL_DB_OK: return "ok";
    case MODEL_DB_DIRTY: return "dirty";
    case MODEL_DB_BACKUP: return "backup";
    case MODEL_DB_UNREADABLE: return "unreadable";
    case MODEL_DB_MISMATCH: return "mismatch";
    }
    return "unknown";
}

struct model_account *model_account_new(void)
{
    return xcalloc(1, sizeof(struct model_account));
}

void model_account_free(struct model_account *a)
{
    if (!a)
        return;
    free(a->source);
    free(a->name);
    free(a->server);
    free(a->user_name);
    free(a->root_folder);
    free(a->smtp_server);
    free(a->smtp_user_name);
    free(a->display_name);
    free(a->email);
    free(a->reply_to);
    free(a->organization);
    free(a);
}

struct model_folder *model_folder_new(struct model_folder *parent, const char *name,
                                      const char *source)
{
    struct model_folder *f = xcalloc(1, sizeof *f);
    f->name = xstrdup(name);
    f->source = xstrdup(source);
    f->parent = parent;
    if (parent) {
        parent->children = xgrow(parent->children, &parent->children_cap, parent->nchildren + 1,
                                 sizeof *parent->children);
        parent->children[parent->nchildren++] = f;
        f->account = parent->account;
    }
    return f;
}

void model_folder_add_file(struct model_folder *f, const char *relpath)
{
    f->files = xgrow(f->files, &f->files_cap, f->nfiles + 1, sizeof *f->files);
    f->files[f->nfiles++] = xstrdup(relpath);
}

void model_folder_free(struct model_folder *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nfiles; i++)
        free(f->files[i]);
    free(f->files);
    for (size_t i = 0; i < f->nchildren; i++)
        model_folder_free(f->children[i]);
    free(f->children);
    free(f->name);
    free(f->source);
    free(f);
}

size_t model_folder_total_messages(const struct model_folder *f)
{
    size_t n = f->messages;
    for (size_t i = 0; i < f->nchildren; i++)
        n += model_folder_total_messages(f->children[i]);
    return n;
}

struct model_store *model_store_new(const char *root, enum store_kind kind)
{
    struct model_store *s = xcalloc(1, sizeof *s);
    s->root = xstrdup(root);
    s->kind = kind;
    s->top = model_folder_new(NULL, "", "");
    return s;
}

void model_store_add_account(struct model_store *s, struct model_account *a)
{
    s->accounts = xgrow(s->accounts, &s->accounts_cap, s->naccounts + 1, sizeof *s->accounts);
    s->accounts[s->naccounts++] = a;
}

void model_store_free(struct model_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->naccounts; i++)
        model_account_free(s->accounts[i]);
    free(s->accounts);
    model_folder_free(s->top);
    if (s->reader_data_free)
        s->reader_data_free(s->reader_data);
    free(s->database);
    free(s->root);
    free(s);
}
