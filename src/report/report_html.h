/* report_html: the report as report.html, one page to hand to the client.
 *
 * Self-contained (no script, no network, its style inline) and in the chosen language
 * (util/i18n.h): what was moved per account and folder (found, written, unread, flagged), what
 * could not be and why, the address books, the settings to enter in the new client for each
 * account (with the Gmail sign-in steps), and where the result was put and how the client
 * imports it. Every number report.json holds is on the page; it prints on A4. */
#ifndef WLMIGRATE_REPORT_HTML_H
#define WLMIGRATE_REPORT_HTML_H

#include <stdio.h>

#include "model/model.h"
#include "report/report.h"

void report_write_html(const struct report *r, const struct model_store *store, FILE *out);

#endif
