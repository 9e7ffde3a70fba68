/* bulk: many stores in one command (see bulk.h).
 *
 * The run has four steps: the plan (every store located below ROOT, its user and its result
 * directory), the stores an earlier run finished (their report.json is in place and names the
 * same store), the conversions (a pool of threads, each running one store at a time in a child
 * process through child_run_role: a fork on Linux, this program started again on Windows; the
 * role, given the store, its directory, its threads and the run's command line, parses that
 * command line as the run did and calls bulk_store_serve, a plain convert_run), and the summary
 * (every row from the store's installed report.json). The threads do nothing but wait for their
 * child; the main thread prints a line as each store ends.
 *
 * A child is forked from a process with several threads, and gets a copy of memory as it is at
 * that moment: whatever another thread had half done (a translation remembered, a thread being
 * made, a message being formatted) would be half done in the child too. So the little work the
 * parent does while children are being made runs under `quiet`, which a fork waits for
 * (plat_at_fork), and the threads themselves only wait. */
#include "cli/bulk.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry.h"
#include "report/json.h"
#include "report/report_read.h"
#include "util/child.h"
#include "util/fsutil.h"
#include "util/platform.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* How a store's conversion ended; the names are summary.json's "status". */
enum bulk_status {
    BULK_CONVERTED,   /* exit 0 */
    BULK_LOSSES,      /* exit 1: finished, the report lists losses */
    BULK_REFUSED,     /* exit 2: e.g. OUT/<user>/<kind> holds the result of another store */
    BULK_FAILED,      /* exit 3: nothing installed */
    BULK_CRASHED,     /* the conversion's process ended abnormally: exit 3, nothing installed */
    BULK_INTERRUPTED, /* exit 130 */
    BULK_NOT_STARTED, /* the run was stopped before this store's turn: exit 130 */
};

static const struct {
    const char *name; /* summary.json */
    const char *text; /* summary.txt, translated */
} status_names[] = {
    [BULK_CONVERTED] = {"converted", N_("converted")},
    [BULK_LOSSES] = {"converted_with_losses", N_("converted with losses")},
    [BULK_REFUSED] = {"refused", N_("refused")},
    [BULK_FAILED] = {"failed", N_("failed")},
    [BULK_CRASHED] = {"crashed", N_("crashed")},
    [BULK_INTERRUPTED] = {"interrupted", N_("interrupted")},
    [BULK_NOT_STARTED] = {"not_started", N_("not started")},
};

struct bulk_store {
    const struct reader_location *loc;
    char *user;             /* unique and safe as a file name */
    const char *kind;       /* model_store_kind_name() */
    char *dir;              /* OUT/<user>/<kind> */
    bool pending;           /* to be converted by this run */
    bool before;            /* converted by an earlier run: its report.json was in place */
    enum bulk_status status;
    int code;               /* its exit code */
    char *error;            /* what went wrong, for a person; NULL when it finished */
    struct report_read report;
    bool has_report;
};

/* The exit codes from best to worst. */
static int code_rank(int code)
{
    switch (code) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 130: return 4;
    default: return 3;
    }
}

static enum bulk_status status_of_code(int code)
{
    switch (code) {
    case 0: return BULK_CONVERTED;
    case 1: return BULK_LOSSES;
    case 2: return BULK_REFUSED;
    case 130: return BULK_INTERRUPTED;
    default: return BULK_FAILED;
    }
}

/* ---- the plan ---------------------------------------------------------------------------- */

static bool is_one_of(const char *s, size_t len, const char *const *names)
{
    for (; *names; names++)
        if (strlen(*names) == len && strncasecmp(s, *names, len) == 0)
            return true;
    return false;
}

