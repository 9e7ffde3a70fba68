/* Unit tests for src/maildate: parsing real-world dates, formatting in UTC. */
#include <gmime/gmime.h>
#include <stdlib.h>

#include "normalize/maildate.h"
#include "tap.h"

static int64_t gmime_time(const char *text)
{
    GDateTime *dt = g_mime_utils_header_decode_date(text);
    if (!dt)
        return MODEL_TIME_UNKNOWN;
    int64_t t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

/* maildate reads the common form by hand and leaves the rest to GMime: both must give the same
 * time (or none) for every date near that form. Each part is taken from a list of good and bad
 * values, all of them around a good date and a fixed-seed sample of their mixtures. */
static void hand_read_agrees_with_gmime(void)
{
    static const char *const weekdays[] = {"", "Thu, ", "Mon, ", "Thu,  ", "Thu,", "Foo, ",
                                           "Thu ", " ", "thu, ", "Th, "};
    static const char *const days[] = {"2", "0", "1", "01", "9", "28", "29", "30", "31", "32",
                                       "001", "x"};
    static const char *const months[] = {"May", "Jan", "Feb", "Apr", "Jun", "Sep", "Nov", "Dec",
                                         "may", "MAY", "Mai", "Ma"};
    static const char *const years[] = {"2024", "1900", "1901", "1969", "1970", "1999", "2000",
                                        "2023", "2038", "2100", "9999", "24", "999", "10000"};
    static const char *const times[] = {"17:48:55", "00:00:00", "23:59:59", "24:00:00",
                                        "12:60:00", "12:00:60", "17:48", "7:48:55", "17:8:55",
                                        "17:48:5", "17:48:55.5", "1748"};
    static const char *const zones[] = {"+0000", "-0000", "+0530", "-1200", "+1400", "+2359",
                                        "-2359", "+2400", "+0060", "+099", "+00000", "GMT", "UT",
                                        "EST", "+0000 ", "Z", "", "+0000 x", "0000"};
    static const char *const gaps[] = {" ", "  ", "\t"};
    const size_t counts[] = {sizeof weekdays / sizeof *weekdays, sizeof days / sizeof *days,
                             sizeof months / sizeof *months,     sizeof years / sizeof *years,
                             sizeof times / sizeof *times,       sizeof zones / sizeof *zones,
                             sizeof gaps / sizeof *gaps};
    enum { NPARTS = sizeof counts / sizeof *counts };
    size_t tried = 0, differ = 0;
    char first[128] = "";
    srand(14);
    /* one part away from the good date, every value; then 20,000 mixtures */
    for (size_t round = 0; round < 20000 + NPARTS * 20; round++) {
        size_t pick[NPARTS] = {0};
        if (round < NPARTS * 20) {
            size_t part = round / 20;
            pick[part] = round % 20;
            if (pick[part] >= counts[part])
                continue;
        } else {
            for (size_t k = 0; k < NPARTS; k++)
                pick[k] = (size_t)rand() % counts[k];
        }
        const char *gap = gaps[pick[6]];
        char text[128];
        snprintf(text, sizeof text, "%s%s%s%s%s%s%s%s%s%s", weekdays[pick[0]], days[pick[1]],
                 gap, months[pick[2]], gap, years[pick[3]], gap, times[pick[4]], gap,
                 zones[pick[5]]);
        tried++;
        if (maildate_parse(text) != gmime_time(text) && differ++ == 0)
            snprintf(first, sizeof first, "%s", text);
    }
    /* every day of every month around the leap rules */
    static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int leap_years[] = {1970, 2000, 2023, 2024, 2100, 2400};
    for (size_t y = 0; y < sizeof leap_years / sizeof *leap_years; y++)
        for (int m = 0; m < 12; m++)
            for (int d = 0; d <= 32; d++) {
                char text[64];
                snprintf(text, sizeof text, "%d %s %d 12:34:56 -0130", d, month_names[m],
                         leap_years[y]);
                tried++;
                if (maildate_parse(text) != gmime_time(text) && differ++ == 0)
                    snprintf(first, sizeof first, "%s", text);
            }
    ok(differ == 0,
       "the hand-read form agrees with GMime on %zu dates (first difference: \"%s\")", tried,
       first);
}

int main(void)
{
    g_mime_init();
    hand_read_agrees_with_gmime();
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
