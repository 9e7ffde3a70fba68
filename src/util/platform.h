/* platform: the one place that knows which operating system the program runs on.
 *
 * Everything else in the tree reaches files, directories, the console, argv, signals and other
 * processes through these calls, so that the program means the same on Linux and on Windows.
 * The rules it keeps on both:
 *  - a path is UTF-8 with '/' or '\\' between its parts; on Windows it becomes UTF-16 at the
 *    system call (CreateFileW, FindFirstFileW, GetFileAttributesExW, MoveFileExW ...) with the
 *    `\\?\` prefix (`\\?\UNC\` for `\\server\share`), so a path longer than 260 characters, a
 *    drive letter and a UNC path all work; no ANSI call is ever made;
 *  - reading never follows a final link: a symbolic link, and on Windows any reparse point (a
 *    junction too), is seen as a link and never opened or listed through;
 *  - a rename replaces its target atomically (rename(2); MoveFileExW with
 *    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
 *  - every call that fails sets errno (Windows errors are mapped onto the nearest errno), so
 *    the callers' messages stay as they are.
 * File descriptors are the C library's (on Windows, the CRT's over a handle), so read(),
 * write() and close() work on them as usual. The caller owns the strings it gets back. */
#ifndef WLMIGRATE_PLATFORM_H
#define WLMIGRATE_PLATFORM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* The format checking of printf-like functions (__attribute__((format))): mingw-w64's GCC
 * takes `printf` for msvcrt's printf, which knows no %zu or %lld, while the program uses
 * mingw-w64's own C99 printf (__USE_MINGW_ANSI_STDIO), which GCC calls gnu_printf. */
#ifdef __MINGW32__
#define PLAT_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#else
#define PLAT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

/* The GNU string functions the tree uses that MinGW's C library lacks, given here on Windows. */
#ifdef _WIN32
void *memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen);
void *memrchr(const void *s, int c, size_t n);
char *strcasestr(const char *haystack, const char *needle);
char *strndup(const char *s, size_t n);
#endif

/* ---- the process ----------------------------------------------------------------------- */

/* Sets up the process before anything else runs: the console for UTF-8 output (Windows: text
 * for a console goes through WriteConsoleW, bytes to a pipe or file stay UTF-8), and argv in
 * UTF-8 (Windows: taken from the UTF-16 command line). *argv may be replaced; it stays valid
 * until the process ends. */
void plat_init(int *argc, char ***argv);
/* Flushes and hands over what plat_init() set up; call before exit(). */
void plat_finish(void);
/* Ctrl-C, TERM and HUP (Windows: the console's Ctrl-C, Ctrl-Break and close events) set *flag
 * once; a second one ends the process at once, as the default action would (exit 130). */
void plat_catch_stop(volatile sig_atomic_t *flag);
/* The path of the running program, or NULL. */
char *plat_self_exe(void);
/* Whether this system can fork (POSIX), so that a function can run in a child process with
 * this process's memory; on Windows only a new process of the program itself can be made. */
bool plat_can_fork(void);
/* prepare() runs before every fork of this process, parent() and child() after it in each
 * (pthread_atfork); nothing on Windows, which never forks. */
void plat_at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void));
/* A temporary file open for reading and writing, deleted when it is closed (or when the
 * process ends), in the system's temporary folder; NULL with errno when none can be made. */
FILE *plat_tmpfile(void);
/* A stream whose bytes stay in memory (open_memstream; Windows, which has none: a temporary
 * file deleted when it is closed). plat_memstream_close() closes it and gives what was written,
 * malloc'd and NUL-terminated, its length in *len; NULL when it could not be read back. */
FILE *plat_memstream_open(void);
char *plat_memstream_close(FILE *f, size_t *len);
/* This process's id, and whether the process `pid` is alive (a lock file's owner). */
long plat_process_id(void);
bool plat_process_alive(long pid);
/* Sets an environment variable (UTF-8). 0, or -1 with errno. */
int plat_setenv(const char *name, const char *value);
/* An environment variable in UTF-8 (Windows: read as UTF-16), or NULL when unset. */
char *plat_getenv(const char *name);
/* Where the message catalogs are: `installed` (PREFIX/share/locale) on Linux; on Windows the
 * folder `locale` beside the program, which travels with it (a zip unpacked anywhere). */
char *plat_locale_dir(const char *installed);
/* bindtextdomain() with a UTF-8 directory (Windows: wbindtextdomain, so that a Japanese folder
 * name reaches the file system whole). */
void plat_bind_catalog(const char *domain, const char *dir);
/* strerror() in English, whatever the locale (report.json keeps English sentences). */
const char *plat_strerror_english(int errnum);
/* `len` random bytes from the system (getrandom or /dev/urandom; BCryptGenRandom). 0, or -1. */
int plat_random_bytes(void *out, size_t len);
/* Seconds on a clock that never goes back, for timings and timeouts. */
double plat_monotonic_seconds(void);

