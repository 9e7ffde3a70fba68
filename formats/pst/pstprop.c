/* pstprop: the byte encodings of property values (see pstprop.h). */
#include "pst/pstprop.h"

static void put_unit(struct buf *out, uint32_t u)
{
    uint8_t b[2] = {(uint8_t)u, (uint8_t)(u >> 8)};
    buf_append(out, b, 2);
}

void pst_utf16_append(struct buf *out, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t c = p[i], need = 0, min = 0;
        if (c < 0x80) {
            need = 0;
        } else if ((c & 0xE0) == 0xC0) {
            c &= 0x1F, need = 1, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            c &= 0x0F, need = 2, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            c &= 0x07, need = 3, min = 0x10000;
        } else {
            put_unit(out, 0xFFFD);
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
            put_unit(out, 0xFFFD);
            i++;
            continue;
        }
        i += need + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            put_unit(out, 0xD800 | (c >> 10));
            put_unit(out, 0xDC00 | (c & 0x3FF));
        } else {
            put_unit(out, c);
        }
    }
}
