/* normalize: a message's raw bytes as a decoded view, for the writers that need one.
 *
 * Structured writers (PST, the `show` command, later vCard/CSV from mail) need the subject,
 * addresses, date, bodies and attachments in UTF-8; raw writers (mbox, EML) never come here.
 * The view is lazy: normalize_open() only indexes the header block, and each accessor decodes
 * what it returns on first use and caches it, so a writer that wants the subject and the text
 * body pays for nothing else. The MIME structure is GMime's (parsed on the first body or
 * attachment request), but every byte of text is decoded by charset.h / rfc2047.h / address.h,
 * never by GMime's charset conversion, which corrupts Japanese mail (see doc/JAPANESE.md).
 *
 * What the view decides:
 * - Headers are read from the raw header block (a leading mbox `From ` line is skipped).
 * - Date: the Date header; when missing or unreadable, the first Received header that carries
 *   a date, then the store's time, then the file's time (hints); the origin is returned and a
 *   repair recorded.
 * - Bodies: in multipart/alternative text/plain gives the text and text/html the HTML; in
 *   multipart/related the root part; in multipart/mixed (and any other multipart) the first
 *   child that yields a body; a text part with a file name or `Content-Disposition: attachment`
 *   is an attachment, never the body. When a message has HTML and no text/plain, the text body
 *   is derived from the HTML by removing tags (normalize_body_text_from_html() says so).
 *   Text parts without a charset are guessed by charset_to_utf8(); HTML without one takes the
 *   charset of its <meta> tag, else is guessed.
 * - Attachments: every other leaf part, in document order, with its decoded file name
 *   (filename* / name* by RFC 2231, encoded words even inside quotes, raw 8-bit names), MIME
 *   type, Content-ID and disposition; message/rfc822 parts are attachments whose bytes are the
 *   embedded message (open them with normalize_attachment_message()); uuencoded blocks in a
 *   text body are cut out of the text and become attachments; a winmail.dat (TNEF) is replaced
 *   by the files inside it (libytnef) or kept as it is when it cannot be read. libytnef prints
 *   its complaints with printf: while it runs, file descriptor 1 points at /dev/null.
 * - Repairs: every guess, every replaced byte and every tolerated defect is recorded with
 *   where it happened. The record covers what has been decoded so far: call every accessor
 *   (as `show` does) for the whole message.
 *
 * g_mime_init() must have been called. One handle is used by one thread at a time.
 *
 * Ownership: normalize_open() borrows `data`, which must stay valid and unchanged until
 * normalize_free(); the handle owns everything its accessors return (valid until
 * normalize_free(), or normalize_attachment_release() for attachment bytes). */
#ifndef WLMIGRATE_NORMALIZE_H
#define WLMIGRATE_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "normalize/address.h"
#include "util/error.h"

struct normalize;

/* What the store and the file system know beside the bytes (MODEL_TIME_UNKNOWN when not). */
struct normalize_hints {
    int64_t store_time; /* the received time the store recorded */
    int64_t file_time;  /* the message file's modification time */
};

enum normalize_importance {
    NORMALIZE_IMPORTANCE_LOW = 0,
    NORMALIZE_IMPORTANCE_NORMAL = 1, /* also when the message says nothing */
    NORMALIZE_IMPORTANCE_HIGH = 2,
};

enum normalize_disposition {
    NORMALIZE_DISPOSITION_ATTACHMENT,
    NORMALIZE_DISPOSITION_INLINE,
};

enum normalize_origin {
    NORMALIZE_ORIGIN_MIME,     /* a MIME part */
    NORMALIZE_ORIGIN_UUENCODE, /* a uuencoded block inside a text body */
    NORMALIZE_ORIGIN_TNEF,     /* a file inside a winmail.dat */
};

struct normalize_attachment {
    const char *filename;     /* decoded file name, NULL when the message gives none */
    const char *content_type; /* lower-case "type/subtype" */
    const char *content_id;   /* without angle brackets, NULL when none */
    enum normalize_disposition disposition;
    enum normalize_origin origin;
    bool is_message;          /* message/rfc822: the bytes are a whole message */
};

/* One repair: `count` times `kind` at `where`. Kinds:
 *   charset_replaced     bytes that could not be decoded (each became U+FFFD)
 *   charset_guessed      text whose charset was missing, unknown or raw 8-bit, and guessed
 *   charset_relabelled   a declared charset overruled by the bytes
 *   base64_invalid       characters in base64 content that are not base64 (skipped), or a
 *                        truncated last group
 *   quoted_printable_invalid  '=' not followed by two hex digits (kept as written)
 *   uuencode_invalid     uuencoded lines that could not be decoded, or a block without `end`
 *   encoding_unknown     a Content-Transfer-Encoding we do not know (content taken as is)
 *   address_syntax       address-list syntax tolerated (see address.h)
 *   date_missing, date_invalid   the Date header; `where` says what the date came from
 *   multipart_no_boundary  a multipart without boundary parameter (its text is the body)
 *   multipart_truncated  a multipart without its closing delimiter, or cut by its parent's
 *                        (the parts found are kept)
 *   content_type_invalid, mime_malformed   what else GMime's parser had to tolerate
 *   tnef_unreadable      a winmail.dat that libytnef could not read (kept as it is)
 *   too_deep             MIME or message nesting beyond NORMALIZE_MAX_DEPTH (deeper parts
 *                        are not listed)
 *   header_cut           lines of a header block too long for real mail, cut to
 *                        NORMALIZE_LINE_MAX, or dropped past NORMALIZE_HEADER_BLOCK_MAX unless
 *                        they are fields the view decodes (the rest of the message is decoded
 *                        as usual) */
