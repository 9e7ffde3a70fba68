/* Builds sample PST files for the end-to-end reader checks (tests/e2e/80-pst-*.t).
 *
 *   test_pst_build                      TAP self-check: builds every sample into a temp dir
 *   test_pst_build DIR                  empty.pst, tree.pst, mail.pst into DIR
 *   test_pst_build DIR random SEED N    N random stores DIR/random-SEED-I.pst
 *   test_pst_build DIR large [N]        DIR/large.pst: N messages (default 20,000) in one folder,
 *                                       and a folder whose message has a property context of
 *                                       several heap blocks, a 200-row recipient table and an
 *                                       embedded message; DIR/large.estimate holds
 *                                       pst_writer_size_estimate() just before the commit
 *
 * Beside every NAME.pst goes NAME.expect: the folder lines pst-walk.js must print for it
 * (FOLDER path count= unread= sub= class=), then ITEM lines with the subjects per folder, so
 * the script compares each reader with what we meant to write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "pst/pstwriter.h"
#include "tap.h"

/* ---- the expected listing ---- */

struct xfolder {
    char *path;
    char *klass;
    struct pst_folder *h;
    int count, unread, nkids;
    struct buf items; /* subject lines */
    int parent;       /* index, -1 for top */
};

struct xstore {
    struct pst_writer *w;
    struct xfolder f[512];
    int n;
};

static int xadd(struct xstore *s, int parent, const char *name, const char *klass)
{
    struct error err = {{0}};
    struct pst_folder *p = parent < 0 ? pst_writer_top(s->w) : s->f[parent].h;
    struct pst_folder *h = pst_writer_add_folder(s->w, p, name, klass, &err);
    if (!h) {
        fprintf(stderr, "add_folder: %s\n", err.msg);
        exit(2);
    }
    struct xfolder *x = &s->f[s->n];
    memset(x, 0, sizeof *x);
    x->h = h;
    x->parent = parent;
    x->klass = klass ? strdup(klass) : strdup("");
    const char *pp = parent < 0 ? "/Top of Outlook data file" : s->f[parent].path;
    size_t len = strlen(pp) + strlen(name) + 2;
    x->path = malloc(len);
    snprintf(x->path, len, "%s/%s", pp, name);
    if (parent >= 0)
        s->f[parent].nkids++;
    return s->n++;
}

static void xmsg(struct xstore *s, int fi, const char *subject, int read, size_t body_len,
                 int nrcpt, int natt)
{
    struct pst_prop props[8];
    size_t np = 0;
    char *body = malloc(body_len + 1);
    for (size_t i = 0; i < body_len; i++)
        body[i] = (char)('a' + i % 26);
    body[body_len] = 0;
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0037, 0x001F), .data = subject, .len = (size_t)-1};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0E07, 0x0003), .num = read ? 1 : 0};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x1000, 0x001F), .data = body, .len = body_len};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0E06, 0x0040), .num = 133500000000000000ull};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0C1A, 0x001F), .data = "送信者 Sender", .len = (size_t)-1};
    struct pst_prop rprops[4][4];
    struct pst_proplist rl[4];
    for (int r = 0; r < nrcpt && r < 4; r++) {
        rprops[r][0] = (struct pst_prop){.tag = PST_TAG(0x0C15, 0x0003), .num = 1};
        rprops[r][1] = (struct pst_prop){.tag = PST_TAG(0x3001, 0x001F), .data = "受取人", .len = (size_t)-1};
        rprops[r][2] = (struct pst_prop){.tag = PST_TAG(0x3003, 0x001F), .data = "to@example.jp", .len = (size_t)-1};
        rprops[r][3] = (struct pst_prop){.tag = PST_TAG(0x3002, 0x001F), .data = "SMTP", .len = (size_t)-1};
        rl[r] = (struct pst_proplist){rprops[r], 4};
    }
    static uint8_t data[20000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    struct pst_prop aprops[3][2];
    struct pst_proplist al[3];
    for (int a = 0; a < natt && a < 3; a++) {
        aprops[a][0] = (struct pst_prop){.tag = PST_TAG(0x3707, 0x001F), .data = "添付.bin", .len = (size_t)-1};
        aprops[a][1] = (struct pst_prop){.tag = PST_TAG(0x3701, 0x0102), .data = data,
                                         .len = a == 0 ? 100 : sizeof data};
        al[a] = (struct pst_proplist){aprops[a], 2};
    }
    struct pst_message m = {{props, np}, rl, (size_t)(nrcpt < 4 ? nrcpt : 4), al, (size_t)(natt < 3 ? natt : 3)};
    struct error err = {{0}};
    if (pst_writer_add_message(s->w, s->f[fi].h, &m, &err) < 0) {
        fprintf(stderr, "add_message: %s\n", err.msg);
        exit(2);
    }
    free(body);
    struct xfolder *x = &s->f[fi];
    x->count++;
    x->unread += !read;
    buf_printf(&x->items, "  ITEM subject=\"%s\" read=%s\n", subject, read ? "true" : "false");
}

