/* pipeline: reader to writer, one message at a time (see pipeline.h). */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "pipeline/message.h"
#include "util/platform.h"
#include "util/extsort.h"
#include "util/xalloc.h"

struct run {
    struct pipeline *p;
    struct model_folder *folder; /* the folder being run */
    bool folder_sized;           /* its bytes were counted while it was sorted */
    struct report_folder *row;
    struct writer_outcome outcome;
    struct error *err;
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

/* Moves what a writer op told into the report; true when a note says the message was repaired. */
static bool take_outcome(struct run *r)
{
    struct writer_outcome *o = &r->outcome;
    bool repaired = false;
    for (size_t i = 0; i < o->noutputs; i++)
        report_folder_add_output(r->row, o->outputs[i]);
    for (size_t i = 0; i < o->nnotes; i++) {
        report_problem(r->p->report, o->notes[i].kind, o->notes[i].path, "%s",
                       o->notes[i].message);
        repaired = repaired || report_problem_repairs(o->notes[i].kind);
    }
    writer_outcome_clear(o);
    return repaired;
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

/* The writer's verdict on one message, recorded. STATUS_STORE_BAD ends the run. */
static enum status write_message(struct run *r, struct message *msg)
{
    struct pipeline *p = r->p;
    const struct model_message *m = msg->file;
    struct report_totals *totals = report_totals(p->report);
    enum status rc = p->writer->message(p->writer_state, msg, &r->outcome, r->err);
    bool repaired = take_outcome(r);
    if (rc == STATUS_OK && msg->blanks_removed) {
        report_problem(p->report, PROBLEM_REPAIRED_START, m->source,
                       "the file started with %zu byte%s of blank lines or indent before its "
                       "first header field; they were removed",
                       msg->blanks_removed, msg->blanks_removed == 1 ? "" : "s");
        repaired = true;
    }
    switch (rc) {
    case STATUS_OK:
        r->row->written++;
        r->row->unread += m->state_known && !(m->state & MODEL_MSG_READ);
        r->row->flagged += m->state_known && (m->state & MODEL_MSG_FLAGGED);
        totals->messages_written++;
        totals->bytes_written += m->size;
        if (repaired)
            totals->messages_repaired++;
        return STATUS_OK;
    case STATUS_MESSAGE_BAD:
        not_converted(r, m, PROBLEM_WRITE_FAILED, r->err->msg);
        return STATUS_OK;
    case STATUS_FOLDER_BAD:
    case STATUS_STORE_BAD:
    case STATUS_STOPPED:
        break;
    }
    return STATUS_STORE_BAD;
}

/* Adds a message's bytes to its folder's and the store's (model.h: the walk counts none). */
static void count_bytes(struct run *r, uint64_t size)
{
    r->folder->bytes += size;
    r->p->store->bytes += size;
}

/* The size of a message file that could not be opened, as lstat has it (0 when it cannot be
 * described either), counted. */
static uint64_t unreadable_size(struct run *r, const struct model_message *m)
{
    struct plat_stat st;
    uint64_t size = plat_lstat(m->path, &st) == 0 ? st.size : 0;
    count_bytes(r, size);
    return size;
}

/* One message to the writer; `pre` is the message already opened and read whole while its
 * folder was sorted (taken over), or NULL to open it here: again without asking its size and
 * time when `described` (they are in `m`, from the open while sorting). */
static enum status handle_message(struct run *r, const struct model_message *m, struct message *pre,
                                  bool described)
{
    struct pipeline *p = r->p;
    if (p->stop && *p->stop) {
        if (pre)
            message_close(pre);
        return STATUS_STOPPED;
    }
    struct report_totals *totals = report_totals(p->report);
    r->row->found++;
    totals->messages_found++;

    /* The file's size and time, as the open file has them (the reader lists names only). */
    struct model_message file = *m;
    m = &file;
    struct message msg;
    struct error err;
    enum status rc = STATUS_OK;
    if (pre) {
        msg = *pre;
    } else if ((described       ? message_reopen(&msg, m, &err)
                : p->writer ? message_open(&msg, m, &err)
                            : message_open_header(&msg, m, &err)) != STATUS_OK) {
        if (!r->folder_sized)
            file.size = unreadable_size(r, m);
        r->row->bytes += m->size;
        totals->bytes_found += m->size;
        report_problem(p->report, PROBLEM_UNREADABLE, m->source, "%s", err.msg);
        totals->messages_not_converted++;
        progress_message(p->progress, m->size);
        return STATUS_OK;
    }
    file.size = msg.size;
    file.mtime = msg.mtime;
    msg.file = m;
    if (!r->folder_sized)
        count_bytes(r, m->size);
    r->row->bytes += m->size;
    totals->bytes_found += m->size;
    switch (msg.kind) {
    case RFC822_EMPTY:
        not_converted(r, m, PROBLEM_EMPTY, "0-byte file: there is no message to convert");
        break;
    case RFC822_NOT_MESSAGE:
        not_converted(r, m, PROBLEM_NOT_A_MESSAGE,
                      "does not start with a header field: not an e-mail message");
        break;
    case RFC822_HEADER_ONLY:
        /* The store's "body downloaded" flag tells a message never fetched from a cut file. */
        if (m->body == MODEL_BODY_DOWNLOADED)
            report_problem(p->report, PROBLEM_BODY_MISSING, m->source,
                           "the database says this message's body was downloaded, but the file "
                           "holds only its header: the body is lost (the file was cut short); "
                           "written as it is");
        else
            report_problem(p->report, PROBLEM_HEADER_ONLY, m->source,
                           "headers only: the body was never downloaded from the server%s; "
                           "written as it is",
                           m->body == MODEL_BODY_HEADERS_ONLY ? N_(" (the database says so too)")
                                                              : "");
        /* fall through */
    case RFC822_MESSAGE:
        if (p->writer)
            rc = write_message(r, &msg);
        break;
    }
    message_close(&msg);
    progress_message(p->progress, m->size);
    return rc;
}

static enum status on_message(void *ctx, const struct model_message *m)
{
    return handle_message(ctx, m, NULL, false);
}

/* A folder's messages collected for date order: a record of what the reader handed out, with
 * the size and time of the file, opened (by its name in the reader's open directory) for its
 * date, sorted by extsort in at most DATED_LIST_BUDGET bytes whatever the folder's size (runs
 * beyond it go to temporary files). Reading the date reads all of a small message: it is kept
 * (within DATED_HOLD_MAX bytes and DATED_HOLD_COUNT messages a folder) and handed to the writer
 * from memory, so that each is opened and read once. */
#define DATED_LIST_BUDGET (4u << 20)
#define DATED_HOLD_MAX (4u << 20)
#define DATED_HOLD_COUNT 16384u

/* The fixed part of a record; the path follows it, the source is the record's string. */
struct dated {
    int64_t received, mtime;
    uint64_t size;
    uint32_t state;
    uint32_t held;       /* 1 + the index of the held message, or 0 */
    bool state_known;
    bool opened;         /* size and mtime are the file's, from its open here */
    uint8_t body;        /* enum model_body */
};

struct held_message {
    struct message msg;
    bool live;           /* not yet handed to the writer */
};

struct dated_list {
    struct run *run;
    struct extsort *sort;
    struct held_message *held;
    size_t nheld, capheld;
    size_t held_bytes;
    enum status failed;  /* a temporary file could not be written: STATUS_STORE_BAD */
};

static enum status collect(void *ctx, const struct model_message *m)
{
    struct dated_list *l = ctx;
    struct dated d = {m->received, m->mtime, m->size, m->state, 0, m->state_known, false,
                      (uint8_t)m->body};
    /* The date it is filed under, as the writers see it; unreadable files sort last. */
    struct message msg;
    struct error ignored;
    int64_t date = INT64_MAX;
    d.opened = message_open(&msg, m, &ignored) == STATUS_OK;
    if (!d.opened) {
        d.size = unreadable_size(l->run, m);
    } else {
        d.size = msg.size;
        d.mtime = msg.mtime;
        count_bytes(l->run, msg.size);
        date = msg.date;
        if (msg.at_eof && l->held_bytes + msg.head_len <= DATED_HOLD_MAX &&
            l->nheld < DATED_HOLD_COUNT) {
            message_hold(&msg);
            l->held_bytes += msg.head_len;
            l->held = xgrow(l->held, &l->capheld, l->nheld + 1, sizeof *l->held);
            l->held[l->nheld++] = (struct held_message){msg, true};
            d.held = (uint32_t)l->nheld;
        } else {
            message_close(&msg);
        }
    }
    size_t plen = strlen(m->path);
    char *rec = xmalloc(sizeof d + plen + 1);
    memcpy(rec, &d, sizeof d);
    memcpy(rec + sizeof d, m->path, plen + 1);
    int rc = extsort_add(l->sort, date, m->source, rec, sizeof d + plen + 1, l->run->err);
    free(rec);
    if (rc < 0) {
        l->failed = STATUS_STORE_BAD;
        return STATUS_STORE_BAD;
    }
    return STATUS_OK;
}

/* Lists a folder's messages and opens each for its date (counting the folder's bytes); the
 * sort hands them out oldest first. */
static enum status sort_by_date(struct run *r, const struct model_folder *f, struct dated_list *l)
{
    l->sort = extsort_new(DATED_LIST_BUDGET);
    enum status rc = r->p->reader->each_message(r->p->store, f, collect, l, r->err);
    r->folder_sized = true;
    return l->failed ? l->failed : rc;
}

/* Hands the sorted messages to the writer, each opened once (the held ones are not again). */
static enum status hand_out(struct run *r, struct dated_list *l)
{
    enum status rc = STATUS_OK;
    const char *source;
    const void *data;
    size_t len;
    int got;
    while (rc == STATUS_OK && (got = extsort_next(l->sort, &source, &data, &len, r->err)) == 1) {
        struct dated d;
        memcpy(&d, data, sizeof d);
        struct model_message m = {source, (const char *)data + sizeof d, d.size, d.received,
                                  d.mtime, d.state, d.state_known, (enum model_body)d.body,
                                  NULL, NULL}; /* opened again by path: the listing is gone */
        struct held_message *h = d.held ? &l->held[d.held - 1] : NULL;
        rc = handle_message(r, &m, h ? &h->msg : NULL, d.opened);
        if (h)
            h->live = false;
    }
    return rc == STATUS_OK && got < 0 ? STATUS_STORE_BAD : rc;
}

static void dated_free(struct dated_list *l)
{
    for (size_t i = 0; i < l->nheld; i++)
        if (l->held[i].live)
            message_close(&l->held[i].msg);
    free(l->held);
    extsort_free(l->sort);
}

/* The writer's begin_folder (or end_folder when `end`), its outcome recorded. */
static enum status folder_op(struct run *r, const struct model_folder *f, bool end)
{
    struct pipeline *p = r->p;
    if (!p->writer)
        return STATUS_OK;
    enum status rc = end ? p->writer->end_folder(p->writer_state, &r->outcome, r->err)
                         : p->writer->begin_folder(p->writer_state, f, &r->outcome, r->err);
    take_outcome(r);
    return rc == STATUS_OK ? STATUS_OK : STATUS_STORE_BAD;
}

/* A folder, then its subfolders. A date-order writer's folder is listed and sorted before its
 * begin_folder, so the writer sees the folder's bytes whole (writer.h). */
static enum status run_folder(struct run *r, struct model_folder *f)
{
    struct pipeline *p = r->p;
    char *path = pipeline_folder_path(f);
    r->row = report_folder_for(p->report, f->source, path);
    progress_folder(p->progress, path, f->messages);
    free(path);
    r->folder = f;
    r->folder_sized = false;
    bool by_date = p->writer && p->writer->date_order;
    struct dated_list l = {.run = r};
    enum status rc = STATUS_OK;
    if (by_date && !f->unlisted)
        rc = sort_by_date(r, f, &l);
    if (folder_op(r, f, false) != STATUS_OK) {
        dated_free(&l);
        return STATUS_STORE_BAD;
    }
    if (rc == STATUS_OK && !f->unlisted)
        rc = by_date ? hand_out(r, &l)
                     : p->reader->each_message(p->store, f, on_message, r, r->err);
    dated_free(&l);
    if (rc == STATUS_FOLDER_BAD) {
        report_problem(p->report, PROBLEM_UNREADABLE_FOLDER, f->source,
                       "%s; its messages are not converted", r->err->msg);
        rc = STATUS_OK;
    }
    if (rc != STATUS_OK)
        return rc;
    if (folder_op(r, f, true) != STATUS_OK)
        return STATUS_STORE_BAD;
    for (size_t i = 0; i < f->nchildren; i++) {
        rc = run_folder(r, f->children[i]);
        if (rc != STATUS_OK)
            return rc;
    }
    return STATUS_OK;
}

static enum status finish(struct run *r)
{
    struct pipeline *p = r->p;
    struct model_folder *top = p->store->top;
    for (size_t i = 0; i < top->nchildren; i++) {
        enum status rc = run_folder(r, top->children[i]);
        if (rc != STATUS_OK)
            return rc;
    }
    if (p->stop && *p->stop)
        return STATUS_STOPPED;
    if (!p->writer)
        return STATUS_OK;
    if (p->writer->contacts && p->contacts) {
        enum status rc = p->writer->contacts(p->writer_state, p->contacts, &r->outcome, r->err);
        take_outcome(r);
        if (rc != STATUS_OK)
            return STATUS_STORE_BAD;
    }
    return p->writer->commit(p->writer_state, r->err) == STATUS_OK ? STATUS_OK : STATUS_STORE_BAD;
}

enum status pipeline_run(struct pipeline *p, struct error *err)
{
    struct run r = {.p = p, .err = err};
    enum status rc = finish(&r);
    writer_outcome_free(&r.outcome);
    return rc;
}
