/* contact: the address-book model (see contact.h).
 *
 * Plain data and a few helpers that every reader needs the same way: trimming and setting
 * fields, typed lists, date normalisation and "is there anything in this card". */
#include "model/contact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "util/platform.h"

struct contact *contact_new(void)
{
    return xcalloc(1, sizeof(struct contact));
}

static void free_values(struct contact_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].value);
        free(v[i].label);
    }
    free(v);
}

static void free_address(struct contact_address *a)
{
    free(a->pobox);
    free(a->extended);
    free(a->street);
    free(a->city);
    free(a->region);
    free(a->postal_code);
    free(a->country);
}

void contact_free(struct contact *c)
{
    if (!c)
        return;
    char **strings[] = {&c->display,     &c->given,      &c->family,      &c->middle,
                        &c->prefix,      &c->suffix,     &c->nickname,    &c->given_yomi,
                        &c->family_yomi, &c->middle_yomi, &c->company_yomi, &c->company,
                        &c->department,  &c->title,      &c->role,        &c->office,
                        &c->birthday,    &c->anniversary, &c->notes,      &c->spouse,
                        &c->manager,     &c->assistant,  &c->photo_type,  &c->photo_uri,
                        &c->origin,      &c->dropped};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    free_values(c->emails, c->n_emails);
    free_values(c->phones, c->n_phones);
    free_values(c->urls, c->n_urls);
    free_values(c->ims, c->n_ims);
    for (size_t i = 0; i < c->n_addresses; i++)
        free_address(&c->addresses[i]);
    free(c->addresses);
    for (size_t i = 0; i < c->n_categories; i++)
        free(c->categories[i]);
    free(c->categories);
    free(c->photo);
    free(c);
}

