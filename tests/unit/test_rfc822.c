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
        is_int(rfc822_classify(classes[i].in, strlen(classes[i].in), classes[i].at_eof),
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

    ok(rfc822_uses_crlf("A: b\r\n", 6), "CRLF detected");
    ok(!rfc822_uses_crlf("A: b\n", 5), "LF detected");
    ok(!rfc822_uses_crlf("A: b", 4), "no line end at all");
    return tap_done();
}
