/* fuzz_oeaccount: libFuzzer harness for the .oeaccount parser (formats/wlm/oeaccount.c, with
 * formats/wlm/safexml.c and libxml2 under it).
 *
 * Each input is one account file. The parse must either fail with one sentence naming the file
 * or give an account that keeps oeaccount.h's promises: a name, the source copied, ports in
 * 1..65535 (or the protocol's default, 0 when it has none), strings valid UTF-8 and non-empty.
 * An input that is valid UTF-8 without a BOM is also parsed as UTF-8 with a BOM and as UTF-16LE
 * and UTF-16BE with a BOM (and UTF-16LE without one when it starts with '<'): the account must
 * come out the same, since the bytes are brought to UTF-8 before libxml2 sees them. libxml2
 * must print nothing: its global error handlers abort the run if it does.
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_oeaccount
 *   build-fuzz/fuzz_oeaccount -max_total_time=600 build-fuzz/corpus-oeaccount \
 *       tests/fuzz/seeds-oeaccount */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "model/model.h"
#include "util/error.h"
#include "util/utf8.h"
#include "wlm/oeaccount.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz_oeaccount: %s (%s:%d)\n", what, __FILE__, __LINE__);           \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

static void no_generic(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
    fprintf(stderr, "fuzz_oeaccount: libxml2 printed through its generic error handler\n");
    abort();
}

#if LIBXML_VERSION >= 21200
static void no_structured(void *ctx, const xmlError *e)
#else
static void no_structured(void *ctx, xmlErrorPtr e)
#endif
{
    (void)ctx, (void)e;
    fprintf(stderr, "fuzz_oeaccount: libxml2 printed through its structured error handler\n");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    xmlSetGenericErrorFunc(NULL, no_generic);
    xmlSetStructuredErrorFunc(NULL, no_structured);
    return 0;
}

static const char source[] = "acct dir/account{FUZZ}.oeaccount";

static void check_string(const char *s, const char *what)
{
    if (!s)
        return;
    CHECK(*s, what);
    CHECK(utf8_valid(s, strlen(s)), what);
    /* Trimmed of XML white space, as setting_text() says. */
    size_t n = strlen(s);
    CHECK(!strchr(" \t\r\n", s[0]) && !strchr(" \t\r\n", s[n - 1]), what);
}

static unsigned default_port(enum account_kind kind, bool ssl)
{
    switch (kind) {
    case MODEL_ACCOUNT_IMAP: return ssl ? 993 : 143;
    case MODEL_ACCOUNT_POP3: return ssl ? 995 : 110;
    case MODEL_ACCOUNT_NNTP: return ssl ? 563 : 119;
    case MODEL_ACCOUNT_LDAP: return ssl ? 636 : 389;
    default: return 0;
    }
}

static struct model_account *parse(const char *data, size_t len)
{
    struct error err = {{0}};
    struct model_account *a = oeaccount_parse(data, len, source, &err);
    if (!a) {
        CHECK(err.msg[0] != '\0', "a refusal without a message");
        CHECK(strstr(err.msg, source) != NULL, "a refusal that does not name the file");
        return NULL;
    }
    CHECK(a->name && *a->name, "an account without a name");
    check_string(a->name, "name");
    CHECK(a->source && strcmp(a->source, source) == 0, "source not copied");
    check_string(a->server, "server");
    check_string(a->user_name, "user_name");
    check_string(a->root_folder, "root_folder");
    check_string(a->smtp_server, "smtp_server");
    check_string(a->smtp_user_name, "smtp_user_name");
    check_string(a->display_name, "display_name");
    check_string(a->email, "email");
    check_string(a->reply_to, "reply_to");
    check_string(a->organization, "organization");
    CHECK(a->kind >= MODEL_ACCOUNT_UNKNOWN && a->kind <= MODEL_ACCOUNT_LDAP, "kind");
    CHECK(a->server || a->kind == MODEL_ACCOUNT_UNKNOWN || a->kind == MODEL_ACCOUNT_HTTP,
          "a kind without an incoming server");
    if (a->server)
        CHECK((a->port >= 1 && a->port <= 65535) ||
                  a->port == default_port(a->kind, a->security == MODEL_SECURITY_SSL),
              "incoming port out of range");
    else
        CHECK(a->port == 0 && a->security == MODEL_SECURITY_NONE && !a->user_name,
              "incoming settings without a server");
    CHECK(a->smtp_auth >= MODEL_SMTP_AUTH_NONE && a->smtp_auth <= MODEL_SMTP_AUTH_PASSWORD,
          "SMTP authentication out of range");
    CHECK(a->smtp_port >= 1 && a->smtp_port <= 65535, "SMTP port out of range");
    CHECK(!a->leave_on_server || a->kind == MODEL_ACCOUNT_POP3, "leave_on_server is POP3 only");
    CHECK(!a->root_folder || a->kind == MODEL_ACCOUNT_IMAP, "root_folder is IMAP only");
    return a;
}

