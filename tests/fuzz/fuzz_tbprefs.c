/* fuzz_tbprefs: libFuzzer harness for the prefs.js reader of --into-profile
 * (formats/tbprofile/tbprefs.c: tbprefs_string and tbprefs_ensure_local_folders).
 *
 * Each input is the prefs.js of a client's existing profile, which the program reads and then
 * appends to. It must never touch what is there: when a Local Folders account is added, the old
 * bytes stay the first bytes, and the lines added give, read back by the same reader, an account
 * and a server under names the old text did not use, Local Folders in [ProfD]Mail/Local
 * Folders, and the account list of the old text with the new account at its end; a second call
 * then finds it and adds nothing. A refusal (Local Folders elsewhere, or a file that ends inside
 * a block comment, where every added line would be a comment) says why and changes nothing. Every value written
 * is read back as it was written (the escaper and the unescaper agree).
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_tbprefs
 *   build-fuzz/fuzz_tbprefs -max_total_time=600 build-fuzz/corpus-tbprefs tests/fuzz/seeds-tbprefs */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbprofile/tbprefs.h"
#include "util/buf.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz_tbprefs: %s (%s:%d)\n", what, __FILE__, __LINE__);             \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

static bool read_pref(const struct buf *b, const char *name, struct buf *value)
{
    return tbprefs_string(b->data ? b->data : "", b->len, name, value);
}

/* The value of `name` in `b` is exactly `want`. */
static bool pref_is(const struct buf *b, const char *name, const char *want)
{
    struct buf v = BUF_INIT;
    bool same = read_pref(b, name, &v) && v.len == strlen(want) &&
                memcmp(v.data, want, v.len) == 0;
    buf_free(&v);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf old = BUF_INIT, prefs = BUF_INIT, v = BUF_INIT;
    buf_append(&old, data, size);
    buf_append(&prefs, data, size);
    struct error err = {{0}};
    int rc = tbprefs_ensure_local_folders(&prefs, &err);
    CHECK(rc >= -1 && rc <= 1, "an answer out of range");
    if (rc == -1) {
        CHECK(strstr(err.msg, "Local Folders") || strstr(err.msg, "prefs.js"),
              "a refusal that says nothing");
        CHECK(prefs.len == size && (size == 0 || memcmp(prefs.data, data, size) == 0),
              "a refusal changed the file");
    } else if (rc == 0) {
        CHECK(prefs.len == size && (size == 0 || memcmp(prefs.data, data, size) == 0),
              "the file changed although it had Local Folders");
        CHECK(read_pref(&old, "mail.accountmanager.localfoldersserver", &v),
              "no Local Folders server, and none added");
    } else {
        CHECK(prefs.len > size && (size == 0 || memcmp(prefs.data, data, size) == 0),
              "the old bytes were changed");
        struct buf server = BUF_INIT, account = BUF_INIT, key = BUF_INIT;
        CHECK(read_pref(&prefs, "mail.accountmanager.localfoldersserver", &server),
              "the added Local Folders server cannot be read back");
        buf_printf(&key, "mail.server.%s.directory-rel", buf_str(&server));
        CHECK(pref_is(&prefs, buf_str(&key), "[ProfD]Mail/Local Folders"),
              "the added server does not point at Mail/Local Folders");
        buf_reset(&key);
        buf_printf(&key, "mail.server.%s.type", buf_str(&server));
        CHECK(pref_is(&prefs, buf_str(&key), "none"), "the added server is not local");
        CHECK(!read_pref(&old, buf_str(&key), &v), "the server's name was already used");

        /* The account list: the old one with the new account at its end. */
        struct buf accounts = BUF_INIT;
        CHECK(read_pref(&prefs, "mail.accountmanager.accounts", &accounts), "no account list");
        const char *last = strrchr(buf_str(&accounts), ',');
        last = last ? last + 1 : buf_str(&accounts);
        buf_puts(&account, last);
        struct buf want = BUF_INIT;
        if (read_pref(&old, "mail.accountmanager.accounts", &v) && v.len)
            buf_printf(&want, "%s,", buf_str(&v));
        buf_puts(&want, buf_str(&account));
        CHECK(accounts.len == want.len && memcmp(accounts.data, want.data, want.len) == 0,
              "the old account list was not kept as it was");
        buf_reset(&key);
        buf_printf(&key, "mail.account.%s.server", buf_str(&account));
        CHECK(pref_is(&prefs, buf_str(&key), buf_str(&server)),
              "the new account does not name the new server");
        CHECK(!read_pref(&old, buf_str(&key), &v), "the account's name was already used");

        struct buf again = BUF_INIT;
        buf_append(&again, prefs.data, prefs.len);
        CHECK(tbprefs_ensure_local_folders(&again, &err) == 0, "a second call adds another");
        CHECK(again.len == prefs.len, "a second call changed the file");
        buf_free(&again);
        buf_free(&want);
        buf_free(&accounts);
        buf_free(&server);
        buf_free(&account);
        buf_free(&key);
    }
    buf_free(&v);
    buf_free(&old);
    buf_free(&prefs);
    return 0;
}
