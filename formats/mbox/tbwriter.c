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
/* How much of a message whose header fields are re-encoded is read to find its body's charset. */

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
    FILE *out;                   /* the open folder's mbox */
    struct placed_folder *current;
    char *chunk;                 /* copy buffer */
};

static const size_t CHUNK = 256 * 1024;

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
    w->out = plat_fopen_write(p->mbox, PLAT_CREATE_NEW, false);
    if (!w->out) {
        error_errno(err, errno, "cannot create %s", p->mbox);
        return STATUS_STORE_BAD;
    }
    setvbuf(w->out, NULL, _IOFBF, CHUNK);
    w->current = p;
    return STATUS_OK;
}

/* Writes the envelope and state lines that precede the stored bytes. */
static int write_preamble(struct tbwriter *w, struct message *msg, const char *eol, bool add_date)
{
    struct buf value = BUF_INIT;
    char sender[256], date[64];
    if (!rfc822_header_value(msg->head, msg->header_len, "Return-Path", &value) ||
        strchr(buf_str(&value), '@') == NULL)
        rfc822_header_value(msg->head, msg->header_len, "From", &value);
    mboxrd_envelope_sender(buf_str(&value), sender, sizeof sender);
    buf_free(&value);
    maildate_format_envelope(msg->date, date);
    unsigned flags = tbwriter_flags(msg->file, w->opts);
    fprintf(w->out, "From %s %s\n", sender, date);
    fprintf(w->out, "X-Mozilla-Status: %04x%s", flags & 0xFFFFu, eol);
    fprintf(w->out, "X-Mozilla-Status2: %08x%s", flags & 0xFFFF0000u, eol);
    fprintf(w->out, "X-Mozilla-Keys: %*s%s", KEYS_PADDING, "", eol);
    if (add_date) {
        char rfcdate[64];
        maildate_format_rfc5322(msg->date, rfcdate);
        fprintf(w->out, "Date: %s%s", rfcdate, eol);
    }
    return ferror(w->out) ? -1 : 0;
}

/* Writes the head: as stored, or with its raw 8-bit header fields re-encoded (doc/THUNDERBIRD.md
 * "Raw 8-bit headers"). To decode those as `show` does, the normalizer must see the body's
 * charset: it reads what it needs of the rest from the file itself (normalize_open_file), so
 * nothing more is held, and the rest is then copied as usual. STATUS_STORE_BAD on a write error. */
static enum status write_head(struct tbwriter *w, struct mboxrd_escaper *esc, struct message *msg,
                              struct writer_outcome *outcome, struct error *err)
{
    if (w->keep_raw_headers || !rawheader_needed(msg->head, msg->header_len))
        return mboxrd_write(esc, w->out, msg->head, msg->head_len) ? STATUS_STORE_BAD : STATUS_OK;
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
    enum status rc = STATUS_OK;
    if (mboxrd_write(esc, w->out, head.data, head.len) != 0 ||
        mboxrd_write(esc, w->out, msg->head + msg->header_len, msg->head_len - msg->header_len) != 0)
        rc = STATUS_STORE_BAD;
    else if (names.len)
        writer_outcome_note(outcome, PROBLEM_REPAIRED_HEADER_CHARSET, msg->file->source,
                            "raw 8-bit header fields written as UTF-8 encoded words: %s",
                            buf_str(&names));
    buf_free(&names);
    buf_free(&head);
    return rc;
}

static enum status tb_message(void *wp, struct message *msg, struct writer_outcome *outcome,
                              struct error *err)
{
    struct tbwriter *w = wp;
    off_t start = ftello(w->out);
    const char *eol = rfc822_uses_crlf(msg->head, msg->head_len) ? "\r\n" : "\n";
    bool add_date = !msg->has_date_header;
    struct mboxrd_escaper esc;
    mboxrd_begin(&esc);
    enum status rc = STATUS_OK;
    bool read_failed = false;
    if (write_preamble(w, msg, eol, add_date) != 0) {
        rc = STATUS_STORE_BAD;
    } else if ((rc = write_head(w, &esc, msg, outcome, err)) != STATUS_OK) {
        read_failed = rc == STATUS_MESSAGE_BAD;
    } else {
        for (;;) {
            ssize_t n = message_read(msg, w->chunk, CHUNK, err);
            if (n < 0) {
                read_failed = true;
                rc = STATUS_MESSAGE_BAD;
                break;
            }
            if (n == 0)
                break;
            if (mboxrd_write(&esc, w->out, w->chunk, (size_t)n) != 0) {
                rc = STATUS_STORE_BAD;
                break;
            }
        }
    }
    bool add_eol = false;
    if (rc == STATUS_OK) {
        add_eol = !mboxrd_ends_with_newline(&esc);
        if (mboxrd_end(&esc, w->out) != 0 || (add_eol && fputs(eol, w->out) == EOF) ||
            fputc('\n', w->out) == EOF || ferror(w->out))
            rc = STATUS_STORE_BAD;
    }
    if (rc == STATUS_STORE_BAD && !read_failed)
        error_errno(err, errno, "cannot write %s", w->current->mbox);
    if (rc != STATUS_OK) {
        /* Take back whatever part of this message reached the file. */
        if (fflush(w->out) != 0 || plat_ftruncate(fileno(w->out), (uint64_t)start) != 0 ||
            fseeko(w->out, start, SEEK_SET) != 0)
            rc = STATUS_STORE_BAD;
        clearerr(w->out);
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
    if (!w->out)
        return STATUS_OK;
    /* On disk before the CLI renames the result into place: a crash never leaves it half. */
    int rc = fflush(w->out);
    if (rc == 0)
        rc = plat_fsync(fileno(w->out));
    if (fclose(w->out) != 0)
        rc = -1;
    w->out = NULL;
    if (rc != 0) {
        error_errno(err, errno, "cannot write %s", w->current->mbox);
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
    if (w->out)
        fclose(w->out);
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
