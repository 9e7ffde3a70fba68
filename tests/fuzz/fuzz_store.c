/* fuzz_store: libFuzzer harness for the store walk (formats/wlm/store.c through
 * wlm_store_reader: locate, open, each_message, find_contacts).
 *
 * Each input is decoded into a small directory tree (directories, message and other files of
 * chosen sizes, .oeaccount files, databases, FIFOs and symbolic links pointing inside the tree,
 * outside it, at themselves or nowhere), optionally grown from a subset of the sample stores
 * in samples/ (their real Mail.MSMessageStore included, so that files are matched with rows,
 * moved to Recovered and Backup is skipped). The reader then runs as the pipeline runs it and
 * is checked against an independent walk of the same tree (lstat, never following a link):
 *   - locate fails only when no message file lies within its depth, and finds only real
 *     directories of the tree, reached without a link;
 *   - every message file of a location is handed out exactly once (Backup at a store root
 *     excepted), none that is not one, each with path = store root + "/" + source, under the
 *     tree, with no link on the way and the size lstat gives;
 *   - each folder hands out its `messages` count, the store's total is their sum, folder names
 *     are valid UTF-8 and folder sources unique (the report keys folders by source);
 *   - a callback's status other than OK ends the walk with it;
 *   - find_contacts names only regular files under the tree, reached without a link.
 *
 * Temporary files: one directory per process, $TMPDIR/fuzz_store.XXXXXX (the tree, a directory
 * "outside" it that links point to, and a link to the tree), is made once; the tree is wiped at
 * the start and at the end of every input. The directory is removed at exit and, however the
 * process dies (a crash, a timeout, SIGKILL), by a watchdog process started at initialisation:
 * it holds the read end of a pipe whose write end only the harness has, in its own session so
 * that a signal to the harness's process group does not reach it, and removes the directory
 * when the pipe reports end of file. So a harness that crashes leaves no temporary file.
 *
 * The input: a flags byte (0x40: locate through a link to the tree; 0x0C: grow from no sample,
 * wlm-store, windows-mail-store or eml-tree; 0x30: below "", "Windows Live Mail", "Windows
 * Mail" or "AppData/Local/Microsoft/Windows Live Mail"; 0x80: with the sample's database),
 * with a sample 16 bytes of mask (bit 7 of the first: all of it), then up to 64 operations of
 * an operation byte, a parent directory byte, a name (a byte below 0xC0 picks one from the
 * dictionary; else a length and the bytes, '.eml' or '.NWS' appended when the first byte is
 * odd) and the operation's own bytes: see build_tree(). FUZZ_STORE_DEBUG=1 prints each tree,
 * location and folder.
 *
 * The samples are found through $FUZZ_STORE_SAMPLES, else "samples" beside tests/ as seen from
 * the current directory (make fuzz runs from the repository root); without them the inputs
 * build trees from scratch only.
 *
 * Build and run (from the repository root; TMPDIR=/dev/shm makes it faster):
 *   make build-fuzz/fuzz_store
 *   build-fuzz/fuzz_store -max_total_time=600 build-fuzz/corpus-store tests/fuzz/seeds-store */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "model/model.h"
#include "pipeline/reader.h"
#include "report/report.h"
#include "util/error.h"
#include "util/utf8.h"
#include "wlm/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond))                                                                             \
            fail(what, __LINE__);                                                                \
    } while (0)

static char base[PATH_MAX];     /* the per-process directory (canonical) */
static char tree[PATH_MAX];     /* base/t: the tree of this input */
static char outside[PATH_MAX];  /* base/outside: what links point to; never handed out */
static char tree_link[PATH_MAX]; /* base/tlink -> t */
static int watchdog_fd = -1;
static const char *detail = ""; /* the path a failed check is about */
static bool debug;              /* $FUZZ_STORE_DEBUG: print each tree and store */

static void fail(const char *what, int line)
{
    fprintf(stderr, "fuzz_store: %s (line %d)%s%s\n", what, line, *detail ? ": " : "", detail);
    abort();
}

/* ---- temporary directory -------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path); /* rmdir for a directory, unlink for anything else (a link itself) */
    return 0;
}

