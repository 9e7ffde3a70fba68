/* store: the reader of Windows Live Mail stores, Windows Mail (Vista) stores and plain folder
 * trees of .eml files (see pipeline/reader.h for the ops, store.c for the rules). */
#ifndef WLMIGRATE_WLM_STORE_H
#define WLMIGRATE_WLM_STORE_H

#include "pipeline/reader.h"

extern const struct reader_ops wlm_store_reader;

#endif
