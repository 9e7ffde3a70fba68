/* fuzz_contacts_edb: libFuzzer harness for the experimental contacts.edb reader.
 *
 * libesedb opens paths, not memory: each input is written to one temporary file (made once,
 * rewritten and truncated for every input, removed at exit) and read from there, as the program
 * reads it: checked before libesedb sees it, then read by libesedb in a child process whose rows
 * come back through the row format (formats/wlm/esedb_text.h). So a crash, hang or runaway
 * allocation inside libesedb (the system library, not instrumented; Debian's 20181229 has all
 * three on such inputs) ends the child only: what is fuzzed here is our side, the checks, the
 * decoder and the mapping to contacts. The inputs that crashed libesedb when it ran in-process
 * are in tests/e2e/corrupt-databases/ (tests/e2e/37-corrupt-database.t).
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_contacts_edb
 *   build-fuzz/fuzz_contacts_edb -max_total_time=600 build-fuzz/corpus-contacts-edb \
 *     tests/fuzz/seeds-contacts-edb
 *
 * The seeds (4 KiB pages) are built with our ESE fixture builder by the end-to-end test:
 *   tests/e2e/66-contacts-edb.t --write-seeds tests/fuzz/seeds-contacts-edb */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "model/contact.h"
#include "report/report.h"
#include "vcard/vcard_writer.h"
#include "wlm/contacts_edb.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4096];
static int fd = -1;

static void remove_file(void)
{
    if (fd >= 0)
        close(fd);
    if (path[0])
        unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/fuzz_contacts_edb.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        abort();
    }
    atexit(remove_file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    struct contact_list l = CONTACT_LIST_INIT;
    struct report *r = report_new();
    size_t skipped = 0;
    long n = contacts_edb_read(path, "fuzz/contacts.edb", &l, r, &skipped);
    if (n >= 0 && (size_t)n != l.count)
        abort(); /* the count returned is the count added */
    struct buf out = BUF_INIT;
    for (size_t i = 0; i < l.count; i++) {
        char *name = contact_best_name(l.items[i]);
        free(name);
        vcard_write(&out, l.items[i], VCARD_V40);
    }
    buf_free(&out);
    contact_list_clear(&l);
    report_free(r);
    return 0;
}
