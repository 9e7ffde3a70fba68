/* tbwriter: Thunderbird Local Folders tree of mbox files (see tbwriter.h). */
#include "tbwriter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/platform.h"
#include "normalize/maildate.h"
#include "mboxrd.h"
#include "normalize/normalize.h"
#include "normalize/rawheader.h"
#include "normalize/rfc822.h"
#include "tbname.h"
#include "util/xalloc.h"

#define TB_SUBDIR "thunderbird"
#define KEYS_PADDING 80

/* Where one source folder went: its mbox path and the names its subfolders took. */
struct placed_folder {
    const struct model_folder *folder;
    char *mbox;      /* absolute path of the mbox file */
    char *rel;       /* the same, relative to the output directory */
    bool sbd_made;
    char **child_names;
    size_t nchild_names, child_names_cap;
};

struct tbwriter {
    const struct writer_options *opts;
    bool keep_raw_headers;       /* --keep-raw-headers: raw 8-bit fields stay as stored */
    char *dir;                   /* the output directory (temporary while running) */
    struct placed_folder container;
    struct placed_folder **placed;
    size_t nplaced, placed_cap;
    int fd;                      /* the open folder's mbox, or -1 */
    struct buf out;              /* what is not written to it yet: written at `flushed` */
    uint64_t flushed;            /* the bytes of the mbox written so far (no lseek to ask) */
    struct placed_folder *current;
    struct buf value;            /* a header value for the envelope */
    char *chunk;                 /* a piece of a message moved aside to be escaped */
};

/* A message's bytes after its head are read in pieces of CHUNK straight into the buffer (kept
 * there when they need no escaping, as nearly always); the mbox is written in pieces of about
 * FLUSH_AT (across messages: a small message costs no write of its own). */
static const size_t CHUNK = 1024 * 1024;
static const size_t FLUSH_AT = 1024 * 1024;

/* The flags written for a message with this store state (unknown state: read or unread as the
 * options say). The MDN-sent bit is always set: old mail must not ask for receipts again. */
static unsigned tbwriter_flags(const struct model_message *m, const struct writer_options *opts)
{
    unsigned flags = TB_FLAG_MDN_SENT;
    if (!m->state_known)
        return flags | (opts->unknown_is_read ? TB_FLAG_READ : 0);
    if (m->state & MODEL_MSG_READ)
        flags |= TB_FLAG_READ;
    if (m->state & MODEL_MSG_REPLIED)
        flags |= TB_FLAG_REPLIED;
    if (m->state & MODEL_MSG_FLAGGED)
        flags |= TB_FLAG_MARKED;
    if (m->state & MODEL_MSG_FORWARDED)
        flags |= TB_FLAG_FORWARDED;
    return flags;
}

static void placed_free_fields(struct placed_folder *p)
{
    free(p->mbox);
    free(p->rel);
    for (size_t i = 0; i < p->nchild_names; i++)
        free(p->child_names[i]);
    free(p->child_names);
}

static struct placed_folder *find_placed(struct tbwriter *w, const struct model_folder *f)
{
    for (size_t i = w->nplaced; i-- > 0;)
        if (w->placed[i]->folder == f)
            return w->placed[i];
    return NULL;
}

static int name_taken(void *ctx, const char *name)
{
    const struct placed_folder *p = ctx;
    for (size_t i = 0; i < p->nchild_names; i++)
        if (tbname_equal(p->child_names[i], name))
            return 1;
    return 0;
}

static void *tb_open(const char *dir, const struct writer_options *opts, const void *settings,
                     const struct model_store *store, struct error *err)
{
    (void)store;
    const struct tbwriter_settings *s = settings;
    struct tbwriter *w = xcalloc(1, sizeof *w);
    w->opts = opts;
    w->keep_raw_headers = s && s->keep_raw_headers;
    w->dir = xstrdup(dir);
    w->fd = -1;
    w->chunk = xmalloc(CHUNK);
    const char *tree = s && s->tree_dir ? s->tree_dir : TB_SUBDIR;
    char *container = tbname_safe(opts->container);
    char *tbdir = path_join(dir, tree);
    w->container.mbox = path_join(tbdir, container);
    w->container.rel = xasprintf("%s/%s", tree, container);
    free(container);
    int rc = fs_mkdirs(tbdir, 0755, err);
    free(tbdir);
    if (rc != 0 || fs_touch(w->container.mbox, err) != 0) {
        placed_free_fields(&w->container);
        free(w->dir);
        free(w->chunk);
        free(w);
        return NULL;
    }
    return w;
}

