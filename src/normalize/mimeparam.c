/* mimeparam: Content-Type / Content-Disposition parameters (see mimeparam.h).
 *
 * One pass over a copy of the value splits it into the type and the parameters; each parameter
 * keeps its name (pointing into the copy), its RFC 2231 section and extended flag, and its
 * unquoted bytes. Decoding happens only when a parameter is asked for: RFC 2231 pieces are
 * joined into one charset'lang'%XX value (literal pieces %-escaped, so that they survive the
 * join) and handed to rfc2047_decode_rfc2231(); a plain value goes to rfc2047_decode(). */
#include "normalize/mimeparam.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "normalize/rfc822.h"
#include "util/buf.h"
#include "normalize/rfc2047.h"
#include "util/utf8.h"
#include "util/xalloc.h"

struct param {
    const char *name; /* in `src`; without the RFC 2231 "*N*" suffix */
    size_t name_len;
    int section;      /* -1 when none */
    bool extended;    /* a trailing '*': charset'lang'%XX */
    struct buf value; /* unquoted bytes */
};

struct mimeparam {
    struct param *p;
    size_t n, cap;
    struct buf type; /* the value before the first ';', trimmed */
    struct buf src;  /* a copy of the value: the names point into it */
};

static bool has_8bit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

static bool cp932_lead(unsigned char c)
{
    return (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC);
}

static bool cp932_trail(unsigned char c)
{
    return (c >= 0x40 && c <= 0x7E) || (c >= 0x80 && c <= 0xFC);
}

struct mimeparam *mimeparam_parse(const char *value, size_t len, const char *hint)
{
    struct mimeparam *ps = xcalloc(1, sizeof *ps);
    if (!value)
        return ps;
    buf_append(&ps->src, value, len);
    const char *s = ps->src.data;
    /* Raw CP932 names can hold 0x5C ('\\') as a trail byte: keep pairs together. */
    bool cp932 = has_8bit(s, len) && !utf8_valid(s, len) &&
                 strcmp(charset_guess(s, len, hint), "CP932") == 0;
    size_t i = 0;
    while (i < len && s[i] != ';')
        i++;
    rfc822_unfold(s, i, &ps->type); /* the type: without line breaks and NULs, trimmed */
    while (i < len) {
        while (i < len && (s[i] == ';' || s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t ns = i;
        while (i < len && s[i] != '=' && s[i] != ';')
            i++;
        size_t ne = i;
        while (ne > ns && (s[ne - 1] == ' ' || s[ne - 1] == '\t'))
            ne--;
        if (i >= len || s[i] != '=')
            continue; /* a parameter without '=': skipped */
        i++;
        if (ne == ns) { /* a value without a name: skipped */
            while (i < len && s[i] != ';')
                i++;
            continue;
        }
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        struct param p = {.name = s + ns, .name_len = ne - ns, .section = -1};
        if (i < len && s[i] == '"') {
            i++;
            while (i < len && s[i] != '"') {
                if (cp932 && i + 1 < len && cp932_lead((unsigned char)s[i]) &&
                    cp932_trail((unsigned char)s[i + 1])) {
                    buf_append(&p.value, s + i, 2);
                    i += 2;
                    continue;
                }
                if (s[i] == '\\' && i + 1 < len)
                    i++;
                buf_putc(&p.value, s[i]);
                i++;
            }
            if (i < len)
                i++;
            while (i < len && s[i] != ';') /* text after the closing quote: ignored */
                i++;
        } else {
            size_t vs = i;
            while (i < len && s[i] != ';')
                i++;
            size_t ve = i;
            while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
                ve--;
            buf_append(&p.value, s + vs, ve - vs);
        }
        /* RFC 2231: name*, name*N, name*N* */
        const char *star = memchr(p.name, '*', p.name_len);
        if (star) {
            size_t rest = p.name_len - (size_t)(star - p.name);
            p.name_len = (size_t)(star - p.name);
            const char *q = star + 1, *end = star + rest;
            if (q < end && isdigit((unsigned char)*q)) {
                int sec = 0;
                while (q < end && isdigit((unsigned char)*q) && sec < 100000)
                    sec = sec * 10 + (*q++ - '0');
                p.section = sec;
                p.extended = q < end && *q == '*';
            } else {
                p.extended = true;
            }
        }
        if (!p.value.data)
            buf_puts(&p.value, "");
        ps->p = xgrow(ps->p, &ps->cap, ps->n + 1, sizeof *ps->p);
        ps->p[ps->n++] = p;
    }
    return ps;
}

void mimeparam_free(struct mimeparam *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++)
        buf_free(&ps->p[i].value);
    free(ps->p);
    buf_free(&ps->type);
    buf_free(&ps->src);
    free(ps);
}

const char *mimeparam_type(const struct mimeparam *ps, size_t *len)
{
    if (len)
        *len = ps->type.len;
    return buf_str(&ps->type);
}

static bool param_is(const struct param *p, const char *name)
{
    return p->name_len == strlen(name) && strncasecmp(p->name, name, p->name_len) == 0;
}

bool mimeparam_has(const struct mimeparam *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (param_is(&ps->p[i], name))
            return true;
    return false;
}

const char *mimeparam_raw(const struct mimeparam *ps, const char *name, size_t *len)
{
    for (size_t i = 0; i < ps->n; i++) {
        const struct param *p = &ps->p[i];
        if (param_is(p, name) && p->section < 0 && !p->extended) {
            if (len)
                *len = p->value.len;
            return p->value.data;
        }
    }
    return NULL;
}

static int cmp_section(const void *a, const void *b)
{
    const struct param *x = *(const struct param *const *)a, *y = *(const struct param *const *)b;
    return (x->section > y->section) - (x->section < y->section);
}

char *mimeparam_decoded(const struct mimeparam *ps, const char *name, const char *hint,
                        struct charset_stats *st)
{
    const struct param **pieces = NULL;
    size_t np = 0, cap = 0;
    const struct param *plain = NULL;
    for (size_t i = 0; i < ps->n; i++) {
        const struct param *p = &ps->p[i];
        if (!param_is(p, name))
            continue;
        if (p->section < 0 && !p->extended) {
            if (!plain)
                plain = p;
            continue;
        }
        pieces = xgrow(pieces, &cap, np + 1, sizeof *pieces);
        pieces[np++] = p;
    }
    char *out = NULL;
    if (np) {
        qsort(pieces, np, sizeof *pieces, cmp_section);
        struct buf joined = BUF_INIT;
        int last = -2;
        for (size_t i = 0; i < np; i++) {
            const struct param *p = pieces[i];
            if (p->section == last)
                continue; /* a repeated section: the first wins */
            last = p->section;
            if (i == 0 && !p->extended)
                buf_puts(&joined, "''"); /* no charset given */
            if (p->extended) {
                buf_append(&joined, p->value.data, p->value.len);
            } else {
                for (size_t k = 0; k < p->value.len; k++) /* literal pieces, made %-safe */
                    buf_printf(&joined, "%%%02X", (unsigned char)p->value.data[k]);
            }
        }
        out = rfc2047_decode_rfc2231(buf_str(&joined), joined.len, hint, st);
        buf_free(&joined);
    } else if (plain) {
        out = rfc2047_decode(plain->value.data, plain->value.len, hint, st);
    }
    free(pieces);
    return out;
}
