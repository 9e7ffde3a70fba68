/* message: opening a message file and reading its head (see message.h). */
#include "pipeline/message.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/platform.h"
#include "normalize/maildate.h"
#include "util/xalloc.h"

static ssize_t read_some(int fd, char *buf, size_t cap)
{
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

/* How much of `cap` a read may ask for: no more than the file has left. */
static size_t want(const struct message *m, size_t cap)
{
    return m->left < cap ? (size_t)m->left : cap;
}

/* The header block's fields in `wanted` (and perhaps more), in one scan, and the date the
 * message is filed under (normalize/maildate has the rule). */
static void find_fields(struct message *m, unsigned wanted)
{
    rfc822_fields_find(m->head, m->header_len, wanted | MAILDATE_FIELDS, &m->fields);
    m->date = maildate_filed(m->head, m->header_len, &m->fields, m->file->received, m->mtime,
                             &m->date_origin);
    m->has_date_header = rfc822_fields_get(&m->fields, RFC822_DATE) != NULL;
}

static enum status open_failed(struct message *m, int errnum, struct error *err)
{
    message_close(m);
    error_errno(err, errnum, "cannot read this message file");
    return STATUS_MESSAGE_BAD;
}

/* Opens and reads the head, starting with a read of `first` bytes, and finds the fields in
 * `wanted`; the size and time are the fstat's, or `file`'s when `described`. */
static enum status open_reading(struct message *m, const struct model_message *file, size_t first,
                                unsigned wanted, bool described, struct error *err)
{
    memset(m, 0, sizeof *m);
    m->file = file;
    m->fd = file->dir ? plat_open_read_at(file->dir, file->name, file->path)
                      : fs_open_read(file->path);
    if (m->fd < 0)
        return open_failed(m, errno, err);
    struct plat_stat st = {PLAT_FILE, file->size, file->mtime};
    if (!described && plat_fstat(m->fd, &st) != 0)
        return open_failed(m, errno, err);
    if (st.type != PLAT_FILE)
        return open_failed(m, EINVAL, err);
    /* Reads sized by fstat, until the header block is complete, the file's bytes are all read,
     * or the head is full: a message that fits is read by one read(), and nothing asks past its
     * end (a file that grows meanwhile is taken at the size it had). */
    m->size = st.size;
    m->mtime = st.mtime;
    m->left = m->size;
    size_t cap = first;
    m->head = xmalloc(cap);
    while (m->left > 0) {
        if (m->head_len == cap) {
            if (cap >= MESSAGE_HEAD_MAX)
                break;
            cap *= 2;
            m->head = xrealloc(m->head, cap);
        }
        ssize_t n = read_some(m->fd, m->head + m->head_len, want(m, cap - m->head_len));
        if (n < 0)
            return open_failed(m, errno, err);
        if (n == 0) {
            m->left = 0;
            break;
        }
        m->head_len += (size_t)n;
        m->left -= (uint64_t)n;
        if (m->head_len == (size_t)n) {
            /* A message saved with blank lines or an indent before its first field is mail:
             * those bytes go, and the pipeline reports the repair. */
            size_t blanks = rfc822_leading_blanks(m->head, m->head_len);
            if (blanks) {
                m->blanks_removed += blanks;
                m->head_len -= blanks;
                memmove(m->head, m->head + blanks, m->head_len);
            }
        }
        m->header_len = rfc822_header_length(m->head, m->head_len, &m->header_complete);
        if (m->header_complete)
            break;
    }
    if (m->left > 0 && m->head_len < cap) {
        /* A short read: one more tells a header-only file (nothing after the head) from a
         * message. */
        ssize_t n = read_some(m->fd, m->head + m->head_len, want(m, cap - m->head_len));
        if (n < 0)
            return open_failed(m, errno, err);
        m->head_len += (size_t)n;
        m->left = n == 0 ? 0 : m->left - (uint64_t)n;
    }
    m->at_eof = m->left == 0;
    m->rest_offset = m->blanks_removed + m->head_len;
    m->kind = rfc822_classify(m->head, m->head_len, m->header_len, m->at_eof);
    find_fields(m, wanted);
    return STATUS_OK;
}

enum status message_open(struct message *m, const struct model_message *file, struct error *err)
{
    return open_reading(m, file, MESSAGE_READ_FIRST, RFC822_ALL_KNOWN, false, err);
}

enum status message_open_header(struct message *m, const struct model_message *file,
                                struct error *err)
{
    return open_reading(m, file, MESSAGE_HEADER_READ_FIRST, MAILDATE_FIELDS, false, err);
}

enum status message_reopen(struct message *m, const struct model_message *file,
                           struct error *err)
{
    return open_reading(m, file, MESSAGE_READ_FIRST, RFC822_ALL_KNOWN, true, err);
}

ssize_t message_read(struct message *m, char *buf, size_t cap, struct error *err)
{
    if (m->left == 0)
        return 0;
    ssize_t n = read_some(m->fd, buf, want(m, cap));
    if (n < 0)
        error_errno(err, errno, "cannot read %s", m->file->source);
    else
        m->left = n == 0 ? 0 : m->left - (uint64_t)n;
    return n;
}

void message_hold(struct message *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    /* A copy of its size, not realloc: shrinking leaves the rest of the 64 KB behind as a hole
     * that no later buffer fits in, a page of it touched per message held. */
    char *kept = xmalloc(m->head_len ? m->head_len : 1);
    memcpy(kept, m->head, m->head_len);
    free(m->head);
    m->head = kept;
}

void message_close(struct message *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    free(m->head);
    m->head = NULL;
}