static enum status tb_begin_folder(void *wp, const struct model_folder *f,
                                   struct writer_outcome *outcome, struct error *err)
{
    struct tbwriter *w = wp;
    struct placed_folder *parent = f->parent && f->parent->parent ? find_placed(w, f->parent)
                                                                   : &w->container;
    if (!parent) {
        error_set(err, "internal: folder %s began before its parent", f->source);
        return STATUS_STORE_BAD;
    }
    char *sbd = xasprintf("%s.sbd", parent->mbox);
    if (!parent->sbd_made) {
        if (fs_mkdirs(sbd, 0755, err) != 0) {
            free(sbd);
            return STATUS_STORE_BAD;
        }
        parent->sbd_made = true;
    }
    char *safe = tbname_safe(f->name);
    char *name = tbname_unique(safe, name_taken, parent);
    free(safe);
    if (strcmp(name, f->name) != 0)
        writer_outcome_note(outcome, PROBLEM_FOLDER_RENAMED, f->source,
                            "folder \"%s\" is named \"%s\" in Thunderbird (names must be safe "
                            "and unique there)",
                            f->name, name);
    parent->child_names = xgrow(parent->child_names, &parent->child_names_cap,
                                parent->nchild_names + 1, sizeof *parent->child_names);
    parent->child_names[parent->nchild_names++] = xstrdup(name);

    struct placed_folder *p = xcalloc(1, sizeof *p);
    p->folder = f;
    p->mbox = path_join(sbd, name);
    p->rel = xasprintf("%s.sbd/%s", parent->rel, name);
    free(sbd);
    free(name);
    w->placed = xgrow(w->placed, &w->placed_cap, w->nplaced + 1, sizeof *w->placed);
    w->placed[w->nplaced++] = p;

    writer_outcome_output(outcome, p->rel);
    w->fd = plat_open_write(p->mbox, PLAT_CREATE_NEW);
    if (w->fd < 0) {
        error_errno(err, errno, "cannot create %s", p->mbox);
        return STATUS_STORE_BAD;
    }
    buf_reset(&w->out);
    w->flushed = 0;
    w->current = p;
    return STATUS_OK;
}

/* Writes out what is buffered; -1 with errno. */
static int flush_out(struct tbwriter *w)
{
    if (w->out.len == 0)
        return 0;
    if (fs_write_at(w->fd, w->out.data, w->out.len, w->flushed) != 0)
        return -1;
    /* on its way to the disk while the next messages are read: the fsync at the end of the
     * folder then waits for little */
    plat_write_back(w->fd, w->flushed, w->out.len);
    w->flushed += w->out.len;
    buf_reset(&w->out);
    return 0;
}

/* Takes the mbox back to its first `size` bytes: buffered bytes are dropped, written ones cut
 * off the file. -1 with errno. */
static int take_back(struct tbwriter *w, uint64_t size)
{
    if (size >= w->flushed) {
        w->out.len = (size_t)(size - w->flushed);
        if (w->out.data)
            w->out.data[w->out.len] = '\0';
        return 0;
    }
    buf_reset(&w->out);
    if (plat_ftruncate(w->fd, size) != 0)
        return -1;
    w->flushed = size;
    return 0;
}

static void put_hex(struct buf *b, unsigned long v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf_reserve(b, (size_t)digits);
    for (int i = digits; i-- > 0; v >>= 4)
        p[i] = hex[v & 0xF];
    buf_commit(b, (size_t)digits);
}

