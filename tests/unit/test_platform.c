/* Unit tests for src/util/platform: the system's calls behind one API.
 *
 * Written against the API alone, so that the same test runs on Linux (make test) and, built
 * with the MinGW compiler, under Wine: files made, read at an offset, renamed over, listed and
 * removed; a Japanese path longer than 260 characters; links seen and never followed (Linux:
 * a symbolic link made here; Windows: no link is made, Wine cannot make a junction); locks,
 * random bytes, the environment and the path roots of each system. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util/platform.h"
#include "util/xalloc.h"

#ifdef _WIN32
#include <windows.h>
#endif

static char *join(const char *a, const char *b) { return xasprintf("%s/%s", a, b); }

static int write_file(const char *path, enum plat_create how, const char *text)
{
    int fd = plat_open_write(path, how);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int rc = write(fd, text, n) == (ssize_t)n && plat_fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

static char *read_file(const char *path)
{
    int fd = plat_open_read(path);
    if (fd < 0)
        return NULL;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return xstrdup(buf);
}

/* A fresh directory for the test: $TMPDIR (or /tmp; %TEMP% on Windows) / wlm-plat-PID. */
static char *scratch(void)
{
    char *tmp = plat_getenv("TMPDIR");
    if (!tmp)
        tmp = plat_getenv("TEMP");
    char *dir = xasprintf("%s/wlm-plat-%ld", tmp ? tmp : "/tmp", plat_process_id());
    free(tmp);
    return plat_mkdir(dir, 0700) == 0 ? dir : NULL;
}

static void test_files(const char *dir)
{
    char *a = join(dir, "a.txt"), *b = join(dir, "b.txt");
    ok(write_file(a, PLAT_CREATE_NEW, "hello") == 0, "a new file is created and written");
    errno = 0;
    ok(plat_open_write(a, PLAT_CREATE_NEW) < 0 && errno == EEXIST,
       "creating it again as new fails with EEXIST");

    int fd = plat_open_read(a);
    struct plat_stat st = {PLAT_OTHER, 0, 0};
    ok(fd >= 0 && plat_fstat(fd, &st) == 0 && st.type == PLAT_FILE && st.size == 5,
       "fstat of the open file: a regular file of 5 bytes");
    char got[8] = "";
    ssize_t n = plat_pread(fd, got, 3, 1);
    is_str(n == 3 ? (got[3] = '\0', got) : NULL, "ell", "pread of 3 bytes at offset 1");
    ok(plat_pread(fd, got, sizeof got, 5) == 0, "pread at the end reads nothing");
    char first[3] = "";
    ok(read(fd, first, 2) == 2 && memcmp(first, "he", 2) == 0,
       "pread did not move the file position");
    close(fd);

    ok(write_file(b, PLAT_CREATE_TRUNCATE, "old contents") == 0, "a second file");
    ok(plat_rename(a, b) == 0, "rename onto an existing file");
    char *text = read_file(b);
    is_str(text, "hello", "the target was replaced whole");
    free(text);
    errno = 0;
    ok(plat_lstat(a, &st) != 0 && errno == ENOENT, "the old name is gone (ENOENT)");

    fd = plat_open_write(b, PLAT_CREATE_KEEP);
    ok(fd >= 0 && plat_ftruncate(fd, 2) == 0 && plat_fstat(fd, &st) == 0 && st.size == 2,
       "ftruncate cuts the file to 2 bytes");
    ok(fd >= 0 && plat_lock(fd) == 0, "an exclusive lock is taken");
    int other = plat_open_write(b, PLAT_CREATE_KEEP);
    ok(other >= 0 && plat_lock(other) != 0, "a second open of the file cannot take it");
    if (other >= 0)
        close(other);
    if (fd >= 0)
        close(fd);
    ok(!plat_file_locked(b), "a file nobody holds is not locked");

    ok(plat_lstat(b, &st) == 0 && st.type == PLAT_FILE && st.size == 2 && st.mtime > 1600000000,
       "lstat: type, size and a modification time in seconds since 1970");
    ok(plat_unlink(b) == 0 && plat_lstat(b, &st) != 0, "unlink removes the file");
    free(a);
    free(b);
}

static void test_listing(const char *dir)
{
    char *sub = join(dir, "sub"), *f = join(dir, "f.eml");
    ok(plat_mkdir(sub, 0755) == 0, "mkdir");
    errno = 0;
    ok(plat_mkdir(sub, 0755) != 0 && errno == EEXIST, "mkdir of an existing directory: EEXIST");
    ok(write_file(f, PLAT_CREATE_NEW, "x") == 0, "a file beside it");
    struct plat_dir *d = plat_opendir(dir);
    ok(d != NULL, "opendir");
    int seen_sub = 0, seen_file = 0, others = 0;
    struct plat_stat st;
    for (const char *name; d && (name = plat_readdir(d, &st)) != NULL;) {
        if (strcmp(name, "sub") == 0 && st.type == PLAT_DIR)
            seen_sub++;
        else if (strcmp(name, "f.eml") == 0 && st.type == PLAT_FILE && st.size == 1)
            seen_file++;
        else
            others++;
    }
    plat_closedir(d);
    ok(seen_sub == 1 && seen_file == 1 && others == 0,
       "the listing: the directory and the file with their types, no . or ..");
    ok(plat_rmdir(sub) == 0 && plat_unlink(f) == 0, "rmdir and unlink");
    free(sub);
    free(f);
}