char *bulk_user_of(const char *root, const char *store)
{
    static const char *const profile_parts[] = {"AppData", "Local Settings", NULL};
    static const char *const store_parts[] = {"Windows Live Mail", "Windows Mail", "Microsoft",
                                              "Local", "AppData", NULL};
    /* the folder above the last AppData or Local Settings component */
    const char *prev = NULL, *user = NULL;
    size_t prev_len = 0, user_len = 0;
    for (const char *p = store; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n && prev && is_one_of(p, n, profile_parts)) {
            user = prev;
            user_len = prev_len;
        }
        if (n) {
            prev = p;
            prev_len = n;
        }
        p += n;
    }
    if (user)
        return xstrndup(user, user_len);
    /* the first folder below ROOT, unless it is where Windows keeps the store itself */
    if (path_is_within(store, root) && strcmp(store, root) != 0) {
        const char *rel = store + strlen(root);
        while (*rel == '/')
            rel++;
        size_t n = strcspn(rel, "/");
        if (n && !is_one_of(rel, n, store_parts))
            return xstrndup(rel, n);
    }
    return xstrdup(strcmp(root, "/") == 0 ? "" : path_basename(root));
}

char *bulk_safe_name(const char *name)
{
    enum { MAX_NAME = 64 };
    struct buf b = BUF_INIT;
    size_t len = strlen(name);
    for (size_t i = 0; i < len && b.len < MAX_NAME;) {
        unsigned char c = (unsigned char)name[i];
        size_t n = utf8_sequence_length(name + i, len - i);
        if (n == 0 || c < 0x20 || c == 0x7f || strchr("/\\:*?\"<>|", c)) {
            buf_putc(&b, '_');
            i++;
            continue;
        }
        if (b.len + n > MAX_NAME)
            break;
        buf_append(&b, name + i, n);
        i += n;
    }
    char *s = b.len ? buf_detach(&b) : xstrdup("user");
    buf_free(&b);
    if (s[0] == '.' || s[0] == ' ')
        s[0] = '_';
    size_t n = strlen(s);
    if (s[n - 1] == '.' || s[n - 1] == ' ')
        s[n - 1] = '_';
    /* Windows' device names, also with an extension */
    static const char *const devices[] = {"CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3",
                                          "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1",
                                          "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8",
                                          "LPT9", NULL};
    size_t stem = strcspn(s, ".");
    if (is_one_of(s, stem, devices)) {
        char *t = xasprintf("%.*s_%s", (int)stem, s, s + stem);
        free(s);
        s = t;
    }
    return s;
}

/* Names each store's user, unique per store kind without regard to case (the result may go to a
 * file system that ignores it): a second "alice" with a store of the same kind is "alice-2". */
static void plan_names(struct bulk_store *stores, size_t n, const char *root, const char *out)
{
    for (size_t i = 0; i < n; i++) {
        char *raw = bulk_user_of(root, stores[i].loc->path);
        char *base = bulk_safe_name(raw);
        free(raw);
        stores[i].kind = model_store_kind_name(stores[i].loc->kind);
        char *name = xstrdup(base);
        for (unsigned k = 2;; k++) {
            bool taken = false;
            for (size_t j = 0; j < i && !taken; j++)
                taken = strcasecmp(stores[j].user, name) == 0 &&
                        strcmp(stores[j].kind, stores[i].kind) == 0;
            if (!taken)
                break;
            free(name);
            name = xasprintf("%s-%u", base, k);
        }
        free(base);
        stores[i].user = name;
        char *user_dir = path_join(out, name);
        stores[i].dir = path_join(user_dir, stores[i].kind);
        free(user_dir);
    }
}

/* Reads DIR/report.json into s->report; false when it is not there or not readable. */
static bool read_report(struct bulk_store *s, struct error *err)
{
    /* a report lists every folder and problem: far below this for any real store */
    enum { REPORT_MAX = 512 << 20 };
    char *path = path_join(s->dir, "report.json");
    struct buf b = BUF_INIT;
    int rc = fs_read_file(path, REPORT_MAX, &b, err);
    free(path);
    if (rc == 0)
        rc = report_read_json(b.data ? b.data : "", b.len, &s->report, err);
    buf_free(&b);
    if (rc == 0 && !s->report.has_totals) {
        error_set(err, "%s/report.json has no totals", s->dir);
        report_read_clear(&s->report);
        rc = -1;
    }
    s->has_report = rc == 0;
    return s->has_report;
}

/* An exit code as the single convert gives it for a finished report. */
static int code_of_report(const struct report_read *r)
{
    return r->messages_not_converted || r->problems_with_loss ? 1 : 0;
}

