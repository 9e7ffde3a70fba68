/* esedb_text: text values of ESE records through libesedb (see esedb_text.h). */
#include "esedb_text.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/xalloc.h"

char *esedb_text(libesedb_record_t *rec, int entry)
{
    libesedb_error_t *e = NULL;
    uint8_t flags = 0;
    char *s = NULL;
    size_t size = 0;
    if (libesedb_record_get_value_data_flags(rec, entry, &flags, &e) != 1) {
        libesedb_error_free(&e);
        return NULL;
    }
    if (flags & LIBESEDB_VALUE_FLAG_MULTI_VALUE) {
        /* the values one per line */
        libesedb_multi_value_t *mv = NULL;
        int n = 0;
        struct buf b = BUF_INIT;
        if (libesedb_record_get_multi_value(rec, entry, &mv, &e) == 1 &&
            libesedb_multi_value_get_number_of_values(mv, &n, &e) == 1) {
            for (int i = 0; i < n && i < 64; i++) {
                size_t sz = 0;
                if (libesedb_multi_value_get_value_utf8_string_size(mv, i, &sz, NULL) != 1 ||
                    sz < 2 || sz > (1u << 20))
                    continue;
                char *v = xmalloc(sz);
                if (libesedb_multi_value_get_value_utf8_string(mv, i, (uint8_t *)v, sz, NULL) ==
                    1) {
                    v[sz - 1] = '\0';
                    if (b.len)
                        buf_putc(&b, '\n');
                    buf_puts(&b, v);
                }
                free(v);
            }
        }
        if (mv)
            libesedb_multi_value_free(&mv, NULL);
        libesedb_error_free(&e);
        return b.len ? buf_detach(&b) : (buf_free(&b), NULL);
    }
    if (flags & LIBESEDB_VALUE_FLAG_LONG_VALUE) {
        libesedb_long_value_t *lv = NULL;
        if (libesedb_record_get_long_value(rec, entry, &lv, &e) == 1 &&
            libesedb_long_value_get_utf8_string_size(lv, &size, &e) == 1 && size > 1 &&
            size < (64u << 20)) {
            s = xmalloc(size);
            if (libesedb_long_value_get_utf8_string(lv, (uint8_t *)s, size, &e) != 1) {
                free(s);
                s = NULL;
            }
        }
        if (lv)
            libesedb_long_value_free(&lv, NULL);
    } else if (libesedb_record_get_value_utf8_string_size(rec, entry, &size, &e) == 1 &&
               size > 1 && size < (64u << 20)) {
        s = xmalloc(size);
        if (libesedb_record_get_value_utf8_string(rec, entry, (uint8_t *)s, size, &e) != 1) {
            free(s);
            s = NULL;
        }
    }
    libesedb_error_free(&e);
    if (s)
        s[size - 1] = '\0';
    return s;
}
