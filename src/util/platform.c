/* platform: the system calls of Linux (POSIX) and of Windows behind one API (see platform.h).
 *
 * The only file of the tree that asks which system it is built for. The POSIX half is what the
 * program always did, moved here unchanged. The Windows half keeps the same meaning with the
 * wide-character API: paths go from UTF-8 to UTF-16 in one function (wide_path), which makes
 * them absolute and gives them the `\\?\` prefix that lifts the 260-character limit; reparse
 * points are opened as themselves (FILE_FLAG_OPEN_REPARSE_POINT) and refused or reported as
 * links, never followed; the CRT's descriptors are made over the handles, so read(), write()
 * and close() keep working in the rest of the tree. */
#include "util/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#ifndef _WIN32

#include <dirent.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

/* ---- the process (POSIX) ---------------------------------------------------------------- */

void plat_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

void plat_finish(void) {}

static volatile sig_atomic_t *stop_flag;

static void on_stop_signal(int sig)
{
    (void)sig;
    *stop_flag = 1;
}

void plat_catch_stop(volatile sig_atomic_t *flag)
{
    stop_flag = flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C ends the run at once; the next run cleans up */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

char *plat_self_exe(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    return xstrdup(self);
}

bool plat_can_fork(void) { return true; }

void plat_at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    pthread_atfork(prepare, parent, child);
}

/* open_memstream wants its two pointers to stay where they are until fclose: each open stream
 * keeps them in a node of this list. */
struct memstream {
    FILE *f;
    char *text;
    size_t len;
    struct memstream *next;
};
static struct memstream *memstreams;
static pthread_mutex_t memstreams_lock = PTHREAD_MUTEX_INITIALIZER;

FILE *plat_tmpfile(void)
{
    return tmpfile();
}

FILE *plat_memstream_open(void)
{
    struct memstream *m = xcalloc(1, sizeof *m);
    m->f = open_memstream(&m->text, &m->len);
    if (!m->f) {
        free(m);
        return NULL;
    }
    pthread_mutex_lock(&memstreams_lock);
    m->next = memstreams;
    memstreams = m;
    pthread_mutex_unlock(&memstreams_lock);
    return m->f;
}

char *plat_memstream_close(FILE *f, size_t *len)
{
    pthread_mutex_lock(&memstreams_lock);
    struct memstream **p = &memstreams;
    while (*p && (*p)->f != f)
        p = &(*p)->next;
    struct memstream *m = *p;
    if (m)
        *p = m->next;
    pthread_mutex_unlock(&memstreams_lock);
    if (!m)
        return NULL;
    bool good = fclose(f) == 0;
    char *text = good ? m->text : NULL;
    *len = good ? m->len : 0;
    if (!good)
        free(m->text);
    free(m);
    return text;
}

long plat_process_id(void) { return (long)getpid(); }

bool plat_process_alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

int plat_setenv(const char *name, const char *value) { return setenv(name, value, 1); }

char *plat_getenv(const char *name)
{
    const char *v = getenv(name);
    return v ? xstrdup(v) : NULL;
}

char *plat_locale_dir(const char *installed) { return xstrdup(installed); }

const char *plat_strerror_english(int errnum)
{
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c_locale ? strerror_l(errnum, c_locale) : strerror(errnum);
}

void plat_bind_catalog(const char *domain, const char *dir) { bindtextdomain(domain, dir); }

int plat_random_bytes(void *out, size_t len)
{
    unsigned char *p = out;
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(p + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == len)
        return 0;
    /* a kernel without getrandom(2) */
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    return got == len ? 0 : -1;
}

double plat_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *plat_default_store(void) { return NULL; }

char *plat_default_output(void) { return NULL; }

/* ---- the console (POSIX) ---------------------------------------------------------------- */

bool plat_isatty(FILE *f) { return isatty(fileno(f)) == 1; }

int plat_quiet_begin(void)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    if (saved < 0)
        return -1;
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
        if (null >= 0)
            close(null);
        close(saved);
        return -1;
    }
    close(null);
    return saved;
}

void plat_quiet_end(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}

/* ---- files (POSIX) ---------------------------------------------------------------------- */

static void stat_from(const struct stat *s, struct plat_stat *st)
{
    st->type = S_ISDIR(s->st_mode) ? PLAT_DIR
               : S_ISREG(s->st_mode) ? PLAT_FILE
               : S_ISLNK(s->st_mode) ? PLAT_LINK
                                     : PLAT_OTHER;
    st->size = S_ISREG(s->st_mode) ? (uint64_t)s->st_size : 0;
    st->mtime = (int64_t)s->st_mtime;
}

int plat_open_read(const char *path)
{
    return open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

static int create_flags(enum plat_create how)
{
    switch (how) {
    case PLAT_CREATE_NEW: return O_WRONLY | O_CREAT | O_EXCL;
    case PLAT_CREATE_TRUNCATE: return O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
    case PLAT_CREATE_KEEP: break;
    }
    return O_RDWR | O_CREAT | O_NOFOLLOW;
}

int plat_open_write(const char *path, enum plat_create how)
{
    return open(path, create_flags(how) | O_CLOEXEC, 0644);
}

FILE *plat_fopen_write(const char *path, enum plat_create how, bool read_too)
{
    int flags = create_flags(how);
    if (read_too)
        flags = (flags & ~O_WRONLY) | O_RDWR;
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, read_too ? "w+b" : "wb");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

ssize_t plat_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    return pread(fd, buf, len, (off_t)offset);
}

ssize_t plat_pwrite(int fd, const void *buf, size_t len, uint64_t offset)
{
    return pwrite(fd, buf, len, (off_t)offset);
}

int plat_ftruncate(int fd, uint64_t size) { return ftruncate(fd, (off_t)size); }

int plat_fstat(int fd, struct plat_stat *st)
{
    struct stat s;
    if (fstat(fd, &s) != 0)
        return -1;
    stat_from(&s, st);
    return 0;
}

int plat_lstat(const char *path, struct plat_stat *st)
{
    struct stat s;
    if (lstat(path, &s) != 0)
        return -1;
    stat_from(&s, st);
    return 0;
}

int plat_stat(const char *path, struct plat_stat *st)
{
    struct stat s;
    if (stat(path, &s) != 0)
        return -1;
    stat_from(&s, st);
    return 0;
}

int plat_fsync(int fd) { return fsync(fd); }

void plat_write_back(int fd, uint64_t offset, uint64_t len)
{
#ifdef __linux__
    sync_file_range(fd, (off_t)offset, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)offset;
    (void)len;
#endif
}

int plat_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int plat_lock(int fd) { return flock(fd, LOCK_EX | LOCK_NB); }

