/* child: work in a process of its own, within limits (see child.h). */
#include "util/child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

/* AddressSanitizer's shadow memory is terabytes of reserved address space: RLIMIT_AS would
 * count it, and its allocator grows inside what it reserved, which the limit does not see. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHILD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define CHILD_SANITIZED 1
#endif
#endif
#ifndef CHILD_SANITIZED
#define CHILD_SANITIZED 0
#endif

/* A sanitizer's hook run before it ends a process that failed a check; a fuzzer sets it to
 * save its input as a crash. A child is not the process that set it: it clears it (weak: the
 * hook exists only in sanitized builds). */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* The last bytes of the child's error output that are kept. */
#define ERR_KEEP 8192

bool child_memory_limited(void) { return !CHILD_SANITIZED; }

/* The address space the process has now, in bytes; 0 when unknown. */
static uint64_t address_space_now(void)
{
#ifdef __linux__
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long long pages = 0;
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
#else
    return 0;
#endif
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* The child's side: limits, the work, and the end. It never returns. */
static void run_child(child_work_fn work, void *ctx, int out_fd, int err_fd, int done_fd,
                      pid_t parent, const struct child_limits *lim, uint64_t space_now)
{
    /* Errors go to the parent's pipe, never to the terminal. */
    if (dup2(err_fd, STDERR_FILENO) < 0)
        raise(SIGKILL);
    /* Ctrl-C and a broken pipe end the child as they would any program. */
    static const int defaults[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXCPU};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        signal(defaults[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the parent killed: no orphan keeps reading */
#endif
    if (getppid() != parent)
        raise(SIGKILL);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(NULL);
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl); /* a crash of a parser is expected: no core file */
    if (lim->seconds) {
        rl.rlim_cur = (rlim_t)lim->seconds + 1;
        rl.rlim_max = (rlim_t)lim->seconds + 2;
        setrlimit(RLIMIT_CPU, &rl);
    }
    if (lim->memory && !CHILD_SANITIZED) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)(space_now + lim->memory);
        setrlimit(RLIMIT_AS, &rl);
    }
    work(ctx, out_fd);
    close(out_fd);
    write_all(done_fd, "D", 1);
    /* The child leaves without running the parent's atexit handlers or flushing its stdio
     * buffers a second time: what _exit() does, which the layout keeps to src/main.c. */
    raise(SIGKILL);
    for (;;)
        pause();
}

static void set_reason(struct child_result *res, enum child_outcome outcome, const char *fmt,
                       ...) __attribute__((format(printf, 3, 4)));

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

