/* pstprop: the vocabulary of PST property values, shared by the writer's layers and its callers.
 *
 * Property types ([MS-OXCDATA] 2.11.1), the one macro that makes a property tag, and the byte
 * encodings a value is stored in: little-endian integers and UTF-16LE strings. The mappers above
 * the writer (pstmail, pstcontact, plist) need exactly this to build their property lists,
 * including the binary and multi-valued values they assemble themselves (one-off EntryIDs,
 * PidNameKeywords); the layers below (ndb, ltp, messaging) need the same definitions. It is a
 * header of its own, not part of pstwriter.h, so that the layers include it without including
 * the public streaming API above them and the mappers without including the layers.
 *
 * Ownership: pst_utf16_append() appends to the caller's buffer. */
#ifndef WLMIGRATE_PST_PSTPROP_H
#define WLMIGRATE_PST_PSTPROP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Property types. */
enum {
    PST_PT_I16 = 0x0002,
    PST_PT_I32 = 0x0003,
    PST_PT_FLOAT = 0x0004,
    PST_PT_DOUBLE = 0x0005,
    PST_PT_CURRENCY = 0x0006,
    PST_PT_APPTIME = 0x0007,
    PST_PT_ERROR = 0x000A,
    PST_PT_BOOLEAN = 0x000B,
    PST_PT_OBJECT = 0x000D,
    PST_PT_I64 = 0x0014,
    PST_PT_STRING8 = 0x001E,
    PST_PT_UNICODE = 0x001F,
    PST_PT_SYSTIME = 0x0040,
    PST_PT_CLSID = 0x0048,
    PST_PT_BINARY = 0x0102,
    PST_PT_MV_I32 = 0x1003,
    PST_PT_MV_UNICODE = 0x101F,
    PST_PT_MV_BINARY = 0x1102,
};

/* A property tag: the property ID in the high 16 bits, the type in the low 16. */
#define PST_TAG(id, type) ((uint32_t)(((uint32_t)(id) << 16) | (uint32_t)(type)))

/* Little-endian field helpers: file bytes are never cast onto structs. */
static inline void pst_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void pst_put32(uint8_t *p, uint32_t v)
{
    pst_put16(p, (uint16_t)v);
    pst_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void pst_put64(uint8_t *p, uint64_t v)
{
    pst_put32(p, (uint32_t)v);
    pst_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t pst_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t pst_get32(const uint8_t *p)
{
    return (uint32_t)pst_get16(p) | ((uint32_t)pst_get16(p + 2) << 16);
}

/* UTF-8 to UTF-16LE (no terminator), appended to `out`; invalid bytes become U+FFFD. Every
 * string the writer stores goes through here. */
void pst_utf16_append(struct buf *out, const char *s, size_t len);

#endif
