/* Unit tests for src/address: RFC 5322 address lists from raw header bytes.
 *
 * Each case is a header value and the list it must give, written "name|address|group" per
 * entry, entries joined by "; ", "-" for NULL. Japanese names are built from their JIS or CP932
 * code bytes here, so the expected UTF-8 is the only literal Japanese in the table. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/address.h"
#include "util/buf.h"
#include "tap.h"

static char *format(const struct address_list *l)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < l->count; i++) {
        const struct address *a = &l->items[i];
        buf_printf(&b, "%s%s|%s|%s", i ? "; " : "", a->name ? a->name : "-", a->address,
                   a->group ? a->group : "-");
    }
    return buf_detach(&b);
}

/* "=?charset?B?...?=" around `bytes`. */
static char *b_word(const char *charset, const char *bytes)
{
    gchar *b64 = g_base64_encode((const guchar *)bytes, strlen(bytes));
    char *w = g_strdup_printf("=?%s?B?%s?=", charset, b64);
    g_free(b64);
    return w;
}

struct addr_case {
    const char *in;
    const char *hint;
    const char *want;
    int repairs; /* -1: not checked */
};

static void check(const char *what, const char *in, size_t len, const char *hint, const char *want,
                  int repairs)
{
    struct charset_stats st = {0};
    struct address_list *l = address_parse(in, len, hint, &st);
    char *got = format(l);
    is_str(got, want, what);
    if (repairs >= 0)
        is_int((long long)l->repairs, repairs, "  repairs counted");
    free(got);
    address_list_free(l);
}

