/* json: streaming JSON writer with UTF-8 repair (see json.h). */
#include "report/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

#define JSON_MAX_DEPTH 64

struct json {
    FILE *out;
    int depth;
    bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
    bool after_key;
};

struct json *json_new(FILE *out)
{
    struct json *j = xcalloc(1, sizeof *j);
    j->out = out;
    return j;
}

void json_free(struct json *j)
{
    if (!j)
        return;
    fputc('\n', j->out);
    free(j);
}

static void newline(struct json *j)
{
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Everything that starts a value or a key goes through here for the comma and indentation. */
static void before_item(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = false;
    newline(j);
}

static void open_bracket(struct json *j, char c)
{
    before_item(j);
    fputc(c, j->out);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_bracket(struct json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        newline(j);
    fputc(c, j->out);
}

void json_object_begin(struct json *j) { open_bracket(j, '{'); }
void json_object_end(struct json *j) { close_bracket(j, '}'); }
void json_array_begin(struct json *j) { open_bracket(j, '['); }
void json_array_end(struct json *j) { close_bracket(j, ']'); }

/* Writes `len` bytes as a JSON string body (no quotes) into `out`, with invalid UTF-8 replaced. */
static void json_escape(FILE *out, const char *s, size_t len)
{
    size_t i = 0, run = 0; /* s[run..i) needs no escape: written in one piece */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
            size_t n = c < 0x80 ? 1 : utf8_sequence_length(s + i, len - i);
            if (n > 0) {
                i += n;
                continue;
            }
        }
        fwrite(s + run, 1, i - run, out);
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c >= 0x80)
                fputs("\\ufffd", out);
            else
                fprintf(out, "\\u%04x", c);
        }
        run = ++i;
    }
    fwrite(s + run, 1, i - run, out);
}

void json_key(struct json *j, const char *key)
{
    before_item(j);
    fputc('"', j->out);
    json_escape(j->out, key, strlen(key));
    fputs("\": ", j->out);
    j->after_key = true;
}

void json_stringn(struct json *j, const char *s, size_t len)
{
    before_item(j);
    fputc('"', j->out);
    json_escape(j->out, s, len);
    fputc('"', j->out);
}

void json_string(struct json *j, const char *s)
{
    if (!s)
        json_null(j);
    else
        json_stringn(j, s, strlen(s));
}

void json_int(struct json *j, int64_t v)
{
    before_item(j);
    fprintf(j->out, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
    before_item(j);
    fprintf(j->out, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
    before_item(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
    before_item(j);
    fputs("null", j->out);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j, s);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
    json_key(j, key);
    json_bool(j, v);
}
