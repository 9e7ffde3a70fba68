/* oeaccount: the .oeaccount parser (see oeaccount.h).
 *
 * The bytes are first brought to UTF-8 here, by BOM or by a zero second byte, so that libxml2
 * only ever sees checked UTF-8 and the declaration's encoding="utf-16" can be ignored. libxml2
 * then parses without entity substitution, network or DTD loading, and without printing: a
 * per-context structured error handler swallows its messages and a DOCTYPE stops the parse at
 * once (account files never have one; it is where entity bombs and external entities live).
 * Settings are read from the children of <MessageAccount>, names compared ASCII
 * case-insensitively, the first of duplicates winning. */
#include "oeaccount.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlstring.h>

#include "util/buf.h"
#include "util/utf8.h"
#include "normalize/codec.h"
#include "safexml.h"
#include "util/xalloc.h"
#include "util/platform.h"

/* UTF-16 becomes at most 3 bytes of UTF-8 per 2 bytes, and libxml2 takes an int length. */
_Static_assert(OEACCOUNT_MAX_BYTES / 2 * 3 < INT_MAX, "OEACCOUNT_MAX_BYTES too large for libxml2");

enum text_encoding { ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE };

/* Incoming protocols in the order that decides the kind when several servers are written. */
static const struct protocol {
    enum account_kind kind;
    const char *prefix;        /* of its settings: IMAP_Server, IMAP_Port, ... */
    unsigned port, ssl_port;   /* defaults when no port is written; 0: none */
} protocols[] = {
    {MODEL_ACCOUNT_IMAP, "IMAP", 143, 993},
    {MODEL_ACCOUNT_POP3, "POP3", 110, 995},
    {MODEL_ACCOUNT_NNTP, "NNTP", 119, 563},
    {MODEL_ACCOUNT_LDAP, "LDAP", 389, 636},
    {MODEL_ACCOUNT_HTTP, "HTTPMail", 0, 0},
    {MODEL_ACCOUNT_HTTP, "HTTP", 0, 0},
};

static enum text_encoding detect_encoding(const unsigned char *p, size_t len, size_t *bom)
{
    *bom = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        *bom = 3;
        return ENC_UTF8;
    }
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        *bom = 2;
        return ENC_UTF16LE;
    }
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        *bom = 2;
        return ENC_UTF16BE;
    }
    if (len >= 2 && p[1] == 0) /* '<' then 0: UTF-16LE written without a BOM */
        return ENC_UTF16LE;
    return ENC_UTF8;
}

/* Length of the well-formed UTF-8 sequence at p (n > 0 bytes available), or 0 when invalid:
 * truncated, overlong, a surrogate or beyond U+10FFFF. */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
    size_t need;
    uint32_t cp, min;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC0 && p[0] <= 0xDF) {
        need = 2, cp = p[0] & 0x1Fu, min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        need = 3, cp = p[0] & 0x0Fu, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        need = 4, cp = p[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
    char s[4];
    buf_append(b, s, utf8_encode(cp, s));
}

static uint32_t utf16_unit(const unsigned char *p, enum text_encoding enc)
{
    return enc == ENC_UTF16BE ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

/* Checks UTF-8 in place, or converts UTF-16 into `tmp`; *xml and *xml_len then give the UTF-8
 * text without BOM. Offsets in messages count bytes of the original input. */
static bool to_utf8(const unsigned char *data, size_t len, const char *source, struct buf *tmp,
                    const char **xml, size_t *xml_len, struct error *err)
{
    size_t bom;
    enum text_encoding enc = detect_encoding(data, len, &bom);
    if (len == bom) {
        error_set(err, "Account file %s is empty.", source);
        return false;
    }
    if (enc == ENC_UTF8) {
        for (size_t i = bom; i < len;) {
            size_t n = data[i] ? utf8_sequence(data + i, len - i) : 0;
            if (n == 0) {
                if (data[i] == 0)
                    error_set(err, "Account file %s has a NUL byte at offset %zu.", source, i);
                else
                    error_set(err, "Account file %s is not valid UTF-8 at offset %zu.", source, i);
                return false;
            }
            i += n;
        }
        *xml = (const char *)data + bom;
        *xml_len = len - bom;
        return true;
    }
    if ((len - bom) % 2 != 0) {
        error_set(err, "Account file %s is UTF-16 with an odd number of bytes (%zu), so it is cut "
                  "short.", source, len);
        return false;
    }
    for (size_t i = bom; i < len; i += 2) {
        uint32_t cp = utf16_unit(data + i, enc);
        if (cp == 0) {
            error_set(err, "Account file %s has a NUL character at offset %zu.", source, i);
            return false;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            uint32_t low = len - i >= 4 ? utf16_unit(data + i + 2, enc) : 0;
            if (cp > 0xDBFF || low < 0xDC00 || low > 0xDFFF) {
                error_set(err, "Account file %s has an unpaired UTF-16 surrogate at offset %zu.",
                          source, i);
                return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 2;
        }
        put_utf8(tmp, cp);
    }
    *xml = buf_str(tmp);
    *xml_len = tmp->len;
    return true;
}

static xmlDocPtr read_xml(const char *xml, size_t xml_len, const char *source, struct error *err)
{
    char *what = xasprintf("Account file %s", source);
    xmlDocPtr doc = safexml_read(xml, xml_len, what, false, err);
    free(what);
    return doc;
}

/* The first child element of `root` named prefix_suffix, or suffix alone when prefix is NULL. */
static xmlNodePtr find_setting(xmlNodePtr root, const char *prefix, const char *suffix)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const xmlChar *name = n->name;
        if (prefix) {
            if (xmlStrncasecmp(name, BAD_CAST prefix, (int)plen) != 0 || name[plen] != '_')
                continue;
            name += plen + 1;
        }
        if (xmlStrcasecmp(name, BAD_CAST suffix) == 0)
            return n;
    }
    return NULL;
}

static bool has_setting_starting(xmlNodePtr root, const char *start)
{
    int n = (int)strlen(start);
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrncasecmp(c->name, BAD_CAST start, n) == 0)
            return true;
    return false;
}

