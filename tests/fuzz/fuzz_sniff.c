/* fuzz_sniff: libFuzzer harness for the address-book sniffers that pick a contacts reader by a
 * file's content: vcard_sniff (formats/vcard/vcard_reader.c), contact_csv_sniff
 * (formats/csv/contact_csv.c) and contact_xml_sniff (formats/wlm/contact_xml.c), tried in that
 * order by the registry for a file without a known extension.
 *
 * Each input is the start of a file, given to each sniffer in a buffer of exactly its size (so
 * that ASan sees any read past the end). Checked:
 *   - vcard_sniff of bytes that are neither UTF-16 nor BOM-led is "BEGIN:VCARD" (any case) in
 *     the first 4096 bytes, computed here independently;
 *   - a text that is valid UTF-8 (no NUL, no BOM) gets the same answer from each sniffer when
 *     it is written with a UTF-8 BOM, as UTF-16LE or UTF-16BE with a BOM, or (starting with two
 *     ASCII characters; '<' for the .contact sniffer) as UTF-16 without one, as long as it fits
 *     in what the sniffer looks at;
 *     (7-bit text with an ISO-2022-JP escape excepted: it is read as ISO-2022-JP);
 *   - the answer for a text's first line does not change when a long tail follows it whose cut,
 *     at the sniffer's limit, falls inside a UTF-8 sequence or a UTF-16 surrogate pair.
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_sniff
 *   build-fuzz/fuzz_sniff -max_total_time=600 build-fuzz/corpus-sniff tests/fuzz/seeds-sniff */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv/contact_csv.h"
#include "util/utf8.h"
#include "vcard/vcard_reader.h"
#include "wlm/contact_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz_sniff: %s (%s:%d)\n", what, __FILE__, __LINE__);               \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* The sniffers, with how many bytes of a file each one looks at. */
static const struct sniffer {
    const char *name;
    bool (*sniff)(const char *data, size_t len);
    size_t limit;
} sniffers[] = {
    {"vcard", vcard_sniff, 4096},
    {"csv", contact_csv_sniff, 8192},
    {"contact", contact_xml_sniff, 2048},
};
#define NSNIFFERS (sizeof sniffers / sizeof sniffers[0])

/* A sniffer on an exact-size copy of data[0..len). */
static bool run(const struct sniffer *s, const char *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);
    bool r = s->sniff(copy, len);
    free(copy);
    return r;
}

struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const void *s, size_t n)
{
    if (n == 0)
        return;
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2 + 16;
        t->p = realloc(t->p, t->cap);
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

/* Valid UTF-8 s[0..n) as UTF-16, appended to t. */
static void put_utf16(struct text *t, const char *s, size_t n, bool be)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = u[i] < 0x80 ? 1 : u[i] < 0xE0 ? 2 : u[i] < 0xF0 ? 3 : 4;
        uint32_t c = k == 1 ? u[i] : u[i] & (0x7Fu >> k);
        for (size_t j = 1; j < k; j++)
            c = c << 6 | (u[i + j] & 0x3Fu);
        i += k;
        uint16_t units[2];
        size_t nu = 0;
        if (c >= 0x10000) {
            c -= 0x10000;
            units[nu++] = (uint16_t)(0xD800 | c >> 10);
            units[nu++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            units[nu++] = (uint16_t)c;
        }
        for (size_t j = 0; j < nu; j++) {
            unsigned char b[2] = {(unsigned char)(be ? units[j] >> 8 : units[j] & 0xFF),
                                  (unsigned char)(be ? units[j] & 0xFF : units[j] >> 8)};
            put(t, b, 2);
        }
    }
}

/* 7-bit bytes with what may start an ISO-2022-JP escape (ESC $, ESC (, ESC &): charset.c reads
 * them as ISO-2022-JP, but not once any 8-bit byte is there, nor in UTF-16. */
static bool iso2022_like(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == 0x1B && strchr("$(&", s[i + 1]))
            return true;
    return false;
}

static bool plain_bytes(const unsigned char *p, size_t len)
{
    if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return false;
    if (len >= 4 && ((p[0] == 0 && p[1] != 0 && p[2] == 0 && p[3] != 0) ||
                     (p[0] != 0 && p[1] == 0 && p[2] != 0 && p[3] == 0)))
        return false;
    return !(len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF);
}

static void check_vcard_oracle(const char *data, size_t len)
{
    if (!plain_bytes((const unsigned char *)data, len))
        return;
    size_t n = len < 4096 ? len : 4096;
    bool want = false;
    for (size_t i = 0; i + 11 <= n && !want; i++)
        want = strncasecmp(data + i, "BEGIN:VCARD", 11) == 0 && !memchr(data + i, '\0', 11);
    CHECK(run(&sniffers[0], data, len) == want, "vcard_sniff is not BEGIN:VCARD in 4096 bytes");
}