/* True when an earlier run installed this store's result: report.json is in place and names
 * this store and this target. A path that is not UTF-8 cannot be compared (report.json holds
 * U+FFFD for its bad bytes): the directory's name, made from it, is taken as the match. */
static bool finished_before(struct bulk_store *s, const char *target)
{
    struct error err;
    if (!read_report(s, &err))
        return false;
    const char *path = s->loc->path;
    bool same = s->report.store && s->report.target && strcmp(s->report.target, target) == 0 &&
                (!utf8_valid(path, strlen(path)) || strcmp(s->report.store, path) == 0);
    if (!same) {
        report_read_clear(&s->report);
        s->has_report = false;
    }
    return same;
}

/* ---- the conversions --------------------------------------------------------------------- */

/* The job of one store, as the argument of the store's role: each field as its length in
 * decimal, a colon and its bytes (any byte but NUL may be in a path on Linux). */
static void job_field(struct buf *b, const char *s)
{
    buf_printf(b, "%zu:%s", strlen(s), s);
}

static char *job_arg(const struct bulk_options *o, const struct bulk_store *s, unsigned threads)
{
    struct buf b = BUF_INIT;
    char count[16];
    snprintf(count, sizeof count, "%u", threads);
    job_field(&b, s->loc->path);
    job_field(&b, s->dir);
    job_field(&b, count);
    for (int i = 0; i < o->argc; i++)
        job_field(&b, o->argv[i]);
    return buf_detach(&b);
}

char **bulk_job_decode(const char *arg, size_t len, size_t *n)
{
    size_t cap = 0, count = 0;
    char **fields = NULL;
    const char *p = arg, *end = arg + len;
    /* no NUL (a field could not hold it); lengths in decimal with no leading zero */
    bool ok = memchr(arg, '\0', len) == NULL;
    while (ok && p < end) {
        size_t digits = 0, flen = 0;
        while (p + digits < end && p[digits] >= '0' && p[digits] <= '9' && digits < 19)
            flen = flen * 10 + (size_t)(p[digits++] - '0');
        const char *colon = p + digits;
        ok = digits > 0 && (digits == 1 || *p != '0') && colon < end && *colon == ':' &&
             flen <= (size_t)(end - colon - 1);
        if (ok) {
            fields = xgrow(fields, &cap, count + 2, sizeof *fields); /* and the NULL after */
            fields[count++] = xstrndup(colon + 1, flen);
            p = colon + 1 + flen;
        }
    }
    if (!ok) {
        for (size_t i = 0; i < count; i++)
            free(fields[i]);
        free(fields);
        return NULL;
    }
    fields = xgrow(fields, &cap, count + 1, sizeof *fields);
    fields[count] = NULL;
    *n = count;
    return fields;
}

void bulk_store_serve(const struct convert_options *options, const char *store,
                      const char *dir, unsigned threads, int fd)
{
    size_t len = 0;
    FILE *errors = plat_memstream_open();
    struct convert_options co = *options;
    co.store = store;
    co.output = dir;
    co.progress = PROGRESS_QUIET;
    co.json = false;
    co.errors = errors;
    co.threads = threads;
    int code = convert_run(&co);
    char *text = errors ? plat_memstream_close(errors, &len) : NULL;
    struct buf said = BUF_INIT;
    buf_printf(&said, "%d\n", code);
    if (text)
        buf_append(&said, text, len);
    free(text);
    fs_write_all(fd, said.data, said.len);
    buf_free(&said);
}

static int collect(void *ctx, const void *data, size_t len)
{
    buf_append(ctx, data, len);
    return 0;
}

