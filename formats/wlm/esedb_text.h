/* esedb_text: what both readers of WLM's ESE databases share: their tables as rows of cells.
 *
 * msgstore (Mail.MSMessageStore) and contacts_edb (contacts.edb) ask for tables and columns by
 * name; esedb_read() hands back each chosen table's rows as cells: integers, JET DateTime bits,
 * UTF-8 text, or the raw bytes of a text column whose declared code page is not to be trusted
 * (an ANSI program on Japanese Windows stores CP932 bytes in a column that claims 1252). Text is
 * bounded (64 MB a value) so a damaged database cannot ask for gigabytes.
 *
 * Callbacks: the query's run in the child, where libesedb runs; the sink's in the parent, with
 * what the child read. The tables and cells given to the sink live for that call only. */
#ifndef WLMIGRATE_ESEDB_TEXT_H
#define WLMIGRATE_ESEDB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/child.h"
#include "util/error.h"

enum esedb_cell_kind {
    ESEDB_NULL,   /* absent, NULL, empty or unreadable */
    ESEDB_INT,    /* an integer column (bit, byte, short, long, currency, long long) */
    ESEDB_DATE,   /* a JET DateTime: `value` holds the bits of the double (an OLE date) */
    ESEDB_TEXT,   /* UTF-8 as libesedb decoded it (multi-values one per line); may be invalid */
    ESEDB_BYTES,  /* a text column's stored bytes, in a code page we must guess */
};

struct esedb_cell {
    enum esedb_cell_kind kind;
    int64_t value;        /* INT: the value, sign-extended as the column type says; DATE: bits */
    const char *data;     /* TEXT, BYTES: `len` bytes (not NUL-terminated) */
    size_t len;
};

struct esedb_column {
    const char *name;
    uint32_t type;        /* the column type, as libesedb numbers it (JET_coltyp) */
};

struct esedb_table {
    const char *name;
    const struct esedb_column *columns; /* the columns asked for, in the table's order */
    size_t ncolumns;
    long records;         /* its number of records; -1 when they cannot be counted (damaged) */
};

/* How a column is read. */
enum esedb_want {
    ESEDB_SKIP,
    ESEDB_VALUE,          /* integers, dates, text as libesedb decodes it */
    ESEDB_RAW_TEXT,       /* text: ESEDB_TEXT when the stored bytes are UTF-16, else ESEDB_BYTES */
};

struct esedb_query {
    const char *const *tables; /* NULL-terminated names to read, in this order; NULL: every table */
    enum esedb_want (*column)(void *ctx, const char *table, const char *column, uint32_t type);
    /* Whether to read a table's rows, given the columns chosen; NULL: yes. */
    bool (*wanted)(void *ctx, const struct esedb_table *t);
    void *ctx;
    /* The work that reads `path` with this query and writes the rows to fd (esedb_dump): the
     * name by which a new process is asked to run it (util/child.h; Windows starts the program
     * again), listed in formats/registry.c's registry_child_roles[]. */
    const struct child_role *role;
};

struct esedb_sink {
    void (*table)(void *ctx, const struct esedb_table *t); /* before the table's rows */
    void (*row)(void *ctx, const struct esedb_table *t, long index, const struct esedb_cell *cells);
    void (*bad_row)(void *ctx, const struct esedb_table *t, long index); /* unreadable record */
    void *ctx;
};

/* Reads the database at `path` (never written): for each table the query wants, sink->table,
 * then sink->row or sink->bad_row for each record. A table the query names that the database
 * lacks is not reported to the sink.
 *
 * libesedb runs in a child process (src/util/child.h) that may take ESEDB_MEMORY_LIMIT plus the
 * file's size, must write within ESEDB_IDLE_SECONDS of its last output (a hang is killed then),
 * and must finish within ESEDB_SECONDS plus one second per MB of the file (libesedb needs about
 * 5 s for 20,000 messages: a large store must not lose its state to a fixed limit). The child
 * passes the rows back in the row format below, which the parent checks as it decodes. Before
 * that, the file header and the pages of the catalog's first extent are checked (signature,
 * version, page size, size, checksums) so that libesedb never sees most damage.
 *
 * The sink is called as rows arrive, so a database whose reading fails half-way has given some:
 * the caller must keep what it got only when esedb_read() returns 0. -1 with err naming the file
 * when the database fails the checks, cannot be opened, or its reader crashed, hung, ran out of
 * memory or wrote what the parent refuses (the phrase says which). */
int esedb_read(const char *path, const struct esedb_query *q, const struct esedb_sink *s,
               struct error *err);

#define ESEDB_MEMORY_LIMIT (512ull << 20)
#define ESEDB_IDLE_SECONDS 60u
#define ESEDB_SECONDS 300u

/* Writes what the child writes for `path` and `q` to `fd`, in this process: for tests and for
 * making fuzzing seeds of the row format. */
void esedb_dump(const char *path, const struct esedb_query *q, int fd);

/* ---- the row format ---------------------------------------------------------------------------
 * The child's output: the 8 bytes "WLMESE1\n", then records of a type byte, a uint32 payload
 * length and the payload (integers little-endian; strings a uint32 length and the bytes):
 *   'T' a table:   name, int64 records (-1: cannot be counted), uint32 columns, then each
 *                  column's uint32 type and name
 *   'R' a row:     int64 index, uint32 cells (the table's column count), then each cell's kind
 *                  byte (enum esedb_cell_kind) and, for INT and DATE, an int64, for TEXT and
 *                  BYTES, a string
 *   'B' a record that cannot be read: int64 index
 *   'E' the database cannot be opened: the message; the last record
 *   'Z' the end: uint32 tables sent; the last record
 * The decoder refuses any length beyond its record or its limit, a row before its table or of
 * another width, an index outside its table, names that are not UTF-8 or hold NUL, unknown
 * types, and anything after the last record. */

struct esedb_rows;

enum esedb_rows_end {
    ESEDB_ROWS_END,        /* 'Z' */
    ESEDB_ROWS_NOT_OPENED, /* 'E': the message in err */
    ESEDB_ROWS_BAD,        /* malformed or cut short: what, in err */
};

/* A decoder that calls `sink` for each record as it completes. */
struct esedb_rows *esedb_rows_new(const struct esedb_sink *sink);
/* Decodes `len` more bytes (any split). 0, or -1 once the input is malformed. */
int esedb_rows_feed(struct esedb_rows *d, const void *data, size_t len);
/* How the input ended, once all of it was fed. */
enum esedb_rows_end esedb_rows_finish(struct esedb_rows *d, struct error *err);
void esedb_rows_free(struct esedb_rows *d);

/* A text cell as UTF-8: ESEDB_TEXT repaired where invalid, ESEDB_BYTES decoded as
 * charset_guess() finds; the text ends at its first NUL. NULL for other kinds and for empty
 * text. */
char *esedb_cell_string(const struct esedb_cell *c);

#endif
