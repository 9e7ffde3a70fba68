/* contact_xml: the Windows Contacts .contact reader (see contact_xml.h).
 *
 * Same safety as oeaccount.c: the text reaches libxml2 as checked UTF-8 (the declaration's
 * encoding is ignored), with no network, no entity substitution, no DTD loading and no
 * printing; a DOCTYPE stops the parse. The tree is then walked by local names. */
#include "contact_xml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "util/buf.h"
#include "normalize/charset.h"
#include "normalize/codec.h"
#include "safexml.h"
#include "util/platform.h"
#include "util/utf8.h"
#include "util/xalloc.h"


static char *to_utf8(const char *data, size_t len, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)data;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return charset_to_utf8(data + 2, len - 2, "UTF-16LE", NULL, outlen);
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return charset_to_utf8(data + 2, len - 2, "UTF-16BE", NULL, outlen);
    if (len >= 2 && p[0] == '<' && p[1] == 0)
        return charset_to_utf8(data, len, "UTF-16LE", NULL, outlen);
    if (len >= 2 && p[0] == 0 && p[1] == '<')
        return charset_to_utf8(data, len, "UTF-16BE", NULL, outlen);
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        data += 3, len -= 3;
    *outlen = len;
    return xstrndup(data, len);
}

bool contact_xml_sniff(const char *data, size_t len)
{
    size_t n;
    char *t = to_utf8(data, len < 2048 ? len : 2048, &n);
    bool found = false;
    for (size_t i = 0; i + 8 <= n && !found; i++)
        if (t[i] == '<' && (strncasecmp(t + i + 1, "contact", 7) == 0 ||
                            strncasecmp(t + i + 1, "c:contact", 9) == 0))
            found = true;
    free(t);
    return found;
}

static bool is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, BAD_CAST name) == 0;
}

