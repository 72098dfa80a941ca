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
 * resumed.
 *
 * One pipe wakes the loop: the sender workers write to it when a job is
 * done, librdkafka when the consumer's or producer's queue gets events.
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
#include "offsets.h"
#include "outcome.h"
#include "producer.h"
#include "request.h"
#include "sender.h"
#include "util.h"

#define POLL_INTERVAL_MS 200
#define RESEND_DELAY_MS 1000

struct pipeline {
	const struct config *cfg;
	int wake[2];
	struct consumer *consumer;
	struct producer *producer;
	struct sender *sender;
	struct dispatch *dispatch;
	struct offsets *offsets;

	size_t alive;         /* jobs between consumption and delivery */
	struct job *resend;   /* outcomes waiting to be produced again */
	int64_t resend_at_ms;
	bool closing;         /* shutting down: no draining on revoke */
	bool fatal;
	bool held;            /* a systemic failure holds the pipeline */
	volatile sig_atomic_t *stop;
	uint64_t done[OUTCOME__COUNT];
	uint64_t given_back;
};

static void wake_drain(struct pipeline *pl)
{
	char buf[256];

	while (read(pl->wake[0], buf, sizeof(buf)) > 0)
		;
}

static void job_release(struct pipeline *pl, struct job *job)
{
	job_free(job);
	pl->alive--;
}

static enum outcome_kind job_outcome(const struct job *job)
{
	return job->req.error_code ? OUTCOME_REJECTED : job->res.outcome;
}

/* Builds the outcome and hands the job to the producer (or the resend
 * list when the producer's queue is full). */
static void finish(struct pipeline *pl, struct job *job)
{
	const struct api_result *res = &job->res;
	struct outcome o = {0};
	int r;

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
	job->payload = outcome_to_json(&o);
	if (!job->payload) {
		/* Out of memory: keep the job and try again shortly. */
		job->next = pl->resend;
		pl->resend = job;
		pl->resend_at_ms = util_mono_ms() + RESEND_DELAY_MS;
		return;
	}
	r = producer_send(pl->producer, job);
	if (r == 0)
		return;
	if (r == -EIO)
		pl->fatal = true;
	job->next = pl->resend;
	pl->resend = job;
	pl->resend_at_ms = util_mono_ms() + (r == -ENOBUFS ? 50 : RESEND_DELAY_MS);
}

static void resend(struct pipeline *pl)
{
	struct job *list = pl->resend, *next;

	if (!list || util_mono_ms() < pl->resend_at_ms || pl->fatal)
		return;
	pl->resend = NULL;
	for (; list; list = next) {
		next = list->next;
		list->next = NULL;
		if (!list->payload) {
			finish(pl, list);
			continue;
		}
		if (producer_send(pl->producer, list) < 0) {
			list->next = pl->resend;
			pl->resend = list;
			pl->resend_at_ms = util_mono_ms() + RESEND_DELAY_MS;
		}
	}
}

static void on_delivered(void *opaque, struct job *job,
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
			job_release(pl, job);
			return;
		}
		if (pl->closing && err == RD_KAFKA_RESP_ERR__PURGE_QUEUE) {
			job_release(pl, job);
			return;
		}
		if (pl->closing && err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
			job_release(pl, job);
			return;
		}
		job->produce_attempts++;
		log_warning("outcome of partition %d offset %" PRId64
			    " not delivered (%s), producing it again "
			    "(attempt %d)",
			    (int)job->partition, job->offset, errstr,
			    job->produce_attempts + 1);
		job->next = pl->resend;
		pl->resend = job;
		pl->resend_at_ms = util_mono_ms() + RESEND_DELAY_MS;
		return;
	}
	log_info("outcome %s: partition %d offset %" PRId64
		 " list %s number %s request %s attempts %d%s%s",
		 outcome_name(kind), (int)job->partition, job->offset,
		 job->req.list ? job->req.list : "-",
		 log_mask_number(job->req.number, masked, sizeof(masked)),
		 job->req.request_id ? job->req.request_id : "-",
		 job->attempts, kind == OUTCOME_DELETED ? "" : " error ",
		 kind == OUTCOME_DELETED ? ""
		 : job->req.error_code	 ? job->req.error_code
		 : job->res.error_code	 ? job->res.error_code
					 : "?");
	pl->done[kind]++;
	if (offsets_mark_done(pl->offsets, job->partition, job->offset) == 0 &&
	    offsets_committable(pl->offsets, job->partition, &commit))
		consumer_store(pl->consumer, job->partition, commit);
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

