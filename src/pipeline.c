/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline.c - the main loop that ties the modules together.
 *
 * The life of a request record: consumer_poll() -> job; its offset is
 * tracked; invalid requests get their `rejected` outcome at once; valid ones
 * pass the per-key dispatcher to the sender pool; a finished job's outcome
 * is produced; its delivery report marks the offset done, and the done
 * prefix of the partition is stored for commit.  Every job is alive from
 * consumption to delivery report (or give-back); no more than
 * sender.max_inflight are.  Every record read waits in the read-ahead
 * (readahead.h, one bounded queue per partition) until it may become a
 * job, the partition with the oldest head first; a partition whose queue
 * is full is held (consumer_hold()) until it is half empty.  The whole
 * assignment is paused only for systemic holds (calls held with
 * consumption, results topic unavailable) and shutdown.
 *
 * One pipe (the caller's) wakes the loop: the sender workers write to it
 * when a job is done, librdkafka when the consumer's or producer's queue
 * gets events, main.c's signal handlers on a signal.  Otherwise the loop
 * sleeps until a report or a resend is due (loop_timeout()).
 *
 * A message librdkafka will not take or deliver (unknown topic, not
 * authorized, refused by the broker) is never fatal: the pipeline holds
 * consumption ("results topic unavailable: why"), keeps every job, and
 * tries again with one job at a time, backing off from 1 s to 30 s, until
 * a delivery goes through.  Only a fatal producer error (idempotence
 * broken) stops the daemon, without committing.
 *
 * Beside the loop: status.c words its state for systemd and the metrics,
 * reload.c applies a SIGHUP, results.c builds and logs outcomes.  Runs on
 * the main thread, called by main(); only the wake-up pipe is shared with
 * the sender workers and librdkafka.
 */
#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "consumer.h"
#include "credprov.h"
#include "dispatch.h"
#include "erase.h"
#include "health.h"
#include "job.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "offsets.h"
#include "outcome.h"
#include "producer.h"
#include "readahead.h"
#include "reload.h"
#include "request.h"
#include "results.h"
#include "sender.h"
#include "status.h"
#include "util.h"

#define RESEND_DELAY_MS 1000
#define PRODUCE_BACKOFF_MIN_MS 1000
#define PRODUCE_BACKOFF_MAX_MS 30000

struct pipeline {
	const struct config *cfg;
	int wake[2];
	struct consumer *consumer;
	struct producer *producer;
	struct sender *sender;
	struct dispatch *dispatch;
	struct erase *erase;
	struct offsets *offsets;
	struct readahead *readahead; /* records read, not yet jobs */

	size_t alive;         /* jobs between consumption and delivery */
	struct job *resend;   /* outcomes waiting to be produced again */
	int64_t resend_at_ms;
	bool closing;         /* shutting down: no draining on revoke */
	bool fatal;
	bool held;            /* a systemic failure holds the pipeline */
	volatile sig_atomic_t *stop;
	const struct pipeline_opts *opts;
	struct credprov *cred;
	struct metrics *metrics;
	struct reload reload;   /* SIGHUP */
	struct status status;   /* STATUS=, outcome counts */
	char held_reason[192];
	/* The results side refuses messages: separate from the sender's hold
	 * above.  produce_held is JOB_SEND_OUTCOME or JOB_SEND_DLQ (which
	 * topic), 0 when nothing is held; probe is the one job trying. */
	unsigned produce_held;
	int produce_backoff_ms;
	struct job *probe;
	char produce_reason[160];
	size_t *part_alive;   /* alive jobs per partition */
	size_t nparts;
};

/* Jobs alive for @partition (0 for unknown ones). */
static size_t part_alive(const struct pipeline *pl, int32_t partition)
{
	if (partition < 0 || (size_t)partition >= pl->nparts)
		return 0;
	return pl->part_alive[partition];
}

static int part_alive_add(struct pipeline *pl, int32_t partition, int d)
{
	if (partition < 0)
		return -EINVAL;
	if ((size_t)partition >= pl->nparts) {
		size_t n = (size_t)partition + 1;
		size_t *np = realloc(pl->part_alive, n * sizeof(*np));

		if (!np)
			return -ENOMEM;
		memset(np + pl->nparts, 0, (n - pl->nparts) * sizeof(*np));
		pl->part_alive = np;
		pl->nparts = n;
	}
	pl->part_alive[partition] += (size_t)d;
	return 0;
}

static void wake_drain(struct pipeline *pl)
{
	char buf[256];

	while (read(pl->wake[0], buf, sizeof(buf)) > 0)
		;
}

static void job_release(struct pipeline *pl, struct job *job)
{
	if (pl->probe == job)
		pl->probe = NULL;
	part_alive_add(pl, job->partition, -1);
	job_free(job);
	pl->alive--;
}

static void queue_resend(struct pipeline *pl, struct job *job, int delay_ms);
static void send_pending(struct pipeline *pl, struct job *job);

/* Builds the outcome and hands the job to the producer (or the resend
 * list when the producer's queue is full). */
static void finish(struct pipeline *pl, struct job *job)
{
	job->payload = results_payload_within(job, pl->cfg->requests_topic,
					      producer_room(pl->producer));
	if (!job->payload) {
		/* Out of memory: keep the job and try again shortly. */
		queue_resend(pl, job, RESEND_DELAY_MS);
		return;
	}
	job->unsent = JOB_SEND_OUTCOME;
	if (job->dlq_value)
		job->unsent |= JOB_SEND_DLQ;
	job->unacked = job->unsent;
	send_pending(pl, job);
}

static void queue_resend(struct pipeline *pl, struct job *job, int delay_ms)
{
	int64_t at = util_mono_ms() + delay_ms;

	if (!pl->resend || at < pl->resend_at_ms)
		pl->resend_at_ms = at;
	if (job->on_resend)
		return;
	job->on_resend = true;
	job->next = pl->resend;
	pl->resend = job;
}

/* @what of @job was refused for @reason (by librdkafka or in a delivery
 * report): the pipeline holds, and the job waits for its next try. */
static void produce_refused(struct pipeline *pl, struct job *job,
			    unsigned what, const char *reason)
{
	bool probing = job == pl->probe;
	char cls[48];

	if (probing)
		pl->probe = NULL;
	metrics_produce_error(pl->metrics, what == JOB_SEND_DLQ);
	if (!pl->produce_held) {
		/* The class status.c's reason has ("results topic unavailable:
		 * why"), so that the counter and the paused gauge agree. */
		snprintf(cls, sizeof(cls), "%s topic unavailable",
			 results_topic_kind(what));
		metrics_pause(pl->metrics, cls);
		pl->produce_held = what;
		pl->produce_backoff_ms = PRODUCE_BACKOFF_MIN_MS;
		log_warning("pipeline paused: %s topic unavailable: %s "
			    "(partition %d offset %" PRId64
			    "); trying again in %d s",
			    results_topic_kind(what), reason, (int)job->partition,
			    job->offset, pl->produce_backoff_ms / 1000);
	} else if (probing) {
		pl->produce_backoff_ms *= 2;
		if (pl->produce_backoff_ms > PRODUCE_BACKOFF_MAX_MS)
			pl->produce_backoff_ms = PRODUCE_BACKOFF_MAX_MS;
		log_notice("%s topic still unavailable: %s; trying again in "
			   "%d s",
			   results_topic_kind(what), reason,
			   pl->produce_backoff_ms / 1000);
	} else {
		log_debug("%s of partition %d offset %" PRId64 " refused: %s",
			  what == JOB_SEND_DLQ ? "dead-letter copy" : "outcome",
			  (int)job->partition, job->offset, reason);
	}
	snprintf(pl->produce_reason, sizeof(pl->produce_reason), "%s",
		 reason);
	queue_resend(pl, job, pl->produce_backoff_ms);
	/* The next try is one probe, after the backoff. */
	pl->resend_at_ms = util_mono_ms() + pl->produce_backoff_ms;
}

/* A message for the held topic was delivered: the hold is over and what
 * waits goes at once. */
static void produce_resumed(struct pipeline *pl, unsigned what)
{
	if (pl->produce_held != what)
		return;
	pl->produce_held = 0;
	pl->probe = NULL;
	log_notice("%s topic available again: pipeline resumed",
		   results_topic_kind(what));
	pl->resend_at_ms = util_mono_ms();
}

/* Produces what of @job is still unsent; what cannot go now is retried
 * from the resend list.  While the results side is held only the probe
 * tries; other jobs wait for it. */
static void send_pending(struct pipeline *pl, struct job *job)
{
	char why[160], fatal[256];
	unsigned what = 0;
	int r = 0;

	if (pl->produce_held && job != pl->probe) {
		queue_resend(pl, job, pl->produce_backoff_ms);
		return;
	}
	if (job->unsent & JOB_SEND_OUTCOME) {
		what = JOB_SEND_OUTCOME;
		r = producer_send(pl->producer, job, why, sizeof(why));
		if (r == 0)
			job->unsent &= ~JOB_SEND_OUTCOME;
	}
	if (r == 0 && (job->unsent & JOB_SEND_DLQ)) {
		what = JOB_SEND_DLQ;
		r = producer_send_dlq(pl->producer, job, why, sizeof(why));
		if (r == 0)
			job->unsent &= ~JOB_SEND_DLQ;
	}
	if (r == -EIO && producer_fatal(pl->producer, fatal, sizeof(fatal))) {
		log_error("results producer failed for good (%s): stopping "
			  "without committing partition %d offset %" PRId64,
			  fatal, (int)job->partition, job->offset);
		pl->fatal = true;
	} else if (r == -EIO) {
		produce_refused(pl, job, what, why);
		return;
	}
	if (job->unsent)
		queue_resend(pl, job, r == -ENOBUFS ? 50 : RESEND_DELAY_MS);
}

static void resend(struct pipeline *pl)
{
	struct job *list = pl->resend, *next;

	if (!list || util_mono_ms() < pl->resend_at_ms || pl->fatal)
		return;
	if (pl->produce_held) {
		/* One job probes; the rest wait for its delivery report. */
		if (pl->probe)
			return;
		pl->probe = list;
		pl->resend = list->next;
		list->next = NULL;
		list->on_resend = false;
		log_info("%s topic unavailable: trying one message again",
			 results_topic_kind(pl->produce_held));
		if (!list->payload)
			finish(pl, list);
		else
			send_pending(pl, list);
		if (list->on_resend)
			pl->probe = NULL; /* not even tried: the next one will */
		return;
	}
	pl->resend = NULL;
	for (; list; list = next) {
		next = list->next;
		list->next = NULL;
		list->on_resend = false;
		if (!list->payload)
			finish(pl, list);
		else
			send_pending(pl, list);
	}
}

static void on_delivered(void *opaque, struct job *job, unsigned what,
			 rd_kafka_resp_err_t err, const char *errstr)
{
	struct pipeline *pl = opaque;
	enum outcome_kind kind = results_kind(job);
	int64_t commit;

	if (err) {
		char fatal[256];

		if (producer_fatal(pl->producer, fatal, sizeof(fatal))) {
			log_error("results producer failed for good (%s): "
				  "stopping without committing partition %d "
				  "offset %" PRId64,
				  fatal, (int)job->partition, job->offset);
			pl->fatal = true;
			job->unacked &= ~what;
			if (!job->unacked && !job->on_resend)
				job_release(pl, job);
			return;
		}
		if (pl->closing && (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
				    err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
			job->unacked &= ~what;
			if (!job->unacked && !job->on_resend)
				job_release(pl, job);
			return;
		}
		job->produce_attempts++;
		job->unsent |= what;
		produce_refused(pl, job, what, errstr);
		return;
	}
	produce_resumed(pl, what);
	if (what == JOB_SEND_DLQ)
		metrics_dead_letter(pl->metrics);
	job->unacked &= ~what;
	if (job->unacked)
		return; /* the other message is still on its way */
	results_log(job, kind);
	status_outcome(&pl->status, kind);
	metrics_outcome(pl->metrics, kind, job->region);
	metrics_request_duration(pl->metrics,
				 (double)(util_mono_ms() - job->consumed_ms) /
					 1000.0);
	if (offsets_mark_done(pl->offsets, job->partition, job->offset) == 0 &&
	    offsets_committable(pl->offsets, job->partition, &commit)) {
		consumer_store(pl->consumer, job->partition, commit);
		metrics_set_partition(pl->metrics, job->partition, commit,
				      consumer_partition_lag(pl->consumer,
							     job->partition,
							     commit));
	}
	job_release(pl, job);
}

/* A request's calls start: "*" ones are fanned out by erase.c. */
static void submit(struct pipeline *pl, struct job *job)
{
	if (request_everywhere(&job->req))
		erase_submit(pl->erase, job);
	else
		sender_submit(pl->sender, job);
}

/* Jobs that will not start: no outcome, read again later. */
static void give_back(struct pipeline *pl, struct job *list)
{
	struct job *next;

	for (; list; list = next) {
		next = list->next;
		pl->status.given_back++;
		job_release(pl, list);
	}
}

/* Takes finished jobs from the pool: next same-key job goes out, the
 * outcome is produced. */
static void handle_done(struct pipeline *pl)
{
	struct job *list, *job, *next;

	list = erase_sort(pl->erase, sender_take_done(pl->sender));

	for (job = list; job; job = next) {
		struct job *follower;

		next = job->next;
		job->next = NULL;
		follower = dispatch_release(pl->dispatch, job);
		if (follower)
			submit(pl, follower);
		if (job->given_back) {
			/* No outcome: its offset stays uncommitted and the
			 * request will be read again. */
			pl->status.given_back++;
			job_release(pl, job);
			continue;
		}
		finish(pl, job);
	}
}

static void reject_local(struct job *job, const char *code, const char *msg)
{
	job->req.error_code = code;
	snprintf(job->req.error_message, sizeof(job->req.error_message), "%s",
		 msg);
}

static int handle_record(struct pipeline *pl, const rd_kafka_message_t *rkm)
{
	struct job *job;
	int r;

	job = job_new(rkm->partition, rkm->offset, rkm->key, rkm->key_len);
	if (!job || part_alive_add(pl, rkm->partition, 1) < 0) {
		job_free(job);
		return -ENOMEM;
	}
	pl->alive++;
	job->consumed_ms = util_mono_ms();
	metrics_records_consumed(pl->metrics);
	r = offsets_track(pl->offsets, rkm->partition, rkm->offset);
	if (r == -EINVAL)
		log_warning("partition %d offset %" PRId64
			    " read again out of order: processed, not tracked",
			    (int)rkm->partition, rkm->offset);
	else if (r < 0)
		goto nomem;
	/* A key too long to copy gets a stand-in in the outcome and the
	 * dead-letter copy alike. */
	if (job_bound_key(job, producer_key_max(pl->producer)) < 0)
		goto nomem;
	if (job->key_length)
		log_notice("partition %d offset %" PRId64 ": key of %zu bytes "
			   "too long to copy: its outcome carries a %zu-byte "
			   "stand-in and KeyTruncated",
			   (int)rkm->partition, rkm->offset, job->key_length,
			   job->rec_key_len);

	r = request_parse(&job->req, rkm->payload, rkm->len,
			  pl->cfg->requests_max_bytes);
	if (r == -ENOMEM)
		goto nomem;
	if (r == 0) {
		char why[sizeof(job->req.error_message)];

		r = api_list_region(job->req.list, pl->cfg->aws_extra_regions,
				    job->region, sizeof(job->region), why,
				    sizeof(why));
		if (r == -ENOENT) {
			snprintf(job->region, sizeof(job->region), "%s",
				 pl->cfg->aws_region);
			r = 0;
		} else if (r < 0) {
			reject_local(job, REQUEST_ERR_INVALID, why);
		}
	}
	if (job->req.error_code) {
		log_debug("partition %d offset %" PRId64 " rejected: %s",
			  (int)job->partition, job->offset,
			  job->req.error_message);
		if (pl->cfg->dlq_topic && job_keep_record(job, rkm) < 0)
			goto nomem;
		finish(pl, job);
		return 0;
	}
	job->order_key = request_order_key(&job->req);
	if (!job->order_key)
		goto nomem;
	r = dispatch_admit(pl->dispatch, job);
	if (r < 0)
		goto nomem;
	if (r == 1)
		submit(pl, job);
	return 0;
nomem:
	/* Never consumed as far as the commit is concerned: the offset is
	 * either untracked or never marked, so the record is read again. */
	log_error("out of memory handling partition %d offset %" PRId64,
		  (int)rkm->partition, rkm->offset);
	job_release(pl, job);
	return -ENOMEM;
}

/* Consumption of the whole assignment stops while the sender reports a
 * systemic failure or the results side is held; the in-flight bound is
 * kept by consume() and the read-ahead's per-partition holds. */
static void backpressure(struct pipeline *pl)
{
	char reason[192];
	bool held = sender_paused(pl->sender, reason, sizeof(reason));
	bool stop = held && sender_consumption_held(pl->sender);

	if (held != pl->held) {
		pl->held = held;
		if (held) {
			metrics_pause(pl->metrics, reason);
			log_notice("%s: %s", stop ? "consumption paused"
						  : "calls paused, consumption "
						    "goes on (new requests may "
						    "be the probe)",
				   reason);
			snprintf(pl->held_reason, sizeof(pl->held_reason), "%s",
				 reason);
		} else {
			log_notice("consumption resumed");
		}
	}
	held = stop || pl->produce_held;
	if (!consumer_paused(pl->consumer) && held) {
		log_debug("%zu requests in flight, systemic failure: pausing "
			  "consumption", pl->alive);
		consumer_pause(pl->consumer, true);
	} else if (consumer_paused(pl->consumer) && !pl->closing && !held) {
		log_debug("%zu requests in flight: resuming consumption",
			  pl->alive);
		consumer_pause(pl->consumer, false);
	}
}

/* Waits for wake-ups (workers, librdkafka's queues, signals) up to
 * @timeout_ms, then serves everything. */
static void step(struct pipeline *pl, int timeout_ms)
{
	struct pollfd pfd = {.fd = pl->wake[0], .events = POLLIN};

	if (poll(&pfd, 1, timeout_ms) > 0)
		wake_drain(pl);
	handle_done(pl);
	producer_poll(pl->producer);
	resend(pl);
}

static void message_destroy(void *rkm)
{
	rd_kafka_message_destroy(rkm);
}

/*
 * Everything consumer_poll() has goes into the read-ahead (it is served
 * whatever the number alive, for rebalances and the poll interval); a
 * partition whose queue fills is held.  Then records become jobs, the
 * oldest head first, while fewer than sender.max_inflight are alive, and
 * partitions whose queues are down to half are fetched again.  Returns 0,
 * or -ENOMEM when a record could not be handled or a partition held or
 * fetched again: nothing after it may be committed.
 */
static int consume(struct pipeline *pl)
{
	size_t max = pl->cfg->sender_max_inflight;
	rd_kafka_message_t *rkm = NULL;
	int32_t p;
	int r = 0;

	while (!*pl->stop && r >= 0) {
		rkm = consumer_poll(pl->consumer);
		if (!rkm)
			break;
		r = readahead_put(pl->readahead, rkm, rkm->partition,
				  consumer_record_time(rkm, util_wall_ms()),
				  rkm->len + rkm->key_len);
		if (r < 0)
			rd_kafka_message_destroy(rkm);
		if (r <= 0)
			continue;
		log_debug("%zu requests in flight, %zu read ahead (%zu bytes): "
			  "pausing partition %d", pl->alive,
			  readahead_count(pl->readahead),
			  readahead_bytes(pl->readahead), (int)rkm->partition);
		r = consumer_hold(pl->consumer, rkm->partition, true);
	}
	while (!*pl->stop && r >= 0 && pl->alive < max) {
		rkm = readahead_take(pl->readahead);
		if (!rkm)
			break;
		r = handle_record(pl, rkm);
		rd_kafka_message_destroy(rkm);
	}
	for (p = readahead_resumable(pl->readahead); p >= 0 && r >= 0;
	     p = readahead_resumable(pl->readahead))
		r = consumer_hold(pl->consumer, p, false);
	return r < 0 ? r : 0;
}

static void on_assigned(void *opaque,
			const rd_kafka_topic_partition_list_t *parts)
{
	struct pipeline *pl = opaque;
	int i;

	metrics_rebalance(pl->metrics, true);
	for (i = 0; i < parts->cnt; i++)
		sender_readmit(pl->sender, parts->elems[i].partition);
}

/* The account's quota is shared by partitions: pace at our part of it. */
static void on_rebalanced(void *opaque, int assigned, int total)
{
	struct pipeline *pl = opaque;
	unsigned msgs = 1, kb = 1;

	sender_set_share(pl->sender, assigned, total);
	/* Per partition: librdkafka's own prefetch count, and a share of its
	 * byte cap (readahead.h says why no less). */
	consumer_prefetch(pl->cfg->sender_max_inflight,
			  pl->cfg->requests_max_bytes, &msgs, &kb);
	readahead_set_limit(pl->readahead, msgs,
			    readahead_share((size_t)kb * 1024, assigned));
}

static void on_revoking(void *opaque,
			const rd_kafka_topic_partition_list_t *parts, bool lost)
{
	struct pipeline *pl = opaque;
	int64_t deadline = util_mono_ms() + pl->cfg->shutdown_timeout_ms;
	int i;

	metrics_rebalance(pl->metrics, false);
	/* Read ahead but never started: the next owner reads them again. */
	for (i = 0; i < parts->cnt; i++)
		readahead_drop(pl->readahead, parts->elems[i].partition);
	/* Nothing of these partitions starts any more (until they are ours
	 * again): what waits is given back and will be read again by the
	 * next owner. */
	for (i = 0; i < parts->cnt && !pl->closing; i++) {
		int32_t p = parts->elems[i].partition;

		sender_withdraw(pl->sender, p);
		give_back(pl, dispatch_take_waiting(pl->dispatch, p));
		give_back(pl, erase_take_waiting(pl->erase, p));
	}
	/* Calls on the wire finish; their outcomes are delivered and
	 * committed before the partitions are let go. */
	if (!lost && !pl->closing) {
		while (!pl->fatal && !pl->produce_held && !*pl->stop &&
		       util_mono_ms() < deadline) {
			size_t alive = 0;

			for (i = 0; i < parts->cnt; i++)
				alive += part_alive(pl,
						    parts->elems[i].partition);
			if (alive == 0)
				break;
			/* A drain may take up to shutdown.timeout_ms, as long
			 * as WatchdogSec=: systemd must not kill us for it. */
			status_watchdog(pl->sender, pl->metrics);
			step(pl, 50);
		}
		consumer_commit(pl->consumer);
	}
	for (i = 0; i < parts->cnt; i++) {
		offsets_drop(pl->offsets, parts->elems[i].partition);
		metrics_forget_partition(pl->metrics,
					 parts->elems[i].partition);
	}
}

static void shutdown_drain(struct pipeline *pl)
{
	int64_t deadline = util_mono_ms() + pl->cfg->shutdown_timeout_ms;
	int64_t extended_at = util_mono_ms();
	size_t alive_then = pl->alive;
	int left;

	pl->closing = true;
	consumer_pause(pl->consumer, true);
	sender_stop(pl->sender);
	/* Jobs queued behind a same-key job, or waiting for the lists, never
	 * started: give them back. */
	give_back(pl, dispatch_take_waiting(pl->dispatch, -1));
	give_back(pl, erase_take_waiting(pl->erase, -1));
	/* Calls on the wire finish; outcomes are waited for unless the
	 * results side refuses them. */
	while (!pl->fatal &&
	       (sender_inflight(pl->sender) > 0 ||
		(!pl->produce_held &&
		 (pl->resend || producer_outstanding(pl->producer) > 0)))) {
		int64_t now = util_mono_ms();

		if (now >= deadline) {
			log_warning("shutdown: %zu request(s) still in flight "
				    "after %u ms: left uncommitted",
				    pl->alive, pl->cfg->shutdown_timeout_ms);
			break;
		}
		/* Still making progress: ask systemd for more time. */
		if (now - extended_at >= 1000) {
			if (pl->alive < alive_then)
				notify_extend_timeout(10 * 1000000ULL);
			alive_then = pl->alive;
			extended_at = now;
		}
		notify_watchdog(sender_stuck(pl->sender, 10000, NULL) < 0);
		step(pl, 50);
	}
	if (pl->produce_held)
		log_warning("shutdown: %s topic unavailable (%s): %zu "
			    "request(s) left without an outcome, uncommitted",
			    results_topic_kind(pl->produce_held), pl->produce_reason,
			    pl->alive);
	left = producer_flush(pl->producer, 1000);
	if (left > 0) {
		log_warning("shutdown: %d outcome(s) not acknowledged: their "
			    "requests stay uncommitted", left);
		producer_purge(pl->producer);
	}
	producer_poll(pl->producer);
}

/* STATUS= once a second, WATCHDOG=1 while every part makes progress. */
static void health(struct pipeline *pl)
{
	struct status_input in = {
		.consumer = pl->consumer,
		.producer = pl->producer,
		.sender = pl->sender,
		.metrics = pl->metrics,
		.alive = pl->alive,
		.held = pl->held,
		.held_reason = pl->held_reason,
		.produce_held = pl->produce_held ? results_topic_kind(pl->produce_held)
						 : NULL,
		.produce_reason = pl->produce_reason,
		.creds_expire_ms = credprov_expires_ms(pl->cred),
	};

	status_watchdog(pl->sender, pl->metrics);
	status_report(&pl->status, &in);
}

/* Creates the parts, consumer last (it starts fetching).  Returns 0 or a
 * negative errno with the message in @errbuf. */
static int start_parts(struct pipeline *pl, char *errbuf, size_t errlen)
{
	const struct config *cfg = pl->cfg;
	struct consumer_hooks hooks = {on_assigned, on_revoking, on_rebalanced,
				       pl};
	int r;

	pl->dispatch = dispatch_new();
	pl->offsets = offsets_new();
	pl->readahead = readahead_new(message_destroy, 1, 1);
	pl->metrics = metrics_new();
	if (!pl->dispatch || !pl->offsets || !pl->readahead || !pl->metrics) {
		util_set_error(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	pl->producer = producer_new(cfg, pl->wake[1], on_delivered, pl,
				    errbuf, errlen);
	if (!pl->producer)
		return -EINVAL;
	if (cfg->metrics_listen) {
		r = metrics_serve(pl->metrics, cfg->metrics_listen, errbuf,
				  errlen);
		if (r < 0)
			return r;
		log_notice("metrics on http://%s/metrics (port %d)",
			   cfg->metrics_listen, metrics_port(pl->metrics));
	}
	pl->sender = sender_new(cfg, pl->cred, pl->metrics, pl->wake[1],
				errbuf, errlen);
	if (!pl->sender)
		return -EINVAL;
	pl->erase = erase_new(cfg, pl->sender);
	if (!pl->erase) {
		util_set_error(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	pl->consumer = consumer_new(cfg, pl->wake[1], &hooks, errbuf, errlen);
	if (!pl->consumer)
		return -EINVAL;
	return 0;
}

/* How long the loop may sleep: until the next report (status.h; erase.c's
 * timers, seconds long, ride on it) or a resend is due. */
static int loop_timeout(const struct pipeline *pl)
{
	int64_t t = status_period_ms(), due = pl->resend_at_ms - util_mono_ms();

	if (pl->resend && due < t)
		t = due > 0 ? due : 0;
	return (int)t;
}

/* Until a stop is asked for or something fails for good. */
static void run_loop(struct pipeline *pl)
{
	const struct config *cfg = pl->cfg;

	status_start(&pl->status);
	notify_ready();
	log_notice("running: requests %s -> results %s, region %s, "
		   "%d workers, %u in flight at most, credentials from %s",
		   cfg->requests_topic, cfg->results_topic, cfg->aws_region,
		   sender_workers(pl->sender), cfg->sender_max_inflight,
		   credprov_source(pl->cred));
	while (!*pl->stop && !pl->fatal) {
		if (*pl->opts->reload) {
			*pl->opts->reload = 0;
			metrics_reload(pl->metrics,
				       reload_run(&pl->reload, pl->sender,
						  pl->cred) == 0);
		}
		health(pl);
		step(pl, loop_timeout(pl));
		backpressure(pl);
		if (consume(pl) < 0) {
			log_error("out of memory: stopping without committing "
				  "past the last record handled");
			pl->fatal = true;
		}
		backpressure(pl);
		if (consumer_fatal(pl->consumer)) {
			log_error("requests consumer failed for good: stopping");
			pl->fatal = true;
		}
	}
}

/* Drains and commits what can be; -EIO after a fatal error. */
static int stop_in_order(struct pipeline *pl)
{
	size_t n_ahead;

	notify_stopping();
	health_set_ready(metrics_health(pl->metrics), "stopping");
	log_notice("stopping: %zu request(s) in flight", pl->alive);
	n_ahead = readahead_drop(pl->readahead, -1);
	if (n_ahead)
		log_info("stopping: %zu record(s) read ahead, not started: "
			 "read again after a restart", n_ahead);
	shutdown_drain(pl);
	if (!pl->fatal)
		consumer_commit(pl->consumer);
	consumer_close(pl->consumer);
	status_log_stopped(&pl->status);
	return pl->fatal ? -EIO : 0;
}

static void cleanup(struct pipeline *pl)
{
	readahead_free(pl->readahead); /* its records before their consumer */
	consumer_free(pl->consumer);
	if (pl->erase)
		job_free_list(erase_take_waiting(pl->erase, -1));
	sender_free(pl->sender);
	erase_free(pl->erase);
	producer_free(pl->producer);
	metrics_free(pl->metrics);
	job_free_list(pl->resend);
	if (pl->dispatch)
		job_free_list(dispatch_take_waiting(pl->dispatch, -1));
	dispatch_free(pl->dispatch);
	offsets_free(pl->offsets);
	free(pl->part_alive);
	reload_done(&pl->reload);
}

int pipeline_run(const struct config *cfg, struct credprov *cred,
		 const struct pipeline_opts *opts, char *errbuf,
		 size_t errlen)
{
	struct pipeline pl = {.cfg = cfg,
			      .wake = {opts->wake[0], opts->wake[1]},
			      .stop = opts->stop,
			      .opts = opts,
			      .cred = cred};
	int r;

	status_init(&pl.status);
	reload_init(&pl.reload, cfg, opts->config_path, opts->overrides,
		    opts->noverrides);
	r = start_parts(&pl, errbuf, errlen);
	if (r < 0)
		goto out;
	if (producer_wait_connected(pl.producer, pl.stop) == 0)
		run_loop(&pl);
	r = stop_in_order(&pl);
out:
	cleanup(&pl);
	return r;
}