/* The element's text, trimmed by contact_set later; NULL when nil or empty. */
static char *text_of(xmlNodePtr n)
{
    if (!n)
        return NULL;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (xmlStrcasecmp(a->name, BAD_CAST "nil") == 0)
            return NULL;
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return NULL;
    char *r = NULL;
    contact_set(&r, (const char *)t);
    xmlFree(t);
    return r;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static void set_from(char **field, xmlNodePtr parent, const char *name)
{
    char *t = text_of(child(parent, name));
    if (t && !*field)
        *field = t;
    else
        free(t);
}

/* Labels of an item: Business/Personal/Voice/Cellular/Fax/Pager/Car/Preferred/... */
static unsigned labels(xmlNodePtr item, char **raw)
{
    unsigned f = 0;
    xmlNodePtr lc = child(item, "LabelCollection");
    for (xmlNodePtr l = lc ? lc->children : NULL; l; l = l->next) {
        if (!is(l, "Label"))
            continue;
        char *t = text_of(l);
        if (!t)
            continue;
        const char *v = t;
        if (strncasecmp(v, "wab:", 4) == 0)
            v += 4;
        if (strcasecmp(v, "Business") == 0 || strcasecmp(v, "Work") == 0)
            f |= CONTACT_WORK;
        else if (strcasecmp(v, "Personal") == 0 || strcasecmp(v, "Home") == 0)
            f |= CONTACT_HOME;
        else if (strcasecmp(v, "Other") == 0)
            f |= CONTACT_OTHER;
        else if (strcasecmp(v, "Cellular") == 0 || strcasecmp(v, "Mobile") == 0)
            f |= CONTACT_CELL;
        else if (strcasecmp(v, "Fax") == 0)
            f |= CONTACT_FAX;
        else if (strcasecmp(v, "Pager") == 0)
            f |= CONTACT_PAGER;
        else if (strcasecmp(v, "Car") == 0)
            f |= CONTACT_CAR;
        else if (strcasecmp(v, "Voice") == 0)
            f |= CONTACT_VOICE;
        else if (strcasecmp(v, "Preferred") == 0)
            f |= CONTACT_PREF;
        else if (strcasecmp(v, "Video") == 0)
            f |= CONTACT_VIDEO;
        if (raw)
            contact_append(raw, v, ",");
        free(t);
    }
    return f;
}

static void read_photo(struct contact *c, xmlNodePtr photo)
{
    xmlNodePtr v = child(photo, "Value");
    if (!v || c->photo)
        return;
    xmlChar *t = xmlNodeGetContent(v);
    if (!t)
        return;
    struct buf b = BUF_INIT;
    codec_base64_decode((const char *)t, strlen((const char *)t), 0, &b);
    xmlFree(t);
    if (b.len == 0) {
        buf_free(&b);
        return;
    }
    size_t o = b.len;
    unsigned char *bytes = (unsigned char *)buf_detach(&b);
    xmlChar *ct = NULL;
    for (xmlAttrPtr a = v->properties; a && !ct; a = a->next)
        if (xmlStrcasecmp(a->name, BAD_CAST "ContentType") == 0)
            ct = xmlNodeGetContent((xmlNodePtr)a);
    const char *type = ct && strncmp((const char *)ct, "image/", 6) == 0 ? (const char *)ct : NULL;
    if (!type)
        type = o > 2 && bytes[0] == 0xFF && bytes[1] == 0xD8 ? "image/jpeg"
             : o > 4 && memcmp(bytes, "\x89PNG", 4) == 0     ? "image/png"
                                                               : NULL;
    contact_set_photo(c, bytes, o, type);
    xmlFree(ct);
}

static void read_address(struct contact *c, xmlNodePtr n)
{
    struct contact_address *a = contact_add_address(c, labels(n, NULL) & ~CONTACT_PREF);
    set_from(&a->street, n, "Street");
    set_from(&a->city, n, "Locality");
    set_from(&a->region, n, "Region");
    set_from(&a->postal_code, n, "PostalCode");
    set_from(&a->country, n, "Country");
    set_from(&a->pobox, n, "POBox");
    set_from(&a->extended, n, "ExtendedAddress");
    if (!a->street && !a->city && !a->region && !a->postal_code && !a->country && !a->pobox)
        set_from(&a->street, n, "FormattedAddress");
    contact_drop_empty_address(c);
}

static void read_date(struct contact *c, xmlNodePtr n)
{
    char *lab = NULL;
    labels(n, &lab);
    char *v = text_of(child(n, "Value"));
    if (v) {
        char **dst = lab && strcasestr(lab, "Birthday")      ? &c->birthday
                     : lab && strcasestr(lab, "Anniversary") ? &c->anniversary
                                                             : NULL;
        if (dst && !*dst) {
            char *d = contact_date_normalize(v);
            contact_set(dst, d ? d : v);
            free(d);
        } else if (!dst) {
            contact_note_dropped(c, "Date");
        }
    }
    free(v);
    free(lab);
}

static void read_person(struct contact *c, xmlNodePtr n)
{
    char *lab = NULL;
    labels(n, &lab);
    char *v = text_of(child(n, "FormattedName"));
    if (v) {
        char **dst = lab && strcasestr(lab, "Spouse")      ? &c->spouse
                     : lab && strcasestr(lab, "Manager")   ? &c->manager
                     : lab && strcasestr(lab, "Assistant") ? &c->assistant
                                                           : NULL;
        if (dst && !*dst)
            *dst = v, v = NULL;
        else
            contact_note_dropped(c, "Person");
    }
    free(v);
    free(lab);
}

struct contact *contact_xml_read(const char *data, size_t len, const char *source,
                                 struct error *err)
{
    if (len > CONTACT_XML_MAX_BYTES) {
        error_set(err, "%s is larger than %zu MB: not a .contact file.", source,
                  CONTACT_XML_MAX_BYTES >> 20);
        return NULL;
    }
    size_t n;
    char *xml = to_utf8(data, len, &n);
    if (!utf8_valid(xml, n) || n > INT32_MAX) {
        char *fixed = charset_to_utf8(xml, n, NULL, NULL, &n);
        free(xml);
        xml = fixed;
    }
    /* huge: without it libxml2 refuses a text node (a photo) or a run of white space over
     * 10 MB, well below CONTACT_XML_MAX_BYTES; the size check above bounds the input. */
    xmlDocPtr doc = safexml_read(xml, n, source, true, err);
    free(xml);
    if (!doc)
        return NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!is(root, "contact")) {
        error_set(err, "%s is XML but not a Windows contact (no <contact> root).", source);
        xmlFreeDoc(doc);
        return NULL;
    }
    struct contact *c = contact_new();
    for (xmlNodePtr col = root->children; col; col = col->next) {
        if (col->type != XML_ELEMENT_NODE)
            continue;
        if (is(col, "Notes")) {
            char *t = text_of(col);
            contact_append(&c->notes, t, "\n");
            free(t);
            continue;
        }
        if (is(col, "CreationDate") || is(col, "Extended") || is(col, "ContactIDCollection") ||
            is(col, "Version") || is(col, "ModificationDate"))
            continue;
        for (xmlNodePtr it = col->children; it; it = it->next) {
            if (it->type != XML_ELEMENT_NODE)
                continue;
            if (is(col, "NameCollection") && is(it, "Name")) {
                set_from(&c->display, it, "FormattedName");
                set_from(&c->given, it, "GivenName");
                set_from(&c->family, it, "FamilyName");
                set_from(&c->middle, it, "MiddleName");
                set_from(&c->prefix, it, "Prefix");
                set_from(&c->prefix, it, "PersonalTitle");
                set_from(&c->suffix, it, "Suffix");
                set_from(&c->nickname, it, "NickName");
                set_from(&c->given_yomi, it, "PhoneticGivenName");
                set_from(&c->family_yomi, it, "PhoneticFamilyName");
                set_from(&c->middle_yomi, it, "PhoneticMiddleName");
            } else if (is(col, "EmailAddressCollection") && is(it, "EmailAddress")) {
                char *a = text_of(child(it, "Address"));
                contact_add_email(c, a, labels(it, NULL));
                free(a);
            } else if (is(col, "PhoneNumberCollection") && is(it, "PhoneNumber")) {
                char *a = text_of(child(it, "Number"));
                contact_add_phone(c, a, labels(it, NULL));
                free(a);
            } else if (is(col, "PhysicalAddressCollection") && is(it, "PhysicalAddress")) {
                read_address(c, it);
            } else if (is(col, "PositionCollection") && is(it, "Position")) {
                set_from(&c->company, it, "Company");
                set_from(&c->department, it, "Department");
                set_from(&c->title, it, "JobTitle");
                set_from(&c->office, it, "Office");
                set_from(&c->role, it, "Profession");
            } else if (is(col, "DateCollection") && is(it, "Date")) {
                read_date(c, it);
            } else if (is(col, "UrlCollection") && is(it, "Url")) {
                char *a = text_of(child(it, "Value"));
                contact_add_url(c, a, labels(it, NULL) & (CONTACT_HOME | CONTACT_WORK));
                free(a);
            } else if (is(col, "IMAddressCollection") && is(it, "IMAddress")) {
                char *a = text_of(child(it, "Value"));
                char *proto = text_of(child(it, "Protocol"));
                contact_add_im(c, a, proto);
                free(a);
                free(proto);
            } else if (is(col, "PersonCollection") && is(it, "Person")) {
                read_person(c, it);
            } else if (is(col, "PhotoCollection") && is(it, "Photo")) {
                read_photo(c, it);
            } else if (is(col, "ContactIDCollection") || is(col, "CertificateCollection")) {
                /* identifiers and certificates: not address-book data */
            } else {
                char *t = text_of(it);
                if (t)
                    contact_note_dropped(c, (const char *)it->name);
                free(t);
            }
        }
    }
    xmlFreeDoc(doc);
    c->origin = xstrdup(source);
    return c;
}