static void xlist(struct xstore *s, FILE *out, int parent)
{
    for (int i = 0; i < s->n; i++) {
        if (s->f[i].parent != parent)
            continue;
        struct xfolder *x = &s->f[i];
        fprintf(out, "FOLDER %s count=%d unread=%d sub=%s class=%s\n", x->path, x->count, x->unread,
                x->nkids ? "true" : "false", x->klass);
        fputs(buf_str(&x->items), out);
        xlist(s, out, i);
    }
}

static int xcommit(struct xstore *s, const char *dir, const char *name)
{
    char path[4096], exp[4096];
    snprintf(path, sizeof path, "%s/%s.pst", dir, name);
    snprintf(exp, sizeof exp, "%s/%s.expect", dir, name);
    struct error err = {{0}};
    int rc = pst_writer_commit(s->w, &err);
    if (rc < 0)
        fprintf(stderr, "commit: %s\n", err.msg);
    FILE *f = fopen(exp, "w");
    if (f) {
        xlist(s, f, -1);
        fclose(f);
    }
    for (int i = 0; i < s->n; i++) {
        free(s->f[i].path);
        free(s->f[i].klass);
        buf_free(&s->f[i].items);
    }
    s->n = 0;
    return rc;
}

static struct xstore *xopen(const char *dir, const char *name, const char *store_name)
{
    static struct xstore s;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.pst", dir, name);
    struct error err = {{0}};
    memset(&s, 0, sizeof s);
    s.w = pst_writer_open(path, store_name, &err);
    if (!s.w) {
        fprintf(stderr, "open: %s\n", err.msg);
        exit(2);
    }
    return &s;
}

/* ---- the samples ---- */

static int build_empty(const char *dir)
{
    return xcommit(xopen(dir, "empty", "Empty"), dir, "empty");
}

static int build_tree(const char *dir)
{
    struct xstore *s = xopen(dir, "tree", "移行テスト");
    int inbox = xadd(s, -1, "受信トレイ", "IPF.Note");
    int work = xadd(s, inbox, "仕事", "IPF.Note");
    xadd(s, work, "2024年 プロジェクト", "IPF.Note");
    xadd(s, work, "会議", "IPF.Note");
    int priv = xadd(s, inbox, "個人", "IPF.Note");
    xadd(s, priv, "旅行 ✈ 𠮷野家", "IPF.Note");
    xadd(s, -1, "送信済みアイテム", "IPF.Note");
    xadd(s, -1, "連絡先", "IPF.Contact");
    return xcommit(s, dir, "tree");
}

static int build_mail(const char *dir)
{
    struct xstore *s = xopen(dir, "mail", "Mail");
    int inbox = xadd(s, -1, "受信トレイ", "IPF.Note");
    int sub = xadd(s, inbox, "サブ", "IPF.Note");
    xmsg(s, inbox, "こんにちは", 1, 100, 1, 0);
    xmsg(s, inbox, "Large body", 0, 30000, 2, 2);
    xmsg(s, sub, "Attachment", 1, 10, 1, 1);
    for (int i = 0; i < 300; i++) {
        char subj[64];
        snprintf(subj, sizeof subj, "Bulk message %d", i);
        xmsg(s, sub, subj, i % 3 == 0, 50, 1, 0);
    }
    return xcommit(s, dir, "mail");
}

/* A message whose property context spans several heap blocks: six named PS_INTERNET_HEADERS
 * strings of 1,700 characters (3,400 bytes each, so they stay in the heap), a 3,500-byte HTML
 * body, a plain body, 200 recipients (the recipient table needs a row matrix subnode and a
 * heap of several blocks) and an embedded message, itself with a wide PC. */
