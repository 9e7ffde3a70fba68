/* maildate: message dates between RFC 5322 text and Unix time, and the one rule for which date a
 * message has.
 *
 * The mbox envelope and the repaired Date header need a date in a fixed form; the store gives
 * times, messages give Date and Received headers in every form real mailers wrote. Parsing is
 * GMime's (it knows the obsolete forms) after comments are stripped, which GMime's parser does
 * not do ("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600" is a valid RFC 5322 date);
 * formatting is ours, always in UTC.
 *
 * A message's own date is its Date header, else the first Received header whose date can be
 * read. The date it is filed under (the mbox `From ` line, the PST's delivery time, the order in
 * which a writer that splits folders gets them) is the store's received time when the store
 * recorded one, else its own date, else the file's time. Both are computed here and nowhere
 * else. */
#ifndef WLMIGRATE_MAILDATE_H
#define WLMIGRATE_MAILDATE_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "normalize/rfc822.h"

/* Unix time of an RFC 5322 date, or MODEL_TIME_UNKNOWN when it cannot be read. */
int64_t maildate_parse(const char *text);
/* The date of a Received header: what follows its last ';' (comments stripped first). */
int64_t maildate_parse_received(const char *value);

/* Where a message's date came from. */
enum date_origin {
    MAILDATE_FROM_STORE,    /* the store's received time */
    MAILDATE_FROM_DATE,     /* the Date header */
    MAILDATE_FROM_RECEIVED, /* a Received header */
    MAILDATE_FROM_FILE,     /* the file's modification time */
    MAILDATE_FROM_NONE,     /* nothing gave one */
};

/* "store", "Date", "Received", "file time", "none" (as `show` and the report name them). */
const char *maildate_origin_name(enum date_origin origin);

/* The message's own date from its raw header block (Date, else the first readable Received):
 * MODEL_TIME_UNKNOWN and MAILDATE_FROM_NONE when neither gives one. */
int64_t maildate_of_header(const char *hdr, size_t len, enum date_origin *origin);
/* The fields the date rule reads, for rfc822_fields_find(). */
#define MAILDATE_FIELDS ((1u << RFC822_DATE) | (1u << RFC822_RECEIVED))
/* The same from the block's fields already found (rfc822_fields_find over `hdr`, `len`, with
 * at least MAILDATE_FIELDS). */
int64_t maildate_of_fields(const char *hdr, size_t len, const struct rfc822_fields *fs,
                           enum date_origin *origin);

/* The date the message is filed under: `store_time` when known, else its own date (from the
 * fields `fs` of `hdr`), else `file_time` (MODEL_TIME_UNKNOWN allowed for either). */
int64_t maildate_filed(const char *hdr, size_t len, const struct rfc822_fields *fs,
                       int64_t store_time, int64_t file_time,
                       enum date_origin *origin);

/* "Sat Nov 28 02:50:07 2026" (UTC, day zero-padded as Thunderbird writes it) for an mbox `From ` line; 25 bytes with NUL. */
void maildate_format_envelope(int64_t t, char out[64]);
/* "Sat, 28 Nov 2026 02:50:07 +0000" for a Date header. */
void maildate_format_rfc5322(int64_t t, char out[64]);

#endif
