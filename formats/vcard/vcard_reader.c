/* vcard_reader: vCard files into contacts (see vcard_reader.h).
 *
 * The file is first brought to one byte stream: UTF-16 (by BOM, or by the zero bytes of
 * "BEGIN" without one) becomes UTF-8, a UTF-8 BOM is dropped. Then physical lines (CRLF, LF or
 * CR) are joined into logical ones: a line starting with a space or tab continues the previous
 * one (the space is removed); a quoted-printable value ending in '=' takes the next line
 * whole (unless it is blank: a 2.1 writer's mistake that must not swallow the next property);
 * a base64 value takes the following lines that hold no ':' until a blank line. The raw value
 * bytes are decoded (QP, base64) and only then converted from the property's CHARSET, so a
 * character cut by a soft break comes out whole. */
#include "vcard_reader.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "normalize/charset.h"
#include "normalize/codec.h"
#include "report/report.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/platform.h"

#define MAX_DEPTH 8
#define MAX_PARAMS 32

struct param {
    char name[32];  /* upper case; "TYPE" for 2.1 bare parameters */
    char *value;    /* one value (comma lists are split), quotes removed */
};

struct prop {
    char group[32];
    char name[64];  /* upper case */
    struct param params[MAX_PARAMS];
    size_t n_params;
    struct buf raw; /* the value bytes as written (after unfolding) */
};

struct card {
    struct contact *c;
    int version; /* 21, 30, 40 */
    unsigned number;
    /* Apple groups: item1.EMAIL ... item1.X-ABLabel */
    struct {
        char group[32];
        struct contact_value **list;
        size_t index;
    } groups[16];
    size_t n_groups;
};

/* ---- bytes and lines ------------------------------------------------------------------------ */

static bool line_next(const char *data, size_t len, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= len)
        return false;
    size_t start = *pos, i = start;
    while (i < len && data[i] != '\n' && data[i] != '\r')
        i++;
    *line = data + start;
    *n = i - start;
    if (i < len && data[i] == '\r') {
        i++;
        if (i < len && data[i] == '\n')
            i++;
    } else if (i < len && data[i] == '\n') {
        i++;
    }
    *pos = i;
    return true;
}

static bool is_ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Converts UTF-16 input into `tmp` and returns the UTF-8 view; drops a UTF-8 BOM. */
static const char *to_stream(const char *data, size_t len, size_t *outlen, char **owned)
{
    const unsigned char *p = (const unsigned char *)data;
    *owned = NULL;
    const char *cs = NULL;
    size_t skip = 0;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        cs = "UTF-16LE", skip = 2;
    else if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        cs = "UTF-16BE", skip = 2;
    else if (len >= 4 && p[0] == 0 && p[1] != 0 && p[2] == 0 && p[3] != 0)
        cs = "UTF-16BE";
    else if (len >= 4 && p[0] != 0 && p[1] == 0 && p[2] != 0 && p[3] == 0)
        cs = "UTF-16LE";
    if (cs) {
        *owned = charset_to_utf8(data + skip, len - skip, cs, NULL, outlen);
        return *owned;
    }
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        *outlen = len - 3;
        return data + 3;
    }
    *outlen = len;
    return data;
}

bool vcard_sniff(const char *data, size_t len)
{
    char *owned;
    size_t n;
    const char *s = to_stream(data, len < 4096 ? len : 4096, &n, &owned);
    bool found = false;
    for (size_t i = 0; i + 11 <= n && !found; i++)
        if (strncasecmp(s + i, "BEGIN:VCARD", 11) == 0)
            found = true;
    free(owned);
    return found;
}

/* ---- property header -------------------------------------------------------------------- */

static void upper_copy(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[n] = '\0';
}

static void prop_clear(struct prop *p)
{
    for (size_t i = 0; i < p->n_params; i++)
        free(p->params[i].value);
    p->n_params = 0;
    p->group[0] = p->name[0] = '\0';
    buf_reset(&p->raw);
}

static void add_param(struct prop *p, const char *name, size_t nlen, const char *val, size_t vlen)
{
    if (p->n_params >= MAX_PARAMS)
        return;
    struct param *pa = &p->params[p->n_params++];
    upper_copy(pa->name, sizeof pa->name, name, nlen);
    pa->value = xstrndup(val, vlen);
}

