/* maildate: date parsing (GMime), the message and filed-under date rules, UTC formatting (see
 * maildate.h). */
#include "normalize/maildate.h"

#include <gmime/gmime.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "normalize/rfc822.h"
#include "util/buf.h"

/* A date as GMime's parser wants it: comments removed, no white space around ':'. */
static void clean_date(struct buf *v)
{
    size_t o = 0, depth = 0;
    char *d = v->data;
    for (size_t i = 0; i < v->len; i++) {
        char c = d[i];
        if (c == '(') {
            depth++;
            continue;
        }
        if (c == ')' && depth) {
            depth--;
            continue;
        }
        if (depth)
            continue;
        if (c == ':') {
            while (o && (d[o - 1] == ' ' || d[o - 1] == '\t'))
                o--;
            d[o++] = c;
            while (i + 1 < v->len && (d[i + 1] == ' ' || d[i + 1] == '\t'))
                i++;
            continue;
        }
        d[o++] = c;
    }
    v->len = o;
    if (d)
        d[o] = '\0';
}

static const char weekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Reads exactly `n` digits at *p into *v. */
static bool digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        *v = *v * 10 + (c - '0');
    }
    *p += n;
    return true;
}

/* One or more blanks at *p, skipped. */
static bool blanks(const char **p)
{
    if (!is_blank(**p))
        return false;
    while (is_blank(**p))
        (*p)++;
    return true;
}

/* Days from 1970-01-01 to the date (proleptic Gregorian, month 1-12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* The form nearly every mailer writes, "[Www, ]D Mon YYYY HH:MM[:SS] +hhmm" with every field
 * in range and a year from 1970, read by hand: GMime's parser gives the same time for it
 * (tests/unit/test_maildate.c compares the two over every form and edge) and is left the rest
 * (names of zones, two-digit years, the obsolete forms, out-of-range fields). */
static bool parse_plain(const char *p, int64_t *t)
{
    while (is_blank(*p))
        p++;
    for (int i = 0; i < 7; i++)
        if (strncmp(p, weekdays[i], 3) == 0 && p[3] == ',') {
            p += 4;
            if (!blanks(&p))
                return false;
            break;
        }
    int day, month = 0, year, hour, min, sec = 0, zone;
    if (!digits(&p, 1, &day))
        return false;
    if (*p >= '0' && *p <= '9') {
        int second;
        digits(&p, 1, &second);
        day = day * 10 + second;
    }
    if (!blanks(&p))
        return false;
    while (month < 12 && strncmp(p, months[month], 3) != 0)
        month++;
    if (month == 12)
        return false;
    p += 3;
    month++;
    if (!blanks(&p) || !digits(&p, 4, &year) || !blanks(&p) || !digits(&p, 2, &hour) ||
        *p++ != ':' || !digits(&p, 2, &min))
        return false;
    if (*p == ':' && (p++, !digits(&p, 2, &sec)))
        return false;
    if (!blanks(&p))
        return false;
    char sign = *p++;
    if ((sign != '+' && sign != '-') || !digits(&p, 4, &zone))
        return false;
    while (is_blank(*p))
        p++;
    if (*p || year < 1970 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        min > 59 || sec > 59 || zone / 100 > 23 || zone % 100 > 59)
        return false;
    int64_t offset = (zone / 100 * 60 + zone % 100) * 60;
    *t = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec -
         (sign == '+' ? offset : -offset);
    return true;
}

