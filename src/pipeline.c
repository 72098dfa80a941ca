/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline.c - the main loop that ties the modules together.
 *
 * The life of a request record: consumer_poll() -> job; its offset is
 * tracked; invalid requests get their `rejected` outcome at once; valid ones
 * pass the per-key dispatcher to the sender pool; a finished job's outcome
 * is produced; its delivery report marks the offset done, and the done
 * prefix of the partition is stored for commit.  Every job is alive from
 * consumption to delivery report (or give-back); the number alive is the
 * in-flight bound: at the bound the consumer is paused, below 3/4 of it
 * resumed.  Records read while at the bound wait in the read-ahead
 * (readahead.h), and become jobs, in order, as room frees up.
 *
 * One pipe wakes the loop: the sender workers write to it when a job is
 * done, librdkafka when the consumer's or producer's queue gets events.
 *
 * A message librdkafka will not take or deliver (unknown topic, not
 * authorized, refused by the broker) is never fatal: the pipeline holds
 * consumption ("results topic unavailable: why"), keeps every job, and
 * tries again with one job at a time, backing off from 1 s to 30 s, until
 * a delivery goes through.  Only a fatal producer error (idempotence
 * broken) stops the daemon, without committing.
 */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
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
#include "job.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "offsets.h"
#include "outcome.h"
#include "producer.h"
#include "readahead.h"
#include "request.h"
#include "sender.h"
#include "util.h"

#define POLL_INTERVAL_MS 200
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
	struct offsets *offsets;
	struct readahead *readahead; /* records read at the bound */

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
	struct config *reloaded; /* the configuration of the last reload */
	char held_reason[192];
	/* The results side refuses messages: separate from the sender's hold
	 * above.  produce_held is JOB_SEND_OUTCOME or JOB_SEND_DLQ (which
	 * topic), 0 when nothing is held; probe is the one job trying. */
	unsigned produce_held;
	int produce_backoff_ms;
	struct job *probe;
	char produce_reason[160];
	int64_t status_at_ms;
	int64_t lag;             /* last known, -1 unknown */
	int64_t lag_at_ms;
	uint64_t done_total;     /* outcomes acknowledged */
	uint64_t rate_base;      /* done_total at rate_at_ms */
	int64_t rate_at_ms;
	double rate;             /* outcomes per second, recent */
	uint64_t done[OUTCOME__COUNT];
	uint64_t given_back;
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

static enum outcome_kind job_outcome(const struct job *job)
{
	return job->req.error_code ? OUTCOME_REJECTED : job->res.outcome;
}

static void queue_resend(struct pipeline *pl, struct job *job, int delay_ms);
static void send_pending(struct pipeline *pl, struct job *job);

/* Builds the outcome and hands the job to the producer (or the resend
 * list when the producer's queue is full). */
