/* vcard_writer: contacts to vCard text (see vcard_writer.h).
 *
 * Each property is assembled in full (name, parameters, escaped value) and then emitted:
 * folded at 75 octets for 3.0/4.0, or, for 2.1, as quoted-printable with its own soft breaks
 * when the value needs it. */
#include "vcard_writer.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

struct writer {
    struct buf *out;
    enum vcard_version v;
    unsigned item; /* next itemN group for labels */
};

/* ---- low level ---------------------------------------------------------------------------- */

static void fold_line(struct buf *out, const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_sequence_length(s + i, n - i);
        if (k == 0)
            k = 1;
        if (col + k > 75) {
            buf_puts(out, "\r\n ");
            col = 1;
        }
        buf_append(out, s + i, k);
        col += k;
        i += k;
    }
    buf_puts(out, "\r\n");
}

/* Escapes text for 3.0/4.0 (\\ \n \, and \; in structured values) or 2.1 (only ';' in
 * structured values). */
static void escape(struct buf *b, const char *s, int version, bool structured)
{
    for (; s && *s; s++) {
        char ch = *s;
        if (ch == '\r') {
            if (s[1] == '\n')
                continue;
            ch = '\n';
        }
        if (version == VCARD_V21) {
            if (ch == ';' && structured)
                buf_putc(b, '\\');
            buf_putc(b, ch);
            continue;
        }
        /* RFC 6350 3.4: ';' must be escaped only inside compound values (N, ADR), and
         * Thunderbird does not unescape it elsewhere ("A\;B" would show as typed). */
        if (ch == '\\' || ch == ',' || (ch == ';' && structured))
            buf_putc(b, '\\');
        if (ch == '\n')
            buf_puts(b, "\\n");
        else
            buf_putc(b, ch);
    }
}

static bool needs_qp(const char *s, size_t n, size_t head)
{
    if (head + n > 75)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80 || ch < 0x20 || ch == '=')
            return true;
    }
    return n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t');
}

/* Quoted-printable for 2.1: lines of at most 76 characters, soft breaks only between
 * characters; line ends inside the value become =0D=0A. */
static void qp_value(struct buf *out, const char *s, size_t n, size_t col)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_sequence_length(s + i, n - i);
        if (k == 0)
            k = 1;
        char enc[16];
        size_t elen = 0;
        for (size_t j = 0; j < k; j++) {
            unsigned char ch = (unsigned char)s[i + j];
            bool last = i + k == n;
            if (ch >= 0x80 || ch < 0x20 || ch == '=' || ((ch == ' ' || ch == '\t') && last)) {
                static const char hex[] = "0123456789ABCDEF";
                if (ch == '\n') {
                    memcpy(enc + elen, "=0D=0A", 6);
                    elen += 6;
                    continue;
                }
                enc[elen++] = '=';
                enc[elen++] = hex[ch >> 4];
                enc[elen++] = hex[ch & 15];
            } else {
                enc[elen++] = (char)ch;
            }
        }
        if (col + elen > 75) {
            buf_puts(out, "=\r\n");
            col = 0;
        }
        buf_append(out, enc, elen);
        col += elen;
        i += k;
    }
    buf_puts(out, "\r\n");
}

/* Emits "NAME;PARAMS:" + value (already escaped). */
static void emit(struct writer *w, const char *head, const struct buf *value)
{
    const char *v = buf_str(value);
    if (w->v == VCARD_V21) {
        size_t hl = strlen(head);
        if (needs_qp(v, value->len, hl + 1)) {
            struct buf h = BUF_INIT;
            buf_puts(&h, head);
            bool ascii = true;
            for (size_t i = 0; i < value->len; i++)
                if ((unsigned char)v[i] >= 0x80)
                    ascii = false;
            if (!ascii)
                buf_puts(&h, ";CHARSET=UTF-8");
            buf_puts(&h, ";ENCODING=QUOTED-PRINTABLE:");
            buf_append(w->out, h.data, h.len);
            qp_value(w->out, v, value->len, h.len);
            buf_free(&h);
            return;
        }
        buf_puts(w->out, head);
        buf_putc(w->out, ':');
        buf_append(w->out, v, value->len);
        buf_puts(w->out, "\r\n");
        return;
    }
    struct buf line = BUF_INIT;
    buf_puts(&line, head);
    buf_putc(&line, ':');
    buf_append(&line, v, value->len);
    fold_line(w->out, line.data, line.len);
    buf_free(&line);
}

