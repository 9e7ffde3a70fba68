/* Unit test for src/normalize's file mode: a message opened with normalize_open_file() (its head
 * in memory, the rest read from the file) gives exactly the view normalize_open() gives over the
 * same bytes in memory, and an attachment read with normalize_attachment_open() in small pieces
 * gives exactly the bytes normalize_attachment_data() holds.
 *
 * Checked on every message of samples/ and, when ../shared/corpora is there, of the mail corpora
 * (about a thousand real messages), each split after its header block and again in the middle of
 * its body, and on generated messages whose parts lie far beyond the head: a large base64
 * attachment, an embedded message, a last delimiter line without line end. */
#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"
#include "normalize/normalize.h"
#include "normalize/rfc822.h"
#include "util/buf.h"
#include "tap.h"

static void put(struct buf *b, const char *what, const char *s, size_t len)
{
    buf_printf(b, "%s[%zu]=", what, s ? len : (size_t)-1);
    if (s)
        buf_append(b, s, len);
    buf_append(b, "\n", 1);
}

static void put_str(struct buf *b, const char *what, const char *s)
{
    put(b, what, s, s ? strlen(s) : 0);
}

static void put_list(struct buf *b, const char *what, const struct address_list *l)
{
    buf_printf(b, "%s %zu (%zu repairs)\n", what, l->count, l->repairs);
    for (size_t i = 0; i < l->count; i++) {
        put_str(b, " name", l->items[i].name);
        put_str(b, " address", l->items[i].address);
        put_str(b, " group", l->items[i].group);
    }
}

/* Everything the view gives, in one string; attachment bytes through the stream when asked. */
static void describe(struct normalize *n, bool stream, int depth, struct buf *b)
{
    size_t len;
    const char *s = normalize_header_block(n, &len);
    put(b, "header", s, len);
    put_str(b, "subject", normalize_subject(n));
    put_str(b, "message-id", normalize_message_id(n));
    put_str(b, "in-reply-to", normalize_in_reply_to(n));
    size_t nrefs;
    const char *const *refs = normalize_references(n, &nrefs);
    for (size_t i = 0; i < nrefs; i++)
        put_str(b, "ref", refs[i]);
    put_list(b, "from", normalize_from(n));
    put_list(b, "to", normalize_to(n));
    put_list(b, "cc", normalize_cc(n));
    const char *origin;
    int64_t date = normalize_date(n, &origin);
    buf_printf(b, "date %lld %s importance %d\n", (long long)date, origin, normalize_importance(n));
    s = normalize_body_text(n, &len);
    put(b, "text", s, len);
    buf_printf(b, "from html %d\n", normalize_body_text_from_html(n));
    s = normalize_body_html(n, &len);
    put(b, "html", s, len);
    const char *cs;
    s = normalize_body_html_raw(n, &len, &cs);
    put(b, "html raw", s, len);
    put_str(b, "html charset", cs);
    size_t count = normalize_attachment_count(n);
    for (size_t i = 0; i < count; i++) {
        const struct normalize_attachment *a = normalize_attachment(n, i);
        buf_printf(b, "attachment %zu: disposition %d origin %d message %d\n", i, a->disposition,
                   a->origin, a->is_message);
        put_str(b, " filename", a->filename);
        put_str(b, " type", a->content_type);
        put_str(b, " id", a->content_id);
        if (stream) {
            struct normalize_stream *st = normalize_attachment_open(n, i);
            struct buf data = BUF_INIT;
            char piece[7]; /* small pieces: a held-back CR crosses many of them */
            ssize_t got;
            while ((got = normalize_stream_read(st, piece, sizeof piece)) > 0)
                buf_append(&data, piece, (size_t)got);
            normalize_stream_close(st);
            put(b, " data", got < 0 ? NULL : data.data ? data.data : "", data.len);
            buf_free(&data);
        } else {
            s = normalize_attachment_data(n, i, &len);
            put(b, " data", s, len);
        }
        if (a->is_message && depth < 3) {
            struct normalize *m = normalize_attachment_message(n, i);
            if (m) {
                describe(m, stream, depth + 1, b);
                normalize_free(m);
            }
        }
    }
    for (size_t i = 0; i < normalize_repair_count(n); i++) {
        const struct normalize_repair *r = normalize_repair_at(n, i);
        buf_printf(b, "repair %s %s %zu\n", r->kind, r->where ? r->where : "", r->count);
    }
}

