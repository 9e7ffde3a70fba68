/* Unit tests for src/util/child: work in a process of its own, and how it ended. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "util/buf.h"
#include "util/child.h"
#include "util/xalloc.h"

static int global_value = 1;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void write_str(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static int collect(void *ctx, const void *data, size_t len)
{
    buf_append(ctx, data, len);
    return 0;
}

static int refuse(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)data, (void)len;
    return 1;
}

static void work_hello(void *ctx, int fd)
{
    (void)ctx;
    global_value = 2; /* the child's copy only */
    write_str(fd, "hello ");
    write_str(fd, "world");
}

static void work_big(void *ctx, int fd)
{
    size_t n = *(size_t *)ctx;
    char *block = xmalloc(65536);
    memset(block, 'x', 65536);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 65536 ? n - done : 65536;
        ssize_t w = write(fd, block, k);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    free(block);
}

static void work_crash(void *ctx, int fd)
{
    (void)ctx;
    write_str(fd, "partial");
    raise(SIGSEGV);
}

static void work_abort(void *ctx, int fd)
{
    (void)ctx, (void)fd;
    abort();
}

static void work_hang(void *ctx, int fd)
{
    (void)ctx, (void)fd;
    for (;;)
        sleep(10);
}

static void work_slow(void *ctx, int fd)
{
    (void)ctx;
    for (int i = 0; i < 6; i++) {
        write_str(fd, "x");
        usleep(400000);
    }
}

static void work_eat(void *ctx, int fd)
{
    (void)ctx, (void)fd;
    for (;;) {
        char *p = xmalloc(16u << 20); /* xalloc says "out of memory" when one fails */
        memset(p, 1, 16u << 20);
    }
}

static void work_interrupted(void *ctx, int fd)
{
    (void)ctx, (void)fd;
    raise(SIGTERM);
}

int main(void)
{
    struct child_result r;
    struct buf out = BUF_INIT;
    struct child_limits lim = {256u << 20, 20, 0, 0};

    child_run(work_hello, NULL, collect, &out, &lim, &r);
    ok(r.outcome == CHILD_DONE && r.reason[0] == '\0', "a child that finishes is DONE (%s)",
       r.reason);
    is_str(buf_str(&out), "hello world", "its output reaches the parent whole");
    is_int(global_value, 1, "what the child changes stays in the child");

    buf_reset(&out);
    size_t big = 3u << 20;
    child_run(work_big, &big, collect, &out, &lim, &r);
    ok(r.outcome == CHILD_DONE && out.len == big, "3 MB of output arrive in pieces (%zu bytes)",
       out.len);

    buf_reset(&out);
    struct child_limits small = {256u << 20, 20, 0, 1u << 20};
    child_run(work_big, &big, collect, &out, &small, &r);
    ok(r.outcome == CHILD_TOO_MUCH && out.len <= (1u << 20), "output over its limit: TOO_MUCH, "
       "killed (%s, %zu bytes passed on)", r.reason, out.len);
    is_str(r.reason, "wrote more than 1 MB", "the reason names the limit");

    buf_reset(&out);
    child_run(work_hello, NULL, refuse, NULL, &lim, &r);
    ok(r.outcome == CHILD_REFUSED, "output the parent refuses: REFUSED (%s)", r.reason);

    buf_reset(&out);
    child_run(work_crash, NULL, collect, &out, &lim, &r);
    ok(r.outcome == CHILD_CRASHED && strncmp(r.reason, "crashed (", 9) == 0,
       "a segmentation fault: CRASHED, \"%s\"", r.reason);
    is_str(buf_str(&out), "partial", "what it wrote before the crash was passed on");
    if (r.signal)
        is_str(r.reason, "crashed (signal 11)", "the reason names the signal");

    child_run(work_abort, NULL, NULL, NULL, &lim, &r);
    ok(r.outcome == CHILD_CRASHED, "abort(): CRASHED (%s)", r.reason);

    child_run(work_interrupted, NULL, NULL, NULL, &lim, &r);
    ok(r.outcome == CHILD_INTERRUPTED && strstr(r.reason, "signal 15"),
       "SIGTERM: INTERRUPTED (%s)", r.reason);

    struct child_limits quick = {256u << 20, 1, 0, 0};
    time_t t0 = time(NULL);
    child_run(work_hang, NULL, NULL, NULL, &quick, &r);
    time_t took = time(NULL) - t0;
    ok(r.outcome == CHILD_TIMED_OUT && took <= 3, "a hang: killed after its 1 s (%s, %lld s)",
       r.reason, (long long)took);
    is_str(r.reason, "took longer than 1 s", "the reason names the time limit");

    struct child_limits idle = {256u << 20, 20, 1, 0};
    t0 = time(NULL);
    child_run(work_hang, NULL, NULL, NULL, &idle, &r);
    took = time(NULL) - t0;
    ok(r.outcome == CHILD_TIMED_OUT && took <= 3, "a hang: killed after 1 s without output (%s, "
       "%lld s)", r.reason, (long long)took);
    is_str(r.reason, "wrote nothing for 1 s", "the reason names the idle limit");

    buf_reset(&out);
    child_run(work_slow, NULL, collect, &out, &idle, &r);
    ok(r.outcome == CHILD_DONE && out.len == 6, "a child writing every 0.4 s for 2 s is not idle "
       "(%s)", r.reason);

    if (child_memory_limited()) {
        struct child_limits mem = {64u << 20, 20, 0, 0};
        child_run(work_eat, NULL, NULL, NULL, &mem, &r);
        ok(r.outcome == CHILD_OUT_OF_MEMORY, "an allocation beyond 64 MB fails: OUT_OF_MEMORY "
           "(%s)", r.reason);
        is_str(r.reason, "ran out of memory (limit 64 MB)", "the reason names the limit");
    } else {
        ok(1, "# SKIP the memory limit is not set under AddressSanitizer");
    }

    /* a handler of the parent runs while it waits: the child is ended */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    alarm(1);
    t0 = time(NULL);
    child_run(work_hang, NULL, NULL, NULL, &lim, &r);
    took = time(NULL) - t0;
    sigaction(SIGALRM, &old, NULL);
    ok(r.outcome == CHILD_INTERRUPTED && took <= 3 && alarms == 1,
       "a signal handled by the parent ends the child (%s, %lld s)", r.reason, (long long)took);

    buf_reset(&out);
    child_run(work_hello, NULL, collect, &out, NULL, &r);
    ok(r.outcome == CHILD_DONE && strcmp(buf_str(&out), "hello world") == 0,
       "no limits: DONE");
    buf_free(&out);
    return tap_done();
}
