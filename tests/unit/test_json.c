/* Unit tests for src/json and src/utf8: valid JSON out of any bytes. */
#include <stdlib.h>
#include <string.h>

#include "report/json.h"
#include "tap.h"
#include "util/utf8.h"

static char *render(void (*fill)(struct json *))
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    struct json *j = json_new(f);
    fill(j);
    json_free(j);
    fclose(f);
    return out;
}

static void fill_nested(struct json *j)
{
    json_object_begin(j);
    json_kv_string(j, "a", "x\"y\\z\n");
    json_key(j, "list");
    json_array_begin(j);
    json_int(j, -1);
    json_uint(j, 18446744073709551615u);
    json_bool(j, true);
    json_null(j);
    json_string(j, NULL);
    json_array_end(j);
    json_key(j, "empty");
    json_object_begin(j);
    json_object_end(j);
    json_object_end(j);
}

static void fill_bytes(struct json *j)
{
    json_stringn(j, "ok\xe3\x81\x82\xff\x80\x01\x7f\xed\xa0\x80", 12);
}

int main(void)
{
    char *s = render(fill_nested);
    is_str(s,
           "{\n  \"a\": \"x\\\"y\\\\z\\n\",\n  \"list\": [\n    -1,\n    18446744073709551615,\n"
           "    true,\n    null,\n    null\n  ],\n  \"empty\": {}\n}\n",
           "nested document");
    free(s);
    s = render(fill_bytes);
    is_str(s, "\"ok\xe3\x81\x82\\ufffd\\ufffd\\u0001\\u007f\\ufffd\\ufffd\\ufffd\"\n",
           "invalid UTF-8 and controls escaped");
    free(s);

    static const struct {
        const char *in;
        size_t len;
        size_t want;
    } seqs[] = {
        {"a", 1, 1},
        {"\xc3\xa9", 2, 2},
        {"\xc3", 1, 0},
        {"\xc0\xaf", 2, 0},         /* overlong */
        {"\xe0\x80\xaf", 3, 0},     /* overlong */
        {"\xed\xa0\x80", 3, 0},     /* surrogate */
        {"\xef\xbf\xbd", 3, 3},
        {"\xf0\x9f\x98\x80", 4, 4},
        {"\xf4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0},
        {"\x80", 1, 0},
        {"\xe3\x81", 2, 0},         /* truncated */
    };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        char what[48];
        snprintf(what, sizeof what, "sequence length case %zu", i);
        is_int((long long)utf8_sequence_length(seqs[i].in, seqs[i].len), (long long)seqs[i].want,
               what);
    }
    char *r = utf8_repair("a\xff" "b\xe3\x81\x82", 6, '_');
    is_str(r, "a_b\xe3\x81\x82", "repair replaces only bad bytes");
    free(r);
    char *printed = NULL;
    size_t printed_len = 0;
    FILE *pf = open_memstream(&printed, &printed_len);
    utf8_print(pf, "a\x01\xff" "b\xe3\x81\x82\x1b[2J\"q\"", 14);
    fclose(pf);
    is_str(printed, "a\\x01\xef\xbf\xbd" "b\xe3\x81\x82\\x1b[2J\"q\"",
           "text for people: controls shown as \\xNN, bad bytes as U+FFFD, quotes as they are");
    free(printed);
    ok(utf8_valid("", 0), "empty is valid");
    ok(!utf8_valid("\xe3\x81", 2), "truncated is invalid");
    return tap_done();
}