static bool type_is(xmlNodePtr n, const char *type)
{
    xmlChar *t = xmlGetNoNsProp(n, BAD_CAST "type");
    bool same = t && xmlStrcasecmp(t, BAD_CAST type) == 0;
    xmlFree(t);
    return same;
}

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The element's own text (text and CDATA children), trimmed; NULL when that leaves nothing. */
static char *setting_text(xmlNodePtr n)
{
    struct buf text = BUF_INIT;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            buf_puts(&text, (const char *)c->content);
    const char *s = buf_str(&text);
    size_t start = 0, end = text.len;
    while (start < end && xml_space(s[start]))
        start++;
    while (end > start && xml_space(s[end - 1]))
        end--;
    char *out = end > start ? xstrndup(s + start, end - start) : NULL;
    buf_free(&text);
    return out;
}

/* A string setting, or NULL. Any type but BINARY is read as text: WLM writes some strings typed
 * DWORD (NNTP_Reply_To_Email_Address in a real file). BINARY ones (passwords) are never read. */
static char *get_string(xmlNodePtr root, const char *prefix, const char *suffix)
{
    xmlNodePtr n = find_setting(root, prefix, suffix);
    return n && !type_is(n, "BINARY") ? setting_text(n) : NULL;
}

/* A DWORD setting: typed DWORD, hexadecimal digits only (no 0x), at most 32 bits of value.
 * Anything else counts as absent. */
static bool get_dword(xmlNodePtr root, const char *prefix, const char *suffix, uint32_t *out)
{
    xmlNodePtr n = find_setting(root, prefix, suffix);
    char *s = n && type_is(n, "DWORD") ? setting_text(n) : NULL;
    if (!s)
        return false;
    uint32_t v = 0;
    bool good = true;
    for (const char *p = s; *p && good; p++) {
        int d = codec_hex_value((unsigned char)*p);
        good = d >= 0 && v <= 0x0FFFFFFFu;
        v = v << 4 | (uint32_t)(d & 0xF);
    }
    free(s);
    if (good)
        *out = v;
    return good;
}

static bool get_flag(xmlNodePtr root, const char *prefix, const char *suffix)
{
    uint32_t v;
    return get_dword(root, prefix, suffix, &v) && v != 0;
}

/* A port setting in 1..65535, else `fallback`. */
static unsigned get_port(xmlNodePtr root, const char *prefix, unsigned fallback)
{
    uint32_t v;
    return get_dword(root, prefix, "Port", &v) && v >= 1 && v <= 65535 ? (unsigned)v : fallback;
}

