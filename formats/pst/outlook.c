/* outlook: the store as a Unicode PST for Outlook (see outlook.h). */
#include "pst/outlook.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "model/contact.h"
#include "util/fsutil.h"
#include "normalize/maildate.h"
#include "normalize/normalize.h"
#include "pst/pstcontact.h"
#include "pst/pstmail.h"
#include "pst/pstqueue.h"
#include "pst/pstwriter.h"
#include "util/xalloc.h"

#define OUTLOOK_SUBDIR "outlook"
/* Messages up to this size are read whole into memory; larger ones are decoded from their file
 * (normalize_open_file), their attachments streamed into the PST, so that memory stays bounded
 * whatever a message's size. */
#define OUTLOOK_HOLD_MAX (8u << 20)
/* With a writer thread: what the messages decoded and not yet written may hold, at most (a
 * message alone may hold more: it waits until the queue is empty). */
#define OUTLOOK_QUEUE_MAX (32u << 20)
#define OUTLOOK_QUEUE_EACH 4096u /* a queued message's fixed cost, above its bytes */

/* Where a source folder is in the current part. */
struct mapped {
    const struct model_folder *folder;
    struct pst_folder *pst;
};

/* One stretch of a folder's messages in one part, for the report of a split folder. */
struct stretch {
    unsigned part;
    size_t count;
    int64_t first, last; /* earliest and latest date */
};

struct outlook {
    const struct writer_options *opts;
    uint64_t max_size;  /* bytes per part, 0 = no limit */
    char *dir;          /* DIR/outlook */
    char *name;         /* file and store name */
    struct pst_writer *pst;
    unsigned part;      /* 1, 2, ... */
    struct mapped *map;
    size_t nmap, capmap;
    /* The open folder. */
    const struct model_folder *cur;
    struct pst_folder *cur_pst;
    unsigned cur_begin_part; /* the part the open folder was made in */
    char *cur_path;
    struct stretch *stretches;
    size_t nstretches, capstretches;
    struct buf data;    /* the message being converted (without a writer thread) */
    /* The writer thread (writer_options.threads >= 2), NULL without: the messages held whole are
     * decoded here and written there; every other use of `pst` waits until it is idle. */
    struct pst_queue *queue;
};

/* A message handed to the writer thread with everything its properties point into. */
struct queued {
    struct buf data;    /* its bytes */
    struct normalize *n;
    struct pstmail *pm;
};

/* pst_queue's release: called on this thread once the message is written or dropped. */
static void queued_free(void *ctx)
{
    struct queued *q = ctx;
    pstmail_free(q->pm);
    normalize_free(q->n);
    buf_free(&q->data);
    free(q);
}

/* Waits until the writer thread has written every queued message: then `pst` may be used
 * here. */
static enum status settle(struct outlook *w, struct error *err)
{
    if (w->queue && pst_queue_drain(w->queue, err) != 0)
        return STATUS_STORE_BAD;
    return STATUS_OK;
}

static char *safe_file_name(const char *name)
{
    char *s = xstrdup(name && *name ? name : "Windows Live Mail");
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || strchr("/\\:*?\"<>|", *p))
            *p = '_';
    if (s[0] == '.')
        s[0] = '_';
    return s;
}

static char *part_file(const struct outlook *w, unsigned part)
{
    return part == 1 ? xasprintf("%s.pst", w->name) : xasprintf("%s (%u).pst", w->name, part);
}

static enum status open_part(struct outlook *w, struct error *err)
{
    char *file = part_file(w, w->part);
    char *path = path_join(w->dir, file);
    free(file);
    w->pst = pst_writer_open(path, w->opts->container ? w->opts->container : w->name, err);
    free(path);
    w->nmap = 0;
    return w->pst ? STATUS_OK : STATUS_STORE_BAD;
}

static enum status close_part(struct outlook *w, struct error *err)
{
    if (!w->pst)
        return STATUS_OK;
    struct pst_writer *p = w->pst;
    w->pst = NULL;
    w->nmap = 0;
    return pst_writer_commit(p, err) == 0 ? STATUS_OK : STATUS_STORE_BAD;
}

