/* pstprop: the byte encodings of property values (see pstprop.h). */
#include "pst/pstprop.h"

static uint8_t *put_unit(uint8_t *o, uint32_t u)
{
    o[0] = (uint8_t)u;
    o[1] = (uint8_t)(u >> 8);
    return o + 2;
}

/* Written straight into the buffer: UTF-16 takes at most two bytes per byte of UTF-8. */
void pst_utf16_append(struct buf *out, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    uint8_t *start = (uint8_t *)buf_reserve(out, 2 * len), *o = start;
    size_t i = 0;
    while (i < len) {
        uint32_t c = p[i], need = 0, min = 0;
        if (c < 0x80) {
            *o++ = (uint8_t)c;
            *o++ = 0;
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            c &= 0x1F, need = 1, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            c &= 0x0F, need = 2, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            c &= 0x07, need = 3, min = 0x10000;
        } else {
            o = put_unit(o, 0xFFFD);
            i++;
            continue;
        }
        size_t j = 1;
        for (; j <= need; j++) {
            if (i + j >= len || (p[i + j] & 0xC0) != 0x80)
                break;
            c = (c << 6) | (p[i + j] & 0x3Fu);
        }
        if (j <= need || c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            o = put_unit(o, 0xFFFD);
            i++;
            continue;
        }
        i += need + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            o = put_unit(o, 0xD800 | (c >> 10));
            o = put_unit(o, 0xDC00 | (c & 0x3FF));
        } else {
            o = put_unit(o, c);
        }
    }
    buf_commit(out, (size_t)(o - start));
}
