/* message: one message file opened for a writer.
 *
 * The pipeline opens each message file once, reads its header block into `head` (at most
 * MESSAGE_HEAD_MAX bytes), finds its known fields in one scan (rfc822_fields_find: the date,
 * the mbox envelope and the raw 8-bit check read them), classifies it, and hands the open
 * message to the writers. A writer takes `head` first and then reads the rest with
 * message_read(): no message is ever held whole in memory, so a 100 MB message costs no more
 * than a small one.
 *
 * Ownership: the pipeline owns the message and everything in it. */
#ifndef WLMIGRATE_MESSAGE_H
#define WLMIGRATE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "normalize/maildate.h"
#include "util/error.h"
#include "normalize/rfc822.h"

#define MESSAGE_HEAD_MAX (1024 * 1024)
/* The first read: most messages whole (message_open), or most header blocks (the header only). */
#define MESSAGE_READ_FIRST (64 * 1024)
#define MESSAGE_HEADER_READ_FIRST (4 * 1024)

struct message {
    const struct model_message *file; /* as the reader described it */
    char *head;           /* the first bytes of the file */
    size_t head_len;
    size_t header_len;    /* the header block within head (== head_len when incomplete) */
    bool header_complete;
    bool at_eof;          /* head is the whole file */
    enum rfc822_class kind;
    struct rfc822_fields fields; /* the header block's known fields, as offsets into head */
    size_t blanks_removed; /* blank lines or indent before the first field, dropped from head */
    int fd;               /* positioned after head */
    uint64_t size;        /* of the file when it was opened */
    int64_t mtime;        /* its modification time then */
    uint64_t left;        /* bytes of it not read yet (the rest after head) */
    uint64_t rest_offset; /* where the bytes after head begin in the file */
    int64_t date;         /* the date it is filed under (maildate_filed) */
    enum date_origin date_origin;
    bool has_date_header;
};

/* Opens and reads the head; STATUS_MESSAGE_BAD with `err` when the file cannot be opened or
 * read (the message is closed then). */
enum status message_open(struct message *m, const struct model_message *file, struct error *err);
/* The same, reading no more than the header block needs (in reads from 4 KB up): for counting
 * and classifying without a writer, as `scan` does. The class and the date are the same as
 * message_open's; `head` holds less of the body, and `fields` only the date's. */
enum status message_open_header(struct message *m, const struct model_message *file,
                                struct error *err);
/* Opens again a file message_open() opened before, taking its size and time from `file` (which
 * that open described) instead of asking the system again; the same result otherwise. */
enum status message_reopen(struct message *m, const struct model_message *file,
                           struct error *err);
/* Reads the bytes after `head`, up to the size the file had when it was opened: >0 bytes, 0 at
 * the end (without a system call once that size is read), -1 with `err` on a read error. */
ssize_t message_read(struct message *m, char *buf, size_t cap, struct error *err);
/* Keeps a message that was read whole (at_eof) without its file: the file is closed and the
 * head trimmed to its length; the message stays usable until message_close(). */
void message_hold(struct message *m);
void message_close(struct message *m);

#endif
