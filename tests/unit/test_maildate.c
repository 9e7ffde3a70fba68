/* Unit tests for src/maildate: parsing real-world dates, formatting in UTC. */
#include <gmime/gmime.h>

#include "normalize/maildate.h"
#include "tap.h"

int main(void)
{
    g_mime_init();
    static const struct {
        const char *in;
        int64_t want;
    } dates[] = {
        {"Sat, 1 Jan 2000 00:00:00 +0000", 946684800},
        {"Sat, 01 Jan 2000 09:00:00 +0900", 946684800},
        {"1 Jan 2000 00:00:00 GMT", 946684800},
        {"Fri, 31 Dec 1999 19:00:00 EST", 946684800},
        {"Sat, 1 Jan 2000 00:00:00 +0000 (UTC)", 946684800},
        {"Mon, 2 Jan 2006 15:04:05 -0700", 1136239445},
        {"", MODEL_TIME_UNKNOWN},
        {"not a date", MODEL_TIME_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "parse \"%s\"", dates[i].in);
        is_int(maildate_parse(dates[i].in), dates[i].want, what);
    }
    is_int(maildate_parse(NULL), MODEL_TIME_UNKNOWN, "NULL is unknown");
    is_int(maildate_parse_received("from a by b; Sat, 1 Jan 2000 00:00:00 +0000"), 946684800,
           "Received: date after the last ';'");
    is_int(maildate_parse_received("from a; by b"), MODEL_TIME_UNKNOWN, "Received without date");
    is_int(maildate_parse_received("no semicolon"), MODEL_TIME_UNKNOWN, "Received without ';'");

    char out[64];
    maildate_format_envelope(946684800, out);
    is_str(out, "Sat Jan 01 00:00:00 2000", "envelope date");
    maildate_format_envelope(1136239445, out);
    is_str(out, "Mon Jan 02 22:04:05 2006", "envelope date in UTC");
    maildate_format_rfc5322(1136239445, out);
    is_str(out, "Mon, 2 Jan 2006 22:04:05 +0000", "RFC 5322 date in UTC");
    maildate_format_rfc5322(0, out);
    is_str(out, "Thu, 1 Jan 1970 00:00:00 +0000", "the epoch");
    g_mime_shutdown();
    return tap_done();
}