/* What the child said: its exit code and messages, or how it ended. */
static void take_result(struct bulk_store *s, const struct child_result *res, struct buf *said)
{
    struct error err;
    const char *text = buf_str(said);
    char *end = NULL;
    long code = res->outcome == CHILD_DONE && said->len ? strtol(text, &end, 10) : -1;
    if (res->outcome == CHILD_DONE && end && *end == '\n' && code >= 0 && code < 256) {
        s->code = (int)code;
        s->status = status_of_code(s->code);
        const char *msg = end + 1;
        /* the messages as printed, without the program's name and the last line end */
        if (strncmp(msg, "wlmigrate: ", 11) == 0)
            msg += 11;
        size_t n = strlen(msg);
        while (n && msg[n - 1] == '\n')
            n--;
        /* an interrupted store needs no sentence: its status says it all */
        s->error = n && s->code > 1 && s->code != 130 ? xstrndup(msg, n) : NULL;
        return;
    }
    if (res->outcome == CHILD_INTERRUPTED) {
        s->code = 130;
        s->status = BULK_INTERRUPTED;
        error_set(&err, "the conversion %s", res->reason);
    } else {
        s->code = 3;
        s->status = BULK_CRASHED;
        error_set(&err, "the conversion %s; nothing was installed", res->reason);
    }
    s->error = xstrdup(i18n_sentence(err.msg));
}

/* Held by the parent's threads while they do work a fork must not cut in half, and by every
 * fork for its duration. */
static GMutex quiet;

static void quiet_lock(void) { g_mutex_lock(&quiet); }
static void quiet_unlock(void) { g_mutex_unlock(&quiet); }

static gpointer register_fork_guard(gpointer unused)
{
    (void)unused;
    plat_at_fork(quiet_lock, quiet_unlock, quiet_unlock);
    return NULL;
}

struct pool {
    const struct bulk_options *o;
    struct bulk_store *stores;
    size_t *todo, ntodo, next; /* indexes of the stores to convert; the next one to start */
    size_t *ended, nended;     /* the stores in the order their conversions ended */
    unsigned threads;          /* each convert's threads */
    GMutex lock;
    GCond changed;
};

static void convert_one(struct pool *p, struct bulk_store *s)
{
    struct buf said = BUF_INIT;
    /* a conversion's messages are a few lines; more is not a convert speaking */
    struct child_limits limits = {.output = 1 << 20};
    struct child_result res = {.outcome = CHILD_DONE};
    quiet_lock();
    char *arg = job_arg(p->o, s, p->threads);
    quiet_unlock();
    child_run_role(p->o->store_role, arg, collect, &said, &limits, &res);
    free(arg);
    quiet_lock();
    take_result(s, &res, &said);
    quiet_unlock();
    buf_free(&said);
}

static gpointer worker(gpointer data)
{
    struct pool *p = data;
    g_mutex_lock(&p->lock);
    while (p->next < p->ntodo) {
        struct bulk_store *s = &p->stores[p->todo[p->next++]];
        if (*p->o->stop) {
            s->status = BULK_NOT_STARTED;
            s->code = 130;
        } else {
            g_mutex_unlock(&p->lock);
            convert_one(p, s);
            g_mutex_lock(&p->lock);
        }
        p->ended[p->nended++] = (size_t)(s - p->stores);
        g_cond_signal(&p->changed);
    }
    g_mutex_unlock(&p->lock);
    return NULL;
}

static void print_counts(FILE *out, const struct bulk_store *s)
{
    fprintf(out, _("%llu of %llu messages written"),
            (unsigned long long)s->report.messages_written,
            (unsigned long long)s->report.messages_found);
    if (s->report.messages_not_converted)
        fprintf(out, _(", %llu not converted"),
                (unsigned long long)s->report.messages_not_converted);
}

/* The line shown as a store ends: "[2/3] alice/wlm: 30 of 31 messages written ...". */
static void print_ended(const struct bulk_store *s, size_t k, size_t n)
{
    fprintf(stderr, "[%zu/%zu] %s/%s: ", k, n, s->user, s->kind);
    if (s->has_report)
        print_counts(stderr, s);
    else
        fputs(_(status_names[s->status].text), stderr);
    if (s->error)
        fprintf(stderr, ": %s", s->error);
    fputc('\n', stderr);
}

