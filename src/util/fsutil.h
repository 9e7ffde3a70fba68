/* fsutil: the file-system chores every part of the program shares.
 *
 * Reading never follows a symbolic link and never opens anything for writing; writing happens
 * only below the output's temporary directory. All paths are byte strings as the system gives
 * them. The caller owns returned strings. */
#ifndef WLMIGRATE_FSUTIL_H
#define WLMIGRATE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/error.h"

/* One directory entry, described without following a link. */
enum fs_entry_type { FS_ENTRY_DIR, FS_ENTRY_FILE, FS_ENTRY_LINK, FS_ENTRY_OTHER };

struct fs_entry {
    char *name;
    enum fs_entry_type type;
    uint64_t size;   /* regular files only */
    int64_t mtime;
};

struct fs_listing {
    struct fs_entry *entries;
    size_t count, cap;
};

/* The one directory lister: `dir` (itself not a link) sorted by name, "." and ".." left out,
 * each entry described by lstat, so a link is seen as a link and never followed. 0, or -1
 * with errno set. */
int fs_list_dir(const char *dir, struct fs_listing *out);
/* The same with names and types only (size and mtime 0): no system call per entry, for a
 * directory whose files are described when they are opened. */
int fs_list_names(const char *dir, struct fs_listing *out);
void fs_listing_free(struct fs_listing *l);

/* A directory's names and types in name order, read one at a time in bounded memory, for a
 * folder of any number of messages: beyond 2 MiB the names wait in sorted runs in temporary
 * files (util/extsort). "." and ".." are left out; a link is a link. */
struct fs_names;
/* NULL with `err` ("cannot list this folder: ...") when `dir` cannot be read. */
struct fs_names *fs_names_open(const char *dir, struct error *err);
/* 1 with the next entry (*name valid until the next call), 0 at the end, -1 with `err`. */
int fs_names_next(struct fs_names *n, const char **name, enum fs_entry_type *type,
                  struct error *err);
/* Accepts NULL. */
void fs_names_close(struct fs_names *n);

/* "a" + "/" + "b", without doubling a slash; an empty `a` gives a copy of `b`. */
char *path_join(const char *a, const char *b);
/* The last component of `path` (a pointer into it). */
const char *path_basename(const char *path);
/* True when `path` is `dir` itself or lies below it (both absolute and canonical). */
bool path_is_within(const char *path, const char *dir);
/* Canonical absolute form of `path`, which need not exist yet: the longest existing ancestor is
 * resolved with realpath() and the remaining components are appended. NULL with err on failure. */
char *path_resolve(const char *path, struct error *err);

/* Opens a file for reading without following a final symbolic link. -1 with errno on failure. */
int fs_open_read(const char *path);
/* Reads a whole regular file of at most `max` bytes into `out`. */
int fs_read_file(const char *path, size_t max, struct buf *out, struct error *err);
/* mkdir -p. */
int fs_mkdirs(const char *path, mode_t mode, struct error *err);
/* rm -rf, never following links; a missing path is success. */
int fs_remove_tree(const char *path, struct error *err);
/* Copies `src` (not following links) to a new file `dst`, creating its directory. */
int fs_copy_file(const char *src, const char *dst, struct error *err);
/* True when `path` exists (without following a final link). */
bool fs_exists(const char *path);
/* Reads up to `len` bytes of `fd` at `offset` without moving its file position, retrying on
 * short reads: the bytes read (fewer at the end of the file), or -1 on an error. */
ssize_t fs_read_at(int fd, void *buf, size_t len, uint64_t offset);
/* Writes all of `len` bytes to `fd`, retrying on short writes. */
int fs_write_all(int fd, const void *data, size_t len);
/* The same at `offset`, without using the file position. 0, or -1 with errno. */
int fs_write_at(int fd, const void *data, size_t len, uint64_t offset);
/* Writes `len` bytes to `path` through `path`.tmp, synced and renamed into place, so that a
 * half-written file never carries the final name. 0, or -1 with `err`. */
int fs_write_atomic(const char *path, const void *data, size_t len, struct error *err);
/* Creates an empty file `path` (truncating any existing one). */
int fs_touch(const char *path, struct error *err);

#endif
