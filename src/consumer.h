/* SPDX-License-Identifier: Apache-2.0 */
/*
 * consumer.h - the requests consumer: group member with manual offset store.
 *
 * Offsets are stored (rd_kafka_offsets_store) by the main loop only once an
 * outcome, and every earlier outcome of the partition, is acknowledged;
 * librdkafka commits stored offsets in the background and on close.  The
 * rebalance callback calls back into the pipeline so that a revoked
 * partition is drained and committed before it is let go.
 *
 * @locality main thread only; the hooks run inside consumer_poll().
 */
#ifndef OPTOUT_CONSUMER_H
#define OPTOUT_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

struct config;
struct consumer;

struct consumer_hooks {
	/* Partitions were added to the assignment. */
	void (*assigned)(void *opaque,
			 const rd_kafka_topic_partition_list_t *parts);
	/* Partitions are about to be taken away.  With @lost false the hook
	 * may drain and store offsets (consumer_store) before returning; with
	 * @lost true someone else may own them already. */
	void (*revoking)(void *opaque,
			 const rd_kafka_topic_partition_list_t *parts,
			 bool lost);
	void *opaque;
};

/* librdkafka's own default of queued.max.messages.kbytes: the sized
 * prefetch never exceeds it. */
#define CONSUMER_PREFETCH_KBYTES_MAX 65536

/*
 * The prefetch rule: librdkafka keeps fetching while its local queue holds
 * fewer than @max_inflight records (queued.min.messages) and fewer than
 * @max_inflight x @max_bytes bytes, in KiB rounded up and at most
 * CONSUMER_PREFETCH_KBYTES_MAX (queued.max.messages.kbytes); librdkafka
 * then caps fetch.max.bytes at the latter, but never below its
 * message.max.bytes.  Writes both and returns 0; -EINVAL when either
 * argument is 0.  Pure; any thread.
 */
int consumer_prefetch(unsigned max_inflight, size_t max_bytes,
		      unsigned *ret_min_messages, unsigned *ret_max_kbytes);

/* Creates the consumer, subscribes to requests.topic and wakes the main
 * loop through @wake_fd when its queue gets events.  queued.min.messages
 * and queued.max.messages.kbytes default to consumer_prefetch() of
 * sender.max_inflight and requests.max_bytes; kafka.* or consumer.* values
 * of them win. */
struct consumer *consumer_new(const struct config *cfg, int wake_fd,
			      const struct consumer_hooks *hooks,
			      char *errbuf, size_t errlen);

/* Next message or NULL, without blocking; rebalance hooks run here.  Error
 * events are logged and not returned, except a record that cannot be read
 * (rkm->err set, offset valid): it must still get an outcome. */
rd_kafka_message_t *consumer_poll(struct consumer *c);

/* True while no broker answers or no partition is assigned yet. */
bool consumer_waiting_for_kafka(struct consumer *c);

/* Records not yet consumed on the assigned partitions (from librdkafka's
 * cached high watermarks; no network call), -1 when unknown. */
int64_t consumer_lag(struct consumer *c);

/* High watermark of @partition minus @committed (cached, no network
 * call), -1 when unknown. */
int64_t consumer_partition_lag(struct consumer *c, int32_t partition,
			       int64_t committed);

/* True after a fatal consumer error: the daemon must stop. */
bool consumer_fatal(const struct consumer *c);

/* Stores @offset (the next one to consume) for @partition. */
int consumer_store(struct consumer *c, int32_t partition, int64_t offset);

/* Pauses (or resumes) fetching on the whole assignment. */
void consumer_pause(struct consumer *c, bool pause);
bool consumer_paused(const struct consumer *c);

/* Commits the stored offsets now and waits for the answer. */
int consumer_commit(struct consumer *c);

/* Commits stored offsets and leaves the group. */
void consumer_close(struct consumer *c);

void consumer_free(struct consumer *c);

#endif