static bool same_string(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void check_same(const struct model_account *a, const struct model_account *b,
                       const char *how)
{
    if (!a || !b) {
        if (a != b)
            fprintf(stderr, "fuzz_oeaccount: read in one encoding only (%s)\n", how);
        CHECK(a == b, "the account depends on the encoding");
        return;
    }
    bool same = same_string(a->name, b->name) && a->kind == b->kind &&
                same_string(a->server, b->server) && a->port == b->port &&
                a->security == b->security && same_string(a->user_name, b->user_name) &&
                a->secure_auth == b->secure_auth && a->leave_on_server == b->leave_on_server &&
                same_string(a->root_folder, b->root_folder) &&
                same_string(a->smtp_server, b->smtp_server) && a->smtp_port == b->smtp_port &&
                a->smtp_security == b->smtp_security &&
                same_string(a->smtp_user_name, b->smtp_user_name) &&
                a->smtp_auth == b->smtp_auth &&
                same_string(a->display_name, b->display_name) &&
                same_string(a->email, b->email) && same_string(a->reply_to, b->reply_to) &&
                same_string(a->organization, b->organization) &&
                a->is_gmail == b->is_gmail;
    if (!same)
        fprintf(stderr, "fuzz_oeaccount: accounts differ (%s)\n", how);
    CHECK(same, "the account depends on the encoding");
}

/* UTF-8 (checked valid) to UTF-16 with an optional BOM; malloc'd. */
static char *to_utf16(const char *s, size_t len, bool big_endian, bool bom, size_t *out_len)
{
    unsigned char *o = malloc(len * 4 + 2), *p = o;
    if (bom) {
        *p++ = big_endian ? 0xFE : 0xFF;
        *p++ = big_endian ? 0xFF : 0xFE;
    }
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = u[i] < 0x80 ? 1 : u[i] < 0xE0 ? 2 : u[i] < 0xF0 ? 3 : 4;
        c = n == 1 ? u[i] : u[i] & (0x7Fu >> n);
        for (size_t k = 1; k < n; k++)
            c = c << 6 | (u[i + k] & 0x3Fu);
        i += n;
        uint16_t units[2];
        size_t nu = 0;
        if (c >= 0x10000) {
            c -= 0x10000;
            units[nu++] = (uint16_t)(0xD800 | c >> 10);
            units[nu++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            units[nu++] = (uint16_t)c;
        }
        for (size_t k = 0; k < nu; k++) {
            *p++ = (unsigned char)(big_endian ? units[k] >> 8 : units[k] & 0xFF);
            *p++ = (unsigned char)(big_endian ? units[k] & 0xFF : units[k] >> 8);
        }
    }
    *out_len = (size_t)(p - o);
    return (char *)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct model_account *a = parse(s, size);

    bool plain_utf8 = size > 0 && utf8_valid(s, size) && !memchr(s, '\0', size) &&
                      !(size >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0);
    if (plain_utf8) {
        char *with_bom = malloc(size + 3);
        memcpy(with_bom, "\xEF\xBB\xBF", 3);
        memcpy(with_bom + 3, s, size);
        struct model_account *b = parse(with_bom, size + 3);
        check_same(a, b, "UTF-8 with a BOM");
        model_account_free(b);
        free(with_bom);

        for (int variant = 0; variant < 3; variant++) {
            bool be = variant == 1, bom = variant < 2;
            if (!bom && s[0] != '<')
                continue; /* UTF-16LE without a BOM is known by "<" then 0 */
            size_t n;
            char *u = to_utf16(s, size, be, bom, &n);
            b = parse(u, n);
            check_same(a, b, variant == 0 ? "UTF-16LE with a BOM"
                             : variant == 1 ? "UTF-16BE with a BOM"
                                            : "UTF-16LE without a BOM");
            model_account_free(b);
            free(u);
        }
    }
    model_account_free(a);
    return 0;
}
