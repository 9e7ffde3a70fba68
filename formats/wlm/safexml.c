/* safexml: libxml2 with no DTD, no entities, no network and no printing (see safexml.h). */
#include "safexml.h"

#include <libxml/parser.h>
#include <limits.h>
#include <string.h>

/* libxml2 2.12 made the structured error handler take a const pointer. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlError *xml_error_arg;
#endif

/* SAX hook called when a DOCTYPE starts: flags it and stops the parse before any declaration. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    (void)name, (void)external_id, (void)system_id;
    *(bool *)ctxt->_private = true;
    xmlStopParser(ctxt);
}

/* libxml2 still records each error in the context; only the printing is dropped. */
static void swallow_error(void *ctx, xml_error_arg error)
{
    (void)ctx, (void)error;
}

xmlDocPtr safexml_read(const char *utf8, size_t len, const char *what, bool huge,
                       struct error *err)
{
    if (len > INT_MAX) {
        error_set(err, "%s is too large to be read as XML.", what);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        error_set(err, "%s could not be parsed: libxml2 is out of memory.", what);
        return NULL;
    }
    bool doctype = false;
    ctxt->_private = &doctype;
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->serror = swallow_error;
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;
    if (huge)
        options |= XML_PARSE_HUGE;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, utf8, (int)len, NULL, "UTF-8", options);
    if (doctype) {
        error_set(err, "%s has a DOCTYPE, which such files never have, so it was not read.", what);
        xmlFreeDoc(doc);
        doc = NULL;
    } else if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        const char *msg = e && e->message ? e->message : "unknown error";
        size_t n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '.'))
            n--;
        error_set(err, "%s is not well-formed XML (line %d: %.*s).", what, e ? e->line : 0,
                  (int)n, msg);
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}