/* Converts the pending stores, `jobs` at a time. */
static void convert_pending(const struct bulk_options *o, struct bulk_store *stores, size_t n,
                            unsigned jobs)
{
    struct pool p = {.o = o, .stores = stores};
    p.todo = xcalloc(n, sizeof *p.todo);
    p.ended = xcalloc(n, sizeof *p.ended);
    for (size_t i = 0; i < n; i++)
        if (stores[i].pending)
            p.todo[p.ntodo++] = i;
    g_mutex_init(&p.lock);
    g_cond_init(&p.changed);
    static GOnce guard = G_ONCE_INIT;
    g_once(&guard, register_fork_guard, NULL);
    size_t nthreads = jobs < p.ntodo ? jobs : p.ntodo;
    /* Each convert takes a second thread (the Outlook route's PST writer) only when the
     * processors are not all busy with other stores already. */
    p.threads = g_get_num_processors() >= 2 * (nthreads ? nthreads : 1) ? 2 : 1;
    GThread **threads = xcalloc(nthreads ? nthreads : 1, sizeof *threads);
    quiet_lock();
    for (size_t i = 0; i < nthreads; i++)
        threads[i] = g_thread_new("bulk", worker, &p);
    quiet_unlock();
    size_t shown = 0;
    g_mutex_lock(&p.lock);
    while (shown < p.ntodo) {
        while (shown == p.nended)
            g_cond_wait(&p.changed, &p.lock);
        struct bulk_store *s = &stores[p.ended[shown++]];
        g_mutex_unlock(&p.lock);
        quiet_lock();
        struct error err;
        if (s->code == 130 && !o->convert.force &&
            finished_before(s, o->convert.target->name)) {
            /* stopped after it installed its result (without --force no earlier one was
             * there): that result stands */
            s->code = code_of_report(&s->report);
            s->status = status_of_code(s->code);
            free(s->error);
            s->error = NULL;
        } else if (s->code <= 1 && !read_report(s, &err)) {
            /* it said it finished, yet no report is in place */
            s->code = 3;
            s->status = BULK_FAILED;
            free(s->error);
            s->error = xstrdup(i18n_sentence(err.msg));
        }
        if (o->progress != PROGRESS_QUIET)
            print_ended(s, shown, p.ntodo);
        quiet_unlock();
        g_mutex_lock(&p.lock);
    }
    g_mutex_unlock(&p.lock);
    for (size_t i = 0; i < nthreads; i++)
        g_thread_join(threads[i]);
    free(threads);
    g_cond_clear(&p.changed);
    g_mutex_clear(&p.lock);
    free(p.todo);
    free(p.ended);
}

/* ---- the summary ------------------------------------------------------------------------- */

static void json_count(struct json *j, const char *key, const struct bulk_store *s,
                       uint64_t value)
{
    if (s->has_report)
        json_kv_uint(j, key, value);
    else {
        json_key(j, key);
        json_null(j);
    }
}

static void write_summary_json(FILE *f, const struct bulk_options *o, const char *root,
                               const char *out, const struct bulk_store *stores, size_t n,
                               int code)
{
    uint64_t found = 0, written = 0, lost = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        found += stores[i].report.messages_found;
        written += stores[i].report.messages_written;
        lost += stores[i].report.messages_not_converted;
        failed += !stores[i].has_report;
    }
    struct json *j = json_new(f);
    json_object_begin(j);
    json_kv_uint(j, "summary_version", 1);
    json_kv_string(j, "root", root);
    json_kv_string(j, "output", out);
    json_kv_string(j, "target", o->convert.target->name);
    json_kv_int(j, "exit_code", code);
    json_key(j, "totals");
    json_object_begin(j);
    json_kv_uint(j, "stores", n);
    json_kv_uint(j, "stores_not_converted", failed);
    json_kv_uint(j, "messages_found", found);
    json_kv_uint(j, "messages_written", written);
    json_kv_uint(j, "messages_not_converted", lost);
    json_object_end(j);
    json_key(j, "stores");
    json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        const struct bulk_store *s = &stores[i];
        json_object_begin(j);
        json_kv_string(j, "user", s->user);
        json_kv_string(j, "kind", s->kind);
        json_kv_string(j, "store", s->loc->path);
        json_kv_string(j, "output", s->dir);
        json_kv_string(j, "status", status_names[s->status].name);
        json_kv_int(j, "exit_code", s->code);
        json_kv_bool(j, "converted_before", s->before);
        json_count(j, "messages_found", s, s->report.messages_found);
        json_count(j, "messages_written", s, s->report.messages_written);
        json_count(j, "messages_not_converted", s, s->report.messages_not_converted);
        json_count(j, "problems_with_loss", s, s->report.problems_with_loss);
        json_kv_string(j, "error", s->error);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_free(j);
}

