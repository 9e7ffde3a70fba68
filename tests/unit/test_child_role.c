/* Unit tests for util/child's roles: work named so that a new process can run it.
 *
 * The same program is the parent and, on Windows, the child: started again with the hidden
 * role argument, it serves the role (child_serve) instead of running the tests. On Linux the
 * child is a fork, and child_serve is tested on its own. Built with the MinGW compiler, this
 * runs under Wine: the spawn, the pipes, the Job Object's memory limit and the kill on timeout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util/buf.h"
#include "util/child.h"
#include "util/platform.h"
#include "util/xalloc.h"

#ifdef _WIN32
#include <windows.h>
#endif

static void write_str(int fd, const char *s)
{
    for (size_t n = strlen(s); n > 0;) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void echo_work(const char *arg, int fd)
{
    write_str(fd, "got: ");
    write_str(fd, arg);
}

static void crash_work(const char *arg, int fd)
{
    write_str(fd, arg);
    volatile int *nowhere = NULL;
    *nowhere = 1;
}

static void hang_work(const char *arg, int fd)
{
    (void)arg, (void)fd;
    for (;;) {
        double until = plat_monotonic_seconds() + 0.05;
        while (plat_monotonic_seconds() < until)
            ;
    }
}

/* Takes memory until an allocation fails (xalloc says "out of memory"), or 1 GB: a system
 * that does not apply the limit ends it DONE, not out of the machine's memory. */
static void eat_work(const char *arg, int fd)
{
    (void)arg, (void)fd;
    for (int i = 0; i < 64; i++) {
        char *p = xmalloc(16u << 20);
        memset(p, 1, 16u << 20);
    }
}

/* Wine runs the Windows form, but without a Job Object's memory limit. */
static bool memory_limit_enforced(void)
{
#ifdef _WIN32
    return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") == NULL;
#else
    return child_memory_limited();
#endif
}

static const char *served_arg;
static void note_work(const char *arg, int fd)
{
    (void)fd;
    served_arg = arg;
}

static const struct child_role echo = {"echo", echo_work}, crash = {"crash", crash_work},
                               hang = {"hang", hang_work}, eat = {"eat", eat_work},
                               note = {"note", note_work};
static const struct child_role *const roles[] = {&echo, &crash, &hang, &eat, &note, NULL};

static int collect(void *ctx, const void *data, size_t len)
{
    buf_append(ctx, data, len);
    return 0;
}

int main(int argc, char **argv)
{
    plat_init(&argc, &argv);
    int code;
    if (child_serve(roles, argc, argv, &code)) {
        plat_finish();
        return code;
    }
    struct child_result r;
    struct buf out = BUF_INIT;
    struct child_limits lim = {64u << 20, 20, 0, 0};

    child_run_role(&echo, "C:\\Mail \"quoted\"\\日本語\\", collect, &out, &lim, &r);
    ok(r.outcome == CHILD_DONE, "a role that finishes is DONE (%s)", r.reason);
    is_str(buf_str(&out), "got: C:\\Mail \"quoted\"\\日本語\\",
           "its argument arrives whole (spaces, quotes, backslashes, Japanese)");

    buf_reset(&out);
    child_run_role(&crash, "before the crash", collect, &out, &lim, &r);
    /* the reason: a signal (Linux), an exception (Windows), or a sanitizer that caught it */
    ok(r.outcome == CHILD_CRASHED && r.reason[0],
       "a role that writes through a null pointer: CRASHED (%s)", r.reason);
    is_str(buf_str(&out), "before the crash", "what it wrote first was passed on");

    struct child_limits one = {64u << 20, 1, 0, 0};
    double t0 = plat_monotonic_seconds();
    child_run_role(&hang, "", collect, &out, &one, &r);
    double took = plat_monotonic_seconds() - t0;
    ok(r.outcome == CHILD_TIMED_OUT && took < 10, "a hang: killed after its 1 s (%s, %.1f s)",
       r.reason, took);

    if (memory_limit_enforced()) {
        child_run_role(&eat, "", collect, &out, &lim, &r);
        ok(r.outcome == CHILD_OUT_OF_MEMORY, "eating memory beyond 64 MB: OUT_OF_MEMORY (%s)",
           r.reason);
    } else {
        ok(1, "memory limit # SKIP not applied here (AddressSanitizer, or Wine's jobs)");
    }

    /* child_serve on its own: the calls it takes and the ones it leaves */
    char *call[] = {argv[0], PLAT_CHILD_ARG, "note", "C:/x.edb", NULL};
    ok(child_serve(roles, 4, call, &code) && code == 0 && served_arg &&
           strcmp(served_arg, "C:/x.edb") == 0,
       "child_serve runs the role that argv names with its argument");
    char *unknown[] = {argv[0], PLAT_CHILD_ARG, "nosuch", "x", NULL};
    ok(child_serve(roles, 4, unknown, &code) && code == 2, "an unknown role: exit code 2");
    char *plain[] = {argv[0], "scan", "store", NULL};
    ok(!child_serve(roles, 3, plain, &code), "a command line of the program is not a role call");

    buf_free(&out);
    int rc = tap_done();
    plat_finish();
    return rc;
}