static void remove_all(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_base(void)
{
    if (base[0])
        remove_all(base);
    if (watchdog_fd >= 0)
        close(watchdog_fd);
}

/* The watchdog: removes `base` when the harness is gone, however it went. */
static void start_watchdog(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        perror("fuzz_store: pipe2");
        abort();
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fuzz_store: fork");
        abort();
    }
    if (pid == 0) {
        setsid();
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
        int null = open("/dev/null", O_RDWR);
        for (int fd = 0; fd < 3 && null >= 0; fd++)
            dup2(null, fd);
        int rd = p[0] == 3 ? 3 : dup2(p[0], 3);
        if (rd != 3)
            _exit(1);
        if (close_range(4, ~0u, 0) != 0) {
            long max = sysconf(_SC_OPEN_MAX);
            for (int fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
                close(fd);
        }
        char c;
        for (;;) {
            ssize_t n = read(rd, &c, 1);
            if (n == 0 || (n < 0 && errno != EINTR))
                break;
        }
        remove_all(base);
        _exit(0);
    }
    close(p[0]);
    watchdog_fd = p[1];
}

/* ---- the samples ---------------------------------------------------------------------------- */

struct sample_entry {
    char *rel;      /* relative to the sample store */
    bool dir;
    size_t size;
    char *content;  /* .oeaccount and databases: the bytes; else NULL (written as 'x') */
};

struct sample {
    const char *name;
    struct sample_entry *e;
    size_t count, cap;
};

static struct sample samples[] = {{"wlm-store", NULL, 0, 0},
                                  {"windows-mail-store", NULL, 0, 0},
                                  {"eml-tree", NULL, 0, 0}};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static char *sample_db;   /* wlm-store/Mail.MSMessageStore */
static size_t sample_db_len;
static char *sample_accounts[3];
static size_t sample_accounts_len[3], nsample_accounts;

static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *d = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            d = realloc(d, cap);
        }
        size_t got = fread(d + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return d;
}

static bool ends_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static void load_sample_dir(struct sample *s, const char *abs, const char *rel)
{
    DIR *d = opendir(abs);
    if (!d)
        return;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(de->d_name);
        }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        char a[PATH_MAX], r[PATH_MAX];
        snprintf(a, sizeof a, "%s/%s", abs, names[i]);
        snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        struct stat st;
        if (lstat(a, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
            if (s->count == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 64;
                s->e = realloc(s->e, s->cap * sizeof *s->e);
            }
            struct sample_entry *e = &s->e[s->count++];
            *e = (struct sample_entry){strdup(r), S_ISDIR(st.st_mode), (size_t)st.st_size, NULL};
            if (!e->dir && (ends_ci(r, ".oeaccount") || ends_ci(r, ".MSMessageStore"))) {
                e->content = read_whole(a, &e->size);
                if (e->content && ends_ci(r, ".oeaccount") && nsample_accounts < 3) {
                    sample_accounts[nsample_accounts] = e->content;
                    sample_accounts_len[nsample_accounts++] = e->size;
                }
                if (e->content && strcmp(r, "Mail.MSMessageStore") == 0 && !sample_db) {
                    sample_db = e->content;
                    sample_db_len = e->size;
                }
            }
            if (e->dir)
                load_sample_dir(s, a, r);
        }
        free(names[i]);
    }
    free(names);
}

static void load_samples(void)
{
    const char *dir = getenv("FUZZ_STORE_SAMPLES");
    if (!dir || !*dir)
        dir = "samples";
    for (size_t i = 0; i < NSAMPLES; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, samples[i].name);
        load_sample_dir(&samples[i], p, "");
    }
    if (!samples[0].count)
        fprintf(stderr, "fuzz_store: no sample stores under %s (set FUZZ_STORE_SAMPLES); trees "
                "are built from scratch only\n", dir);
}