/* Parses "group.NAME;params" ending at the first ':' outside quotes. Returns the offset of
 * the value in `line`, or -1 when the line has no ':' (not a property). */
static long parse_header(const char *line, size_t n, struct prop *p)
{
    size_t i = 0;
    bool quoted = false;
    size_t colon = n;
    for (i = 0; i < n; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == ':' && !quoted) {
            colon = i;
            break;
        }
    }
    if (colon == n) {
        /* a quote left open: take the first ':' at all */
        const char *c = memchr(line, ':', n);
        if (!c)
            return -1;
        colon = (size_t)(c - line);
    }
    size_t name_end = 0;
    while (name_end < colon && line[name_end] != ';')
        name_end++;
    const char *name = line;
    size_t nlen = name_end;
    const char *dot = memchr(name, '.', nlen);
    if (dot) {
        upper_copy(p->group, sizeof p->group, name, (size_t)(dot - name));
        nlen -= (size_t)(dot - name) + 1;
        name = dot + 1;
    }
    while (nlen > 0 && is_ws(name[nlen - 1]))
        nlen--;
    while (nlen > 0 && is_ws(*name))
        name++, nlen--;
    if (nlen == 0)
        return -1;
    upper_copy(p->name, sizeof p->name, name, nlen);
    /* parameters */
    i = name_end;
    while (i < colon) {
        i++; /* ';' */
        size_t start = i;
        quoted = false;
        while (i < colon && (quoted || line[i] != ';')) {
            if (line[i] == '"')
                quoted = !quoted;
            i++;
        }
        const char *prm = line + start;
        size_t plen = i - start;
        while (plen > 0 && is_ws(*prm))
            prm++, plen--;
        while (plen > 0 && is_ws(prm[plen - 1]))
            plen--;
        if (plen == 0)
            continue;
        const char *eq = memchr(prm, '=', plen);
        const char *pname = "TYPE";
        size_t pnlen = 4;
        const char *v = prm;
        size_t vlen = plen;
        if (eq) {
            pname = prm;
            pnlen = (size_t)(eq - prm);
            while (pnlen > 0 && is_ws(pname[pnlen - 1]))
                pnlen--;
            v = eq + 1;
            vlen = (size_t)(prm + plen - v);
        }
        /* split the value on commas outside quotes, removing the quotes */
        size_t j = 0;
        while (j <= vlen) {
            size_t s = j;
            bool q = false;
            while (j < vlen && (q || v[j] != ',')) {
                if (v[j] == '"')
                    q = !q;
                j++;
            }
            const char *item = v + s;
            size_t ilen = j - s;
            while (ilen > 0 && (is_ws(*item) || *item == '"'))
                item++, ilen--;
            while (ilen > 0 && (is_ws(item[ilen - 1]) || item[ilen - 1] == '"'))
                ilen--;
            if (ilen > 0 || !eq)
                add_param(p, pname, pnlen, item, ilen);
            j++;
        }
    }
    return (long)colon + 1;
}

static const char *param_get(const struct prop *p, const char *name)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].name, name) == 0)
            return p->params[i].value;
    return NULL;
}

static bool param_has(const struct prop *p, const char *name, const char *value)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].name, name) == 0 && strcasecmp(p->params[i].value, value) == 0)
            return true;
    return false;
}

enum encoding { ENC_NONE, ENC_QP, ENC_B64 };

static enum encoding prop_encoding(const struct prop *p)
{
    for (size_t i = 0; i < p->n_params; i++) {
        const char *n = p->params[i].name, *v = p->params[i].value;
        if (strcmp(n, "ENCODING") != 0 && strcmp(n, "TYPE") != 0)
            continue;
        if (strcasecmp(v, "QUOTED-PRINTABLE") == 0)
            return ENC_QP;
        if (strcasecmp(v, "BASE64") == 0 || strcasecmp(v, "B") == 0)
            return ENC_B64;
    }
    return ENC_NONE;
}

/* ---- value decoding ------------------------------------------------------------------------ */

