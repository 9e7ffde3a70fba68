/* Unit tests for src/normalize/rawheader.c: raw 8-bit header fields re-encoded as UTF-8 words.
 *
 * Each case builds a message with raw CP932 or EUC-JP bytes (in hex), re-encodes its header
 * block and checks: the fields that held such bytes are rewritten and no other byte changed;
 * every line stays within RFC 2047's limits; GMime (an independent decoder of UTF-8 encoded
 * words) and our own normalizer read the rewritten fields back as the normalizer decoded the
 * original. */
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/normalize.h"
#include "normalize/rawheader.h"
#include "normalize/rfc822.h"
#include "util/buf.h"
#include "tap.h"

#define SJIS_YOTEI "\x97\x5c\x92\xe8" /* 予定, CP932 (its second byte is a backslash) */
#define SJIS_TANAKA "\x93\x63\x92\x86" /* 田中 */
#define EUC_SATO "\xba\xb4\xc6\xa3"    /* 佐藤, EUC-JP */

/* The header block of `msg` (up to and with its blank line). */
static size_t header_length(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    if (end)
        return (size_t)(end - msg) + 4;
    end = strstr(msg, "\n\n");
    return end ? (size_t)(end - msg) + 2 : strlen(msg);
}

/* needed() of the header block of `msg`, its fields found as the pipeline finds them. */
static bool needed(const char *msg, size_t len)
{
    struct rfc822_fields fs;
    rfc822_fields_find(msg, len, RFC822_ALL_KNOWN, &fs);
    return rawheader_needed(msg, &fs);
}

/* The unfolded value of the first field `name` in the header block `h`, decoded by GMime. */
static char *gmime_decoded(const char *h, const char *name)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(h, strlen(h));
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
    char *out = NULL;
    if (m) {
        const char *raw = g_mime_object_get_header(GMIME_OBJECT(m), name);
        if (raw)
            out = g_mime_utils_header_decode_text(NULL, raw);
        g_object_unref(m);
    }
    g_object_unref(p);
    g_object_unref(s);
    return out;
}

/* Every physical line of `h` at most `max` bytes long. */
static bool lines_within(const char *h, size_t max)
{
    for (const char *p = h; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > max)
            return false;
        p += len + (nl ? 1 : 0);
    }
    return true;
}

struct rewritten {
    char *header;    /* the new header block */
    size_t count;
    char *names;
    struct normalize *before; /* the normalizer on the original */
};

static void rewrite(const char *msg, struct rewritten *r)
{
    struct error err;
    size_t hl = header_length(msg);
    r->before = normalize_open(msg, strlen(msg), NULL, &err);
    struct buf out = BUF_INIT, names = BUF_INIT;
    r->count = rawheader_reencode(msg, hl, r->before, &out, &names);
    r->header = buf_detach(&out);
    r->names = names.data ? buf_detach(&names) : strdup("");
}

static void rewritten_free(struct rewritten *r)
{
    free(r->header);
    free(r->names);
    normalize_free(r->before);
}

