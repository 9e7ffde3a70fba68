/* pstqueue: messages written into a PST on a thread of their own, in the order they were given.
 *
 * The Outlook writer's two halves cost about the same: decoding a message (GMime, the
 * property mapping) and writing it (heaps, blocks, the B-tree entries, the file). The queue lets
 * the pipeline's thread decode the next message while this one writes the last: the calling
 * thread submits a finished message (its property lists and everything they point into, held
 * by the caller) and goes on; the queue's thread hands the messages to pst_writer_add_message()
 * one after another, first in, first out. Every other pst_writer call stays on the calling
 * thread and is made only after pst_queue_drain(), when the queue's thread is idle: so the
 * writer sees exactly the calls, in exactly the order, of a run without the queue, and writes
 * the same bytes.
 *
 * Memory stays bounded: the caller says what each message holds in bytes, and pst_queue_submit()
 * waits while the messages in flight hold more than the queue's limit (one message alone is
 * always taken). A message is given back to the caller through its `release` function, on the
 * calling thread (in pst_queue_submit(), pst_queue_drain() and pst_queue_free()), once it is
 * written or dropped, so that whatever it points into (the normalizer's GMime objects) is made
 * and freed on one thread.
 *
 * After a failed write the queue writes nothing more: the next submit or drain returns -1 with
 * that error, and the messages still queued are dropped. */
#ifndef WLMIGRATE_PST_PSTQUEUE_H
#define WLMIGRATE_PST_PSTQUEUE_H

#include <stddef.h>

#include "util/error.h"
#include "pst/pstwriter.h"

struct pst_queue;

/* Starts the queue's thread; `max_bytes` in flight before pst_queue_submit() waits. */
struct pst_queue *pst_queue_new(size_t max_bytes);
/* Queues `msg` for `folder` of `w`; `release(ctx)` is called once it is written or dropped (at
 * once when the queue has failed). Returns -1 with `err` when an earlier write failed. */
int pst_queue_submit(struct pst_queue *q, struct pst_writer *w, struct pst_folder *folder,
                     const struct pst_message *msg, size_t bytes, void (*release)(void *ctx),
                     void *ctx, struct error *err);
/* Waits until every queued message is written and released; -1 with `err` when a write failed.
 * After it, until the next submit, the caller may use the pst_writer itself. */
int pst_queue_drain(struct pst_queue *q, struct error *err);
/* Drops what is still queued, waits for the message being written, ends the thread and releases
 * everything. Accepts NULL. */
void pst_queue_free(struct pst_queue *q);

#endif
