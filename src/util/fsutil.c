/* fsutil: paths, safe reads, recursive create/remove and copies (see fsutil.h). */
#include "util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    if (la == 0)
        return xstrdup(b);
    if (a[la - 1] == '/')
        return xasprintf("%s%s", a, b);
    return xasprintf("%s/%s", a, b);
}

const char *path_basename(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *slash = memrchr(path, '/', n > 0 ? n - 1 : 0);
    return slash ? slash + 1 : path;
}

bool path_is_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* `base` (canonical, absolute; taken over) with the components of `rest` appended, "." dropped
 * and ".." removing the component before it: the rest does not exist, so no link can make
 * ".." mean anything else. */
static char *append_lexically(char *base, const char *rest)
{
    struct buf out = BUF_INIT;
    buf_puts(&out, base);
    free(base);
    const char *p = rest;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *last = strrchr(out.data, '/');
            out.len = last && last != out.data ? (size_t)(last - out.data) : 1;
            out.data[out.len] = '\0';
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (out.len > 1)
                buf_putc(&out, '/');
            buf_append(&out, p, n);
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return buf_detach(&out);
}

char *path_resolve(const char *path, struct error *err)
{
    char *abs;
    if (path[0] == '/') {
        abs = xstrdup(path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            error_errno(err, errno, "cannot find the current directory");
            return NULL;
        }
        abs = path_join(cwd, path);
    }
    /* Walk back to the longest prefix that exists, resolve it, re-append the rest. */
    size_t len = strlen(abs);
    while (len > 1 && abs[len - 1] == '/')
        abs[--len] = '\0';
    size_t cut = len;
    for (;;) {
        char saved = abs[cut];
        abs[cut] = '\0';
        char *real = realpath(cut ? abs : "/", NULL);
        abs[cut] = saved;
        if (real) {
            char *out = append_lexically(real, cut < len ? abs + cut + 1 : "");
            free(abs);
            return out;
        }
        if (errno != ENOENT && errno != ENOTDIR) {
            error_errno(err, errno, "cannot resolve %s", path);
            free(abs);
            return NULL;
        }
        char *slash = memrchr(abs, '/', cut);
        if (!slash) {
            error_set(err, "cannot resolve %s", path);
            free(abs);
            return NULL;
        }
        cut = (size_t)(slash - abs);
    }
}

int fs_open_read(const char *path)
{
    return open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

int fs_read_file(const char *path, size_t max, struct buf *out, struct error *err)
{
    int fd = fs_open_read(path);
    if (fd < 0) {
        error_errno(err, errno, "cannot open %s", path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        error_set(err, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > max) {
        error_set(err, "%s is too large (%lld bytes; at most %zu expected)", path,
                  (long long)st.st_size, max);
        close(fd);
        return -1;
    }
    buf_reset(out);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_errno(err, errno, "cannot read %s", path);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > max) {
            error_set(err, "%s grew beyond %zu bytes while being read", path, max);
            close(fd);
            return -1;
        }
        buf_append(out, chunk, (size_t)n);
    }
    close(fd);
    return 0;
}

int fs_mkdirs(const char *path, mode_t mode, struct error *err)
{
    char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(p, mode) != 0 && errno != EEXIST) {
                error_errno(err, errno, "cannot create directory %s", p);
                free(p);
                return -1;
            }
            *s = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    int ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok)
        error_set(err, "%s exists and is not a directory", p);
    free(p);
    return ok ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return rc == 0 || errno == ENOENT ? 0 : -1;
}

int fs_remove_tree(const char *path, struct error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : (error_errno(err, errno, "cannot remove %s", path), -1);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0) {
            error_errno(err, errno, "cannot remove %s", path);
            return -1;
        }
        return 0;
    }
    if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) != 0) {
        error_errno(err, errno, "cannot remove %s", path);
        return -1;
    }
    return 0;
}

ssize_t fs_read_at(int fd, void *buf, size_t len, uint64_t offset)
{
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, p + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int fs_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fs_copy_file(const char *src, const char *dst, struct error *err)
{
    char *dir = xstrdup(dst);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (fs_mkdirs(dir, 0755, err) != 0) {
            free(dir);
            return -1;
        }
    }
    free(dir);
    int in = fs_open_read(src);
    if (in < 0) {
        error_errno(err, errno, "cannot open %s", src);
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (out < 0) {
        error_errno(err, errno, "cannot create %s", dst);
        close(in);
        return -1;
    }
    char chunk[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_errno(err, errno, "cannot read %s", src);
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        if (fs_write_all(out, chunk, (size_t)n) != 0) {
            error_errno(err, errno, "cannot write %s", dst);
            rc = -1;
            break;
        }
    }
    close(in);
    if (close(out) != 0 && rc == 0) {
        error_errno(err, errno, "cannot write %s", dst);
        rc = -1;
    }
    return rc;
}

bool fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int fs_touch(const char *path, struct error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        error_errno(err, errno, "cannot create %s", path);
        return -1;
    }
    close(fd);
    return 0;
}

static int entry_compare(const void *a, const void *b)
{
    return strcmp(((const struct fs_entry *)a)->name, ((const struct fs_entry *)b)->name);
}

void fs_listing_free(struct fs_listing *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->entries[i].name);
    free(l->entries);
    memset(l, 0, sizeof *l);
}

int fs_list_dir(const char *dir, struct fs_listing *out)
{
    memset(out, 0, sizeof *out);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -1;
    }
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        struct fs_entry e = {.name = xstrdup(de->d_name), .type = FS_ENTRY_OTHER};
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISDIR(st.st_mode))
                e.type = FS_ENTRY_DIR;
            else if (S_ISREG(st.st_mode))
                e.type = FS_ENTRY_FILE;
            else if (S_ISLNK(st.st_mode))
                e.type = FS_ENTRY_LINK;
            e.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
            e.mtime = (int64_t)st.st_mtime;
        }
        out->entries = xgrow(out->entries, &out->cap, out->count + 1, sizeof *out->entries);
        out->entries[out->count++] = e;
        errno = 0;
    }
    int saved = errno;
    closedir(d);
    if (saved) {
        fs_listing_free(out);
        errno = saved;
        return -1;
    }
    if (out->count)
        qsort(out->entries, out->count, sizeof *out->entries, entry_compare);
    return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, struct error *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && (fs_write_all(fd, data, len) != 0 || fsync(fd) != 0))
        rc = -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        error_errno(err, e, "cannot write %s", path);
    }
    free(tmp);
    return rc;
}