static void text_prop(struct writer *w, const char *head, const char *value)
{
    if (!value)
        return;
    struct buf b = BUF_INIT;
    escape(&b, value, w->v, false);
    emit(w, head, &b);
    buf_free(&b);
}

static void struct_prop(struct writer *w, const char *head, const char *const *parts, size_t n)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(&b, ';');
        escape(&b, parts[i], w->v, true);
    }
    emit(w, head, &b);
    buf_free(&b);
}

/* ---- types -------------------------------------------------------------------------------- */

static const struct {
    unsigned flag;
    const char *v21, *v30, *v40;
} type_names[] = {
    {CONTACT_HOME, "HOME", "HOME", "home"},   {CONTACT_WORK, "WORK", "WORK", "work"},
    {CONTACT_CELL, "CELL", "CELL", "cell"},   {CONTACT_FAX, "FAX", "FAX", "fax"},
    {CONTACT_PAGER, "PAGER", "PAGER", "pager"}, {CONTACT_VOICE, "VOICE", "VOICE", "voice"},
    {CONTACT_CAR, "CAR", "CAR", "x-car"},     {CONTACT_TEXT, "MSG", "MSG", "text"},
    {CONTACT_VIDEO, "VIDEO", "VIDEO", "video"}, {CONTACT_MAIN, "X-MAIN", "X-MAIN", "x-main"},
    {CONTACT_OTHER, "X-OTHER", "X-OTHER", "x-other"},
};

/* "NAME;TYPE=..." in the version's style; `extra` is a 2.1/3.0 type always added (INTERNET
 * for e-mail) or NULL. */
static void head_with_types(struct writer *w, struct buf *h, const char *group, const char *name,
                            unsigned types, const char *extra)
{
    if (group)
        buf_printf(h, "%s.", group);
    buf_puts(h, name);
    if (w->v == VCARD_V21) {
        for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
            if (types & type_names[i].flag)
                buf_printf(h, ";%s", type_names[i].v21);
        if (types & CONTACT_PREF)
            buf_puts(h, ";PREF");
        if (extra)
            buf_printf(h, ";%s", extra);
        return;
    }
    bool first = true;
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (!(types & type_names[i].flag))
            continue;
        buf_printf(h, "%s%s", first ? ";TYPE=" : ",",
                   w->v == VCARD_V40 ? type_names[i].v40 : type_names[i].v30);
        first = false;
    }
    if (w->v == VCARD_V30 && extra) {
        buf_printf(h, "%s%s", first ? ";TYPE=" : ",", extra);
        first = false;
    }
    if (types & CONTACT_PREF) {
        if (w->v == VCARD_V40)
            buf_puts(h, ";PREF=1");
        else
            buf_printf(h, "%sPREF", first ? ";TYPE=" : ",");
    }
}

static void values(struct writer *w, const char *name, const struct contact_value *v, size_t n,
                   const char *extra, bool pref_first)
{
    bool any_pref = false;
    for (size_t i = 0; i < n; i++)
        any_pref |= (v[i].types & CONTACT_PREF) != 0;
    for (size_t i = 0; i < n; i++) {
        char group[16] = "";
        if (v[i].label && w->v != VCARD_V21)
            snprintf(group, sizeof group, "item%u", ++w->item);
        struct buf h = BUF_INIT;
        unsigned types = v[i].types;
        if (pref_first && !any_pref && i == 0)
            types |= CONTACT_PREF;
        head_with_types(w, &h, group[0] ? group : NULL, name, types, extra);
        text_prop(w, buf_str(&h), v[i].value);
        if (group[0]) {
            buf_reset(&h);
            buf_printf(&h, "%s.X-ABLabel", group);
            text_prop(w, buf_str(&h), v[i].label);
        }
        buf_free(&h);
    }
}