/* Japanese folder names nested until the path is past 260 characters (1000 bytes of UTF-8 are
 * at least 333 characters). */
static void test_long_japanese(const char *dir)
{
    static const char part[] = "受信トレイ_日本語のフォルダー名_長い名前";
    char *path = xstrdup(dir);
    int made = 1;
    size_t depth = 0;
    while (strlen(path) < 1000 && made) {
        char *next = join(path, part);
        free(path);
        path = next;
        made = plat_mkdir(path, 0755) == 0;
        depth++;
    }
    ok(made, "%zu nested Japanese folders made, the path %zu bytes long", depth, strlen(path));
    char *file = join(path, "メッセージ.eml");
    ok(write_file(file, PLAT_CREATE_NEW, "Subject: 日本語\r\n") == 0,
       "a file with a Japanese name at the bottom");
    char *text = read_file(file);
    is_str(text, "Subject: 日本語\r\n", "... read back");
    free(text);
    struct plat_dir *d = plat_opendir(path);
    struct plat_stat st;
    const char *name = d ? plat_readdir(d, &st) : NULL;
    is_str(name, "メッセージ.eml", "the listing gives its name in UTF-8");
    plat_closedir(d);
    char *real = plat_realpath(file);
    ok(real && strlen(real) > 260 && strstr(real, "メッセージ.eml"),
       "realpath of it is absolute and keeps the name");
    free(real);
    plat_unlink(file);
    free(file);
    /* back up, removing each level */
    int removed = 1;
    for (size_t i = 0; i < depth; i++) {
        removed = removed && plat_rmdir(path) == 0;
        *strrchr(path, '/') = '\0';
    }
    ok(removed, "every level removed again");
    free(path);
}

static void test_links(const char *dir)
{
#ifdef _WIN32
    (void)dir;
    ok(1, "links # SKIP no link is made on Windows here (Wine cannot make a junction)");
#else
    char *target = join(dir, "target.eml"), *link = join(dir, "link.eml");
    char *subdir = join(dir, "real"), *dirlink = join(dir, "dirlink");
    write_file(target, PLAT_CREATE_NEW, "x");
    plat_mkdir(subdir, 0755);
    ok(symlink("target.eml", link) == 0 && symlink("real", dirlink) == 0, "two links made");
    struct plat_stat st;
    ok(plat_lstat(link, &st) == 0 && st.type == PLAT_LINK, "lstat sees the link as a link");
    ok(plat_stat(link, &st) == 0 && st.type == PLAT_FILE, "stat follows it");
    errno = 0;
    ok(plat_open_read(link) < 0 && errno == ELOOP, "open for reading refuses it (ELOOP)");
    ok(plat_opendir(dirlink) == NULL, "opendir refuses a link to a directory");
    char *text = plat_readlink(link);
    is_str(text, "target.eml", "readlink gives its target");
    free(text);
    ok(plat_unlink(link) == 0 && plat_unlink(dirlink) == 0 && plat_lstat(target, &st) == 0 &&
           plat_lstat(subdir, &st) == 0,
       "unlink removes the links, not what they point to");
    plat_unlink(target);
    plat_rmdir(subdir);
    free(target);
    free(link);
    free(subdir);
    free(dirlink);
#endif
}

static void test_paths(void)
{
    ok(plat_root_length("/usr/lib") == 1 && plat_root_length("mail/x") == 0,
       "roots: /usr/lib has one, mail/x none");
    ok(plat_is_separator('/'), "/ separates");
#ifdef _WIN32
    ok(plat_root_length("C:/Users") == 3 && plat_root_length("c:\\x") == 3 &&
           plat_root_length("C:x") == 0 && plat_root_length("//server/share/x") == 15 &&
           plat_root_length("\\\\server\\share") == 14,
       "Windows roots: drive letters and UNC shares, with either slash");
    ok(plat_is_separator('\\') && plat_names_fold_case(), "\\ separates; names fold case");
    char *native = plat_library_path("C:/Mail/Local Folders/x.edb");
    is_str(native, "C:\\Mail\\Local Folders\\x.edb",
           "a narrow name for a library: backslashes, no \\\\?\\ prefix when short");
    free(native);
#else
    ok(!plat_is_separator('\\') && !plat_names_fold_case(),
       "\\ is a character of a name; names keep their case");
    char *native = plat_library_path("/srv/mail/x.edb");
    is_str(native, "/srv/mail/x.edb", "a library takes the path as it is");
    free(native);
#endif
    char *cwd = plat_getcwd();
    ok(cwd && plat_root_length(cwd) > 0, "the current directory is absolute");
    free(cwd);
    char *self = plat_self_exe();
    ok(self && strstr(self, "test_platform"), "the program's own path names it");
    free(self);
}

