/* report_text: the report as report.txt, for the technician and the client.
 *
 * Names are printed as UTF-8 with bytes that are not UTF-8 (and control characters) shown as
 * \xNN, so a hostile folder name cannot garble the terminal or the page. */
#ifndef WLMIGRATE_REPORT_TEXT_H
#define WLMIGRATE_REPORT_TEXT_H

#include <stdio.h>

#include "model/model.h"
#include "report/report.h"

void report_write_text(const struct report *r, const struct model_store *store, FILE *out);
/* One problem as a line: "  ! kind  path: sentence" ('!' when it lost something), the kind
 * padded to `kind_width` (report.txt and `scan` share it). */
void report_text_problem(FILE *out, const struct report_problem *p, int kind_width);

#endif