/* Base64 in vCards: the URL-safe alphabet too, and the first '=' ends the data. */
static unsigned char *b64_decode(const char *s, size_t n, size_t *outlen)
{
    struct buf out = BUF_INIT;
    codec_base64_decode(s, n, CODEC_BASE64_URL, &out);
    *outlen = out.len;
    return (unsigned char *)buf_detach(&out);
}

/* The property's text as UTF-8 (before vCard escapes are undone). */
static char *prop_text(const struct prop *p, enum encoding enc)
{
    struct buf bytes = BUF_INIT;
    if (enc == ENC_QP)
        codec_qp_decode(p->raw.data ? p->raw.data : "", p->raw.len, CODEC_QP_VCARD, &bytes);
    else
        buf_append(&bytes, p->raw.data ? p->raw.data : "", p->raw.len);
    const char *cs = param_get(p, "CHARSET");
    char *text;
    if (!cs && utf8_valid(buf_str(&bytes), bytes.len))
        text = xstrndup(buf_str(&bytes), bytes.len);
    else
        text = charset_to_utf8(buf_str(&bytes), bytes.len, cs, NULL, NULL);
    buf_free(&bytes);
    return text;
}

/* Splits `s` at unescaped `sep` (';' or ','); undoes escapes per version. Returns a NULL-
 * terminated array of at most `max` parts (the last part keeps the rest, unsplit). */
static char **split_value(const char *s, char sep, size_t max, int version)
{
    char **parts = xcalloc(max + 1, sizeof *parts);
    struct buf cur = BUF_INIT;
    size_t n = 0;
    for (size_t i = 0;; i++) {
        char ch = s[i];
        if (ch == '\0' || (ch == sep && n + 1 < max)) {
            parts[n++] = buf_detach(&cur);
            if (ch == '\0')
                break;
            continue;
        }
        if (ch == '\\' && s[i + 1]) {
            char nx = s[i + 1];
            if (version == 21) {
                if (nx == ';' || nx == ',') {
                    buf_putc(&cur, nx);
                    i++;
                    continue;
                }
                buf_putc(&cur, ch);
                continue;
            }
            i++;
            buf_putc(&cur, (nx == 'n' || nx == 'N') ? '\n' : nx);
            continue;
        }
        buf_putc(&cur, ch);
    }
    buf_free(&cur);
    return parts;
}

static void free_parts(char **parts)
{
    for (size_t i = 0; parts[i]; i++)
        free(parts[i]);
    free(parts);
}

static char *unescape(const char *s, int version)
{
    char **p = split_value(s, '\0', 1, version);
    char *r = p[0];
    p[0] = NULL;
    free_parts(p);
    return r;
}

/* ---- mapping ------------------------------------------------------------------------------ */

static unsigned type_flags(const struct prop *p)
{
    static const struct {
        const char *name;
        unsigned flag;
    } types[] = {
        {"HOME", CONTACT_HOME},   {"WORK", CONTACT_WORK},   {"OTHER", CONTACT_OTHER},
        {"CELL", CONTACT_CELL},   {"FAX", CONTACT_FAX},     {"PAGER", CONTACT_PAGER},
        {"VOICE", CONTACT_VOICE}, {"CAR", CONTACT_CAR},     {"PREF", CONTACT_PREF},
        {"TEXT", CONTACT_TEXT},   {"VIDEO", CONTACT_VIDEO}, {"MAIN", CONTACT_MAIN},
        {"MSG", 0},               {"INTERNET", 0},
    };
    unsigned f = 0;
    for (size_t i = 0; i < p->n_params; i++) {
        if (strcmp(p->params[i].name, "TYPE") == 0) {
            for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
                if (strcasecmp(p->params[i].value, types[t].name) == 0)
                    f |= types[t].flag;
            if (strcasecmp(p->params[i].value, "WORK-FAX") == 0 ||
                strcasecmp(p->params[i].value, "X-WORK-FAX") == 0)
                f |= CONTACT_WORK | CONTACT_FAX;
        } else if (strcmp(p->params[i].name, "PREF") == 0) {
            f |= CONTACT_PREF;
        }
    }
    return f;
}

