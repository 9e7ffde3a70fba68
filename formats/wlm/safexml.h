/* safexml: parsing the small XML files Windows leaves beside a store, without trusting them.
 *
 * .oeaccount and .contact files are XML that a converter must read from a copied disk it did not
 * write. libxml2 is given UTF-8 only (the callers convert first), never loads anything from the
 * network, never prints, and any DOCTYPE stops the parse before a declaration is read, so no
 * entity is ever defined or expanded. Errors are one sentence naming the file.
 *
 * Ownership: the caller frees the document with xmlFreeDoc(). */
#ifndef WLMIGRATE_SAFEXML_H
#define WLMIGRATE_SAFEXML_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Parses `len` bytes of UTF-8. `what` names the file for messages ("Account file x.oeaccount");
 * `huge` lifts libxml2's 10 MB limit on one text node (the caller bounds the input). NULL with
 * err when the XML is not well-formed or has a DOCTYPE. */
xmlDocPtr safexml_read(const char *utf8, size_t len, const char *what, bool huge,
                       struct error *err);

#endif
