/* esedb_text: ESE tables as rows of cells through libesedb (see esedb_text.h). */
#include "esedb_text.h"

#include <libesedb.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "normalize/charset.h"
#include "util/buf.h"
#include "util/child.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/platform.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* A text value larger than this is taken as damage, not read. */
#define TEXT_MAX (64u << 20)
/* Multi-values read per cell, and the size of each. */
#define MULTI_MAX 64
#define MULTI_VALUE_MAX (1u << 20)

char *esedb_cell_string(const struct esedb_cell *c)
{
    if (c->kind != ESEDB_TEXT && c->kind != ESEDB_BYTES)
        return NULL;
    size_t len = strnlen(c->data, c->len); /* text ends at its first NUL */
    if (len == 0)
        return NULL;
    if (c->kind == ESEDB_TEXT)
        return utf8_valid(c->data, len) ? xstrndup(c->data, len) : utf8_repair(c->data, len, '?');
    /* Bytes in the code page of the Windows that wrote them, which nothing records. */
    const char *cs = charset_guess(c->data, len, NULL);
    char *s = charset_to_utf8(c->data, len, cs, NULL, NULL);
    if (s && !*s) {
        free(s);
        return NULL;
    }
    return s;
}

/* ---- libesedb ------------------------------------------------------------------------------- */

static void esedb_error(struct error *err, libesedb_error_t **e, const char *what,
                        const char *path)
{
    char detail[512] = "";
    if (e && *e) {
        libesedb_error_sprint(*e, detail, sizeof detail);
        libesedb_error_free(e);
        char *nl = strchr(detail, '\n');
        if (nl)
            *nl = '\0';
    }
    error_set(err, "%s %s%s%s", what, path, detail[0] ? ": " : "", detail);
}

static char *utf8_name(int (*size_of)(void *, size_t *, libesedb_error_t **),
                       int (*get)(void *, uint8_t *, size_t, libesedb_error_t **), void *obj)
{
    size_t size = 0;
    if (size_of(obj, &size, NULL) != 1 || size == 0 || size > 4096)
        return NULL;
    char *s = xmalloc(size);
    if (get(obj, (uint8_t *)s, size, NULL) != 1) {
        free(s);
        return NULL;
    }
    s[size - 1] = '\0';
    return s;
}

static int table_name_size(void *t, size_t *n, libesedb_error_t **e)
{
    return libesedb_table_get_utf8_name_size(t, n, e);
}
static int table_name_get(void *t, uint8_t *s, size_t n, libesedb_error_t **e)
{
    return libesedb_table_get_utf8_name(t, s, n, e);
}
static int column_name_size(void *c, size_t *n, libesedb_error_t **e)
{
    return libesedb_column_get_utf8_name_size(c, n, e);
}
static int column_name_get(void *c, uint8_t *s, size_t n, libesedb_error_t **e)
{
    return libesedb_column_get_utf8_name(c, s, n, e);
}

static bool is_text_type(uint32_t type)
{
    return type == LIBESEDB_COLUMN_TYPE_TEXT || type == LIBESEDB_COLUMN_TYPE_LARGE_TEXT;
}

/* An integer or date value; false when absent, NULL or unreadable. */
static bool read_int(libesedb_record_t *rec, int entry, uint32_t type, int64_t *out)
{
    libesedb_error_t *e = NULL;
    int rc = 0;
    switch (type) {
    case LIBESEDB_COLUMN_TYPE_BOOLEAN:
    case LIBESEDB_COLUMN_TYPE_INTEGER_8BIT_UNSIGNED: {
        uint8_t v;
        rc = libesedb_record_get_value_8bit(rec, entry, &v, &e);
        *out = v;
        break;
    }
    case LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_UNSIGNED: {
        uint16_t v;
        rc = libesedb_record_get_value_16bit(rec, entry, &v, &e);
        *out = type == LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_SIGNED ? (int64_t)(int16_t)v : (int64_t)v;
        break;
    }
    case LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_UNSIGNED: {
        uint32_t v;
        rc = libesedb_record_get_value_32bit(rec, entry, &v, &e);
        *out = type == LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_SIGNED ? (int64_t)(int32_t)v : (int64_t)v;
        break;
    }
    case LIBESEDB_COLUMN_TYPE_CURRENCY:
    case LIBESEDB_COLUMN_TYPE_INTEGER_64BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_DATE_TIME: {
        uint64_t v;
        rc = libesedb_record_get_value_64bit(rec, entry, &v, &e);
        *out = (int64_t)v;
        break;
    }
    default:
        rc = 0;
    }
    if (e)
        libesedb_error_free(&e);
    return rc == 1;
}

