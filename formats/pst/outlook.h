/* outlook: the Outlook writer (`--for outlook`): the store as one Unicode PST.
 *
 * Writes `outlook/NAME.pst` below the directory it is opened on, NAME being the container name
 * (`--container`, default "Windows Live Mail"; also the data file's display name in Outlook).
 * The store's folder tree goes under the PST's "Top of Outlook data file" as it is: one folder
 * per account and one for "Storage Folders", their subfolders below them, all `IPF.Note`. WLM's
 * special folders (Inbox, Sent Items, Deleted Items, Junk E-mail, Drafts, Outbox) stay ordinary
 * folders inside their parent and are never merged into the PST's own Deleted Items: opened as a
 * data file nothing moves, and imported into a mailbox nothing lands in a folder Outlook may
 * empty by itself. Every message goes through the normalizer and pstmail.h; the read flag comes
 * from the store's state (unknown state: as --unknown-state says).
 *
 * With a size limit (outlook_settings.pst_max_size) a new part `NAME (2).pst`, ... is started at a
 * folder boundary when the folder would not fit; a folder that alone exceeds the limit is split
 * between parts at a message boundary, each part holding the folder under its own path. The
 * report's folder rows say which part each folder went to, and a problem of kind `pst_split`
 * lists, for a split folder, which messages (by date range and count) went where. */
#ifndef WLMIGRATE_PST_OUTLOOK_H
#define WLMIGRATE_PST_OUTLOOK_H

#include <stdint.h>

#include "pipeline/writer.h"

/* The writer's own settings (parsed by the Outlook target in formats/registry.c). */
struct outlook_settings {
    uint64_t pst_max_size; /* bytes per PST part (--pst-max-size), 0 = no limit */
};

extern const struct writer_ops outlook_ops;

#endif