/* The columns `s` takes on a terminal: two for a character outside ASCII (the Japanese ones of
 * the headings and of user names), which is close enough for a table. */
static int columns(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p < 0x80 ? 1 : (*p & 0xC0) == 0xC0 ? 2 : 0;
    return n;
}

/* `s` padded with spaces to `width` columns, on the left when `right`. */
static void put_padded(FILE *f, const char *s, int width, bool right)
{
    int pad = width - columns(s);
    if (right)
        fprintf(f, "%*s", pad > 0 ? pad : 0, "");
    fputs(s, f);
    if (!right)
        fprintf(f, "%*s", pad > 0 ? pad : 0, "");
}

static void write_summary_text(FILE *f, const char *root, const char *out,
                               const struct bulk_store *stores, size_t n, int code)
{
    int wuser = columns(_("user")), wkind = columns(_("kind"));
    for (size_t i = 0; i < n; i++) {
        int u = columns(stores[i].user), k = columns(stores[i].kind);
        wuser = u > wuser ? u : wuser;
        wkind = k > wkind ? k : wkind;
    }
    fprintf(f, _("wlmigrate convert --all: %zu stores below %s, results in %s\n\n"), n, root,
            out);
    put_padded(f, _("user"), wuser + 2, false);
    put_padded(f, _("kind"), wkind + 2, false);
    put_padded(f, _("found"), 10, true);
    put_padded(f, _("written"), 11, true);
    put_padded(f, _("lost"), 11, true);
    put_padded(f, _("exit"), 6, true);
    fprintf(f, "  %s\n", _("status"));
    uint64_t found = 0, written = 0, lost = 0;
    for (size_t i = 0; i < n; i++) {
        const struct bulk_store *s = &stores[i];
        put_padded(f, s->user, wuser + 2, false);
        put_padded(f, s->kind, wkind + 2, false);
        if (s->has_report)
            fprintf(f, "%10llu %10llu %10llu", (unsigned long long)s->report.messages_found,
                    (unsigned long long)s->report.messages_written,
                    (unsigned long long)s->report.messages_not_converted);
        else
            fprintf(f, "%10s %10s %10s", "-", "-", "-");
        fprintf(f, "  %4d  %s", s->code, _(status_names[s->status].text));
        if (s->before)
            fputs(_(" (by an earlier run)"), f);
        fputs("\n    ", f);
        utf8_print(f, s->loc->path, strlen(s->loc->path));
        fputc('\n', f);
        if (s->error)
            fprintf(f, "    %s\n", s->error);
        found += s->report.messages_found;
        written += s->report.messages_written;
        lost += s->report.messages_not_converted;
    }
    fprintf(f, _("\nTotal: %llu messages found, %llu written, %llu not converted; exit code %d\n"),
            (unsigned long long)found, (unsigned long long)written, (unsigned long long)lost,
            code);
}

/* Renders one summary into memory and writes it to OUT/name atomically. */
static int write_summary(const char *out, const char *name, const struct bulk_options *o,
                         const char *root, const struct bulk_store *stores, size_t n, int code,
                         bool json, struct error *err)
{
    size_t len = 0;
    FILE *f = plat_memstream_open();
    if (!f) {
        error_set(err, "cannot write %s: out of memory", name);
        return -1;
    }
    if (json)
        write_summary_json(f, o, root, out, stores, n, code);
    else
        write_summary_text(f, root, out, stores, n, code);
    char *text = plat_memstream_close(f, &len);
    if (!text) {
        error_set(err, "cannot write %s: out of memory", name);
        return -1;
    }
    char *path = path_join(out, name);
    int rc = fs_write_atomic(path, text, len, err);
    if (rc == 0 && json && o->json)
        fwrite(text, 1, len, stdout);
    free(path);
    free(text);
    return rc;
}