/* The values of a multi-valued text column, one per line. */
static void read_multi(libesedb_record_t *rec, int entry, struct buf *out)
{
    libesedb_error_t *e = NULL;
    libesedb_multi_value_t *mv = NULL;
    int n = 0;
    if (libesedb_record_get_multi_value(rec, entry, &mv, &e) == 1 &&
        libesedb_multi_value_get_number_of_values(mv, &n, &e) == 1) {
        for (int i = 0; i < n && i < MULTI_MAX; i++) {
            size_t sz = 0;
            if (libesedb_multi_value_get_value_utf8_string_size(mv, i, &sz, NULL) != 1 ||
                sz < 2 || sz > MULTI_VALUE_MAX)
                continue;
            char *v = xmalloc(sz);
            if (libesedb_multi_value_get_value_utf8_string(mv, i, (uint8_t *)v, sz, NULL) == 1) {
                if (out->len)
                    buf_putc(out, '\n');
                buf_append(out, v, strnlen(v, sz));
            }
            free(v);
        }
    }
    if (mv)
        libesedb_multi_value_free(&mv, NULL);
    libesedb_error_free(&e);
}

/* A text value as libesedb decodes it into `text`, and (raw) its stored bytes into `raw`.
 * False when absent, empty or unreadable. */
static bool read_text(libesedb_record_t *rec, int entry, bool raw_wanted, struct buf *text,
                      struct buf *raw, uint8_t *flags_out)
{
    libesedb_error_t *e = NULL;
    uint8_t flags = 0;
    if (libesedb_record_get_value_data_flags(rec, entry, &flags, &e) != 1) {
        libesedb_error_free(&e);
        return false;
    }
    *flags_out = flags;
    if (flags & LIBESEDB_VALUE_FLAG_MULTI_VALUE) {
        read_multi(rec, entry, text);
        return text->len > 0;
    }
    size_t size = 0;
    if (flags & LIBESEDB_VALUE_FLAG_LONG_VALUE) {
        libesedb_long_value_t *lv = NULL;
        if (libesedb_record_get_long_value(rec, entry, &lv, &e) == 1) {
            if (libesedb_long_value_get_utf8_string_size(lv, &size, &e) == 1 && size > 1 &&
                size < TEXT_MAX) {
                char *s = xmalloc(size);
                if (libesedb_long_value_get_utf8_string(lv, (uint8_t *)s, size, &e) == 1)
                    buf_append(text, s, strnlen(s, size));
                free(s);
            }
            libesedb_error_free(&e);
            size64_t rsize = 0;
            if (raw_wanted && libesedb_long_value_get_data_size(lv, &rsize, &e) == 1 &&
                rsize > 0 && rsize < TEXT_MAX) {
                uint8_t *d = xmalloc((size_t)rsize);
                if (libesedb_long_value_get_data(lv, d, (size_t)rsize, &e) == 1)
                    buf_append(raw, d, (size_t)rsize);
                free(d);
            }
        }
        if (lv)
            libesedb_long_value_free(&lv, NULL);
    } else {
        if (libesedb_record_get_value_utf8_string_size(rec, entry, &size, &e) == 1 && size > 1 &&
            size < TEXT_MAX) {
            char *s = xmalloc(size);
            if (libesedb_record_get_value_utf8_string(rec, entry, (uint8_t *)s, size, &e) == 1)
                buf_append(text, s, strnlen(s, size));
            free(s);
        }
        libesedb_error_free(&e);
        size_t rsize = 0;
        if (raw_wanted && libesedb_record_get_value_data_size(rec, entry, &rsize, &e) == 1 &&
            rsize > 0 && rsize < TEXT_MAX) {
            uint8_t *d = xmalloc(rsize);
            if (libesedb_record_get_value_data(rec, entry, d, rsize, &e) == 1)
                buf_append(raw, d, rsize);
            free(d);
        }
    }
    libesedb_error_free(&e);
    return text->len > 0 || raw->len > 0;
}

