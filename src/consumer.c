/* SPDX-License-Identifier: Apache-2.0 */
/*
 * consumer.c - the requests consumer.
 *
 * Auto-commit stays on but only commits what the main loop stored, which is
 * never past a request without a delivered outcome.  The rebalance callback
 * serves both protocols: COOPERATIVE uses incremental (un)assign, EAGER the
 * whole assignment.  After each, the hooks learn what fraction of the
 * topic's partitions is ours (the instance's share of the API quota): the
 * topic's partition count is asked of the brokers on every assignment
 * (partitions added to the topic come with one), kept on a revocation.
 *
 * librdkafka prefetches records into its local queue ahead of the main
 * loop; by default up to 100000 records or 64 MiB, whatever the in-flight
 * bound.  The prefetch is sized from the bound instead (consumer_prefetch()),
 * unless the user sets those properties: memory stays proportional to
 * sender.max_inflight under any backlog, and what a pause throws away (and a
 * resume fetches again) stays small.
 *
 * Stopped partitions (consumer.h) are kept in a small array: a partition is
 * added when an error of class CONSUMER_ERROR_STOP arrives for it, and
 * removed when it is revoked or lost; its next owner meets the same records
 * and stops too, until an operator acts.
 *
 * Held partitions (consumer_hold(), the pipeline's read-ahead of them is
 * full) are another small array with the same life: a partition is paused
 * alone while held, and a resume of the whole assignment leaves it (and the
 * stopped ones) paused.  A revocation forgets it, as the pipeline drops
 * the partition's read-ahead then.  Pausing a partition makes librdkafka
 * drop what it had prefetched of it and fetch again from the next record
 * the pipeline has not got: nothing is skipped or read twice.
 */
#include "consumer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kafka.h"
#include "log.h"
#include "util.h"

/* AddressSanitizer builds: the handle kept on purpose below is not a leak. */
#if defined(__SANITIZE_ADDRESS__)
#define CONSUMER_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONSUMER_LSAN 1
#endif
#endif
#ifdef CONSUMER_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* How long an assignment waits for the requests topic's partition count. */
#define CONSUMER_METADATA_MS 5000

struct stopped {
	int32_t partition;
	int64_t offset; /* where the unreadable records start */
	rd_kafka_resp_err_t err;
};

struct consumer {
	rd_kafka_t *rk;
	struct stopped *stopped;
	size_t nstopped;
	int32_t *held;            /* paused alone by consumer_hold() */
	size_t nheld, held_cap;
	rd_kafka_queue_t *q;
	const struct config *cfg;
	struct consumer_hooks hooks;
	bool paused;
	bool fatal;
	atomic_bool brokers_down; /* set from librdkafka's thread */
	int assigned;             /* partitions assigned */
	int total;                /* the topic's partitions, 0 = not known */
	bool ever_assigned;
	bool in_group;            /* an assignment came since the last join */
};

static struct stopped *stopped_find(const struct consumer *c,
				    int32_t partition)
{
	size_t i;

	for (i = 0; i < c->nstopped; i++)
		if (c->stopped[i].partition == partition)
			return &c->stopped[i];
	return NULL;
}

static void stopped_forget(struct consumer *c,
			   const rd_kafka_topic_partition_list_t *parts)
{
	struct stopped *st;
	int i;

	for (i = 0; i < parts->cnt; i++) {
		st = stopped_find(c, parts->elems[i].partition);
		if (!st)
			continue;
		log_notice("partition %d is no longer ours: its stop at offset "
			   "%lld ends here (its next owner reads it from its "
			   "committed offset)",
			   (int)st->partition, (long long)st->offset);
		*st = c->stopped[--c->nstopped];
	}
}

static bool held_find(const struct consumer *c, int32_t partition,
		      size_t *ret_index)
{
	size_t i;

	for (i = 0; i < c->nheld; i++) {
		if (c->held[i] == partition) {
			if (ret_index)
				*ret_index = i;
			return true;
		}
	}
	return false;
}

static void held_forget(struct consumer *c,
			const rd_kafka_topic_partition_list_t *parts)
{
	size_t at;
	int i;

	for (i = 0; i < parts->cnt; i++)
		if (held_find(c, parts->elems[i].partition, &at))
			c->held[at] = c->held[--c->nheld];
}

/* @parts less the stopped and held partitions (NULL when out of
 * memory). */
