/* fuzz_vcard: libFuzzer harness for the vCard reader, with a write-read of what it read.
 *
 * Build (from the repository root, after `make`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc -Iformats \
 *     $(pkg-config --cflags gmime-3.0 libxml-2.0) tests/fuzz/fuzz_vcard.c \
 *     src/contact.c src/buf.c src/xalloc.c src/utf8.c src/charset.c src/report.c src/json.c \
 *     src/model.c src/error.c formats/vcard/vcard_reader.c formats/vcard/vcard_writer.c \
 *     $(pkg-config --libs gmime-3.0 libxml-2.0) -o build/fuzz_vcard
 *   build/fuzz_vcard tests/fuzz/seeds-vcard */
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "model/contact.h"
#include "report/report.h"
#include "vcard/vcard_reader.h"
#include "vcard/vcard_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct contact_list l = CONTACT_LIST_INIT, back = CONTACT_LIST_INIT;
    struct report *r = report_new();
    vcard_read((const char *)data, size, "fuzz", &l, r, NULL);
    struct buf out = BUF_INIT;
    for (size_t i = 0; i < l.count; i++) {
        vcard_write(&out, l.items[i], VCARD_V40);
        vcard_write(&out, l.items[i], VCARD_V21);
    }
    vcard_read(out.data ? out.data : "", out.len, "again", &back, r, NULL);
    buf_free(&out);
    contact_list_clear(&l);
    contact_list_clear(&back);
    report_free(r);
    return 0;
}
