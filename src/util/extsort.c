/* extsort: records sorted in bounded memory, spilled in sorted runs and merged (see extsort.h).
 *
 * A record in memory and in a run file is the same bytes: a header (key, arrival number, the
 * lengths of the string and of the data) followed by the string and the data. Run files are
 * private to this process and written in its own byte order. */
#include "util/extsort.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/platform.h"
#include "util/xalloc.h"

struct rec {
    int64_t key;
    uint64_t seq;
    uint32_t tie_len;
    uint32_t len;
    /* tie_len bytes of the string, then len bytes of data */
};

static char *rec_tie(const struct rec *r)
{
    return (char *)(r + 1);
}

static size_t rec_size(const struct rec *r)
{
    return sizeof *r + r->tie_len + r->len;
}

/* Where the merge takes its next record from: a run file, or the sorted records in memory. */
struct source {
    FILE *f;           /* NULL: the memory run */
    struct rec *cur;   /* its current record, or NULL when it is used up */
    struct rec *buf;   /* a run file's record buffer */
    size_t cap;
    bool stale;        /* cur has been handed out: advance before use */
};

struct extsort {
    size_t budget;
    struct rec **mem;  /* the records of the run being gathered */
    size_t nmem, capmem;
    size_t mem_bytes;
    size_t mem_next;   /* merging: the next record of the memory run */
    FILE *runs[EXTSORT_MAX_RUNS];
    size_t nruns;
    size_t runs_written;
    uint64_t seq;
    bool merging;
    struct source src[EXTSORT_MAX_RUNS + 1];
    size_t nsrc;
};