/* ---- dates and photo ---------------------------------------------------------------------- */

static void date_prop(struct writer *w, const char *name, const char *date)
{
    if (!date || !*date)
        return;
    bool full = strlen(date) == 10 && date[4] == '-' && date[7] == '-';
    bool partial = strlen(date) == 7 && date[0] == '-' && date[1] == '-' && date[4] == '-';
    struct buf b = BUF_INIT;
    char head[64];
    if (full || partial) {
        if (partial)
            buf_printf(&b, "--%.2s%.2s", date + 2, date + 5);
        else if (w->v == VCARD_V40) /* basic format, as RFC 6350 writes it */
            buf_printf(&b, "%.4s%.2s%.2s", date, date + 5, date + 8);
        else
            buf_puts(&b, date);
        snprintf(head, sizeof head, "%s", name);
        emit(w, head, &b);
    } else {
        escape(&b, date, w->v, false);
        snprintf(head, sizeof head, "%s%s", name, w->v == VCARD_V40 ? ";VALUE=text" : "");
        emit(w, head, &b);
    }
    buf_free(&b);
}

static void base64(struct buf *b, const unsigned char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        buf_putc(b, tbl[(v >> 18) & 63]);
        buf_putc(b, tbl[(v >> 12) & 63]);
        buf_putc(b, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        buf_putc(b, i + 2 < n ? tbl[v & 63] : '=');
    }
}

static void photo(struct writer *w, const struct contact *c)
{
    if (c->photo && c->photo_len) {
        const char *mt = c->photo_type ? c->photo_type : "image/jpeg";
        const char *sub = strchr(mt, '/') ? strchr(mt, '/') + 1 : mt;
        char up[16];
        size_t k = 0;
        for (; sub[k] && k + 1 < sizeof up; k++)
            up[k] = (char)(sub[k] >= 'a' && sub[k] <= 'z' ? sub[k] - 32 : sub[k]);
        up[k] = '\0';
        struct buf b = BUF_INIT;
        if (w->v == VCARD_V40) {
            buf_printf(&b, "PHOTO:data:%s;base64,", mt);
            base64(&b, c->photo, c->photo_len);
            fold_line(w->out, b.data, b.len);
        } else if (w->v == VCARD_V30) {
            buf_printf(&b, "PHOTO;ENCODING=b;TYPE=%s:", up);
            base64(&b, c->photo, c->photo_len);
            fold_line(w->out, b.data, b.len);
        } else {
            buf_printf(w->out, "PHOTO;TYPE=%s;ENCODING=BASE64:\r\n", up);
            base64(&b, c->photo, c->photo_len);
            for (size_t i = 0; i < b.len; i += 72) {
                buf_puts(w->out, "  ");
                buf_append(w->out, b.data + i, b.len - i < 72 ? b.len - i : 72);
                buf_puts(w->out, "\r\n");
            }
            buf_puts(w->out, "\r\n");
        }
        buf_free(&b);
    } else if (c->photo_uri) {
        const char *head = w->v == VCARD_V40   ? "PHOTO"
                           : w->v == VCARD_V30 ? "PHOTO;VALUE=uri"
                                               : "PHOTO;VALUE=URL";
        struct buf b = BUF_INIT;
        buf_puts(&b, c->photo_uri);
        emit(w, head, &b);
        buf_free(&b);
    }
}

/* ---- the card ------------------------------------------------------------------------------ */