static void finish(struct pipeline *pl, struct job *job)
{
	const struct api_result *res = &job->res;
	struct outcome o = {0};

	o.kind = job_outcome(job);
	o.request_id = job->req.request_id;
	o.list = job->req.list;
	o.number = job->req.number;
	if (job->req.error_code) {
		o.error_code = job->req.error_code;
		o.error_message = job->req.error_message;
	} else {
		o.response = res->response;
		o.error_code = res->error_code;
		o.error_message = res->error_message;
		o.error_reason = res->error_reason;
		o.error_resource_type = res->error_resource_type;
		o.error_resource_id = res->error_resource_id;
		o.aws_request_id = res->aws_request_id;
	}
	o.attempts = job->attempts;
	o.topic = pl->cfg->requests_topic;
	o.partition = job->partition;
	o.offset = job->offset;
	o.completed_at_ms = job->completed_at_ms ? job->completed_at_ms
						 : util_wall_ms();
	o.key_truncated = job->key_length != 0;
	o.key_length = job->key_length;
	job->payload = outcome_to_json(&o);
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

static const char *topic_kind(unsigned what)
{
	return what == JOB_SEND_DLQ ? "dead-letter" : "results";
}

/* @what of @job was refused for @reason (by librdkafka or in a delivery
 * report): the pipeline holds, and the job waits for its next try. */
static void produce_refused(struct pipeline *pl, struct job *job,
			    unsigned what, const char *reason)
{
	bool probing = job == pl->probe;

	if (probing)
		pl->probe = NULL;
	if (!pl->produce_held) {
		pl->produce_held = what;
		pl->produce_backoff_ms = PRODUCE_BACKOFF_MIN_MS;
		log_warning("pipeline paused: %s topic unavailable: %s "
			    "(partition %d offset %" PRId64
			    "); trying again in %d s",
			    topic_kind(what), reason, (int)job->partition,
			    job->offset, pl->produce_backoff_ms / 1000);
	} else if (probing) {
		pl->produce_backoff_ms *= 2;
		if (pl->produce_backoff_ms > PRODUCE_BACKOFF_MAX_MS)
			pl->produce_backoff_ms = PRODUCE_BACKOFF_MAX_MS;
		log_notice("%s topic still unavailable: %s; trying again in "
			   "%d s",
			   topic_kind(what), reason,
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
		   topic_kind(what));
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
			 topic_kind(pl->produce_held));
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
	char masked[LOG_MASK_MAX];
	enum outcome_kind kind = job_outcome(job);
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
	job->unacked &= ~what;
	if (job->unacked)
		return; /* the other message is still on its way */
	{
		char part[16], off[24], att[16];
		const char *code = kind == OUTCOME_DELETED ? NULL
				   : job->req.error_code ? job->req.error_code
							 : job->res.error_code;
		struct log_field f[] = {
			{"REQUEST_ID", job->req.request_id},
			{"OUTCOME", outcome_name(kind)},
			{"PARTITION", part},
			{"OFFSET", off},
			{"ATTEMPTS", att},
			{"OPT_OUT_LIST", job->req.list},
			{"NUMBER", job->req.number ? masked : NULL},
			{"ERROR_CODE", code},
			{"AWS_REQUEST_ID", job->res.aws_request_id},
		};

		snprintf(part, sizeof(part), "%d", (int)job->partition);
		snprintf(off, sizeof(off), "%" PRId64, job->offset);
		snprintf(att, sizeof(att), "%d", job->attempts);
		log_mask_number(job->req.number, masked, sizeof(masked));
		log_fields(LOG_INFO, f, sizeof(f) / sizeof(f[0]),
			   "outcome %s: partition %d offset %" PRId64
			   " list %s number %s request %s attempts %d%s%s",
			   outcome_name(kind), (int)job->partition,
			   job->offset, job->req.list ? job->req.list : "-",
			   masked,
			   job->req.request_id ? job->req.request_id : "-",
			   job->attempts, code ? " error " : "",
			   code ? code : "");
	}
	pl->done[kind]++;
	pl->done_total++;
	metrics_outcome(pl->metrics, kind);
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

/* Takes finished jobs from the pool: next same-key job goes out, the
 * outcome is produced. */
static void handle_done(struct pipeline *pl)
{
	struct job *list = sender_take_done(pl->sender), *job, *next;

	for (job = list; job; job = next) {
		struct job *follower;

		next = job->next;
		job->next = NULL;
		follower = dispatch_release(pl->dispatch, job);
		if (follower)
			sender_submit(pl->sender, follower);
		if (job->given_back) {
			/* No outcome: its offset stays uncommitted and the
			 * request will be read again. */
			pl->given_back++;
			job_release(pl, job);
			continue;
		}
		finish(pl, job);
	}
}

/* An order key: list, a separator no list name contains, and the number
 * without its optional '+' (both forms name one phone). */
static char *order_key(const struct request *req)
{
	const char *num = req->number[0] == '+' ? req->number + 1 : req->number;
	size_t ll = strlen(req->list), nl = strlen(num);
	char *k = malloc(ll + nl + 2);

	if (!k)
		return NULL;
	memcpy(k, req->list, ll);
	k[ll] = '\n';
	memcpy(k + ll + 1, num, nl + 1);
	return k;
}

static void reject_local(struct job *job, const char *code, const char *msg)
{
	job->req.error_code = code;
	snprintf(job->req.error_message, sizeof(job->req.error_message), "%s",
		 msg);
}

/* With a dead-letter topic, a rejected record's value and headers are kept
 * to be copied there. */
static int keep_for_dlq(struct pipeline *pl, struct job *job,
			const rd_kafka_message_t *rkm)
{
	rd_kafka_headers_t *hdrs = NULL;

	if (!pl->cfg->dlq_topic)
		return 0;
	job->dlq_value = util_memdup0(rkm->payload, rkm->payload ? rkm->len : 0);
	if (!job->dlq_value)
		return -ENOMEM;
	job->dlq_len = rkm->payload ? rkm->len : 0;
	if (rd_kafka_message_headers(rkm, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    hdrs) {
		job->dlq_headers = rd_kafka_headers_copy(hdrs);
		if (!job->dlq_headers)
			return -ENOMEM;
	}
	return 0;
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
		if (keep_for_dlq(pl, job, rkm) < 0)
			goto nomem;
		finish(pl, job);
		return 0;
	}
	job->order_key = order_key(&job->req);
	if (!job->order_key)
		goto nomem;
	r = dispatch_admit(pl->dispatch, job);
	if (r < 0)
		goto nomem;
	if (r == 1)
		sender_submit(pl->sender, job);
	return 0;
nomem:
	/* Never consumed as far as the commit is concerned: the offset is
	 * either untracked or never marked, so the record is read again. */
	log_error("out of memory handling partition %d offset %" PRId64,
		  (int)rkm->partition, rkm->offset);
	job_release(pl, job);
	return -ENOMEM;
}

/* Consumption stops at the in-flight bound (resumes below 3/4 of it) and
 * while the sender reports a systemic failure. */
static void backpressure(struct pipeline *pl)
{
	size_t max = pl->cfg->sender_max_inflight;
	char reason[192];
	bool held = sender_paused(pl->sender, reason, sizeof(reason));
	bool stop = held && sender_consumption_held(pl->sender);

	if (held != pl->held) {
		pl->held = held;
		if (held) {
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
	if (!consumer_paused(pl->consumer) && (held || pl->alive >= max)) {
		log_debug("%zu requests in flight%s: pausing consumption",
			  pl->alive, held ? ", systemic failure" : "");
		consumer_pause(pl->consumer, true);
	} else if (consumer_paused(pl->consumer) && !pl->closing && !held &&
		   pl->alive < max && pl->alive <= max - max / 4 &&
		   !readahead_count(pl->readahead)) {
		log_debug("%zu requests in flight: resuming consumption",
			  pl->alive);
		consumer_pause(pl->consumer, false);
	}
}

/* Waits for wake-ups up to @timeout_ms, then serves everything. */
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
 * Turns records into jobs while fewer than sender.max_inflight are alive:
 * first those read ahead, then new ones.  consumer_poll() is served even at
 * the bound, so that rebalances and the poll interval are kept; a record it
 * returns then waits in the read-ahead (backpressure() pauses consumption
 * and resumes it only once the read-ahead is empty).  So no more than
 * sender.max_inflight jobs are alive, and no more records are held than
 * librdkafka had prefetched, which is sized from the same bound.  Returns 0,
 * or -ENOMEM when a record could not be handled: nothing after it may be
 * committed.
 */
static int consume(struct pipeline *pl)
{
	size_t max = pl->cfg->sender_max_inflight;
	rd_kafka_message_t *rkm;
	int r;

	while (!*pl->stop) {
		rkm = pl->alive < max ? readahead_take(pl->readahead) : NULL;
		if (!rkm) {
			rkm = consumer_poll(pl->consumer);
			if (!rkm)
				return 0;
			if (pl->alive >= max ||
			    readahead_count(pl->readahead)) {
				r = readahead_put(pl->readahead, rkm,
						  rkm->partition);
				if (r < 0) {
					rd_kafka_message_destroy(rkm);
					return r;
				}
				continue;
			}
		}
		r = handle_record(pl, rkm);
		rd_kafka_message_destroy(rkm);
		if (r < 0)
			return r;
	}
	return 0;
}

/* WATCHDOG=1 (paced by notify.c) while the sender workers loop: the caller
 * is the main loop itself, so it runs too.  The workers' heartbeat may be
 * up to half the watchdog interval old, but never less than 5 s. */
static void watchdog(struct pipeline *pl)
{
	uint64_t wd = notify_watchdog_usec();
	int64_t max_age = wd ? (int64_t)(wd / 2000) : 10000;

	if (max_age < 5000)
		max_age = 5000;
	notify_watchdog(sender_healthy(pl->sender, max_age));
}

static void on_assigned(void *opaque,
			const rd_kafka_topic_partition_list_t *parts)
{
	struct pipeline *pl = opaque;
	int i;

	for (i = 0; i < parts->cnt; i++)
		sender_readmit(pl->sender, parts->elems[i].partition);
}

static void on_revoking(void *opaque,
			const rd_kafka_topic_partition_list_t *parts, bool lost)
{
	struct pipeline *pl = opaque;
	int64_t deadline = util_mono_ms() + pl->cfg->shutdown_timeout_ms;
	struct job *back, *next;
	int i;

	/* Read ahead but never started: the next owner reads them again. */
	for (i = 0; i < parts->cnt; i++)
		readahead_drop(pl->readahead, parts->elems[i].partition);
	/* Nothing of these partitions starts any more (until they are ours
	 * again): what waits is given back and will be read again by the
	 * next owner. */
	for (i = 0; i < parts->cnt && !pl->closing; i++) {
		int32_t p = parts->elems[i].partition;

		sender_withdraw(pl->sender, p);
		back = dispatch_take_waiting(pl->dispatch, p);
		for (; back; back = next) {
			next = back->next;
			pl->given_back++;
			job_release(pl, back);
		}
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
			watchdog(pl);
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
	struct job *waiting, *next;
	int left;

	pl->closing = true;
	consumer_pause(pl->consumer, true);
	sender_stop(pl->sender);
	/* Jobs queued behind a same-key job never started: give them back. */
	waiting = dispatch_take_waiting(pl->dispatch, -1);
	for (; waiting; waiting = next) {
		next = waiting->next;
		pl->given_back++;
		job_release(pl, waiting);
	}
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
		notify_watchdog(sender_healthy(pl->sender, 10000));
		step(pl, 50);
	}
	if (pl->produce_held)
		log_warning("shutdown: %s topic unavailable (%s): %zu "
			    "request(s) left without an outcome, uncommitted",
			    topic_kind(pl->produce_held), pl->produce_reason,
			    pl->alive);
	left = producer_flush(pl->producer, 1000);
	if (left > 0) {
		log_warning("shutdown: %d outcome(s) not acknowledged: their "
			    "requests stay uncommitted", left);
		producer_purge(pl->producer);
	}
	producer_poll(pl->producer);
}

static void region_rate(const char *region, double rate, void *opaque)
{
	metrics_set_rate(opaque, region, rate);
}

/* STATUS= once a second, WATCHDOG=1 while every part makes progress. */
static void health(struct pipeline *pl)
{
	int64_t now = util_mono_ms();
	char state[512], paused[256] = "", stopped[192] = "", lag[24];
	size_t nstopped, len;

	watchdog(pl);
	if (now - pl->status_at_ms < 1000)
		return;
	pl->status_at_ms = now;
	if (now - pl->rate_at_ms >= 5000) {
		pl->rate = (double)(pl->done_total - pl->rate_base) * 1000.0 /
			   (double)(now - pl->rate_at_ms);
		pl->rate_base = pl->done_total;
		pl->rate_at_ms = now;
	}
	if (now - pl->lag_at_ms >= 5000) {
		pl->lag = consumer_lag(pl->consumer);
		pl->lag_at_ms = now;
	}
	if (pl->held)
		snprintf(paused, sizeof(paused), "%s", pl->held_reason);
	else if (pl->produce_held)
		snprintf(paused, sizeof(paused), "%s topic unavailable: %s",
			 topic_kind(pl->produce_held), pl->produce_reason);
	nstopped = consumer_stopped(pl->consumer, stopped, sizeof(stopped));
	metrics_set_inflight(pl->metrics, (long)pl->alive);
	metrics_set_paused(pl->metrics, pl->held || pl->produce_held, paused);
	metrics_set_partitions_stopped(pl->metrics, nstopped);
	metrics_set_kafka_up(pl->metrics,
			     !consumer_waiting_for_kafka(pl->consumer) &&
				     !producer_waiting_for_kafka(pl->producer));
	metrics_set_credentials_expiry(pl->metrics,
				       credprov_expires_ms(pl->cred));
	sender_foreach_region(pl->sender, region_rate, pl->metrics);
	if (pl->held || pl->produce_held)
		snprintf(state, sizeof(state), "paused: %s", paused);
	else if (consumer_waiting_for_kafka(pl->consumer) ||
		 producer_waiting_for_kafka(pl->producer))
		snprintf(state, sizeof(state), "waiting for Kafka");
	else
		snprintf(state, sizeof(state), "running");
	len = strlen(state);
	if (!pl->held) {
		char regions[160];

		/* A region at fault on its own is held; the others flow. */
		if (sender_held_regions(pl->sender, regions, sizeof(regions)))
			snprintf(state + len, sizeof(state) - len,
				 " (regions held: %s)", regions);
	}
	len = strlen(state);
	if (nstopped)
		snprintf(state + len, sizeof(state) - len, ", %s", stopped);
	if (pl->lag < 0)
		snprintf(lag, sizeof(lag), "unknown");
	else
		snprintf(lag, sizeof(lag), "%" PRId64, pl->lag);
	notify_status("%s; deleted %" PRIu64 ", not_found %" PRIu64
		      ", conflict %" PRIu64 ", rejected %" PRIu64
		      ", denied %" PRIu64 ", failed %" PRIu64
		      "; %zu in flight; %.1f/s; lag %s",
		      state, pl->done[OUTCOME_DELETED],
		      pl->done[OUTCOME_NOT_FOUND], pl->done[OUTCOME_CONFLICT],
		      pl->done[OUTCOME_REJECTED], pl->done[OUTCOME_DENIED],
		      pl->done[OUTCOME_FAILED], pl->alive, pl->rate, lag);
}

/* Keys a reload applies; every other change needs a restart. */
static const char *const reloadable[] = {
	"log.level",	  "aws.rate_limit",	"aws.rate_adaptive",
	"retry.max_seconds", "retry.base_ms",	"retry.cap_ms",
	"retry.max_attempts", "retry.budget",
};

struct reload_report {
	char applied[512];
	char restart[512];
};

static void on_key_changed(const char *key, void *opaque)
{
	struct reload_report *rr = opaque;
	size_t i;
	bool ok = false;
	char *list;
	size_t len;

	for (i = 0; i < sizeof(reloadable) / sizeof(reloadable[0]); i++)
		ok |= strcmp(key, reloadable[i]) == 0;
	list = ok ? rr->applied : rr->restart;
	len = strlen(list);
	snprintf(list + len, sizeof(rr->applied) - len, "%s%s",
		 len ? ", " : "", key);
}

/* SIGHUP: re-read the file (with the same -o overrides), apply what can
 * change safely, say what needs a restart. */
static void reload(struct pipeline *pl)
{
	const struct config *running = pl->reloaded ? pl->reloaded : pl->cfg;
	struct reload_report rr = {{0}, {0}};
	struct config *next = calloc(1, sizeof(*next));
	struct creds *c;
	char err[1024];

	notify_reloading();
	log_notice("reloading %s", pl->opts->config_path);
	if (!next ||
	    config_load(next, pl->opts->config_path, pl->opts->overrides,
			pl->opts->noverrides, err, sizeof(err)) < 0) {
		log_error("reload failed, the running configuration stays: %s",
			  next ? err : "out of memory");
		if (next)
			config_done(next);
		free(next);
		goto out;
	}
	config_diff(running, next, on_key_changed, &rr);
	log_set_level(next->log_level);
	sender_reconfigure(pl->sender, next);
	/* Rotated key files or systemd credentials are read again. */
	c = credprov_get(pl->cred);
	credprov_invalidate(pl->cred, c);
	creds_unref(c);
	if (pl->reloaded) {
		config_done(pl->reloaded);
		free(pl->reloaded);
	}
	pl->reloaded = next;
	log_notice("reloaded: %s%s", rr.applied[0] ? "applied " : "nothing "
						   "to apply",
		   rr.applied);
	if (rr.restart[0])
		log_warning("reload: changed keys that need a restart to take "
			    "effect: %s",
			    rr.restart);
out:
	notify_ready();
}

int pipeline_run(const struct config *cfg, struct credprov *cred,
		 const struct pipeline_opts *opts, char *errbuf,
		 size_t errlen)
{
	volatile sig_atomic_t *stop = opts->stop;
	struct pipeline pl = {.cfg = cfg,
			      .wake = {-1, -1},
			      .stop = opts->stop,
			      .opts = opts,
			      .cred = cred,
			      .lag = -1};
	struct consumer_hooks hooks = {on_assigned, on_revoking, &pl};
	int r = 0, i;
	size_t n_ahead;
	struct job *j, *n;

	if (pipe2(pl.wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pl.dispatch = dispatch_new();
	pl.offsets = offsets_new();
	pl.readahead = readahead_new(message_destroy);
	if (!pl.dispatch || !pl.offsets || !pl.readahead) {
		snprintf(errbuf, errlen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	pl.producer = producer_new(cfg, pl.wake[1], on_delivered, &pl, errbuf,
				   errlen);
	if (!pl.producer) {
		r = -EINVAL;
		goto out;
	}
	pl.metrics = metrics_new();
	if (!pl.metrics) {
		snprintf(errbuf, errlen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	if (cfg->metrics_listen) {
		r = metrics_serve(pl.metrics, cfg->metrics_listen, errbuf,
				  errlen);
		if (r < 0)
			goto out;
		log_notice("metrics on http://%s/metrics (port %d)",
			   cfg->metrics_listen, metrics_port(pl.metrics));
	}
	pl.sender = sender_new(cfg, cred, pl.metrics, pl.wake[1], errbuf,
			       errlen);
	if (!pl.sender) {
		r = -EINVAL;
		goto out;
	}
	pl.consumer = consumer_new(cfg, pl.wake[1], &hooks, errbuf, errlen);
	if (!pl.consumer) {
		r = -EINVAL;
		goto out;
	}
	if (producer_wait_connected(pl.producer, stop) < 0)
		goto stopping;
	pl.rate_at_ms = util_mono_ms();
	notify_ready();
	log_notice("running: requests %s -> results %s, region %s, "
		   "%d workers, %u in flight at most, credentials from %s",
		   cfg->requests_topic, cfg->results_topic, cfg->aws_region,
		   sender_workers(pl.sender), cfg->sender_max_inflight,
		   credprov_source(cred));

	while (!*stop && !pl.fatal) {
		if (*opts->reload) {
			*opts->reload = 0;
			reload(&pl);
		}
		health(&pl);
		step(&pl, POLL_INTERVAL_MS);
		backpressure(&pl);
		if (consume(&pl) < 0) {
			log_error("out of memory: stopping without committing "
				  "past the last record handled");
			pl.fatal = true;
		}
		backpressure(&pl);
		if (consumer_fatal(pl.consumer)) {
			log_error("requests consumer failed for good: stopping");
			pl.fatal = true;
		}
	}
stopping:
	notify_stopping();
	log_notice("stopping: %zu request(s) in flight", pl.alive);
	n_ahead = readahead_drop(pl.readahead, -1);
	if (n_ahead)
		log_info("stopping: %zu record(s) read ahead, not started: "
			 "read again after a restart", n_ahead);
	shutdown_drain(&pl);
	if (!pl.fatal)
		consumer_commit(pl.consumer);
	consumer_close(pl.consumer);
	if (pl.fatal)
		r = -EIO;
	log_notice("stopped: deleted %" PRIu64 ", not_found %" PRIu64
		   ", conflict %" PRIu64 ", rejected %" PRIu64
		   ", denied %" PRIu64 ", failed %" PRIu64
		   ", given back %" PRIu64,
		   pl.done[OUTCOME_DELETED], pl.done[OUTCOME_NOT_FOUND],
		   pl.done[OUTCOME_CONFLICT], pl.done[OUTCOME_REJECTED],
		   pl.done[OUTCOME_DENIED], pl.done[OUTCOME_FAILED],
		   pl.given_back);
out:
	readahead_free(pl.readahead); /* its records before their consumer */
	consumer_free(pl.consumer);
	sender_free(pl.sender);
	producer_free(pl.producer);
	metrics_free(pl.metrics);
	for (j = pl.resend; j; j = n) {
		n = j->next;
		job_free(j);
	}
	if (pl.dispatch) {
		j = dispatch_take_waiting(pl.dispatch, -1);
		for (; j; j = n) {
			n = j->next;
			job_free(j);
		}
	}
	dispatch_free(pl.dispatch);
	offsets_free(pl.offsets);
	free(pl.part_alive);
	if (pl.reloaded) {
		config_done(pl.reloaded);
		free(pl.reloaded);
	}
	for (i = 0; i < 2; i++)
		if (pl.wake[i] >= 0)
			close(pl.wake[i]);
	return r;
}