static void test_process(void)
{
    unsigned char r1[32], r2[32];
    ok(plat_random_bytes(r1, sizeof r1) == 0 && plat_random_bytes(r2, sizeof r2) == 0 &&
           memcmp(r1, r2, sizeof r1) != 0,
       "random bytes: two draws differ");
    ok(plat_process_alive(plat_process_id()) && !plat_process_alive(-1),
       "this process is alive, pid -1 is none");
    ok(plat_setenv("WLM_PLAT_TEST", "値") == 0, "setenv");
    char *v = plat_getenv("WLM_PLAT_TEST");
    is_str(v, "値", "getenv gives the UTF-8 value back");
    free(v);
    double t0 = plat_monotonic_seconds(), t1 = plat_monotonic_seconds();
    ok(t0 > 0 && t1 >= t0, "the monotonic clock does not go back");
    FILE *f = tmpfile();
    ok(f && !plat_isatty(f), "a file is not a terminal");
    if (f)
        fclose(f);
    ok(strcmp(plat_strerror_english(ENOENT), "No such file or directory") == 0,
       "strerror in English");
}

/* The user's own store: the registry's Store Root first, then %LOCALAPPDATA%'s folders. */
static void test_default_store(const char *dir)
{
#ifdef _WIN32
    char *local = join(dir, "Local"), *ms = join(local, "Microsoft");
    char *wlm = join(ms, "Windows Live Mail"), *root = join(dir, "ストア");
    plat_mkdir(local, 0755);
    plat_mkdir(ms, 0755);
    plat_setenv("LOCALAPPDATA", local);
    char *none = plat_default_store();
    ok(none == NULL, "no store: none is found");
    free(none);
    plat_mkdir(wlm, 0755);
    char *found = plat_default_store(), *real = plat_realpath(wlm);
    char *found_real = found ? plat_realpath(found) : NULL;
    ok(found_real && real && strcmp(found_real, real) == 0,
       "%%LOCALAPPDATA%%\\Microsoft\\Windows Live Mail is found (%s)", found ? found : "NULL");
    free(found);
    free(found_real);
    free(real);
    /* Store Root with a %VAR% in it wins over the usual place */
    plat_mkdir(root, 0755);
    plat_setenv("WLM_TEST_DIR", dir);
    HKEY key;
    bool set = RegCreateKeyExW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Windows Live Mail", 0,
                               NULL, 0, KEY_SET_VALUE, NULL, &key, NULL) == ERROR_SUCCESS;
    static const wchar_t value[] = L"%WLM_TEST_DIR%\\ストア";
    set = set && RegSetValueExW(key, L"Store Root", 0, REG_EXPAND_SZ, (const BYTE *)value,
                                sizeof value) == ERROR_SUCCESS;
    found = plat_default_store();
    char *want = plat_realpath(root);
    found_real = found ? plat_realpath(found) : NULL;
    ok(set && found_real && want && strcmp(found_real, want) == 0,
       "the registry's Store Root, %%VARS%% expanded, comes first (%s)", found ? found : "NULL");
    free(found);
    free(found_real);
    free(want);
    if (set) {
        RegDeleteValueW(key, L"Store Root");
        RegCloseKey(key);
    }
    char *out = plat_default_output();
    ok(out && strstr(out, "/wlmigrate-20") && plat_root_length(out) > 0,
       "without -o: wlmigrate-<date> on the Desktop (%s)", out ? out : "NULL");
    free(out);
    plat_rmdir(root);
    plat_rmdir(wlm);
    plat_rmdir(ms);
    plat_rmdir(local);
    free(local);
    free(ms);
    free(wlm);
    free(root);
#else
    (void)dir;
    ok(plat_default_store() == NULL && plat_default_output() == NULL,
       "Linux has no store of its own user and no default output: STORE and -o are asked for");
#endif
}

int main(int argc, char **argv)
{
    plat_init(&argc, &argv);
    char *dir = scratch();
    if (!ok(dir != NULL, "a scratch directory"))
        return tap_done();
    test_files(dir);
    test_listing(dir);
    test_long_japanese(dir);
    test_links(dir);
    test_default_store(dir);
    test_paths();
    test_process();
    ok(plat_rmdir(dir) == 0, "the scratch directory is empty at the end and removed");
    free(dir);
    int rc = tap_done();
    plat_finish();
    return rc;
}
