/* json: a small streaming JSON writer.
 *
 * The report and `scan --json` are read by scripts, so they must be valid JSON whatever bytes the
 * store holds: strings are written as UTF-8 with invalid bytes replaced by U+FFFD, and commas
 * and indentation are managed here so that callers only say what comes next. */
#ifndef WLMIGRATE_JSON_H
#define WLMIGRATE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json;

struct json *json_new(FILE *out);
/* Finishes the last line and frees the writer (NULL allowed). */
void json_free(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* Inside an object: the next value's key. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s); /* NULL writes null */
void json_stringn(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Shorthands for a key and its value. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);


#endif
