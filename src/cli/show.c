/* show: printing one message's decoded view (see show.h).
 *
 * Everything shown comes from the normalizer; this file only reads the file, walks the
 * accessors (all of them, so the repairs are complete) and prints. SHA-256 sums are GLib's
 * GChecksum, which GMime already brings in. */
#include "cli/show.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "report/json.h"
#include "model/model.h"
#include "normalize/normalize.h"
#include "normalize/rfc822.h"
#include "util/platform.h"
#include "util/utf8.h"

#define SHOW_MAX_BYTES ((size_t)2 << 30)

static const char *importance_name(enum normalize_importance i)
{
    if (i == NORMALIZE_IMPORTANCE_HIGH)
        return "high";
    return i == NORMALIZE_IMPORTANCE_LOW ? "low" : "normal";
}

static const char *origin_name(enum normalize_origin o)
{
    if (o == NORMALIZE_ORIGIN_TNEF)
        return "tnef";
    return o == NORMALIZE_ORIGIN_UUENCODE ? "uuencode" : "mime";
}

static void iso_date(int64_t t, char out[64])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 64, "?");
        return;
    }
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    while (len) {
        size_t step = len > 1u << 30 ? 1u << 30 : len;
        g_checksum_update(c, (const guchar *)data, (gssize)step);
        data += step;
        len -= step;
    }
    snprintf(out, 65, "%s", g_checksum_get_string(c));
    g_checksum_free(c);
}

/* ---------------------------------------------------------------------------------------------
 * JSON */

static void json_addresses(struct json *j, const char *key, const struct address_list *l)
{
    json_key(j, key);
    json_array_begin(j);
    for (size_t i = 0; i < l->count; i++) {
        json_object_begin(j);
        json_kv_string(j, "name", l->items[i].name);
        json_kv_string(j, "address", l->items[i].address);
        if (l->items[i].group)
            json_kv_string(j, "group", l->items[i].group);
        json_object_end(j);
    }
    json_array_end(j);
}

static void json_message(struct json *j, struct normalize *n);

static void json_attachments(struct json *j, struct normalize *n)
{
    json_key(j, "attachments");
    json_array_begin(j);
    for (size_t i = 0; i < normalize_attachment_count(n); i++) {
        const struct normalize_attachment *a = normalize_attachment(n, i);
        size_t len;
        const char *data = normalize_attachment_data(n, i, &len);
        char sum[65];
        sha256_hex(data, len, sum);
        json_object_begin(j);
        json_kv_string(j, "filename", a->filename);
        json_kv_string(j, "content_type", a->content_type);
        json_kv_string(j, "content_id", a->content_id);
        json_kv_string(j, "disposition",
                       a->disposition == NORMALIZE_DISPOSITION_INLINE ? _("inline") : _("attachment"));
        json_kv_string(j, "origin", origin_name(a->origin));
        json_kv_uint(j, "size", len);
        json_kv_string(j, "sha256", sum);
        if (a->is_message) {
            struct normalize *m = normalize_attachment_message(n, i);
            json_key(j, "message");
            if (m)
                json_message(j, m);
            else
                json_null(j);
            normalize_free(m);
        }
        json_object_end(j);
        normalize_attachment_release(n, i);
    }
    json_array_end(j);
}

/* The members of one message object (the caller has begun it). */
static void json_members(struct json *j, struct normalize *n)
{
    json_kv_string(j, "subject", normalize_subject(n));
    json_addresses(j, "from", normalize_from(n));
    json_addresses(j, "sender", normalize_sender(n));
    json_addresses(j, "reply_to", normalize_reply_to(n));
    json_addresses(j, "to", normalize_to(n));
    json_addresses(j, "cc", normalize_cc(n));
    json_addresses(j, "bcc", normalize_bcc(n));
    const char *origin;
    int64_t t = normalize_date(n, &origin);
    char date[64];
    if (t != MODEL_TIME_UNKNOWN) {
        iso_date(t, date);
        json_kv_string(j, "date", date);
    } else {
        json_kv_string(j, "date", NULL);
    }
    json_kv_string(j, "date_origin", origin);
    json_kv_string(j, "message_id", normalize_message_id(n));
    json_kv_string(j, "in_reply_to", normalize_in_reply_to(n));
    size_t nrefs;
    const char *const *refs = normalize_references(n, &nrefs);
    json_key(j, "references");
    json_array_begin(j);
    for (size_t i = 0; i < nrefs; i++)
        json_string(j, refs[i]);
    json_array_end(j);
    json_kv_string(j, "importance", importance_name(normalize_importance(n)));
    size_t len;
    const char *text = normalize_body_text(n, &len);
    json_key(j, "body_text");
    if (text)
        json_stringn(j, text, len);
    else
        json_null(j);
    json_kv_bool(j, "body_text_from_html", normalize_body_text_from_html(n));
    const char *html = normalize_body_html(n, &len);
    json_key(j, "body_html");
    if (html)
        json_stringn(j, html, len);
    else
        json_null(j);
    const char *charset;
    normalize_body_html_raw(n, &len, &charset);
    json_kv_string(j, "body_html_charset", charset);
    json_attachments(j, n);
    json_key(j, "repairs");
    json_array_begin(j);
    for (size_t i = 0; i < normalize_repair_count(n); i++) {
        const struct normalize_repair *r = normalize_repair_at(n, i);
        json_object_begin(j);
        json_kv_string(j, "kind", r->kind);
        json_kv_string(j, "where", r->where);
        json_kv_uint(j, "count", r->count);
        json_object_end(j);
    }
    json_array_end(j);
}

