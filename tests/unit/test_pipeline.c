/* Unit tests for src/pipeline/pipeline: driven with a fake reader and a fake writer.
 *
 * The fake reader serves a small tree whose messages are real files in a temporary directory
 * (the pipeline opens each message itself) and can fail a folder; the fake writer logs every op
 * and answers each message as its file name asks ("reject" -> message bad, "repair" -> a note of
 * a repair, "fatal" -> store bad, "stop" -> sets the stop flag). The tests check the counts, the
 * report rows and problems, the order of ops, and what each error scope does to the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/contact.h"
#include "model/model.h"
#include "pipeline/pipeline.h"
#include "report/report.h"
#include "tap.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

/* ---- the fake store ----------------------------------------------------------------------- */

struct fake_file {
    const char *folder; /* source of the folder it is in */
    const char *name;
    const char *bytes;  /* NULL: the file does not exist */
};

static const struct fake_file files[] = {
    {"Inbox", "1-good.eml", "Date: Tue, 2 Jan 2024 10:00:00 +0000\nSubject: a\n\nbody\n"},
    {"Inbox", "2-empty.eml", ""},
    {"Inbox", "3-notmail.eml", "this is not a header line\n"},
    {"Inbox", "4-reject.eml", "Subject: rejected\n\nbody\n"},
    {"Inbox", "5-repair.eml", "Date: Mon, 1 Jan 2024 10:00:00 +0000\nSubject: r\n\nbody\n"},
    {"Inbox", "6-gone.eml", NULL},
    {"Inbox/Sub", "1-sub.eml", "Subject: sub\n\nbody\n"},
    {"Broken", "1-never.eml", "Subject: never listed\n\nbody\n"},
    {"Last", "1-stop.eml", "Subject: stop here\n\nbody\n"},
    {"Last", "2-fatal.eml", "Subject: the disk is full\n\nbody\n"},
    {"Last", "3-after.eml", "Subject: after\n\nbody\n"},
};
#define NFILES (sizeof files / sizeof files[0])

static char *root;

static struct model_store *fake_store(void)
{
    struct model_store *s = model_store_new(root, MODEL_STORE_EML_TREE);
    struct model_folder *inbox = model_folder_new(s->top, "Inbox", "Inbox");
    model_folder_new(inbox, "Sub", "Inbox/Sub");
    model_folder_new(s->top, "Broken", "Broken");
    model_folder_new(s->top, "Last", "Last");
    return s;
}

static enum status fake_each(const struct model_store *store, const struct model_folder *folder,
                             reader_message_fn fn, void *ctx, struct error *err)
{
    if (strcmp(folder->source, "Broken") == 0) {
        error_set(err, "cannot list this folder: Permission denied");
        return STATUS_FOLDER_BAD;
    }
    for (size_t i = 0; i < NFILES; i++) {
        if (strcmp(files[i].folder, folder->source) != 0)
            continue;
        char *source = xasprintf("%s/%s", files[i].folder, files[i].name);
        char *path = path_join(store->root, source);
        struct model_message m = {.source = source,
                                  .path = path,
                                  .size = files[i].bytes ? strlen(files[i].bytes) : 0,
                                  .received = MODEL_TIME_UNKNOWN};
        enum status rc = fn(ctx, &m);
        free(source);
        free(path);
        if (rc != STATUS_OK)
            return rc;
    }
    return STATUS_OK;
}

static const struct reader_ops fake_reader = {.name = "fake", .each_message = fake_each};

/* ---- the fake writer ---------------------------------------------------------------------- */

struct fake_writer {
    struct buf log;            /* "begin Inbox; msg Inbox/1-good.eml; end; ..." */
    volatile sig_atomic_t *stop;
    bool obey_fatal, obey_stop;
    uint64_t inbox_bytes_at_begin; /* Inbox's bytes as begin_folder saw them */
};

