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

/* The date a message is filed under (normalize/maildate has the rule). */
static void find_date(struct message *m)
{
    struct rfc822_scan sc;
    struct rfc822_field f;
    rfc822_scan_begin(&sc, m->head, m->header_len);
    while (!m->has_date_header && rfc822_scan_next(&sc, &f))
        m->has_date_header = rfc822_field_is(&sc, &f, "Date");
    m->date = maildate_filed(m->head, m->header_len, m->file->received, m->file->mtime,
                             &m->date_origin);
}

static enum status open_failed(struct message *m, int errnum, struct error *err)
{
    message_close(m);
    error_errno(err, errnum, "cannot read this message file");
    return STATUS_MESSAGE_BAD;
}

enum status message_open(struct message *m, const struct model_message *file, struct error *err)
{
    memset(m, 0, sizeof *m);
    m->file = file;
    m->fd = fs_open_read(file->path);
    if (m->fd < 0)
        return open_failed(m, errno, err);
    struct plat_stat st;
    if (plat_fstat(m->fd, &st) != 0)
        return open_failed(m, errno, err);
    if (st.type != PLAT_FILE)
        return open_failed(m, EINVAL, err);
    /* Read until the header block is complete, the file ends, or the head is full. */
    size_t cap = 65536;
    m->head = xmalloc(cap);
    for (;;) {
        if (m->head_len == cap) {
            if (cap >= MESSAGE_HEAD_MAX)
                break;
            cap *= 2;
            m->head = xrealloc(m->head, cap);
        }
        ssize_t n = read_some(m->fd, m->head + m->head_len, cap - m->head_len);
        if (n < 0)
            return open_failed(m, errno, err);
        if (n == 0) {
            m->at_eof = true;
            break;
        }
        m->head_len += (size_t)n;
        if (m->head_len == (size_t)n) {
            /* A message saved with blank lines or an indent before its first field is mail:
             * those bytes go, and the pipeline reports the repair. */
            m->blanks_removed = rfc822_leading_blanks(m->head, m->head_len);
            if (m->blanks_removed) {
                m->head_len -= m->blanks_removed;
                memmove(m->head, m->head + m->blanks_removed, m->head_len);
            }
        }
        rfc822_header_length(m->head, m->head_len, &m->header_complete);
        if (m->header_complete)
            break;
    }
    m->header_len = rfc822_header_length(m->head, m->head_len, &m->header_complete);
    if (!m->at_eof && m->head_len < cap) {
        /* One more read tells a header-only file (nothing after the head) from a message. */
        ssize_t n = read_some(m->fd, m->head + m->head_len, cap - m->head_len);
        if (n < 0)
            return open_failed(m, errno, err);
        m->head_len += (size_t)n;
        m->at_eof = n == 0;
    }
    m->size = st.size;
    m->rest_offset = m->blanks_removed + m->head_len;
    m->kind = rfc822_classify(m->head, m->head_len, m->at_eof);
    find_date(m);
    return STATUS_OK;
}

ssize_t message_read(struct message *m, char *buf, size_t cap, struct error *err)
{
    ssize_t n = read_some(m->fd, buf, cap);
    if (n < 0)
        error_errno(err, errno, "cannot read %s", m->file->source);
    return n;
}

void message_close(struct message *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    free(m->head);
    m->head = NULL;
}
