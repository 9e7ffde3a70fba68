/* viewstream: a message that lies partly in memory and partly in a file, as one GMimeStream.
 *
 * The normalizer holds only the head of a large message (its header block and what was read
 * with it); GMime's parser must still see the whole message as one seekable stream, so that in
 * its persistent mode every part's content is a substream with bounds in the message's own
 * offsets, read from the file only when asked for. This stream is `mem_len` bytes of `mem`
 * followed by `file_len` bytes of `fd` from `file_off` on, read with positional reads (the file
 * position of `fd` is never used or moved). Substreams share the bytes and the descriptor.
 *
 * Ownership: `mem` and `fd` are borrowed and must outlive the stream and all its substreams. */
#ifndef WLMIGRATE_NORMALIZE_VIEWSTREAM_H
#define WLMIGRATE_NORMALIZE_VIEWSTREAM_H

#include <gmime/gmime.h>
#include <stddef.h>
#include <stdint.h>

GMimeStream *viewstream_new(const char *mem, size_t mem_len, int fd, uint64_t file_off,
                            uint64_t file_len);

#endif
