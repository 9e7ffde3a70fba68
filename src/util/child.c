/* child: work in a process of its own, within limits (see child.h). */
#include "util/child.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/platform.h"

/* The last bytes of the child's error output that are kept. */
#define ERR_KEEP 8192

bool child_memory_limited(void) { return plat_child_memory_limited(); }

static void set_reason(struct child_result *res, enum child_outcome outcome, const char *fmt,
                       ...) PLAT_PRINTF(3, 4);

static void set_reason(struct child_result *res, enum child_outcome outcome, const char *fmt,
                       ...)
{
    res->outcome = outcome;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    va_end(ap);
}

/* The sanitizer's word on the crash ("AddressSanitizer: heap-buffer-overflow"), or NULL. */
static bool sanitizer_summary(const char *err, char *out, size_t outlen)
{
    static const char *const names[] = {"AddressSanitizer: ", "UndefinedBehaviorSanitizer: ",
                                        "LeakSanitizer: ", "MemorySanitizer: ",
                                        "ThreadSanitizer: "};
    const char *s = strstr(err, "SUMMARY: ");
    for (size_t i = 0; !s && i < sizeof names / sizeof names[0]; i++)
        s = strstr(err, names[i]);
    if (!s)
        return false;
    if (strncmp(s, "SUMMARY: ", 9) == 0)
        s += 9;
    size_t n = strcspn(s, "\n");
    /* "AddressSanitizer: heap-buffer-overflow (/lib/...)": up to the first word after ": " */
    const char *colon = memchr(s, ':', n);
    if (colon && colon + 2 < s + n) {
        const char *w = colon + 2;
        size_t wl = strcspn(w, " \n");
        n = (size_t)(w - s) + wl;
    }
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static bool said_out_of_memory(const char *err)
{
    return strstr(err, "out of memory") || strstr(err, "allocation-size-too-big") ||
           strstr(err, "requested allocation size") || strstr(err, "rss-limit-exceeded") ||
           strstr(err, "allocator is out of memory");
}

/* Runs `spec` in a child within `lim` and says how it ended (see child.h). */
static void run(const struct plat_child_spec *spec, child_data_fn on_data, void *data_ctx,
                const struct child_limits *lim, struct child_result *res)
{
    *res = (struct child_result){CHILD_DONE, 0, -1, ""};
    struct plat_child *c = plat_child_start(spec);
    if (!c) {
        set_reason(res, CHILD_NOT_STARTED, "could not be started (%s)", strerror(errno));
        return;
    }
    char errbuf[ERR_KEEP + 1];
    size_t errlen = 0;
    bool finished = false, timed_out = false, stalled = false, too_much = false, refused = false,
         interrupted = false, out_open = true, failed = false;
    int open_streams = PLAT_CHILD_STREAMS;
    uint64_t total = 0;
    double start = plat_monotonic_seconds(), last_output = start;
    double deadline = lim->seconds ? start + lim->seconds : 0;
    char chunk[65536];
    while (open_streams > 0 && !timed_out && !stalled && !too_much && !refused && !interrupted &&
           !failed) {
        int wait_ms = -1;
        double now = plat_monotonic_seconds();
        if (deadline && now >= deadline) {
            timed_out = true;
            break;
        }
        if (lim->idle && out_open && now >= last_output + lim->idle) {
            stalled = true;
            break;
        }
        double next = deadline;
        if (lim->idle && out_open && (!next || last_output + lim->idle < next))
            next = last_output + lim->idle;
        if (next)
            wait_ms = (int)((next - now) * 1000) + 1;
        size_t got = 0;
        int stream = plat_child_wait(c, wait_ms, chunk, sizeof chunk, &got);
        if (stream == PLAT_CHILD_INTERRUPTED) {
            interrupted = true;
        } else if (stream == PLAT_CHILD_FAILED) {
            failed = true;
        } else if (stream == PLAT_CHILD_STREAMS) {
            open_streams = 0;
        } else if (stream >= 0 && got == 0) {
            open_streams--;
            if (stream == PLAT_CHILD_OUT)
                out_open = false;
        } else if (stream == PLAT_CHILD_OUT) {
            last_output = plat_monotonic_seconds();
            total += (uint64_t)got;
            if (lim->output && total > lim->output)
                too_much = true;
            else if (on_data && on_data(data_ctx, chunk, got) != 0)
                refused = true;
        } else if (stream == PLAT_CHILD_ERR) {
            /* keep the last ERR_KEEP bytes */
            const char *src = chunk;
            if (got >= ERR_KEEP) {
                src += got - ERR_KEEP;
                got = ERR_KEEP;
                errlen = 0;
            } else if (errlen + got > ERR_KEEP) {
                size_t drop = errlen + got - ERR_KEEP;
                memmove(errbuf, errbuf + drop, errlen - drop);
                errlen -= drop;
            }
            memcpy(errbuf + errlen, src, got);
            errlen += got;
        } else if (stream == PLAT_CHILD_DONE && memchr(chunk, 'D', got)) {
            finished = true;
        }
    }
    if (open_streams > 0 || timed_out || stalled || too_much || refused || interrupted)
        plat_child_kill(c);
    struct plat_child_exit how;
    plat_child_finish(c, &how);
    errbuf[errlen] = '\0';
    /* NUL bytes in the kept output would end the searches early */
    for (size_t i = 0; i < errlen; i++)
        if (errbuf[i] == '\0')
            errbuf[i] = ' ';
    res->signal = how.signal;
    res->exit_status = how.exit_status;

    char summary[160];
    if (timed_out)
        set_reason(res, CHILD_TIMED_OUT, "took longer than %u s", lim->seconds);
    else if (stalled)
        set_reason(res, CHILD_TIMED_OUT, "wrote nothing for %u s", lim->idle);
    else if (too_much)
        set_reason(res, CHILD_TOO_MUCH, "wrote more than %llu MB",
                   (unsigned long long)(lim->output >> 20));
    else if (refused)
        set_reason(res, CHILD_REFUSED, "wrote what the reader refused");
    else if (interrupted)
        set_reason(res, CHILD_INTERRUPTED, "was interrupted");
    else if (finished)
        set_reason(res, CHILD_DONE, "%s", "");
    else if (said_out_of_memory(errbuf)) {
        if (lim->memory && plat_child_memory_limited())
            set_reason(res, CHILD_OUT_OF_MEMORY, "ran out of memory (limit %llu MB)",
                       (unsigned long long)(lim->memory >> 20));
        else
            set_reason(res, CHILD_OUT_OF_MEMORY, "ran out of memory");
    } else if (how.cpu_limit)
        set_reason(res, CHILD_TIMED_OUT, "used more than %u s of processor time",
                   lim->seconds);
    else if (how.stopped && how.signal)
        set_reason(res, CHILD_INTERRUPTED, "was interrupted (signal %d)", res->signal);
    else if (how.stopped)
        set_reason(res, CHILD_INTERRUPTED, "was interrupted");
    else if (sanitizer_summary(errbuf, summary, sizeof summary))
        set_reason(res, CHILD_CRASHED, "crashed (%s)", summary);
    else if (res->signal)
        set_reason(res, CHILD_CRASHED, "crashed (signal %d)", res->signal);
    else if (how.exception)
        set_reason(res, CHILD_CRASHED, "crashed (exception 0x%08X)", how.exception);
    else
        set_reason(res, CHILD_CRASHED, "ended early (exit status %d)", res->exit_status);
}

static const struct child_limits no_limits = {0, 0, 0, 0};

void child_run(child_work_fn work, void *work_ctx, child_data_fn on_data, void *data_ctx,
               const struct child_limits *limits, struct child_result *res)
{
    const struct child_limits *lim = limits ? limits : &no_limits;
    struct plat_child_spec spec = {work, work_ctx, NULL, NULL, lim->memory, lim->seconds};
    run(&spec, on_data, data_ctx, lim, res);
}

/* In a forked child: the role's work on the argument. */
struct role_call {
    const struct child_role *role;
    const char *arg;
};

static void role_work(void *ctx, int fd)
{
    const struct role_call *call = ctx;
    call->role->work(call->arg, fd);
}

void child_run_role(const struct child_role *role, const char *arg, child_data_fn on_data,
                    void *data_ctx, const struct child_limits *limits, struct child_result *res)
{
    const struct child_limits *lim = limits ? limits : &no_limits;
    struct role_call call = {role, arg};
    struct plat_child_spec spec = {role_work, &call, role->name, arg, lim->memory, lim->seconds};
    run(&spec, on_data, data_ctx, lim, res);
}

bool child_serve(const struct child_role *const *roles, int argc, char **argv, int *code)
{
    if (argc != 4 || strcmp(argv[1], PLAT_CHILD_ARG) != 0)
        return false;
    *code = 2;
    plat_child_begin();
    for (size_t i = 0; roles[i]; i++)
        if (strcmp(roles[i]->name, argv[2]) == 0) {
            roles[i]->work(argv[3], 1);
            *code = 0;
        }
    return true;
}
