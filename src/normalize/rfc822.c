/* rfc822: raw header block scanning (see rfc822.h). */
#include "normalize/rfc822.h"

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

/* A header field line: a name of printable ASCII other than ':' and then ':'. */
static bool is_field_line(const char *buf, size_t len, size_t pos)
{
    size_t i = pos;
    while (i < len && i - pos < 998) {
        unsigned char c = (unsigned char)buf[i];
        if (c == ':')
            return i > pos;
        if (c <= 32 || c >= 127)
            break;
        i++;
    }
    /* Tolerate WSP before the colon ("Subject : x"), as old mailers wrote. */
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    return i > pos && i < len && buf[i] == ':' && buf[pos] != ' ' && buf[pos] != '\t';
}

enum rfc822_class rfc822_classify(const char *head, size_t len, bool at_eof)
{
    if (len == 0)
        return RFC822_EMPTY;
    size_t pos = 0;
    /* An envelope line left in an .eml by an mbox tool does not make it less of a message. */
    if (len >= 5 && memcmp(head, "From ", 5) == 0)
        pos = next_line(head, len, 0);
    if (!is_field_line(head, len, pos))
        return RFC822_NOT_MESSAGE;
    bool complete;
    size_t hlen = rfc822_header_length(head, len, &complete);
    if (at_eof && hlen == len)
        return RFC822_HEADER_ONLY;
    return RFC822_MESSAGE;
}

bool rfc822_header_value(const char *hdr, size_t len, const char *name, struct buf *value)
{
    size_t nlen = strlen(name);
    size_t pos = 0;
    buf_reset(value);
    while (pos < len && !is_blank_line(hdr, len, pos)) {
        size_t end = next_line(hdr, len, pos);
        bool match = end - pos > nlen && strncasecmp(hdr + pos, name, nlen) == 0;
        size_t colon = pos + nlen;
        if (match) {
            while (colon < end && (hdr[colon] == ' ' || hdr[colon] == '\t'))
                colon++;
            match = colon < end && hdr[colon] == ':';
        }
        if (!match) {
            pos = end;
            continue;
        }
        /* Collect the value and its continuation lines, folding line ends away. */
        size_t start = colon + 1;
        for (;;) {
            size_t stop = end;
            while (stop > start && (hdr[stop - 1] == '\n' || hdr[stop - 1] == '\r'))
                stop--;
            buf_append(value, hdr + start, stop - start);
            if (end >= len || (hdr[end] != ' ' && hdr[end] != '\t'))
                break;
            start = end;
            end = next_line(hdr, len, end);
        }
        /* Trim surrounding white space. */
        size_t b = 0, e = value->len;
        while (b < e && (value->data[b] == ' ' || value->data[b] == '\t'))
            b++;
        while (e > b && (value->data[e - 1] == ' ' || value->data[e - 1] == '\t'))
            e--;
        memmove(value->data, value->data + b, e - b);
        value->len = e - b;
        value->data[value->len] = '\0';
        return true;
    }
    return false;
}

bool rfc822_uses_crlf(const char *buf, size_t len)
{
    const char *lf = memchr(buf, '\n', len);
    return lf && lf > buf && lf[-1] == '\r';
}