/* Whether `raw` is the UTF-16LE form of `text` (trailing NULs aside): the column is Unicode. */
static bool is_utf16_of(const struct buf *raw, const struct buf *text)
{
    if (raw->len % 2 != 0 || raw->len == 0)
        return false;
    char *u = charset_to_utf8_strict(raw->data, raw->len, "UTF-16LE");
    if (!u)
        return false;
    size_t ul = strlen(u), tl = text->len;
    while (tl > 0 && text->data[tl - 1] == '\0')
        tl--;
    bool same = ul == tl && memcmp(u, text->data, tl) == 0;
    free(u);
    return same;
}

struct chosen {
    int entry;
    enum esedb_want want;
};

static void read_rows(libesedb_table_t *table, const struct esedb_table *t,
                      const struct chosen *chosen, const struct esedb_sink *s)
{
    struct esedb_cell *cells = xcalloc(t->ncolumns ? t->ncolumns : 1, sizeof *cells);
    struct buf *text = xcalloc(t->ncolumns ? t->ncolumns : 1, sizeof *text);
    struct buf *raw = xcalloc(t->ncolumns ? t->ncolumns : 1, sizeof *raw);
    for (long r = 0; r < t->records; r++) {
        libesedb_record_t *rec = NULL;
        libesedb_error_t *e = NULL;
        if (libesedb_table_get_record(table, (int)r, &rec, &e) != 1) {
            libesedb_error_free(&e);
            if (s->bad_row)
                s->bad_row(s->ctx, t, r);
            continue;
        }
        for (size_t c = 0; c < t->ncolumns; c++) {
            uint32_t type = t->columns[c].type;
            struct esedb_cell *cell = &cells[c];
            *cell = (struct esedb_cell){ESEDB_NULL, 0, NULL, 0};
            buf_reset(&text[c]);
            buf_reset(&raw[c]);
            if (is_text_type(type)) {
                uint8_t flags = 0;
                bool want_raw = chosen[c].want == ESEDB_RAW_TEXT;
                if (!read_text(rec, chosen[c].entry, want_raw, &text[c], &raw[c], &flags))
                    continue;
                if (want_raw && raw[c].len && !(flags & (LIBESEDB_VALUE_FLAG_COMPRESSED |
                                                         LIBESEDB_VALUE_FLAG_MULTI_VALUE)) &&
                    !is_utf16_of(&raw[c], &text[c]))
                    *cell = (struct esedb_cell){ESEDB_BYTES, 0, raw[c].data, raw[c].len};
                else if (text[c].len)
                    *cell = (struct esedb_cell){ESEDB_TEXT, 0, text[c].data, text[c].len};
            } else {
                int64_t v = 0;
                if (read_int(rec, chosen[c].entry, type, &v))
                    *cell = (struct esedb_cell){
                        type == LIBESEDB_COLUMN_TYPE_DATE_TIME ? ESEDB_DATE : ESEDB_INT, v, NULL,
                        0};
            }
        }
        libesedb_record_free(&rec, NULL);
        s->row(s->ctx, t, r, cells);
    }
    for (size_t c = 0; c < t->ncolumns; c++) {
        buf_free(&text[c]);
        buf_free(&raw[c]);
    }
    free(text);
    free(raw);
    free(cells);
}

static void read_table(libesedb_table_t *table, const struct esedb_query *q,
                       const struct esedb_sink *s)
{
    char *tname = utf8_name(table_name_size, table_name_get, table);
    if (!tname)
        return;
    int ncols = 0;
    if (libesedb_table_get_number_of_columns(table, &ncols, 0, NULL) != 1 || ncols < 0)
        ncols = 0;
    struct esedb_column *cols = xcalloc((size_t)ncols + 1, sizeof *cols);
    struct chosen *chosen = xcalloc((size_t)ncols + 1, sizeof *chosen);
    size_t n = 0;
    for (int i = 0; i < ncols; i++) {
        libesedb_column_t *col = NULL;
        if (libesedb_table_get_column(table, i, &col, 0, NULL) != 1)
            continue;
        uint32_t type = 0;
        char *cname = utf8_name(column_name_size, column_name_get, col);
        enum esedb_want want = ESEDB_SKIP;
        if (cname && libesedb_column_get_type(col, &type, NULL) == 1)
            want = q->column(q->ctx, tname, cname, type);
        libesedb_column_free(&col, NULL);
        if (want == ESEDB_SKIP) {
            free(cname);
            continue;
        }
        cols[n] = (struct esedb_column){cname, type};
        chosen[n++] = (struct chosen){i, want};
    }
    int nrec = 0;
    struct esedb_table t = {tname, cols, n, -1};
    if (libesedb_table_get_number_of_records(table, &nrec, NULL) == 1 && nrec >= 0)
        t.records = nrec;
    if (!q->wanted || q->wanted(q->ctx, &t)) {
        s->table(s->ctx, &t);
        read_rows(table, &t, chosen, s);
    }
    for (size_t i = 0; i < n; i++)
        free((char *)cols[i].name);
    free(cols);
    free(chosen);
    free(tname);
}