/* ---- building a tree from the input --------------------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t len, pos;
};

static unsigned byte(struct input *in)
{
    return in->pos < in->len ? in->p[in->pos++] : 0;
}

static bool more(const struct input *in)
{
    return in->pos < in->len;
}

static const char *const dictionary[] = {
    "Inbox", "inbox", "Storage Folders", "storage folders", "Local Folders", "Backup", "backup",
    "new", "Windows Live Mail", "Windows Mail", "Microsoft", "AppData", "Local", "Users",
    "Local Settings", "Application Data", "Documents and Settings", "Windows Live", "Contacts",
    "Windows Live Contacts", "15.0", "{GUID}", "DBStore", "contacts.edb", "a.contact",
    "x.eml", "Y.EML", "z.nws", "a b.eml", ".eml", "eml", "x.eml.txt", "x.emlx", "desktop.ini",
    "winmail.fol", "Thumbs.db", "edb.chk", "edb00001.log", "edbres00001.jrs", "tmp.edb",
    "account{1}.oeaccount", "ACCT.OEACCOUNT", "Mail.MSMessageStore",
    "WindowsMail.MSMessageStore", "受信トレイ", "送信済みアイテム", "Sent Items",
    "Deleted Items", "Drafts", "Junk E-mail", "Outbox", "(recovered)", "Recovered",
    "Store root", "\xff\xfe.eml", ("\x8e\xf3\x90M\x83g\x83\x8c\x83" "C"), "Inbox\\x.eml",
    "Storage Folders\\Inbox", "2E5B12DD-0000000B.eml", "2E5B1B70-00000010.eml",
    "1C3A01B7-00000001.eml", "2E5B31BB-0000001D.eml", "Gmail (taro 48a", "INBOX",
    "家族", "取引先", "[Gmail]", "All Mail", " ", "...eml", "-", "~x.eml",
};
#define NDICT (sizeof dictionary / sizeof dictionary[0])

#define MAX_ENTRIES 256
#define MAX_DEPTH 10

struct entry {
    char rel[PATH_MAX / 4];
    int depth; /* directories only: of the directory itself, the tree root being 0 */
    bool dir;
};

static struct entry entries[MAX_ENTRIES];
static size_t nentries;

static void add_entry(const char *rel, bool dir, int depth)
{
    if (nentries < MAX_ENTRIES) {
        snprintf(entries[nentries].rel, sizeof entries[nentries].rel, "%s", rel);
        entries[nentries].dir = dir;
        entries[nentries].depth = depth;
        nentries++;
    }
}

/* A directory of the tree picked by the input; "" is the root. */
static const struct entry *pick_dir(struct input *in)
{
    static const struct entry root = {"", 0, true};
    size_t ndirs = 0;
    for (size_t i = 0; i < nentries; i++)
        ndirs += entries[i].dir;
    unsigned k = byte(in) % (ndirs + 1);
    if (k == 0)
        return &root;
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].dir && --k == 0)
            return &entries[i];
    return &root;
}

static void pick_name(struct input *in, char *out, size_t cap)
{
    unsigned b = byte(in);
    if (b < 0xC0) {
        snprintf(out, cap, "%s", dictionary[b % NDICT]);
        return;
    }
    size_t n = 1 + byte(in) % 40, k = 0;
    for (; k < n && k + 1 < cap && more(in); k++) {
        char c = (char)byte(in);
        out[k] = c == '/' || c == '\0' ? '_' : c;
    }
    if (k == 0)
        out[k++] = '_';
    out[k] = '\0';
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        snprintf(out, cap, "_..");
    if (b & 1) { /* end it like a message file */
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s", b & 2 ? ".eml" : ".NWS");
    }
}

static bool join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s%s%s", a, *a && *b ? "/" : "", b);
    return n > 0 && (size_t)n < cap;
}

static void write_file(const char *abs, const char *data, size_t len)
{
    int fd = open(abs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fd);
}

static void write_filled(const char *abs, size_t len)
{
    static char xs[4096];
    if (!xs[0])
        memset(xs, 'x', sizeof xs);
    if (len > sizeof xs)
        len = sizeof xs;
    write_file(abs, xs, len);
}

/* mkdir -p of rel (below the tree), recording new directories. */
static void make_dirs(const char *rel)
{
    char part[PATH_MAX];
    int depth = 0;
    for (const char *p = rel;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - rel);
            char abs[PATH_MAX];
            snprintf(part, sizeof part, "%.*s", (int)n, rel);
            depth++;
            if (join(abs, sizeof abs, tree, part) && mkdir(abs, 0755) == 0)
                add_entry(part, true, depth);
        }
        if (*p == '\0')
            break;
    }
}

