/* contact_xml: Windows Contacts .contact files (Windows Mail on Vista, Windows 7).
 *
 * One XML file per person in %USERPROFILE%\Contacts\, in the documented schema
 * (http://schemas.microsoft.com/Contact): c:NameCollection/c:Name (FormattedName, GivenName,
 * FamilyName, MiddleName, Prefix, Suffix, NickName, PhoneticGivenName, PhoneticFamilyName),
 * EmailAddressCollection/EmailAddress (Address, Type, c:Label), PhoneNumberCollection/
 * PhoneNumber (Number, c:Label Voice/Cellular/Fax/Pager/Car, Business/Personal),
 * PhysicalAddressCollection/PhysicalAddress (Street, Locality, Region, PostalCode, Country,
 * POBox, ExtendedAddress), PositionCollection/Position (Company, Department, JobTitle, Office,
 * Profession), DateCollection/Date (c:Label wab:Birthday / wab:Anniversary), UrlCollection,
 * Notes, PhotoCollection/Photo/Value (base64 with c:ContentType) and the person's
 * PersonCollection (Spouse, Manager, Assistant). Elements are matched by local name, so any
 * namespace prefix works. Unknown elements that hold text are named in `dropped`.
 *
 * The bytes are brought to UTF-8 first (BOM, UTF-16 without BOM); libxml2 then parses with no
 * network, no entity substitution, no DTD (a DOCTYPE stops the parse) and without printing.
 *
 * Ownership: the contact returned is the caller's. */
#ifndef WLMIGRATE_CONTACT_XML_H
#define WLMIGRATE_CONTACT_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "model/contact.h"
#include "util/error.h"

#define CONTACT_XML_MAX_BYTES ((size_t)32 << 20)

/* True when the bytes look like a .contact file (a <contact> root in some encoding). */
bool contact_xml_sniff(const char *data, size_t len);

/* Parses one .contact file; NULL with `err` set when it is not one. A contact that holds
 * nothing is returned as is (the caller decides). */
struct contact *contact_xml_read(const char *data, size_t len, const char *source,
                                 struct error *err);

#endif