/* Reads the database with libesedb in this process (the child's work). */
static int read_database(const char *path, const struct esedb_query *q,
                         const struct esedb_sink *s, struct error *err)
{
    libesedb_file_t *file = NULL;
    libesedb_error_t *e = NULL;
    char *native = plat_library_path(path); /* libesedb opens by a narrow name */
    int opened = native && libesedb_file_initialize(&file, &e) == 1 &&
                 libesedb_file_open(file, native, LIBESEDB_OPEN_READ, &e) == 1;
    free(native);
    if (!opened) {
        esedb_error(err, &e, "cannot open the database", path);
        libesedb_file_free(&file, NULL);
        return -1;
    }
    if (q->tables) {
        for (size_t i = 0; q->tables[i]; i++) {
            libesedb_table_t *table = NULL;
            const char *name = q->tables[i];
            if (libesedb_file_get_table_by_utf8_name(file, (const uint8_t *)name, strlen(name),
                                                     &table, &e) == 1)
                read_table(table, q, s);
            libesedb_error_free(&e);
            if (table)
                libesedb_table_free(&table, NULL);
        }
    } else {
        int ntables = 0;
        if (libesedb_file_get_number_of_tables(file, &ntables, NULL) != 1)
            ntables = 0;
        for (int i = 0; i < ntables; i++) {
            libesedb_table_t *table = NULL;
            if (libesedb_file_get_table(file, i, &table, NULL) == 1)
                read_table(table, q, s);
            if (table)
                libesedb_table_free(&table, NULL);
        }
    }
    libesedb_file_close(file, NULL);
    libesedb_file_free(&file, NULL);
    return 0;
}

/* ---- the row format: writing (in the child) ------------------------------------------------- */

#define ROWS_MAGIC "WLMESE1\n"
#define ROWS_MAGIC_LEN 8
/* Limits the decoder enforces: a record (a row of big texts), a name, a table's columns. */
#define RECORD_MAX (256u << 20)
#define NAME_MAX_LEN 4096u
#define COLUMNS_MAX 65536u
#define MESSAGE_MAX 4096u

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct writer {
    int fd;
    time_t flushed; /* when out was last written: the parent takes silence for a hang */
    struct buf out;  /* records waiting to be written */
    struct buf rec;  /* the record being built */
    uint32_t tables;
};

static void put_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_append(b, x, 4);
}

static void put_i64(struct buf *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(u >> (8 * i));
    buf_append(b, x, 8);
}

static void put_str(struct buf *b, const char *data, size_t len)
{
    put_u32(b, (uint32_t)len);
    buf_append(b, data, len);
}

static void w_flush(struct writer *w)
{
    if (w->out.len)
        fs_write_all(w->fd, w->out.data, w->out.len); /* a broken pipe ends the child */
    buf_reset(&w->out);
}

/* Ends the record being built as one of type `type`. */
static void w_record(struct writer *w, char type)
{
    buf_putc(&w->out, type);
    put_u32(&w->out, (uint32_t)w->rec.len);
    buf_append(&w->out, w->rec.data ? w->rec.data : "", w->rec.len);
    buf_reset(&w->rec);
    time_t now = time(NULL);
    if (w->out.len >= 65536 || now != w->flushed) {
        w_flush(w);
        w->flushed = now;
    }
}

static void w_table(void *ctx, const struct esedb_table *t)
{
    struct writer *w = ctx;
    put_str(&w->rec, t->name, strlen(t->name));
    put_i64(&w->rec, t->records);
    put_u32(&w->rec, (uint32_t)t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        put_u32(&w->rec, t->columns[i].type);
        put_str(&w->rec, t->columns[i].name, strlen(t->columns[i].name));
    }
    w_record(w, 'T');
    w->tables++;
}

static void w_row(void *ctx, const struct esedb_table *t, long index,
                  const struct esedb_cell *cells)
{
    struct writer *w = ctx;
    put_i64(&w->rec, index);
    put_u32(&w->rec, (uint32_t)t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        buf_putc(&w->rec, (char)cells[i].kind);
        if (cells[i].kind == ESEDB_INT || cells[i].kind == ESEDB_DATE)
            put_i64(&w->rec, cells[i].value);
        else if (cells[i].kind == ESEDB_TEXT || cells[i].kind == ESEDB_BYTES)
            put_str(&w->rec, cells[i].data, cells[i].len);
    }
    w_record(w, 'R');
}