static void test_subject_and_addresses(void)
{
    const char *msg = "Return-Path: <t@example.jp>\n"
                      "Subject: " SJIS_YOTEI " Re: " SJIS_YOTEI "\n"
                      "From: " SJIS_TANAKA " <tanaka@example.jp>\n"
                      "To: " SJIS_TANAKA " <a@example.jp>, plain@example.jp,\n"
                      "  \"Dr. Who\" <who@example.jp>\n"
                      "X-Other: " SJIS_TANAKA "\n"
                      "Content-Type: text/plain; charset=shift_jis\n"
                      "\n"
                      "body " SJIS_YOTEI "\n";
    ok(needed(msg, header_length(msg)), "a raw CP932 subject needs re-encoding");
    struct rewritten r;
    rewrite(msg, &r);
    is_int((long long)r.count, 3, "Subject, From and To rewritten");
    is_str(r.names, "Subject, From, To", "the rewritten fields are named");
    ok(strncmp(r.header, "Return-Path: <t@example.jp>\nSubject: =?UTF-8?B?", 47) == 0,
       "fields before stay, the subject is a UTF-8 word");
    ok(strstr(r.header, "\nX-Other: " SJIS_TANAKA "\nContent-Type: text/plain; charset=shift_jis"
                        "\n\n") != NULL,
       "a field the normalizer does not decode, and the rest, stay byte for byte");
    ok(!needed(r.header, strlen(r.header)),
       "nothing left to re-encode (X-Other keeps its raw bytes)");
    char *subject = gmime_decoded(r.header, "Subject");
    is_str(subject, normalize_subject(r.before), "GMime reads the subject as we decoded it");
    is_str(subject, "予定 Re: 予定", "and that is the Japanese text");
    g_free(subject);
    char *from = gmime_decoded(r.header, "From");
    is_str(from, "田中 <tanaka@example.jp>", "GMime reads the sender's name and address");
    g_free(from);

    struct error err;
    struct normalize *after = normalize_open(r.header, strlen(r.header), NULL, &err);
    const struct address_list *to = normalize_to(after), *to0 = normalize_to(r.before);
    is_int((long long)to->count, (long long)to0->count, "To keeps its three mailboxes");
    for (size_t i = 0; i < to->count && i < to0->count; i++) {
        is_str(to->items[i].name, to0->items[i].name, "each name as decoded before");
        is_str(to->items[i].address, to0->items[i].address, "each address as before");
    }
    normalize_free(after);
    rewritten_free(&r);
}

static void test_long_crlf_group(void)
{
    struct buf m = BUF_INIT;
    buf_puts(&m, "Subject: ");
    for (int i = 0; i < 40; i++)
        buf_puts(&m, SJIS_YOTEI SJIS_TANAKA);
    buf_puts(&m, "\r\nTo: " EUC_SATO ": " EUC_SATO " <s@example.jp>, b@example.jp;,"
                 " c@example.jp\r\nCc: ok@example.jp\r\n\r\nbody\r\n");
    struct rewritten r;
    rewrite(m.data, &r);
    is_int((long long)r.count, 2, "a long CP932 subject and an EUC-JP group rewritten");
    ok(lines_within(r.header, 77), "every line within 76 characters (and its CRLF)");
    ok(strstr(r.header, "?=\r\n =?UTF-8?B?") != NULL, "words folded with the message's CRLF");
    ok(strstr(r.header, "\r\nCc: ok@example.jp\r\n\r\n") != NULL, "Cc (ASCII) untouched");
    char *subject = gmime_decoded(r.header, "Subject");
    is_str(subject, normalize_subject(r.before), "the long subject reads back whole");
    g_free(subject);
    struct error err;
    struct normalize *after = normalize_open(r.header, strlen(r.header), NULL, &err);
    const struct address_list *to = normalize_to(after);
    ok(to->count == 3 && to->items[0].group && strcmp(to->items[0].group, "佐藤") == 0 &&
           to->items[1].group && !to->items[2].group,
       "the group keeps its name and its two members, the third stands outside");
    ok(to->count == 3 && to->items[0].name && strcmp(to->items[0].name, "佐藤") == 0,
       "the member's name is decoded from EUC-JP");
    normalize_free(after);
    rewritten_free(&r);
    buf_free(&m);
}

static void test_left_alone(void)
{
    const char *utf8 = "Subject: 予定 in raw UTF-8\nFrom: a@example.jp\n\nbody\n";
    ok(!needed(utf8, header_length(utf8)), "raw UTF-8 (RFC 6532) is left alone");
    const char *ascii = "Subject: =?ISO-2022-JP?B?GyRCTVxEajsWGyhC?=\n\nbody\n";
    ok(!needed(ascii, header_length(ascii)), "encoded words are left alone");
    const char *second = "Subject: fine\nSubject: " SJIS_YOTEI "\n\n";
    ok(!needed(second, header_length(second)),
       "only the first field of a name counts (the one readers show)");
    const char *body = "Subject: fine\n\n" SJIS_YOTEI "\n";
    ok(!needed(body, header_length(body)), "raw bytes in the body do not count");
}

int main(void)
{
    g_mime_init();
    test_subject_and_addresses();
    test_long_crlf_group();
    test_left_alone();
    g_mime_shutdown();
    return tap_done();
}