static enum status fw_begin(void *w, const struct model_folder *f, struct writer_outcome *out,
                            struct error *err)
{
    (void)err;
    struct fake_writer *fw = w;
    buf_printf(&fw->log, "begin %s; ", f->source);
    if (strcmp(f->source, "Inbox") == 0)
        fw->inbox_bytes_at_begin = f->bytes;
    char *where = xasprintf("out/%s", f->source);
    writer_outcome_output(out, where);
    free(where);
    return STATUS_OK;
}

static enum status fw_message(void *w, struct message *msg, struct writer_outcome *out,
                              struct error *err)
{
    struct fake_writer *fw = w;
    const char *src = msg->file->source;
    buf_printf(&fw->log, "msg %s; ", src);
    if (strstr(src, "reject")) {
        error_set(err, "cannot write %s: the fake writer refuses it", src);
        return STATUS_MESSAGE_BAD;
    }
    if (strstr(src, "repair"))
        writer_outcome_note(out, PROBLEM_REPAIRED_EOL, src, "a line end was added");
    if (fw->obey_fatal && strstr(src, "fatal")) {
        error_set(err, "cannot write out/Last: No space left on device");
        return STATUS_STORE_BAD;
    }
    if (fw->obey_stop && strstr(src, "stop"))
        *fw->stop = 1;
    return STATUS_OK;
}

static enum status fw_end(void *w, struct writer_outcome *out, struct error *err)
{
    (void)out;
    (void)err;
    buf_puts(&((struct fake_writer *)w)->log, "end; ");
    return STATUS_OK;
}

static enum status fw_contacts(void *w, const struct contact_list *c, struct writer_outcome *out,
                               struct error *err)
{
    (void)c;
    (void)err;
    buf_puts(&((struct fake_writer *)w)->log, "contacts; ");
    writer_outcome_note(out, PROBLEM_CONTACT_FIELD, "contacts.vcf", "no place for X-ODD");
    return STATUS_OK;
}

static enum status fw_commit(void *w, struct error *err)
{
    (void)err;
    buf_puts(&((struct fake_writer *)w)->log, "commit");
    return STATUS_OK;
}

static struct writer_ops fake_writer_ops = {
    .begin_folder = fw_begin,
    .message = fw_message,
    .end_folder = fw_end,
    .contacts = fw_contacts,
    .commit = fw_commit,
};

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *status_name(enum status s)
{
    switch (s) {
    case STATUS_OK: return "ok";
    case STATUS_MESSAGE_BAD: return "message_bad";
    case STATUS_FOLDER_BAD: return "folder_bad";
    case STATUS_STORE_BAD: return "store_bad";
    case STATUS_STOPPED: return "stopped";
    }
    return "unknown";
}


static void make_files(void)
{
    char tmpl[] = "/tmp/wlm-test-pipeline-XXXXXX";
    root = xstrdup(mkdtemp(tmpl));
    struct error err;
    for (size_t i = 0; i < NFILES; i++) {
        char *dir = path_join(root, files[i].folder);
        fs_mkdirs(dir, 0755, &err);
        if (files[i].bytes) {
            char *path = path_join(dir, files[i].name);
            FILE *f = fopen(path, "wb");
            fputs(files[i].bytes, f);
            fclose(f);
            free(path);
        }
        free(dir);
    }
}

/* The problems of the report as "kind path" lines. */
static char *problems_of(const struct report *r)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < report_problem_count(r); i++) {
        const struct report_problem *p = report_problem_at(r, i);
        buf_printf(&b, "%s %s\n", report_problem_name(p->kind), p->path);
    }
    return buf_detach(&b);
}

static const struct report_folder *row_of(const struct report *r, const char *source)
{
    for (size_t i = 0; i < report_folder_count(r); i++)
        if (strcmp(report_folder_at(r, i)->source, source) == 0)
            return report_folder_at(r, i);
    return NULL;
}

struct outcome {
    enum status status;
    struct error err;
    struct report *report;
    char *log;
    uint64_t inbox_bytes, inbox_bytes_at_begin, store_bytes; /* as the pipeline counted them */
};

