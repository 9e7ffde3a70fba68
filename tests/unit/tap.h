/* tap: a minimal Test Anything Protocol emitter for the unit tests.
 *
 * Each unit test is a program that prints TAP on stdout; `prove` runs them beside the end-to-end
 * scripts. ok() records one assertion; tap_done() prints the plan and returns the exit code. */
#ifndef WLMIGRATE_TAP_H
#define WLMIGRATE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int tap_count;
static int tap_failed;

__attribute__((format(printf, 2, 3))) static int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    tap_count++;
    printf("%sok %d - ", cond ? "" : "not ", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

/* Compares two C strings (NULL allowed) and shows both on failure. */
__attribute__((unused)) static int is_str(const char *got, const char *want, const char *what)
{
    int same = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
    ok(same, "%s", what);
    if (!same)
        printf("#   got:  %s%s%s\n#   want: %s%s%s\n", got ? "'" : "", got ? got : "NULL",
               got ? "'" : "", want ? "'" : "", want ? want : "NULL", want ? "'" : "");
    return same;
}

__attribute__((unused)) static int is_int(long long got, long long want, const char *what)
{
    ok(got == want, "%s", what);
    if (got != want)
        printf("#   got:  %lld\n#   want: %lld\n", got, want);
    return got == want;
}

/* `s` as a C string literal for a test's name ("a\\nFrom b"), cut to fit `cap`: a table-driven
 * test names the input that failed, not its index. */
__attribute__((unused)) static const char *tap_quote(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    if (cap < 8)
        return "";
    out[o++] = '"';
    for (; s && *s && o + 6 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

#define TAP_CORPORA "../shared/corpora"

/* A check that reads a file of the third-party corpora (TAP_CORPORA, relative to the repository
 * root that prove runs from): 1 when `path` can be opened; otherwise one line
 * `ok N - WHAT # SKIP corpus missing: PATH` (or just TAP_CORPORA when that folder is absent, as
 * in a clone alone) and 0, and the caller leaves its checks out. In CI (CI set and not empty)
 * the same line is a failure, as with tests/e2e/wltest.py's Tap.skip. */
__attribute__((unused)) static int tap_need_file(const char *path, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        return 1;
    }
    struct stat st;
    const char *missing = stat(TAP_CORPORA, &st) == 0 ? path : TAP_CORPORA;
    const char *ci = getenv("CI");
    if (ci && *ci)
        ok(0, "%s (required for CI: corpus missing: %s)", what, missing);
    else
        ok(1, "%s # SKIP corpus missing: %s", what, missing);
    return 0;
}

static int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