/* A subset of a sample store, below `prefix`. */
static void grow_sample(struct input *in, const struct sample *s, const char *prefix,
                        bool with_db)
{
    uint8_t mask[16];
    for (size_t i = 0; i < sizeof mask; i++)
        mask[i] = (uint8_t)byte(in);
    bool all = (mask[0] & 0x80) != 0;
    for (size_t i = 0; i < s->count; i++) {
        const struct sample_entry *e = &s->e[i];
        size_t bit = i % (sizeof mask * 8 - 1) + 1;
        if (!all && !(mask[bit / 8] >> (bit % 8) & 1))
            continue;
        /* Opening the sample database costs most of an input's time: only when asked. */
        if (!with_db && ends_ci(e->rel, ".MSMessageStore"))
            continue;
        char rel[PATH_MAX], abs[PATH_MAX];
        if (!join(rel, sizeof rel, prefix, e->rel) || !join(abs, sizeof abs, tree, rel))
            continue;
        if (e->dir) {
            make_dirs(rel);
            continue;
        }
        char *slash = strrchr(rel, '/');
        if (slash) {
            *slash = '\0';
            make_dirs(rel);
            *slash = '/';
        }
        if (e->content)
            write_file(abs, e->content, e->size);
        else
            write_filled(abs, e->size);
        add_entry(rel, false, 0);
    }
}

static const char *const account_templates[] = {
    ("<MessageAccount><Account_Name type=\"SZ\">Fuzz</Account_Name>"
     "<IMAP_Server type=\"SZ\">imap.example.test</IMAP_Server></MessageAccount>"),
    "<MessageAccount><POP3_Server type=\"SZ\">pop.example.test</POP3_Server></MessageAccount>",
    "<MessageAccount></MessageAccount>",
    "<!DOCTYPE x><MessageAccount/>",
};

static void build_tree(struct input *in)
{
    nentries = 0;
    unsigned flags = byte(in);
    if (flags & 0x0C) {
        const struct sample *s = &samples[((flags >> 2) & 3) - 1]; /* 1..3 */
        static const char *const prefixes[] = {"", "Windows Live Mail", "Windows Mail",
                                               "AppData/Local/Microsoft/Windows Live Mail"};
        const char *prefix = prefixes[(flags >> 4) & 3];
        if (*prefix)
            make_dirs(prefix);
        grow_sample(in, s, prefix, (flags & 0x80) != 0);
    }
    for (int ops = 0; ops < 64 && more(in); ops++) {
        unsigned op = byte(in) % 8;
        const struct entry *parent = pick_dir(in);
        char parent_rel[PATH_MAX / 4];
        snprintf(parent_rel, sizeof parent_rel, "%s", parent->rel);
        int depth = parent->depth;
        char name[256], rel[PATH_MAX], abs[PATH_MAX];
        pick_name(in, name, sizeof name);
        if (!join(rel, sizeof rel, parent_rel, name) || !join(abs, sizeof abs, tree, rel) ||
            strlen(rel) >= sizeof entries[0].rel)
            continue;
        switch (op) {
        case 0:
        case 1:
            if (depth < MAX_DEPTH && mkdir(abs, 0755) == 0)
                add_entry(rel, true, depth + 1);
            break;
        case 2:
        case 3:
            write_filled(abs, byte(in) * (op == 3 ? 16 : 1));
            add_entry(rel, false, 0);
            break;
        case 4: { /* a symbolic link */
            char target[PATH_MAX];
            unsigned t = byte(in) % 9;
            if (t == 0)
                snprintf(target, sizeof target, "%s", outside);
            else if (t == 1)
                snprintf(target, sizeof target, "%s/evil.eml", outside);
            else if (t == 2)
                snprintf(target, sizeof target, "..");
            else if (t == 3)
                snprintf(target, sizeof target, ".");
            else if (t == 4)
                snprintf(target, sizeof target, "%s", tree);
            else if (t == 5)
                snprintf(target, sizeof target, "missing.eml");
            else if (t == 6)
                snprintf(target, sizeof target, "%s/Storage Folders", outside);
            else if (t == 7 && nentries)
                snprintf(target, sizeof target, "%s/%s", tree, entries[byte(in) % nentries].rel);
            else
                snprintf(target, sizeof target, "/");
            if (symlink(target, abs) == 0)
                add_entry(rel, false, 0);
            break;
        }
        case 5: /* a FIFO: not a regular file, never opened by the walk */
            if (mkfifo(abs, 0644) == 0)
                add_entry(rel, false, 0);
            break;
        case 6: { /* an account file */
            unsigned k = byte(in) % 6;
            if (k < nsample_accounts) {
                write_file(abs, sample_accounts[k], sample_accounts_len[k]);
            } else if (k < 5) {
                const char *tpl = account_templates[k % 4];
                write_file(abs, tpl, strlen(tpl));
            } else {
                size_t n = byte(in);
                n = n > in->len - in->pos ? in->len - in->pos : n;
                write_file(abs, (const char *)in->p + in->pos, n);
                in->pos += n;
            }
            add_entry(rel, false, 0);
            break;
        }
        case 7: { /* a database: the sample's, cut short, or bytes */
            unsigned k = byte(in);
            if (sample_db && k < 128)
                write_file(abs, sample_db, sample_db_len);
            else if (sample_db && k < 192)
                write_file(abs, sample_db, (size_t)(k - 127) * 4096 % sample_db_len);
            else
                write_filled(abs, k);
            add_entry(rel, false, 0);
            break;
        }
        }
    }
}