static void json_message(struct json *j, struct normalize *n)
{
    json_object_begin(j);
    json_members(j, n);
    json_object_end(j);
}

/* ---------------------------------------------------------------------------------------------
 * Text */

/* Prints text for a terminal: valid UTF-8 as it is, line ends kept, other control characters
 * and invalid bytes as '?'. */
static void put_text(FILE *out, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') {
            i++;
            continue;
        }
        if (c < 0x80) {
            fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (int)c, out);
            i++;
            continue;
        }
        size_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0) {
            fputc('?', out);
            i++;
        } else {
            fwrite(s + i, 1, n, out);
            i += n;
        }
    }
}


/* One line of a header-like field: newlines in the value are shown as spaces. */
static void put_line(FILE *out, const char *s)
{
    for (const char *p = s; p && *p; p++) {
        const char *nl = strpbrk(p, "\r\n");
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        put_text(out, p, l);
        if (!nl)
            break;
        fputc(' ', out);
        p = nl;
    }
}

static void text_addresses(FILE *out, const char *pad, const char *label,
                           const struct address_list *l)
{
    if (!l->count)
        return;
    fprintf(out, "%s%-12s", pad, label);
    for (size_t i = 0; i < l->count; i++) {
        const struct address *a = &l->items[i];
        if (i)
            fprintf(out, ",\n%s%-12s", pad, "");
        if (a->name) {
            put_line(out, a->name);
            fputc(' ', out);
        }
        if (*a->address) {
            fputc('<', out);
            put_line(out, a->address);
            fputc('>', out);
        } else if (!a->name) {
            fputs(_("(empty group)"), out);
        }
        if (a->group) {
            fputs(_("  [group "), out);
            put_line(out, a->group);
            fputc(']', out);
        }
    }
    fputc('\n', out);
}

