/* tbwriter: the Thunderbird Local Folders writer.
 *
 * Writes `thunderbird/` below the directory it is opened on: one container folder (an empty mbox
 * file NAME and NAME.sbd/), in it one folder per top-level source folder, subfolders in `.sbd/`
 * directories, every `X.sbd/` with its mbox file `X` beside it (Thunderbird never looks inside a
 * `.sbd/` without one). Each message gets a `From ` line, X-Mozilla-Status, -Status2 and -Keys
 * as its first three header lines, mboxrd escaping, and otherwise its stored bytes. The only
 * repairs are a Date header where none exists, a final line end where missing, and header fields
 * in raw 8-bit bytes that are not UTF-8 re-encoded as UTF-8 words (rawheader.h) unless the
 * settings keep them, each in the report. See doc/THUNDERBIRD.md. */
#ifndef WLMIGRATE_TBWRITER_H
#define WLMIGRATE_TBWRITER_H

#include <stdbool.h>

#include "pipeline/writer.h"

/* Thunderbird's message flags (nsMsgMessageFlags.idl) that the writer sets. */
enum {
    TB_FLAG_READ = 0x1,
    TB_FLAG_REPLIED = 0x2,
    TB_FLAG_MARKED = 0x4,
    TB_FLAG_FORWARDED = 0x1000,
    TB_FLAG_MDN_SENT = 0x800000,
};

/* The writer's own settings (NULL: the defaults, all false). */
struct tbwriter_settings {
    bool keep_raw_headers; /* raw 8-bit header fields stay as stored (not re-encoded) */
    const char *tree_dir;  /* where the tree goes below the directory: NULL for "thunderbird",
                              "Mail/Local Folders" in a profile */
};

extern const struct writer_ops tbwriter_ops;

#endif