struct normalize_repair {
    const char *kind;
    const char *where; /* "subject", "from", "body_text", "attachment 2", "date", "mime" ... */
    size_t count;
};

#define NORMALIZE_MAX_DEPTH 64
/* Header limits: longer header blocks and lines are cut before GMime parses them. */
#define NORMALIZE_HEADER_BLOCK_MAX (1024 * 1024)
#define NORMALIZE_LINE_MAX (64 * 1024)
#define NORMALIZE_HEADER_KEEP_MAX (256 * 1024) /* for the essential fields past the block max */
/* The longest embedded header block located in a file (longer ones are written by GMime). */
#define NORMALIZE_HEADER_MAX (1024 * 1024)

/* NULL with `err` filled only when the message is too large to parse (over 4 GiB). */
struct normalize *normalize_open(const char *data, size_t len, const struct normalize_hints *hints,
                                 struct error *err);
/* A message that lies in a file, for one of any size: `head` holds its first bytes as the caller
 * read them (at least its header block), the rest is `rest_len` bytes of `fd` from `rest_offset`
 * on. Only the header block and the bodies are held; attachments are read from the file when
 * asked for (normalize_attachment_open() streams them). `head` and `fd` are borrowed until
 * normalize_free(); the file position of `fd` is not used. */
struct normalize *normalize_open_file(const char *head, size_t head_len, int fd,
                                      uint64_t rest_offset, uint64_t rest_len,
                                      const struct normalize_hints *hints, struct error *err);
void normalize_free(struct normalize *n);

/* The header block as stored (after a leading `From ` line), for PR_TRANSPORT_MESSAGE_HEADERS. */
const char *normalize_header_block(struct normalize *n, size_t *len);
/* True when the message has a header named `name` (case-insensitive). */
bool normalize_has_header(struct normalize *n, const char *name);

/* Decoded header texts; NULL when the header is absent. */
const char *normalize_subject(struct normalize *n);
const char *normalize_message_id(struct normalize *n);  /* "<id@host>" as written */
const char *normalize_in_reply_to(struct normalize *n); /* the first "<id>" */
/* The message ids of References (each "<id>"); *count receives their number. */
const char *const *normalize_references(struct normalize *n, size_t *count);

/* Address lists; never NULL (an empty list when the header is absent). */
const struct address_list *normalize_from(struct normalize *n);
const struct address_list *normalize_sender(struct normalize *n);
const struct address_list *normalize_reply_to(struct normalize *n);
const struct address_list *normalize_to(struct normalize *n);
const struct address_list *normalize_cc(struct normalize *n);
const struct address_list *normalize_bcc(struct normalize *n);

/* Unix time (UTC) of the message, or MODEL_TIME_UNKNOWN when nothing gives one. *origin, when
 * not NULL, receives "Date", "Received", "store", "file time" or "none". */
int64_t normalize_date(struct normalize *n, const char **origin);

/* Importance (Importance, X-Priority, X-MSMail-Priority, Priority headers, first found wins). */
enum normalize_importance normalize_importance(struct normalize *n);

/* The text body in UTF-8 (NUL-terminated; *len may be NULL), or NULL when the message has no
 * text or HTML body. */
const char *normalize_body_text(struct normalize *n, size_t *len);
/* True when the text body was derived from the HTML body (the message had no text/plain). */
bool normalize_body_text_from_html(struct normalize *n);
/* The HTML body in UTF-8, or NULL when the message has none. */
const char *normalize_body_html(struct normalize *n, size_t *len);
/* The HTML body's bytes as sent (transfer encoding undone, charset not) and its charset as
 * declared (or found in <meta>, or guessed; never NULL when the bytes are not), or NULL. */
const char *normalize_body_html_raw(struct normalize *n, size_t *len, const char **charset);

size_t normalize_attachment_count(struct normalize *n);
const struct normalize_attachment *normalize_attachment(struct normalize *n, size_t i);
/* The attachment's decoded bytes (transfer encoding undone), cached until
 * normalize_attachment_release(); NULL only when i is out of range. */
const char *normalize_attachment_data(struct normalize *n, size_t i, size_t *len);
/* The same bytes read in pieces, for a writer that must not hold a large file: a MIME part's
 * content is decoded as it is read, nothing of it held. NULL only when i is out of range.
 * normalize_stream_read() gives >0 bytes, 0 at the end, -1 on a read error.
 * Close the stream before freeing `n`. */
struct normalize_stream;
struct normalize_stream *normalize_attachment_open(struct normalize *n, size_t i);
ssize_t normalize_stream_read(struct normalize_stream *s, char *buf, size_t cap);
void normalize_stream_close(struct normalize_stream *s);
/* Drops the cached bytes of attachment i (a writer done with a large file). */
void normalize_attachment_release(struct normalize *n, size_t i);
/* For an attachment with is_message: a new handle on the embedded message (the caller frees
 * it before releasing attachment i or freeing `n`); NULL when i is not a message. The store's
 * time does not carry over; the file time does. */
struct normalize *normalize_attachment_message(struct normalize *n, size_t i);

/* Repairs recorded so far. */
size_t normalize_repair_count(struct normalize *n);
const struct normalize_repair *normalize_repair_at(struct normalize *n, size_t i);

#endif
