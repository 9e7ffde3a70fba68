/* fuzz_bulk_job: libFuzzer harness for the job a store's process of `convert --all` reads
 * (bulk_job_decode in src/cli/bulk.c): any bytes, read without reading past their end; a job it
 * takes must be the fields it gives back, encoded again byte for byte (the form has one
 * spelling: lengths without leading zeros, no NUL).
 *
 * Built and run by `make fuzz` (seeds in tests/fuzz/seeds-bulk-job). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bulk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    char **fields = bulk_job_decode((const char *)data, size, &n);
    if (!fields)
        return 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        char length[24];
        size_t flen = strlen(fields[i]);
        int w = snprintf(length, sizeof length, "%zu:", flen);
        if (at + (size_t)w + flen > size || memcmp(data + at, length, (size_t)w) != 0 ||
            memcmp(data + at + (size_t)w, fields[i], flen) != 0)
            abort(); /* taken, yet not what it says */
        at += (size_t)w + flen;
        free(fields[i]);
    }
    if (at != size || fields[n] != NULL)
        abort();
    free(fields);
    return 0;
}