static rd_kafka_topic_partition_list_t *
resumable(const struct consumer *c,
	  const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l;
	int i;

	l = rd_kafka_topic_partition_list_new(parts->cnt > 0 ? parts->cnt : 1);
	if (!l)
		return NULL;
	for (i = 0; i < parts->cnt; i++)
		if (!stopped_find(c, parts->elems[i].partition) &&
		    !held_find(c, parts->elems[i].partition, NULL))
			rd_kafka_topic_partition_list_add(
				l, parts->elems[i].topic,
				parts->elems[i].partition);
	return l;
}

/* Stops the partition of @rkm: paused, and nothing of it is returned any
 * more.  When that cannot be recorded the consumer fails (the daemon stops
 * without committing) rather than risk reading past the batch. */
static void stop_partition(struct consumer *c, const rd_kafka_message_t *rkm)
{
	rd_kafka_topic_partition_list_t *l;
	struct stopped *grown;

	if (stopped_find(c, rkm->partition)) {
		log_debug("partition %d: %s (already stopped)",
			  (int)rkm->partition, rd_kafka_message_errstr(rkm));
		return;
	}
	grown = realloc(c->stopped, (c->nstopped + 1) * sizeof(*grown));
	l = rd_kafka_topic_partition_list_new(1);
	if (!grown || !l) {
		if (grown)
			c->stopped = grown;
		if (l)
			rd_kafka_topic_partition_list_destroy(l);
		log_error("out of memory stopping partition %d",
			  (int)rkm->partition);
		c->fatal = true;
		return;
	}
	c->stopped = grown;
	c->stopped[c->nstopped++] = (struct stopped){
		rkm->partition, rkm->offset, rkm->err};
	rd_kafka_topic_partition_list_add(l, c->cfg->requests_topic,
					  rkm->partition);
	rd_kafka_pause_partitions(c->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	log_error("partition %d of %s stopped at offset %lld: %s (%s): the "
		  "records from there on cannot be read; nothing at or after "
		  "that offset is processed or committed until an operator "
		  "moves the group's offset past them or fixes the cause, and "
		  "restarts",
		  (int)rkm->partition, c->cfg->requests_topic,
		  (long long)rkm->offset, rd_kafka_err2name(rkm->err),
		  rd_kafka_message_errstr(rkm));
}

enum consumer_error consumer_classify(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR__BAD_MSG:         /* CRC: a whole batch */
	case RD_KAFKA_RESP_ERR__BAD_COMPRESSION: /* a whole batch */
	case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED: /* magic byte, codec */
	case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: /* cannot fetch past it */
	case RD_KAFKA_RESP_ERR_INVALID_MSG: /* CORRUPT_MESSAGE: the broker says so */
	case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
		return CONSUMER_ERROR_STOP;
	default:
		return CONSUMER_ERROR_LOG;
	}
}

size_t consumer_stopped(const struct consumer *c, char *buf, size_t len)
{
	const struct stopped *st;
	size_t n;

	if (!c->nstopped)
		return 0;
	st = &c->stopped[0];
	n = (size_t)snprintf(buf, len, "partition %d stopped at offset %lld: %s",
			     (int)st->partition, (long long)st->offset,
			     rd_kafka_err2str(st->err));
	if (c->nstopped > 1 && n < len)
		snprintf(buf + n, len - n, " (+%zu more)", c->nstopped - 1);
	return c->nstopped;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason,
		     void *opaque)
{
	struct consumer *c = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		c->fatal = true;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		atomic_store(&c->brokers_down, true);
	log_warning("requests consumer: %s: %s",
		    rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* The requests topic's partition count from the brokers (the main thread
 * waits for them, on an assignment only), else the last one known. */
static int topic_partitions(struct consumer *c)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__INVALID_ARG;
	int n = c->total;

	rkt = rd_kafka_topic_new(c->rk, c->cfg->requests_topic, NULL);
	if (rkt)
		err = rd_kafka_metadata(c->rk, 0, rkt, &md,
					CONSUMER_METADATA_MS);
	if (!err)
		err = md->topic_cnt == 1 ? md->topics[0].err
					 : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
	if (!err)
		n = md->topics[0].partition_cnt;
	else
		log_warning("%s: partition count unknown (%s): pacing at the "
			    "share of %d partitions",
			    c->cfg->requests_topic, rd_kafka_err2str(err), n);
	if (md)
		rd_kafka_metadata_destroy(md);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
	return n;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer *c = opaque;
	bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t r = 0;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		log_info("assigned %d partition(s) (%s)", parts->cnt,
			 coop ? "cooperative" : "eager");
		if (coop)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			r = rd_kafka_assign(rk, parts);
		/* librdkafka keeps a partition's application pause across
		 * unassign/assign: set it explicitly either way. */
		if (!error && !r && c->paused)
			rd_kafka_pause_partitions(rk, parts);
		else if (!error && !r)
			rd_kafka_resume_partitions(rk, parts);
		if (!error && !r) {
			c->assigned = coop ? c->assigned + parts->cnt
					   : parts->cnt;
			c->ever_assigned = true;
			c->in_group = true;
			atomic_store(&c->brokers_down, false);
			c->hooks.assigned(c->hooks.opaque, parts);
			c->total = topic_partitions(c);
		}
	} else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		bool lost = rd_kafka_assignment_lost(rk);

		log_info("revoking %d partition(s)%s", parts->cnt,
			 lost ? " (lost)" : "");
		c->hooks.revoking(c->hooks.opaque, parts, lost);
		stopped_forget(c, parts);
		held_forget(c, parts);
		rd_kafka_resume_partitions(rk, parts);
		c->assigned = coop ? c->assigned - parts->cnt : 0;
		/* Eager: every partition goes back and the group is joined
		 * again; lost: the membership itself is gone. */
		if (!coop || lost)
			c->in_group = false;
		if (coop)
			error = rd_kafka_incremental_unassign(rk, parts);
		else
			r = rd_kafka_assign(rk, NULL);
	} else {
		log_error("rebalance failed: %s", rd_kafka_err2str(err));
		r = rd_kafka_assign(rk, NULL);
		c->assigned = 0;
	}
	c->hooks.rebalanced(c->hooks.opaque, c->assigned, c->total);
	if (error) {
		log_error("rebalance: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	} else if (r) {
		log_error("rebalance: %s", rd_kafka_err2str(r));
	}
}

