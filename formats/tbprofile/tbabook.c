/* tbabook: abook.sqlite in Thunderbird's schema (see tbabook.h). */
#include "tbprofile/tbabook.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/platform.h"
#include "util/xalloc.h"

static const char schema[] =
    "PRAGMA user_version = 4;"
    "CREATE TABLE properties (card TEXT, name TEXT, value TEXT);"
    "CREATE TABLE lists (uid TEXT PRIMARY KEY, name TEXT, nickName TEXT, description TEXT);"
    "CREATE TABLE list_cards (list TEXT, card TEXT, PRIMARY KEY(list, card));"
    "CREATE INDEX properties_card ON properties(card);"
    "CREATE INDEX properties_name ON properties(name);";

/* A version-4-shaped UUID from the bytes of `s` and `salt` (two FNV-1a hashes): stable output. */
static void uuid_of(const char *s, size_t len, unsigned salt, char out[37])
{
    uint64_t h[2] = {0xcbf29ce484222325ull ^ salt, 0x84222325cbf29ce4ull ^ (salt * 31u)};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < len; i++)
            h[k] = (h[k] ^ (unsigned char)s[i]) * (k ? 0x100000001b3ull : 0x100000001b5ull);
    unsigned char b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(h[0] >> (8 * i));
        b[8 + i] = (unsigned char)(h[1] >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

struct abook {
    sqlite3 *db;
    sqlite3_stmt *prop;
    const char *path;
    struct error *err;
};

static int fail(struct abook *a, const char *what)
{
    error_set(a->err, "cannot write %s (%s: %s)", a->path, what, sqlite3_errmsg(a->db));
    return -1;
}

/* One property row; a NULL or empty value is left out, as Thunderbird does. */
static int put(struct abook *a, const char *card, const char *name, const char *value)
{
    if (!value || !*value)
        return 0;
    sqlite3_reset(a->prop);
    sqlite3_bind_text(a->prop, 1, card, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->prop, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->prop, 3, value, -1, SQLITE_TRANSIENT);
    return sqlite3_step(a->prop) == SQLITE_DONE ? 0 : fail(a, "a card");
}

/* The vCard with UID inserted before END:VCARD. */
static char *with_uid(const char *vcard, const char *uid)
{
    const char *end = strstr(vcard, "END:VCARD");
    if (!end)
        return xstrdup(vcard);
    return xasprintf("%.*sUID:%s\r\n%s", (int)(end - vcard), vcard, uid, end);
}

static int put_card(struct abook *a, const struct contact *c, const char *uid, const char *vcard,
                    const char *modified)
{
    char *name = contact_best_name(c);
    char *card = with_uid(vcard, uid);
    int rc = put(a, uid, "_vCard", card);
    if (rc == 0)
        rc = put(a, uid, "DisplayName", c->display ? c->display : name);
    if (rc == 0)
        rc = put(a, uid, "FirstName", c->given);
    if (rc == 0)
        rc = put(a, uid, "LastName", c->family);
    if (rc == 0 && c->n_emails > 0)
        rc = put(a, uid, "PrimaryEmail", c->emails[0].value);
    if (rc == 0 && c->n_emails > 1)
        rc = put(a, uid, "SecondEmail", c->emails[1].value);
    if (rc == 0)
        rc = put(a, uid, "PopularityIndex", "0");
    if (rc == 0)
        rc = put(a, uid, "LastModifiedDate", modified);
    free(card);
    free(name);
    return rc;
}

/* Each category as a mailing list of the contacts in it, in order of first appearance. */
static int put_lists(struct abook *a, const struct contact_list *l, char (*uids)[37])
{
    sqlite3_stmt *list = NULL, *member = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(a->db, "INSERT INTO lists VALUES (?, ?, '', '')", -1, &list, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(a->db, "INSERT OR IGNORE INTO list_cards VALUES (?, ?)", -1, &member,
                           NULL) != SQLITE_OK)
        rc = fail(a, "the lists");
    for (size_t i = 0; rc == 0 && i < l->count; i++) {
        for (size_t k = 0; rc == 0 && k < l->items[i]->n_categories; k++) {
            const char *cat = l->items[i]->categories[k];
            bool seen = false; /* made already for an earlier contact, or twice in this one */
            for (size_t j = 0; j <= i && !seen; j++)
                for (size_t m = 0; m < l->items[j]->n_categories && !seen; m++)
                    if ((j < i || m < k) && strcmp(l->items[j]->categories[m], cat) == 0)
                        seen = true;
            if (seen)
                continue;
            char luid[37];
            uuid_of(cat, strlen(cat), 0x4c495354u, luid);
            sqlite3_reset(list);
            sqlite3_bind_text(list, 1, luid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(list, 2, cat, -1, SQLITE_STATIC);
            if (sqlite3_step(list) != SQLITE_DONE)
                rc = fail(a, "a list");
            for (size_t j = i; rc == 0 && j < l->count; j++)
                for (size_t m = 0; rc == 0 && m < l->items[j]->n_categories; m++) {
                    if (strcmp(l->items[j]->categories[m], cat) != 0)
                        continue;
                    sqlite3_reset(member);
                    sqlite3_bind_text(member, 1, luid, -1, SQLITE_TRANSIENT);
                    sqlite3_bind_text(member, 2, uids[j], -1, SQLITE_TRANSIENT);
                    if (sqlite3_step(member) != SQLITE_DONE)
                        rc = fail(a, "a list member");
                }
        }
    }
    sqlite3_finalize(list);
    sqlite3_finalize(member);
    return rc;
}

int tbabook_write(const char *path, const struct contact_list *contacts, tbabook_vcard_fn vcard,
                  struct error *err)
{
    struct abook a = {.path = path, .err = err};
    if (sqlite3_open_v2(path, &a.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        error_set(err, "cannot create %s: %s", path, a.db ? sqlite3_errmsg(a.db) : "no memory");
        sqlite3_close(a.db);
        return -1;
    }
    int rc = 0;
    if (sqlite3_exec(a.db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(a.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(&a, "the schema");
    if (rc == 0 && sqlite3_prepare_v2(a.db, "INSERT INTO properties VALUES (?, ?, ?)", -1,
                                      &a.prop, NULL) != SQLITE_OK)
        rc = fail(&a, "the cards");
    char modified[32];
    snprintf(modified, sizeof modified, "%lld", (long long)time(NULL));
    char (*uids)[37] = xcalloc(contacts->count + 1, sizeof *uids);
    for (size_t i = 0; rc == 0 && i < contacts->count; i++) {
        struct buf text = BUF_INIT;
        vcard(&text, contacts->items[i]);
        char salted[64];
        snprintf(salted, sizeof salted, "%zu", i);
        struct buf key = BUF_INIT;
        buf_printf(&key, "%s\n%s", salted, buf_str(&text));
        uuid_of(key.data, key.len, 0, uids[i]);
        buf_free(&key);
        rc = put_card(&a, contacts->items[i], uids[i], buf_str(&text), modified);
        buf_free(&text);
    }
    if (rc == 0)
        rc = put_lists(&a, contacts, uids);
    free(uids);
    sqlite3_finalize(a.prop);
    if (rc == 0 && sqlite3_exec(a.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(&a, "the commit");
    if (sqlite3_close(a.db) != SQLITE_OK && rc == 0) {
        error_set(err, "cannot close %s", path);
        rc = -1;
    }
    if (rc != 0)
        plat_unlink(path);
    return rc;
}
