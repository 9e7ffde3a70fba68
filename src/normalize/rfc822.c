/* rfc822: raw header block scanning (see rfc822.h). */
#include "normalize/rfc822.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Offset just past the line that starts at `pos` (past its LF, or `len`). */
static size_t next_line(const char *buf, size_t len, size_t pos)
{
    const char *lf = memchr(buf + pos, '\n', len - pos);
    return lf ? (size_t)(lf - buf) + 1 : len;
}

static bool is_blank_line(const char *buf, size_t len, size_t pos)
{
    if (pos < len && buf[pos] == '\n')
        return true;
    return pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n';
}

size_t rfc822_header_length(const char *buf, size_t len, bool *complete)
{
    size_t pos = 0;
    while (pos < len) {
        if (is_blank_line(buf, len, pos)) {
            *complete = true;
            return next_line(buf, len, pos);
        }
        pos = next_line(buf, len, pos);
    }
    *complete = false;
    return len;
}

static bool is_field_name_char(unsigned char c)
{
    return c > 32 && c < 127 && c != ':';
}

/* The end of a field's name when the line at `pos` is a field ("Name :"), else `pos`; *colon is
 * the offset of its ':'. */
static size_t field_name_end(const char *s, size_t end, size_t pos, size_t *colon)
{
    size_t i = pos;
    while (i < end && is_field_name_char((unsigned char)s[i]))
        i++;
    size_t name_end = i;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (name_end > pos && i < end && s[i] == ':') {
        *colon = i;
        return name_end;
    }
    return pos;
}

void rfc822_scan_begin(struct rfc822_scan *sc, const char *buf, size_t len)
{
    *sc = (struct rfc822_scan){.buf = buf, .len = len};
    size_t colon;
    if (len >= 5 && memcmp(buf, "From ", 5) == 0 &&
        field_name_end(buf, next_line(buf, len, 0), 0, &colon) == 0)
        sc->start = sc->pos = next_line(buf, len, 0);
}

bool rfc822_scan_next(struct rfc822_scan *sc, struct rfc822_field *f)
{
    const char *s = sc->buf;
    while (!sc->done && sc->pos < sc->len) {
        size_t pos = sc->pos, end, name_end, colon;
        if (sc->pending) {
            sc->pending = false;
            end = sc->pending_end;
            name_end = sc->pending_name_end;
            colon = sc->pending_colon;
        } else {
            end = next_line(s, sc->len, pos);
            if (is_blank_line(s, sc->len, pos)) {
                sc->pos = end;
                sc->done = true;
                return false;
            }
            name_end = field_name_end(s, end, pos, &colon);
        }
        sc->pos = end;
        if (name_end == pos)
            continue; /* a stray line (continuations are taken with their field below) */
        *f = (struct rfc822_field){pos, name_end - pos, colon + 1, end};
        /* Continuation lines belong to the field, and so do stray lines between them (old
         * mailers folded with lines that hold no blank at all). */
        for (size_t at = sc->pos; at < sc->len && !is_blank_line(s, sc->len, at);) {
            size_t next = next_line(s, sc->len, at);
            if (s[at] == ' ' || s[at] == '\t') {
                sc->pos = f->end = next;
            } else if ((name_end = field_name_end(s, next, at, &colon)) != at) {
                if (at == sc->pos) {
                    sc->pending = true;
                    sc->pending_end = next;
                    sc->pending_name_end = name_end;
                    sc->pending_colon = colon;
                }
                break;
            }
            at = next;
        }
        return true;
    }
    sc->done = true;
    return false;
}

bool rfc822_field_is(const struct rfc822_scan *sc, const struct rfc822_field *f, const char *name)
{
    size_t n = strlen(name);
    return f->name_len == n && strncasecmp(sc->buf + f->name, name, n) == 0;
}

#define KNOWN(name) {name, sizeof name - 1}
static const struct {
    const char *name;
    size_t len;
} known_names[RFC822_KNOWN_COUNT] = {
    [RFC822_DATE] = KNOWN("Date"),         [RFC822_RECEIVED] = KNOWN("Received"),
    [RFC822_RETURN_PATH] = KNOWN("Return-Path"), [RFC822_FROM] = KNOWN("From"),
    [RFC822_SENDER] = KNOWN("Sender"),     [RFC822_REPLY_TO] = KNOWN("Reply-To"),
    [RFC822_TO] = KNOWN("To"),             [RFC822_CC] = KNOWN("Cc"),
    [RFC822_BCC] = KNOWN("Bcc"),           [RFC822_SUBJECT] = KNOWN("Subject"),
};

