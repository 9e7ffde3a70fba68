/* fsutil: paths, safe reads, recursive create/remove and copies (see fsutil.h). */
#include "util/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/extsort.h"
#include "util/platform.h"
#include "util/xalloc.h"

char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == 0)
        return xstrndup(b, lb);
    bool slash = !plat_is_separator(a[la - 1]);
    char *p = xmalloc(la + slash + lb + 1);
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + slash, b, lb + 1);
    return p;
}

/* The last separator among the first `n` bytes of `s`, or NULL. */
static const char *last_separator(const char *s, size_t n)
{
    while (n-- > 0)
        if (plat_is_separator(s[n]))
            return s + n;
    return NULL;
}

const char *path_basename(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && plat_is_separator(path[n - 1]))
        n--;
    const char *slash = last_separator(path, n > 0 ? n - 1 : 0);
    return slash ? slash + 1 : path;
}

bool path_is_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    bool same = plat_names_fold_case() ? strncasecmp(path, dir, n) == 0
                                       : strncmp(path, dir, n) == 0;
    if (n > 0 && plat_root_length(dir) == n) /* the root: all that lies on it */
        return same;
    return same && (path[n] == '\0' || plat_is_separator(path[n]));
}

/* `base` (canonical, absolute; taken over) with the components of `rest` appended, "." dropped
 * and ".." removing the component before it: the rest does not exist, so no link can make
 * ".." mean anything else. */
static char *append_lexically(char *base, const char *rest)
{
    struct buf out = BUF_INIT;
    buf_puts(&out, base);
    free(base);
    size_t root = plat_root_length(out.data);
    const char *p = rest;
    while (*p) {
        size_t n = 0;
        while (p[n] && !plat_is_separator(p[n]))
            n++;
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            const char *last = last_separator(out.data, out.len);
            out.len = last && (size_t)(last - out.data) >= root ? (size_t)(last - out.data)
                                                                : root;
            out.data[out.len] = '\0';
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (out.len > 0 && !plat_is_separator(out.data[out.len - 1]))
                buf_putc(&out, '/');
            buf_append(&out, p, n);
        }
        p += n;
        while (plat_is_separator(*p))
            p++;
    }
    return buf_detach(&out);
}

char *path_resolve(const char *path, struct error *err)
{
    char *abs;
    if (plat_root_length(path) > 0) {
        abs = xstrdup(path);
    } else {
        char *cwd = plat_getcwd();
        if (!cwd) {
            error_errno(err, errno, "cannot find the current directory");
            return NULL;
        }
        abs = path_join(cwd, path);
        free(cwd);
    }
    /* Walk back to the longest prefix that exists, resolve it, re-append the rest. */
    size_t root = plat_root_length(abs);
    char *root_only = xstrndup(abs, root);
    size_t len = strlen(abs);
    while (len > root && plat_is_separator(abs[len - 1]))
        abs[--len] = '\0';
    size_t cut = len;
    char *out = NULL;
    for (;;) {
        char saved = abs[cut];
        abs[cut] = '\0';
        char *real = plat_realpath(cut >= root ? abs : root_only);
        abs[cut] = saved;
        if (real) {
            out = append_lexically(real, cut < len ? abs + cut + 1 : "");
            break;
        }
        if (errno != ENOENT && errno != ENOTDIR) {
            error_errno(err, errno, "cannot resolve %s", path);
            break;
        }
        const char *slash = last_separator(abs, cut);
        if (!slash) {
            error_set(err, "cannot resolve %s", path);
            break;
        }
        cut = (size_t)(slash - abs);
    }
    free(root_only);
    free(abs);
    return out;
}

int fs_open_read(const char *path) { return plat_open_read(path); }

