/* tnef: the files inside a winmail.dat (TNEF), read with libytnef.
 *
 * Outlook sends attachments wrapped in application/ms-tnef when it believes the recipient is
 * Outlook too; the normalizer replaces such a part with the files inside it. For each
 * attachment that carries bytes (its attach data, else the PR_ATTACH_DATA_OBJ object after its
 * 16-byte interface id) the file's name (PR_ATTACH_LONG_FILENAME, else PR_DISPLAY_NAME, else
 * the attachment title), MIME tag and Content-ID are taken, each decoded to UTF-8: Unicode
 * properties as libytnef gives them, 8-bit ones in the message's code page (Windows-1252 when
 * it names none). libytnef prints its complaints with printf: while it runs, file descriptor 1
 * points at /dev/null.
 *
 * Ownership: the caller frees the array with tnef_free(); a field taken out of it is set to
 * NULL first. `data` is allocated with g_malloc (the normalizer keeps attachment bytes as GLib
 * memory) and has a NUL after `len`. */
#ifndef WLMIGRATE_TNEF_H
#define WLMIGRATE_TNEF_H

#include <stdbool.h>
#include <stddef.h>

#include "normalize/charset.h"

struct tnef_file {
    char *name;       /* UTF-8, NULL when the file has none */
    char *type;       /* the MIME tag as written (UTF-8), or NULL */
    char *content_id; /* as written (angle brackets and all), or NULL */
    char *data;       /* g_malloc */
    size_t len;
};

/* The files in winmail.dat bytes `data` (at most INT32_MAX bytes), in order; *count receives
 * their number (NULL when 0). *readable is false when libytnef reported an error (the files
 * found before it are still returned). Charset repairs are added to `st` (may be NULL). */
struct tnef_file *tnef_extract(const char *data, size_t len, size_t *count, bool *readable,
                               struct charset_stats *st);
void tnef_free(struct tnef_file *files, size_t count);

#endif