static void text_message(FILE *out, struct normalize *n, int depth)
{
    char pad[64];
    int w = depth * 4 < 60 ? depth * 4 : 60;
    memset(pad, ' ', (size_t)w);
    pad[w] = '\0';
    const char *subject = normalize_subject(n);
    fprintf(out, "%s%-12s", pad, "Subject:");
    if (subject)
        put_line(out, subject);
    else
        fputs(_("(none)"), out);
    fputc('\n', out);
    text_addresses(out, pad, "From:", normalize_from(n));
    text_addresses(out, pad, "Sender:", normalize_sender(n));
    text_addresses(out, pad, "Reply-To:", normalize_reply_to(n));
    text_addresses(out, pad, "To:", normalize_to(n));
    text_addresses(out, pad, "Cc:", normalize_cc(n));
    text_addresses(out, pad, "Bcc:", normalize_bcc(n));
    const char *origin;
    int64_t t = normalize_date(n, &origin);
    char date[64] = "unknown";
    if (t != MODEL_TIME_UNKNOWN)
        iso_date(t, date);
    fprintf(out, _("%s%-12s%s (from %s)\n"), pad, "Date:", date, origin);
    if (normalize_message_id(n)) {
        fprintf(out, "%s%-12s", pad, "Message-ID:");
        put_line(out, normalize_message_id(n));
        fputc('\n', out);
    }
    if (normalize_in_reply_to(n)) {
        fprintf(out, "%s%-12s", pad, "In-Reply-To:");
        put_line(out, normalize_in_reply_to(n));
        fputc('\n', out);
    }
    if (normalize_importance(n) != NORMALIZE_IMPORTANCE_NORMAL)
        fprintf(out, "%s%-12s%s\n", pad, "Importance:", importance_name(normalize_importance(n)));

    size_t natt = normalize_attachment_count(n);
    if (natt)
        fprintf(out, _("%sAttachments (%zu)\n"), pad, natt);
    for (size_t i = 0; i < natt; i++) {
        const struct normalize_attachment *a = normalize_attachment(n, i);
        size_t len;
        const char *data = normalize_attachment_data(n, i, &len);
        char sum[65];
        sha256_hex(data, len, sum);
        fprintf(out, "%s  %zu. ", pad, i + 1);
        if (a->filename)
            put_line(out, a->filename);
        else
            fputs(_("(no name)"), out);
        fprintf(out, _("  %s, %zu bytes, %s"), a->content_type, len,
                a->disposition == NORMALIZE_DISPOSITION_INLINE ? "inline" : "attachment");
        if (a->content_id) {
            fputs(", cid:", out);
            put_line(out, a->content_id);
        }
        if (a->origin != NORMALIZE_ORIGIN_MIME)
            fprintf(out, _(", from %s"),
                    a->origin == NORMALIZE_ORIGIN_TNEF ? "winmail.dat" : "uuencode");
        fprintf(out, "\n%s     sha256 %s\n", pad, sum);
        if (a->is_message) {
            struct normalize *m = normalize_attachment_message(n, i);
            if (m)
                text_message(out, m, depth + 1);
            normalize_free(m);
        }
        normalize_attachment_release(n, i);
    }

    size_t len;
    const char *text = normalize_body_text(n, &len);
    const char *charset;
    size_t html_len;
    const char *html = normalize_body_html_raw(n, &html_len, &charset);
    if (html)
        fprintf(out, _("%sHTML body: %zu bytes as sent, charset %s\n"), pad, html_len, charset);
    /* the body is decoded before the repairs are listed, so that they are complete */
    if (normalize_repair_count(n)) {
        fprintf(out, _("%sRepairs\n"), pad);
        for (size_t i = 0; i < normalize_repair_count(n); i++) {
            const struct normalize_repair *r = normalize_repair_at(n, i);
            fprintf(out, "%s  %s at %s: %zu\n", pad, r->kind, r->where, r->count);
        }
    }
    if (text) {
        fprintf(out, _("%sBody%s\n"), pad,
                normalize_body_text_from_html(n) ? _(" (text of the HTML)") : "");
        if (depth == 0) {
            put_text(out, text, len);
            if (len && text[len - 1] != '\n')
                fputc('\n', out);
        } else {
            fprintf(out, _("%s  (%zu bytes)\n"), pad, len);
        }
    } else {
        fprintf(out, _("%sBody: none\n"), pad);
    }
}

int show_run(const struct show_options *o)
{
    struct buf data = BUF_INIT;
    struct error err;
    if (fs_read_file(o->path, SHOW_MAX_BYTES, &data, &err) != 0) {
        fprintf(stderr, "wlmigrate: %s\n", i18n_sentence(err.msg));
        buf_free(&data);
        return 3;
    }
    /* Blank lines or an indent before the first field are dropped, as the converter does. */
    size_t blanks = rfc822_leading_blanks(buf_str(&data), data.len);
    const char *msg = buf_str(&data) + blanks;
    size_t msg_len = data.len - blanks;
    bool complete;
    enum rfc822_class kind =
        rfc822_classify(msg, msg_len, rfc822_header_length(msg, msg_len, &complete), true);
    if (kind == RFC822_EMPTY || kind == RFC822_NOT_MESSAGE) {
        fprintf(stderr, "wlmigrate: %s: %s\n", o->path,
                kind == RFC822_EMPTY ? _("the file is empty") : _("not a message (no header fields)"));
        buf_free(&data);
        return 3;
    }
    struct normalize_hints hints = {MODEL_TIME_UNKNOWN, MODEL_TIME_UNKNOWN};
    struct plat_stat st;
    if (plat_stat(o->path, &st) == 0)
        hints.file_time = st.mtime;
    struct normalize *n = normalize_open(msg, msg_len, &hints, &err);
    if (!n) {
        fprintf(stderr, "wlmigrate: %s: %s\n", o->path, i18n_sentence(err.msg));
        buf_free(&data);
        return 3;
    }
    if (o->json) {
        struct json *j = json_new(stdout);
        json_object_begin(j);
        json_kv_string(j, "file", o->path);
        json_members(j, n);
        json_object_end(j);
        json_free(j);
    } else {
        fputs(_("File:       "), stdout);
        put_line(stdout, o->path);
        fputc('\n', stdout);
        text_message(stdout, n, 0);
    }
    normalize_free(n);
    buf_free(&data);
    if (fflush(stdout) != 0) {
        fprintf(stderr, _("wlmigrate: cannot write the output: %s\n"), strerror(errno));
        return 3;
    }
    return 0;
}