static struct outcome run(bool with_writer, bool obey_fatal, bool obey_stop, bool date_order)
{
    struct outcome o = {.report = report_new()};
    static volatile sig_atomic_t stop;
    stop = 0;
    struct fake_writer fw = {.stop = &stop, .obey_fatal = obey_fatal, .obey_stop = obey_stop};
    struct model_store *store = fake_store();
    struct contact_list contacts = CONTACT_LIST_INIT;
    fake_writer_ops.date_order = date_order;
    char *unconverted = path_join(root, "unconverted");
    struct pipeline p = {.reader = &fake_reader,
                         .store = store,
                         .report = o.report,
                         .writer = with_writer ? &fake_writer_ops : NULL,
                         .writer_state = &fw,
                         .unconverted_dir = with_writer ? unconverted : NULL,
                         .stop = &stop,
                         .contacts = &contacts};
    o.status = pipeline_run(&p, &o.err);
    o.log = buf_detach(&fw.log);
    o.inbox_bytes = store->top->children[0]->bytes;
    o.inbox_bytes_at_begin = fw.inbox_bytes_at_begin;
    o.store_bytes = store->bytes;
    free(unconverted);
    model_store_free(store);
    return o;
}

static void outcome_free(struct outcome *o)
{
    report_free(o->report);
    free(o->log);
}

/* The bytes of the files of folder `source` (all folders but Broken, which is never listed,
 * when NULL). */
static uint64_t bytes_of(const char *source)
{
    uint64_t n = 0;
    for (size_t i = 0; i < NFILES; i++)
        if (files[i].bytes && strcmp(files[i].folder, "Broken") != 0 &&
            (!source || strcmp(files[i].folder, source) == 0))
            n += strlen(files[i].bytes);
    return n;
}

/* ---- the tests ---------------------------------------------------------------------------- */

/* Every scope that lets the run go on: bad messages, a bad folder; a writer note; a repair. */
static void test_bad_message_and_folder_go_on(void)
{
    struct outcome o = run(true, false, false, false);
    is_str(status_name(o.status), "ok", "bad messages and a bad folder: the run completes");
    const struct report_totals *t = report_totals_of(o.report);
    is_int((long long)t->messages_found, 10, "found: every file the reader handed out");
    is_int((long long)t->messages_written, 6, "written: good, repair, sub and the three in Last");
    is_int((long long)t->messages_not_converted, 4,
           "not converted: empty, not mail, rejected, gone");
    is_int((long long)(t->messages_written + t->messages_not_converted),
           (long long)t->messages_found, "found = written + not converted");
    is_int((long long)t->messages_repaired, 1, "repaired: the one the writer noted a repair for");
    char *problems = problems_of(o.report);
    is_str(problems,
           "empty Inbox/2-empty.eml\n"
           "not_a_message Inbox/3-notmail.eml\n"
           "write_failed Inbox/4-reject.eml\n"
           "repaired_final_newline Inbox/5-repair.eml\n"
           "unreadable Inbox/6-gone.eml\n"
           "unreadable_folder Broken\n"
           "contact_field contacts.vcf\n",
           "problems: one per bad message, the bad folder and each writer note, in order");
    free(problems);
    const struct report_problem *folder = NULL, *rejected = NULL;
    for (size_t i = 0; i < report_problem_count(o.report); i++) {
        const struct report_problem *p = report_problem_at(o.report, i);
        if (p->kind == PROBLEM_UNREADABLE_FOLDER)
            folder = p;
        if (p->kind == PROBLEM_WRITE_FAILED)
            rejected = p;
    }
    is_str(folder ? folder->message : NULL,
           "cannot list this folder: Permission denied; its messages are not converted",
           "the bad folder's sentence comes from the reader's struct error");
    is_str(rejected ? rejected->message : NULL,
           "cannot write Inbox/4-reject.eml: the fake writer refuses it",
           "a rejected message's sentence comes from the writer's struct error");
    is_str(o.log,
           "begin Inbox; msg Inbox/1-good.eml; msg Inbox/4-reject.eml; msg Inbox/5-repair.eml; "
           "end; begin Inbox/Sub; msg Inbox/Sub/1-sub.eml; end; begin Broken; end; begin Last; "
           "msg Last/1-stop.eml; msg Last/2-fatal.eml; msg Last/3-after.eml; end; contacts; "
           "commit",
           "ops: a folder, its messages, its subfolders; only mail reaches the writer; a bad "
           "folder is begun and ended (it exists, empty, in the target); contacts before commit");
    const struct report_folder *inbox = row_of(o.report, "Inbox");
    is_int((long long)o.inbox_bytes, (long long)bytes_of("Inbox"),
           "the folder's bytes are counted as its files are opened (the reader counts none)");
    is_int((long long)o.store_bytes, (long long)bytes_of(NULL), "and the store's");
    ok(inbox && inbox->found == 6 && inbox->written == 2 && inbox->noutputs == 1 &&
           strcmp(inbox->outputs[0], "out/Inbox") == 0,
       "Inbox row: 6 found, 2 written, the writer's output");
    const struct report_folder *broken = row_of(o.report, "Broken");
    ok(broken && broken->found == 0 && broken->written == 0, "Broken row: nothing found");
    char *kept = path_join(root, "unconverted/Inbox/4-reject.eml");
    ok(fs_exists(kept), "the rejected message's original is kept in unconverted/");
    free(kept);
    char *gone = path_join(root, "unconverted/Inbox/6-gone.eml");
    ok(!fs_exists(gone), "a file that cannot be read has nothing to keep");
    free(gone);
    outcome_free(&o);
}

