/* report: everything a run found, wrote, repaired and could not convert.
 *
 * The model of the report. Readers and the pipeline record into it (writers hand their notes to
 * the pipeline, see pipeline/writer.h); report_json renders it as report.json (for scripts; the
 * shape is documented in README.md), report_text as report.txt (for the technician) and
 * report_html as report.html (the page to hand to the client). Every message found is either counted as written or appears in problems[] with a
 * reason: nothing leaves the run silently.
 *
 * Ownership: the report copies every string it is given. report_free() accepts NULL. */
#ifndef WLMIGRATE_REPORT_H
#define WLMIGRATE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/platform.h"

/* The kinds of problem. Each kind has a fixed name (its JSON `kind`) and says whether it lost
 * something: a lossy problem makes the run end with exit code 1. */
enum problem_kind {
    PROBLEM_EMPTY,            /* 0-byte message file: nothing to convert */
    PROBLEM_HEADER_ONLY,      /* headers but no body (IMAP body never downloaded): written as is */
    PROBLEM_UNREADABLE,       /* a message file could not be read */
    PROBLEM_NOT_A_MESSAGE,    /* a message file that does not start with a header field */
    PROBLEM_REPAIRED_DATE,    /* a Date header was added */
    PROBLEM_REPAIRED_EOL,     /* a final line end was added */
    PROBLEM_REPAIRED_START,   /* blank lines or an indent before the first header field removed */
    PROBLEM_REPAIRED_HEADER_CHARSET, /* raw 8-bit header fields re-encoded as UTF-8 words */
    PROBLEM_UNREADABLE_FOLDER,/* a directory could not be listed */
    PROBLEM_LINK_SKIPPED,     /* a symbolic link in the store: never followed */
    PROBLEM_OTHER_FILE,       /* a file in a mail folder that is not a message nor a known side file */
    PROBLEM_BAD_NAME,         /* a file or directory name that is not valid UTF-8 */
    PROBLEM_FOLDER_RENAMED,   /* a folder name changed to be safe in the target */
    PROBLEM_BAD_ACCOUNT,      /* an .oeaccount that could not be read */
    PROBLEM_WRITE_FAILED,     /* a message a writer could not write */
    PROBLEM_STATE_UNKNOWN,    /* the database is missing or unreadable: state unknown (mail is kept) */
    PROBLEM_DATABASE_DIRTY,   /* the database was not shut down cleanly */
    PROBLEM_DATABASE_BACKUP,  /* the main database was unreadable; WLM's backup copy was used */
    PROBLEM_DATABASE_ROWS,    /* database rows that could not be used (no id, folder or file) */
    PROBLEM_MISSING_FILE,     /* the database lists a message whose file is gone */
    PROBLEM_RECOVERED,        /* a message placed in the Recovered folder, with the reason */
    PROBLEM_BAD_CONTACT,      /* a contact (card, CSV row, .contact file) skipped, with the reason */
    PROBLEM_CONTACT_CHARS,    /* characters of a contact the output encoding cannot hold */
    PROBLEM_CONTACT_FIELD,    /* a contact field no output can carry (unknown property, column) */
    PROBLEM_CONTACT_SOURCE,   /* a contact source (file, database) that could not be read */
    PROBLEM_PST_SPLIT,        /* a folder split between PST parts (--pst-max-size): what went where */
    PROBLEM_DECODE_REPAIRED,  /* decoding a message for a structured target needed repairs */
    PROBLEM_DECODE_LOST,      /* ... and some bytes could not be decoded (U+FFFD in the target) */
    PROBLEM_BODY_MISSING,     /* a header-only file whose body the database says was downloaded */
    PROBLEM_ACCOUNT_CREATED,  /* an account set up in the written profile, with its settings */
    PROBLEM_ACCOUNT_NOT_CARRIED, /* an account no profile can hold (news, HTTP): what to do */
    PROBLEM_KIND_COUNT
};

/* The version of report.json's shape (README.md). 2: a folder's "outputs" is an array. */
#define REPORT_VERSION 2

const char *report_problem_name(enum problem_kind kind);
bool report_problem_loses(enum problem_kind kind);
/* True for the kinds that say a message was changed to be written (it counts as repaired). */
bool report_problem_repairs(enum problem_kind kind);

struct report_problem {
    enum problem_kind kind;
    char *path;    /* relative to the store root ("" for the store itself) */
    char *message; /* one human sentence */
};

struct report_folder {
    char *source;  /* relative to the store root */
    char *name;    /* display name */
    char **outputs; /* where it went, relative to the output directory: one path, or one per
                       file of a folder split between files */
    size_t noutputs, outputs_cap;
    size_t found;
    size_t written;
    size_t unread;  /* of `written`, those the store records as unread */
    size_t flagged; /* of `written`, those the store records as flagged */
    uint64_t bytes;
};

struct report;

struct report *report_new(void);
void report_free(struct report *r);

void report_problem(struct report *r, enum problem_kind kind, const char *path, const char *fmt,
                    ...) PLAT_PRINTF(4, 5);
size_t report_problem_count(const struct report *r);
const struct report_problem *report_problem_at(const struct report *r, size_t i);
/* Number of problems of kinds that lose something. */
size_t report_lossy_count(const struct report *r);

/* Folder rows, in the order the run met them. report_folder_for() finds or adds the row. */
struct report_folder *report_folder_for(struct report *r, const char *source, const char *name);
void report_folder_add_output(struct report_folder *f, const char *output);
size_t report_folder_count(const struct report *r);
const struct report_folder *report_folder_at(const struct report *r, size_t i);

/* Totals over the whole run. */
struct report_totals {
    size_t messages_found;
    size_t messages_written;
    size_t messages_not_converted;
    size_t messages_repaired;
    uint64_t bytes_found;
    uint64_t bytes_written;
    size_t contacts_found;   /* contacts read from every source */
    size_t contacts_written; /* contacts written to the target's contact files */
};
struct report_totals *report_totals(struct report *r);
const struct report_totals *report_totals_of(const struct report *r);

/* One address-book source the run read (path as found; kind "vcard", "csv", "contact", "edb"). */
struct report_contact_source {
    char *path, *kind;
    size_t contacts, skipped;
};
void report_contact_source(struct report *r, const char *path, const char *kind, size_t contacts,
                           size_t skipped);
size_t report_contact_source_count(const struct report *r);
const struct report_contact_source *report_contact_source_at(const struct report *r, size_t i);

/* What the run was: set once by the CLI, shown at the top of both renderings. */
struct report_run {
    char *command, *store, *target, *output;
};
void report_set_run(struct report *r, const char *command, const char *store, const char *target,
                    const char *output);
const struct report_run *report_run(const struct report *r);

#endif
