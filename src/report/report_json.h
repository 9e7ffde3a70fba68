/* report_json: the report as report.json, for scripts (shape and version in README.md).
 *
 * `scan --json` renders its accounts and problems through the same functions, so both
 * documents spell an account and a problem alike. */
#ifndef WLMIGRATE_REPORT_JSON_H
#define WLMIGRATE_REPORT_JSON_H

#include <stdio.h>

#include "model/model.h"
#include "report/report.h"

struct json;
/* One account as a JSON object. */
void report_json_account(struct json *j, const struct model_account *a);
/* The key "problems" and its array. */
void report_json_problems(struct json *j, const struct report *r);
/* The advice a technician needs for an account in its new client, or NULL. */
const char *report_account_advice(const struct model_account *a);

/* The whole report with the store's accounts and the store kind. */
void report_write_json(const struct report *r, const struct model_store *store, FILE *out);

#endif