void vcard_write(struct buf *out, const struct contact *c, enum vcard_version version)
{
    struct writer w = {.out = out, .v = version};
    buf_puts(out, "BEGIN:VCARD\r\n");
    buf_puts(out, version == VCARD_V21 ? "VERSION:2.1\r\n"
                  : version == VCARD_V30 ? "VERSION:3.0\r\n"
                                         : "VERSION:4.0\r\n");
    const char *n[5] = {c->family, c->given, c->middle, c->prefix, c->suffix};
    if (version == VCARD_V21) {
        /* Outlook takes the name from N; FN follows */
        struct_prop(&w, "N", n, 5);
        char *fn = contact_best_name(c);
        text_prop(&w, "FN", fn);
        free(fn);
    } else {
        char *fn = contact_best_name(c);
        text_prop(&w, "FN", fn);
        free(fn);
        struct_prop(&w, "N", n, 5);
    }
    text_prop(&w, "X-PHONETIC-LAST-NAME", c->family_yomi);
    text_prop(&w, "X-PHONETIC-FIRST-NAME", c->given_yomi);
    text_prop(&w, "X-PHONETIC-MIDDLE-NAME", c->middle_yomi);
    text_prop(&w, "NICKNAME", c->nickname);
    values(&w, "EMAIL", c->emails, c->n_emails, "INTERNET", version == VCARD_V40);
    values(&w, "TEL", c->phones, c->n_phones, NULL, false);
    for (size_t i = 0; i < c->n_addresses; i++) {
        const struct contact_address *a = &c->addresses[i];
        const char *parts[7] = {a->pobox, a->extended, a->street, a->city,
                                a->region, a->postal_code, a->country};
        struct buf h = BUF_INIT;
        head_with_types(&w, &h, NULL, "ADR", a->types, NULL);
        struct_prop(&w, buf_str(&h), parts, 7);
        buf_free(&h);
    }
    values(&w, "URL", c->urls, c->n_urls, NULL, false);
    for (size_t i = 0; i < c->n_ims; i++) {
        const struct contact_value *v = &c->ims[i];
        if (version == VCARD_V21) {
            text_prop(&w, "X-MS-IMADDRESS", v->value);
            continue;
        }
        char *uri = strchr(v->value, ':') ? xstrdup(v->value)
                    : xasprintf("%s:%s", v->label ? v->label : "x-im", v->value);
        struct buf b = BUF_INIT;
        buf_puts(&b, uri); /* a URI: not escaped */
        emit(&w, "IMPP", &b);
        buf_free(&b);
        free(uri);
    }
    if (c->company || c->department) {
        const char *org[2] = {c->company ? c->company : "", c->department};
        struct_prop(&w, "ORG", org, c->department ? 2 : 1);
    }
    text_prop(&w, "X-PHONETIC-ORG", c->company_yomi);
    text_prop(&w, "TITLE", c->title);
    text_prop(&w, "ROLE", c->role);
    text_prop(&w, "X-MS-OFFICE", c->office);
    date_prop(&w, "BDAY", c->birthday);
    date_prop(&w, version == VCARD_V40   ? "ANNIVERSARY"
                  : version == VCARD_V30 ? "X-ANNIVERSARY"
                                         : "X-MS-ANNIVERSARY",
              c->anniversary);
    if (version == VCARD_V40)
        text_prop(&w, "RELATED;TYPE=spouse;VALUE=text", c->spouse);
    else
        text_prop(&w, "X-SPOUSE", c->spouse);
    text_prop(&w, "X-MANAGER", c->manager);
    text_prop(&w, "X-ASSISTANT", c->assistant);
    text_prop(&w, "NOTE", c->notes);
    if (c->n_categories) {
        struct buf b = BUF_INIT;
        for (size_t i = 0; i < c->n_categories; i++) {
            if (i)
                buf_putc(&b, ',');
            if (version == VCARD_V21) {
                for (const char *p = c->categories[i]; *p; p++)
                    buf_putc(&b, *p == ',' ? ' ' : *p);
            } else {
                escape(&b, c->categories[i], version, false);
            }
        }
        emit(&w, "CATEGORIES", &b);
        buf_free(&b);
    }
    photo(&w, c);
    buf_puts(out, "END:VCARD\r\n");
}