/* True for gmail.com, googlemail.com and any host name under them. */
static bool is_gmail_host(const char *host)
{
    static const char *const domains[] = {"gmail.com", "googlemail.com"};
    size_t hlen = host ? strlen(host) : 0;
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
        size_t dlen = strlen(domains[i]);
        if (hlen >= dlen && xmlStrcasecmp(BAD_CAST host + hlen - dlen, BAD_CAST domains[i]) == 0 &&
            (hlen == dlen || host[hlen - dlen - 1] == '.'))
            return true;
    }
    return false;
}

static struct model_account *account_from(xmlNodePtr root, const char *source, struct error *err)
{
    struct model_account *a = model_account_new();
    const struct protocol *proto = NULL;
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0] && !proto; i++) {
        a->server = get_string(root, protocols[i].prefix, "Server");
        if (a->server)
            proto = &protocols[i];
    }
    if (proto) {
        a->kind = proto->kind;
        a->security = get_flag(root, proto->prefix, "Secure_Connection") ? MODEL_SECURITY_SSL
                                                                         : MODEL_SECURITY_NONE;
        a->port = get_port(root, proto->prefix,
                           a->security == MODEL_SECURITY_SSL ? proto->ssl_port : proto->port);
        a->user_name = get_string(root, proto->prefix, "User_Name");
        a->secure_auth = get_flag(root, proto->prefix, "Use_Sicily");
    } else if (has_setting_starting(root, "DeltaSync")) {
        a->kind = MODEL_ACCOUNT_HTTP; /* Hotmail over DeltaSync; its setting names are unverified */
    }
    if (a->kind == MODEL_ACCOUNT_POP3)
        a->leave_on_server = get_flag(root, NULL, "Leave_Mail_On_Server");
    if (a->kind == MODEL_ACCOUNT_IMAP)
        a->root_folder = get_string(root, "IMAP", "Root_Folder");

    a->smtp_server = get_string(root, "SMTP", "Server");
    a->smtp_port = get_port(root, "SMTP", 25);
    a->smtp_security = get_flag(root, "SMTP", "Secure_Connection") ? MODEL_SECURITY_SSL : MODEL_SECURITY_NONE;
    a->smtp_user_name = get_string(root, "SMTP", "User_Name");
    uint32_t sicily;
    if (!get_dword(root, "SMTP", "Use_Sicily", &sicily))
        a->smtp_auth = MODEL_SMTP_AUTH_NONE;
    else
        a->smtp_auth = sicily <= MODEL_SMTP_AUTH_PASSWORD ? (enum smtp_auth)sicily
                                                          : MODEL_SMTP_AUTH_PASSWORD;

    const char *identity = a->kind == MODEL_ACCOUNT_NNTP ? "NNTP" : "SMTP";
    a->display_name = get_string(root, identity, "Display_Name");
    a->email = get_string(root, identity, "Email_Address");
    a->reply_to = get_string(root, identity, "Reply_To_Email_Address");
    a->organization = get_string(root, identity, "Organization_Name");
    a->is_gmail = is_gmail_host(a->server) || is_gmail_host(a->smtp_server);

    a->name = get_string(root, NULL, "Account_Name");
    if (!a->name) {
        const char *other = a->server ? a->server : a->smtp_server ? a->smtp_server : a->email;
        if (!other) {
            error_set(err, "Account file %s names no account: it has no account name, server or "
                      "e-mail address.", source);
            model_account_free(a);
            return NULL;
        }
        a->name = xstrdup(other);
    }
    a->source = xstrdup(source);
    return a;
}

struct model_account *oeaccount_parse(const char *data, size_t len, const char *source,
                                      struct error *err)
{
    if (len > OEACCOUNT_MAX_BYTES) {
        error_set(err, "Account file %s is too large (%zu bytes; account files are under %d).",
                  source, len, OEACCOUNT_MAX_BYTES);
        return NULL;
    }
    struct buf tmp = BUF_INIT;
    const char *xml;
    size_t xml_len;
    xmlDocPtr doc = NULL;
    if (to_utf8((const unsigned char *)data, len, source, &tmp, &xml, &xml_len, err))
        doc = read_xml(xml, xml_len, source, err);
    buf_free(&tmp);
    if (!doc)
        return NULL;
    struct model_account *a = NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || xmlStrcasecmp(root->name, BAD_CAST "MessageAccount") != 0)
        error_set(err, "Account file %s is not a MessageAccount document.", source);
    else
        a = account_from(root, source, err);
    xmlFreeDoc(doc);
    return a;
}
