/* pipeline: reader to writer, one message at a time (see pipeline.h). */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "pipeline/message.h"
#include "pipeline/reader.h"
#include "util/xalloc.h"

struct run {
    struct pipeline *p;
    struct report_folder *row;
    struct error *err;
    bool fatal;
};

char *pipeline_folder_path(const struct model_folder *f)
{
    if (!f->parent || !f->parent->parent)
        return xstrdup(f->name);
    char *up = pipeline_folder_path(f->parent);
    char *path = xasprintf("%s/%s", up, f->name);
    free(up);
    return path;
}

/* Keeps the original bytes of a message that was not converted. */
static void keep_original(struct run *r, const struct model_message *m)
{
    if (!r->p->unconverted_dir)
        return;
    struct error err;
    char *dst = path_join(r->p->unconverted_dir, m->source);
    if (fs_copy_file(m->path, dst, &err) != 0)
        report_problem(r->p->report, PROBLEM_UNREADABLE, m->source,
                       "could not keep a copy in unconverted/: %s", err.msg);
    free(dst);
}

static void not_converted(struct run *r, const struct model_message *m, enum problem_kind kind,
                          const char *why)
{
    report_problem(r->p->report, kind, m->source, "%s", why);
    report_totals(r->p->report)->messages_not_converted++;
    keep_original(r, m);
}

static int on_message(void *ctx, const struct model_message *m)
{
    struct run *r = ctx;
    struct pipeline *p = r->p;
    if (p->stop && *p->stop)
        return 1;
    struct report_totals *totals = report_totals(p->report);
    r->row->found++;
    r->row->bytes += m->size;
    totals->messages_found++;
    totals->bytes_found += m->size;

    struct message msg;
    if (message_open(&msg, m) != 0) {
        char *why = xasprintf("cannot read this message file: %s", strerror(errno));
        report_problem(p->report, PROBLEM_UNREADABLE, m->source, "%s", why);
        totals->messages_not_converted++;
        free(why);
        progress_message(p->progress, m->size);
        return 0;
    }
    switch (msg.kind) {
    case RFC822_EMPTY:
        not_converted(r, m, PROBLEM_EMPTY, "0-byte file: there is no message to convert");
        break;
    case RFC822_NOT_MESSAGE:
        not_converted(r, m, PROBLEM_NOT_A_MESSAGE,
                      "does not start with a header field: not an e-mail message");
        break;
    case RFC822_HEADER_ONLY:
        report_problem(p->report, PROBLEM_HEADER_ONLY, m->source,
                       "headers only: the body was never downloaded from the server; "
                       "written as it is");
        /* fall through */
    case RFC822_MESSAGE:
        if (!p->writer)
            break;
        int rc = p->writer->message(p->writer_state, &msg, r->err);
        if (rc == 0) {
            r->row->written++;
            totals->messages_written++;
            totals->bytes_written += m->size;
        } else if (rc == WRITER_MESSAGE_FAILED) {
            not_converted(r, m, PROBLEM_WRITE_FAILED, r->err->msg);
        } else {
            r->fatal = true;
        }
        break;
    }
    message_close(&msg);
    progress_message(p->progress, m->size);
    return r->fatal ? -2 : 0;
}

/* A folder's messages collected for date order: copies of what the reader handed out. */
struct dated {
    struct model_message m;
    char *source, *path;
    int64_t date;
};

struct dated_list {
    struct dated *items;
    size_t count, cap;
};

static int collect(void *ctx, const struct model_message *m)
{
    struct dated_list *l = ctx;
    l->items = xgrow(l->items, &l->cap, l->count + 1, sizeof *l->items);
    struct dated *d = &l->items[l->count++];
    d->m = *m;
    d->source = xstrdup(m->source);
    d->path = xstrdup(m->path);
    d->m.source = d->source;
    d->m.path = d->path;
    /* The date it is filed under, as the writers see it; unreadable files sort last. */
    struct message msg;
    d->date = INT64_MAX;
    if (message_open(&msg, &d->m) == 0) {
        d->date = msg.date;
        message_close(&msg);
    }
    return 0;
}

static int dated_compare(const void *a, const void *b)
{
    const struct dated *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return strcmp(x->source, y->source);
}

/* Hands a folder's messages to on_message oldest first. Only this folder's list is held. */
static int each_message_by_date(struct run *r, const struct model_folder *f)
{
    struct dated_list l = {0};
    int rc = reader_each_message(r->p->store, f, collect, &l);
    if (rc == 0 && l.count)
        qsort(l.items, l.count, sizeof *l.items, dated_compare);
    for (size_t i = 0; i < l.count && rc == 0; i++)
        rc = on_message(r, &l.items[i].m);
    for (size_t i = 0; i < l.count; i++) {
        free(l.items[i].source);
        free(l.items[i].path);
    }
    free(l.items);
    return rc;
}

static enum pipeline_result run_folder(struct run *r, const struct model_folder *f)
{
    struct pipeline *p = r->p;
    char *path = pipeline_folder_path(f);
    r->row = report_folder_for(p->report, f->source, path);
    progress_folder(p->progress, path, f->messages);
    free(path);
    if (p->writer && p->writer->begin_folder(p->writer_state, f, r->row, r->err) != 0)
        return PIPELINE_FATAL;
    int rc = f->unlisted                              ? 0
             : p->writer && p->writer->date_order ? each_message_by_date(r, f)
                                                  : reader_each_message(p->store, f, on_message, r);
    if (rc == -1)
        report_problem(p->report, PROBLEM_UNREADABLE_FOLDER, f->source,
                       "cannot list this folder: %s; its messages are not converted",
                       strerror(errno));
    if (r->fatal || rc == -2)
        return PIPELINE_FATAL;
    if (rc == 1)
        return PIPELINE_STOPPED;
    if (p->writer && p->writer->end_folder(p->writer_state, r->err) != 0)
        return PIPELINE_FATAL;
    for (size_t i = 0; i < f->nchildren; i++) {
        enum pipeline_result res = run_folder(r, f->children[i]);
        if (res != PIPELINE_DONE)
            return res;
    }
    return PIPELINE_DONE;
}

enum pipeline_result pipeline_run(struct pipeline *p, struct error *err)
{
    struct run r = {.p = p, .err = err};
    const struct model_folder *top = p->store->top;
    for (size_t i = 0; i < top->nchildren; i++) {
        enum pipeline_result res = run_folder(&r, top->children[i]);
        if (res != PIPELINE_DONE)
            return res;
    }
    if (p->stop && *p->stop)
        return PIPELINE_STOPPED;
    if (p->writer && p->writer->contacts && p->contacts &&
        p->writer->contacts(p->writer_state, p->contacts, err) != 0)
        return PIPELINE_FATAL;
    if (p->writer && p->writer->commit(p->writer_state, err) != 0)
        return PIPELINE_FATAL;
    return PIPELINE_DONE;
}