static int handle_record(struct pipeline *pl, const rd_kafka_message_t *rkm)
{
	struct job *job;
	int r;

	job = job_new(rkm->partition, rkm->offset, rkm->key, rkm->key_len);
	if (!job)
		return -ENOMEM;
	pl->alive++;
	r = offsets_track(pl->offsets, rkm->partition, rkm->offset);
	if (r == -EINVAL)
		log_warning("partition %d offset %" PRId64
			    " read again out of order: processed, not tracked",
			    (int)rkm->partition, rkm->offset);
	else if (r < 0)
		goto nomem;

	if (rkm->err) {
		snprintf(job->req.error_message,
			 sizeof(job->req.error_message),
			 "the record could not be read: %s",
			 rd_kafka_err2str(rkm->err));
		job->req.error_code = REQUEST_ERR_MALFORMED;
		finish(pl, job);
		return 0;
	}
	r = request_parse(&job->req, rkm->payload, rkm->len,
			  pl->cfg->requests_max_bytes);
	if (r == -ENOMEM)
		goto nomem;
	if (r == 0) {
		r = api_region_from_list(job->req.list, job->region,
					 sizeof(job->region));
		if (r == -ENOENT) {
			snprintf(job->region, sizeof(job->region), "%s",
				 pl->cfg->aws_region);
			r = 0;
		} else if (r < 0) {
			reject_local(job, REQUEST_ERR_INVALID,
				     "OptOutListName: an ARN must name an "
				     "sms-voice region");
		}
	}
	if (job->req.error_code) {
		log_debug("partition %d offset %" PRId64 " rejected: %s",
			  (int)job->partition, job->offset,
			  job->req.error_message);
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

	if (held != pl->held) {
		pl->held = held;
		if (held)
			log_notice("consumption paused: %s", reason);
		else
			log_notice("consumption resumed");
	}
	if (!consumer_paused(pl->consumer) && (held || pl->alive >= max)) {
		log_debug("%zu requests in flight%s: pausing consumption",
			  pl->alive, held ? ", systemic failure" : "");
		consumer_pause(pl->consumer, true);
	} else if (consumer_paused(pl->consumer) && !pl->closing && !held &&
		   pl->alive < max && pl->alive <= max - max / 4) {
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

static void on_assigned(void *opaque,
			const rd_kafka_topic_partition_list_t *parts)
{
	(void)opaque;
	(void)parts;
}

static void on_revoking(void *opaque,
			const rd_kafka_topic_partition_list_t *parts, bool lost)
{
	struct pipeline *pl = opaque;
	int64_t deadline = util_mono_ms() + pl->cfg->shutdown_timeout_ms;
	int i;

	/* Delivery reports pop the done prefix as they come, so what is
	 * pending is from the first request without an outcome on. */
	if (!lost && !pl->closing) {
		while (!pl->fatal && !*pl->stop && util_mono_ms() < deadline) {
			size_t pending = 0;

			for (i = 0; i < parts->cnt; i++)
				pending += offsets_pending(
					pl->offsets, parts->elems[i].partition);
			if (pending == 0)
				break;
			step(pl, 50);
		}
		consumer_commit(pl->consumer);
	}
	for (i = 0; i < parts->cnt; i++)
		offsets_drop(pl->offsets, parts->elems[i].partition);
}

static void shutdown_drain(struct pipeline *pl)
{
	int64_t deadline = util_mono_ms() + pl->cfg->shutdown_timeout_ms;
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
	while (!pl->fatal && (sender_inflight(pl->sender) > 0 || pl->resend ||
			      producer_outstanding(pl->producer) > 0)) {
		int64_t now = util_mono_ms();

		if (now >= deadline) {
			log_warning("shutdown: %zu request(s) still in flight "
				    "after %u ms: left uncommitted",
				    pl->alive, pl->cfg->shutdown_timeout_ms);
			break;
		}
		step(pl, 50);
	}
	left = producer_flush(pl->producer, 1000);
	if (left > 0) {
		log_warning("shutdown: %d outcome(s) not acknowledged: their "
			    "requests stay uncommitted", left);
		producer_purge(pl->producer);
	}
	producer_poll(pl->producer);
}

int pipeline_run(const struct config *cfg, struct credprov *cred,
		 volatile sig_atomic_t *stop, char *errbuf, size_t errlen)
{
	struct pipeline pl = {.cfg = cfg, .wake = {-1, -1}, .stop = stop};
	struct consumer_hooks hooks = {on_assigned, on_revoking, &pl};
	int r = 0, i;
	struct job *j, *n;

	if (pipe2(pl.wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pl.dispatch = dispatch_new();
	pl.offsets = offsets_new();
	if (!pl.dispatch || !pl.offsets) {
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
	pl.sender = sender_new(cfg, cred, pl.wake[1], errbuf, errlen);
	if (!pl.sender) {
		r = -EINVAL;
		goto out;
	}
	pl.consumer = consumer_new(cfg, pl.wake[1], &hooks, errbuf, errlen);
	if (!pl.consumer) {
		r = -EINVAL;
		goto out;
	}
	log_notice("running: requests %s -> results %s, region %s, "
		   "%d workers, %u in flight at most, credentials from %s",
		   cfg->requests_topic, cfg->results_topic, cfg->aws_region,
		   sender_workers(pl.sender), cfg->sender_max_inflight,
		   credprov_source(cred));

	while (!*stop && !pl.fatal) {
		step(&pl, POLL_INTERVAL_MS);
		backpressure(&pl);
		/* Always served, so that rebalances and the poll interval are
		 * kept; paused partitions deliver nothing more, so the bound
		 * is exceeded at most by what was already fetched. */
		while (!*stop) {
			rd_kafka_message_t *rkm = consumer_poll(pl.consumer);

			if (!rkm)
				break;
			r = handle_record(&pl, rkm);
			rd_kafka_message_destroy(rkm);
			if (r < 0) {
				/* Nothing after an unhandled record may be
				 * committed: stop here. */
				pl.fatal = true;
				break;
			}
		}
		backpressure(&pl);
		if (consumer_fatal(pl.consumer)) {
			log_error("requests consumer failed for good: stopping");
			pl.fatal = true;
		}
		r = 0;
	}
	log_notice("stopping: %zu request(s) in flight", pl.alive);
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
	consumer_free(pl.consumer);
	sender_free(pl.sender);
	producer_free(pl.producer);
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
	for (i = 0; i < 2; i++)
		if (pl.wake[i] >= 0)
			close(pl.wake[i]);
	return r;
}
