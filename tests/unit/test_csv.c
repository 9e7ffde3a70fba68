/* test_csv: RFC 4180 parsing and the contacts CSV reader and writer (table-driven). */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "model/contact.h"
#include "csv/contact_csv.h"
#include "csv/csv.h"
#include "report/report.h"
#include "tap.h"

static const struct pcase {
    const char *name, *text;
    size_t row, col;
    const char *want; /* NULL: the cell must not exist */
} parse_cases[] = {
    {"plain", "a,b,c\n", 0, 1, "b"},
    {"quoted comma", "\"a,b\",c\n", 0, 0, "a,b"},
    {"doubled quote", "\"a\"\"b\"\n", 0, 0, "a\"b"},
    {"multi-line field", "\"l1\r\nl2\",x\r\ny\r\n", 0, 0, "l1\r\nl2"},
    {"row after multi-line", "\"l1\nl2\",x\ny,z\n", 1, 1, "z"},
    {"blank line skipped", "a\n\nb\n", 1, 0, "b"},
    {"empty last field", "a,\n", 0, 1, ""},
    {"no final newline", "a,b", 0, 1, "b"},
    {"unterminated quote", "\"abc", 0, 0, "abc"},
    {"CR only", "a\rb\r", 1, 0, "b"},
    {"missing cell", "a\n", 0, 1, NULL},
};

static const struct ccase {
    const char *name, *text;
    size_t len;
    const char *field; /* "given", "family", "email0", "phone0", "street0", "city0", "count" ... */
    const char *want;
} contact_cases[] = {
    {"English WLM header", "First Name,Last Name,E-mail Address\r\nAnn,Lee,a@b\r\n", 0, "email0", "a@b"},
    {"columns by name, not position", "E-mail Address,Last Name,First Name\nx@y,Lee,Ann\n", 0,
     "given", "Ann"},
    {"Japanese header with trailing spaces", "姓 ,名 ,電子メール アドレス \n山田,太郎,t@x.jp\n", 0,
     "family", "山田"},
    {"CP932 bytes", "\x90\xa9,\x96\xbc\r\n\x8e\x52\x93\x63,\x91\xbe\x98\x59\r\n", 0, "given", "太郎"},
    {"UTF-16LE with BOM", "\xff\xfeN\0a\0m\0e\0\n\0Z\0\n\0", 16, "display", "Z"},
    {"quoted multi-line notes", "Name,Notes\nA,\"one\ntwo\"\n", 0, "notes", "one\ntwo"},
    {"address parts", "Name,Home City,Home Street\nA,Osaka,1-2-3\n", 0, "city0", "Osaka"},
    {"semicolon delimiter", "Name;E-mail Address\nA;a@b\n", 0, "email0", "a@b"},
    {"Gmail numbered", "Name,E-mail 1 - Type,E-mail 1 - Value\nA,* Home,h@x ::: w@x\n", 0,
     "count_emails", "2"},
    {"Outlook birthday", "Name,Birthday\nA,5/6/1970\n", 0, "birthday", "1970-05-06"},
    {"Outlook no birthday", "Name,Birthday\nA,0/0/00\n", 0, "birthday", NULL},
    {"row without data is no contact", "Name,Notes\n,\n", 0, "count", "0"},
    {"unknown header only: not read", "foo,bar\n1,2\n", 0, "count", "0"},
    /* fuzz_sniff: an ESC was kept in UTF-8 but U+FFFD in UTF-16 (and any other encoding) */
    {"ESC in UTF-8 becomes U+FFFD", "Name\nA\x1b" "B\n", 0, "display", "A\xEF\xBF\xBD" "B"},
    {"ESC in UTF-16LE becomes U+FFFD", "\xff\xfeN\0a\0m\0e\0\n\0A\0\x1b\0B\0\n\0", 20, "display",
     "A\xEF\xBF\xBD" "B"},
};

/* The same header text in UTF-8 and UTF-16: the same answer from the sniffer (fuzz_sniff's
 * seed esc-gmail-header: ESC in a Gmail-like column name, kept in UTF-8, tripled by U+FFFD in
 * UTF-16, pushed the name past its buffer in one encoding only). */
static const char *const sniff_texts[] = {
    "s\x1b\x1b\x1b\x1b \x1b\x1bi\x1b 1 - \x1b",
    "Name,E-mail 1 - Value\r\n",
    "foo,bar\n",
};