static void remember_group(struct card *cd, const struct prop *p, struct contact_value **list,
                           size_t index)
{
    if (!p->group[0] || cd->n_groups >= sizeof cd->groups / sizeof cd->groups[0])
        return;
    strcpy(cd->groups[cd->n_groups].group, p->group);
    cd->groups[cd->n_groups].list = list;
    cd->groups[cd->n_groups].index = index;
    cd->n_groups++;
}

static const char *image_type(const char *t, const unsigned char *bytes, size_t n)
{
    if (t) {
        if (strncasecmp(t, "image/", 6) == 0)
            t += 6;
        if (strcasecmp(t, "JPEG") == 0 || strcasecmp(t, "JPG") == 0)
            return "image/jpeg";
        if (strcasecmp(t, "PNG") == 0)
            return "image/png";
        if (strcasecmp(t, "GIF") == 0)
            return "image/gif";
        if (strcasecmp(t, "BMP") == 0)
            return "image/bmp";
    }
    if (bytes && n >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8)
        return "image/jpeg";
    if (bytes && n >= 4 && memcmp(bytes, "\x89PNG", 4) == 0)
        return "image/png";
    if (bytes && n >= 3 && memcmp(bytes, "GIF", 3) == 0)
        return "image/gif";
    if (bytes && n >= 2 && memcmp(bytes, "BM", 2) == 0)
        return "image/bmp";
    return NULL;
}

static void map_photo(struct card *cd, const struct prop *p, enum encoding enc)
{
    struct contact *c = cd->c;
    const char *raw = buf_str(&p->raw);
    if (enc == ENC_B64) {
        size_t n;
        unsigned char *bytes = b64_decode(raw, p->raw.len, &n);
        if (n == 0) {
            free(bytes);
            return;
        }
        const char *t = NULL;
        for (size_t i = 0; i < p->n_params && !t; i++)
            if (strcmp(p->params[i].name, "TYPE") == 0 && image_type(p->params[i].value, NULL, 0))
                t = p->params[i].value;
        contact_set_photo(c, bytes, n, image_type(t, bytes, n));
        return;
    }
    while (*raw == ' ')
        raw++;
    if (strncasecmp(raw, "data:", 5) == 0) {
        const char *comma = strchr(raw, ',');
        if (!comma)
            return;
        bool b64 = false;
        for (const char *q = raw; q < comma; q++)
            if (strncasecmp(q, ";base64", 7) == 0)
                b64 = true;
        size_t n;
        unsigned char *bytes;
        if (b64) {
            bytes = b64_decode(comma + 1, strlen(comma + 1), &n);
        } else {
            struct buf b = BUF_INIT;
            /* close enough to %XX: rare */
            codec_qp_decode(comma + 1, strlen(comma + 1), CODEC_QP_VCARD, &b);
            n = b.len;
            bytes = (unsigned char *)buf_detach(&b);
        }
        char mt[64] = "";
        size_t ml = (size_t)(comma - raw) - 5;
        const char *semi = memchr(raw + 5, ';', ml);
        if (semi)
            ml = (size_t)(semi - raw - 5);
        if (ml < sizeof mt)
            memcpy(mt, raw + 5, ml), mt[ml] = '\0';
        if (n == 0) {
            free(bytes);
            return;
        }
        contact_set_photo(c, bytes, n, image_type(mt[0] ? mt : NULL, bytes, n));
        return;
    }
    if (*raw)
        contact_set(&c->photo_uri, raw);
}