int fs_read_file(const char *path, size_t max, struct buf *out, struct error *err)
{
    int fd = fs_open_read(path);
    if (fd < 0) {
        error_errno(err, errno, "cannot open %s", path);
        return -1;
    }
    struct plat_stat st;
    if (plat_fstat(fd, &st) != 0 || st.type != PLAT_FILE) {
        error_set(err, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.size > max) {
        error_set(err, "%s is too large (%lld bytes; at most %zu expected)", path,
                  (long long)st.size, max);
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
    struct plat_stat st;
    if (plat_stat(path, &st) == 0 && st.type == PLAT_DIR)
        return 0; /* there already (each file copied into unconverted/ asks again) */
    char *p = xstrdup(path);
    size_t root = plat_root_length(p);
    for (char *s = p + (root > 1 ? root : 1);; s++) {
        if (plat_is_separator(*s) || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (plat_mkdir(p, (int)mode) != 0 && errno != EEXIST) {
                error_errno(err, errno, "cannot create directory %s", p);
                free(p);
                return -1;
            }
            *s = saved;
            if (saved == '\0')
                break;
        }
    }
    int ok = plat_stat(p, &st) == 0 && st.type == PLAT_DIR;
    if (!ok)
        error_set(err, "%s exists and is not a directory", p);
    free(p);
    return ok ? 0 : -1;
}

/* Removes the directory `dir` and all below it, depth first; a link is removed, never
 * followed. 0, or -1 with errno. Something already gone is no error. */
static int remove_below(const char *dir)
{
    struct fs_listing l;
    if (fs_list_dir(dir, &l) != 0)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l.count; i++) {
        char *child = path_join(dir, l.entries[i].name);
        rc = l.entries[i].type == FS_ENTRY_DIR ? remove_below(child) : plat_unlink(child);
        if (rc != 0 && errno == ENOENT)
            rc = 0;
        free(child);
    }
    int saved = errno;
    fs_listing_free(&l);
    if (rc != 0) {
        errno = saved;
        return -1;
    }
    return plat_rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
}

int fs_remove_tree(const char *path, struct error *err)
{
    struct plat_stat st;
    if (plat_lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : (error_errno(err, errno, "cannot remove %s", path), -1);
    if (st.type != PLAT_DIR) {
        if (plat_unlink(path) != 0) {
            error_errno(err, errno, "cannot remove %s", path);
            return -1;
        }
        return 0;
    }
    if (remove_below(path) != 0) {
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
        ssize_t n = plat_pread(fd, p + done, len - done, offset + done);
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

int fs_write_at(int fd, const void *data, size_t len, uint64_t offset)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = plat_pwrite(fd, p, len, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int fs_copy_file(const char *src, const char *dst, struct error *err)
{
    char *dir = xstrdup(dst);
    char *slash = (char *)last_separator(dir, strlen(dir));
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
    int out = plat_open_write(dst, PLAT_CREATE_TRUNCATE);
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
    struct plat_stat st;
    return plat_lstat(path, &st) == 0;
}

int fs_touch(const char *path, struct error *err)
{
    int fd = plat_open_write(path, PLAT_CREATE_TRUNCATE);
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

/* The listing's kind of a directory entry of the platform's type. */
static enum fs_entry_type entry_type(enum plat_type type)
{
    static const enum fs_entry_type types[] = {
        [PLAT_DIR] = FS_ENTRY_DIR, [PLAT_FILE] = FS_ENTRY_FILE, [PLAT_LINK] = FS_ENTRY_LINK,
        [PLAT_OTHER] = FS_ENTRY_OTHER};
    return types[type];
}

/* Lists `dir`, each entry described by lstat when `describe`, else by its type alone. */
static int list_dir(const char *dir, bool describe, struct fs_listing *out)
{
    memset(out, 0, sizeof *out);
    struct plat_dir *d = plat_opendir(dir);
    if (!d)
        return -1;
    const char *name;
    struct plat_stat st = {PLAT_OTHER, 0, 0};
    while ((name = describe ? plat_readdir(d, &st) : plat_readdir_type(d, &st.type)) != NULL) {
        struct fs_entry e = {xstrdup(name), entry_type(st.type), st.size, st.mtime};
        out->entries = xgrow(out->entries, &out->cap, out->count + 1, sizeof *out->entries);
        out->entries[out->count++] = e;
    }
    int saved = errno;
    plat_closedir(d);
    if (saved) {
        fs_listing_free(out);
        errno = saved;
        return -1;
    }
    if (out->count)
        qsort(out->entries, out->count, sizeof *out->entries, entry_compare);
    return 0;
}

int fs_list_dir(const char *dir, struct fs_listing *out) { return list_dir(dir, true, out); }

int fs_list_names(const char *dir, struct fs_listing *out) { return list_dir(dir, false, out); }

/* Names read ahead of the one handed out, in memory; beyond, sorted runs in temporary files. */
#define FS_NAMES_BUDGET (2u << 20)

struct fs_names {
    struct extsort *sort; /* key 0, the name as string, its fs_entry_type as one byte */
};

struct fs_names *fs_names_open(const char *dir, struct error *err)
{
    struct plat_dir *d = plat_opendir(dir);
    if (!d) {
        error_errno(err, errno, "cannot list this folder");
        return NULL;
    }
    struct fs_names *n = xcalloc(1, sizeof *n);
    n->sort = extsort_new(FS_NAMES_BUDGET);
    const char *name;
    enum plat_type type = PLAT_OTHER;
    int rc = 0;
    errno = 0;
    while (rc == 0 && (name = plat_readdir_type(d, &type)) != NULL) {
        uint8_t kind = (uint8_t)entry_type(type);
        rc = extsort_add(n->sort, 0, name, &kind, 1, err);
    }
    int saved = errno;
    plat_closedir(d);
    if (rc == 0 && saved) {
        error_errno(err, saved, "cannot list this folder");
        rc = -1;
    }
    if (rc < 0) {
        fs_names_close(n);
        return NULL;
    }
    return n;
}

int fs_names_next(struct fs_names *n, const char **name, enum fs_entry_type *type,
                  struct error *err)
{
    const char *tie;
    const void *data;
    size_t len;
    int rc = extsort_next(n->sort, &tie, &data, &len, err);
    if (rc == 1) {
        *name = tie;
        *type = (enum fs_entry_type)*(const uint8_t *)data;
    }
    return rc;
}

void fs_names_close(struct fs_names *n)
{
    if (!n)
        return;
    extsort_free(n->sort);
    free(n);
}

int fs_write_atomic(const char *path, const void *data, size_t len, struct error *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = plat_open_write(tmp, PLAT_CREATE_TRUNCATE);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && (fs_write_all(fd, data, len) != 0 || plat_fsync(fd) != 0))
        rc = -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0 && plat_rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno;
        plat_unlink(tmp);
        error_errno(err, e, "cannot write %s", path);
    }
    free(tmp);
    return rc;
}