int consumer_prefetch(unsigned max_inflight, size_t max_bytes,
		      unsigned *ret_min_messages, unsigned *ret_max_kbytes)
{
	uint64_t kb;

	if (!max_inflight || !max_bytes)
		return -EINVAL;
	kb = ((uint64_t)max_inflight * max_bytes + 1023) / 1024;
	if (kb > CONSUMER_PREFETCH_KBYTES_MAX)
		kb = CONSUMER_PREFETCH_KBYTES_MAX;
	*ret_min_messages = max_inflight;
	*ret_max_kbytes = (unsigned)kb;
	return 0;
}

/* librdkafka's prefetch, sized from the in-flight bound (consumer.h), as
 * text for its properties. */
static int prefetch_values(const struct config *cfg, char msgs[24],
			   char kb[24], char *errbuf, size_t errlen)
{
	unsigned m, k;

	if (consumer_prefetch(cfg->sender_max_inflight, cfg->requests_max_bytes,
			      &m, &k) < 0) {
		util_set_error(errbuf, errlen, "consumer: no in-flight bound");
		return -EINVAL;
	}
	snprintf(msgs, 24, "%u", m);
	snprintf(kb, 24, "%u", k);
	return 0;
}

/* What librdkafka made of the prefetch properties (it adjusts
 * fetch.max.bytes itself). */
static void log_prefetch(rd_kafka_t *rk)
{
	static const char *const names[] = {"queued.min.messages",
					    "queued.max.messages.kbytes",
					    "fetch.max.bytes"};
	char v[3][32];
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = sizeof(v[i]);
		if (rd_kafka_conf_get(rd_kafka_conf(rk), names[i], v[i], &n) !=
		    RD_KAFKA_CONF_OK)
			snprintf(v[i], sizeof(v[i]), "?");
	}
	log_info("requests consumer prefetch: queued.min.messages %s, "
		 "queued.max.messages.kbytes %s, fetch.max.bytes %s",
		 v[0], v[1], v[2]);
}