/* One decoded property into the card. */
static void map_prop(struct card *cd, struct prop *p)
{
    struct contact *c = cd->c;
    const char *name = p->name;
    enum encoding enc = prop_encoding(p);
    int ver = cd->version;

    if (strcmp(name, "PHOTO") == 0 || strcmp(name, "X-MS-CARDPICTURE") == 0) {
        if (!c->photo && !c->photo_uri)
            map_photo(cd, p, enc);
        else
            contact_note_dropped(c, "PHOTO (a second photo)");
        return;
    }
    if (strcmp(name, "VERSION") == 0) {
        const char *v = buf_str(&p->raw);
        cd->version = strncmp(v, "2.", 2) == 0 ? 21 : strncmp(v, "4.", 2) == 0 ? 40 : 30;
        return;
    }
    /* meta data that describes the file, not the person */
    static const char *const meta[] = {"PRODID", "REV", "UID", "MAILER", "PROFILE", "NAME",
                                       "SOURCE", "CLASS", "X-CLASS", "KIND", "X-ABUID",
                                       "X-ABADR", "X-ABSHOWAS", "X-MS-OL-DESIGN",
                                       "X-MS-OL-DEFAULT-POSTAL-ADDRESS", "X-MOZILLA-HTML",
                                       "X-EVOLUTION-FILE-AS", "X-EVOLUTION-LIST",
                                       "X-EVOLUTION-BLOG-URL", "X-MS-OL-DESIGN", "X-NO",
                                       "X-REDUCTION", "X-WAB-GENDER", "X-EVOLUTION-LIST-SHOW-ADDRESSES",
                                       "X-EVOLUTION-ARBITRARY", "X-EVOLUTION-VIDEO-URL"};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
        if (strcmp(name, meta[i]) == 0)
            return;

    char *text = prop_text(p, enc);
    char *val = NULL; /* unescaped single value */
    unsigned types = type_flags(p);

    if (strcmp(name, "FN") == 0) {
        val = unescape(text, ver);
        if (!c->display)
            contact_set(&c->display, val);
    } else if (strcmp(name, "N") == 0 || (strcmp(name, "SOUND") == 0 &&
                                          param_has(p, "TYPE", "X-IRMC-N"))) {
        char **parts = split_value(text, ';', 5, ver);
        bool sound = name[0] == 'S';
        char **dst[5] = {sound ? &c->family_yomi : &c->family, sound ? &c->given_yomi : &c->given,
                         sound ? &c->middle_yomi : &c->middle, sound ? NULL : &c->prefix,
                         sound ? NULL : &c->suffix};
        for (size_t i = 0; i < 5 && parts[i]; i++) {
            if (dst[i]) {
                if (!*dst[i])
                    contact_set(dst[i], parts[i]);
            } else if (parts[i][0]) {
                contact_note_dropped(c, "SOUND");
            }
        }
        free_parts(parts);
    } else if (strcmp(name, "SOUND") == 0) {
        contact_note_dropped(c, "SOUND");
    } else if (strcmp(name, "NICKNAME") == 0 || strcmp(name, "X-EPOCSECONDNAME") == 0) {
        val = unescape(text, ver);
        contact_append(&c->nickname, val, ", ");
    } else if (strcmp(name, "X-PHONETIC-FIRST-NAME") == 0) {
        val = unescape(text, ver);
        contact_set(&c->given_yomi, val);
    } else if (strcmp(name, "X-PHONETIC-LAST-NAME") == 0) {
        val = unescape(text, ver);
        contact_set(&c->family_yomi, val);
    } else if (strcmp(name, "X-PHONETIC-MIDDLE-NAME") == 0) {
        val = unescape(text, ver);
        contact_set(&c->middle_yomi, val);
    } else if (strcmp(name, "X-PHONETIC-ORG") == 0) {
        val = unescape(text, ver);
        contact_set(&c->company_yomi, val);
    } else if (strcmp(name, "SORT-STRING") == 0) {
        val = unescape(text, ver);
        if (!c->family_yomi && !c->given_yomi)
            contact_set(&c->family_yomi, val);
    } else if (strcmp(name, "EMAIL") == 0) {
        val = unescape(text, ver);
        if (contact_add_email(c, val, types))
            remember_group(cd, p, &c->emails, c->n_emails - 1);
    } else if (strcmp(name, "TEL") == 0) {
        val = unescape(text, ver);
        const char *v = val;
        if (strncasecmp(v, "tel:", 4) == 0)
            v += 4;
        if (contact_add_phone(c, v, types))
            remember_group(cd, p, &c->phones, c->n_phones - 1);
    } else if (strcmp(name, "URL") == 0) {
        val = unescape(text, ver);
        if (contact_add_url(c, val, types))
            remember_group(cd, p, &c->urls, c->n_urls - 1);
    } else if (strcmp(name, "IMPP") == 0 || strcmp(name, "X-MS-IMADDRESS") == 0 ||
               strcmp(name, "X-AIM") == 0 || strcmp(name, "X-ICQ") == 0 ||
               strcmp(name, "X-JABBER") == 0 || strcmp(name, "X-MSN") == 0 ||
               strcmp(name, "X-YAHOO") == 0 || strcmp(name, "X-SKYPE") == 0 ||
               strcmp(name, "X-SKYPE-USERNAME") == 0 || strcmp(name, "X-GOOGLE-TALK") == 0 ||
               strcmp(name, "X-GTALK") == 0 || strcmp(name, "X-QQ") == 0 ||
               strcmp(name, "X-SIP") == 0 || strcmp(name, "X-GADUGADU") == 0 ||
               strcmp(name, "X-GROUPWISE") == 0 || strcmp(name, "X-TWITTER") == 0) {
        val = unescape(text, ver);
        const char *service = NULL;
        char svc[32];
        if (name[0] == 'X' && strcmp(name, "X-MS-IMADDRESS") != 0) {
            size_t k = 0;
            for (const char *q = name + 2; *q && k + 1 < sizeof svc; q++)
                svc[k++] = (char)tolower((unsigned char)*q);
            svc[k] = '\0';
            service = svc;
        } else {
            service = param_get(p, "X-SERVICE-TYPE");
        }
        char scheme[32] = "";
        const char *v = val;
        if (strcmp(name, "IMPP") == 0) {
            /* aim:joe -> service "aim", value "joe" */
            size_t k = 0;
            while (k + 1 < sizeof scheme && (isalnum((unsigned char)v[k]) || v[k] == '-' ||
                                             v[k] == '+' || v[k] == '.'))
                k++;
            if (k > 0 && v[k] == ':' && isalpha((unsigned char)v[0])) {
                for (size_t q = 0; q < k; q++)
                    scheme[q] = (char)tolower((unsigned char)v[q]);
                scheme[k] = '\0';
                service = scheme;
                v += k + 1;
            }
        }
        if (contact_add_im(c, v, service))
            remember_group(cd, p, &c->ims, c->n_ims - 1);
    } else if (strcmp(name, "ADR") == 0) {
        char **parts = split_value(text, ';', 7, ver);
        struct contact_address *a = contact_add_address(c, types);
        char **dst[7] = {&a->pobox, &a->extended, &a->street, &a->city,
                         &a->region, &a->postal_code, &a->country};
        for (size_t i = 0; i < 7 && parts[i]; i++)
            contact_set(dst[i], parts[i]);
        free_parts(parts);
        contact_drop_empty_address(c);
    } else if (strcmp(name, "LABEL") == 0) {
        /* the formatted form of an ADR: kept only when there is no ADR of its type */
        val = unescape(text, ver);
        bool have = false;
        for (size_t i = 0; i < c->n_addresses; i++)
            if ((c->addresses[i].types & (CONTACT_HOME | CONTACT_WORK)) ==
                (types & (CONTACT_HOME | CONTACT_WORK)))
                have = true;
        if (!have && val[0]) {
            struct contact_address *a = contact_add_address(c, types);
            contact_set(&a->street, val);
            contact_drop_empty_address(c);
        }
    } else if (strcmp(name, "ORG") == 0) {
        char **parts = split_value(text, ';', 8, ver);
        if (parts[0]) {
            contact_append(&c->company, parts[0], "; ");
            for (size_t i = 1; parts[i]; i++)
                contact_append(&c->department, parts[i], "; ");
        }
        free_parts(parts);
    } else if (strcmp(name, "X-DEPARTMENT") == 0) {
        val = unescape(text, ver);
        contact_append(&c->department, val, "; ");
    } else if (strcmp(name, "TITLE") == 0) {
        val = unescape(text, ver);
        contact_append(&c->title, val, "; ");
    } else if (strcmp(name, "ROLE") == 0) {
        val = unescape(text, ver);
        contact_append(&c->role, val, "; ");
    } else if (strcmp(name, "X-MS-OFFICE") == 0 || strcmp(name, "X-OFFICE") == 0) {
        val = unescape(text, ver);
        contact_set(&c->office, val);
    } else if (strcmp(name, "NOTE") == 0) {
        val = unescape(text, ver);
        contact_append(&c->notes, val, "\n");
    } else if (strcmp(name, "BDAY") == 0 || strcmp(name, "ANNIVERSARY") == 0 ||
               strcmp(name, "X-ANNIVERSARY") == 0 || strcmp(name, "X-MS-ANNIVERSARY") == 0 ||
               strcmp(name, "X-EVOLUTION-ANNIVERSARY") == 0 || strcmp(name, "X-ABDATE") == 0) {
        val = unescape(text, ver);
        char **dst = name[0] == 'B' ? &c->birthday : &c->anniversary;
        char *d = contact_date_normalize(val);
        if (!*dst)
            contact_set(dst, d ? d : val);
        else if (strcmp(*dst, d ? d : val) != 0)
            contact_note_dropped(c, name[0] == 'B' ? "BDAY (a second birthday)"
                                                   : "ANNIVERSARY (a second date)");
        free(d);
    } else if (strcmp(name, "CATEGORIES") == 0 || strcmp(name, "X-CATEGORIES") == 0) {
        char **parts = split_value(text, ',', 256, ver);
        for (size_t i = 0; parts[i]; i++) {
            /* 2.1 writers also separate with ';' */
            char **sub = split_value(parts[i], ';', 256, 30);
            for (size_t k = 0; sub[k]; k++)
                contact_add_category(c, sub[k]);
            free_parts(sub);
        }
        free_parts(parts);
    } else if (strcmp(name, "X-SPOUSE") == 0 || strcmp(name, "X-MS-SPOUSE") == 0 ||
               strcmp(name, "X-EVOLUTION-SPOUSE") == 0 ||
               (strcmp(name, "RELATED") == 0 && param_has(p, "TYPE", "spouse"))) {
        val = unescape(text, ver);
        contact_set(&c->spouse, val);
    } else if (strcmp(name, "X-MANAGER") == 0 || strcmp(name, "X-MS-MANAGER") == 0 ||
               strcmp(name, "X-EVOLUTION-MANAGER") == 0) {
        val = unescape(text, ver);
        contact_set(&c->manager, val);
    } else if (strcmp(name, "X-ASSISTANT") == 0 || strcmp(name, "X-MS-ASSISTANT") == 0 ||
               strcmp(name, "X-EVOLUTION-ASSISTANT") == 0) {
        val = unescape(text, ver);
        contact_set(&c->assistant, val);
    } else if (strcmp(name, "X-ABLABEL") == 0) {
        val = unescape(text, ver);
        for (size_t i = 0; i < cd->n_groups; i++) {
            if (strcmp(cd->groups[i].group, p->group) != 0)
                continue;
            struct contact_value *v = &(*cd->groups[i].list)[cd->groups[i].index];
            const char *l = val;
            size_t ln = strlen(l);
            if (strncmp(l, "_$!<", 4) == 0 && ln >= 8 && strcmp(l + ln - 4, ">!$_") == 0) {
                l += 4;
                ln -= 8;
            }
            contact_setn(&v->label, l, ln);
        }
    } else if (text[0]) {
        contact_note_dropped(c, p->name);
    }
    free(val);
    free(text);
}

