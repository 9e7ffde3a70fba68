/* fuzz_normalize: libFuzzer harness for the normalizer (src/normalize.c and what it calls:
 * address, charset, rfc2047, GMime's parser, libytnef).
 *
 * Each input is one message. Every accessor is called, every attachment decoded (twice, around
 * a release, and once more as a stream), embedded messages opened recursively, so every decoding
 * path sees the bytes. Each input is also opened from a file (normalize_open_file, as the Outlook
 * route opens a large message) with its head cut where its first byte says.
 *
 * Build and run from the repository root, independently of the Makefile:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       -D_GNU_SOURCE -std=c11 -Isrc \
 *       $(pkg-config --cflags gmime-3.0) tests/fuzz/fuzz_normalize.c src/normalize.c \
 *       src/address.c src/charset.c src/rfc2047.c src/rfc822.c src/maildate.c src/buf.c \
 *       src/xalloc.c src/utf8.c src/error.c $(pkg-config --libs gmime-3.0) -lytnef \
 *       -o build/fuzz_normalize
 *   mkdir -p build/fuzz-corpus && build/fuzz_normalize build/fuzz-corpus tests/fuzz/seeds \
 *       -max_len=65536 -max_total_time=600
 *
 * (New inputs go to build/fuzz-corpus; tests/fuzz/seeds holds the committed seeds.) */
#include <gmime/gmime.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/model.h"
#include "normalize/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libytnef leaks on some malformed input (a repeated attachment title or property block
 * overwrites the first without freeing it): not ours to fix, so not reported. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libytnef.so\n";
}

static void addresses(const struct address_list *l)
{
    size_t sum = 0;
    for (size_t i = 0; i < l->count; i++)
        sum += (l->items[i].name ? strlen(l->items[i].name) : 0) + strlen(l->items[i].address);
    (void)sum;
}

static void exercise(struct normalize *n, int depth)
{
    size_t len, count;
    const char *charset;
    normalize_header_block(n, &len);
    normalize_has_header(n, "Content-Type");
    normalize_subject(n);
    addresses(normalize_from(n));
    addresses(normalize_sender(n));
    addresses(normalize_reply_to(n));
    addresses(normalize_to(n));
    addresses(normalize_cc(n));
    addresses(normalize_bcc(n));
    normalize_date(n, NULL);
    normalize_message_id(n);
    normalize_in_reply_to(n);
    normalize_references(n, &count);
    normalize_importance(n);
    normalize_body_text(n, &len);
    normalize_body_text_from_html(n);
    normalize_body_html(n, &len);
    normalize_body_html_raw(n, &len, &charset);
    for (size_t i = 0; i < normalize_attachment_count(n); i++) {
        const struct normalize_attachment *a = normalize_attachment(n, i);
        normalize_attachment_data(n, i, &len);
        if (a->is_message && depth < 8) {
            struct normalize *m = normalize_attachment_message(n, i);
            if (m)
                exercise(m, depth + 1);
            normalize_free(m);
        }
        normalize_attachment_release(n, i);
        normalize_attachment_data(n, i, &len);
        struct normalize_stream *st = normalize_attachment_open(n, i);
        char piece[5];
        while (normalize_stream_read(st, piece, sizeof piece) > 0)
            ;
        normalize_stream_close(st);
    }
    for (size_t i = 0; i < normalize_repair_count(n); i++)
        (void)normalize_repair_at(n, i)->count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        g_mime_init();
        ready = 1;
    }
    struct normalize_hints hints = {MODEL_TIME_UNKNOWN, 1000000000};
    struct normalize *n = normalize_open((const char *)data, size, &hints, NULL);
    if (n)
        exercise(n, 0);
    normalize_free(n);
    /* The same bytes from a file, the head ending after size * data[0] / 256 bytes. */
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("fuzz_normalize", 0);
    if (fd >= 0 && ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size) {
        size_t head = size ? size * data[0] / 256 : 0;
        n = normalize_open_file((const char *)data, head, fd, head, size - head, &hints, NULL);
        if (n)
            exercise(n, 0);
        normalize_free(n);
    }
    return 0;
}