/* ---- the independent walk ------------------------------------------------------------------- */

struct names {
    char **v;
    size_t n, cap;
};

static void names_add(struct names *s, const char *x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = strdup(x);
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (struct names){0};
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_message_name(const char *name)
{
    return ends_ci(name, ".eml") || ends_ci(name, ".nws");
}

/* Message files below abs (relative paths from rel), without entering links; `skip_backup`
 * at the top. */
static void expect_messages(const char *abs, const char *rel, bool skip_backup, struct names *out)
{
    DIR *d = opendir(abs);
    CHECK(d != NULL, "harness: cannot list a directory of its own tree");
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char a[PATH_MAX], r[PATH_MAX];
        if (!join(a, sizeof a, abs, de->d_name) || !join(r, sizeof r, rel, de->d_name))
            continue;
        struct stat st;
        if (lstat(a, &st) != 0 || S_ISLNK(st.st_mode))
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (!(skip_backup && strcasecmp(de->d_name, "Backup") == 0))
                expect_messages(a, r, false, out);
        } else if (is_message_name(de->d_name)) {
            names_add(out, r);
        }
    }
    closedir(d);
}

/* Whether a regular message file lies within `depth` levels below abs, through directories. */
static bool holds_messages(const char *abs, int depth)
{
    if (depth > 8)
        return false;
    DIR *d = opendir(abs);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char a[PATH_MAX];
        struct stat st;
        if (!join(a, sizeof a, abs, de->d_name) || lstat(a, &st) != 0)
            continue;
        if (S_ISREG(st.st_mode) && is_message_name(de->d_name))
            found = true;
        else if (S_ISDIR(st.st_mode))
            found = holds_messages(a, depth + 1);
    }
    closedir(d);
    return found;
}

/* `path` lies below the tree and no component below the tree is a link; its last component is
 * of `type` (S_IFDIR, S_IFREG) or, with 0, anything but a link or a directory. */
static void check_under_tree(const char *path, mode_t type, const char *what)
{
    detail = path;
    size_t tl = strlen(tree);
    CHECK(strncmp(path, tree, tl) == 0 && (path[tl] == '/' || path[tl] == '\0'), what);
    if (path[tl] == '\0') {
        CHECK(type == S_IFDIR, what);
        detail = "";
        return;
    }
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (size_t i = tl + 1;;) {
        char *slash = strchr(p + i, '/');
        size_t n = slash ? (size_t)(slash - (p + i)) : strlen(p + i);
        CHECK(n > 0 && !(n == 1 && p[i] == '.') && !(n == 2 && p[i] == '.' && p[i + 1] == '.'),
              what);
        if (slash)
            *slash = '\0';
        struct stat st;
        CHECK(lstat(p, &st) == 0 && !S_ISLNK(st.st_mode), what);
        if (!slash) {
            CHECK(type ? (st.st_mode & S_IFMT) == type : !S_ISDIR(st.st_mode), what);
            break;
        }
        CHECK(S_ISDIR(st.st_mode), what);
        *slash = '/';
        i = (size_t)(slash - p) + 1;
    }
    detail = "";
}

/* ---- running the reader --------------------------------------------------------------------- */

struct walk_ctx {
    const struct model_store *store;
    struct names *expected; /* sorted */
    unsigned char *seen;
    size_t handed;
    size_t stop_after; /* return STATUS_STOPPED after this many calls; 0: never */
    size_t calls;
};