static int64_t parse_clean(const char *text)
{
    if (!text || !*text)
        return MODEL_TIME_UNKNOWN;
    int64_t t;
    if (parse_plain(text, &t))
        return t;
    GDateTime *dt = g_mime_utils_header_decode_date(text);
    if (!dt)
        return MODEL_TIME_UNKNOWN;
    t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

int64_t maildate_parse(const char *text)
{
    struct buf v = BUF_INIT;
    buf_puts(&v, text ? text : "");
    clean_date(&v);
    int64_t t = parse_clean(buf_str(&v));
    buf_free(&v);
    return t;
}

int64_t maildate_parse_received(const char *value)
{
    struct buf v = BUF_INIT;
    buf_puts(&v, value ? value : "");
    clean_date(&v);
    const char *semi = strrchr(buf_str(&v), ';');
    int64_t t = semi ? parse_clean(semi + 1) : MODEL_TIME_UNKNOWN;
    buf_free(&v);
    return t;
}

const char *maildate_origin_name(enum date_origin origin)
{
    switch (origin) {
    case MAILDATE_FROM_STORE: return "store";
    case MAILDATE_FROM_DATE: return "Date";
    case MAILDATE_FROM_RECEIVED: return "Received";
    case MAILDATE_FROM_FILE: return "file time";
    case MAILDATE_FROM_NONE: break;
    }
    return "none";
}

int64_t maildate_of_fields(const char *hdr, size_t len, const struct rfc822_fields *fs,
                           enum date_origin *origin)
{
    struct buf v = BUF_INIT;
    int64_t t = MODEL_TIME_UNKNOWN;
    *origin = MAILDATE_FROM_NONE;
    /* The Date header first (the first one, as every reader takes it) ... */
    const struct rfc822_field *f = rfc822_fields_get(fs, RFC822_DATE);
    if (f) {
        rfc822_unfold(hdr + f->value, f->end - f->value, &v);
        t = maildate_parse(buf_str(&v));
    }
    if (t != MODEL_TIME_UNKNOWN) {
        *origin = MAILDATE_FROM_DATE;
    } else if ((f = rfc822_fields_get(fs, RFC822_RECEIVED)) != NULL) {
        /* ... then the first Received header whose date can be read (the newest hop): the
         * first one, and only when it has none the later ones, scanned for. */
        rfc822_unfold(hdr + f->value, f->end - f->value, &v);
        t = maildate_parse_received(buf_str(&v));
        struct rfc822_scan sc;
        struct rfc822_field later;
        rfc822_scan_begin(&sc, hdr, len);
        while (t == MODEL_TIME_UNKNOWN && rfc822_scan_next(&sc, &later))
            if (later.name > f->name && rfc822_field_is(&sc, &later, "Received")) {
                rfc822_unfold(hdr + later.value, later.end - later.value, &v);
                t = maildate_parse_received(buf_str(&v));
            }
        if (t != MODEL_TIME_UNKNOWN)
            *origin = MAILDATE_FROM_RECEIVED;
    }
    buf_free(&v);
    return t;
}

int64_t maildate_of_header(const char *hdr, size_t len, enum date_origin *origin)
{
    struct rfc822_fields fs;
    rfc822_fields_find(hdr, len, MAILDATE_FIELDS, &fs);
    return maildate_of_fields(hdr, len, &fs, origin);
}

int64_t maildate_filed(const char *hdr, size_t len, const struct rfc822_fields *fs,
                       int64_t store_time, int64_t file_time, enum date_origin *origin)
{
    if (store_time != MODEL_TIME_UNKNOWN) {
        *origin = MAILDATE_FROM_STORE;
        return store_time;
    }
    int64_t t = maildate_of_fields(hdr, len, fs, origin);
    if (t != MODEL_TIME_UNKNOWN)
        return t;
    *origin = file_time != MODEL_TIME_UNKNOWN ? MAILDATE_FROM_FILE : MAILDATE_FROM_NONE;
    return file_time;
}

static void utc(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, tm))
        memset(tm, 0, sizeof *tm);
}

/* Appends `v` (0-99) in two digits, and `sep` unless it is NUL. */
static char *put2(char *p, int v, char sep)
{
    *p++ = (char)('0' + v / 10);
    *p++ = (char)('0' + v % 10);
    if (sep)
        *p++ = sep;
    return p;
}

/* "HH:MM:SS" of `tm`. */
static char *put_time(char *p, const struct tm *tm)
{
    p = put2(p, tm->tm_hour, ':');
    p = put2(p, tm->tm_min, ':');
    return put2(p, tm->tm_sec, '\0');
}

/* The dates of mail are years 0 to 9999, formatted by hand (once a message); printf for the
 * rest. */
static bool plain_year(const struct tm *tm)
{
    return tm->tm_year >= -1900 && tm->tm_year <= 9999 - 1900;
}

void maildate_format_envelope(int64_t t, char out[64])
{
    struct tm tm;
    utc(t, &tm);
    if (!plain_year(&tm)) {
        snprintf(out, 64, "%.3s %.3s %02d %02d:%02d:%02d %04d", weekdays[tm.tm_wday % 7],
                 months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 tm.tm_year + 1900);
        return;
    }
    char *p = out;
    memcpy(p, weekdays[tm.tm_wday % 7], 3);
    p[3] = ' ';
    memcpy(p + 4, months[tm.tm_mon % 12], 3);
    p[7] = ' ';
    p = put2(p + 8, tm.tm_mday, ' ');
    p = put_time(p, &tm);
    *p++ = ' ';
    int year = tm.tm_year + 1900;
    p = put2(p, year / 100, '\0');
    p = put2(p, year % 100, '\0');
    *p = '\0';
}

void maildate_format_rfc5322(int64_t t, char out[64])
{
    struct tm tm;
    utc(t, &tm);
    if (!plain_year(&tm)) {
        snprintf(out, 64, "%.3s, %d %.3s %04d %02d:%02d:%02d +0000", weekdays[tm.tm_wday % 7],
                 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        return;
    }
    char *p = out;
    memcpy(p, weekdays[tm.tm_wday % 7], 3);
    p[3] = ',';
    p[4] = ' ';
    p += 5;
    if (tm.tm_mday >= 10)
        *p++ = (char)('0' + tm.tm_mday / 10);
    *p++ = (char)('0' + tm.tm_mday % 10);
    *p++ = ' ';
    memcpy(p, months[tm.tm_mon % 12], 3);
    p[3] = ' ';
    int year = tm.tm_year + 1900;
    p = put2(p + 4, year / 100, '\0');
    p = put2(p, year % 100, ' ');
    p = put_time(p, &tm);
    memcpy(p, " +0000", 7);
}