bool plat_file_locked(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    bool held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

int plat_mkdir(const char *path, int mode) { return mkdir(path, (mode_t)mode); }
int plat_rmdir(const char *path) { return rmdir(path); }
int plat_unlink(const char *path) { return unlink(path); }
int plat_rename(const char *from, const char *to) { return rename(from, to); }

char *plat_library_path(const char *path) { return xstrdup(path); }

char *plat_readlink(const char *path)
{
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return NULL;
    target[n] = '\0';
    return xstrdup(target);
}

/* ---- directories (POSIX) ---------------------------------------------------------------- */

struct plat_dir {
    DIR *d;
    int fd;
};

struct plat_dir *plat_opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    struct plat_dir *pd = xmalloc(sizeof *pd);
    *pd = (struct plat_dir){d, fd};
    return pd;
}

/* The next entry but "." and "..", or NULL (errno 0 at the end). */
static struct dirent *next_entry(struct plat_dir *d)
{
    struct dirent *de;
    do {
        errno = 0;
        de = readdir(d->d);
    } while (de && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0));
    return de;
}

/* The entry `name` of `d` described without following a link (PLAT_OTHER when it cannot be). */
static void stat_entry(struct plat_dir *d, const char *name, struct plat_stat *st)
{
    struct stat s;
    *st = (struct plat_stat){PLAT_OTHER, 0, 0};
    if (fstatat(d->fd, name, &s, AT_SYMLINK_NOFOLLOW) == 0)
        stat_from(&s, st);
}

const char *plat_readdir(struct plat_dir *d, struct plat_stat *st)
{
    struct dirent *de = next_entry(d);
    if (!de)
        return NULL;
    stat_entry(d, de->d_name, st);
    errno = 0;
    return de->d_name;
}

const char *plat_readdir_type(struct plat_dir *d, enum plat_type *type)
{
    struct dirent *de = next_entry(d);
    if (!de)
        return NULL;
    switch (de->d_type) {
    case DT_DIR: *type = PLAT_DIR; break;
    case DT_REG: *type = PLAT_FILE; break;
    case DT_LNK: *type = PLAT_LINK; break;
    case DT_UNKNOWN: {
        struct plat_stat st;
        stat_entry(d, de->d_name, &st);
        *type = st.type;
        break;
    }
    default: *type = PLAT_OTHER; break;
    }
    errno = 0;
    return de->d_name;
}

int plat_open_read_at(struct plat_dir *d, const char *name, const char *path)
{
    (void)path;
    return openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

void plat_closedir(struct plat_dir *d)
{
    if (!d)
        return;
    closedir(d->d);
    free(d);
}

/* ---- child processes (POSIX) ------------------------------------------------------------ */

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

bool plat_child_memory_limited(void) { return !CHILD_SANITIZED; }

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
static void run_child(const struct plat_child_spec *spec, int out_fd, int err_fd, int done_fd,
                      pid_t parent, uint64_t space_now)
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
    if (spec->cpu_seconds) {
        rl.rlim_cur = (rlim_t)spec->cpu_seconds + 1;
        rl.rlim_max = (rlim_t)spec->cpu_seconds + 2;
        setrlimit(RLIMIT_CPU, &rl);
    }
    if (spec->memory && !CHILD_SANITIZED) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)(space_now + spec->memory);
        setrlimit(RLIMIT_AS, &rl);
    }
    spec->work(spec->ctx, out_fd);
    close(out_fd);
    write_all(done_fd, "D", 1);
    /* The child leaves without running the parent's atexit handlers or flushing its stdio
     * buffers a second time: what _exit() does, which the layout keeps to src/main.c. */
    raise(SIGKILL);
    for (;;)
        pause();
}

struct plat_child {
    pid_t pid;
    struct pollfd fds[PLAT_CHILD_STREAMS];
    int open, next;
};

struct plat_child *plat_child_start(const struct plat_child_spec *spec)
{
    int fd[PLAT_CHILD_STREAMS][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
    bool piped = true;
    for (int i = 0; piped && i < PLAT_CHILD_STREAMS; i++)
        piped = pipe2(fd[i], O_CLOEXEC) == 0;
    pid_t pid = -1;
    if (piped) {
        uint64_t space_now = spec->memory ? address_space_now() : 0;
        pid_t parent = getpid();
        fflush(NULL); /* nothing buffered is written twice */
        pid = fork();
        if (pid == 0) {
            for (int i = 0; i < PLAT_CHILD_STREAMS; i++)
                close(fd[i][0]);
            run_child(spec, fd[0][1], fd[1][1], fd[2][1], parent, space_now);
        }
    }
    int saved = errno;
    for (int i = 0; i < PLAT_CHILD_STREAMS; i++) {
        if (fd[i][1] >= 0)
            close(fd[i][1]);
        if (pid < 0 && fd[i][0] >= 0)
            close(fd[i][0]);
    }
    if (pid < 0) {
        errno = saved;
        return NULL;
    }
    struct plat_child *c = xcalloc(1, sizeof *c);
    c->pid = pid;
    for (int i = 0; i < PLAT_CHILD_STREAMS; i++)
        c->fds[i] = (struct pollfd){fd[i][0], POLLIN, 0};
    c->open = PLAT_CHILD_STREAMS;
    return c;
}

int plat_child_wait(struct plat_child *c, int timeout_ms, void *buf, size_t cap, size_t *got)
{
    for (;;) {
        if (c->open == 0)
            return PLAT_CHILD_STREAMS;
        int n = poll(c->fds, PLAT_CHILD_STREAMS, timeout_ms);
        if (n < 0 && errno == EINTR)
            return PLAT_CHILD_INTERRUPTED; /* the program's handlers are for stopping */
        if (n < 0)
            return PLAT_CHILD_FAILED;
        if (n == 0)
            return PLAT_CHILD_TIMEOUT;
        /* the streams take turns, so that a busy one cannot starve another */
        for (int k = 0; k < PLAT_CHILD_STREAMS; k++) {
            int i = (c->next + k) % PLAT_CHILD_STREAMS;
            struct pollfd *p = &c->fds[i];
            if (p->fd < 0 || !(p->revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(p->fd, buf, cap);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            c->next = (i + 1) % PLAT_CHILD_STREAMS;
            if (r <= 0) {
                close(p->fd);
                p->fd = -1;
                c->open--;
                *got = 0;
            } else {
                *got = (size_t)r;
            }
            return i;
        }
    }
}

void plat_child_begin(void) {}

void plat_child_kill(struct plat_child *c) { kill(c->pid, SIGKILL); }

void plat_child_finish(struct plat_child *c, struct plat_child_exit *how)
{
    for (int i = 0; i < PLAT_CHILD_STREAMS; i++)
        if (c->fds[i].fd >= 0)
            close(c->fds[i].fd);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    *how = (struct plat_child_exit){0, -1, 0, false, false};
    if (WIFSIGNALED(status))
        how->signal = WTERMSIG(status);
    if (WIFEXITED(status))
        how->exit_status = WEXITSTATUS(status);
    how->cpu_limit = how->signal == SIGXCPU;
    how->stopped = how->signal == SIGINT || how->signal == SIGTERM || how->signal == SIGHUP;
    free(c);
}

/* ---- paths (POSIX) ---------------------------------------------------------------------- */

char *plat_realpath(const char *path) { return realpath(path, NULL); }

char *plat_getcwd(void)
{
    char cwd[PATH_MAX];
    return getcwd(cwd, sizeof cwd) ? xstrdup(cwd) : NULL;
}

size_t plat_root_length(const char *path) { return path[0] == '/' ? 1 : 0; }

bool plat_is_separator(char c) { return c == '/'; }

bool plat_names_fold_case(void) { return false; }

#else /* _WIN32 */

#include <windows.h>
#include <bcrypt.h>
#include <io.h>
#include <libintl.h>
#include <shellapi.h>
#include <shlobj.h>

/* ---- what MinGW's C library lacks --------------------------------------------------------- */

void *memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen)
{
    const char *h = haystack;
    if (nlen == 0)
        return (void *)h;
    for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (h[i] == *(const char *)needle && memcmp(h + i, needle, nlen) == 0)
            return (void *)(h + i);
    return NULL;
}

void *memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    while (n-- > 0)
        if (p[n] == (unsigned char)c)
            return (void *)(p + n);
    return NULL;
}

char *strcasestr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = haystack; *h; h++)
        if (_strnicmp(h, needle, n) == 0)
            return (char *)h;
    return n == 0 ? (char *)haystack : NULL;
}

