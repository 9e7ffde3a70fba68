/* viewstream: memory then a file, as one GMimeStream (see viewstream.h).
 *
 * Positions and bounds follow GMime's convention for its own streams: `position`,
 * `bound_start` and `bound_end` are offsets in the whole view (bound_end -1: to its end), so a
 * substream made by the parser names where its part lies in the message. */
#include "normalize/viewstream.h"

#include <errno.h>
#include <string.h>

#include "util/fsutil.h"

typedef struct {
    GMimeStream parent;
    const char *mem;
    size_t mem_len;
    int fd;
    uint64_t file_off;
    gint64 total; /* mem_len + file_len */
} ViewStream;

typedef struct {
    GMimeStreamClass parent_class;
} ViewStreamClass;

static GType view_stream_get_type(void);
G_DEFINE_TYPE(ViewStream, view_stream, GMIME_TYPE_STREAM)

static gint64 end_of(GMimeStream *stream)
{
    ViewStream *v = (ViewStream *)stream;
    return stream->bound_end != -1 && stream->bound_end < v->total ? stream->bound_end : v->total;
}

static ssize_t vs_read(GMimeStream *stream, char *buf, size_t len)
{
    ViewStream *v = (ViewStream *)stream;
    gint64 left = end_of(stream) - stream->position;
    if (left <= 0)
        return left == 0 ? 0 : -1;
    size_t want = (gint64)len < left ? len : (size_t)left;
    size_t pos = (size_t)stream->position, done = 0;
    if (pos < v->mem_len) {
        done = v->mem_len - pos < want ? v->mem_len - pos : want;
        memcpy(buf, v->mem + pos, done);
    }
    if (done < want) {
        ssize_t got = fs_read_at(v->fd, buf + done, want - done, v->file_off + (pos + done - v->mem_len));
        if (got < 0 && done == 0)
            return -1;
        if (got > 0)
            done += (size_t)got;
        if (got == 0 && done == 0)
            return 0; /* the file is shorter than it was said to be */
    }
    stream->position += (gint64)done;
    return (ssize_t)done;
}

static ssize_t vs_write(GMimeStream *stream, const char *buf, size_t len)
{
    (void)stream;
    (void)buf;
    (void)len;
    errno = EBADF;
    return -1;
}

static int vs_flush(GMimeStream *stream)
{
    (void)stream;
    return 0;
}

static int vs_close(GMimeStream *stream)
{
    (void)stream;
    return 0;
}

static gboolean vs_eos(GMimeStream *stream)
{
    return stream->position >= end_of(stream);
}

static int vs_reset(GMimeStream *stream)
{
    stream->position = stream->bound_start;
    return 0;
}

static gint64 vs_seek(GMimeStream *stream, gint64 offset, GMimeSeekWhence whence)
{
    gint64 real;
    switch (whence) {
    case GMIME_STREAM_SEEK_SET:
        real = offset;
        break;
    case GMIME_STREAM_SEEK_CUR:
        real = stream->position + offset;
        break;
    case GMIME_STREAM_SEEK_END:
        real = end_of(stream) + offset;
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    if (real < stream->bound_start || real > end_of(stream)) {
        errno = EINVAL;
        return -1;
    }
    stream->position = real;
    return real;
}

static gint64 vs_tell(GMimeStream *stream)
{
    return stream->position;
}

static gint64 vs_length(GMimeStream *stream)
{
    return end_of(stream) - stream->bound_start;
}

static GMimeStream *vs_substream(GMimeStream *stream, gint64 start, gint64 end)
{
    ViewStream *v = (ViewStream *)stream;
    ViewStream *sub = g_object_new(view_stream_get_type(), NULL);
    sub->mem = v->mem;
    sub->mem_len = v->mem_len;
    sub->fd = v->fd;
    sub->file_off = v->file_off;
    sub->total = v->total;
    g_mime_stream_construct(GMIME_STREAM(sub), start, end);
    return GMIME_STREAM(sub);
}

static void view_stream_class_init(ViewStreamClass *klass)
{
    GMimeStreamClass *s = GMIME_STREAM_CLASS(klass);
    s->read = vs_read;
    s->write = vs_write;
    s->flush = vs_flush;
    s->close = vs_close;
    s->eos = vs_eos;
    s->reset = vs_reset;
    s->seek = vs_seek;
    s->tell = vs_tell;
    s->length = vs_length;
    s->substream = vs_substream;
}

static void view_stream_init(ViewStream *v)
{
    (void)v;
}

GMimeStream *viewstream_new(const char *mem, size_t mem_len, int fd, uint64_t file_off,
                            uint64_t file_len)
{
    ViewStream *v = g_object_new(view_stream_get_type(), NULL);
    v->mem = mem;
    v->mem_len = mem_len;
    v->fd = fd;
    v->file_off = file_off;
    v->total = (gint64)(mem_len + file_len);
    g_mime_stream_construct(GMIME_STREAM(v), 0, -1);
    return GMIME_STREAM(v);
}