void child_run(child_work_fn work, void *work_ctx, child_data_fn on_data, void *data_ctx,
               const struct child_limits *limits, struct child_result *res)
{
    static const struct child_limits none = {0, 0, 0, 0};
    const struct child_limits *lim = limits ? limits : &none;
    *res = (struct child_result){CHILD_DONE, 0, -1, ""};
    int out[2] = {-1, -1}, err[2] = {-1, -1}, done[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
        pipe2(done, O_CLOEXEC) != 0) {
        set_reason(res, CHILD_NOT_STARTED, "could not be started (%s)", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (out[i] >= 0)
                close(out[i]);
            if (err[i] >= 0)
                close(err[i]);
            if (done[i] >= 0)
                close(done[i]);
        }
        return;
    }
    uint64_t space_now = lim->memory ? address_space_now() : 0;
    pid_t parent = getpid();
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        set_reason(res, CHILD_NOT_STARTED, "could not be started (%s)", strerror(errno));
        for (int i = 0; i < 2; i++) {
            close(out[i]);
            close(err[i]);
            close(done[i]);
        }
        return;
    }
    if (pid == 0) {
        close(out[0]);
        close(err[0]);
        close(done[0]);
        run_child(work, work_ctx, out[1], err[1], done[1], parent, lim, space_now);
    }
    close(out[1]);
    close(err[1]);
    close(done[1]);

    char errbuf[ERR_KEEP + 1];
    size_t errlen = 0;
    bool finished = false, timed_out = false, stalled = false, too_much = false, refused = false,
         interrupted = false;
    uint64_t total = 0;
    double start = now_seconds(), last_output = start;
    double deadline = lim->seconds ? start + lim->seconds : 0;
    struct pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {done[0], POLLIN, 0}};
    int open_fds = 3;
    char chunk[65536];
    while (open_fds > 0 && !timed_out && !stalled && !too_much && !refused && !interrupted) {
        int wait_ms = -1;
        double now = now_seconds();
        if (deadline && now >= deadline) {
            timed_out = true;
            break;
        }
        if (lim->idle && fds[0].fd >= 0 && now >= last_output + lim->idle) {
            stalled = true;
            break;
        }
        double next = deadline;
        if (lim->idle && fds[0].fd >= 0 && (!next || last_output + lim->idle < next))
            next = last_output + lim->idle;
        if (next)
            wait_ms = (int)((next - now) * 1000) + 1;
        int n = poll(fds, 3, wait_ms);
        if (n < 0 && errno == EINTR) {
            /* a handler of the parent ran: the program's are for stopping (Ctrl-C) */
            interrupted = true;
            break;
        }
        if (n < 0)
            break;
        for (int i = 0; i < 3; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0) {
                last_output = now_seconds();
                total += (uint64_t)got;
                if (lim->output && total > lim->output)
                    too_much = true;
                else if (on_data && on_data(data_ctx, chunk, (size_t)got) != 0)
                    refused = true;
            } else if (i == 1) {
                /* keep the last ERR_KEEP bytes */
                size_t g = (size_t)got;
                const char *src = chunk;
                if (g >= ERR_KEEP) {
                    src += g - ERR_KEEP;
                    g = ERR_KEEP;
                    errlen = 0;
                } else if (errlen + g > ERR_KEEP) {
                    size_t drop = errlen + g - ERR_KEEP;
                    memmove(errbuf, errbuf + drop, errlen - drop);
                    errlen -= drop;
                }
                memcpy(errbuf + errlen, src, g);
                errlen += g;
            } else if (memchr(chunk, 'D', (size_t)got)) {
                finished = true;
            }
        }
    }
    if (open_fds > 0 || timed_out || stalled || too_much || refused || interrupted)
        kill(pid, SIGKILL);
    for (int i = 0; i < 3; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    errbuf[errlen] = '\0';
    /* NUL bytes in the kept output would end the searches early */
    for (size_t i = 0; i < errlen; i++)
        if (errbuf[i] == '\0')
            errbuf[i] = ' ';
    if (WIFSIGNALED(status))
        res->signal = WTERMSIG(status);
    if (WIFEXITED(status))
        res->exit_status = WEXITSTATUS(status);

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
        if (lim->memory && !CHILD_SANITIZED)
            set_reason(res, CHILD_OUT_OF_MEMORY, "ran out of memory (limit %llu MB)",
                       (unsigned long long)(lim->memory >> 20));
        else
            set_reason(res, CHILD_OUT_OF_MEMORY, "ran out of memory");
    } else if (res->signal == SIGXCPU)
        set_reason(res, CHILD_TIMED_OUT, "used more than %u s of processor time",
                   lim->seconds);
    else if (res->signal == SIGINT || res->signal == SIGTERM || res->signal == SIGHUP)
        set_reason(res, CHILD_INTERRUPTED, "was interrupted (signal %d)", res->signal);
    else if (sanitizer_summary(errbuf, summary, sizeof summary))
        set_reason(res, CHILD_CRASHED, "crashed (%s)", summary);
    else if (res->signal)
        set_reason(res, CHILD_CRASHED, "crashed (signal %d)", res->signal);
    else
        set_reason(res, CHILD_CRASHED, "ended early (exit status %d)", res->exit_status);
}