static void xmsg_wide(struct xstore *s, int fi, const char *subject)
{
    static const struct pst_propname hdr[6] = {
        {{0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, 0, "x-wide-1"},
        {{0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, 0, "x-wide-2"},
        {{0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, 0, "x-wide-3"},
        {{0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, 0, "x-wide-4"},
        {{0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, 0, "x-wide-5"},
        {{0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, 0, "x-wide-6"},
    };
    static char text[1701], html[3501];
    memset(text, 'w', 1700);
    memset(html, 'h', 3500);
    struct pst_prop props[16];
    size_t np = 0;
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0037, 0x001F), .data = subject, .len = (size_t)-1};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0E07, 0x0003), .num = 1};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x1000, 0x001F), .data = text, .len = 1700};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x1013, 0x0102), .data = html, .len = 3500};
    props[np++] = (struct pst_prop){.tag = PST_TAG(0x0E06, 0x0040), .num = 133500000000000000ull};
    for (int i = 0; i < 6; i++)
        props[np++] = (struct pst_prop){.tag = PST_TAG(0, 0x001F), .name = &hdr[i], .data = text,
                                        .len = 1700};
    static struct pst_prop rprops[200][4];
    static struct pst_proplist rl[200];
    static char names[200][32];
    for (int r = 0; r < 200; r++) {
        snprintf(names[r], sizeof names[r], "受取人 %d", r);
        rprops[r][0] = (struct pst_prop){.tag = PST_TAG(0x0C15, 0x0003), .num = 1 + r % 3};
        rprops[r][1] = (struct pst_prop){.tag = PST_TAG(0x3001, 0x001F), .data = names[r], .len = (size_t)-1};
        rprops[r][2] = (struct pst_prop){.tag = PST_TAG(0x3003, 0x001F), .data = "to@example.jp", .len = (size_t)-1};
        rprops[r][3] = (struct pst_prop){.tag = PST_TAG(0x3002, 0x001F), .data = "SMTP", .len = (size_t)-1};
        rl[r] = (struct pst_proplist){rprops[r], 4};
    }
    /* The embedded message: the same wide properties, no recipients. */
    struct pst_message inner = {{props, np}, NULL, 0, NULL, 0};
    struct pst_prop aprops[] = {
        {.tag = PST_TAG(0x3001, 0x001F), .data = "埋め込み", .len = (size_t)-1},
        {.tag = PST_PROP_EMBEDDED, .data = &inner},
    };
    struct pst_proplist al = {aprops, 2};
    struct pst_message m = {{props, np}, rl, 200, &al, 1};
    struct error err = {{0}};
    if (pst_writer_add_message(s->w, s->f[fi].h, &m, &err) < 0) {
        fprintf(stderr, "add_message: %s\n", err.msg);
        exit(2);
    }
    s->f[fi].count++;
    buf_printf(&s->f[fi].items, "  ITEM subject=\"%s\" read=true\n", subject);
}

/* N small messages in one folder (a contents table heap of many blocks, a row matrix of many
 * blocks, an index BTH with levels), and the wide message of xmsg_wide. The size estimate
 * the --pst-max-size split relies on is written beside it. */
static int build_large(const char *dir, int n)
{
    struct xstore *s = xopen(dir, "large", "Large");
    int big = xadd(s, -1, "大量", "IPF.Note");
    int wide = xadd(s, -1, "Wide", "IPF.Note");
    for (int i = 0; i < n; i++) {
        char subj[64];
        snprintf(subj, sizeof subj, "Message %05d of the large folder", i);
        xmsg(s, big, subj, i % 4 != 0, 40 + (size_t)(i % 200), 1, 0);
    }
    xmsg_wide(s, wide, "A message wider than one heap block");
    char path[4096];
    snprintf(path, sizeof path, "%s/large.estimate", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%llu\n", (unsigned long long)pst_writer_size_estimate(s->w));
        fclose(f);
    }
    return xcommit(s, dir, "large");
}

/* The size estimate against the worst case of the padded heap: 3,000 messages whose subjects
 * take 3,400 bytes, so that almost half of every contents-table heap block stays unused.
 * Returns 1 when the estimate just before the commit is not below the file's size. */
