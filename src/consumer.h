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
 * Errors librdkafka returns in place of records: in librdkafka 2.x none of
 * them stands for exactly one record that it then skips.  A CRC mismatch
 * (_BAD_MSG, with check.crcs) covers a whole v2 record batch, a batch that
 * does not decompress (_BAD_COMPRESSION) or has an unsupported format
 * (_NOT_IMPLEMENTED, _UNSUPPORTED_FEATURE) is reported at its first offset
 * only (and again at each re-fetch), and a record too large to fetch keeps
 * the partition where it is.  Answering such an error with an outcome at
 * its offset would let the commit move past records nobody saw; so the
 * partition stops instead (consumer_classify()): it is paused, nothing of
 * it is returned any more, and it stays so until it is assigned anew (an
 * operator moved the group's offset past the batch or fixed the cause, and
 * restarted).  Records that librdkafka does return, however broken their
 * content, are the pipeline's to reject.
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
	/* After every assignment or revocation: @assigned of the requests
	 * topic's @total partitions are ours now (@total 0: not known). */
	void (*rebalanced)(void *opaque, int assigned, int total);
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

/* What consumer_poll() does with an error in place of a record. */
enum consumer_error {
	CONSUMER_ERROR_LOG = 0, /* about the client, the group or a fetch
				   librdkafka retries: logged, nothing is
				   skipped */
	CONSUMER_ERROR_STOP,    /* records of the partition from the error's
				   offset on cannot be read: the partition
				   stops (above) */
};

/* The class of @err when it comes in place of a record.  Pure. */
enum consumer_error consumer_classify(rd_kafka_resp_err_t err);

/* Next record or NULL, without blocking; rebalance hooks run here.  Never
 * an error: error events are logged, and a CONSUMER_ERROR_STOP one stops
 * its partition, whose records are not returned any more (not even those
 * already fetched). */
rd_kafka_message_t *consumer_poll(struct consumer *c);

/* The number of stopped partitions; when there are any, writes "partition
 * P stopped at offset O: why" for the first (and "(+N more)") to @buf. */
size_t consumer_stopped(const struct consumer *c, char *buf, size_t len);

/* True while no broker answers or no partition is assigned yet. */
bool consumer_waiting_for_kafka(struct consumer *c);

/* True while the brokers answer and the consumer is a member of its group
 * (with partitions assigned or not): what /readyz asks of it. */
bool consumer_joined(struct consumer *c);

/* The brokers answer but no assignment has come since the consumer (re)joined
 * its group: the group is forming.  Main thread. */
bool consumer_joining(struct consumer *c);

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

/* Pauses (or resumes) fetching on the whole assignment; stopped and held
 * partitions stay paused. */
void consumer_pause(struct consumer *c, bool pause);
bool consumer_paused(const struct consumer *c);

/* Holds (pauses) fetching of @partition alone, or ends the hold: it is
 * resumed unless the whole assignment is paused or the partition stopped.
 * Records of it not yet returned are fetched again after the hold.  A
 * revocation of the partition ends its hold.  Returns 0 or -ENOMEM (the
 * partition could not be paused, or resumed). */
int consumer_hold(struct consumer *c, int32_t partition, bool hold);

/* The age key of @rkm for the read-ahead: its timestamp in ms since the
 * epoch, or @now_ms (wall clock) when it has none or one in the future (a
 * producer's clock ahead must not push its records back).  Any thread. */
int64_t consumer_record_time(const rd_kafka_message_t *rkm, int64_t now_ms);

/* Commits the stored offsets now and waits for the answer. */
int consumer_commit(struct consumer *c);

/* Commits stored offsets and leaves the group. */
void consumer_close(struct consumer *c);

void consumer_free(struct consumer *c);

#endif
