/* Unit tests for src/rfc822: header block length, classification, header values. */
#include <string.h>

#include "normalize/rfc822.h"
#include "tap.h"

int main(void)
{
    static const struct {
        const char *in;
        bool at_eof;
        enum rfc822_class want;
    } classes[] = {
        {"", true, RFC822_EMPTY},
        {"Subject: x\r\n\r\nbody\r\n", true, RFC822_MESSAGE},
        {"Subject: x\n\nbody", true, RFC822_MESSAGE},
        {"Subject: x\r\nFrom: a@b\r\n", true, RFC822_HEADER_ONLY},
        {"Subject: x\r\n\r\n", true, RFC822_HEADER_ONLY},
        {"Subject: x\r\n\r\n", false, RFC822_MESSAGE},
        {"From a@b Sat Jan  1 00:00:00 2000\nSubject: x\n\nbody\n", true, RFC822_MESSAGE},
        {"\x89PNG\r\n\x1a\n", true, RFC822_NOT_MESSAGE},
        {"hello world\n", true, RFC822_NOT_MESSAGE},
        {" Subject: x\n\nb", true, RFC822_NOT_MESSAGE},
        {": x\n\nb", true, RFC822_NOT_MESSAGE},
        {"\r\nSubject: x\r\n", true, RFC822_NOT_MESSAGE},
        {"Subject : old style\n\nbody", true, RFC822_MESSAGE},
        {"X-\xff: y\n\nb", true, RFC822_NOT_MESSAGE},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "classify case %zu", i);
        size_t len = strlen(classes[i].in);
        bool complete;
        size_t header_len = rfc822_header_length(classes[i].in, len, &complete);
        is_int(rfc822_classify(classes[i].in, len, header_len, classes[i].at_eof),
               classes[i].want, what);
    }

    bool complete;
    is_int((long long)rfc822_header_length("A: b\r\n\r\nx", 9, &complete), 8, "CRLF header length");
    ok(complete, "CRLF header complete");
    is_int((long long)rfc822_header_length("A: b\n\nx", 7, &complete), 6, "LF header length");
    is_int((long long)rfc822_header_length("A: b\nC: d\n", 10, &complete), 10, "no blank line");
    ok(!complete, "incomplete without a blank line");
    is_int((long long)rfc822_header_length("A: b\r", 5, &complete), 5, "a lone CR at the end");

    const char *hdr = "Received: from a\r\n\tby b; Sat, 1 Jan 2000 00:00:00 +0000\r\n"
                      "Subject:   hello  \r\n"
                      "X-Date: no\r\n"
                      "date:Mon, 2 Jan 2006 15:04:05 -0700\r\n"
                      "Folded: one\r\n two\r\n"
                      "\r\n"
                      "Body: not a header\r\n";
    struct buf v = BUF_INIT;
    ok(rfc822_header_value(hdr, strlen(hdr), "Subject", &v), "Subject found");
    is_str(buf_str(&v), "hello", "value trimmed");
    ok(rfc822_header_value(hdr, strlen(hdr), "Date", &v), "Date found case-insensitively");
    is_str(buf_str(&v), "Mon, 2 Jan 2006 15:04:05 -0700", "X-Date is not Date");
    ok(rfc822_header_value(hdr, strlen(hdr), "Received", &v), "Received found");
    is_str(buf_str(&v), "from a\tby b; Sat, 1 Jan 2000 00:00:00 +0000", "unfolded");
    ok(rfc822_header_value(hdr, strlen(hdr), "folded", &v), "Folded found");
    is_str(buf_str(&v), "one two", "continuation joined");
    ok(!rfc822_header_value(hdr, strlen(hdr), "Body", &v), "the body is not searched");
    ok(!rfc822_header_value(hdr, strlen(hdr), "Subj", &v), "a prefix is not a name");
    ok(!rfc822_header_value("Subject: x", 3, "Subject", &v), "length is respected");
    buf_free(&v);

    struct rfc822_fields fs;
    rfc822_fields_find(hdr, strlen(hdr), RFC822_ALL_KNOWN, &fs);
    const struct rfc822_field *date = rfc822_fields_get(&fs, RFC822_DATE);
    ok(date && strncmp(hdr + date->name, "date:Mon", 8) == 0,
       "fields: Date found case-insensitively, X-Date is not Date");
    const struct rfc822_field *received = rfc822_fields_get(&fs, RFC822_RECEIVED);
    ok(received && received->name == 0 && hdr[received->end] == 'S',
       "fields: Received with its continuation");
    ok(rfc822_fields_get(&fs, RFC822_SUBJECT) && !rfc822_fields_get(&fs, RFC822_FROM) &&
           !rfc822_fields_get(&fs, RFC822_TO),
       "fields: Subject; no From or To (the body is not searched)");
    const char *twice = "From x Sat Jan  1 00:00:00 2000\nFrom: one\nfrom: two\nCC: c\n\nTo: b\n";
    rfc822_fields_find(twice, strlen(twice), RFC822_ALL_KNOWN, &fs);
    const struct rfc822_field *from = rfc822_fields_get(&fs, RFC822_FROM);
    ok(from && strncmp(twice + from->value, " one\n", 5) == 0,
       "fields: the first From, not the envelope line or the second");
    ok(rfc822_fields_get(&fs, RFC822_CC) && !rfc822_fields_get(&fs, RFC822_TO),
       "fields: Cc in any case; the body's To is not a field");
    rfc822_fields_find("Subject: x", 3, RFC822_ALL_KNOWN, &fs);
    ok(fs.found == 0, "fields: length is respected");
    rfc822_fields_find(hdr, strlen(hdr), 1u << RFC822_SUBJECT, &fs);
    ok(rfc822_fields_get(&fs, RFC822_SUBJECT) && rfc822_fields_get(&fs, RFC822_RECEIVED) &&
           !rfc822_fields_get(&fs, RFC822_DATE),
       "fields: the scan ends once the wanted are found (Date comes after Subject)");
    static const char *const known[RFC822_KNOWN_COUNT] = {
        [RFC822_DATE] = "DATE",          [RFC822_RECEIVED] = "received",
        [RFC822_RETURN_PATH] = "Return-path", [RFC822_FROM] = "fROM",
        [RFC822_SENDER] = "Sender",      [RFC822_REPLY_TO] = "reply-TO",
        [RFC822_TO] = "tO",              [RFC822_CC] = "cc",
        [RFC822_BCC] = "BCC",            [RFC822_SUBJECT] = "subject",
    };
    bool each_known = true;
    for (int k = 0; k < RFC822_KNOWN_COUNT; k++) {
        char line[64];
        snprintf(line, sizeof line, "%s: x\nX-%s: y\n%s-X: z\n\n", known[k], known[k], known[k]);
        struct rfc822_scan sc;
        struct rfc822_field f;
        rfc822_scan_begin(&sc, line, strlen(line));
        each_known = each_known && rfc822_scan_next(&sc, &f) && rfc822_known_of(&sc, &f) == k &&
                     rfc822_scan_next(&sc, &f) && rfc822_known_of(&sc, &f) == -1 &&
                     rfc822_scan_next(&sc, &f) && rfc822_known_of(&sc, &f) == -1;
    }
    ok(each_known, "rfc822_known_of: each known name in any case, and no other name");

    ok(rfc822_uses_crlf("A: b\r\n", 6), "CRLF detected");
    ok(!rfc822_uses_crlf("A: b\n", 5), "LF detected");
    ok(!rfc822_uses_crlf("A: b", 4), "no line end at all");
    return tap_done();
}
