/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readahead.h - records read beyond the in-flight bound, oldest first.
 *
 * The main loop must keep calling consumer_poll() (rebalances, the poll
 * interval) even when sender.max_inflight jobs are alive; a record it gets
 * then waits here, in the order it was read, instead of becoming a job.
 * Pausing the consumer instead would make librdkafka drop its whole
 * prefetched queue and fetch it again on resume, over and over.  What waits
 * here is at most what librdkafka had prefetched, and that is sized from
 * the same bound (consumer_prefetch()).
 *
 * Items are opaque (the pipeline keeps rd_kafka_message_t pointers) with
 * the partition they belong to; the destructor given at creation frees the
 * ones dropped.  Pure: no I/O, no threads, no logging.
 * @locality main thread only.
 */
#ifndef OPTOUT_READAHEAD_H
#define OPTOUT_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

struct readahead;

/* An empty FIFO whose dropped items are freed with @destroy.  NULL on
 * ENOMEM. */
struct readahead *readahead_new(void (*destroy)(void *item));

/* Frees the FIFO and, with its destructor, every item still in it.  NULL
 * is fine. */
void readahead_free(struct readahead *ra);

/* Appends @item of @partition; the FIFO owns it on success.  Returns 0 or
 * -ENOMEM (the caller still owns @item). */
int readahead_put(struct readahead *ra, void *item, int32_t partition);

/* Removes and returns the oldest item (the caller owns it), NULL when
 * empty. */
void *readahead_take(struct readahead *ra);

/* Frees every item of @partition (every item when @partition < 0), keeping
 * the order of the others.  Returns how many were dropped. */
size_t readahead_drop(struct readahead *ra, int32_t partition);

/* Items waiting. */
size_t readahead_count(const struct readahead *ra);

#endif