static int is_trim(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

void contact_setn(char **field, const char *value, size_t len)
{
    free(*field);
    *field = NULL;
    if (!value)
        return;
    while (len > 0 && is_trim(value[0])) {
        value++;
        len--;
    }
    while (len > 0 && is_trim(value[len - 1]))
        len--;
    /* An embedded NUL ends the value: text fields are C strings. */
    size_t n = strnlen(value, len);
    if (n > 0)
        *field = xstrndup(value, n);
}

void contact_set(char **field, const char *value)
{
    contact_setn(field, value, value ? strlen(value) : 0);
}

void contact_append(char **field, const char *value, const char *sep)
{
    char *v = NULL;
    contact_set(&v, value);
    if (!v)
        return;
    if (!*field) {
        *field = v;
        return;
    }
    char *joined = xasprintf("%s%s%s", *field, sep, v);
    free(*field);
    free(v);
    *field = joined;
}

static struct contact_value *add_value(struct contact_value **list, size_t *n, const char *value,
                                       unsigned types)
{
    char *v = NULL;
    contact_set(&v, value);
    if (!v)
        return NULL;
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    struct contact_value *cv = &(*list)[(*n)++];
    cv->value = v;
    cv->types = types;
    cv->label = NULL;
    return cv;
}

struct contact_value *contact_add_email(struct contact *c, const char *value, unsigned types)
{
    return add_value(&c->emails, &c->n_emails, value, types);
}

struct contact_value *contact_add_phone(struct contact *c, const char *value, unsigned types)
{
    return add_value(&c->phones, &c->n_phones, value, types);
}

struct contact_value *contact_add_url(struct contact *c, const char *value, unsigned types)
{
    return add_value(&c->urls, &c->n_urls, value, types);
}

struct contact_value *contact_add_im(struct contact *c, const char *value, const char *service)
{
    struct contact_value *v = add_value(&c->ims, &c->n_ims, value, 0);
    if (v)
        contact_set(&v->label, service);
    return v;
}

struct contact_address *contact_add_address(struct contact *c, unsigned types)
{
    c->addresses = xrealloc(c->addresses, (c->n_addresses + 1) * sizeof *c->addresses);
    struct contact_address *a = &c->addresses[c->n_addresses++];
    memset(a, 0, sizeof *a);
    a->types = types;
    return a;
}

static bool address_empty(const struct contact_address *a)
{
    return !a->pobox && !a->extended && !a->street && !a->city && !a->region && !a->postal_code &&
           !a->country;
}

void contact_drop_empty_address(struct contact *c)
{
    if (c->n_addresses > 0 && address_empty(&c->addresses[c->n_addresses - 1])) {
        free_address(&c->addresses[c->n_addresses - 1]);
        c->n_addresses--;
    }
}

void contact_add_category(struct contact *c, const char *name)
{
    char *v = NULL;
    contact_set(&v, name);
    if (!v)
        return;
    for (size_t i = 0; i < c->n_categories; i++) {
        if (strcmp(c->categories[i], v) == 0) {
            free(v);
            return;
        }
    }
    c->categories = xrealloc(c->categories, (c->n_categories + 1) * sizeof *c->categories);
    c->categories[c->n_categories++] = v;
}

void contact_set_photo(struct contact *c, unsigned char *bytes, size_t len, const char *type)
{
    free(c->photo);
    c->photo = bytes;
    c->photo_len = len;
    contact_set(&c->photo_type, type);
}

/* Past this many bytes further names are summed up as one "...": the list is for a person to
 * read, and a file with thousands of distinct unknown names must not cost quadratic time. */
#define DROPPED_MAX 2000

void contact_note_dropped(struct contact *c, const char *name)
{
    if (!name || !*name)
        return;
    if (c->dropped) {
        size_t len = strlen(c->dropped);
        if (len >= DROPPED_MAX) {
            if (len < 3 || strcmp(c->dropped + len - 3, "...") != 0)
                contact_append(&c->dropped, "...", ", ");
            return;
        }
        /* once per name */
        size_t n = strlen(name);
        for (const char *p = c->dropped; (p = strstr(p, name)) != NULL; p += n)
            if ((p == c->dropped || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
                return;
    }
    contact_append(&c->dropped, name, ", ");
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static char *make_date(int y, int m, int d)
{
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return NULL;
    if (y < 0)
        return xasprintf("--%02d-%02d", m, d);
    if (y == 1604 || y == 4501) /* Outlook's "no date" */
        return xstrdup("");
    return xasprintf("%04d-%02d-%02d", y, m, d);
}

char *contact_date_normalize(const char *text)
{
    if (!text)
        return NULL;
    while (*text == ' ')
        text++;
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == ' ')
        n--;
    /* cut a time part: 1980-01-02T00:00:00Z, "1980/01/02 0:00:00" */
    for (size_t i = 4; i < n; i++)
        if (text[i] == 'T' || text[i] == ' ') {
            n = i;
            break;
        }
    const char *s = text;
    if (n == 8 && all_digits(s, 8))
        return make_date(num(s, 4), num(s + 4, 2), num(s + 6, 2));
    if (n == 10 && all_digits(s, 4) && (s[4] == '-' || s[4] == '/' || s[4] == '.') &&
        s[7] == s[4] && all_digits(s + 5, 2) && all_digits(s + 8, 2))
        return make_date(num(s, 4), num(s + 5, 2), num(s + 8, 2));
    if (n == 6 && s[0] == '-' && s[1] == '-' && all_digits(s + 2, 4))
        return make_date(-1, num(s + 2, 2), num(s + 4, 2));
    if (n == 7 && s[0] == '-' && s[1] == '-' && s[4] == '-' && all_digits(s + 2, 2) &&
        all_digits(s + 5, 2))
        return make_date(-1, num(s + 2, 2), num(s + 5, 2));
    /* M/D/YYYY or M/D/YY (Outlook CSV, US order) */
    size_t a = 0;
    while (a < n && isdigit((unsigned char)s[a]))
        a++;
    if (a >= 1 && a <= 2 && a < n && s[a] == '/') {
        size_t b = a + 1;
        while (b < n && isdigit((unsigned char)s[b]))
            b++;
        if (b > a + 1 && b <= a + 3 && b < n && s[b] == '/' && all_digits(s + b + 1, n - b - 1) &&
            (n - b - 1 == 4 || n - b - 1 == 2)) {
            int m = num(s, a), d = num(s + a + 1, b - a - 1), y = num(s + b + 1, n - b - 1);
            if (m == 0 && d == 0)
                return xstrdup("");
            if (n - b - 1 == 2)
                y += y < 30 ? 2000 : 1900;
            return make_date(y, m, d);
        }
    }
    return NULL;
}

bool contact_is_empty(const struct contact *c)
{
    return !c->display && !c->given && !c->family && !c->middle && !c->nickname &&
           !c->given_yomi && !c->family_yomi && !c->company && !c->notes && !c->photo &&
           !c->photo_uri && c->n_emails == 0 && c->n_phones == 0 && c->n_urls == 0 &&
           c->n_ims == 0 && c->n_addresses == 0;
}

/* True when the text holds a character from U+3000 up (CJK, kana, full-width forms). */
static bool has_cjk(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0xE3)
            return true;
    return false;
}

char *contact_best_name(const struct contact *c)
{
    if (c->display)
        return xstrdup(c->display);
    if (c->given || c->family) {
        struct buf b = BUF_INIT;
        bool eastern = has_cjk(c->given) || has_cjk(c->family);
        const char *parts[3];
        if (eastern) {
            parts[0] = c->family;
            parts[1] = c->middle;
            parts[2] = c->given;
        } else {
            parts[0] = c->given;
            parts[1] = c->middle;
            parts[2] = c->family;
        }
        for (int i = 0; i < 3; i++) {
            if (!parts[i])
                continue;
            if (b.len)
                buf_putc(&b, ' ');
            buf_puts(&b, parts[i]);
        }
        return buf_detach(&b);
    }
    if (c->nickname)
        return xstrdup(c->nickname);
    if (c->company)
        return xstrdup(c->company);
    if (c->n_emails)
        return xstrdup(c->emails[0].value);
    if (c->n_phones)
        return xstrdup(c->phones[0].value);
    return xstrdup("(no name)");
}

size_t contact_field_count(const struct contact *c)
{
    const char *strings[] = {c->display,     c->given,      c->family,       c->middle,
                             c->prefix,      c->suffix,     c->nickname,     c->given_yomi,
                             c->family_yomi, c->middle_yomi, c->company_yomi, c->company,
                             c->department,  c->title,      c->role,         c->office,
                             c->birthday,    c->anniversary, c->notes,       c->spouse,
                             c->manager,     c->assistant,  c->photo_uri};
    size_t n = 0;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        n += strings[i] != NULL;
    return n + c->n_emails + c->n_phones + c->n_urls + c->n_ims + c->n_addresses +
           c->n_categories + (c->photo != NULL);
}

void contact_list_add(struct contact_list *l, struct contact *c)
{
    l->items = xgrow(l->items, &l->cap, l->count + 1, sizeof *l->items);
    l->items[l->count++] = c;
}

void contact_list_clear(struct contact_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        contact_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}