struct consumer *consumer_new(const struct config *cfg, int wake_fd,
			      const struct consumer_hooks *hooks,
			      char *errbuf, size_t errlen)
{
	/* Offsets are stored only once outcomes are acknowledged; the
	 * auto-commit then commits no further than that. */
	static const struct kafka_prop fixed[] = {
		{"enable.auto.offset.store", "false"},
		{"enable.auto.commit", "true"},
		{"enable.partition.eof", "false"},
	};
	struct consumer *c = calloc(1, sizeof(*c));
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_topic_partition_list_t *topics = NULL;
	char msgs[24], kb[24];
	/* Defaults the user may change, then theirs, then ours. */
	const struct kafka_prop defaults[] = {
		{"partition.assignment.strategy", "cooperative-sticky"},
		{"auto.offset.reset", "earliest"},
		{"queued.min.messages", msgs}, /* prefetch_values() */
		{"queued.max.messages.kbytes", kb},
	};
	rd_kafka_resp_err_t r;

	if (!c) {
		util_set_error(errbuf, errlen, "consumer: out of memory");
		goto fail;
	}
	c->cfg = cfg;
	c->hooks = *hooks;
	if (prefetch_values(cfg, msgs, kb, errbuf, errlen) < 0)
		goto fail;
	conf = kafka_conf_new(cfg, true, "consumer", defaults,
			      sizeof(defaults) / sizeof(defaults[0]), fixed,
			      sizeof(fixed) / sizeof(fixed[0]), errbuf, errlen);
	if (!conf)
		goto fail;
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_error_cb(conf, on_error);
	c->rk = kafka_new(RD_KAFKA_CONSUMER, conf, c, "consumer", errbuf,
			  errlen);
	if (!c->rk)
		goto fail;
	log_prefetch(c->rk);
	rd_kafka_poll_set_consumer(c->rk);
	c->q = rd_kafka_queue_get_consumer(c->rk);
	rd_kafka_queue_io_event_enable(c->q, wake_fd, "c", 1);

	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, cfg->requests_topic,
					  RD_KAFKA_PARTITION_UA);
	r = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (r) {
		snprintf(errbuf, errlen, "consumer: subscribe to %s: %s",
			 cfg->requests_topic, rd_kafka_err2str(r));
		goto fail;
	}
	return c;
fail:
	consumer_free(c);
	return NULL;
}

rd_kafka_message_t *consumer_poll(struct consumer *c)
{
	rd_kafka_message_t *rkm;

	for (;;) {
		rkm = rd_kafka_consumer_poll(c->rk, 0);
		if (!rkm)
			return NULL;
		if (!rkm->err && stopped_find(c, rkm->partition)) {
			/* Fetched before the stop: left for the next read. */
			rd_kafka_message_destroy(rkm);
			continue;
		}
		if (!rkm->err) {
			atomic_store(&c->brokers_down, false);
			return rkm;
		}
		if (rkm->rkt && rkm->partition >= 0 &&
		    consumer_classify(rkm->err) == CONSUMER_ERROR_STOP) {
			stop_partition(c, rkm);
			rd_kafka_message_destroy(rkm);
			continue;
		}
		if (rkm->err == RD_KAFKA_RESP_ERR__FATAL)
			c->fatal = true;
		if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			log_warning("requests consumer: %s",
				    rd_kafka_message_errstr(rkm));
		rd_kafka_message_destroy(rkm);
	}
}

bool consumer_waiting_for_kafka(struct consumer *c)
{
	return atomic_load(&c->brokers_down) || c->assigned == 0;
}

bool consumer_joined(struct consumer *c)
{
	char *id;
	bool joined;

	if (atomic_load(&c->brokers_down))
		return false;
	if (c->assigned > 0)
		return true;
	/* A member of the group with nothing assigned (more instances than
	 * partitions) has a member id. */
	id = rd_kafka_memberid(c->rk);
	joined = id && *id;
	rd_kafka_mem_free(c->rk, id);
	return joined;
}

bool consumer_joining(struct consumer *c)
{
	return !atomic_load(&c->brokers_down) && !c->in_group;
}

int64_t consumer_lag(struct consumer *c)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int64_t lag = 0, lo, hi;
	int i;

	if (rd_kafka_assignment(c->rk, &parts) || !parts)
		return -1;
	if (parts->cnt == 0 || rd_kafka_position(c->rk, parts)) {
		rd_kafka_topic_partition_list_destroy(parts);
		return -1;
	}
	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];

		if (rd_kafka_get_watermark_offsets(c->rk, tp->topic,
						   tp->partition, &lo, &hi) ||
		    hi < 0 || tp->offset < 0)
			continue;
		if (hi > tp->offset)
			lag += hi - tp->offset;
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return lag;
}

int64_t consumer_partition_lag(struct consumer *c, int32_t partition,
			       int64_t committed)
{
	int64_t lo = -1, hi = -1;

	if (rd_kafka_get_watermark_offsets(c->rk, c->cfg->requests_topic,
					   partition, &lo, &hi) ||
	    hi < 0 || committed < 0)
		return -1;
	return hi > committed ? hi - committed : 0;
}

bool consumer_fatal(const struct consumer *c)
{
	return c->fatal;
}