/* ---- the card stack ------------------------------------------------------------------------ */

struct reader {
    const char *source;
    struct contact_list *out;
    struct report *rep;
    size_t added, skipped;
    unsigned numbered;
    struct card stack[MAX_DEPTH];
    size_t depth;
};

static void card_begin(struct reader *r)
{
    if (r->depth >= MAX_DEPTH)
        return;
    struct card *cd = &r->stack[r->depth++];
    memset(cd, 0, sizeof *cd);
    cd->c = contact_new();
    cd->version = 21;
    cd->number = ++r->numbered;
}

static void card_end(struct reader *r, bool cut_off)
{
    if (r->depth == 0)
        return;
    struct card *cd = &r->stack[--r->depth];
    struct contact *c = cd->c;
    cd->c = NULL;
    if (contact_is_empty(c)) {
        r->skipped++;
        report_problem(r->rep, PROBLEM_BAD_CONTACT, r->source,
                       "vCard %u holds no name, address, phone or other field: skipped%s.",
                       cd->number, cut_off ? " (the file ends inside it)" : "");
        contact_free(c);
        return;
    }
    c->origin = xasprintf("%s card %u", r->source, cd->number);
    char *who = contact_best_name(c);
    if (cut_off)
        report_problem(r->rep, PROBLEM_BAD_CONTACT, r->source,
                       "vCard %u (%s) is cut off by the end of the file: what it held is kept.",
                       cd->number, who);
    if (c->dropped)
        report_problem(r->rep, PROBLEM_CONTACT_FIELD, r->source,
                       "vCard %u (%s): properties no address book field holds: %s.", cd->number,
                       who, c->dropped);
    free(who);
    contact_list_add(r->out, c);
    r->added++;
}

