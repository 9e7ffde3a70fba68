/* maildate: message dates between RFC 5322 text and Unix time.
 *
 * The mbox envelope and the repaired Date header need a date in a fixed form; the store gives
 * times, messages give Date and Received headers in every form real mailers wrote. Parsing is
 * GMime's (it knows the obsolete forms); formatting is ours, always in UTC. */
#ifndef WLMIGRATE_MAILDATE_H
#define WLMIGRATE_MAILDATE_H

#include <stdint.h>

#include "model/model.h"

/* Unix time of an RFC 5322 date, or MODEL_TIME_UNKNOWN when it cannot be read. */
int64_t maildate_parse(const char *text);
/* The date of a Received header: what follows its last ';'. */
int64_t maildate_parse_received(const char *value);

/* "Sat Nov 28 02:50:07 2026" (UTC, day zero-padded as Thunderbird writes it) for an mbox `From ` line; 25 bytes with NUL. */
void maildate_format_envelope(int64_t t, char out[64]);
/* "Sat, 28 Nov 2026 02:50:07 +0000" for a Date header. */
void maildate_format_rfc5322(int64_t t, char out[64]);

#endif
