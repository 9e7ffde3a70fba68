/* Unit tests for src/report/report_read: report.json's store, kind, target and totals read
 * back, and every document that is not JSON refused without reading past its end. */
#include <stdlib.h>
#include <string.h>

#include "report/report_read.h"
#include "tap.h"
#include "util/xalloc.h"

/* Reads `text` from a heap copy of exactly its length, so that a read past the end is seen by
 * AddressSanitizer. */
static int read_exact(const char *text, size_t len, struct report_read *r, struct error *err)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    int rc = report_read_json(copy, len, r, err);
    free(copy);
    return rc;
}

static void test_report(void)
{
    static const char doc[] =
        "{\n  \"report_version\": 2, \"command\": \"convert\",\n"
        "  \"store\": \"/mnt/c/Users/\\u5c71\\u7530/AppData \\\"x\\\"\\/\\ud83d\\ude00\",\n"
        "  \"store_kind\": \"wlm\", \"target\": \"thunderbird\", \"output\": null,\n"
        "  \"totals\": {\"messages_found\": 31, \"messages_written\": 30,\n"
        "             \"messages_not_converted\": 1, \"messages_repaired\": 3,\n"
        "             \"bytes_found\": 18446744073709551615, \"problems\": 8,\n"
        "             \"problems_with_loss\": 2, \"ratio\": -1.5e3},\n"
        "  \"folders\": [{\"outputs\": [\"a\", \"b\"], \"deep\": [[[]]], \"ok\": true}, false]\n"
        "}\n";
    struct report_read r;
    struct error err;
    int rc = read_exact(doc, sizeof doc - 1, &r, &err);
    ok(rc == 0, "a report is read");
    is_str(r.store, "/mnt/c/Users/\xe5\xb1\xb1\xe7\x94\xb0/AppData \"x\"/\xf0\x9f\x98\x80",
           "store: escapes and a surrogate pair decoded to UTF-8");
    is_str(r.store_kind, "wlm", "store_kind");
    is_str(r.target, "thunderbird", "target");
    ok(r.has_totals, "all five counts found");
    is_int((long long)r.messages_found, 31, "messages_found");
    is_int((long long)r.messages_written, 30, "messages_written");
    is_int((long long)r.messages_not_converted, 1, "messages_not_converted");
    is_int((long long)r.problems, 8, "problems");
    is_int((long long)r.problems_with_loss, 2, "problems_with_loss");
    report_read_clear(&r);
    ok(r.store == NULL, "report_read_clear clears");
    report_read_clear(NULL);
}

static void test_partial_totals(void)
{
    static const char doc[] = "{\"store\": 5, \"totals\": {\"messages_found\": 2.5, "
                              "\"messages_written\": -1, \"messages_not_converted\": 0, "
                              "\"problems\": 0, \"problems_with_loss\": 0}}";
    struct report_read r;
    struct error err;
    ok(read_exact(doc, sizeof doc - 1, &r, &err) == 0, "counts of the wrong kind: still JSON");
    ok(r.store == NULL, "a store that is not a string is not kept");
    ok(!r.has_totals, "totals with a fraction and a negative count are not complete");
    report_read_clear(&r);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "",
        "   ",
        "[]",
        "{",
        "{\"store\"",
        "{\"store\":",
        "{\"store\": \"abc",
        "{\"store\": \"a\\",
        "{\"store\": \"a\\u12\"}",
        "{\"store\": \"a\\q\"}",
        "{\"store\": \"a\tb\"}",
        "{\"a\": 01}",
        "{\"a\": 1.}",
        "{\"a\": 1e}",
        "{\"a\": -}",
        "{\"a\": tru}",
        "{\"a\": [1, 2}",
        "{\"a\": 1 \"b\": 2}",
        "{\"a\": 1,}",
        "{\"a\" 1}",
        "{} {}",
        "{\"totals\": {\"messages_found\": 1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct report_read r;
        struct error err;
        char name[64];
        int rc = read_exact(bad[i], strlen(bad[i]), &r, &err);
        ok(rc == -1 && r.store == NULL && strstr(err.msg, "not valid JSON") != NULL,
           "refused: %s", tap_quote(bad[i], name, sizeof name));
    }
    /* 65 levels of arrays: deeper than the reader goes */
    char deep[200] = "{\"a\": ";
    size_t n = strlen(deep);
    for (int i = 0; i < 65; i++)
        deep[n++] = '[';
    for (int i = 0; i < 65; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    struct report_read r;
    struct error err;
    ok(read_exact(deep, n, &r, &err) == -1 && strstr(err.msg, "too deep"),
       "nesting beyond 64 levels is refused");
}

int main(void)
{
    test_report();
    test_partial_totals();
    test_refused();
    return tap_done();
}
