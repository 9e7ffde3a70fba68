/* show: the `wlmigrate show FILE.eml [--json]` command: one message as the normalizer sees it.
 *
 * For technicians (why does this message look wrong after conversion?) and for the tests: the
 * decoded subject, addresses, date and where it came from, ids, bodies, every attachment with
 * its size and SHA-256 (embedded messages shown recursively) and every repair. Every accessor
 * is called, so the repairs listed are complete. With --json, one object on stdout:
 *
 *   file                      the path as given
 *   subject                   string or null
 *   from, sender, reply_to,   lists of {name (string or null), address (string, "" when none),
 *   to, cc, bcc                 group (only for members of a group)}
 *   date, date_origin         ISO 8601 UTC ("2000-01-01T00:00:00Z") or null; "Date",
 *                             "Received", "store", "file time" or "none"
 *   message_id, in_reply_to   string or null; references: list of strings
 *   importance                "low", "normal" or "high"
 *   body_text                 UTF-8 or null; body_text_from_html: true when derived from HTML
 *   body_html                 UTF-8 or null; body_html_charset: the charset of its bytes
 *   attachments               list of {filename, content_type, content_id, disposition
 *                             ("inline"/"attachment"), origin ("mime"/"uuencode"/"tnef"),
 *                             size, sha256 (of the decoded bytes), and for message/rfc822
 *                             message: the same object for the embedded message (no "file")}
 *   repairs                   list of {kind, where, count} (kinds in normalize.h) */
#ifndef WLMIGRATE_SHOW_H
#define WLMIGRATE_SHOW_H

#include <stdbool.h>

struct show_options {
    const char *path;
    bool json;
};

/* Returns the process exit code: 0 shown, 3 the file cannot be read or is not a message. */
int show_run(const struct show_options *o);

#endif
