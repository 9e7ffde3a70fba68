/* address: RFC 5322 address lists (From, To, Cc, ...) from raw header bytes to UTF-8.
 *
 * GMime's own address parser converts display names through glibc iconv, which corrupts the
 * Japanese names Windows mailers write, so lists are parsed here over the raw (unfolded) header
 * value and every display name goes through rfc2047_decode(). Real headers are tolerated as they
 * come: quoted strings and nested comments, groups (including `undisclosed-recipients:;`),
 * obsolete routes (`<@relay:user@host>`), a display name in a trailing comment
 * (`user@host (Taro)`), unquoted encoded words and raw 8-bit names (CP932 trail bytes that look
 * like `\` or `"` are kept inside their character), unbalanced quotes and brackets, `mailto:`,
 * and mailboxes without '@' (`root`, a name with no address). What had to be tolerated is
 * counted in `repairs`, never fatal: the parser always returns a list, possibly empty.
 *
 * Ownership: the caller owns the list (address_list_free(), NULL allowed) and everything in it;
 * all strings are NUL-terminated valid UTF-8. */
#ifndef WLMIGRATE_ADDRESS_H
#define WLMIGRATE_ADDRESS_H

#include <stddef.h>

#include "normalize/charset.h"

struct address {
    char *name;    /* display name, decoded; NULL when none was written */
    char *address; /* addr-spec as written (local@domain; no '@' when none was written);
                      "" when the mailbox has no address at all (a bare name, an empty group) */
    char *group;   /* display name of the group the mailbox is in, else NULL. An empty group
                      (`undisclosed-recipients:;`) is one entry with name NULL and address "" */
};

struct address_list {
    struct address *items;
    size_t count;
    size_t cap;
    size_t repairs; /* syntax tolerated: unbalanced quote, comment, '<' or '[', stray
                       characters, an unclosed group, a mailbox without address, a display name
                       split at an unquoted comma ("Yamada, Taro <t@x>") */
};

/* Parses an address-list header value (unfolded, raw bytes, NULs allowed). `hint` is the
 * body's charset for raw 8-bit names (or NULL); decoding statistics are added to `st` (NULL
 * allowed). */
struct address_list *address_parse(const char *value, size_t len, const char *hint,
                                   struct charset_stats *st);
void address_list_free(struct address_list *l);

#endif