/* The view of `data` in memory against the view of the same file opened with `head` bytes. */
static bool same_view(const char *path, const char *data, size_t len, size_t head, char **why)
{
    struct normalize_hints hints = {MODEL_TIME_UNKNOWN, 1000000000};
    struct buf want = BUF_INIT, got = BUF_INIT;
    struct normalize *n = normalize_open(data, len, &hints, NULL);
    describe(n, false, 0, &want);
    normalize_free(n);
    int fd = open(path, O_RDONLY);
    n = normalize_open_file(data, head, fd, head, len - head, &hints, NULL);
    describe(n, true, 0, &got);
    normalize_free(n);
    close(fd);
    bool same = want.len == got.len && memcmp(buf_str(&want), buf_str(&got), want.len) == 0;
    if (!same) {
        size_t at = 0;
        while (at < want.len && at < got.len && want.data[at] == got.data[at])
            at++;
        size_t from = at > 60 ? at - 60 : 0;
        *why = g_strdup_printf("head %zu: differs at %zu: want '%.120s' got '%.120s'", head, at,
                               buf_str(&want) + from, buf_str(&got) + from);
    }
    buf_free(&want);
    buf_free(&got);
    return same;
}

static size_t checked, failed;

static void check_file(const char *path)
{
    gchar *data;
    gsize len;
    if (!g_file_get_contents(path, &data, &len, NULL))
        return;
    bool complete;
    size_t hl = rfc822_header_length(data, len, &complete);
    size_t splits[] = {hl, hl + (len - hl) / 2, len};
    for (size_t k = 0; k < 3; k++) {
        char *why = NULL;
        if (!same_view(path, data, len, splits[k], &why)) {
            if (failed++ < 10)
                ok(0, "%s: %s", path, why);
            g_free(why);
        }
    }
    checked++;
    g_free(data);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        gchar *p = g_build_filename(dir, e->d_name, NULL);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            walk(p);
        else if (S_ISREG(st.st_mode) && g_str_has_suffix(p, ".eml"))
            check_file(p);
        g_free(p);
    }
    closedir(d);
}

/* Generated messages whose parts lie beyond any head. */
static void check_generated(const char *tmpdir)
{
    struct buf m = BUF_INIT;
    buf_printf(&m, "From: a@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                   "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
                   "--XX\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n"
                   "--XX\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n");
    guchar *bytes = g_malloc(3 << 20);
    for (size_t i = 0; i < (3u << 20); i++)
        bytes[i] = (guchar)(i * 2654435761u >> 13);
    gchar *b64 = g_base64_encode(bytes, 3 << 20);
    for (size_t i = 0, l = strlen(b64); i < l; i += 76)
        buf_printf(&m, "%.76s\r\n", b64 + i);
    buf_printf(&m, "--XX\r\nContent-Type: message/rfc822\r\n\r\n"
                   "From: b@example.org\r\nSubject: inner\r\n\r\ninner body\r\n"
                   "--XX\r\nContent-Type: text/plain; name=\"cr.txt\"\r\n\r\nends with CR\r\n"
                   "--XX--");
    gchar *path = g_build_filename(tmpdir, "generated.eml", NULL);
    ok(g_file_set_contents(path, buf_str(&m), (gssize)m.len, NULL), "generated message written");
    size_t before = failed;
    check_file(path);
    ok(failed == before, "a 3 MB attachment, an embedded message and a delimiter without line end "
                         "read from the file as from memory");
    g_free(path);
    g_free(b64);
    g_free(bytes);
    buf_free(&m);
}

static bool has_repair(struct normalize *n, const char *kind)
{
    for (size_t i = 0; i < normalize_repair_count(n); i++)
        if (strcmp(normalize_repair_at(n, i)->kind, kind) == 0)
            return true;
    return false;
}

/* Header blocks too long for real mail are cut, in memory and from a file, and the message is
 * still decoded: a 20 MB Subject line, and 3 MB of Received lines before the From line. */