static void *ol_open(const char *dir, const struct writer_options *opts, const void *settings,
                     const struct model_store *store, struct error *err)
{
    (void)store;
    const struct outlook_settings *os = settings;
    struct outlook *w = xcalloc(1, sizeof *w);
    w->opts = opts;
    w->max_size = os ? os->pst_max_size : 0;
    w->dir = path_join(dir, OUTLOOK_SUBDIR);
    w->name = safe_file_name(opts->container);
    w->part = 1;
    w->queue = opts->threads >= 2 ? pst_queue_new(OUTLOOK_QUEUE_MAX) : NULL;
    if (fs_mkdirs(w->dir, 0755, err) != 0 || open_part(w, err) != 0) {
        pst_queue_free(w->queue);
        free(w->dir);
        free(w->name);
        free(w);
        return NULL;
    }
    return w;
}

/* The folder in the current part, made (with its parents) when the part does not have it yet. */
static struct pst_folder *ensure(struct outlook *w, const struct model_folder *f, struct error *err)
{
    if (!f->parent)
        return pst_writer_top(w->pst);
    for (size_t i = 0; i < w->nmap; i++)
        if (w->map[i].folder == f)
            return w->map[i].pst;
    struct pst_folder *parent = ensure(w, f->parent, err);
    if (!parent)
        return NULL;
    struct pst_folder *pf = pst_writer_add_folder(w->pst, parent, f->name, "IPF.Note", err);
    if (!pf)
        return NULL;
    w->map = xgrow(w->map, &w->capmap, w->nmap + 1, sizeof *w->map);
    w->map[w->nmap++] = (struct mapped){f, pf};
    return pf;
}

/* "outlook/NAME (2).pst/Storage Folders/Inbox": where the open folder is in `part`. */
static void add_output(struct outlook *w, unsigned part, struct writer_outcome *outcome)
{
    char *file = part_file(w, part);
    char *out = xasprintf(OUTLOOK_SUBDIR "/%s/%s", file, w->cur_path);
    free(file);
    writer_outcome_output(outcome, out);
    free(out);
}

/* Starts the next part; the open folder continues there under the same path. */
static enum status next_part(struct outlook *w, struct error *err)
{
    enum status rc = close_part(w, err);
    if (rc != STATUS_OK)
        return rc;
    w->part++;
    rc = open_part(w, err);
    if (rc != STATUS_OK)
        return rc;
    if (w->cur) {
        w->cur_pst = ensure(w, w->cur, err);
        if (!w->cur_pst)
            return STATUS_STORE_BAD;
    }
    return STATUS_OK;
}

static bool over_limit(const struct outlook *w, uint64_t more)
{
    uint64_t max = w->max_size;
    return max && pst_writer_message_count(w->pst) > 0 &&
           pst_writer_size_estimate(w->pst) + more > max;
}

/* What a folder's messages will take in the PST: bodies twice (text as UTF-16 and HTML), base64
 * undone; twice the source size is the upper estimate. */
static uint64_t estimate(uint64_t source_bytes)
{
    return source_bytes * 2;
}

static enum status ol_begin_folder(void *wp, const struct model_folder *f,
                                   struct writer_outcome *outcome, struct error *err)
{
    (void)outcome; /* the folder's outputs are known at its end: the parts its messages went to */
    struct outlook *w = wp;
    if (settle(w, err) != STATUS_OK)
        return STATUS_STORE_BAD;
    w->cur = NULL;
    w->nstretches = 0;
    free(w->cur_path);
    w->cur_path = NULL;
    /* A folder that would not fit starts a new part (a folder boundary), unless the part is
     * still empty: then it is split between parts as it goes. */
    if (over_limit(w, estimate(f->bytes))) {
        enum status rc = next_part(w, err);
        if (rc != STATUS_OK)
            return rc;
    }
    w->cur_pst = ensure(w, f, err);
    if (!w->cur_pst)
        return STATUS_STORE_BAD;
    w->cur = f;
    w->cur_begin_part = w->part;
    char *path = NULL;
    for (const struct model_folder *p = f; p && p->parent; p = p->parent) {
        char *up = path ? xasprintf("%s/%s", p->name, path) : xstrdup(p->name);
        free(path);
        path = up;
    }
    w->cur_path = path ? path : xstrdup("");
    return STATUS_OK;
}

