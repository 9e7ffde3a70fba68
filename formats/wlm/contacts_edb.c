/* contacts_edb: reading contacts.edb with libesedb (see contacts_edb.h). EXPERIMENTAL.
 *
 * Every assumption about the unpublished schema is the `patterns` table below: substrings of
 * column names (ASCII case ignored), most specific first. */
#include "contacts_edb.h"

#include <libesedb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "esedb_text.h"
#include "report/report.h"
#include "util/platform.h"
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
    char *name;
    const struct pattern *p;
};

/* One row into a contact. */
static struct contact *read_row(const struct esedb_cell *cells, const struct col *cols, size_t n)
{
    struct contact *c = contact_new();
    size_t slot[3] = {0, 0, 0}; /* index + 1 of each address slot's address, 0: none yet */
    for (size_t i = 0; i < n; i++) {
        if (!cols[i].p)
            continue;
        char *v = esedb_cell_string(&cells[i]);
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

static bool is_text(uint32_t type)
{
    return type == LIBESEDB_COLUMN_TYPE_TEXT || type == LIBESEDB_COLUMN_TYPE_LARGE_TEXT;
}

/* Every text column is read, as its stored bytes where they are not UTF-16. */
static enum esedb_want want_column(void *ctx, const char *table, const char *column,
                                   uint32_t type)
{
    (void)ctx, (void)table, (void)column;
    return is_text(type) ? ESEDB_RAW_TEXT : ESEDB_SKIP;
}

/* The number of contact fields the columns map to (each counted once). */
static size_t mapped_fields(const struct esedb_column *cols, size_t n)
{
    unsigned seen = 0;
    size_t mapped = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pattern *p = match(cols[i].name);
        if (p && !(seen & (1u << p->target))) {
            seen |= 1u << p->target;
            mapped++;
        }
    }
    return mapped;
}

/* A table is taken for contacts when its text columns map to two contact fields or more. */
static bool wanted_table(void *ctx, const struct esedb_table *t)
{
    (void)ctx;
    return strncmp(t->name, "MSys", 4) != 0 && mapped_fields(t->columns, t->ncolumns) >= 2;
}

/* What a reading found; kept apart until the reader has finished well, so that a reader that
 * crashed half-way adds no contacts and reports only that. */
struct reading {
    const char *source;
    struct contact_list *out; /* the contacts found */
    struct report *rep;       /* the problems met */
    long added;
    size_t skipped;
    bool found, damaged;
    /* the table being read */
    char *table;
    struct col *cols;
    size_t ncols;
    bool *has_text; /* an unmapped column that held text in some row */
};

/* Ends the table being read: reports its text columns that no pattern maps. */
static void end_table(struct reading *r)
{
    if (!r->table)
        return;
    struct buf unknown = BUF_INIT;
    for (size_t i = 0; i < r->ncols; i++)
        if (r->has_text[i]) {
            if (unknown.len)
                buf_puts(&unknown, ", ");
            buf_puts(&unknown, r->cols[i].name);
        }
    if (unknown.len)
        report_problem(r->rep, PROBLEM_CONTACT_FIELD, r->source,
                       "Table %s (experimental reader): text columns not mapped to a contact "
                       "field: %s.",
                       r->table, buf_str(&unknown));
    buf_free(&unknown);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i].name);
    free(r->cols);
    free(r->has_text);
    free(r->table);
    r->table = NULL;
    r->cols = NULL;
    r->has_text = NULL;
    r->ncols = 0;
}

static void on_table(void *ctx, const struct esedb_table *t)
{
    struct reading *r = ctx;
    end_table(r);
    if (t->records < 0) {
        /* e.g. its pages lie past the end of a truncated file: not "0 contacts" */
        r->damaged = true;
        report_problem(r->rep, PROBLEM_CONTACT_SOURCE, r->source,
                       "Table %s looks like contacts but its rows cannot be read (damaged "
                       "database): its contacts are lost.",
                       t->name);
        return;
    }
    r->found = true;
    r->table = xstrdup(t->name);
    r->ncols = t->ncolumns;
    r->cols = xcalloc(t->ncolumns + 1, sizeof *r->cols);
    r->has_text = xcalloc(t->ncolumns + 1, sizeof *r->has_text);
    for (size_t i = 0; i < t->ncolumns; i++) {
        r->cols[i].name = xstrdup(t->columns[i].name);
        r->cols[i].p = is_text(t->columns[i].type) ? match(t->columns[i].name) : NULL;
    }
}

static void on_row(void *ctx, const struct esedb_table *t, long index,
                   const struct esedb_cell *cells)
{
    struct reading *r = ctx;
    if (!r->table || t->ncolumns != r->ncols)
        return;
    struct contact *c = read_row(cells, r->cols, r->ncols);
    for (size_t i = 0; i < r->ncols; i++) {
        if (r->cols[i].p || r->has_text[i])
            continue;
        char *v = esedb_cell_string(&cells[i]);
        if (v && *v)
            r->has_text[i] = true;
        free(v);
    }
    if (contact_is_empty(c)) {
        r->skipped++;
        report_problem(r->rep, PROBLEM_BAD_CONTACT, r->source,
                       "Row %ld of table %s holds no name, e-mail or phone: skipped.", index,
                       r->table);
        contact_free(c);
        return;
    }
    c->origin = xasprintf("%s table %s row %ld", r->source, r->table, index);
    contact_list_add(r->out, c);
    r->added++;
}

static void on_bad_row(void *ctx, const struct esedb_table *t, long index)
{
    struct reading *r = ctx;
    if (!r->table)
        return;
    r->skipped++;
    report_problem(r->rep, PROBLEM_BAD_CONTACT, r->source,
                   "Row %ld of table %s cannot be read: skipped.", index, t->name);
}

static void dump_rows(const char *path, int fd);

const struct child_role contacts_edb_child_role = {"contacts-edb-rows", dump_rows};

static const struct esedb_query query = {
    .column = want_column, .wanted = wanted_table, .role = &contacts_edb_child_role};

/* What the child writes for `path`: the rows of its contact tables. */
static void dump_rows(const char *path, int fd) { esedb_dump(path, &query, fd); }

long contacts_edb_read(const char *path, const char *source, struct contact_list *out,
                       struct report *rep, size_t *skipped)
{
    if (skipped)
        *skipped = 0;
    struct contact_list found = CONTACT_LIST_INIT;
    struct reading r = {.source = source, .out = &found, .rep = report_new()};
    struct esedb_sink sink = {.table = on_table, .row = on_row, .bad_row = on_bad_row, .ctx = &r};
    struct error err;
    int rc = esedb_read(path, &query, &sink, &err);
    end_table(&r);
    if (rc == 0) {
        for (size_t i = 0; i < report_problem_count(r.rep); i++) {
            const struct report_problem *p = report_problem_at(r.rep, i);
            report_problem(rep, p->kind, p->path, "%s", p->message);
        }
        for (size_t i = 0; i < found.count; i++)
            contact_list_add(out, found.items[i]);
        found.count = 0;
    }
    contact_list_clear(&found);
    report_free(r.rep);
    if (rc != 0) {
        report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                       "The contacts database cannot be read as an ESE database (%s).", err.msg);
        return -1;
    }
    if (!r.found) {
        if (r.damaged)
            return -1;
        report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                       "No table of this ESE database looks like contacts (experimental reader: "
                       "the schema of contacts.edb is not published).");
        return -1;
    }
    if (skipped)
        *skipped = r.skipped;
    return r.added;
}
