/* csv: RFC 4180 reading and writing (see csv.h).
 *
 * One pass over the bytes with a small state machine: outside a field, inside an unquoted
 * field, inside quotes. Every index is checked against `len`. */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

char csv_guess_delimiter(const char *data, size_t len)
{
    size_t counts[3] = {0, 0, 0};
    const char delims[3] = {',', ';', '\t'};
    bool q = false;
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (ch == '"')
            q = !q;
        else if (!q && (ch == '\n' || ch == '\r'))
            break;
        else if (!q)
            for (int k = 0; k < 3; k++)
                counts[k] += ch == delims[k];
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return delims[best];
}

static void end_field(struct csv_row *row, struct buf *f, size_t *cap)
{
    row->fields = xgrow(row->fields, cap, row->count + 1, sizeof *row->fields);
    row->fields[row->count++] = buf_detach(f);
    if (!row->fields[row->count - 1])
        row->fields[row->count - 1] = xstrdup("");
}

static void end_row(struct csv_table *t, struct csv_row *row)
{
    /* a blank line is one empty field: skip it */
    if (row->count == 1 && row->fields[0][0] == '\0') {
        free(row->fields[0]);
        free(row->fields);
    } else {
        t->rows = xgrow(t->rows, &t->cap, t->count + 1, sizeof *t->rows);
        t->rows[t->count++] = *row;
    }
    memset(row, 0, sizeof *row);
}

void csv_parse(const char *data, size_t len, char delim, struct csv_table *t)
{
    struct csv_row row = {NULL, 0, 1};
    size_t cap = 0, line = 1;
    struct buf f = BUF_INIT;
    bool quoted = false, any = false;
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (quoted) {
            if (ch == '"') {
                if (i + 1 < len && data[i + 1] == '"') {
                    buf_putc(&f, '"');
                    i++;
                } else {
                    quoted = false;
                }
            } else {
                if (ch == '\n' || (ch == '\r' && !(i + 1 < len && data[i + 1] == '\n')))
                    line++;
                buf_putc(&f, ch);
            }
            continue;
        }
        if (ch == '"' && f.len == 0 && !any) {
            quoted = true;
            any = true;
            continue;
        }
        if (ch == delim) {
            end_field(&row, &f, &cap);
            any = false;
            continue;
        }
        if (ch == '\r' || ch == '\n') {
            if (ch == '\r' && i + 1 < len && data[i + 1] == '\n')
                i++;
            end_field(&row, &f, &cap);
            end_row(t, &row);
            cap = 0;
            any = false;
            row.line = ++line;
            continue;
        }
        any = true;
        buf_putc(&f, ch);
    }
    if (quoted)
        t->unterminated = true;
    if (any || f.len || row.count) {
        end_field(&row, &f, &cap);
        end_row(t, &row);
    }
    buf_free(&f);
}

void csv_table_free(struct csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        for (size_t k = 0; k < t->rows[i].count; k++)
            free(t->rows[i].fields[k]);
        free(t->rows[i].fields);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

void csv_write_field(struct buf *out, const char *s, char delim)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    bool quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            quote = true;
    if (!quote) {
        buf_append(out, s, n);
        return;
    }
    buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_putc(out, '"');
        buf_putc(out, s[i]);
    }
    buf_putc(out, '"');
}