static char *get(const struct contact_list *l, const char *f)
{
    char tmp[32];
    if (strcmp(f, "count") == 0) {
        snprintf(tmp, sizeof tmp, "%zu", l->count);
        return strdup(tmp);
    }
    if (l->count == 0)
        return strdup("(no contact)");
    const struct contact *c = l->items[0];
    const char *v = NULL;
    if (strcmp(f, "given") == 0) v = c->given;
    else if (strcmp(f, "family") == 0) v = c->family;
    else if (strcmp(f, "display") == 0) v = c->display;
    else if (strcmp(f, "email0") == 0) v = c->n_emails ? c->emails[0].value : NULL;
    else if (strcmp(f, "notes") == 0) v = c->notes;
    else if (strcmp(f, "city0") == 0) v = c->n_addresses ? c->addresses[0].city : NULL;
    else if (strcmp(f, "birthday") == 0) v = c->birthday;
    else if (strcmp(f, "count_emails") == 0) {
        snprintf(tmp, sizeof tmp, "%zu", c->n_emails);
        v = tmp;
    }
    return v ? strdup(v) : NULL;
}

int main(void)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct pcase *t = &parse_cases[i];
        struct csv_table tb = {0};
        csv_parse(t->text, strlen(t->text), ',', &tb);
        const char *got = t->row < tb.count && t->col < tb.rows[t->row].count
                              ? tb.rows[t->row].fields[t->col] : NULL;
        is_str(got, t->want, t->name);
        csv_table_free(&tb);
    }
    for (size_t i = 0; i < sizeof contact_cases / sizeof contact_cases[0]; i++) {
        const struct ccase *t = &contact_cases[i];
        struct contact_list l = CONTACT_LIST_INIT;
        struct report *r = report_new();
        contact_csv_read(t->text, t->len ? t->len : strlen(t->text), "t.csv", &l, r, NULL);
        char *got = get(&l, t->field);
        is_str(got, t->want, t->name);
        free(got);
        contact_list_clear(&l);
        report_free(r);
    }
    for (size_t i = 0; i < sizeof sniff_texts / sizeof sniff_texts[0]; i++) {
        const char *t = sniff_texts[i];
        size_t n = strlen(t);
        char *u16 = malloc(2 * n + 2);
        u16[0] = (char)0xFF, u16[1] = (char)0xFE;
        for (size_t k = 0; k < n; k++)
            u16[2 + 2 * k] = t[k], u16[3 + 2 * k] = 0; /* ASCII only */
        ok(contact_csv_sniff(t, n) == contact_csv_sniff(u16, 2 * n + 2),
           "sniff: UTF-8 and UTF-16LE agree (text %zu)", i);
        free(u16);
    }
    /* writer: a field with a comma, quote and line end is quoted; read back equal */
    struct contact *c = contact_new();
    contact_set(&c->given, "Ann");
    contact_set(&c->family, "Lee");
    contact_set(&c->notes, "a, \"b\"\r\nc");
    contact_add_email(c, "a@b", CONTACT_WORK);
    contact_add_phone(c, "1", CONTACT_CELL);
    contact_add_phone(c, "2", CONTACT_WORK | CONTACT_FAX);
    struct contact_address *a = contact_add_address(c, CONTACT_WORK);
    contact_set(&a->city, "Kyoto");
    struct buf out = BUF_INIT;
    char *lost = NULL;
    contact_csv_write_header(&out, CONTACT_CSV_OUTLOOK_EN);
    contact_csv_write_row(&out, c, CONTACT_CSV_OUTLOOK_EN, false, &lost);
    is_str(lost, NULL, "nothing lost for a plain contact");
    struct contact_list l = CONTACT_LIST_INIT;
    contact_csv_read(out.data, out.len, "w.csv", &l, NULL, NULL);
    ok(l.count == 1, "written row read back");
    if (l.count == 1) {
        is_str(l.items[0]->notes, "a, \"b\"\r\nc", "notes survive quoting");
        is_int((long long)l.items[0]->n_phones, 2, "both phones");
        is_str(l.items[0]->n_addresses ? l.items[0]->addresses[0].city : NULL, "Kyoto",
               "business city");
        ok(l.items[0]->n_phones == 2 && (l.items[0]->phones[1].types & CONTACT_FAX),
           "fax stays a fax");
    }
    contact_list_clear(&l);
    buf_free(&out);
    for (int k = 0; k < 5; k++) {
        char e[16];
        snprintf(e, sizeof e, "x%d@y", k);
        contact_add_email(c, e, 0);
    }
    contact_csv_write_row(&out, c, CONTACT_CSV_OUTLOOK_JA, false, &lost);
    ok(lost && strstr(lost, "x2@y"), "a fourth e-mail is reported lost");
    free(lost);
    buf_free(&out);
    contact_free(c);
    return tap_done();
}