/* The same text in other encodings gets the same answer. */
static void check_encodings(const char *s, size_t len)
{
    static const char *const how[] = {"UTF-8 BOM", "UTF-16LE BOM", "UTF-16BE BOM",
                                      "UTF-16LE", "UTF-16BE"};
    for (size_t k = 0; k < NSNIFFERS; k++) {
        const struct sniffer *sn = &sniffers[k];
        /* UTF-16 takes at most twice the bytes of UTF-8, plus the BOM. */
        if (len * 2 + 3 > sn->limit)
            continue;
        bool want = run(sn, s, len);
        for (int v = 0; v < 5; v++) {
            struct text t = {0};
            if (v >= 3) {
                bool ascii2 = len >= 2 && (unsigned char)s[0] < 0x80 && (unsigned char)s[1] < 0x80;
                if (!ascii2 || (sn->sniff == contact_xml_sniff && s[0] != '<'))
                    continue;
            }
            if (v == 0)
                put(&t, "\xEF\xBB\xBF", 3);
            else if (v == 1)
                put(&t, "\xFF\xFE", 2);
            else if (v == 2)
                put(&t, "\xFE\xFF", 2);
            if (v == 0)
                put(&t, s, len);
            else
                put_utf16(&t, s, len, v == 2 || v == 4);
            bool got = run(sn, t.p, t.len);
            if (got != want)
                fprintf(stderr, "fuzz_sniff: %s_sniff says %s as UTF-8, %s as %s\n", sn->name,
                        want ? "yes" : "no", got ? "yes" : "no", how[v]);
            CHECK(got == want, "a sniffer's answer depends on the encoding");
            free(t.p);
        }
    }
}

/* The first line followed by a tail cut by the sniffer's limit inside a character. */
static void check_cut_tail(const char *s, size_t len)
{
    size_t line = 0;
    while (line < len && s[line] != '\r' && s[line] != '\n')
        line++;
    for (size_t k = 0; k < NSNIFFERS; k++) {
        const struct sniffer *sn = &sniffers[k];
        if (line * 2 + 8 > sn->limit / 2 || iso2022_like(s, line))
            continue; /* the tail's 8-bit bytes would make the line UTF-8, not ISO-2022-JP */
        struct text head = {0};
        put(&head, s, line);
        put(&head, "\r\n", 2);
        bool want = run(sn, head.p, head.len);
        for (int v = 0; v < 2; v++) {
            struct text t = {0};
            if (v == 0) {
                /* UTF-8: "あ" (3 bytes) until the limit falls after 1 or 2 bytes of one. */
                put(&t, head.p, head.len);
                while (t.len + 3 <= sn->limit - 1)
                    put(&t, "\xE3\x81\x82", 3);
                if (t.len + 3 == sn->limit)
                    put(&t, "x", 1);
                put(&t, "\xE3\x81\x82\r\n", 5);
            } else {
                /* UTF-16LE with BOM: U+1F600 until the limit falls between its surrogates. */
                put(&t, "\xFF\xFE", 2);
                put_utf16(&t, head.p, head.len, false);
                while (t.len + 4 <= sn->limit - 2)
                    put(&t, "\x3D\xD8\x00\xDE", 4);
                if (t.len + 4 == sn->limit)
                    put(&t, "\x20\x00", 2);
                put(&t, "\x3D\xD8\x00\xDE\r\x00\n\x00", 8);
            }
            CHECK(t.len > sn->limit, "harness: the tail does not reach the limit");
            bool got = run(sn, t.p, t.len);
            if (got != want)
                fprintf(stderr, "fuzz_sniff: %s_sniff says %s for the first line alone, %s with "
                        "a %s tail cut inside a character\n", sn->name, want ? "yes" : "no",
                        got ? "yes" : "no", v ? "UTF-16LE" : "UTF-8");
            CHECK(got == want, "a sniffer's answer depends on where its limit cuts the tail");
            free(t.p);
        }
        free(head.p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    for (size_t k = 0; k < NSNIFFERS; k++)
        (void)run(&sniffers[k], s, size);
    check_vcard_oracle(s, size);
    bool text = size > 0 && utf8_valid(s, size) && !memchr(s, '\0', size) &&
                !(size >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0);
    /* 7-bit bytes with an ISO-2022-JP escape are read as ISO-2022-JP, which their UTF-16 form
     * is not: such an input is not one text in several encodings (seed esc-jis-7bit.csv). */
    if (text && iso2022_like(s, size))
        text = false;
    if (text) {
        check_encodings(s, size);
        check_cut_tail(s, size);
    }
    return 0;
}