static void w_bad_row(void *ctx, const struct esedb_table *t, long index)
{
    (void)t;
    struct writer *w = ctx;
    put_i64(&w->rec, index);
    w_record(w, 'B');
}

void esedb_dump(const char *path, const struct esedb_query *q, int fd)
{
    struct writer w = {fd, time(NULL), BUF_INIT, BUF_INIT, 0};
    struct esedb_sink sink = {w_table, w_row, w_bad_row, &w};
    buf_append(&w.out, ROWS_MAGIC, ROWS_MAGIC_LEN);
    struct error err = {""};
    if (read_database(path, q, &sink, &err) != 0) {
        size_t n = strlen(err.msg);
        put_str(&w.rec, err.msg, n < MESSAGE_MAX ? n : MESSAGE_MAX);
        w_record(&w, 'E');
    } else {
        put_u32(&w.rec, w.tables);
        w_record(&w, 'Z');
    }
    w_flush(&w);
    buf_free(&w.out);
    buf_free(&w.rec);
}

/* ---- the row format: reading (in the parent) ------------------------------------------------ */

struct esedb_rows {
    const struct esedb_sink *sink;
    struct buf pending;     /* bytes not yet decoded */
    uint64_t offset;        /* of pending's first byte in the input */
    uint64_t at;            /* of the record being decoded, for messages */
    bool magic_seen;
    int state;              /* 0 reading, 'Z' or 'E' ended, -1 malformed */
    char message[MESSAGE_MAX + 64];
    /* the current table */
    bool have_table;
    char *table_name;
    struct esedb_column *columns;
    size_t ncolumns;
    long records;
    struct esedb_cell *cells;
};

struct cursor {
    const unsigned char *p;
    size_t left;
    bool bad;
};

static uint32_t get_u32(struct cursor *c)
{
    if (c->bad || c->left < 4) {
        c->bad = true;
        return 0;
    }
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 |
                 (uint32_t)c->p[3] << 24;
    c->p += 4;
    c->left -= 4;
    return v;
}