static int cmp_rec(const struct rec *a, const struct rec *b)
{
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    size_t n = a->tie_len < b->tie_len ? a->tie_len : b->tie_len;
    int c = memcmp(rec_tie(a), rec_tie(b), n);
    if (c)
        return c;
    if (a->tie_len != b->tie_len)
        return a->tie_len < b->tie_len ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_rec_ptr(const void *a, const void *b)
{
    return cmp_rec(*(struct rec *const *)a, *(struct rec *const *)b);
}

struct extsort *extsort_new(size_t budget)
{
    struct extsort *s = xcalloc(1, sizeof *s);
    s->budget = budget;
    return s;
}

enum io_op { IO_CREATE, IO_READ, IO_WRITE };

static int io_error(struct error *err, enum io_op op)
{
    int e = errno ? errno : EIO;
    if (op == IO_CREATE)
        error_errno(err, e, "cannot create a temporary file to sort a folder by date");
    else if (op == IO_READ)
        error_errno(err, e, "cannot read back the temporary file that sorts a folder by date");
    else
        error_errno(err, e, "cannot write the temporary file that sorts a folder by date");
    return -1;
}

/* Reads a source's next record; cur is NULL at its end. */
static int source_advance(struct extsort *s, struct source *src, struct error *err)
{
    src->stale = false;
    if (!src->f) {
        src->cur = s->mem_next < s->nmem ? s->mem[s->mem_next++] : NULL;
        return 0;
    }
    struct rec h;
    size_t got = fread(&h, 1, sizeof h, src->f);
    if (got == 0 && feof(src->f)) {
        src->cur = NULL;
        return 0;
    }
    if (got != sizeof h)
        return io_error(err, IO_READ);
    size_t need = sizeof h + (size_t)h.tie_len + h.len;
    if (need > src->cap) {
        free(src->buf);
        src->buf = xmalloc(need);
        src->cap = need;
    }
    *src->buf = h;
    if (fread(src->buf + 1, 1, need - sizeof h, src->f) != need - sizeof h)
        return io_error(err, IO_READ);
    src->cur = src->buf;
    return 0;
}

/* The source whose current record comes first, or NULL when all are used up. */
static struct source *least(struct source *src, size_t n)
{
    struct source *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (src[i].cur && (!best || cmp_rec(src[i].cur, best->cur) < 0))
            best = &src[i];
    return best;
}

static void sources_free(struct source *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(src[i].buf);
    memset(src, 0, n * sizeof *src);
}

static int write_rec(FILE *f, const struct rec *r, struct error *err)
{
    if (fwrite(r, 1, rec_size(r), f) != rec_size(r))
        return io_error(err, IO_WRITE);
    return 0;
}

static FILE *new_run(struct error *err)
{
    FILE *f = plat_tmpfile();
    if (!f)
        io_error(err, IO_CREATE);
    return f;
}

/* Merges every run file into one. */
static int merge_runs(struct extsort *s, struct error *err)
{
    FILE *out = new_run(err);
    if (!out)
        return -1;
    struct source src[EXTSORT_MAX_RUNS];
    memset(src, 0, sizeof src);
    int rc = 0;
    for (size_t i = 0; i < s->nruns && rc == 0; i++) {
        src[i].f = s->runs[i];
        rewind(src[i].f);
        rc = source_advance(s, &src[i], err);
    }
    for (struct source *b; rc == 0 && (b = least(src, s->nruns)) != NULL;)
        if ((rc = write_rec(out, b->cur, err)) == 0)
            rc = source_advance(s, b, err);
    if (rc == 0 && fflush(out) != 0)
        rc = io_error(err, IO_WRITE);
    sources_free(src, s->nruns);
    if (rc < 0) {
        fclose(out);
        return -1;
    }
    for (size_t i = 0; i < s->nruns; i++)
        fclose(s->runs[i]);
    s->runs[0] = out;
    s->nruns = 1;
    s->runs_written++;
    return 0;
}

static void mem_free(struct extsort *s)
{
    for (size_t i = 0; i < s->nmem; i++)
        free(s->mem[i]);
    s->nmem = 0;
    s->mem_bytes = 0;
}

/* Sorts the records in memory and writes them as a run file. */
static int spill(struct extsort *s, struct error *err)
{
    if (s->nruns == EXTSORT_MAX_RUNS && merge_runs(s, err) < 0)
        return -1;
    FILE *f = new_run(err);
    if (!f)
        return -1;
    qsort(s->mem, s->nmem, sizeof *s->mem, cmp_rec_ptr);
    int rc = 0;
    for (size_t i = 0; i < s->nmem && rc == 0; i++)
        rc = write_rec(f, s->mem[i], err);
    if (rc == 0 && fflush(f) != 0)
        rc = io_error(err, IO_WRITE);
    if (rc < 0) {
        fclose(f);
        return -1;
    }
    s->runs[s->nruns++] = f;
    s->runs_written++;
    mem_free(s);
    return 0;
}

int extsort_add(struct extsort *s, int64_t key, const char *tie, const void *data, size_t len,
                struct error *err)
{
    size_t tie_len = strlen(tie) + 1; /* kept with its NUL, handed back as a string */
    if (s->merging || tie_len > UINT32_MAX || len > UINT32_MAX) {
        error_set(err, "a record of over 4 GB cannot be sorted");
        return -1;
    }
    size_t cost = sizeof(struct rec) + tie_len + len + sizeof(struct rec *);
    if (s->nmem > 0 && s->mem_bytes + cost > s->budget && spill(s, err) < 0)
        return -1;
    struct rec *r = xmalloc(sizeof *r + tie_len + len);
    *r = (struct rec){key, s->seq++, (uint32_t)tie_len, (uint32_t)len};
    memcpy(rec_tie(r), tie, tie_len);
    if (len)
        memcpy(rec_tie(r) + tie_len, data, len);
    s->mem = xgrow(s->mem, &s->capmem, s->nmem + 1, sizeof *s->mem);
    s->mem[s->nmem++] = r;
    s->mem_bytes += cost;
    return 0;
}

/* Sorts the last run in memory and sets up the merge of it with the run files. */
static int start_merge(struct extsort *s, struct error *err)
{
    s->merging = true;
    if (s->nmem)
        qsort(s->mem, s->nmem, sizeof *s->mem, cmp_rec_ptr);
    s->nsrc = 0;
    for (size_t i = 0; i < s->nruns; i++) {
        rewind(s->runs[i]);
        s->src[s->nsrc++].f = s->runs[i];
    }
    s->src[s->nsrc++].f = NULL; /* the memory run */
    for (size_t i = 0; i < s->nsrc; i++)
        if (source_advance(s, &s->src[i], err) < 0)
            return -1;
    return 0;
}

int extsort_next(struct extsort *s, const char **tie, const void **data, size_t *len,
                 struct error *err)
{
    if (!s->merging && start_merge(s, err) < 0)
        return -1;
    for (size_t i = 0; i < s->nsrc; i++)
        if (s->src[i].stale && source_advance(s, &s->src[i], err) < 0)
            return -1;
    struct source *b = least(s->src, s->nsrc);
    if (!b)
        return 0;
    b->stale = true;
    *tie = rec_tie(b->cur);
    *data = rec_tie(b->cur) + b->cur->tie_len;
    *len = b->cur->len;
    return 1;
}

size_t extsort_runs_written(const struct extsort *s)
{
    return s->runs_written;
}

void extsort_free(struct extsort *s)
{
    if (!s)
        return;
    mem_free(s);
    free(s->mem);
    for (size_t i = 0; i < s->nruns; i++)
        fclose(s->runs[i]);
    sources_free(s->src, s->nsrc);
    free(s);
}