char *strndup(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && s[len])
        len++;
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* ---- UTF-8 and UTF-16 --------------------------------------------------------------------- */

/* `s` in UTF-16, or NULL (errno EILSEQ) when it is not UTF-8. */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        errno = EILSEQ;
        return NULL;
    }
    wchar_t *w = xmalloc((size_t)n * sizeof *w);
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

/* `w` in UTF-8 (an unpaired surrogate becomes U+FFFD). */
static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return xstrdup("");
    char *s = xmalloc((size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

/* Windows' separators made '/', the program's. */
static char *forward_slashes(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\\')
            *p = '/';
    return s;
}

/* The errno nearest to the last Windows error. */
static int errno_of(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME: return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT: return EACCES;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
    case ERROR_DIRECTORY: return ENOTDIR;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    case ERROR_FILENAME_EXCED_RANGE: return ENAMETOOLONG;
    case ERROR_CANT_RESOLVE_FILENAME: return ELOOP;
    case ERROR_BROKEN_PIPE: return EPIPE;
    default: return EIO;
    }
}

static int fail_win(void)
{
    errno = errno_of(GetLastError());
    return -1;
}

/* `path` as the wide-character API takes it: UTF-16, backslashes, absolute, with `\\?\` (or
 * `\\?\UNC\` for `\\server\share`) so that no 260-character limit and no name rewriting
 * applies. NULL with errno. */
static wchar_t *wide_path(const char *path)
{
    if (!*path) {
        errno = ENOENT;
        return NULL;
    }
    wchar_t *w = wide(path);
    if (!w)
        return NULL;
    for (wchar_t *p = w; *p; p++)
        if (*p == L'/')
            *p = L'\\';
    if (wcsncmp(w, L"\\\\?\\", 4) == 0)
        return w;
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    if (n == 0) {
        free(w);
        fail_win();
        return NULL;
    }
    wchar_t *full = xmalloc(((size_t)n + 8) * sizeof *full);
    wcscpy(full, L"\\\\?\\");
    wchar_t *at = full + 4;
    DWORD room = n + 4;
    DWORD got = GetFullPathNameW(w, room, at, NULL);
    free(w);
    if (got == 0 || got >= room) {
        free(full);
        errno = ENAMETOOLONG;
        return NULL;
    }
    if (at[0] == L'\\' && at[1] == L'\\') {
        /* \\server\share\x -> \\?\UNC\server\share\x */
        memmove(full + 8, at + 2, ((size_t)got - 2 + 1) * sizeof *full);
        memcpy(full, L"\\\\?\\UNC\\", 8 * sizeof *full);
    }
    return full;
}

/* A reparse point that stands for another name (a symbolic link, a junction): a link. One
 * whose tag cannot be read (0, which no reparse point has on Windows; Wine shows a Linux
 * symbolic link so) is one too: it is not followed. Others (a cloud placeholder, a
 * deduplicated file) are the files they look like. */
static bool is_link(DWORD attributes, DWORD tag)
{
    return (attributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
           (tag == 0 || IsReparseTagNameSurrogate(tag));
}

static int64_t unix_time(FILETIME ft)
{
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (int64_t)(t / 10000000u) - INT64_C(11644473600);
}

static void stat_from(DWORD attributes, DWORD tag, uint64_t size, FILETIME mtime,
                      struct plat_stat *st)
{
    st->type = is_link(attributes, tag)                    ? PLAT_LINK
               : (attributes & FILE_ATTRIBUTE_DIRECTORY)   ? PLAT_DIR
               : (attributes & FILE_ATTRIBUTE_DEVICE)      ? PLAT_OTHER
                                                           : PLAT_FILE;
    st->size = st->type == PLAT_FILE ? size : 0;
    st->mtime = unix_time(mtime);
}

/* The reparse tag of the link `path`, 0 when there is none. */
static DWORD reparse_tag(const wchar_t *wpath)
{
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileExW(wpath, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    FindClose(h);
    return (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? fd.dwReserved0 : 0;
}

static HANDLE handle_of(int fd) { return (HANDLE)_get_osfhandle(fd); }

/* A CRT descriptor over `h` (closed on failure). */
static int fd_over(HANDLE h, int flags)
{
    int fd = _open_osfhandle((intptr_t)h, flags | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        errno = EMFILE;
    }
    return fd;
}

/* ---- the process (Windows) -------------------------------------------------------------- */

/* What plat_init() set up for a standard stream that is a console: a pipe the C library
 * writes UTF-8 into, and a thread that gives it to WriteConsoleW. */
struct console_relay {
    HANDLE console, read_end, thread;
    bool active;
};
static struct console_relay relays[3];
static char **utf8_argv;

static DWORD WINAPI relay_thread(LPVOID arg)
{
    struct console_relay *r = arg;
    char bytes[8192 + 4];
    wchar_t text[8192 + 4];
    DWORD held = 0, got;
    while (ReadFile(r->read_end, bytes + held, 8192, &got, NULL) && got > 0) {
        DWORD len = held + got, whole = len;
        /* a character cut at the end waits for its other bytes */
        DWORD back = 0;
        while (back < 3 && back < len && ((unsigned char)bytes[len - 1 - back] & 0xC0) == 0x80)
            back++;
        if (back < len) {
            unsigned char lead = (unsigned char)bytes[len - 1 - back];
            DWORD need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (need > back + 1)
                whole = len - back - 1;
        }
        int n = MultiByteToWideChar(CP_UTF8, 0, bytes, (int)whole, text, 8192 + 4);
        DWORD written;
        if (n > 0)
            WriteConsoleW(r->console, text, (DWORD)n, &written, NULL);
        held = len - whole;
        memmove(bytes, bytes + whole, held);
    }
    return 0;
}

/* Standard stream `fd` (1 or 2), when it is a console, through a relay. */
static void relay_console(int fd, FILE *f)
{
    struct console_relay *r = &relays[fd];
    DWORD mode;
    HANDLE h = GetStdHandle(fd == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE);
    if (h == NULL || h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
        return;
    /* The relay writes to a handle of its own: _dup2 below closes the one fd `fd` held, and
     * with it the standard handle (nothing would reach the console). */
    HANDLE console, w;
    if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &console, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
        return;
    if (!CreatePipe(&r->read_end, &w, NULL, 0)) {
        CloseHandle(console);
        return;
    }
    int wfd = _open_osfhandle((intptr_t)w, _O_BINARY | _O_WRONLY);
    if (wfd < 0 || _dup2(wfd, fd) != 0) {
        if (wfd >= 0)
            _close(wfd);
        else
            CloseHandle(w);
        CloseHandle(r->read_end);
        CloseHandle(console);
        return;
    }
    _close(wfd);
    r->console = console;
    r->thread = CreateThread(NULL, 0, relay_thread, r, 0, NULL);
    r->active = true;
    setvbuf(f, NULL, _IONBF, 0);
}

void plat_init(int *argc, char ***argv)
{
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (w) {
        utf8_argv = xcalloc((size_t)n + 1, sizeof *utf8_argv);
        for (int i = 0; i < n; i++)
            utf8_argv[i] = narrow(w[i]);
        LocalFree(w);
        *argc = n;
        *argv = utf8_argv;
    }
    _setmode(0, _O_BINARY);
    _setmode(1, _O_BINARY);
    _setmode(2, _O_BINARY);
    relay_console(1, stdout);
    relay_console(2, stderr);
}

void plat_finish(void)
{
    fflush(stdout);
    fflush(stderr);
    for (int fd = 1; fd <= 2; fd++) {
        struct console_relay *r = &relays[fd];
        if (!r->active)
            continue;
        _close(fd); /* the relay reads to the end, writes it, and ends */
        if (r->thread) {
            WaitForSingleObject(r->thread, 5000);
            CloseHandle(r->thread);
        }
        CloseHandle(r->read_end);
        CloseHandle(r->console);
        r->active = false;
    }
}

static volatile sig_atomic_t *stop_flag;

static BOOL WINAPI on_console_event(DWORD event)
{
    (void)event;
    if (*stop_flag)
        ExitProcess(130); /* the second one: at once, as on Linux */
    *stop_flag = 1;
    return TRUE;
}

void plat_catch_stop(volatile sig_atomic_t *flag)
{
    stop_flag = flag;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

char *plat_self_exe(void)
{
    for (DWORD size = 512; size <= 65536; size *= 2) {
        wchar_t *w = xmalloc(size * sizeof *w);
        DWORD n = GetModuleFileNameW(NULL, w, size);
        if (n > 0 && n < size) {
            char *s = forward_slashes(narrow(w));
            free(w);
            return s;
        }
        free(w);
        if (n == 0)
            return NULL;
    }
    return NULL;
}

bool plat_can_fork(void) { return false; }

void plat_at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    (void)prepare, (void)parent, (void)child;
}

FILE *plat_tmpfile(void)
{
    wchar_t dir[MAX_PATH + 1], name[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, dir);
    if (n == 0 || n > MAX_PATH || GetTempFileNameW(dir, L"wlm", 0, name) == 0) {
        errno = EIO;
        return NULL;
    }
    HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DeleteFileW(name);
        errno = EIO;
        return NULL;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY);
    FILE *f = fd < 0 ? NULL : _fdopen(fd, "w+b");
    if (!f) {
        if (fd >= 0)
            _close(fd);
        else
            CloseHandle(h);
        errno = EIO;
    }
    return f;
}

FILE *plat_memstream_open(void)
{
    return plat_tmpfile();
}

char *plat_memstream_close(FILE *f, size_t *len)
{
    *len = 0;
    char *text = NULL;
    long size = fflush(f) == 0 && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = xmalloc((size_t)size + 1);
        if (fread(text, 1, (size_t)size, f) == (size_t)size) {
            text[size] = '\0';
            *len = (size_t)size;
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f); /* the file goes with its last handle */
    return text;
}

long plat_process_id(void) { return (long)GetCurrentProcessId(); }

bool plat_process_alive(long pid)
{
    if (pid <= 0)
        return false;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (!h)
        return GetLastError() == ERROR_ACCESS_DENIED;
    DWORD code = 0;
    bool alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return alive;
}

int plat_setenv(const char *name, const char *value)
{
    wchar_t *wn = wide(name), *wv = wide(value);
    int rc = wn && wv && _wputenv_s(wn, wv) == 0 ? 0 : -1;
    free(wn);
    free(wv);
    if (rc != 0)
        errno = EINVAL;
    return rc;
}

char *plat_getenv(const char *name)
{
    wchar_t *wn = wide(name);
    if (!wn)
        return NULL;
    const wchar_t *v = _wgetenv(wn);
    free(wn);
    return v ? narrow(v) : NULL;
}

/* The C library's messages are English on Windows (they are not translated). */
const char *plat_strerror_english(int errnum) { return strerror(errnum); }

char *plat_locale_dir(const char *installed)
{
    (void)installed;
    char *self = plat_self_exe();
    if (!self)
        return xstrdup("locale");
    char *slash = strrchr(self, '/');
    if (slash)
        slash[1] = '\0';
    char *dir = xasprintf("%slocale", slash ? self : "");
    free(self);
    return dir;
}

void plat_bind_catalog(const char *domain, const char *dir)
{
    wchar_t *w = wide(dir);
    if (w)
        wbindtextdomain(domain, w);
    free(w);
}

int plat_random_bytes(void *out, size_t len)
{
    unsigned char *p = out;
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

double plat_monotonic_seconds(void)
{
    LARGE_INTEGER freq, now;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

/* `w` with its %VARS% expanded, in the program's form. */
static char *expanded(const wchar_t *w)
{
    DWORD n = ExpandEnvironmentStringsW(w, NULL, 0);
    if (n == 0)
        return NULL;
    wchar_t *out = xmalloc((size_t)n * sizeof *out);
    char *s = ExpandEnvironmentStringsW(w, out, n) ? forward_slashes(narrow(out)) : NULL;
    free(out);
    return s;
}

/* The registry's Store Root of Windows Live Mail, expanded, or NULL. */
static char *store_root_setting(void)
{
    HKEY key;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Windows Live Mail", 0,
                      KEY_QUERY_VALUE, &key) != ERROR_SUCCESS)
        return NULL;
    wchar_t value[4096];
    DWORD type = 0, size = sizeof value - sizeof value[0];
    LONG rc = RegQueryValueExW(key, L"Store Root", NULL, &type, (BYTE *)value, &size);
    RegCloseKey(key);
    if (rc != ERROR_SUCCESS || (type != REG_SZ && type != REG_EXPAND_SZ) || size == 0)
        return NULL;
    value[size / sizeof value[0]] = L'\0';
    return value[0] ? expanded(value) : NULL;
}

char *plat_default_store(void)
{
    char *candidates[3] = {store_root_setting(),
                           expanded(L"%LOCALAPPDATA%\\Microsoft\\Windows Live Mail"),
                           expanded(L"%LOCALAPPDATA%\\Microsoft\\Windows Mail")};
    char *found = NULL;
    for (int i = 0; i < 3; i++) {
        struct plat_stat st;
        /* an unexpanded %LOCALAPPDATA% (Windows XP has none) names nothing */
        if (!found && candidates[i] && !strchr(candidates[i], '%') &&
            plat_stat(candidates[i], &st) == 0 && st.type == PLAT_DIR) {
            found = candidates[i];
            continue;
        }
        free(candidates[i]);
    }
    return found;
}

char *plat_default_output(void)
{
    wchar_t desktop[MAX_PATH];
    if (SHGetFolderPathW(NULL, CSIDL_DESKTOPDIRECTORY, NULL, SHGFP_TYPE_CURRENT, desktop) != S_OK)
        return NULL;
    SYSTEMTIME t;
    GetLocalTime(&t);
    char *dir = forward_slashes(narrow(desktop));
    char *out = xasprintf("%s/wlmigrate-%04u-%02u-%02u", dir, (unsigned)t.wYear,
                          (unsigned)t.wMonth, (unsigned)t.wDay);
    free(dir);
    return out;
}

/* ---- the console (Windows) -------------------------------------------------------------- */

bool plat_isatty(FILE *f)
{
    int fd = _fileno(f);
    if (fd >= 0 && fd <= 2 && relays[fd].active)
        return true;
    DWORD mode;
    HANDLE h = handle_of(fd);
    return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

int plat_quiet_begin(void)
{
    fflush(stdout);
    int saved = _dup(1);
    if (saved < 0)
        return -1;
    HANDLE h = CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    int null = h == INVALID_HANDLE_VALUE ? -1 : fd_over(h, _O_WRONLY);
    if (null < 0 || _dup2(null, 1) != 0) {
        if (null >= 0)
            _close(null);
        _close(saved);
        return -1;
    }
    _close(null);
    return saved;
}

void plat_quiet_end(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    _dup2(saved, 1);
    _close(saved);
}

/* ---- files (Windows) -------------------------------------------------------------------- */

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* Opens `path` as itself (a reparse point is not followed) and refuses a link: ELOOP. */
static HANDLE open_nofollow(const char *path, DWORD access, DWORD disposition, DWORD flags)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return INVALID_HANDLE_VALUE;
    HANDLE h = CreateFileW(w, access, SHARE_ALL, NULL, disposition,
                           flags | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fail_win();
        free(w);
        return h;
    }
    BY_HANDLE_FILE_INFORMATION info;
    if (GetFileInformationByHandle(h, &info) &&
        (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
        CloseHandle(h);
        if (is_link(info.dwFileAttributes, reparse_tag(w))) {
            free(w);
            errno = ELOOP;
            return INVALID_HANDLE_VALUE;
        }
        /* a placeholder of a file that is there: open what it stands for */
        h = CreateFileW(w, access, SHARE_ALL, NULL, disposition, flags, NULL);
        if (h == INVALID_HANDLE_VALUE)
            fail_win();
    }
    free(w);
    return h;
}

int plat_open_read(const char *path)
{
    HANDLE h = open_nofollow(path, GENERIC_READ, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL);
    return h == INVALID_HANDLE_VALUE ? -1 : fd_over(h, _O_RDONLY);
}

int plat_open_write(const char *path, enum plat_create how)
{
    struct plat_stat st;
    if (how != PLAT_CREATE_NEW && plat_lstat(path, &st) == 0 && st.type == PLAT_LINK) {
        errno = ELOOP;
        return -1;
    }
    DWORD disposition = how == PLAT_CREATE_NEW        ? CREATE_NEW
                        : how == PLAT_CREATE_TRUNCATE ? CREATE_ALWAYS
                                                      : OPEN_ALWAYS;
    wchar_t *w = wide_path(path);
    if (!w)
        return -1;
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, SHARE_ALL, NULL, disposition,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return fail_win();
    return fd_over(h, how == PLAT_CREATE_KEEP ? _O_RDWR : _O_WRONLY);
}

FILE *plat_fopen_write(const char *path, enum plat_create how, bool read_too)
{
    int fd = plat_open_write(path, how);
    if (fd < 0)
        return NULL;
    FILE *f = _fdopen(fd, read_too ? "w+b" : "wb");
    if (!f) {
        int e = errno;
        _close(fd);
        errno = e;
    }
    return f;
}

ssize_t plat_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    /* ReadFile at an offset moves a synchronous handle's position: it is put back */
    LARGE_INTEGER zero = {.QuadPart = 0}, here;
    if (!SetFilePointerEx(h, zero, &here, FILE_CURRENT))
        return fail_win();
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)offset;
    ov.OffsetHigh = (DWORD)(offset >> 32);
    DWORD want = len > 0x40000000 ? 0x40000000 : (DWORD)len, got = 0;
    BOOL ok = ReadFile(h, buf, want, &got, &ov);
    DWORD e = GetLastError();
    SetFilePointerEx(h, here, NULL, FILE_BEGIN);
    if (!ok && e != ERROR_HANDLE_EOF) {
        errno = errno_of(e);
        return -1;
    }
    return (ssize_t)got;
}

ssize_t plat_pwrite(int fd, const void *buf, size_t len, uint64_t offset)
{
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    /* WriteFile at an offset (it moves the handle's position, which no caller uses) */
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)offset;
    ov.OffsetHigh = (DWORD)(offset >> 32);
    DWORD want = len > 0x40000000 ? 0x40000000 : (DWORD)len, put = 0;
    if (!WriteFile(h, buf, want, &put, &ov))
        return fail_win();
    return (ssize_t)put;
}

int plat_ftruncate(int fd, uint64_t size)
{
    errno_t e = _chsize_s(fd, (long long)size);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return 0;
}

int plat_fstat(int fd, struct plat_stat *st)
{
    BY_HANDLE_FILE_INFORMATION info;
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (GetFileType(h) != FILE_TYPE_DISK) {
        *st = (struct plat_stat){PLAT_OTHER, 0, 0};
        return 0;
    }
    if (!GetFileInformationByHandle(h, &info))
        return fail_win();
    stat_from(info.dwFileAttributes & ~(DWORD)FILE_ATTRIBUTE_REPARSE_POINT, 0,
              ((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow, info.ftLastWriteTime,
              st);
    return 0;
}

int plat_lstat(const char *path, struct plat_stat *st)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return -1;
    WIN32_FILE_ATTRIBUTE_DATA a;
    if (!GetFileAttributesExW(w, GetFileExInfoStandard, &a)) {
        free(w);
        return fail_win();
    }
    DWORD tag = (a.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? reparse_tag(w) : 0;
    free(w);
    stat_from(a.dwFileAttributes, tag, ((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow,
              a.ftLastWriteTime, st);
    return 0;
}

int plat_stat(const char *path, struct plat_stat *st)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return -1;
    HANDLE h = CreateFileW(w, 0, SHARE_ALL, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS,
                           NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return fail_win();
    BY_HANDLE_FILE_INFORMATION info;
    BOOL ok = GetFileInformationByHandle(h, &info);
    CloseHandle(h);
    if (!ok)
        return fail_win();
    stat_from(info.dwFileAttributes & ~(DWORD)FILE_ATTRIBUTE_REPARSE_POINT, 0,
              ((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow, info.ftLastWriteTime,
              st);
    return 0;
}

int plat_fsync(int fd)
{
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    return FlushFileBuffers(h) ? 0 : fail_win();
}

void plat_write_back(int fd, uint64_t offset, uint64_t len)
{
    /* Windows' cache manager writes behind by itself */
    (void)fd;
    (void)offset;
    (void)len;
}

int plat_fsync_dir(const char *path)
{
    (void)path;
    return 0;
}

int plat_lock(int fd)
{
    HANDLE h = handle_of(fd);
    OVERLAPPED ov = {0};
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov))
        return 0;
    errno = EWOULDBLOCK;
    return -1;
}

bool plat_file_locked(const char *path)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return false;
    /* Thunderbird holds parent.lock open without sharing while it runs */
    HANDLE h = CreateFileW(w, GENERIC_READ, SHARE_ALL, NULL, OPEN_EXISTING,
                           FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    free(w);
    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        return false;
    }
    return GetLastError() == ERROR_SHARING_VIOLATION;
}

int plat_mkdir(const char *path, int mode)
{
    (void)mode;
    wchar_t *w = wide_path(path);
    if (!w)
        return -1;
    BOOL ok = CreateDirectoryW(w, NULL);
    free(w);
    return ok ? 0 : fail_win();
}

int plat_rmdir(const char *path)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return -1;
    BOOL ok = RemoveDirectoryW(w);
    free(w);
    return ok ? 0 : fail_win();
}

int plat_unlink(const char *path)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return -1;
    /* a link to a directory (a junction) is removed as a directory: only the link goes */
    DWORD a = GetFileAttributesW(w);
    BOOL ok = (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) &&
               (a & FILE_ATTRIBUTE_REPARSE_POINT))
                  ? RemoveDirectoryW(w)
                  : DeleteFileW(w);
    if (!ok && a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) &&
        !(a & FILE_ATTRIBUTE_REPARSE_POINT))
        SetLastError(ERROR_ACCESS_DENIED); /* EISDIR has no Windows error */
    free(w);
    return ok ? 0 : fail_win();
}

int plat_rename(const char *from, const char *to)
{
    wchar_t *wf = wide_path(from), *wt = wf ? wide_path(to) : NULL;
    BOOL ok = wf && wt &&
              MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    int rc = ok ? 0 : (wf && wt ? fail_win() : -1);
    free(wf);
    free(wt);
    return rc;
}

char *plat_library_path(const char *path)
{
    wchar_t *w = wide_path(path);
    char *s = w ? narrow(w) : NULL;
    free(w);
    return s;
}

char *plat_readlink(const char *path)
{
    /* the one reader (Thunderbird's `lock` link) exists on Linux and macOS only */
    (void)path;
    errno = EINVAL;
    return NULL;
}

/* ---- directories (Windows) -------------------------------------------------------------- */

struct plat_dir {
    HANDLE find;
    WIN32_FIND_DATAW data;
    bool have;     /* `data` holds an entry not yet returned */
    char *name;
};

struct plat_dir *plat_opendir(const char *path)
{
    struct plat_stat st;
    if (plat_lstat(path, &st) != 0)
        return NULL;
    if (st.type != PLAT_DIR) {
        errno = st.type == PLAT_LINK ? ELOOP : ENOTDIR;
        return NULL;
    }
    wchar_t *w = wide_path(path);
    if (!w)
        return NULL;
    size_t n = wcslen(w);
    wchar_t *pattern = xmalloc((n + 3) * sizeof *pattern);
    memcpy(pattern, w, n * sizeof *pattern);
    if (n > 0 && pattern[n - 1] != L'\\')
        pattern[n++] = L'\\';
    pattern[n++] = L'*';
    pattern[n] = L'\0';
    free(w);
    struct plat_dir *d = xcalloc(1, sizeof *d);
    d->find = FindFirstFileExW(pattern, FindExInfoBasic, &d->data, FindExSearchNameMatch, NULL,
                               FIND_FIRST_EX_LARGE_FETCH);
    free(pattern);
    if (d->find == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        free(d);
        if (e == ERROR_FILE_NOT_FOUND) /* no entry at all, not even "." */
            return xcalloc(1, sizeof *d);
        errno = errno_of(e);
        return NULL;
    }
    d->have = true;
    return d;
}

const char *plat_readdir(struct plat_dir *d, struct plat_stat *st)
{
    free(d->name);
    d->name = NULL;
    for (;;) {
        if (!d->find || d->find == INVALID_HANDLE_VALUE) {
            errno = 0;
            return NULL;
        }
        if (!d->have) {
            if (!FindNextFileW(d->find, &d->data)) {
                DWORD e = GetLastError();
                errno = e == ERROR_NO_MORE_FILES ? 0 : errno_of(e);
                return NULL;
            }
        }
        d->have = false;
        const wchar_t *n = d->data.cFileName;
        if (wcscmp(n, L".") == 0 || wcscmp(n, L"..") == 0)
            continue;
        stat_from(d->data.dwFileAttributes, d->data.dwReserved0,
                  ((uint64_t)d->data.nFileSizeHigh << 32) | d->data.nFileSizeLow,
                  d->data.ftLastWriteTime, st);
        d->name = narrow(n);
        errno = 0;
        return d->name;
    }
}

int plat_open_read_at(struct plat_dir *d, const char *name, const char *path)
{
    (void)d;
    (void)name;
    return plat_open_read(path);
}

const char *plat_readdir_type(struct plat_dir *d, enum plat_type *type)
{
    /* FindNextFileW describes every entry anyway */
    struct plat_stat st;
    const char *name = plat_readdir(d, &st);
    if (name)
        *type = st.type;
    return name;
}

void plat_closedir(struct plat_dir *d)
{
    if (!d)
        return;
    if (d->find && d->find != INVALID_HANDLE_VALUE)
        FindClose(d->find);
    free(d->name);
    free(d);
}

/* ---- child processes (Windows) ---------------------------------------------------------- */

/* What a new process of this program takes before its work begins: the limit is on top. */
#define CHILD_BASE_MEMORY (64ull << 20)

bool plat_child_memory_limited(void) { return true; }

/* `s` appended to `out` as one argument that CommandLineToArgvW gives back whole: quoted, a
 * quote escaped, the backslashes before a quote doubled. */
static void quote_arg(wchar_t **out, size_t *len, size_t *cap, const wchar_t *s)
{
    size_t need = *len + 2 * wcslen(s) + 4;
    if (need > *cap) {
        *cap = need * 2;
        *out = xrealloc(*out, *cap * sizeof **out);
    }
    wchar_t *o = *out + *len;
    if (*len)
        *o++ = L' ';
    *o++ = L'"';
    size_t backslashes = 0;
    for (const wchar_t *p = s;; p++) {
        if (*p == L'\\') {
            backslashes++;
            continue;
        }
        size_t times = (*p == L'"' || *p == L'\0') ? 2 : 1;
        for (size_t i = 0; i < backslashes * times; i++)
            *o++ = L'\\';
        backslashes = 0;
        if (*p == L'\0')
            break;
        if (*p == L'"')
            *o++ = L'\\';
        *o++ = *p;
    }
    *o++ = L'"';
    *o = L'\0';
    *len = (size_t)(o - *out);
}

struct plat_child {
    HANDLE process, job;
    HANDLE pipe[2];    /* the read ends of its output and error output */
    bool open[PLAT_CHILD_STREAMS];
    bool done_said;
    int next;
};

struct plat_child *plat_child_start(const struct plat_child_spec *spec)
{
    if (!spec->role) {
        errno = ENOSYS; /* a function alone cannot run in a new process here */
        return NULL;
    }
    wchar_t self[32768];
    DWORD n = GetModuleFileNameW(NULL, self, sizeof self / sizeof self[0]);
    wchar_t *role = wide(spec->role), *arg = wide(spec->arg ? spec->arg : "");
    if (n == 0 || n >= sizeof self / sizeof self[0] || !role || !arg) {
        free(role);
        free(arg);
        errno = EINVAL;
        return NULL;
    }
    wchar_t *cmd = NULL;
    size_t len = 0, cap = 0;
    quote_arg(&cmd, &len, &cap, self);
    quote_arg(&cmd, &len, &cap, L"" PLAT_CHILD_ARG);
    quote_arg(&cmd, &len, &cap, role);
    quote_arg(&cmd, &len, &cap, arg);
    free(role);
    free(arg);

    SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
    HANDLE rd[2] = {NULL, NULL}, wr[2] = {NULL, NULL};
    bool ok = true;
    for (int i = 0; ok && i < 2; i++)
        ok = CreatePipe(&rd[i], &wr[i], &inherit, 1 << 16) &&
             SetHandleInformation(rd[i], HANDLE_FLAG_INHERIT, 0);
    /* A job: the memory limit, no error dialog on a crash, and the child ends with us. */
    HANDLE job = ok ? CreateJobObjectW(NULL, NULL) : NULL;
    if (job) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
        memset(&lim, 0, sizeof lim);
        lim.BasicLimitInformation.LimitFlags =
            JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
        if (spec->memory) {
            lim.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
            lim.ProcessMemoryLimit = (SIZE_T)(spec->memory + CHILD_BASE_MEMORY);
        }
        SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof lim);
    }
    STARTUPINFOW si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = NULL;
    si.hStdOutput = wr[0];
    si.hStdError = wr[1];
    PROCESS_INFORMATION pi;
    memset(&pi, 0, sizeof pi);
    DWORD error = 0;
    if (ok)
        ok = CreateProcessW(self, cmd, NULL, NULL, TRUE,
                            CREATE_SUSPENDED | CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT,
                            NULL, NULL, &si, &pi);
    if (!ok)
        error = GetLastError();
    free(cmd);
    for (int i = 0; i < 2; i++)
        if (wr[i])
            CloseHandle(wr[i]);
    if (!ok) {
        for (int i = 0; i < 2; i++)
            if (rd[i])
                CloseHandle(rd[i]);
        if (job)
            CloseHandle(job);
        errno = errno_of(error);
        return NULL;
    }
    /* in a job before it runs a single instruction; a system that refuses (a parent already
     * in a job that allows no other) runs it without the memory limit, still with timeouts */
    if (job && !AssignProcessToJobObject(job, pi.hProcess)) {
        CloseHandle(job);
        job = NULL;
    }
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    struct plat_child *c = xcalloc(1, sizeof *c);
    c->process = pi.hProcess;
    c->job = job;
    for (int i = 0; i < 2; i++)
        c->pipe[i] = rd[i];
    for (int i = 0; i < PLAT_CHILD_STREAMS; i++)
        c->open[i] = true;
    return c;
}

