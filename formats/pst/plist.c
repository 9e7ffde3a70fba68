/* plist: growing PST property lists and one-off entry identifiers (see plist.h). */
#include "pst/plist.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "pst/pstprop.h"
#include "util/xalloc.h"

struct pst_prop *plist_add(struct plist *l, uint32_t tag)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    struct pst_prop *p = &l->v[l->n++];
    memset(p, 0, sizeof *p);
    p->tag = tag;
    return p;
}

void plist_num(struct plist *l, uint32_t tag, uint64_t num)
{
    plist_add(l, tag)->num = num;
}

void plist_str(struct plist *l, uint32_t tag, const char *s)
{
    struct pst_prop *p = plist_add(l, tag);
    p->data = s ? s : "";
    p->len = (size_t)-1;
}

void plist_opt_str(struct plist *l, uint32_t tag, const char *s)
{
    if (s && *s)
        plist_str(l, tag, s);
}

void plist_strn(struct plist *l, uint32_t tag, const char *s, size_t len)
{
    struct pst_prop *p = plist_add(l, tag);
    p->data = s ? s : "";
    p->len = s ? len : 0;
}

void plist_bin(struct plist *l, uint32_t tag, const void *data, size_t len)
{
    struct pst_prop *p = plist_add(l, tag);
    p->data = data;
    p->len = len;
}

void plist_free(struct plist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

char *plist_one_off_entryid(const char *name, const char *addr, size_t *len)
{
    static const uint8_t head[] = {0, 0, 0, 0, 0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19,
                                   0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02, 0x00, 0x00,
                                   0x01, 0x80};
    struct buf b = BUF_INIT;
    buf_append(&b, head, sizeof head);
    const char *parts[3] = {name, "SMTP", addr};
    for (size_t i = 0; i < 3; i++) {
        pst_utf16_append(&b, parts[i], strlen(parts[i]));
        buf_append(&b, "\0\0", 2);
    }
    *len = b.len;
    return buf_detach(&b);
}