static enum status on_message(void *ctx, const struct model_message *m)
{
    struct walk_ctx *w = ctx;
    w->calls++;
    if (w->stop_after)
        return w->calls >= w->stop_after ? STATUS_STOPPED : STATUS_OK;
    detail = m->source ? m->source : "(null)";
    CHECK(m->source && m->path, "a message without source or path");
    CHECK(m->source[0] && m->source[0] != '/', "a source that is not relative");
    char want[PATH_MAX * 2];
    snprintf(want, sizeof want, "%s/%s", w->store->root, m->source);
    CHECK(strcmp(m->path, want) == 0, "path is not store root + source");
    check_under_tree(m->path, 0, "a message path outside the tree or through a link");
    detail = m->source;
    struct stat st;
    CHECK(lstat(m->path, &st) == 0, "a message path that does not exist");
    CHECK(m->size == (S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0), "the size is not lstat's");
    char **hit = bsearch(&m->source, w->expected->v, w->expected->n, sizeof(char *), cmp_str);
    CHECK(hit != NULL, "handed out a file that is not a message file of the store");
    size_t i = (size_t)(hit - w->expected->v);
    CHECK(!w->seen[i], "handed out the same file twice");
    w->seen[i] = 1;
    w->handed++;
    detail = "";
    return STATUS_OK;
}

struct folder_list {
    const struct model_folder **v;
    size_t n, cap;
};

static void collect_folders(const struct model_folder *f, struct folder_list *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = f;
    for (size_t i = 0; i < f->nchildren; i++) {
        CHECK(f->children[i]->parent == f, "a folder's parent is not the folder above it");
        collect_folders(f->children[i], l);
    }
}

static int cmp_folder_source(const void *a, const void *b)
{
    return strcmp((*(const struct model_folder *const *)a)->source,
                  (*(const struct model_folder *const *)b)->source);
}

static void check_store(const struct reader_location *loc)
{
    const struct reader_ops *r = &wlm_store_reader;
    struct report *rep = report_new();
    struct error err = {{0}};
    struct model_store *s = r->open(loc, rep, &err);
    detail = loc->path;
    CHECK(s != NULL, "open fails on a location locate found");
    CHECK(strcmp(s->root, loc->path) == 0, "the store root is not the location");

    struct names expected = {0};
    bool skip_backup = !loc->account_only && loc->kind != MODEL_STORE_EML_TREE;
    expect_messages(loc->path, "", skip_backup, &expected);
    if (expected.n)
        qsort(expected.v, expected.n, sizeof *expected.v, cmp_str);
    struct walk_ctx w = {s, &expected, calloc(expected.n + 1, 1), 0, 0, 0};

    struct folder_list fl = {0};
    collect_folders(s->top, &fl);
    for (size_t i = 0; debug && i < fl.n; i++)
        fprintf(stderr, "fuzz_store: folder \"%s\" source \"%s\" messages %zu%s\n", fl.v[i]->name,
                fl.v[i]->source, fl.v[i]->messages, fl.v[i]->files ? " (listed files)" : "");
    if (debug)
        fprintf(stderr, "fuzz_store: %zu message files expected, database %s\n", expected.n,
                model_database_name(s->database_state));
    size_t total = 0;
    for (size_t i = 1; i < fl.n; i++) { /* [0] is the invisible root: not walked */
        const struct model_folder *f = fl.v[i];
        detail = f->source ? f->source : "(null)";
        CHECK(f->name && utf8_valid(f->name, strlen(f->name)), "a folder name not valid UTF-8");
        CHECK(f->source, "a folder without a source");
        size_t before = w.handed;
        enum status st = r->each_message(s, f, on_message, &w, &err);
        detail = f->source;
        CHECK(st == STATUS_OK, "each_message fails on a folder of the store");
        CHECK(w.handed - before == f->messages, "a folder hands out other than its count");
        total += f->messages;
    }
    CHECK(s->top->messages == 0, "the invisible root has messages");
    CHECK(total == s->messages, "the store's count is not the sum of its folders'");
    CHECK(w.handed == expected.n, "a message file of the store was not handed out");
    for (size_t i = 0; i < expected.n; i++) {
        detail = expected.v[i];
        CHECK(w.seen[i], "a message file of the store was not handed out");
    }
    detail = "";

    /* Folder sources are unique: the report keys its folder rows by them. */
    if (fl.n > 2) {
        qsort(fl.v + 1, fl.n - 1, sizeof *fl.v, cmp_folder_source);
        for (size_t i = 2; i < fl.n; i++) {
            detail = fl.v[i]->source;
            if (strcmp(fl.v[i - 1]->source, fl.v[i]->source) != 0)
                continue;
            fail("two folders with the same source", __LINE__);
        }
    }
    detail = "";

    /* A status other than OK ends the walk with it. */
    for (size_t i = 1; i < fl.n; i++)
        if (fl.v[i]->messages >= 2) {
            struct walk_ctx stop = {s, &expected, NULL, 0, 1, 0};
            CHECK(r->each_message(s, fl.v[i], on_message, &stop, &err) == STATUS_STOPPED &&
                      stop.calls == 1, "a callback's STOPPED does not end the walk");
            break;
        }

    free(fl.v);
    free(w.seen);
    names_free(&expected);
    model_store_free(s);
    report_free(rep);
}