int main(void)
{
    static const struct addr_case cases[] = {
        {"", NULL, "", 0},
        {"a@example.com", NULL, "-|a@example.com|-", 0},
        {"John Smith <john@example.com>", NULL, "John Smith|john@example.com|-", 0},
        {"\"Smith, John\" <j@example.com>", NULL, "Smith, John|j@example.com|-", 0},
        {"\"Jo \\\"JJ\\\" Smith\" <j@x.org>", NULL, "Jo \"JJ\" Smith|j@x.org|-", 0},
        {"j@example.com (John Smith)", NULL, "John Smith|j@example.com|-", 0},
        {"John (the man) Smith <j@x.org>", NULL, "John Smith|j@x.org|-", 0},
        {"a@b.example, c@d.example", NULL, "-|a@b.example|-; -|c@d.example|-", 0},
        {",, a@b.example ,,", NULL, "-|a@b.example|-", 0},
        {"Team: a@x.example, \"B\" <b@x.example>;", NULL,
         "-|a@x.example|Team; B|b@x.example|Team", 0},
        {"undisclosed-recipients:;", NULL, "-||undisclosed-recipients", 0},
        {"Friends: a@x.example; c@y.example", NULL, "-|a@x.example|Friends; -|c@y.example|-", 0},
        {"Open group: a@x.example", NULL, "-|a@x.example|Open group", 1},
        {"<@relay1.example,@relay2.example:user@host.example>", NULL, "-|user@host.example|-", 0},
        {"Pete <@r.example:pete@host.example>", NULL, "Pete|pete@host.example|-", 0},
        {"root", NULL, "-|root|-", 0},
        {"Yamada, Taro <taro@example.jp>", NULL, "Yamada, Taro|taro@example.jp|-", 1},
        {"Taro taro@example.jp", NULL, "Taro|taro@example.jp|-", 1},
        {"<mailto:a@example.com>", NULL, "-|a@example.com|-", 0},
        {"John <a@example.com", NULL, "John|a@example.com|-", 1},
        {"John <a@example.com, b@example.com", NULL, "John|a@example.com|-; -|b@example.com|-", 1},
        {"\"unterminated <a@example.com>", NULL, "unterminated <a@example.com>||-", 2},
        {"John Smith", NULL, "John Smith||-", 1},
        {"a@[192.0.2.1]", NULL, "-|a@[192.0.2.1]|-", 0},
        {"\"quoted local\"@example.com", NULL, "-|\"quoted local\"@example.com|-", 0},
        {"test@example.com <real@example.com>", NULL, "test@example.com|real@example.com|-", 0},
        {"\"test@example.com\" <real@example.com>", NULL, "test@example.com|real@example.com|-", 0},
        {"a@x.example (unclosed", NULL, "unclosed|a@x.example|-", 1},
        {"=?utf-8?Q?John_Q=2E_Public?= <jqp@example.com>", NULL,
         "John Q. Public|jqp@example.com|-", 0},
        {"\"=?UTF-8?B?5bGx55Sw?=\" <y@example.jp>", NULL, "山田|y@example.jp|-", 0},
        {"=?UTF-8?B?5bGx?= =?UTF-8?B?55Sw?= <y@example.jp>", NULL, "山田|y@example.jp|-", 0},
        {"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e <y@example.jp>", NULL,
         "山田 太郎|y@example.jp|-", 0},
        /* raw CP932 山田 */
        {"\x8e\x52\x93\x63 <y@example.jp>", NULL, "山田|y@example.jp|-", 0},
        /* raw CP932 ソフト in quotes: ソ is 83 5C, whose trail byte is '\\' */
        {"\"\x83\x5c\x83\x74\x83\x67\" <soft@example.jp>", NULL, "ソフト|soft@example.jp|-", 0},
        /* raw CP932 with a trail byte '@' (0x8140 is the ideographic space) */
        {"\x8e\x52\x81\x40\x93\x63 <y@example.jp>", NULL, "山\xe3\x80\x80田|y@example.jp|-", 0},
        /* raw EUC-JP 山田, told by the body's charset */
        {"\xbb\xb3\xc5\xc4 <y@example.jp>", "euc-jp", "山田|y@example.jp|-", 0},
        {"a\x01@example.com", NULL, "-|a@example.com|-", 0},
        {"Only <>", NULL, "Only||-", 0},
        {">", NULL, ">||-", 1},
        {"@", NULL, "-|@|-", 0},
        {"a@b@c.example", NULL, "-|a@b@c.example|-", 0},
        {"Mr. John Q. Public <jqp@example.com>", NULL, "Mr. John Q. Public|jqp@example.com|-", 0},
        {"A Group(Some people):Chris Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         NULL, "Chris Jones|c@a.test|A Group; -|joe@where.test|A Group; John|jdoe@one.test|A Group",
         0},
        {"(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", NULL,
         "-||Hidden recipients", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[160];
        snprintf(what, sizeof what, "case %zu: %.100s", i, cases[i].in);
        for (char *p = what; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x80)
                *p = '?';
        check(what, cases[i].in, strlen(cases[i].in), cases[i].hint, cases[i].want,
              cases[i].repairs);
    }

    /* ISO-2022-JP display names built from JIS X 0208 codes: 山 3B33, 田 4544 */
    char *w = b_word("ISO-2022-JP", "\x1b$B;3ED\x1b(B");
    char *in = g_strdup_printf("%s <yamada@example.jp>", w);
    check("ISO-2022-JP encoded name", in, strlen(in), NULL, "山田|yamada@example.jp|-", 0);
    g_free(in);
    in = g_strdup_printf("\"%s\" <yamada@example.jp>", w);
    check("ISO-2022-JP encoded word inside quotes", in, strlen(in), NULL,
          "山田|yamada@example.jp|-", 0);
    g_free(in);
    in = g_strdup_printf("yamada@example.jp (%s)", w);
    check("ISO-2022-JP encoded word in a comment", in, strlen(in), NULL,
          "山田|yamada@example.jp|-", 0);
    g_free(in);
    g_free(w);
    /* split mid-character across two words: ESC $ B ; | 3 E D ESC ( B */
    char *w1 = b_word("iso-2022-jp", "\x1b$B;");
    char *w2 = b_word("iso-2022-jp", "3ED\x1b(B");
    in = g_strdup_printf("%s\r\n %s <yamada@example.jp>", w1, w2);
    check("a name split mid-character across words", in, strlen(in), NULL,
          "山田|yamada@example.jp|-", 0);
    g_free(in);
    g_free(w1);
    g_free(w2);

    /* length is respected and NUL bytes do not end the value */
    check("length respected", "a@example.com, b@example.com", 13, NULL, "-|a@example.com|-", 0);
    check("a NUL byte inside", "a@example.com,\0b@example.com", 28, NULL,
          "-|a@example.com|-; -|b@example.com|-", 0);

    /* no crash, no hang on hostile input */
    struct buf big = BUF_INIT;
    for (int i = 0; i < 20000; i++)
        buf_puts(&big, "((((\"<@,:;");
    struct address_list *l = address_parse(big.data, big.len, NULL, NULL);
    ok(l != NULL, "hostile input parses to some list");
    address_list_free(l);
    buf_free(&big);
    address_list_free(NULL);
    ok(1, "address_list_free(NULL)");
    return tap_done();
}