/* The envelope sender's field, unfolded into `value`: the first Return-Path when it holds an
 * address, else the first From (empty when there is neither), as the message's fields have
 * them. */
static void sender_field(const struct message *msg, struct buf *value)
{
    const struct rfc822_field *f = rfc822_fields_get(&msg->fields, RFC822_RETURN_PATH);
    if (!f || !memchr(msg->head + f->value, '@', f->end - f->value))
        f = rfc822_fields_get(&msg->fields, RFC822_FROM);
    if (f)
        rfc822_unfold(msg->head + f->value, f->end - f->value, value);
    else
        buf_reset(value);
}

/* Appends the envelope and state lines that precede the stored bytes. */
static void put_preamble(struct tbwriter *w, struct message *msg, const char *eol, bool add_date)
{
    struct buf *out = &w->out;
    struct buf *value = &w->value;
    char sender[256], date[64];
    sender_field(msg, value);
    mboxrd_envelope_sender(buf_str(value), sender, sizeof sender);
    maildate_format_envelope(msg->date, date);
    unsigned flags = tbwriter_flags(msg->file, w->opts);
    buf_puts(out, "From ");
    buf_puts(out, sender);
    buf_putc(out, ' ');
    buf_puts(out, date);
    buf_puts(out, "\nX-Mozilla-Status: ");
    put_hex(out, flags & 0xFFFFu, 4);
    buf_puts(out, eol);
    buf_puts(out, "X-Mozilla-Status2: ");
    put_hex(out, flags & 0xFFFF0000u, 8);
    buf_puts(out, eol);
    buf_puts(out, "X-Mozilla-Keys: ");
    memset(buf_reserve(out, KEYS_PADDING), ' ', KEYS_PADDING);
    buf_commit(out, KEYS_PADDING);
    buf_puts(out, eol);
    if (add_date) {
        char rfcdate[64];
        maildate_format_rfc5322(msg->date, rfcdate);
        buf_puts(out, "Date: ");
        buf_puts(out, rfcdate);
        buf_puts(out, eol);
    }
}

/* Writes the head: as stored, or with its raw 8-bit header fields re-encoded (doc/THUNDERBIRD.md
 * "Raw 8-bit headers"). To decode those as `show` does, the normalizer must see the body's
 * charset: it reads what it needs of the rest from the file itself (normalize_open_file), so
 * nothing more is held, and the rest is then copied as usual. */
static void write_head(struct tbwriter *w, struct mboxrd_escaper *esc, struct message *msg,
                              struct writer_outcome *outcome, struct error *err)
{
    if (w->keep_raw_headers || !rawheader_needed(msg->head, &msg->fields)) {
        mboxrd_write(esc, &w->out, msg->head, msg->head_len);
        return;
    }
    struct normalize_hints hints = {msg->file->received, msg->file->mtime};
    struct normalize *n =
        msg->at_eof || msg->size < msg->rest_offset
            ? normalize_open(msg->head, msg->head_len, &hints, err)
            : normalize_open_file(msg->head, msg->head_len, msg->fd, msg->rest_offset,
                                  msg->size - msg->rest_offset, &hints, err);
    struct buf head = BUF_INIT, names = BUF_INIT;
    if (n)
        rawheader_reencode(msg->head, msg->header_len, n, &head, &names);
    else
        buf_append(&head, msg->head, msg->header_len);
    normalize_free(n);
    mboxrd_write(esc, &w->out, head.data, head.len);
    mboxrd_write(esc, &w->out, msg->head + msg->header_len, msg->head_len - msg->header_len);
    if (names.len)
        writer_outcome_note(outcome, PROBLEM_REPAIRED_HEADER_CHARSET, msg->file->source,
                            "raw 8-bit header fields written as UTF-8 encoded words: %s",
                            buf_str(&names));
    buf_free(&names);
    buf_free(&head);
}