int consumer_store(struct consumer *c, int32_t partition, int64_t offset)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t r;

	rd_kafka_topic_partition_list_add(l, c->cfg->requests_topic, partition)
		->offset = offset;
	r = rd_kafka_offsets_store(c->rk, l);
	if (!r)
		r = l->elems[0].err;
	rd_kafka_topic_partition_list_destroy(l);
	if (r) {
		log_debug("offset store %s [%d] @%lld: %s",
			  c->cfg->requests_topic, (int)partition,
			  (long long)offset, rd_kafka_err2str(r));
		return -EINVAL;
	}
	return 0;
}

void consumer_pause(struct consumer *c, bool pause)
{
	rd_kafka_topic_partition_list_t *parts = NULL, *resume = NULL;

	if (c->paused == pause)
		return;
	c->paused = pause;
	if (rd_kafka_assignment(c->rk, &parts) || !parts)
		return;
	if (pause) {
		rd_kafka_pause_partitions(c->rk, parts);
	} else {
		resume = resumable(c, parts);
		if (resume)
			rd_kafka_resume_partitions(c->rk, resume);
		else
			c->paused = true; /* out of memory: try again later */
	}
	if (resume)
		rd_kafka_topic_partition_list_destroy(resume);
	rd_kafka_topic_partition_list_destroy(parts);
}

bool consumer_paused(const struct consumer *c)
{
	return c->paused;
}

/* Pauses or resumes fetching @partition alone: 0 or -ENOMEM. */
static int pause_one(struct consumer *c, int32_t partition, bool pause)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);

	if (!l)
		return -ENOMEM;
	rd_kafka_topic_partition_list_add(l, c->cfg->requests_topic, partition);
	if (pause)
		rd_kafka_pause_partitions(c->rk, l);
	else
		rd_kafka_resume_partitions(c->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	return 0;
}

int consumer_hold(struct consumer *c, int32_t partition, bool hold)
{
	size_t at;

	if (!hold) {
		if (!held_find(c, partition, &at))
			return 0;
		c->held[at] = c->held[--c->nheld];
		if (c->paused || stopped_find(c, partition))
			return 0;
		log_debug("partition %d: fetching again", (int)partition);
		return pause_one(c, partition, false);
	}
	if (held_find(c, partition, NULL))
		return 0;
	if (c->nheld == c->held_cap) {
		size_t cap = c->held_cap ? c->held_cap * 2 : 16;
		int32_t *v = realloc(c->held, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->held = v;
		c->held_cap = cap;
	}
	if (pause_one(c, partition, true) < 0)
		return -ENOMEM;
	c->held[c->nheld++] = partition;
	return 0;
}

int64_t consumer_record_time(const rd_kafka_message_t *rkm, int64_t now_ms)
{
	rd_kafka_timestamp_type_t type;
	int64_t ts = rd_kafka_message_timestamp(rkm, &type);

	if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0 || ts > now_ms)
		return now_ms;
	return ts;
}

int consumer_commit(struct consumer *c)
{
	rd_kafka_resp_err_t r = rd_kafka_commit(c->rk, NULL, 0);

	if (r && r != RD_KAFKA_RESP_ERR__NO_OFFSET) {
		log_warning("commit: %s", rd_kafka_err2str(r));
		return -EIO;
	}
	return 0;
}

void consumer_close(struct consumer *c)
{
	rd_kafka_resp_err_t r;

	if (!c || !c->rk)
		return;
	r = rd_kafka_consumer_close(c->rk);
	if (r)
		log_warning("consumer close: %s", rd_kafka_err2str(r));
}

void consumer_free(struct consumer *c)
{
	if (!c)
		return;
	if (c->q)
		rd_kafka_queue_destroy(c->q);
	/* librdkafka before 2.3.0 aborts when a cooperative-sticky consumer
	 * that never had an assignment is destroyed (its issue #4312).  Such
	 * a consumer holds nothing of ours: the process is about to exit,
	 * which releases it.  LeakSanitizer is told so (what the handle
	 * holds is ignored with it); any other handle left is a leak. */
	if (c->rk && !c->ever_assigned && rd_kafka_version() < 0x020300ff) {
		log_debug("consumer never assigned: not destroyed (librdkafka "
			  "%s, issue #4312)",
			  rd_kafka_version_str());
#ifdef CONSUMER_LSAN
		__lsan_ignore_object(c->rk);
#endif
		c->rk = NULL;
	}
	if (c->rk)
		rd_kafka_destroy(c->rk);
	free(c->stopped);
	free(c->held);
	free(c);
}
