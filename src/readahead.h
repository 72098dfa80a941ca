/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readahead.h - records read beyond the in-flight bound: one queue per
 * partition, the oldest head taken first, each queue bounded.
 *
 * The main loop keeps calling consumer_poll() (rebalances, the poll
 * interval) whatever the number of jobs alive; every record it gets waits
 * here until a job may start.  The next record to start is the head of the
 * partition whose head is oldest (lowest age key: the record's timestamp;
 * among equal ones, partitions take turns), as Kafka Streams picks the
 * lowest timestamp: each partition is served in proportion to the age of its
 * backlog, not to how fast its broker answers.  Within a partition the
 * order stays the read (offset) order.
 *
 * The per-partition policy lives here too, as plain values: each queue
 * holds up to a number of records and a number of bytes (the pipeline
 * gives sender.max_inflight records, librdkafka's own per-partition
 * prefetch count, and the consumer's prefetch byte cap shared by the
 * assigned partitions, readahead_share()).  A put that fills a queue tells
 * the caller to hold that partition's fetching; once the queue is down to
 * half of both limits or less, readahead_resumable() names it to be
 * fetched again.  So what waits here is bounded whatever the backlog, and
 * a partition's queue refills before it runs dry.  Limits are targets, not
 * walls: a put never fails for being over them.
 *
 * Why the limits are not smaller: holding a partition makes librdkafka
 * drop what it had prefetched of it, and each resume fetches again up to
 * a whole fetch response (max.partition.fetch.bytes) of which only what
 * fits in the queue is kept.  Queues of a few records (sender.max_inflight
 * / partitions) made that refetching the bottleneck: a quarter of the
 * throughput at aws.rate_limit = 0 in the backlog benchmark.
 *
 * Items are opaque (the pipeline keeps rd_kafka_message_t pointers); the
 * destructor given at creation frees the ones dropped.  Taking scans the
 * partitions (linear in the highest partition number: topics have
 * hundreds of partitions at most).  Pure: no I/O, no threads, no logging.
 * @locality main thread only.
 */
#ifndef OPTOUT_READAHEAD_H
#define OPTOUT_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

struct readahead;

/* A partition's share of @total: @total / @partitions, at least 1;
 * @total (at least 1) while no partition is assigned. */
size_t readahead_share(size_t total, int partitions);

/* Empty queues whose dropped items are freed with @destroy, each limited
 * to @items items and @bytes bytes (readahead_set_limit()).  NULL on
 * ENOMEM. */
struct readahead *readahead_new(void (*destroy)(void *item), size_t items,
				size_t bytes);

/* Frees the queues and, with the destructor, every item still in them.
 * NULL is fine. */
void readahead_free(struct readahead *ra);

/* New per-partition limits (0 counts as 1): @items items, @bytes bytes.
 * A held partition now at or below half of both comes out of
 * readahead_resumable(). */
void readahead_set_limit(struct readahead *ra, size_t items, size_t bytes);

/* Appends @item of @partition (>= 0), whose age key is @age_ms (lower is
 * older) and size @bytes; the queue owns it on success.  Returns 0; 1 when
 * this put filled the partition's queue to either limit: the partition is
 * now held, and the caller stops fetching it; -ENOMEM or -EINVAL (the
 * caller still owns @item). */
int readahead_put(struct readahead *ra, void *item, int32_t partition,
		  int64_t age_ms, size_t bytes);

/* Removes and returns the head of the partition whose head is oldest (the
 * caller owns it), NULL when every queue is empty. */
void *readahead_take(struct readahead *ra);

/* A held partition whose queue is down to half of both limits or less: it
 * is no longer held, and the caller fetches it again.  -1 when there is
 * none; call until then. */
int32_t readahead_resumable(struct readahead *ra);

/* Frees every item of @partition (of every partition when @partition < 0)
 * and forgets that it was held; the other queues are untouched.  Returns
 * how many were dropped. */
size_t readahead_drop(struct readahead *ra, int32_t partition);

/* Items waiting, in all queues. */
size_t readahead_count(const struct readahead *ra);

/* Bytes of the items waiting, in all queues. */
size_t readahead_bytes(const struct readahead *ra);

/* Items waiting in @partition's queue. */
size_t readahead_count_of(const struct readahead *ra, int32_t partition);

#endif