static enum status tb_message(void *wp, struct message *msg, struct writer_outcome *outcome,
                              struct error *err)
{
    struct tbwriter *w = wp;
    uint64_t start = w->flushed + w->out.len;
    const char *eol = rfc822_uses_crlf(msg->head, msg->head_len) ? "\r\n" : "\n";
    bool add_date = !msg->has_date_header;
    struct mboxrd_escaper esc;
    mboxrd_begin(&esc);
    put_preamble(w, msg, eol, add_date);
    write_head(w, &esc, msg, outcome, err);
    enum status rc = STATUS_OK;
    bool write_failed = false;
    while (rc == STATUS_OK) {
        if (w->out.len >= FLUSH_AT && flush_out(w) != 0) {
            write_failed = true;
            rc = STATUS_STORE_BAD;
            break;
        }
        char *room = buf_reserve(&w->out, CHUNK);
        ssize_t n = message_read(msg, room, CHUNK, err);
        if (n < 0)
            rc = STATUS_MESSAGE_BAD;
        if (n <= 0)
            break;
        if (!mboxrd_pass(&esc, &w->out, (size_t)n)) {
            memcpy(w->chunk, room, (size_t)n);
            mboxrd_write(&esc, &w->out, w->chunk, (size_t)n);
        }
    }
    bool add_eol = false;
    if (rc == STATUS_OK) {
        add_eol = !mboxrd_ends_with_newline(&esc);
        mboxrd_end(&esc, &w->out);
        if (add_eol)
            buf_puts(&w->out, eol);
        buf_putc(&w->out, '\n');
        if (w->out.len >= FLUSH_AT && flush_out(w) != 0) {
            write_failed = true;
            rc = STATUS_STORE_BAD;
        }
    }
    if (write_failed)
        error_errno(err, errno, "cannot write %s", w->current->mbox);
    if (rc != STATUS_OK) {
        /* Take back whatever part of this message reached the mbox. */
        if (take_back(w, start) != 0)
            rc = STATUS_STORE_BAD;
        return rc;
    }
    if (add_date) {
        char rfcdate[64];
        maildate_format_rfc5322(msg->date, rfcdate);
        writer_outcome_note(outcome, PROBLEM_REPAIRED_DATE, msg->file->source,
                            "no Date header; added \"Date: %s\" (from the %s)", rfcdate,
                            msg->date_origin == MAILDATE_FROM_STORE ? N_("store's received time")
                            : msg->date_origin == MAILDATE_FROM_RECEIVED
                                ? N_("Received header")
                                : N_("file's modification time"));
    }
    if (add_eol)
        writer_outcome_note(outcome, PROBLEM_REPAIRED_EOL, msg->file->source,
                            "the message did not end with a line end; one was added");
    return STATUS_OK;
}

static enum status close_current(struct tbwriter *w, struct error *err)
{
    if (w->fd < 0)
        return STATUS_OK;
    /* On disk before the CLI renames the result into place: a crash never leaves it half. */
    int rc = flush_out(w);
    if (rc == 0)
        rc = plat_fsync(w->fd);
    int saved = errno;
    if (close(w->fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    w->fd = -1;
    if (rc != 0) {
        error_errno(err, saved, "cannot write %s", w->current->mbox);
        return STATUS_STORE_BAD;
    }
    return STATUS_OK;
}

static enum status tb_end_folder(void *wp, struct writer_outcome *outcome, struct error *err)
{
    (void)outcome;
    return close_current(wp, err);
}

static enum status tb_commit(void *wp, struct error *err)
{
    return close_current(wp, err);
}

static void tb_free(void *wp)
{
    struct tbwriter *w = wp;
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    buf_free(&w->out);
    buf_free(&w->value);
    for (size_t i = 0; i < w->nplaced; i++) {
        placed_free_fields(w->placed[i]);
        free(w->placed[i]);
    }
    free(w->placed);
    placed_free_fields(&w->container);
    free(w->dir);
    free(w->chunk);
    free(w);
}

const struct writer_ops tbwriter_ops = {
    .open = tb_open,
    .begin_folder = tb_begin_folder,
    .message = tb_message,
    .end_folder = tb_end_folder,
    .commit = tb_commit,
    .free = tb_free,
};