/* The current user's own store, for `scan` and `convert` without STORE: on Windows the
 * registry's `HKCU\Software\Microsoft\Windows Live Mail\Store Root` (its %VARS% expanded),
 * else `%LOCALAPPDATA%\Microsoft\Windows Live Mail`, else `...\Windows Mail`, the first that is
 * a directory; NULL elsewhere (Linux has no such store) and when none is there. */
char *plat_default_store(void);
/* Where `convert` writes without -o: on Windows `wlmigrate-YYYY-MM-DD` on the user's Desktop,
 * where a technician finds it again; NULL elsewhere (Linux asks for -o). */
char *plat_default_output(void);

/* ---- the console ------------------------------------------------------------------------ */

/* Whether `f` is a terminal (a console on Windows). */
bool plat_isatty(FILE *f);
/* Sends the C library's standard output to the null device until plat_quiet_end(), for a
 * library that prints (libytnef). Returns what plat_quiet_end() needs, or -1. */
int plat_quiet_begin(void);
void plat_quiet_end(int saved);

/* ---- files ------------------------------------------------------------------------------ */

enum plat_type { PLAT_DIR, PLAT_FILE, PLAT_LINK, PLAT_OTHER };

/* What stat says of a file, the same on every system. */
struct plat_stat {
    enum plat_type type;
    uint64_t size;   /* regular files only, else 0 */
    int64_t mtime;   /* seconds since 1970 (UTC) */
};

/* Opens for reading without following a final link, never becoming a controlling terminal.
 * A file descriptor, or -1 with errno. */
int plat_open_read(const char *path);

/* How plat_open_write() creates. */
enum plat_create {
    PLAT_CREATE_NEW,       /* fails with EEXIST when the name is taken */
    PLAT_CREATE_TRUNCATE,  /* replaces what is there (never through a final link) */
    PLAT_CREATE_KEEP,      /* opens what is there, else creates it (read and write) */
};
/* Opens for writing (mode 0644 where there are modes). A descriptor, or -1 with errno. */
int plat_open_write(const char *path, enum plat_create how);
/* The same as a stdio stream opened in binary mode ("wb", or "w+b" when `read_too`). */
FILE *plat_fopen_write(const char *path, enum plat_create how, bool read_too);

/* One positional read of up to `len` bytes at `offset`, not moving the file position: the
 * bytes read (0 at the end), or -1 with errno. */
ssize_t plat_pread(int fd, void *buf, size_t len, uint64_t offset);
/* One positional write of up to `len` bytes at `offset`, for a writer that counts its own
 * offset (the file position is not used): the bytes written, or -1 with errno. */
ssize_t plat_pwrite(int fd, const void *buf, size_t len, uint64_t offset);
/* Cuts or extends the open file to `size` bytes. */
int plat_ftruncate(int fd, uint64_t size);
/* The open file's type, size and time. 0, or -1 with errno. */
int plat_fstat(int fd, struct plat_stat *st);
/* The same of `path`: lstat never follows a final link; stat does. */
int plat_lstat(const char *path, struct plat_stat *st);
int plat_stat(const char *path, struct plat_stat *st);
/* Forces what was written to the open file onto the disk. */
int plat_fsync(int fd);
/* Starts writing `len` bytes at `offset` of the open file to the disk without waiting for
 * them (Linux's sync_file_range), so that the plat_fsync() that follows has less to wait
 * for; nothing where the system has no such call. It promises nothing: only plat_fsync does. */
void plat_write_back(int fd, uint64_t offset, uint64_t len);
/* Forces a directory's entries (a rename into it) onto the disk; a no-op on Windows, where the
 * rename itself is written through. */
int plat_fsync_dir(const char *path);
/* Takes an exclusive lock on the open file without waiting; -1 with EWOULDBLOCK (or EACCES)
 * when another process holds it. Held until the descriptor is closed. */
int plat_lock(int fd);
/* Whether another program holds a lock on the file `path` (Thunderbird's `.parentlock` or
 * `parent.lock`): a record lock on Linux, an open without sharing on Windows. */
bool plat_file_locked(const char *path);

/* `mode` (0755, 0700) where there are modes; Windows gives the folder its parent's rights. */
int plat_mkdir(const char *path, int mode);
int plat_rmdir(const char *path);
int plat_unlink(const char *path);
/* Renames `from` to `to`, atomically replacing `to` when it is a file. */
int plat_rename(const char *from, const char *to);
/* The target of the symbolic link `path`, or NULL with errno. */
char *plat_readlink(const char *path);

/* `path` for a library that opens files by a narrow name (libesedb): a copy on POSIX; on
 * Windows the UTF-8 of the `\\?\` name the system's wide calls take (absolute, backslashes, no
 * 260-character limit), which the libesedb that tools/windows/build-deps.sh builds opens with
 * CreateFileW (tools/windows/patches/libesedb-utf8-file-names.patch). NULL with errno when
 * `path` cannot be named. */