static int64_t get_i64(struct cursor *c)
{
    if (c->bad || c->left < 8) {
        c->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | c->p[i];
    c->p += 8;
    c->left -= 8;
    return (int64_t)v;
}

static unsigned get_u8(struct cursor *c)
{
    if (c->bad || c->left < 1) {
        c->bad = true;
        return 0;
    }
    c->left--;
    return *c->p++;
}

/* A string of at most `max` bytes: a pointer into the record. */
static const char *get_str(struct cursor *c, size_t max, size_t *len)
{
    uint32_t n = get_u32(c);
    if (c->bad || n > max || n > c->left) {
        c->bad = true;
        *len = 0;
        return NULL;
    }
    const char *s = (const char *)c->p;
    c->p += n;
    c->left -= n;
    *len = n;
    return s;
}

/* A name: UTF-8 without NUL, as a new string; NULL when it is not one. */
static char *get_name(struct cursor *c)
{
    size_t n;
    const char *s = get_str(c, NAME_MAX_LEN, &n);
    if (!s || memchr(s, '\0', n) || !utf8_valid(s, n)) {
        c->bad = true;
        return NULL;
    }
    return xstrndup(s, n);
}

static void drop_table(struct esedb_rows *d)
{
    for (size_t i = 0; i < d->ncolumns; i++)
        free((char *)d->columns[i].name);
    free(d->columns);
    free(d->cells);
    free(d->table_name);
    d->columns = NULL;
    d->cells = NULL;
    d->table_name = NULL;
    d->ncolumns = 0;
    d->have_table = false;
}

static int malformed(struct esedb_rows *d, const char *what)
{
    snprintf(d->message, sizeof d->message, "%s at byte %llu", what, (unsigned long long)d->at);
    d->state = -1;
    return -1;
}

static int decode_table(struct esedb_rows *d, struct cursor *c)
{
    drop_table(d);
    d->table_name = get_name(c);
    int64_t records = get_i64(c);
    uint32_t n = get_u32(c);
    /* each column takes at least 8 bytes: a count beyond what is left is a lie */
    if (c->bad || records < -1 || records > LONG_MAX || n > COLUMNS_MAX || n > c->left / 8)
        return malformed(d, "a bad table record");
    d->records = (long)records;
    d->columns = xcalloc(n + 1, sizeof *d->columns);
    d->cells = xcalloc(n + 1, sizeof *d->cells);
    for (uint32_t i = 0; i < n; i++) {
        d->columns[i].type = get_u32(c);
        d->columns[i].name = get_name(c);
        if (c->bad)
            break;
        d->ncolumns++;
    }
    if (c->bad || c->left != 0)
        return malformed(d, "a bad column in a table record");
    d->have_table = true;
    struct esedb_table t = {d->table_name, d->columns, d->ncolumns, d->records};
    d->sink->table(d->sink->ctx, &t);
    return 0;
}

static int decode_row(struct esedb_rows *d, struct cursor *c, bool bad_row)
{
    if (!d->have_table)
        return malformed(d, "a row before its table");
    int64_t index = get_i64(c);
    if (c->bad || index < 0 || (d->records >= 0 && index >= d->records))
        return malformed(d, "a row index outside its table");
    struct esedb_table t = {d->table_name, d->columns, d->ncolumns, d->records};
    if (bad_row) {
        if (c->left != 0)
            return malformed(d, "a bad unreadable-row record");
        if (d->sink->bad_row)
            d->sink->bad_row(d->sink->ctx, &t, (long)index);
        return 0;
    }
    if (get_u32(c) != d->ncolumns || c->bad)
        return malformed(d, "a row of another width than its table");
    for (size_t i = 0; i < d->ncolumns; i++) {
        struct esedb_cell *cell = &d->cells[i];
        *cell = (struct esedb_cell){ESEDB_NULL, 0, NULL, 0};
        unsigned kind = get_u8(c);
        switch (kind) {
        case ESEDB_NULL:
            break;
        case ESEDB_INT:
        case ESEDB_DATE:
            cell->kind = (enum esedb_cell_kind)kind;
            cell->value = get_i64(c);
            break;
        case ESEDB_TEXT:
        case ESEDB_BYTES:
            cell->kind = (enum esedb_cell_kind)kind;
            cell->data = get_str(c, RECORD_MAX, &cell->len);
            break;
        default:
            c->bad = true;
        }
        if (c->bad)
            return malformed(d, "a bad cell in a row");
    }
    if (c->left != 0)
        return malformed(d, "bytes after the cells of a row");
    d->sink->row(d->sink->ctx, &t, (long)index, d->cells);
    return 0;
}

static int decode_record(struct esedb_rows *d, char type, struct cursor *c)
{
    size_t n;
    const char *msg;
    switch (type) {
    case 'T':
        return decode_table(d, c);
    case 'R':
        return decode_row(d, c, false);
    case 'B':
        return decode_row(d, c, true);
    case 'E':
        msg = get_str(c, MESSAGE_MAX, &n);
        if (c->bad || c->left != 0)
            return malformed(d, "a bad error record");
        {
            /* one line of text, whatever the bytes */
            char *raw = xstrndup(msg, n), *clean;
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
                    raw[i] = ' ';
            clean = utf8_repair(raw, n, '?');
            size_t start = strspn(clean, " ");
            snprintf(d->message, sizeof d->message, "%s",
                     clean[start] ? clean + start : "the database cannot be opened");
            free(clean);
            free(raw);
        }
        d->state = 'E';
        return 0;
    case 'Z':
        get_u32(c);
        if (c->bad || c->left != 0)
            return malformed(d, "a bad end record");
        d->state = 'Z';
        return 0;
    default:
        return malformed(d, "an unknown record type");
    }
}

struct esedb_rows *esedb_rows_new(const struct esedb_sink *sink)
{
    struct esedb_rows *d = xcalloc(1, sizeof *d);
    d->sink = sink;
    return d;
}

int esedb_rows_feed(struct esedb_rows *d, const void *data, size_t len)
{
    if (d->state == -1)
        return -1;
    if (len == 0)
        return 0;
    if (d->state != 0) {
        d->at = d->offset;
        return malformed(d, "bytes after the last record");
    }
    buf_append(&d->pending, data, len);
    const unsigned char *p = (const unsigned char *)d->pending.data;
    size_t left = d->pending.len, used = 0;
    int rc = 0;
    if (!d->magic_seen) {
        if (left < ROWS_MAGIC_LEN)
            return 0;
        d->at = d->offset;
        if (memcmp(p, ROWS_MAGIC, ROWS_MAGIC_LEN) != 0)
            return malformed(d, "not the row format");
        d->magic_seen = true;
        used = ROWS_MAGIC_LEN;
    }
    while (rc == 0 && used < left) {
        d->at = d->offset + used;
        if (d->state != 0) {
            rc = malformed(d, "bytes after the last record");
            break;
        }
        if (left - used < 5)
            break; /* the record's head is still to come */
        const unsigned char *r = p + used;
        uint32_t n = le32(r + 1);
        if (n > RECORD_MAX) {
            rc = malformed(d, "a record longer than the limit");
            break;
        }
        if (left - used - 5 < n)
            break; /* the rest of the record is still to come */
        struct cursor c = {r + 5, n, false};
        rc = decode_record(d, (char)r[0], &c);
        used += 5 + (size_t)n;
    }
    if (rc == 0) {
        memmove(d->pending.data, d->pending.data + used, left - used);
        d->pending.len = left - used;
        d->offset += used;
    }
    return rc;
}

enum esedb_rows_end esedb_rows_finish(struct esedb_rows *d, struct error *err)
{
    if (d->state == 'Z')
        return ESEDB_ROWS_END;
    if (d->state == 'E') {
        error_set(err, "%s", d->message);
        return ESEDB_ROWS_NOT_OPENED;
    }
    if (d->state == 0) {
        d->at = d->offset + d->pending.len;
        malformed(d, d->magic_seen || d->pending.len ? "the output ends before its last record"
                                                     : "no output");
    }
    error_set(err, "%s", d->message);
    return ESEDB_ROWS_BAD;
}

void esedb_rows_free(struct esedb_rows *d)
{
    if (!d)
        return;
    drop_table(d);
    buf_free(&d->pending);
    free(d);
}

/* ---- checks before libesedb sees the file -------------------------------------------------- */

#define HEADER_SIGNATURE 0x89ABCDEFu
#define FORMAT_VERSION 0x620u
#define STATE_DIRTY 2u
#define HEADER_STRUCT_SIZE 668u  /* the header fields libesedb reads (its checksum covers them) */
#define PAGE_FLAG_ROOT 0x1u
#define PAGE_FLAG_NEW_CHECKSUM 0x2000u
#define PGNO_DATABASE 1u
#define PGNO_CATALOG 4u
#define PGNO_CATALOG_EXTENT_LAST 23u /* the catalog's first extent, as Windows creates it */
#define OBJID_DATABASE 1u
#define OBJID_CATALOG 2u

static uint32_t xor32(const unsigned char *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i + 4 <= len; i += 4)
        seed ^= le32(p + i);
    return seed;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Whether a page of the catalog's first extent was ever written: pages never used are zeros,
 * or stale bytes where Windows grew the file without clearing it (seen in a real database):
 * page flags no page has (0x80000 and above), or a page time later than the database's. */
static bool in_use(const unsigned char *page, size_t size, const unsigned char *head)
{
    bool zero = true;
    for (size_t i = 0; i < size && zero; i++)
        zero = page[i] == 0;
    if (zero || le32(page + 36) >= 0x80000u)
        return false;
    return le32(head + 52) == STATE_DIRTY || le64(page + 8) <= le64(head + 16);
}

/* Whether a page's checksum is right: the XOR word of the new format (page flag 0x2000: the
 * page number XOR every word from offset 8) or of the old one (0x89abcdef XOR every word from
 * offset 4, the page number at offset 4). The ECC word is not checked. Pages over 8 KB have
 * other checksums and are not checked. */
static bool page_checksum_ok(const unsigned char *page, size_t size, uint32_t pgno)
{
    if (size > 8192)
        return true;
    uint32_t flags = le32(page + 36);
    if (flags & PAGE_FLAG_NEW_CHECKSUM)
        return le32(page) == xor32(page + 8, size - 8, pgno);
    return le32(page) == xor32(page + 4, size - 4, HEADER_SIGNATURE) && le32(page + 4) == pgno;
}

static int read_at(int fd, unsigned char *buf, size_t len, off_t at)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = plat_pread(fd, buf + done, len - done, (uint64_t)at + done);
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* The cheap checks; 0, or -1 with err saying what is wrong. *size gets the file's size. */
static int check_file(const char *path, uint64_t *size, struct error *err)
{
    int fd = fs_open_read(path);
    struct plat_stat st;
    if (fd < 0 || plat_fstat(fd, &st) != 0 || st.type != PLAT_FILE) {
        error_set(err, "cannot open the database %s: not a readable regular file", path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *size = st.size;
    unsigned char head[4096];
    const char *why = NULL;
    unsigned char *page = NULL;
    uint32_t ps = 0;
    if (*size < sizeof head || read_at(fd, head, sizeof head, 0) != 0) {
        why = N_("it is too short for an ESE database");
    } else if (le32(head + 4) != HEADER_SIGNATURE) {
        why = N_("it has no ESE signature");
    } else if (le32(head + 8) != FORMAT_VERSION) {
        why = N_("its format version is not 0x620");
    } else {
        ps = le32(head + 236);
        if (ps == 0)
            ps = 4096;
        uint32_t state = le32(head + 52);
        if (ps != 4096 && ps != 8192 && ps != 16384 && ps != 32768)
            why = N_("its page size is not 4, 8, 16 or 32 KB");
        else if (state != STATE_DIRTY && le32(head) != xor32(head + 4, HEADER_STRUCT_SIZE - 4,
                                                             HEADER_SIGNATURE) &&
                 le32(head) != xor32(head + 4, sizeof head - 4, HEADER_SIGNATURE))
            why = N_("its header checksum is wrong");
        else if (*size % ps != 0)
            why = N_("its size is not a whole number of pages (cut short?)");
        else if (*size / ps < PGNO_CATALOG + 2)
            why = N_("it is too short for its catalog");
    }
    if (!why) {
        /* the header page itself, when the checksum covers a whole 8 KB page */
        page = xmalloc(ps);
        uint64_t npages = *size / ps - 1; /* pages after the header (and its shadow: page 0) */
        for (uint32_t pgno = PGNO_DATABASE; !why && pgno <= PGNO_CATALOG_EXTENT_LAST &&
                                            pgno < npages;
             pgno++) {
            if (read_at(fd, page, ps, (off_t)(pgno + 1) * ps) != 0)
                why = N_("a page of its catalog cannot be read");
            else if (pgno == PGNO_DATABASE || pgno == PGNO_CATALOG || in_use(page, ps, head)) {
                uint32_t objid = le32(page + 24), flags = le32(page + 36);
                if (!page_checksum_ok(page, ps, pgno))
                    why = pgno == PGNO_CATALOG
                              ? N_("the checksum of its catalog's root page is wrong")
                              : N_("a checksum of its first pages is wrong");
                else if (pgno == PGNO_DATABASE && objid != OBJID_DATABASE)
                    why = N_("its first page is not the database's root");
                else if (pgno == PGNO_CATALOG && (objid != OBJID_CATALOG ||
                                                  !(flags & PAGE_FLAG_ROOT)))
                    why = N_("page 4 is not its catalog's root");
            }
        }
    }
    free(page);
    close(fd);
    if (why) {
        error_set(err, "%s is not a readable ESE database: %s", path, why);
        return -1;
    }
    return 0;
}

/* ---- reading through the child ------------------------------------------------------------- */

static int feed(void *ctx, const void *data, size_t len)
{
    return esedb_rows_feed(ctx, data, len) != 0;
}

int esedb_read(const char *path, const struct esedb_query *q, const struct esedb_sink *s,
               struct error *err)
{
    uint64_t size = 0;
    if (check_file(path, &size, err) != 0)
        return -1;
    uint64_t mb = size >> 20;
    struct child_limits lim = {
        .memory = ESEDB_MEMORY_LIMIT + size,
        .seconds = ESEDB_SECONDS + (unsigned)(mb < 100000 ? mb : 100000),
        .idle = ESEDB_IDLE_SECONDS,
        .output = (64ull << 20) + 4 * size,
    };
    struct esedb_rows *d = esedb_rows_new(s);
    struct child_result res;
    child_run_role(q->role, path, feed, d, &lim, &res);
    struct error why = {""};
    enum esedb_rows_end end = esedb_rows_finish(d, &why);
    esedb_rows_free(d);
    if (res.outcome == CHILD_REFUSED || (res.outcome == CHILD_DONE && end == ESEDB_ROWS_BAD)) {
        error_set(err, "reading %s gave output that is not what its reader writes (%s)", path,
                  why.msg);
        return -1;
    }
    if (res.outcome != CHILD_DONE) {
        error_set(err, "reading %s %s", path, res.reason);
        return -1;
    }
    if (end == ESEDB_ROWS_NOT_OPENED) {
        error_set(err, "%s", why.msg);
        return -1;
    }
    return 0;
}