static void check_header_cut(const char *tmpdir)
{
    struct buf m = BUF_INIT;
    buf_puts(&m, "From: a@example.org\nSubject: ");
    for (size_t i = 0; i < (20u << 20) / 64; i++)
        buf_puts(&m, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    buf_puts(&m, "\nTo: b@example.org\nContent-Type: text/plain\n\nthe body\n");
    gchar *path = g_build_filename(tmpdir, "long-line.eml", NULL);
    g_file_set_contents(path, buf_str(&m), (gssize)m.len, NULL);
    struct normalize *n = normalize_open(m.data, m.len, NULL, NULL);
    const char *subject = normalize_subject(n);
    size_t hl;
    normalize_header_block(n, &hl);
    ok(subject && strlen(subject) < NORMALIZE_LINE_MAX && strncmp(subject, "0123", 4) == 0,
       "a 20 MB Subject line is cut to %zu bytes", subject ? strlen(subject) : 0);
    ok(normalize_to(n)->count == 1 && hl < NORMALIZE_LINE_MAX + 100,
       "the header after it is kept (header block %zu bytes)", hl);
    is_str(normalize_body_text(n, NULL), "the body\n", "the body is decoded");
    ok(has_repair(n, "header_cut"), "the cut is recorded as header_cut");
    normalize_free(n);
    char *why = NULL;
    ok(same_view(path, m.data, m.len, 1u << 20, &why), "the same from a file with a 1 MB head %s",
       why ? why : "");
    g_free(why);
    unlink(path);
    g_free(path);

    buf_reset(&m);
    for (size_t i = 0; i < 40000; i++)
        buf_printf(&m, "Received: from relay%zu.example.net by mx.example.org; "
                       "Mon, 1 Jan 2024 10:00:00 +0000\r\n", i);
    buf_puts(&m, "From: late@example.org\r\nSubject: many hops\r\n"
                 "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                 "--b\r\nContent-Type: text/plain\r\n\r\nbody text\r\n"
                 "--b\r\nContent-Type: application/octet-stream; name=\"x.bin\"\r\n\r\n"
                 "attached\r\n--b--\r\n");
    path = g_build_filename(tmpdir, "many-hops.eml", NULL);
    g_file_set_contents(path, buf_str(&m), (gssize)m.len, NULL);
    int fd = open(path, O_RDONLY);
    size_t head = 1u << 20; /* as the pipeline reads it: the head ends inside the header */
    n = normalize_open_file(m.data, head, fd, head, m.len - head, NULL, NULL);
    normalize_header_block(n, &hl);
    ok(hl <= NORMALIZE_HEADER_BLOCK_MAX + NORMALIZE_HEADER_KEEP_MAX && normalize_from(n)->count == 1,
       "3.4 MB of header lines are cut to %zu bytes, the From line after them kept", hl);
    ok(has_repair(n, "header_cut"), "recorded as header_cut");
    is_str(normalize_body_text(n, NULL), "body text", "the body after them is found in the file");
    size_t len = 0;
    ok(normalize_attachment_count(n) == 1 &&
           (normalize_attachment_data(n, 0, &len), len == 8),
       "and the attachment after it");
    normalize_free(n);
    close(fd);
    unlink(path);
    g_free(path);
    buf_free(&m);
}

int main(void)
{
    g_mime_init();
    char tmpl[] = "/tmp/wlm-normfile-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    check_generated(tmp);
    check_header_cut(tmp);
    walk("samples");
    size_t samples = checked;
    ok(samples >= 40, "samples/ checked: %zu messages", samples);
    if (access("../shared/corpora", F_OK) == 0) {
        const char *mail[] = {"mikel-mail", "sisimai-set-of-emails", "stalwart-mail-parser",
                              "roundcube"};
        for (size_t i = 0; i < sizeof mail / sizeof mail[0]; i++) {
            gchar *d = g_build_filename("../shared/corpora", mail[i], NULL);
            walk(d);
            g_free(d);
        }
        ok(checked - samples >= 900, "corpora checked: %zu messages", checked - samples);
    } else if (getenv("CI")) {
        ok(0, "../shared/corpora is missing in CI");
    } else {
        printf("# skip: ../shared/corpora not beside the clone: the corpus messages are not checked\n");
    }
    ok(failed == 0, "every message gives the same view from the file as from memory (%zu differ)",
       failed);
    gchar *p = g_build_filename(tmp, "generated.eml", NULL);
    unlink(p);
    g_free(p);
    rmdir(tmp);
    return tap_done();
}
