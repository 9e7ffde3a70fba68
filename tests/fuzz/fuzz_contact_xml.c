/* fuzz_contact_xml: libFuzzer harness for the Windows Contacts .contact reader, with a vCard
 * write of what it read (so that every string it returns is walked).
 *
 * Build (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc -Iformats \
 *     $(pkg-config --cflags gmime-3.0 libxml-2.0) tests/fuzz/fuzz_contact_xml.c \
 *     src/contact.c src/buf.c src/xalloc.c src/utf8.c src/charset.c src/report.c src/json.c \
 *     src/model.c src/error.c formats/wlm/contact_xml.c formats/vcard/vcard_writer.c \
 *     $(pkg-config --libs gmime-3.0 libxml-2.0) -o build/fuzz_contact_xml
 *   build/fuzz_contact_xml -dict=... tests/fuzz/seeds-contact-xml
 *
 * libxml2 must print nothing: its global error handlers abort the run if it does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "util/buf.h"
#include "model/contact.h"
#include "util/error.h"
#include "vcard/vcard_writer.h"
#include "wlm/contact_xml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_generic(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
    abort(); /* libxml2 reported something outside the parse context */
}

#if LIBXML_VERSION >= 21200
static void no_structured(void *ctx, const xmlError *e)
#else
static void no_structured(void *ctx, xmlErrorPtr e)
#endif
{
    (void)ctx, (void)e;
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    xmlSetGenericErrorFunc(NULL, no_generic);
    xmlSetStructuredErrorFunc(NULL, no_structured);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct error err = {{0}};
    (void)contact_xml_sniff((const char *)data, size);
    struct contact *c = contact_xml_read((const char *)data, size, "fuzz.contact", &err);
    if (!c)
        return 0;
    char *name = contact_best_name(c);
    free(name);
    (void)contact_field_count(c);
    (void)contact_is_empty(c);
    struct buf out = BUF_INIT;
    vcard_write(&out, c, VCARD_V40);
    vcard_write(&out, c, VCARD_V21);
    buf_free(&out);
    contact_free(c);
    return 0;
}
