/* csv: RFC 4180 comma-separated values, as real exports write them.
 *
 * Reading: fields separated by a delimiter (',' ';' or TAB, guessed from the first line
 * when asked), records ended by CRLF, LF or CR; a field in double quotes may hold the
 * delimiter, line ends and doubled quotes; a quote inside an unquoted field is kept as it is;
 * text after a closing quote is appended to the field; an unterminated quote runs to the end
 * of the input (and is flagged). Blank lines are skipped. The input is UTF-8 (callers decode
 * first); bytes are copied as they are.
 *
 * Writing: a field is quoted when it holds the delimiter, a quote, CR, LF, or leading or
 * trailing spaces; quotes are doubled.
 *
 * Ownership: the table owns its rows and fields; csv_table_free() accepts NULL members. */
#ifndef WLMIGRATE_CSV_H
#define WLMIGRATE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct csv_row {
    char **fields;
    size_t count;
    size_t line; /* 1-based line where the record starts */
};

struct csv_table {
    struct csv_row *rows;
    size_t count, cap;
    bool unterminated; /* the last field had an opening quote without its closing one */
};

/* ',' ';' or '\t': whichever occurs most often outside quotes on the first line (',' on a tie
 * or when none occurs). */
char csv_guess_delimiter(const char *data, size_t len);

/* Parses `len` bytes into `t` (which must be zeroed). Never fails: malformed input gives
 * fields as described above. */
void csv_parse(const char *data, size_t len, char delim, struct csv_table *t);
void csv_table_free(struct csv_table *t);

/* Appends one field, quoted when needed. */
void csv_write_field(struct buf *out, const char *s, char delim);

#endif
