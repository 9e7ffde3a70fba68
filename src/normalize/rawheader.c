/* rawheader: raw 8-bit header fields as RFC 2047 UTF-8 words (see rawheader.h). */
#include "normalize/rawheader.h"

#include <stdint.h>
#include <string.h>

#include "normalize/rfc822.h"
#include "util/utf8.h"

/* The fields the normalizer decodes, in the order of the indexes rewrite_field() takes. */
static const enum rfc822_known fields[] = {RFC822_SUBJECT, RFC822_FROM, RFC822_SENDER,
                                           RFC822_REPLY_TO, RFC822_TO, RFC822_CC, RFC822_BCC};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The longest run of UTF-8 text in one word: 45 bytes are 60 base64 characters, and with
 * "=?UTF-8?B?" and "?=" the word stays within RFC 2047's 75. */
#define WORD_TEXT_MAX 45

static int field_index(const struct rfc822_scan *sc, const struct rfc822_field *f)
{
    int k = rfc822_known_of(sc, f);
    for (size_t i = 0; i < NFIELDS; i++)
        if ((int)fields[i] == k)
            return (int)i;
    return -1;
}

/* Whether any byte of `s` is 8-bit, eight at a time. */
static bool any_8bit(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy(&word, s + i, 8);
        if (word & 0x8080808080808080u)
            return true;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* Raw bytes Thunderbird cannot read: 8-bit and not UTF-8. */
static bool raw_8bit(const char *s, size_t len)
{
    return any_8bit(s, len) && !utf8_valid(s, len);
}

/* Calls `each` for the first field of every name in fields[] that holds raw 8-bit bytes;
 * stops and returns true when `each` does. */
static bool each_raw_field(const char *head, size_t len,
                           bool (*each)(void *ctx, const struct rfc822_scan *sc,
                                        const struct rfc822_field *f, int index),
                           void *ctx)
{
    struct rfc822_scan sc;
    struct rfc822_field f;
    bool seen[NFIELDS] = {false};
    rfc822_scan_begin(&sc, head, len);
    while (rfc822_scan_next(&sc, &f)) {
        int i = field_index(&sc, &f);
        if (i < 0 || seen[i])
            continue;
        seen[i] = true;
        if (raw_8bit(head + f.value, f.end - f.value) && each(ctx, &sc, &f, i))
            return true;
    }
    return false;
}

bool rawheader_needed(const char *head, const struct rfc822_fields *fs)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct rfc822_field *f = rfc822_fields_get(fs, fields[i]);
        if (f && raw_8bit(head + f->value, f->end - f->value))
            return true;
    }
    return false;
}

static void base64(struct buf *out, const unsigned char *s, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < len)
            v |= s[i + 2];
        buf_putc(out, alphabet[(v >> 18) & 63]);
        buf_putc(out, alphabet[(v >> 12) & 63]);
        buf_putc(out, i + 1 < len ? alphabet[(v >> 6) & 63] : '=');
        buf_putc(out, i + 2 < len ? alphabet[v & 63] : '=');
    }
}

/* `s` as encoded words, each cut on a character boundary, separated by `fold`; the first holds
 * at most `first_max` bytes of text (the rest of its line), the others WORD_TEXT_MAX. */
static void put_words(struct buf *out, const char *s, const char *fold, size_t first_max)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len || i == 0;) {
        size_t n = 0, max = i == 0 ? first_max : WORD_TEXT_MAX;
        while (i + n < len) {
            size_t k = utf8_sequence_length(s + i + n, len - i - n);
            if (k == 0)
                k = 1; /* the normalizer returns valid UTF-8: not reached */
            if (n + k > max && n > 0)
                break;
            n += k;
        }
        if (i > 0)
            buf_puts(out, fold);
        buf_puts(out, "=?UTF-8?B?");
        base64(out, (const unsigned char *)s + i, n);
        buf_puts(out, "?=");
        i += n;
        if (len == 0)
            break;
    }
}