static void on_contacts(void *ctx, const char *path, const char *kind)
{
    (void)ctx;
    CHECK(kind && (!strcmp(kind, "edb") || !strcmp(kind, "contact")), "an unknown contacts kind");
    check_under_tree(path, S_IFREG, "an address book outside the tree or through a link");
}

static void run_reader(bool via_link)
{
    const struct reader_ops *r = &wlm_store_reader;
    struct reader_location *locs = NULL;
    size_t n = 0;
    struct error err = {{0}};
    enum status st = r->locate(via_link ? tree_link : tree, &locs, &n, &err);
    if (st != STATUS_OK) {
        CHECK(st == STATUS_STORE_BAD && n == 0 && !locs && err.msg[0], "locate's failure");
        CHECK(!holds_messages(tree, 0), "locate found nothing where message files are");
        return;
    }
    CHECK(n >= 1 && locs, "locate succeeds with nothing");
    if (debug) {
        for (size_t i = 0; i < nentries; i++)
            fprintf(stderr, "fuzz_store: tree %s%s\n", entries[i].rel, entries[i].dir ? "/" : "");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "fuzz_store: location %s (kind %d%s)\n", locs[i].path, locs[i].kind,
                    locs[i].account_only ? ", one account" : "");
    }
    for (size_t i = 0; i < n; i++) {
        check_under_tree(locs[i].path, S_IFDIR, "a location outside the tree or through a link");
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(locs[k].path, locs[i].path) != 0, "locate gives a location twice");
        check_store(&locs[i]);
        r->find_contacts(locs[i].path, on_contacts, NULL);
    }
    r->find_contacts(via_link ? tree_link : tree, on_contacts, NULL);
    reader_locations_free(locs, n);
}

/* ---- libFuzzer ------------------------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    g_mime_init();
    const char *tmp = getenv("TMPDIR");
    char templ[PATH_MAX];
    snprintf(templ, sizeof templ, "%s/fuzz_store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ) || !realpath(templ, base)) {
        perror("fuzz_store: mkdtemp");
        abort();
    }
    start_watchdog();
    atexit(remove_base);
    snprintf(tree, sizeof tree, "%s/t", base);
    snprintf(outside, sizeof outside, "%s/outside", base);
    snprintf(tree_link, sizeof tree_link, "%s/tlink", base);
    char p[PATH_MAX];
    mkdir(outside, 0755);
    snprintf(p, sizeof p, "%s/evil.eml", outside);
    write_file(p, "Subject: outside\n\nx\n", 20);
    snprintf(p, sizeof p, "%s/Storage Folders", outside);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/Storage Folders/evil2.eml", outside);
    write_file(p, "Subject: outside\n\nx\n", 20);
    if (symlink("t", tree_link) != 0) {
        perror("fuzz_store: symlink");
        abort();
    }
    load_samples();
    debug = getenv("FUZZ_STORE_DEBUG") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    remove_all(tree);
    if (mkdir(tree, 0755) != 0) {
        perror("fuzz_store: mkdir");
        abort();
    }
    struct input in = {data, size, 0};
    bool via_link = size > 0 && (data[0] & 0x40);
    build_tree(&in);
    run_reader(via_link);
    remove_all(tree);
    return 0;
}
