/* child: running code that may crash, hang or eat memory in a process of its own.
 *
 * Third-party parsers without a fuzzing history (libesedb) read hostile files; a crash, a hang
 * or a runaway allocation inside them must not take the run down. child_run() forks, limits the
 * child (address space, processor time, no core file), runs the work function there and hands
 * what it writes to the parent's callback as it arrives; the parent kills the child when it
 * takes too long or writes too much, and says in one phrase how it ended. The child's error
 * output is kept (its last 8 KB) to tell a crash from running out of memory, never shown. A
 * signal the parent catches while it waits (the program's handlers are for Ctrl-C, TERM and
 * HUP) ends the child at once.
 *
 * The process itself is util/platform's (plat_child_*): on POSIX a fork with pipes, poll and
 * setrlimit; on Windows, which cannot fork, this program started again with a hidden role
 * argument (CreateProcessW), its output over pipes, a Job Object for the memory limit, killed
 * on timeout. A new process has none of the parent's memory, so on Windows only work named by
 * a role can run (child_run_role, served by child_serve in the new process); child_run, a
 * function with a pointer, works where the process is a fork.
 *
 * Under AddressSanitizer the memory limit is not set (its shadow memory is address space the
 * limit would count); child_memory_limited() says whether it is. */
#ifndef WLMIGRATE_CHILD_H
#define WLMIGRATE_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct child_limits {
    uint64_t memory;   /* bytes of address space the child may take beyond the parent's; 0: any */
    unsigned seconds;  /* wall-clock seconds before it is killed; 0: no limit */
    unsigned idle;     /* seconds without output before it is killed (a hang); 0: no limit */
    uint64_t output;   /* bytes of output accepted before it is killed; 0: any */
};

enum child_outcome {
    CHILD_DONE,            /* the work function returned */
    CHILD_CRASHED,         /* it ended (a signal, an exit) before its work function returned */
    CHILD_INTERRUPTED,     /* ended by SIGINT, SIGTERM or SIGHUP (Ctrl-C reaches it too), or
                              killed because a signal handler of the parent ran meanwhile */
    CHILD_TIMED_OUT,       /* killed after `seconds`, or `idle` seconds without output, or out
                              of processor time */
    CHILD_OUT_OF_MEMORY,   /* it said so before it ended (an allocation failed) */
    CHILD_TOO_MUCH,        /* killed: more than `output` bytes */
    CHILD_REFUSED,         /* killed: the data callback refused its output */
    CHILD_NOT_STARTED,     /* no process could be made */
};

struct child_result {
    enum child_outcome outcome;
    int signal;            /* the signal that ended it, or 0 */
    int exit_status;       /* its exit status when it exited, else -1 */
    char reason[256];      /* how it ended, a phrase: "crashed (signal 11)", "took longer than
                              600 s", "wrote nothing for 60 s", "ran out of memory (limit
                              512 MB)", "" when DONE */
};

/* Runs in the child: writes its output to `fd` (a pipe; blocking writes). */
typedef void (*child_work_fn)(void *ctx, int fd);
/* Runs in the parent with each piece of output as it arrives; nonzero refuses (kills). */
typedef int (*child_data_fn)(void *ctx, const void *data, size_t len);

/* Runs work(work_ctx, fd) in a child process within `limits`, passing its output to on_data.
 * Always fills `res`; the child is gone (reaped) when it returns. */
void child_run(child_work_fn work, void *work_ctx, child_data_fn on_data, void *data_ctx,
               const struct child_limits *limits, struct child_result *res);

/* Work that a new process can be asked to run by name: `work` reads `arg` (a path) and writes
 * to `fd`. */
struct child_role {
    const char *name;
    void (*work)(const char *arg, int fd);
};

/* child_run() of `role`'s work with `arg`: the same in a fork; on Windows the program is
 * started again with PLAT_CHILD_ARG, the role's name and `arg`. */
void child_run_role(const struct child_role *role, const char *arg, child_data_fn on_data,
                    void *data_ctx, const struct child_limits *limits, struct child_result *res);

/* In a process started by child_run_role(): runs the role that argv names (one of `roles`,
 * NULL-terminated) with its output on standard output, puts the exit code in *code and returns
 * true; false when argv is not such a call. */
bool child_serve(const struct child_role *const *roles, int argc, char **argv, int *code);

/* Whether child_run() applies the memory limit in this build. */
bool child_memory_limited(void);

#endif
