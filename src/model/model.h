/* model: what a reader yields and what writers consume.
 *
 * A store is a tree of folders plus the accounts found beside it. Messages are not held here:
 * a reader walks one folder at a time and hands out `struct model_message` values that live only
 * for the duration of a callback, so memory does not grow with the store.
 *
 * Ownership: a store owns its accounts and its folder tree; model_store_free() frees all of it
 * and accepts NULL. Strings are UTF-8 unless said otherwise; `source` paths are the bytes found
 * on disk, relative to the store root, with '/' separators. */
#ifndef WLMIGRATE_MODEL_H
#define WLMIGRATE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum account_kind {
    MODEL_ACCOUNT_UNKNOWN = 0,
    MODEL_ACCOUNT_POP3,
    MODEL_ACCOUNT_IMAP,
    MODEL_ACCOUNT_HTTP, /* Hotmail / DeltaSync */
    MODEL_ACCOUNT_NNTP,
    MODEL_ACCOUNT_LDAP,
};

/* Connection security as the .oeaccount says it; NONE also when the setting is absent. */
enum account_security {
    MODEL_SECURITY_NONE = 0,
    MODEL_SECURITY_SSL,      /* *_Secure_Connection = 1: TLS from the start (or STARTTLS on 25/587) */
};

/* How the SMTP server is logged on to: SMTP_Use_Sicily's value (the check boxes "My outgoing
 * server requires authentication" and "Log on using"); NONE also when the setting is absent. */
enum smtp_auth {
    MODEL_SMTP_AUTH_NONE = 0,        /* 0: no authentication */
    MODEL_SMTP_AUTH_SPA = 1,         /* 1: Secure Password Authentication (NTLM) */
    MODEL_SMTP_AUTH_AS_INCOMING = 2, /* 2: the incoming server's user name and password */
    MODEL_SMTP_AUTH_PASSWORD = 3,    /* 3: SMTP_User_Name and its own password; any other value */
};

struct model_account {
    char *source;       /* the .oeaccount file, relative to the store root */
    char *name;         /* Account_Name; never derived from the directory name */
    enum account_kind kind;
    char *server;       /* incoming server (IMAP/POP3/NNTP/LDAP/HTTP), or NULL */
    unsigned port;      /* incoming port, the protocol's default when not written */
    enum account_security security;
    char *user_name;    /* incoming user name, or NULL */
    bool secure_auth;   /* *_Use_Sicily: secure password authentication */
    bool leave_on_server; /* POP3 only */
    char *root_folder;  /* IMAP_Root_Folder, or NULL */
    char *smtp_server;  /* NULL when none */
    unsigned smtp_port;
    enum account_security smtp_security;
    char *smtp_user_name;
    enum smtp_auth smtp_auth;
    char *display_name; /* SMTP_Display_Name, or NNTP_Display_Name for news */
    char *email;        /* SMTP_Email_Address, or NNTP_Email_Address for news */
    char *reply_to;
    char *organization; /* SMTP_Organization_Name (NNTP_ for news), or NULL */
    bool is_gmail;      /* a server under gmail.com / googlemail.com */
};

enum folder_special {
    MODEL_FOLDER_NORMAL = 0,
    MODEL_FOLDER_INBOX,
    MODEL_FOLDER_OUTBOX,
    MODEL_FOLDER_SENT,
    MODEL_FOLDER_DELETED,
    MODEL_FOLDER_DRAFTS,
    MODEL_FOLDER_JUNK,
};

struct model_folder {
    char *name;            /* display name (UTF-8, valid) */
    char *source;          /* directory relative to the store root ("" for the root itself) */
    enum folder_special special;
    struct model_account *account; /* the account this folder belongs to, or NULL (local) */
    struct model_folder *parent;   /* NULL for the invisible root */
    struct model_folder **children;
    size_t nchildren;
    size_t children_cap;
    /* Filled by the walk: files that look like messages in this folder alone. */
    size_t messages;
    /* Their bytes, counted by the pipeline as it opens them (see writer.h's date_order). */
    uint64_t bytes;
    bool unlisted;         /* the directory could not be listed (already reported) */
    size_t unread;         /* of `messages`, those the store records as unread */
    size_t with_state;     /* of `messages`, those whose state the store records */
    /* A folder made by the reader rather than found on disk (Recovered) lists its files here,
     * relative to the store root; NULL for a directory. */
    char **files;
    size_t nfiles, files_cap;
};

enum store_kind {
    MODEL_STORE_WLM,        /* Windows Live Mail 2009-2012 */
    MODEL_STORE_WINMAIL,    /* Windows Mail (Vista) */
    MODEL_STORE_EML_TREE,   /* a plain folder tree of .eml files */
};