static int estimate_holds(const char *dir, uint64_t *est_out, uint64_t *size_out)
{
    struct xstore *s = xopen(dir, "waste", "Waste");
    int f = xadd(s, -1, "Wide subjects", "IPF.Note");
    static char subj[1701];
    for (int i = 0; i < 3000; i++) {
        char num[16];
        int k = snprintf(num, sizeof num, "%05u ", (unsigned)i);
        memset(subj, 'a' + i % 26, 1700);
        memcpy(subj, num, (size_t)k);
        xmsg(s, f, subj, 1, 10, 1, 0);
    }
    uint64_t est = pst_writer_size_estimate(s->w);
    if (xcommit(s, dir, "waste") < 0)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/waste.pst", dir);
    struct stat st;
    *est_out = est;
    *size_out = stat(path, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
    return *size_out <= est;
}

/* A deterministic generator so a failing seed can be replayed. */
static unsigned long long rng;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static int build_random(const char *dir, unsigned long long seed, int index)
{
    static const char *words[] = {"受信", "仕事", "Archive", "プロジェクト", "メモ", "2023",
                                  "café", "данные", "日本語フォルダ", "x", "𩸽", "Ωmega"};
    char name[64];
    snprintf(name, sizeof name, "random-%llu-%d", seed, index);
    rng = seed * 1000003ull + (unsigned long long)index + 1;
    struct xstore *s = xopen(dir, name, name);
    int nfolders = 1 + (int)rnd(40);
    for (int i = 0; i < nfolders && s->n < 500; i++) {
        int parent = s->n == 0 || rnd(4) == 0 ? -1 : (int)rnd((unsigned)s->n);
        char fname[128];
        snprintf(fname, sizeof fname, "%s %s %d", words[rnd(12)], words[rnd(12)], i);
        int fi = xadd(s, parent, fname, rnd(5) == 0 ? "IPF.Contact" : "IPF.Note");
        int nmsg = rnd(3) == 0 ? (int)rnd(60) : 0;
        for (int m = 0; m < nmsg; m++) {
            char subj[128];
            snprintf(subj, sizeof subj, "%s %d-%d", words[rnd(12)], i, m);
            xmsg(s, fi, subj, (int)rnd(2), rnd(4) == 0 ? 5000 + rnd(20000) : rnd(300), (int)rnd(3),
                 rnd(6) == 0 ? 1 + (int)rnd(2) : 0);
        }
    }
    return xcommit(s, dir, name);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[2], "random") == 0) {
        unsigned long long seed = strtoull(argv[3], NULL, 10);
        int n = atoi(argv[4]);
        for (int i = 0; i < n; i++)
            if (build_random(argv[1], seed, i) < 0)
                return 1;
        return 0;
    }
    if (argc >= 3 && strcmp(argv[2], "large") == 0)
        return build_large(argv[1], argc >= 4 ? atoi(argv[3]) : 20000) < 0;
    if (argc == 2)
        return build_empty(argv[1]) < 0 || build_tree(argv[1]) < 0 || build_mail(argv[1]) < 0;

    char dir[] = "/tmp/test_pst_build.XXXXXX";
    ok(mkdtemp(dir) != NULL, "temporary directory");
    is_int(build_empty(dir), 0, "empty store committed");
    is_int(build_tree(dir), 0, "folder tree committed");
    is_int(build_mail(dir), 0, "store with messages committed");
    is_int(build_random(dir, 1, 0), 0, "random store committed");
    is_int(build_large(dir, 2000), 0, "large store (2,000 messages, a multi-block PC) committed");
    uint64_t est = 0, size = 0;
    int holds = estimate_holds(dir, &est, &size);
    ok(holds,
       "size estimate %llu not below the file's %llu bytes, 3,000 rows of 3,400-byte subjects",
       (unsigned long long)est, (unsigned long long)size);
    struct stat st;
    char path[4200];
    snprintf(path, sizeof path, "%s/empty.pst", dir);
    ok(stat(path, &st) == 0 && st.st_size == 0x4400 + 253952, "empty store is one AMap interval");
    snprintf(path, sizeof path, "%s/empty.pst.part", dir);
    ok(stat(path, &st) != 0, "no .part file left");
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ok(system(cmd) == 0, "cleanup");
    return tap_done();
}
