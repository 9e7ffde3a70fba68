/* fuzz_csv: libFuzzer harness for the contacts CSV reader and the CSV writer.
 *
 * Build (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc -Iformats \
 *     $(pkg-config --cflags gmime-3.0 libxml-2.0) tests/fuzz/fuzz_csv.c \
 *     src/contact.c src/buf.c src/xalloc.c src/utf8.c src/charset.c src/report.c src/json.c \
 *     src/model.c src/error.c formats/csv/csv.c formats/csv/contact_csv.c \
 *     $(pkg-config --libs gmime-3.0 libxml-2.0) -o build/fuzz_csv
 *   build/fuzz_csv tests/fuzz/seeds-csv */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/buf.h"
#include "model/contact.h"
#include "csv/contact_csv.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct contact_list l = CONTACT_LIST_INIT;
    struct report *r = report_new();
    contact_csv_read((const char *)data, size, "fuzz", &l, r, NULL);
    struct buf out = BUF_INIT;
    contact_csv_write_header(&out, CONTACT_CSV_OUTLOOK_JA);
    for (size_t i = 0; i < l.count; i++) {
        char *lost = NULL;
        contact_csv_write_row(&out, l.items[i], CONTACT_CSV_OUTLOOK_JA, false, &lost);
        free(lost);
    }
    buf_free(&out);
    contact_list_clear(&l);
    report_free(r);
    return 0;
}
