/* tnef: the files inside a winmail.dat (see tnef.h).
 *
 * libytnef parses the whole stream into a TNEFStruct; the files are copied out of it (so that
 * it can be freed at once) with their names and types decoded here, because libytnef leaves
 * 8-bit strings in the sender's code page. */
#include "normalize/tnef.h"

#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ytnef.h>

#include "util/platform.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define TNEF_LONG_FILENAME 0x3707
#define TNEF_DISPLAY_NAME 0x3001
#define TNEF_MIME_TAG 0x370E
#define TNEF_CONTENT_ID 0x3712
#define TNEF_DATA_OBJ 0x3701

/* A TNEF string property: PT_UNICODE (libytnef made it UTF-8) or PT_STRING8 in `codepage`. */
static char *tnef_string(MAPIProps *p, unsigned id, const char *codepage,
                         struct charset_stats *st)
{
    variableLength *v = MAPIFindProperty(p, PROP_TAG(PT_UNICODE, id));
    if (v != MAPI_UNDEFINED && v && v->data && v->size > 0) {
        size_t l = strnlen((const char *)v->data, (size_t)v->size * 3 / 2);
        if (utf8_valid((const char *)v->data, l))
            return l ? xstrndup((const char *)v->data, l) : NULL;
        return charset_to_utf8((const char *)v->data, l, NULL, st, NULL);
    }
    v = MAPIFindProperty(p, PROP_TAG(PT_STRING8, id));
    if (v != MAPI_UNDEFINED && v && v->data && v->size > 0) {
        size_t l = strnlen((const char *)v->data, (size_t)v->size);
        return l ? charset_to_utf8((const char *)v->data, l, codepage, st, NULL) : NULL;
    }
    return NULL;
}


struct tnef_file *tnef_extract(const char *data, size_t len, size_t *count, bool *readable,
                               struct charset_stats *st)
{
    TNEFStruct t;
    memset(&t, 0, sizeof t);
    TNEFInitialize(&t);
    t.Debug = 0;
    int saved = plat_quiet_begin();
    int rc = TNEFParseMemory((BYTE *)(uintptr_t)data, (long)len, &t);
    plat_quiet_end(saved);
    char codepage[32] = "WINDOWS-1252";
    if (t.CodePage.data && t.CodePage.size >= 4) {
        unsigned cp = (unsigned)t.CodePage.data[0] | (unsigned)t.CodePage.data[1] << 8 |
                      (unsigned)t.CodePage.data[2] << 16 | (unsigned)t.CodePage.data[3] << 24;
        if (cp == 65001)
            snprintf(codepage, sizeof codepage, "UTF-8");
        else if (cp > 0 && cp < 100000)
            snprintf(codepage, sizeof codepage, "CP%u", cp);
    }
    struct tnef_file *files = NULL;
    size_t nfiles = 0, cap = 0;
    for (Attachment *p = t.starting_attach.next; p; p = p->next) {
        const BYTE *d = p->FileData.data;
        size_t dl = p->FileData.size > 0 ? (size_t)p->FileData.size : 0;
        if (!d || !dl) {
            variableLength *o = MAPIFindProperty(&p->MAPI, PROP_TAG(PT_OBJECT, TNEF_DATA_OBJ));
            if (o != MAPI_UNDEFINED && o && o->data && o->size > 16) {
                d = o->data + 16; /* after the interface id */
                dl = (size_t)o->size - 16;
            }
        }
        if (!d || !dl)
            continue;
        struct tnef_file f = {0};
        f.name = tnef_string(&p->MAPI, TNEF_LONG_FILENAME, codepage, st);
        if (!f.name)
            f.name = tnef_string(&p->MAPI, TNEF_DISPLAY_NAME, codepage, st);
        if (!f.name && p->Title.data && p->Title.size > 0) {
            size_t l = strnlen((const char *)p->Title.data, (size_t)p->Title.size);
            if (l)
                f.name = charset_to_utf8((const char *)p->Title.data, l, codepage, st, NULL);
        }
        f.type = tnef_string(&p->MAPI, TNEF_MIME_TAG, codepage, st);
        f.content_id = tnef_string(&p->MAPI, TNEF_CONTENT_ID, codepage, st);
        f.data = g_malloc(dl + 1);
        memcpy(f.data, d, dl);
        f.data[dl] = '\0';
        f.len = dl;
        files = xgrow(files, &cap, nfiles + 1, sizeof *files);
        files[nfiles++] = f;
    }
    TNEFFree(&t);
    TNEFFreeAttachment(&t.starting_attach); /* data before the first file: TNEFFree leaks it */
    *count = nfiles;
    *readable = rc == 0;
    return files;
}

void tnef_free(struct tnef_file *files, size_t count)
{
    for (size_t i = 0; files && i < count; i++) {
        free(files[i].name);
        free(files[i].type);
        free(files[i].content_id);
        g_free(files[i].data);
    }
    free(files);
}