enum model_database {
    MODEL_DB_NONE = 0,    /* this kind of store has no database (a plain .eml tree) */
    MODEL_DB_MISSING,     /* a WLM / Windows Mail store without its database */
    MODEL_DB_OK,
    MODEL_DB_DIRTY,       /* read, but not shut down cleanly: recent changes may be missing */
    MODEL_DB_BACKUP,      /* the main database could not be read; WLM's backup copy was used */
    MODEL_DB_UNREADABLE,  /* present but unreadable (and no usable backup) */
    MODEL_DB_MISMATCH,    /* read, but it does not describe these files: used for state only */
};

const char *model_database_name(enum model_database d); /* "none", "missing", "ok", ... */

struct model_store {
    char *root;           /* the store's directory as given or found (absolute) */
    enum store_kind kind;
    struct model_account **accounts;
    size_t naccounts;
    size_t accounts_cap;
    struct model_folder *top; /* invisible root; its children are the top-level folders */
    size_t messages;      /* files that look like messages, whole store */
    uint64_t bytes;       /* their bytes, counted by the pipeline as it opens them */
    /* Where message state came from. */
    enum model_database database_state;
    char *database;       /* the database file used, relative to the store root, or NULL */
    /* Private to the reader that opened the store. */
    void *reader_data;
    void (*reader_data_free)(void *data);
};

/* Message state bits as a store knows them (independent of any target's encoding). */
enum {
    MODEL_MSG_READ = 1u << 0,
    MODEL_MSG_REPLIED = 1u << 1,
    MODEL_MSG_FORWARDED = 1u << 2,
    MODEL_MSG_FLAGGED = 1u << 3,
};

#define MODEL_TIME_UNKNOWN INT64_MIN

/* Windows FILETIME: 100-nanosecond ticks since 1601-01-01 00:00 UTC, as the WLM database and
 * PST files store times. MODEL_FILETIME_UNIX_EPOCH is 1970-01-01 00:00 UTC in it. */
#define MODEL_FILETIME_UNIX_EPOCH 116444736000000000ull
/* Unix time to FILETIME; 0 for MODEL_TIME_UNKNOWN and for times before 1601 or beyond what a
 * FILETIME holds. */
uint64_t model_time_to_filetime(int64_t unix_seconds);
/* FILETIME to Unix time in whole seconds, the fraction dropped toward 1970 (as C's integer
 * division does: 0.5 s before 1970 gives 0). Every FILETIME has one; range checks are the
 * caller's. */
int64_t model_time_from_filetime(uint64_t filetime);

/* Whether the store says a message's body was downloaded (WLM's database flag 0x1). */
enum model_body {
    MODEL_BODY_UNKNOWN = 0,
    MODEL_BODY_DOWNLOADED,
    MODEL_BODY_HEADERS_ONLY,
};

struct plat_dir; /* util/platform.h */

/* One message file as a reader hands it out: valid during the callback only. The reader names
 * it and tells what the store knows of it; the file's own size and time are the pipeline's to
 * fill, from the file it opens (a reader leaves them 0 and MODEL_TIME_UNKNOWN). */
struct model_message {
    const char *source;   /* relative to the store root */
    const char *path;     /* absolute path, for opening */
    uint64_t size;
    int64_t received;     /* Unix time the store recorded, or MODEL_TIME_UNKNOWN */
    int64_t mtime;        /* the file's modification time */
    uint32_t state;       /* MSG_STATE_* bits; meaningful only when state_known */
    bool state_known;
    enum model_body body; /* what the store says was downloaded */
    /* The directory it is listed in, open, and its name there, or NULL: opened by name in it,
     * the file costs the system no walk down `path`. Valid during the callback only. */
    struct plat_dir *dir;
    const char *name;
};

const char *model_account_kind_name(enum account_kind kind); /* "pop3", "imap", ... */
const char *model_security_name(enum account_security s);    /* "none", "ssl" */
/* "none", "spa", "as_incoming", "password" */
const char *model_smtp_auth_name(enum smtp_auth a);
const char *model_special_name(enum folder_special s);       /* "inbox", ..., NULL for normal */
const char *model_store_kind_name(enum store_kind kind);     /* "wlm", "windows-mail", "eml-tree" */

struct model_account *model_account_new(void);
void model_account_free(struct model_account *a);

/* A new folder, appended to `parent`'s children when parent is not NULL. Takes copies. */
struct model_folder *model_folder_new(struct model_folder *parent, const char *name,
                                      const char *source);
void model_folder_free(struct model_folder *f); /* and its subtree */
/* Adds a file (relative to the store root) to a reader-made folder's list. */
void model_folder_add_file(struct model_folder *f, const char *relpath);
/* Messages and bytes of a folder and all below it. */
size_t model_folder_total_messages(const struct model_folder *f);

struct model_store *model_store_new(const char *root, enum store_kind kind);
void model_store_add_account(struct model_store *s, struct model_account *a); /* takes ownership */
void model_store_free(struct model_store *s);

#endif