/* Reads what stream `i` has, or sees it end: true when there was something to say. */
static bool child_read(struct plat_child *c, int i, void *buf, size_t cap, size_t *got)
{
    DWORD avail = 0;
    if (!PeekNamedPipe(c->pipe[i], NULL, 0, NULL, &avail, NULL)) {
        CloseHandle(c->pipe[i]); /* ERROR_BROKEN_PIPE: the child closed it, or ended */
        c->pipe[i] = NULL;
        c->open[i] = false;
        *got = 0;
        return true;
    }
    if (avail == 0)
        return false;
    DWORD want = avail < cap ? avail : (DWORD)(cap > 0x10000000 ? 0x10000000 : cap), n = 0;
    if (!ReadFile(c->pipe[i], buf, want, &n, NULL))
        return false;
    *got = n;
    return n > 0;
}

int plat_child_wait(struct plat_child *c, int timeout_ms, void *buf, size_t cap, size_t *got)
{
    double end = timeout_ms >= 0 ? plat_monotonic_seconds() + timeout_ms / 1000.0 : 0;
    for (;;) {
        if (stop_flag && *stop_flag)
            return PLAT_CHILD_INTERRUPTED;
        for (int k = 0; k < 2; k++) {
            int i = (c->next + k) % 2;
            if (c->open[i] && child_read(c, i, buf, cap, got)) {
                c->next = (i + 1) % 2;
                return i;
            }
        }
        if (!c->open[PLAT_CHILD_OUT] && !c->open[PLAT_CHILD_ERR] && c->open[PLAT_CHILD_DONE]) {
            /* both pipes closed: the work returned when the process exits with 0 */
            double left = end ? end - plat_monotonic_seconds() : 1e9;
            DWORD ms = left <= 0 ? 0 : left > 1e6 ? INFINITE : (DWORD)(left * 1000);
            if (WaitForSingleObject(c->process, ms) != WAIT_OBJECT_0)
                return PLAT_CHILD_TIMEOUT;
            DWORD code = 1;
            GetExitCodeProcess(c->process, &code);
            if (code == 0 && !c->done_said) {
                c->done_said = true;
                ((char *)buf)[0] = 'D';
                *got = 1;
            } else {
                c->open[PLAT_CHILD_DONE] = false;
                *got = 0;
            }
            return PLAT_CHILD_DONE;
        }
        if (!c->open[PLAT_CHILD_OUT] && !c->open[PLAT_CHILD_ERR])
            return PLAT_CHILD_STREAMS;
        if (end && plat_monotonic_seconds() >= end)
            return PLAT_CHILD_TIMEOUT;
        Sleep(2);
    }
}