/* The head and the rest of a message held whole in `data`: the rest is read straight into the
 * buffer, sized by the file (message_read stops at the size the file had). */
static int read_all(struct buf *data, struct message *msg, struct error *err)
{
    buf_reset(data);
    buf_append(data, msg->head, msg->head_len);
    for (;;) {
        size_t room = msg->left ? (size_t)msg->left : 1;
        ssize_t n = message_read(msg, buf_reserve(data, room), room, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        buf_commit(data, (size_t)n);
    }
}

static void count_stretch(struct outlook *w, int64_t date)
{
    struct stretch *s = w->nstretches ? &w->stretches[w->nstretches - 1] : NULL;
    if (!s || s->part != w->part) {
        w->stretches = xgrow(w->stretches, &w->capstretches, w->nstretches + 1, sizeof *s);
        s = &w->stretches[w->nstretches++];
        *s = (struct stretch){w->part, 0, date, date};
    }
    s->count++;
    if (date != MODEL_TIME_UNKNOWN) {
        if (s->first == MODEL_TIME_UNKNOWN || date < s->first)
            s->first = date;
        if (s->last == MODEL_TIME_UNKNOWN || date > s->last)
            s->last = date;
    }
}

/* Repairs the normalizer made while this message was mapped: one report line per message.
 * Undecodable bytes (U+FFFD in the PST's strings) and unreadable parts lose something. */
static void report_repairs(struct writer_outcome *outcome, struct normalize *n, const char *source)
{
    static const char *const lossy[] = {"charset_replaced", "uuencode_invalid", "tnef_unreadable",
                                        "too_deep", "header_cut"};
    size_t count = normalize_repair_count(n);
    if (count == 0)
        return;
    struct buf b = BUF_INIT;
    bool lost = false;
    for (size_t i = 0; i < count; i++) {
        const struct normalize_repair *r = normalize_repair_at(n, i);
        for (size_t k = 0; k < sizeof lossy / sizeof lossy[0]; k++)
            lost = lost || strcmp(r->kind, lossy[k]) == 0;
        buf_printf(&b, "%s%s x%zu (%s)", i ? ", " : "", r->kind, r->count,
                   r->where ? r->where : "message");
    }
    writer_outcome_note(outcome, lost ? PROBLEM_DECODE_LOST : PROBLEM_DECODE_REPAIRED, source,
                        "decoded for Outlook with repairs: %s", buf_str(&b));
    buf_free(&b);
}

/* A split before this message when the part is full; with the writer thread, once it is idle. */
static enum status split_if_full(struct outlook *w, const struct message *msg, struct error *err)
{
    if (!w->max_size)
        return STATUS_OK;
    if (settle(w, err) != STATUS_OK)
        return STATUS_STORE_BAD;
    return over_limit(w, estimate(msg->file->size)) ? next_part(w, err) : STATUS_OK;
}

/* A message held whole, decoded here and written on the writer thread. */
static enum status queue_message(struct outlook *w, struct message *msg,
                                 const struct normalize_hints *hints,
                                 const struct pstmail_info *info, struct writer_outcome *outcome,
                                 struct error *err)
{
    struct queued *q = xcalloc(1, sizeof *q);
    if (msg->at_eof)
        buf_append(&q->data, msg->head, msg->head_len);
    bool read = msg->at_eof || read_all(&q->data, msg, err) == 0;
    q->n = read ? normalize_open(q->data.data ? q->data.data : "", q->data.len, hints, err) : NULL;
    if (!q->n) {
        /* as without the thread: the part may be full before a message that cannot be read */
        queued_free(q);
        struct error split_err;
        enum status rc = split_if_full(w, msg, &split_err);
        if (rc != STATUS_OK)
            *err = split_err;
        return rc != STATUS_OK ? rc : STATUS_MESSAGE_BAD;
    }
    q->pm = pstmail_build(q->n, info);
    /* What it holds: its bytes, its decoded attachments, about as much again for the bodies,
     * and the objects every message has whatever its size (GMime's tree, the normalizer, the
     * property list: OUTLOOK_QUEUE_EACH). Without that last part a million 1.3 KB messages
     * behind a writer slowed by the disk held 70 MB for 32 MiB counted. */
    size_t bytes = 2 * q->data.len + pstmail_load(q->pm) + OUTLOOK_QUEUE_EACH;
    enum status rc = split_if_full(w, msg, err);
    if (rc != STATUS_OK) {
        queued_free(q);
        return rc;
    }
    report_repairs(outcome, q->n, msg->file->source);
    if (pst_queue_submit(w->queue, w->pst, w->cur_pst, pstmail_message(q->pm), bytes,
                         queued_free, q, err) != 0)
        return STATUS_STORE_BAD;
    count_stretch(w, msg->date);
    return STATUS_OK;
}

static enum status ol_message(void *wp, struct message *msg, struct writer_outcome *outcome,
                              struct error *err)
{
    struct outlook *w = wp;
    if (!w->cur_pst) {
        error_set(err, "internal: a message outside a folder");
        return STATUS_STORE_BAD;
    }
    const struct model_message *m = msg->file;
    struct normalize_hints hints = {.store_time = m->received, .file_time = m->mtime};
    struct pstmail_info info = {
        .read = m->state_known ? (m->state & MODEL_MSG_READ) != 0 : w->opts->unknown_is_read,
        .delivered = msg->date,
    };
    bool streamed = !msg->at_eof && msg->size > OUTLOOK_HOLD_MAX && msg->size >= msg->rest_offset;
    if (w->queue && !streamed)
        return queue_message(w, msg, &hints, &info, outcome, err);
    /* Written here: a message decoded from its file as it is written (its attachments are
     * read while they go into the PST), or every message without the writer thread. */
    enum status rc = split_if_full(w, msg, err);
    if (rc == STATUS_OK)
        rc = settle(w, err);
    if (rc != STATUS_OK)
        return rc;
    struct normalize *n;
    if (streamed) {
        n = normalize_open_file(msg->head, msg->head_len, msg->fd, msg->rest_offset,
                                msg->size - msg->rest_offset, &hints, err);
    } else if (msg->at_eof) {
        /* The head is the whole message: the view reads it where it is. */
        n = normalize_open(msg->head, msg->head_len, &hints, err);
    } else {
        if (read_all(&w->data, msg, err) != 0)
            return STATUS_MESSAGE_BAD;
        n = normalize_open(w->data.data ? w->data.data : "", w->data.len, &hints, err);
    }
    if (!n)
        return STATUS_MESSAGE_BAD;
    struct pstmail *pm = pstmail_build(n, &info);
    int wrote = pst_writer_add_message(w->pst, w->cur_pst, pstmail_message(pm), err);
    pstmail_free(pm);
    if (wrote == 0)
        report_repairs(outcome, n, m->source);
    normalize_free(n);
    if (wrote != 0)
        return STATUS_STORE_BAD;
    count_stretch(w, msg->date);
    /* Let a large message's memory go. */
    if (w->data.cap > (8u << 20))
        buf_free(&w->data);
    return STATUS_OK;
}

static void report_split(struct outlook *w, struct writer_outcome *outcome)
{
    if (w->nstretches < 2)
        return;
    struct buf b = BUF_INIT;
    buf_printf(&b, "folder \"%s\" is larger than --pst-max-size allows in one part and was split "
                   "oldest first:",
               w->cur_path);
    for (size_t i = 0; i < w->nstretches; i++) {
        const struct stretch *s = &w->stretches[i];
        char *file = part_file(w, s->part);
        char a[64] = "?", z[64] = "?";
        if (s->first != MODEL_TIME_UNKNOWN)
            maildate_format_rfc5322(s->first, a);
        if (s->last != MODEL_TIME_UNKNOWN)
            maildate_format_rfc5322(s->last, z);
        buf_printf(&b, "%s %zu message%s dated %s to %s in %s", i ? ";" : "", s->count,
                   s->count == 1 ? "" : "s", a, z, file);
        free(file);
    }
    writer_outcome_note(outcome, PROBLEM_PST_SPLIT, w->cur->source, "%s", buf_str(&b));
    buf_free(&b);
}

static enum status ol_end_folder(void *wp, struct writer_outcome *outcome, struct error *err)
{
    struct outlook *w = wp;
    if (settle(w, err) != STATUS_OK)
        return STATUS_STORE_BAD;
    if (w->cur) {
        /* The parts its messages went to, or the one it was made in when it has none. */
        if (w->nstretches == 0)
            add_output(w, w->cur_begin_part, outcome);
        for (size_t i = 0; i < w->nstretches; i++)
            add_output(w, w->stretches[i].part, outcome);
        report_split(w, outcome);
    }
    enum status rc = STATUS_OK;
    if (w->cur_pst && pst_writer_close_folder(w->pst, w->cur_pst, err) != 0)
        rc = STATUS_STORE_BAD;
    w->cur = NULL;
    w->cur_pst = NULL;
    w->nstretches = 0;
    return rc;
}

/* The address book as a Contacts folder (IPF.Contact) under the top of the last part, one
 * IPM.Contact per contact (doc/PST.md 3.6). What a PST contact cannot hold is reported; the vCards
 * written beside the PST keep it. */
static enum status ol_contacts(void *wp, const struct contact_list *contacts,
                               struct writer_outcome *outcome, struct error *err)
{
    struct outlook *w = wp;
    if (!contacts || contacts->count == 0)
        return STATUS_OK;
    if (settle(w, err) != STATUS_OK)
        return STATUS_STORE_BAD;
    if (!w->pst) {
        error_set(err, "internal: contacts after the PST was closed");
        return STATUS_STORE_BAD;
    }
    struct pst_folder *folder =
        pst_writer_add_folder(w->pst, pst_writer_top(w->pst), "Contacts", "IPF.Contact", err);
    if (!folder)
        return STATUS_STORE_BAD;
    char *file = part_file(w, w->part);
    for (size_t i = 0; i < contacts->count; i++) {
        const struct contact *c = contacts->items[i];
        struct pstcontact *pc = pstcontact_build(c);
        int rc = pst_writer_add_message(w->pst, folder, pstcontact_message(pc), err);
        if (rc == 0 && pstcontact_dropped(pc)) {
            char *name = contact_best_name(c);
            writer_outcome_note(outcome, PROBLEM_CONTACT_FIELD, c->origin ? c->origin : name,
                                "%s: no place in the Outlook contact (%s) for: %s; the vCard "
                                "in %s/vcards keeps it.",
                                name, file, pstcontact_dropped(pc), OUTLOOK_SUBDIR);
            free(name);
        }
        pstcontact_free(pc);
        if (rc != 0) {
            free(file);
            return STATUS_STORE_BAD;
        }
    }
    free(file);
    return pst_writer_close_folder(w->pst, folder, err) == 0 ? STATUS_OK : STATUS_STORE_BAD;
}

static enum status ol_commit(void *wp, struct error *err)
{
    struct outlook *w = wp;
    if (settle(w, err) != STATUS_OK)
        return STATUS_STORE_BAD;
    return close_part(w, err);
}

static void ol_free(void *wp)
{
    struct outlook *w = wp;
    if (!w)
        return;
    pst_queue_free(w->queue); /* the writer thread ends before its PST is dropped */
    pst_writer_abort(w->pst);
    free(w->map);
    free(w->stretches);
    free(w->cur_path);
    buf_free(&w->data);
    free(w->dir);
    free(w->name);
    free(w);
}

const struct writer_ops outlook_ops = {
    .date_order = true,
    .open = ol_open,
    .begin_folder = ol_begin_folder,
    .message = ol_message,
    .end_folder = ol_end_folder,
    .contacts = ol_contacts,
    .commit = ol_commit,
    .free = ol_free,
};
