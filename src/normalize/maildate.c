/* maildate: date parsing (GMime) and UTC formatting (see maildate.h). */
#include "normalize/maildate.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t maildate_parse(const char *text)
{
    if (!text || !*text)
        return MODEL_TIME_UNKNOWN;
    GDateTime *dt = g_mime_utils_header_decode_date(text);
    if (!dt)
        return MODEL_TIME_UNKNOWN;
    int64_t t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

int64_t maildate_parse_received(const char *value)
{
    const char *semi = value ? strrchr(value, ';') : NULL;
    return semi ? maildate_parse(semi + 1) : MODEL_TIME_UNKNOWN;
}

static void utc(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, tm))
        memset(tm, 0, sizeof *tm);
}

static const char weekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void maildate_format_envelope(int64_t t, char out[64])
{
    struct tm tm;
    utc(t, &tm);
    snprintf(out, 64, "%.3s %.3s %02d %02d:%02d:%02d %04d", weekdays[tm.tm_wday % 7],
             months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             tm.tm_year + 1900);
}

void maildate_format_rfc5322(int64_t t, char out[64])
{
    struct tm tm;
    utc(t, &tm);
    snprintf(out, 64, "%.3s, %d %.3s %04d %02d:%02d:%02d +0000", weekdays[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
