/* fuzz_mboxrd: libFuzzer harness for the mboxrd escaper and the envelope sender
 * (formats/mbox/mboxrd.c).
 *
 * The input's first two bytes pick how the rest (the message) is cut into chunks; the message
 * is escaped chunk by chunk into memory and whole, and checked:
 *   - the outputs are equal (the state machine does not depend on where chunks end), also when
 *     the chunks are read in place past the buffer's end and offered to mboxrd_pass first;
 *   - no output line starts with "From " (a reader would take it for a new message);
 *   - an independent unescape (one '>' removed from each line matching ^>+From ) gives the
 *     message back, bytes equal;
 *   - mboxrd_ends_with_newline() is whether the message ends with LF.
 * The message is also read as a header value for mboxrd_envelope_sender(), whose result must be
 * non-empty printable ASCII without blanks or '"', within its buffer.
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_mboxrd
 *   build-fuzz/fuzz_mboxrd -max_total_time=600 build-fuzz/corpus-mboxrd tests/fuzz/seeds-mboxrd */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbox/mboxrd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz_mboxrd: %s (%s:%d)\n", what, __FILE__, __LINE__);              \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* Feeds one chunk: with `in_place` put past the buffer's end and offered to mboxrd_pass
 * first (as the writer reads the rest of a message), else to mboxrd_write. */
static void feed(struct mboxrd_escaper *e, struct buf *out, const char *s, size_t n, bool in_place)
{
    if (in_place) {
        memcpy(buf_reserve(out, n), s, n);
        if (mboxrd_pass(e, out, n))
            return;
    }
    mboxrd_write(e, out, s, n);
}

/* Escapes msg[0..len) in chunks whose sizes come from `seed` (0: one write); returns the
 * output (malloc'd) and its length. */
static char *escape(const char *msg, size_t len, unsigned seed, bool in_place, size_t *out_len,
                    bool *ends_with_newline)
{
    struct buf out = BUF_INIT;
    struct mboxrd_escaper e;
    mboxrd_begin(&e);
    if (seed == 0) {
        feed(&e, &out, msg, len, in_place);
    } else {
        uint32_t x = seed * 2654435761u + 1;
        for (size_t off = 0; off < len;) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t n = x % 8; /* 0..7: empty writes too, and cuts inside "From " */
            if (n > len - off)
                n = len - off;
            feed(&e, &out, msg + off, n, in_place);
            off += n;
        }
    }
    mboxrd_end(&e, &out);
    *ends_with_newline = mboxrd_ends_with_newline(&e);
    CHECK(e.written == out.len, "written");
    *out_len = out.len;
    return buf_detach(&out);
}

/* The reader's side, written from the definition: a line matching ^>+From loses one '>'. */
static char *unescape(const char *s, size_t len, size_t *out_len)
{
    char *o = malloc(len + 1);
    size_t n = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = pos;
        while (end < len && s[end] != '\n')
            end++;
        if (end < len)
            end++;
        size_t q = pos;
        while (q < end && s[q] == '>')
            q++;
        bool drop = q > pos && end - q >= 5 && memcmp(s + q, "From ", 5) == 0;
        size_t from = drop ? pos + 1 : pos;
        memcpy(o + n, s + from, end - from);
        n += end - from;
        pos = end;
    }
    *out_len = n;
    return o;
}

static void check_no_from_line(const char *s, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        CHECK(!(len - pos >= 5 && memcmp(s + pos, "From ", 5) == 0),
              "an escaped message has a line starting with \"From \"");
        const char *lf = memchr(s + pos, '\n', len - pos);
        pos = lf ? (size_t)(lf - s) + 1 : len;
    }
}

static void check_sender(const char *msg, size_t len)
{
    char *value = malloc(len + 1);
    memcpy(value, msg, len);
    value[len] = '\0';
    for (size_t cap = 0; cap <= 6; cap += 3) {
        char out[300];
        size_t c = cap ? cap : sizeof out - 1;
        memset(out, 'Z', sizeof out);
        mboxrd_envelope_sender(value, out, c);
        size_t n = strnlen(out, c);
        CHECK(n < c, "envelope sender fits its buffer with its NUL");
        CHECK(out[c] == 'Z', "envelope sender writes past its buffer");
        CHECK(n >= 1, "envelope sender is never empty");
        for (size_t i = 0; i < n; i++)
            CHECK((unsigned char)out[i] > 32 && (unsigned char)out[i] < 127 && out[i] != '"',
                  "envelope sender is printable ASCII without blanks or quotes");
    }
    char tiny[1] = {'Z'};
    mboxrd_envelope_sender(value, tiny, 1);
    CHECK(tiny[0] == '\0', "envelope sender with a 1-byte buffer");
    tiny[0] = 'Z';
    mboxrd_envelope_sender(value, tiny, 0);
    CHECK(tiny[0] == 'Z', "envelope sender with no buffer writes nothing");
    free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned seed = (unsigned)data[0] << 8 | data[1];
    const char *msg = (const char *)data + 2;
    size_t len = size - 2;

    size_t whole_len, chunk_len, back_len, passed_len, passed_whole_len;
    bool nl_whole, nl_chunks, nl_passed, nl_passed_whole;
    char *whole = escape(msg, len, 0, false, &whole_len, &nl_whole);
    char *chunks = escape(msg, len, seed | 1, false, &chunk_len, &nl_chunks);
    char *passed = escape(msg, len, seed | 1, true, &passed_len, &nl_passed);
    char *passed_whole = escape(msg, len, 0, true, &passed_whole_len, &nl_passed_whole);
    CHECK(whole_len == chunk_len && memcmp(whole, chunks, whole_len) == 0,
          "chunked escaping differs from a single write");
    CHECK(whole_len == passed_len && memcmp(whole, passed, whole_len) == 0,
          "chunks read in place (mboxrd_pass) differ from a single write");
    CHECK(whole_len == passed_whole_len && memcmp(whole, passed_whole, whole_len) == 0,
          "the message read in place (mboxrd_pass) differs from a single write");
    CHECK(nl_whole == nl_chunks && nl_whole == nl_passed && nl_whole == nl_passed_whole,
          "ends_with_newline depends on the chunks");
    CHECK(nl_whole == (len > 0 && msg[len - 1] == '\n'), "mboxrd_ends_with_newline");
    check_no_from_line(whole, whole_len);
    char *back = unescape(whole, whole_len, &back_len);
    CHECK(back_len == len && memcmp(back, msg, len) == 0, "unescaping does not give the message back");
    free(back);
    free(whole);
    free(chunks);
    free(passed);
    free(passed_whole);

    check_sender(msg, len);
    return 0;
}
