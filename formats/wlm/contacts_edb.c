/* contacts_edb: reading contacts.edb with libesedb (see contacts_edb.h). EXPERIMENTAL.
 *
 * Every assumption about the unpublished schema is the `patterns` table below: substrings of
 * column names (ASCII case ignored), most specific first. */
#include "contacts_edb.h"

#include <libesedb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "esedb_text.h"
#include "report/report.h"
#include "util/xalloc.h"

enum target {
    T_NONE, T_DISPLAY, T_GIVEN, T_FAMILY, T_MIDDLE, T_NICK, T_GIVEN_YOMI, T_FAMILY_YOMI,
    T_COMPANY, T_DEPT, T_TITLE, T_OFFICE, T_EMAIL, T_PHONE, T_URL, T_NOTES, T_BDAY, T_ANNIV,
    T_SPOUSE, T_STREET, T_CITY, T_REGION, T_POSTAL, T_COUNTRY, T_CATEGORY,
};

static const struct pattern {
    const char *sub;
    enum target target;
    unsigned types; /* phone types, or the address slot (0 home, 1 work, 2 other) */
} patterns[] = {
    {"PhoneticFirst", T_GIVEN_YOMI, 0}, {"YomiFirst", T_GIVEN_YOMI, 0},
    {"GivenYomi", T_GIVEN_YOMI, 0}, {"PhoneticLast", T_FAMILY_YOMI, 0},
    {"YomiLast", T_FAMILY_YOMI, 0}, {"SurnameYomi", T_FAMILY_YOMI, 0},
    {"FirstName", T_GIVEN, 0}, {"GivenName", T_GIVEN, 0}, {"LastName", T_FAMILY, 0},
    {"FamilyName", T_FAMILY, 0}, {"Surname", T_FAMILY, 0}, {"MiddleName", T_MIDDLE, 0},
    {"NickName", T_NICK, 0}, {"DisplayName", T_DISPLAY, 0}, {"FormattedName", T_DISPLAY, 0},
    {"FullName", T_DISPLAY, 0}, {"FileAs", T_DISPLAY, 0}, {"JobTitle", T_TITLE, 0},
    {"Company", T_COMPANY, 0}, {"Department", T_DEPT, 0}, {"Office", T_OFFICE, 0},
    {"HomeFax", T_PHONE, CONTACT_HOME | CONTACT_FAX},
    {"BusinessFax", T_PHONE, CONTACT_WORK | CONTACT_FAX},
    {"WorkFax", T_PHONE, CONTACT_WORK | CONTACT_FAX}, {"Fax", T_PHONE, CONTACT_FAX},
    {"Mobile", T_PHONE, CONTACT_CELL}, {"Cell", T_PHONE, CONTACT_CELL},
    {"Pager", T_PHONE, CONTACT_PAGER}, {"HomePhone", T_PHONE, CONTACT_HOME},
    {"PersonalPhone", T_PHONE, CONTACT_HOME}, {"BusinessPhone", T_PHONE, CONTACT_WORK},
    {"WorkPhone", T_PHONE, CONTACT_WORK}, {"Phone", T_PHONE, 0},
    {"Email", T_EMAIL, 0}, {"E-mail", T_EMAIL, 0}, {"MailAddress", T_EMAIL, 0},
    {"HomeStreet", T_STREET, 0}, {"HomeCity", T_CITY, 0}, {"HomeState", T_REGION, 0},
    {"HomeRegion", T_REGION, 0}, {"HomePostal", T_POSTAL, 0}, {"HomeZip", T_POSTAL, 0},
    {"HomeCountry", T_COUNTRY, 0}, {"BusinessStreet", T_STREET, 1},
    {"BusinessCity", T_CITY, 1}, {"BusinessState", T_REGION, 1},
    {"BusinessRegion", T_REGION, 1}, {"BusinessPostal", T_POSTAL, 1},
    {"BusinessZip", T_POSTAL, 1}, {"BusinessCountry", T_COUNTRY, 1},
    {"WorkStreet", T_STREET, 1}, {"WorkCity", T_CITY, 1}, {"WorkState", T_REGION, 1},
    {"WorkPostal", T_POSTAL, 1}, {"WorkCountry", T_COUNTRY, 1}, {"Street", T_STREET, 2},
    {"City", T_CITY, 2}, {"PostalCode", T_POSTAL, 2}, {"Country", T_COUNTRY, 2},
    {"WebSite", T_URL, 0}, {"WebPage", T_URL, 0}, {"Url", T_URL, 0},
    {"Notes", T_NOTES, 0}, {"Comment", T_NOTES, 0}, {"Birthday", T_BDAY, 0},
    {"Anniversary", T_ANNIV, 0}, {"Spouse", T_SPOUSE, 0}, {"Categor", T_CATEGORY, 0},
    {"Group", T_CATEGORY, 0},
};

