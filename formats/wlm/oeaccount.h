/* oeaccount: reads one Windows Live Mail / Windows Mail account file (.oeaccount).
 *
 * Each account of a store is one small XML file beside its folders, normally UTF-16LE with a
 * BOM, holding one element per non-default setting under <MessageAccount>. The migration needs
 * the servers, ports, security and identity from it to recreate the account in the target; the
 * parser works on bytes in memory so that tests and fuzzers can feed it directly.
 *
 * Ownership: oeaccount_parse() returns a new account that the caller frees with
 * model_account_free(); it keeps no pointer to `data` or `source`. */
#ifndef WLMIGRATE_OEACCOUNT_H
#define WLMIGRATE_OEACCOUNT_H

#include <stddef.h>

#include "util/error.h"
#include "model/model.h"

/* Larger inputs are refused: real account files are a few kilobytes. */
#define OEACCOUNT_MAX_BYTES (1024 * 1024)

/* Parses the `len` bytes at `data` (UTF-16LE/BE with BOM, UTF-16LE without BOM, or UTF-8 with or
 * without BOM). `source` names the file in messages and is copied into account->source. Settings
 * that are absent, empty, mistyped or out of range fall back to their defaults; BINARY settings
 * (passwords) are never read. Returns NULL with one sentence naming `source` in `err` when the
 * bytes are not a well-formed account file or nothing identifies the account. Documents with a
 * DOCTYPE are refused before any entity is declared. */
struct model_account *oeaccount_parse(const char *data, size_t len, const char *source,
                                      struct error *err);

#endif
