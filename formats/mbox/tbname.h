/* tbname: the file name under which Thunderbird reads a folder back.
 *
 * In Local Folders a folder is the mbox file named after it (subfolders in `<name>.sbd/`). When a
 * name is one Thunderbird would not use as a file name as it stands (a character from
 * `\ / : * ? " < > | ; #` or a control character, a leading `.`, a trailing `.`, `~` or space,
 * more than 55 UTF-16 units) it looks for the folder in a file named after a hash of the name
 * instead, so the file we wrote is never read: measured, a folder file with an 84-character name
 * lost its 14 messages (doc/THUNDERBIRD.md "Folder tree"). Names it takes for its
 * own files (`*.msf`, `filters.js`...) are skipped when it scans the folder. So every name is
 * made safe and short here, and unique by the caller through tbname_unique().
 *
 * Ownership: the caller owns (and frees) every string returned; inputs are only read. Out of
 * memory aborts (xalloc). */
#ifndef WLMIGRATE_TBNAME_H
#define WLMIGRATE_TBNAME_H

/* Returns the name of the file to write for a folder called `name` (any bytes, possibly invalid
 * UTF-8, possibly empty): valid UTF-8, non-empty, at most 55 UTF-16 units, read by Thunderbird
 * from a file of exactly that name, and valid as a file name on Windows and Linux. A name that
 * is all that already comes back unchanged; tbname_safe(tbname_safe(x)) equals tbname_safe(x).
 *   - invalid UTF-8: '_' for each byte that does not start a valid sequence;
 *   - control characters (U+0000-U+001F, U+007F-U+009F), bidirectional controls (U+202A-202E,
 *     U+2066-2069) and `\ / : * ? " < > | ; #`: '_';
 *   - a leading '.': '_'; trailing '.', '~' and spaces: removed; nothing left: "_";
 *   - names Thunderbird skips as its own files (ending in .msf .sbd .snm .toc .mozmsgs,
 *     filters.js, popstate.dat, ..., all ignoring ASCII case): '_' appended (a name starting
 *     with "feeditems_error": '_' prepended);
 *   - Windows device names (CON PRN AUX NUL COM0-9 LPT0-9 COM¹²³ LPT¹²³), alone or with an
 *     extension: '_' after the device name ("nul.txt" -> "nul_.txt");
 *   - longer than 55 UTF-16 units: the beginning, "…" (U+2026) and the last 6 units (cut at
 *     code point boundaries, so 5 when the 6th would split a surrogate pair). */
char *tbname_safe(const char *name);

/* Returns `safe` (a result of tbname_safe) when taken(ctx, safe) is 0, else the first of
 * "safe (2)", "safe (3)", ... for which taken() returns 0. The part before the suffix is cut at
 * a code point boundary, and stripped of trailing '.', '~' and spaces, so that the whole stays
 * within 55 UTF-16 units; the result keeps every property of tbname_safe(). taken() must accept
 * some candidate: it always does when it answers from a finite list of names, since the
 * candidates all differ. Compare with tbname_equal() in taken(): folders may move to Windows. */
char *tbname_unique(const char *safe, int (*taken)(void *ctx, const char *name), void *ctx);

/* Returns 1 when the two names are equal ignoring ASCII case, else 0. Windows folds more than
 * ASCII; ASCII folding is what we document. */
int tbname_equal(const char *a, const char *b);

#endif