char *plat_library_path(const char *path);

/* ---- directories ------------------------------------------------------------------------ */

struct plat_dir;
/* Opens a directory for listing; a final link is refused (ELOOP, or ENOTDIR). */
struct plat_dir *plat_opendir(const char *path);
/* The next entry ("." and ".." left out), described without following a link; the name
 * stays valid until the next call. NULL at the end (errno 0) or on an error (errno set). */
const char *plat_readdir(struct plat_dir *d, struct plat_stat *st);
/* The same with the entry's type alone, as the listing itself gives it (Linux's d_type; a stat
 * only where the file system leaves it unknown): no system call per entry. */
const char *plat_readdir_type(struct plat_dir *d, enum plat_type *type);
/* Opens `name`, an entry of the open directory `d`, as plat_open_read() opens `path` (the same
 * file by its full path): the system looks up the name alone (openat), not every directory on
 * the way down; Windows, which has no such call, opens `path`. */
int plat_open_read_at(struct plat_dir *d, const char *name, const char *path);
void plat_closedir(struct plat_dir *d);

/* ---- child processes (util/child's) ----------------------------------------------------- */

/* What a child runs and within which limits. POSIX forks and calls work(ctx, fd) in the copy;
 * Windows cannot fork, so it starts this program again with the hidden arguments
 * PLAT_CHILD_ARG, `role` and `arg` (util/child's child_serve() runs the role there); a spec
 * without a role cannot start on Windows. */
struct plat_child_spec {
    void (*work)(void *ctx, int fd);
    void *ctx;
    const char *role, *arg;
    uint64_t memory;       /* bytes it may take beyond the parent's address space; 0: any */
    unsigned cpu_seconds;  /* processor time before the system ends it; 0: no limit (POSIX) */
};
#define PLAT_CHILD_ARG "--wlmigrate-child"

/* The streams of a child: what its work writes, its error output, and the word that its work
 * returned. */
enum plat_child_stream { PLAT_CHILD_OUT, PLAT_CHILD_ERR, PLAT_CHILD_DONE, PLAT_CHILD_STREAMS };
/* What plat_child_wait() saw besides a stream. */
#define PLAT_CHILD_TIMEOUT (-1)
#define PLAT_CHILD_INTERRUPTED (-2) /* a stop signal reached this process meanwhile */
#define PLAT_CHILD_FAILED (-3)

/* How a child ended. */
struct plat_child_exit {
    int signal;          /* the signal that ended it (POSIX), else 0 */
    int exit_status;     /* its exit status when it exited, else -1 */
    unsigned exception;  /* the exception that ended it (Windows: 0xC0000005 ...), else 0 */
    bool cpu_limit;      /* the system ended it for its processor time (SIGXCPU) */
    bool stopped;        /* ended by a stop signal (SIGINT, SIGTERM, SIGHUP; Ctrl-C) */
};

struct plat_child;
/* Starts a child as `spec` says. NULL with errno when no process could be made. */
struct plat_child *plat_child_start(const struct plat_child_spec *spec);
/* Waits up to `timeout_ms` (-1: as long as it takes) for one of the child's streams that are
 * still open and reads what it has into `buf`: returns that stream with *got bytes (0: the
 * stream ended), PLAT_CHILD_STREAMS once every stream has ended, or PLAT_CHILD_TIMEOUT,
 * PLAT_CHILD_INTERRUPTED, PLAT_CHILD_FAILED. */
int plat_child_wait(struct plat_child *c, int timeout_ms, void *buf, size_t cap, size_t *got);
/* Called first in a process started to serve a role (Windows): a crash then ends it at once
 * with the exception's code, with no dialog and no debugger. */
void plat_child_begin(void);
/* Ends the child at once (SIGKILL; TerminateJobObject). */
void plat_child_kill(struct plat_child *c);
/* Waits for the child to be gone, says how it ended and frees `c`. */
void plat_child_finish(struct plat_child *c, struct plat_child_exit *how);
/* Whether the memory limit is applied in this build (not under AddressSanitizer, whose
 * shadow memory is address space the limit would count). */
bool plat_child_memory_limited(void);

/* ---- paths ------------------------------------------------------------------------------ */

/* The canonical absolute path of an existing `path`, every link resolved, or NULL with errno
 * (ENOENT or ENOTDIR when some part does not exist). On Windows with '/' between the parts. */
char *plat_realpath(const char *path);
/* The current directory, or NULL with errno. */
char *plat_getcwd(void);
/* The length of the root at the start of `path` ("/"; "C:/", "//server/share/"), 0 when it is
 * relative. */
size_t plat_root_length(const char *path);
/* Whether `c` separates the parts of a path ('/'; also '\\' on Windows). */
bool plat_is_separator(char c);
/* Whether the file system compares names without regard to case (Windows), so that two names
 * that differ only in case are one file. */
bool plat_names_fold_case(void);

#endif