static const struct pattern *match(const char *column)
{
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
        if (strcasestr(column, patterns[i].sub))
            return &patterns[i];
    return NULL;
}

struct col {
    int entry;
    char *name;
    const struct pattern *p;
};

static char *utf8_name(libesedb_column_t *c)
{
    size_t size = 0;
    if (libesedb_column_get_utf8_name_size(c, &size, NULL) != 1 || size == 0 || size > 4096)
        return NULL;
    char *s = xmalloc(size);
    if (libesedb_column_get_utf8_name(c, (uint8_t *)s, size, NULL) != 1) {
        free(s);
        return NULL;
    }
    s[size - 1] = '\0';
    return s;
}

static bool is_text(int type)
{
    return type == LIBESEDB_COLUMN_TYPE_TEXT || type == LIBESEDB_COLUMN_TYPE_LARGE_TEXT;
}

/* One row into a contact. */
static struct contact *read_row(libesedb_record_t *rec, const struct col *cols, size_t n)
{
    struct contact *c = contact_new();
    size_t slot[3] = {0, 0, 0}; /* index + 1 of each address slot's address, 0: none yet */
    for (size_t i = 0; i < n; i++) {
        if (!cols[i].p)
            continue;
        char *v = esedb_text(rec, cols[i].entry);
        if (!v)
            continue;
        const struct pattern *p = cols[i].p;
        struct contact_address *a = NULL;
        if (p->target >= T_STREET && p->target <= T_COUNTRY) {
            unsigned s = p->types < 3 ? p->types : 2;
            if (!slot[s]) {
                static const unsigned types[3] = {CONTACT_HOME, CONTACT_WORK, CONTACT_OTHER};
                contact_add_address(c, types[s]);
                slot[s] = c->n_addresses;
            }
            a = &c->addresses[slot[s] - 1];
        }
        switch (p->target) {
        case T_NONE: break;
        case T_DISPLAY: contact_set(&c->display, v); break;
        case T_GIVEN: contact_set(&c->given, v); break;
        case T_FAMILY: contact_set(&c->family, v); break;
        case T_MIDDLE: contact_set(&c->middle, v); break;
        case T_NICK: contact_set(&c->nickname, v); break;
        case T_GIVEN_YOMI: contact_set(&c->given_yomi, v); break;
        case T_FAMILY_YOMI: contact_set(&c->family_yomi, v); break;
        case T_COMPANY: contact_set(&c->company, v); break;
        case T_DEPT: contact_set(&c->department, v); break;
        case T_TITLE: contact_set(&c->title, v); break;
        case T_OFFICE: contact_set(&c->office, v); break;
        case T_EMAIL: {
            char *save = NULL;
            for (char *t = strtok_r(v, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
                contact_add_email(c, t, 0);
            break;
        }
        case T_PHONE: contact_add_phone(c, v, p->types); break;
        case T_URL: contact_add_url(c, v, 0); break;
        case T_NOTES: contact_append(&c->notes, v, "\n"); break;
        case T_BDAY:
        case T_ANNIV: {
            char *d = contact_date_normalize(v);
            contact_set(p->target == T_BDAY ? &c->birthday : &c->anniversary, d ? d : v);
            free(d);
            break;
        }
        case T_SPOUSE: contact_set(&c->spouse, v); break;
        case T_STREET: contact_set(&a->street, v); break;
        case T_CITY: contact_set(&a->city, v); break;
        case T_REGION: contact_set(&a->region, v); break;
        case T_POSTAL: contact_set(&a->postal_code, v); break;
        case T_COUNTRY: contact_set(&a->country, v); break;
        case T_CATEGORY: contact_add_category(c, v); break;
        }
        free(v);
    }
    /* addresses whose every value was empty */
    size_t keep = 0;
    for (size_t i = 0; i < c->n_addresses; i++) {
        struct contact_address *ad = &c->addresses[i];
        if (!ad->street && !ad->city && !ad->region && !ad->postal_code && !ad->country)
            continue;
        c->addresses[keep++] = *ad;
    }
    c->n_addresses = keep;
    return c;
}

static char *table_name(libesedb_table_t *t)
{
    size_t size = 0;
    if (libesedb_table_get_utf8_name_size(t, &size, NULL) != 1 || size == 0 || size > 4096)
        return xstrdup("?");
    char *s = xmalloc(size);
    if (libesedb_table_get_utf8_name(t, (uint8_t *)s, size, NULL) != 1) {
        free(s);
        return xstrdup("?");
    }
    s[size - 1] = '\0';
    return s;
}

long contacts_edb_read(const char *path, const char *source, struct contact_list *out,
                       struct report *rep, size_t *skipped)
{
    if (skipped)
        *skipped = 0;
    libesedb_file_t *file = NULL;
    libesedb_error_t *e = NULL;
    if (libesedb_file_initialize(&file, &e) != 1 ||
        libesedb_file_open(file, path, LIBESEDB_OPEN_READ, &e) != 1) {
        libesedb_error_free(&e);
        libesedb_file_free(&file, NULL);
        report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                       "The contacts database cannot be opened as an ESE database.");
        return -1;
    }
    int ntables = 0;
    libesedb_file_get_number_of_tables(file, &ntables, NULL);
    long added = 0;
    size_t skip = 0;
    bool found = false, damaged = false;
    for (int t = 0; t < ntables; t++) {
        libesedb_table_t *table = NULL;
        if (libesedb_file_get_table(file, t, &table, NULL) != 1)
            continue;
        char *tname = table_name(table);
        int ncols = 0;
        libesedb_table_get_number_of_columns(table, &ncols, 0, NULL);
        struct col *cols = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof *cols);
        size_t mapped = 0;
        unsigned seen = 0;
        for (int i = 0; i < ncols; i++) {
            libesedb_column_t *col = NULL;
            cols[i].entry = i;
            if (libesedb_table_get_column(table, i, &col, 0, NULL) != 1)
                continue;
            uint32_t type = 0;
            libesedb_column_get_type(col, &type, NULL);
            cols[i].name = utf8_name(col);
            if (cols[i].name && is_text((int)type)) {
                cols[i].p = match(cols[i].name);
                if (cols[i].p && !(seen & (1u << cols[i].p->target))) {
                    seen |= 1u << cols[i].p->target;
                    mapped++;
                }
            }
            libesedb_column_free(&col, NULL);
        }
        int nrec = 0;
        if (mapped >= 2 && strncmp(tname, "MSys", 4) != 0 &&
            libesedb_table_get_number_of_records(table, &nrec, NULL) != 1) {
            /* e.g. its pages lie past the end of a truncated file: not "0 contacts" */
            damaged = true;
            report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                           "Table %s looks like contacts but its rows cannot be read (damaged "
                           "database): its contacts are lost.",
                           tname);
        } else if (mapped >= 2 && strncmp(tname, "MSys", 4) != 0) {
            found = true;
            struct buf unknown = BUF_INIT;
            bool *has_text = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof *has_text);
            for (int r = 0; r < nrec; r++) {
                libesedb_record_t *rec = NULL;
                if (libesedb_table_get_record(table, r, &rec, NULL) != 1) {
                    skip++;
                    report_problem(rep, PROBLEM_BAD_CONTACT, source,
                                   "Row %d of table %s cannot be read: skipped.", r, tname);
                    continue;
                }
                struct contact *c = read_row(rec, cols, (size_t)ncols);
                for (int i = 0; i < ncols; i++) {
                    if (cols[i].p || has_text[i] || !cols[i].name)
                        continue;
                    int type = 0;
                    if (libesedb_record_get_column_type(rec, i, (uint32_t *)&type, NULL) != 1 ||
                        !is_text(type))
                        continue;
                    char *v = esedb_text(rec, i);
                    if (v && *v)
                        has_text[i] = true;
                    free(v);
                }
                libesedb_record_free(&rec, NULL);
                if (contact_is_empty(c)) {
                    skip++;
                    report_problem(rep, PROBLEM_BAD_CONTACT, source,
                                   "Row %d of table %s holds no name, e-mail or phone: skipped.",
                                   r, tname);
                    contact_free(c);
                    continue;
                }
                c->origin = xasprintf("%s table %s row %d", source, tname, r);
                contact_list_add(out, c);
                added++;
            }
            for (int i = 0; i < ncols; i++)
                if (has_text[i]) {
                    if (unknown.len)
                        buf_puts(&unknown, ", ");
                    buf_puts(&unknown, cols[i].name);
                }
            if (unknown.len)
                report_problem(rep, PROBLEM_CONTACT_FIELD, source,
                               "Table %s (experimental reader): text columns not mapped to a "
                               "contact field: %s.",
                               tname, buf_str(&unknown));
            buf_free(&unknown);
            free(has_text);
        }
        for (int i = 0; i < ncols; i++)
            free(cols[i].name);
        free(cols);
        free(tname);
        libesedb_table_free(&table, NULL);
    }
    libesedb_file_close(file, NULL);
    libesedb_file_free(&file, NULL);
    if (!found) {
        if (damaged)
            return -1;
        report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                       "No table of this ESE database looks like contacts (experimental reader: "
                       "the schema of contacts.edb is not published).");
        return -1;
    }
    if (skipped)
        *skipped = skip;
    return added;
}