int rfc822_known_of(const struct rfc822_scan *sc, const struct rfc822_field *f)
{
    const char *n = sc->buf + f->name;
    int k;
    /* The one known name of this length that it can be (Received and Reply-To differ in their
     * third letter), then compared: most fields are told apart without a comparison. */
    switch (f->name_len) {
    case 2: k = (n[0] | 0x20) == 't' ? RFC822_TO : RFC822_CC; break;
    case 3: k = RFC822_BCC; break;
    case 4: k = (n[0] | 0x20) == 'd' ? RFC822_DATE : RFC822_FROM; break;
    case 6: k = RFC822_SENDER; break;
    case 7: k = RFC822_SUBJECT; break;
    case 8: k = (n[2] | 0x20) == 'c' ? RFC822_RECEIVED : RFC822_REPLY_TO; break;
    case 11: k = RFC822_RETURN_PATH; break;
    default: return -1;
    }
    return f->name_len == known_names[k].len &&
                   strncasecmp(n, known_names[k].name, known_names[k].len) == 0
               ? k
               : -1;
}

void rfc822_fields_find(const char *buf, size_t len, unsigned want, struct rfc822_fields *fs)
{
    struct rfc822_scan sc;
    struct rfc822_field f;
    fs->found = 0;
    rfc822_scan_begin(&sc, buf, len);
    while ((fs->found & want) != want && rfc822_scan_next(&sc, &f)) {
        int k = rfc822_known_of(&sc, &f);
        if (k >= 0 && !(fs->found & (1u << k))) {
            fs->first[k] = f;
            fs->found |= 1u << k;
        }
    }
}

const struct rfc822_field *rfc822_fields_get(const struct rfc822_fields *fs, enum rfc822_known k)
{
    return fs->found & (1u << k) ? &fs->first[k] : NULL;
}

/* Whether one of the eight bytes of `w` is `c`. */
static bool has_byte(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (0x0101010101010101u * c);
    return ((x - 0x0101010101010101u) & ~x & 0x8080808080808080u) != 0;
}

void rfc822_unfold(const char *s, size_t len, struct buf *out)
{
    buf_reset(out);
    while (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n' || s[0] == '\0')) {
        s++;
        len--;
    }
    char *d = buf_reserve(out, len);
    size_t n = 0, i = 0;
    /* eight bytes at a time, one by one only where one of them is dropped (a value is one
     * line but for its folds; a file with CR line ends is all one "line" to this scanner) */
    while (i < len) {
        uint64_t w = 0;
        if (i + 8 <= len) {
            memcpy(&w, s + i, 8);
            if (!has_byte(w, 0) && !has_byte(w, '\r') && !has_byte(w, '\n')) {
                memcpy(d + n, s + i, 8);
                n += 8;
                i += 8;
                continue;
            }
        }
        for (size_t stop = i + 8 < len ? i + 8 : len; i < stop; i++)
            if (s[i] != '\r' && s[i] != '\n' && s[i] != '\0')
                d[n++] = s[i];
    }
    while (n > 0 && (d[n - 1] == ' ' || d[n - 1] == '\t'))
        n--;
    buf_commit(out, n);
}

size_t rfc822_leading_blanks(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i == 0 || i == len)
        return 0;
    size_t colon;
    return field_name_end(buf, next_line(buf, len, i), i, &colon) != i ? i : 0;
}

enum rfc822_class rfc822_classify(const char *head, size_t len, size_t header_len, bool at_eof)
{
    if (len == 0)
        return RFC822_EMPTY;
    /* An envelope line left in an .eml by an mbox tool does not make it less of a message. */
    struct rfc822_scan sc;
    rfc822_scan_begin(&sc, head, len);
    size_t pos = sc.start, colon;
    size_t name_end = field_name_end(head, next_line(head, len, pos), pos, &colon);
    if (name_end == pos || name_end - pos > 998) /* RFC 5322 lines are at most 998 octets */
        return RFC822_NOT_MESSAGE;
    if (at_eof && header_len == len)
        return RFC822_HEADER_ONLY;
    return RFC822_MESSAGE;
}

bool rfc822_header_value(const char *hdr, size_t len, const char *name, struct buf *value)
{
    struct rfc822_scan sc;
    struct rfc822_field f;
    buf_reset(value);
    rfc822_scan_begin(&sc, hdr, len);
    while (rfc822_scan_next(&sc, &f))
        if (rfc822_field_is(&sc, &f, name)) {
            rfc822_unfold(hdr + f.value, f.end - f.value, value);
            return true;
        }
    return false;
}

bool rfc822_uses_crlf(const char *buf, size_t len)
{
    const char *lf = memchr(buf, '\n', len);
    return lf && lf > buf && lf[-1] == '\r';
}
