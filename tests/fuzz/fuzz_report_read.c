/* fuzz_report_read: libFuzzer harness for the report.json reader that `convert --all` uses on
 * the reports it finds in OUT (src/report/report_read.c): any bytes, read without reading past
 * their end, and every string it keeps walked.
 *
 * Built and run by `make fuzz` (seeds in tests/fuzz/seeds-report-read). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "report/report_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report_read r;
    struct error err;
    if (report_read_json((const char *)data, size, &r, &err) == 0) {
        size_t n = (r.store ? strlen(r.store) : 0) + (r.store_kind ? strlen(r.store_kind) : 0) +
                   (r.target ? strlen(r.target) : 0);
        (void)n;
        report_read_clear(&r);
    }
    return 0;
}