/* A display name: as it is when it is plain words, quoted when plain ASCII with specials,
 * else as encoded words. */
static void put_phrase(struct buf *out, const char *s, const char *fold)
{
    bool ascii = true, atoms = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80 || *p < 0x20 || *p == 0x7f)
            ascii = false;
        else if (!(*p == ' ' || (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= 'a' && *p <= 'z') || strchr("!#$%&'*+-/=?^_`{|}~", *p)))
            atoms = false;
    }
    if (!ascii || !*s) {
        put_words(out, s, fold, WORD_TEXT_MAX);
    } else if (atoms && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
        buf_puts(out, s);
    } else {
        buf_putc(out, '"');
        for (const char *p = s; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_putc(out, '\\');
            buf_putc(out, *p);
        }
        buf_putc(out, '"');
    }
}

static void put_addresses(struct buf *out, const struct address_list *l, const char *fold)
{
    const char *group = NULL;
    bool need_comma = false;
    for (size_t i = 0; i < l->count; i++) {
        const struct address *a = &l->items[i];
        if (group && (!a->group || strcmp(group, a->group) != 0)) {
            buf_putc(out, ';');
            group = NULL;
            need_comma = true;
        }
        if (need_comma) {
            buf_putc(out, ',');
            buf_puts(out, fold);
            need_comma = false;
        }
        if (a->group && !group) {
            put_phrase(out, a->group, fold);
            buf_putc(out, ':');
            group = a->group;
        }
        if (!a->name && !*a->address)
            continue; /* an empty group */
        if (group)
            buf_putc(out, ' ');
        if (a->name && *a->name) {
            put_phrase(out, a->name, fold);
            if (*a->address)
                buf_printf(out, " <%s>", a->address);
        } else {
            buf_puts(out, a->address);
        }
        need_comma = true;
    }
    if (group)
        buf_putc(out, ';');
}

struct rewrite {
    const char *head;
    size_t done;          /* bytes of head already in out */
    struct normalize *n;
    struct buf *out, *names;
    size_t count;
};

static bool rewrite_field(void *ctx, const struct rfc822_scan *sc, const struct rfc822_field *f,
                          int index)
{
    struct rewrite *r = ctx;
    (void)sc;
    const struct address_list *list = NULL;
    const char *text = NULL;
    switch (index) {
    case 0: text = normalize_subject(r->n); break;
    case 1: list = normalize_from(r->n); break;
    case 2: list = normalize_sender(r->n); break;
    case 3: list = normalize_reply_to(r->n); break;
    case 4: list = normalize_to(r->n); break;
    case 5: list = normalize_cc(r->n); break;
    default: list = normalize_bcc(r->n); break;
    }
    if (!text && (!list || list->count == 0))
        return false; /* nothing decoded to write: the stored bytes stay */
    const char *eol = f->end >= 2 && r->head[f->end - 2] == '\r' ? "\r\n" : "\n";
    char fold[4];
    strcpy(fold, eol);
    strcat(fold, " ");
    buf_append(r->out, r->head + r->done, f->value - r->done); /* up to and with "Name:" */
    buf_putc(r->out, ' ');
    if (text) {
        /* "Subject: " and the word's 12 characters share the first line's 76 */
        size_t used = f->value - f->name + 1 + 12;
        put_words(r->out, text, fold, used < 76 - 8 ? (76 - used) / 4 * 3 : 3);
    } else {
        put_addresses(r->out, list, fold);
    }
    buf_puts(r->out, eol);
    r->done = f->end;
    if (r->count++)
        buf_puts(r->names, ", ");
    buf_append(r->names, r->head + f->name, f->name_len);
    return false;
}

size_t rawheader_reencode(const char *head, size_t len, struct normalize *n, struct buf *out,
                          struct buf *names)
{
    struct rewrite r = {.head = head, .n = n, .out = out, .names = names};
    each_raw_field(head, len, rewrite_field, &r);
    buf_append(out, head + r.done, len - r.done);
    return r.count;
}