size_t vcard_read(const char *data, size_t len, const char *source, struct contact_list *out,
                  struct report *rep, size_t *skipped)
{
    struct reader r = {.source = source ? source : "", .out = out, .rep = rep};
    char *owned;
    size_t n;
    if (len > VCARD_MAX_BYTES) {
        report_problem(rep, PROBLEM_CONTACT_SOURCE, r.source,
                       "The file is larger than %zu MB: not read as vCard.",
                       VCARD_MAX_BYTES >> 20);
        if (skipped)
            *skipped = 0;
        return 0;
    }
    const char *s = to_stream(data, len, &n, &owned);
    struct prop p;
    memset(&p, 0, sizeof p);
    size_t pos = 0;
    const char *line;
    size_t ll;
    bool have = line_next(s, n, &pos, &line, &ll);
    while (have) {
        /* skip blank lines, comments and stray continuations */
        if (ll == 0 || line[0] == '#' || is_ws(line[0])) {
            have = line_next(s, n, &pos, &line, &ll);
            continue;
        }
        prop_clear(&p);
        long voff = parse_header(line, ll, &p);
        if (voff < 0) {
            if (r.depth > 0)
                contact_note_dropped(r.stack[r.depth - 1].c, "(a line that is not a property)");
            have = line_next(s, n, &pos, &line, &ll);
            continue;
        }
        enum encoding enc = prop_encoding(&p);
        buf_append(&p.raw, line + voff, ll - (size_t)voff);
        /* continuation lines */
        for (;;) {
            size_t save = pos;
            have = line_next(s, n, &pos, &line, &ll);
            if (!have)
                break;
            if (enc == ENC_QP && p.raw.len > 0 && p.raw.data[p.raw.len - 1] == '=') {
                if (ll == 0)
                    break; /* a soft break before a blank line: the value ends */
                p.raw.len--;
                p.raw.data[p.raw.len] = '\0';
                buf_append(&p.raw, line, ll);
                continue;
            }
            if (ll > 0 && is_ws(line[0])) {
                buf_append(&p.raw, line + 1, ll - 1);
                continue;
            }
            /* 2.1 writers (Android) continue a value after a trailing backslash */
            if (enc == ENC_NONE && p.raw.len > 0 && p.raw.data[p.raw.len - 1] == '\\' &&
                ll > 0 && !memchr(line, ':', ll)) {
                p.raw.data[p.raw.len - 1] = '\n';
                buf_append(&p.raw, line, ll);
                continue;
            }
            if (enc == ENC_B64 && ll > 0 && !memchr(line, ':', ll)) {
                buf_append(&p.raw, line, ll);
                continue;
            }
            (void)save;
            break;
        }
        /* `line` now holds the next unconsumed line (if `have`) */
        if (strcmp(p.name, "BEGIN") == 0) {
            if (strncasecmp(buf_str(&p.raw), "VCARD", 5) == 0)
                card_begin(&r);
        } else if (strcmp(p.name, "END") == 0) {
            if (strncasecmp(buf_str(&p.raw), "VCARD", 5) == 0)
                card_end(&r, false);
        } else if (r.depth > 0) {
            if (strcmp(p.name, "AGENT") == 0)
                contact_note_dropped(r.stack[r.depth - 1].c, "AGENT");
            else
                map_prop(&r.stack[r.depth - 1], &p);
        }
    }
    while (r.depth > 0)
        card_end(&r, true);
    prop_clear(&p);
    buf_free(&p.raw);
    free(owned);
    if (skipped)
        *skipped = r.skipped;
    return r.added;
}