/* ---- the run ----------------------------------------------------------------------------- */

static int by_path(const void *a, const void *b)
{
    const struct reader_location *x = a, *y = b;
    return strcmp(x->path, y->path);
}

static void print_plan(const struct bulk_options *o, const struct bulk_store *stores, size_t n)
{
    if (o->json) {
        struct json *j = json_new(stdout);
        json_object_begin(j);
        json_kv_uint(j, "plan_version", 1);
        json_key(j, "stores");
        json_array_begin(j);
        for (size_t i = 0; i < n; i++) {
            json_object_begin(j);
            json_kv_string(j, "user", stores[i].user);
            json_kv_string(j, "kind", stores[i].kind);
            json_kv_string(j, "store", stores[i].loc->path);
            json_kv_string(j, "output", stores[i].dir);
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
        json_free(j);
        return;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\n", stores[i].dir, stores[i].loc->path);
}

static int refuse(const char *sentence, int code)
{
    fprintf(stderr, "wlmigrate: %s\n", i18n_sentence(sentence));
    return code;
}

int bulk_run(const struct bulk_options *o)
{
    struct error err;
    char *root = path_resolve(o->root, &err);
    if (!root)
        return refuse(err.msg, 3);
    const struct reader_ops *reader;
    struct reader_location *locs;
    size_t n;
    if (registry_locate(root, &reader, &locs, &n, &err) != STATUS_OK) {
        free(root);
        return refuse(err.msg, 3);
    }
    /* in the order of their paths, whatever order the reader found them in */
    qsort(locs, n, sizeof *locs, by_path);
    char *out = path_resolve(o->output, &err);
    int code = out ? 0 : refuse(err.msg, 3);
    for (size_t i = 0; i < n && code == 0; i++)
        if (path_is_within(out, locs[i].path)) {
            error_set(&err, "refusing to write inside a source store (%s is in %s)", out,
                      locs[i].path);
            code = refuse(err.msg, 2);
        }
    struct bulk_store *stores = xcalloc(n, sizeof *stores);
    for (size_t i = 0; i < n; i++)
        stores[i].loc = &locs[i];
    if (code == 0)
        plan_names(stores, n, root, out);
    if (code == 0 && o->list) {
        print_plan(o, stores, n);
    } else if (code == 0 && fs_mkdirs(out, 0755, &err) != 0) {
        code = refuse(err.msg, 3);
    } else if (code == 0) {
        size_t npending = 0;
        for (size_t i = 0; i < n; i++) {
            struct bulk_store *s = &stores[i];
            s->before = !o->convert.force && finished_before(s, o->convert.target->name);
            s->pending = !s->before;
            npending += s->pending;
            if (s->before) {
                s->code = code_of_report(&s->report);
                s->status = status_of_code(s->code);
            }
        }
        unsigned jobs = o->jobs ? o->jobs : g_get_num_processors();
        if (o->progress != PROGRESS_QUIET)
            fprintf(stderr,
                    _("%zu stores found below %s: %zu to convert (%zu converted before), %u at "
                      "a time\n"),
                    n, root, npending, n - npending, jobs);
        convert_pending(o, stores, n, jobs);
        for (size_t i = 0; i < n; i++)
            if (code_rank(stores[i].code) > code_rank(code))
                code = stores[i].code;
        /* summary.json last: its presence says the summary is complete */
        if (write_summary(out, "summary.txt", o, root, stores, n, code, false, &err) != 0 ||
            write_summary(out, "summary.json", o, root, stores, n, code, true, &err) != 0)
            code = refuse(err.msg, 3);
        else if (o->progress != PROGRESS_QUIET)
            fprintf(stderr, _("Summary: %s/summary.txt\n"), out);
    }
    for (size_t i = 0; i < n; i++) {
        free(stores[i].user);
        free(stores[i].dir);
        free(stores[i].error);
        report_read_clear(&stores[i].report);
    }
    free(stores);
    reader_locations_free(locs, n);
    free(out);
    free(root);
    return code;
}