/* A crash of the child's work: the process ends at once with the exception's code, before any
 * dialog or debugger (Wine's would write its report into the output pipe). */
static LONG WINAPI end_on_crash(EXCEPTION_POINTERS *e)
{
    TerminateProcess(GetCurrentProcess(), e->ExceptionRecord->ExceptionCode);
    return EXCEPTION_CONTINUE_SEARCH;
}

void plat_child_begin(void)
{
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    SetUnhandledExceptionFilter(end_on_crash);
}

void plat_child_kill(struct plat_child *c)
{
    if (c->job)
        TerminateJobObject(c->job, 137);
    else
        TerminateProcess(c->process, 137);
}

void plat_child_finish(struct plat_child *c, struct plat_child_exit *how)
{
    for (int i = 0; i < 2; i++)
        if (c->pipe[i])
            CloseHandle(c->pipe[i]);
    WaitForSingleObject(c->process, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(c->process, &code);
    *how = (struct plat_child_exit){0, -1, 0, false, false};
    if (code >= 0xC0000000u) /* NTSTATUS of an exception: access violation, stack overflow */
        how->exception = (unsigned)code;
    else
        how->exit_status = (int)code;
    how->stopped = code == 0xC000013Au; /* STATUS_CONTROL_C_EXIT */
    CloseHandle(c->process);
    if (c->job)
        CloseHandle(c->job);
    free(c);
}

/* ---- paths (Windows) -------------------------------------------------------------------- */

/* A final path as GetFinalPathNameByHandleW gives it, in the program's form: `\\?\C:\x` ->
 * `C:/x`, `\\?\UNC\server\share` -> `//server/share`. */
static char *program_path(const wchar_t *w)
{
    if (wcsncmp(w, L"\\\\?\\UNC\\", 8) == 0) {
        char *rest = narrow(w + 8);
        char *s = xasprintf("//%s", rest);
        free(rest);
        return forward_slashes(s);
    }
    if (wcsncmp(w, L"\\\\?\\", 4) == 0)
        w += 4;
    return forward_slashes(narrow(w));
}

char *plat_realpath(const char *path)
{
    wchar_t *w = wide_path(path);
    if (!w)
        return NULL;
    HANDLE h = CreateFileW(w, 0, SHARE_ALL, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS,
                           NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fail_win();
        free(w);
        return NULL;
    }
    DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    char *out = NULL;
    if (n > 0) {
        wchar_t *final = xmalloc(((size_t)n + 1) * sizeof *final);
        DWORD got = GetFinalPathNameByHandleW(h, final, n + 1,
                                              FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (got > 0 && got <= n)
            out = program_path(final);
        free(final);
    }
    /* A system that cannot say the final name (Wine past 260 characters): the full path, which
     * is absolute with "." and ".." resolved, though a link inside it stays as it is. */
    if (!out)
        out = program_path(w);
    free(w);
    CloseHandle(h);
    return out;
}

char *plat_getcwd(void)
{
    DWORD n = GetCurrentDirectoryW(0, NULL);
    if (n == 0) {
        fail_win();
        return NULL;
    }
    wchar_t *w = xmalloc(((size_t)n + 1) * sizeof *w);
    DWORD got = GetCurrentDirectoryW(n + 1, w);
    char *s = got > 0 && got <= n ? program_path(w) : NULL;
    free(w);
    return s;
}

bool plat_is_separator(char c) { return c == '/' || c == '\\'; }

size_t plat_root_length(const char *path)
{
    const char *p = path;
    if (plat_is_separator(p[0]) && plat_is_separator(p[1])) {
        /* //server/share/ (and //?/C:/) */
        size_t i = 2, parts = 0;
        while (path[i] && parts < 2) {
            while (path[i] && !plat_is_separator(path[i]))
                i++;
            parts++;
            if (path[i])
                i++;
        }
        return i;
    }
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':')
        return plat_is_separator(p[2]) ? 3 : 0; /* "C:x" is relative to C:'s directory */
    return plat_is_separator(p[0]) ? 1 : 0;
}

bool plat_names_fold_case(void) { return true; }

#endif /* _WIN32 */