/* A bad store ends the run at once: no more messages, no commit, the writer's sentence. */
static void test_bad_store_stops(void)
{
    struct outcome o = run(true, true, false, false);
    is_str(status_name(o.status), "store_bad", "a bad store ends the run with store_bad");
    is_str(o.err.msg, "cannot write out/Last: No space left on device",
           "the caller gets the writer's sentence");
    ok(strstr(o.log, "3-after") == NULL, "no message is handed on after a bad store");
    ok(strstr(o.log, "commit") == NULL && strstr(o.log, "contacts") == NULL,
       "no contacts and no commit after a bad store");
    outcome_free(&o);
}

/* A stop request ends the run before the next message. */
static void test_stop(void)
{
    struct outcome o = run(true, false, true, false);
    is_str(status_name(o.status), "stopped", "a stop request ends the run with stopped");
    ok(strstr(o.log, "2-fatal") == NULL && strstr(o.log, "commit") == NULL,
       "nothing after the stop, no commit");
    outcome_free(&o);
}

/* A writer that asks for date order gets each folder's messages oldest first. */
static void test_date_order(void)
{
    struct outcome o = run(true, false, false, true);
    const char *repair = strstr(o.log, "5-repair"), *good = strstr(o.log, "1-good");
    ok(repair && good && repair < good, "date order: 5-repair (1 Jan) before 1-good (2 Jan)");
    is_int((long long)o.inbox_bytes_at_begin, (long long)bytes_of("Inbox"),
           "date order: begin_folder sees the folder's bytes whole (opened to be sorted)");
    is_int((long long)o.inbox_bytes, (long long)bytes_of("Inbox"),
           "date order: and they are counted once");
    is_int((long long)o.store_bytes, (long long)bytes_of(NULL), "date order: the store's too");
    outcome_free(&o);
}

/* Without a writer the pipeline only classifies (that is scan). */
static void test_scan_only(void)
{
    struct outcome o = run(false, false, false, false);
    const struct report_totals *t = report_totals_of(o.report);
    is_str(status_name(o.status), "ok", "scan: the run completes");
    is_int((long long)t->messages_found, 10, "scan: every file counted");
    is_int((long long)t->messages_written, 0, "scan: nothing written");
    is_int((long long)t->messages_not_converted, 3,
           "scan: the three that cannot be converted (empty, not mail, gone)");
    is_int((long long)o.store_bytes, (long long)bytes_of(NULL), "scan: the store's bytes");
    outcome_free(&o);
}

int main(void)
{
    make_files();
    test_bad_message_and_folder_go_on();
    test_bad_store_stops();
    test_stop();
    test_date_order();
    test_scan_only();
    struct error err;
    fs_remove_tree(root, &err);
    free(root);
    return tap_done();
}
