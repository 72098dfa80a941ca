/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender.c - the signer/sender worker pool.
 *
 * Each worker thread owns a libcurl multi handle (its connection cache
 * keeps HTTPS connections alive between calls) and starts jobs from the
 * pool's queues (new, backing off, paced or held by a pause) as far as it
 * has room.  A job is on the wire as one call (call.c: built, signed, its
 * answer classified), which knows nothing of the pool; the answer, judged
 * by breaker.c's rules under the lock, decides: final (outcome), retry
 * later, or hold.  The main thread submits and takes jobs back; the
 * workers do everything else.
 *
 * Shared state, all under the pool's one mutex: the done list, the per-region
 * token buckets (their ceiling is this instance's share of the account's
 * quota, set by the main thread on every rebalance) and the systemic-failure
 * rules (breaker.c: pauses, region holds, probes, the retry budget and every
 * request's retry clock).  The lock is never held across curl or signing
 * work.
 *
 * Order: the pool keeps one oldest-first queue per region (lanes.c), shared
 * by the workers under the lock, so that the oldest waiting request of a
 * region is always the next to start whichever worker is free, and a region
 * that is paced or held never blocks another; a retried job takes its place
 * by its not-before time.  A pass looks at the queues' heads only: no
 * walk of the waiting jobs, one heap operation per job started.
 *
 * New credentials: the provider's refresher calls creds_renewed() on its
 * own thread, which only sets an atomic flag and wakes the workers; the
 * first worker to look takes the flag under the lock and tells the breaker
 * (breaker_credentials_renewed()), so that a pause for rejected keys
 * probes with the new ones at once.  The refresher never takes the lock.
 * A probe that met the pause's fault waits in its lane for the probe
 * backoff (job->held_probe); when the pause ends it takes its place again
 * at once (lanes_release_probes()) rather than up to 30 s later.
 */
#include "sender.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "breaker.h"
#include "buckets.h"
#include "call.h"
#include "config.h"
#include "credprov.h"
#include "endpoint.h"
#include "job.h"
#include "jobq.h"
#include "lanes.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "results.h"
#include "retry.h"
#include "sigv4.h"
#include "util.h"

#define SENDER_SKEW_S 240          /* AWS allows 5 minutes */
/* The longest a worker sleeps in curl_multi_poll() with nothing due: its
 * heartbeat may be 5 s old before status.c calls it stuck. */
#define SENDER_POLL_MAX_MS 2000

struct worker {
	struct sender *s;
	pthread_t thread;
	int id;
	CURLM *multi;
	atomic_int active;   /* transfers on the wire (written by it only) */
	atomic_bool kicked;  /* woken for new jobs, has not looked yet */
	int max_active;      /* this worker's share of http.max_connections */
	struct call_cache calls; /* signing keys, spare calls */
	bool started;
	atomic_llong heartbeat_ms; /* monotonic time of its last loop */
};

struct sender {
	const struct config *cfg;
	struct credprov *cred;
	struct metrics *metrics;
	int wake_fd;
	struct endpoint_opts endpoint;
	struct call_opts call_opts;
	long hang_after_s; /* OPTOUT_TEST_HANG_WORKER, < 0: none */

	/* What a reload may change: read and written under the lock. */
	double rate_limit;
	int share_assigned, share_total; /* partitions: ours, the topic's */

	pthread_mutex_t lock;
	struct job *done_head, *done_tail;
	struct buckets buckets; /* pacing, per region */
	struct breaker breaker;
	struct lanes lanes; /* jobs waiting to start, per job->health */
	bool logged_paused;      /* what the log last said */
	char logged_held[256];
	uint64_t next_seq;       /* main thread */

	atomic_llong clock_offset_s;
	atomic_bool stopping;
	atomic_bool creds_renewed; /* set by the refresher, taken by a worker */
	atomic_bool withdrawn[SENDER_PARTITIONS_MAX];
	atomic_int nwithdrawn;
	atomic_size_t inflight;
	struct worker *workers;
	int nworkers;
};

static void wake_main(struct sender *s)
{
	char c = 's';
	ssize_t n;

	/* A full pipe already means "wake up". */
	n = write(s->wake_fd, &c, 1);
	(void)n;
}

/* ------------------------------------------------------------ shared state */

/* Each region's ceiling: this instance's share of the account's quota. */
static double ceiling_locked(const struct sender *s)
{
	return ratelimit_share(s->rate_limit, s->share_assigned,
			       s->share_total);
}

static struct ratelimit *bucket_locked(struct sender *s, const char *region)
{
	return buckets_get(&s->buckets, region, util_mono_ms());
}

/* Logs pause and region-hold changes the last breaker call made, releases
 * a lifted pause's probes, and wakes the main loop (it stops or resumes
 * consumption). */
static void log_news_locked(struct sender *s)
{
	char reason[BREAKER_REASON_MAX], held[sizeof(s->logged_held)];
	bool paused;

	if (!breaker_take_news(&s->breaker))
		return;
	paused = breaker_paused(&s->breaker, reason, sizeof(reason));
	if (paused && !s->logged_paused)
		log_warning("pipeline paused: %s; probing every %d s at most",
			    reason, BREAKER_PROBE_MAX_MS / 1000);
	else if (!paused && s->logged_paused) {
		log_notice("pipeline resumed: the fault has cleared");
		lanes_release_probes(&s->lanes);
	}
	s->logged_paused = paused;
	breaker_held_regions(&s->breaker, held, sizeof(held));
	if (strcmp(held, s->logged_held) != 0) {
		if (held[0])
			log_warning("regions held (their requests wait for a "
				    "probe and end failed after "
				    "retry.max_seconds; the others flow): %s",
				    held);
		else
			log_notice("no region held any more");
		snprintf(s->logged_held, sizeof(s->logged_held), "%s", held);
	}
	wake_main(s);
}

static void finish_locked(struct sender *s, struct job *job)
{
	job->completed_at_ms = util_wall_ms();
	job->next = NULL;
	if (s->done_tail)
		s->done_tail->next = job;
	else
		s->done_head = job;
	s->done_tail = job;
}

/* One wake-up per batch: the main loop drains the pipe before it takes
 * the whole done list, so a job added to a list that is not empty is
 * taken with the job whose wake-up is on its way. */
static void finish(struct sender *s, struct job *job)
{
	bool first;

	pthread_mutex_lock(&s->lock);
	first = !s->done_head;
	finish_locked(s, job);
	pthread_mutex_unlock(&s->lock);
	if (first)
		wake_main(s);
}

/* -------------------------------------------------------------- attempts */

/* Signs and starts one attempt of @job (call.c).  Returns 0, or a negative
 * errno with job->res describing a local, final failure. */
static int start_attempt(struct worker *w, struct job *job, bool probe)
{
	struct sender *s = w->s;
	time_t when = time(NULL) + (time_t)atomic_load(&s->clock_offset_s);
	struct call *c = NULL;
	int r;

	r = call_new_job(&s->call_opts, job->region, &job->req,
			 job->action_target, job->action_body,
			 credprov_get(credprov_for_account(s->cred, job->account)),
			 when, &w->calls, job, &job->res, &c);
	if (r == 0 && curl_multi_add_handle(w->multi, call_easy(c)) != CURLM_OK) {
		r = -ENOMEM;
		api_result_replace(&job->res, "OutOfMemory",
				   "out of memory starting the call");
		job->res.retry = API_RETRY_NONE;
	}
	if (r < 0) {
		call_recycle(&w->calls, c);
		if (probe) {
			pthread_mutex_lock(&s->lock);
			breaker_abandoned(&s->breaker, job->health,
					  &job->clock);
			pthread_mutex_unlock(&s->lock);
		}
		return r;
	}
	job->attempts++;
	job->xfer = c;
	w->active++;
	return 0;
}

/* AWS said the signature's time is off: when its Date says so, adopt the
 * offset.  Returns true when the offset changed (retry at once). */
static bool correct_clock(struct sender *s, const struct call *c,
			  const struct api_result *res)
{
	long long skew, old;

	if (!call_clock_skew(c, res, &skew))
		return false;
	old = atomic_load(&s->clock_offset_s);
	if (llabs(skew - old) < SENDER_SKEW_S)
		return false;
	atomic_store(&s->clock_offset_s, skew);
	log_warning("clock skew: AWS's clock is %lld s %s ours; signing with "
		    "the corrected time",
		    llabs(skew), skew > 0 ? "ahead of" : "behind");
	return true;
}

/* Decides what happens to @job after its attempt @c (breaker.c's rules),
 * under the lock.  Sets *ret_not_before_ms for a retry (0: a held job
 * keeps its place). */
static enum breaker_verdict judge(struct sender *s, const struct call *c,
				  struct job *job, int64_t now,
				  int64_t *ret_not_before_ms)
{
	struct api_result *res = &job->res;
	struct breaker_event ev = {
		.region = job->health,
		.list = job->req.list,
		.answer = breaker_answer_of(res),
		.cls = res->retry,
		.code = res->error_code,
		.http_status = res->http_status,
		.foreign = res->foreign,
		.retry_after_ms = call_retry_after_ms(c),
		.rnd = util_random(),
	};
	enum breaker_verdict v;

	pthread_mutex_lock(&s->lock);
	if (ev.answer == BREAKER_AUTH && correct_clock(s, c, res)) {
		/* Our clock, not the credentials: again at once. */
		breaker_abandoned(&s->breaker, job->health, &job->clock);
		*ret_not_before_ms = now;
		v = BREAKER_RETRY;
		goto out;
	}
	v = breaker_report(&s->breaker, &ev, &job->clock, now,
			   ret_not_before_ms);
	if (res->retry == API_RETRY_THROTTLE)
		ratelimit_throttled(bucket_locked(s, job->region), now);
	else
		ratelimit_succeeded(bucket_locked(s, job->region), now);
	if (ev.answer == BREAKER_AUTH)
		credprov_invalidate(credprov_for_account(s->cred, job->account),
				    call_creds(c));
	log_news_locked(s);
out:
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void requeue(struct sender *s, struct job *job);

/* libcurl is done with @c: classify, count, judge, and pass the job on. */
static void complete(struct worker *w, struct call *c, CURLcode rc)
{
	struct sender *s = w->s;
	struct job *job = call_opaque(c);
	int64_t now = util_mono_ms(), not_before = 0;
	enum breaker_verdict v;

	call_finish(c, rc, &job->res);
	job->xfer = NULL;
	atomic_fetch_sub(&w->active, 1);
	metrics_api_call(s->metrics, job->res.http_status, job->res.error_code,
			 job->region,
			 (double)(now - call_started_ms(c)) / 1000.0);
	if (job->res.retry == API_RETRY_THROTTLE)
		metrics_throttled(s->metrics);
	v = judge(s, c, job, now, &not_before);
	if (v == BREAKER_RETRY)
		metrics_retry(s->metrics,
			      job->res.retry == API_RETRY_THROTTLE ? "throttle"
			      : job->res.retry == API_RETRY_AUTH   ? "auth"
								   : "transient");
	curl_multi_remove_handle(w->multi, call_easy(c));
	call_recycle(&w->calls, c);
	switch (v) {
	case BREAKER_FINAL:
		results_log_attempt(job, job->res.retry != API_RETRY_NONE ? "giving up"
								: "answer",
			    job->res.retry != API_RETRY_NONE ? LOG_WARNING
							     : LOG_DEBUG);
		finish(s, job);
		break;
	case BREAKER_RETRY:
	case BREAKER_HOLD:
		results_log_attempt(job, v == BREAKER_RETRY ? "retrying" : "holding",
			    LOG_INFO);
		if (not_before)
			job->queue_key_ms = not_before;
		job->held_probe = v == BREAKER_HOLD && not_before;
		requeue(s, job);
		break;
	}
}

/* ------------------------------------------------------------------ worker */

static bool is_withdrawn(struct sender *s, const struct job *job)
{
	return atomic_load(&s->nwithdrawn) > 0 && job->partition >= 0 &&
	       job->partition < SENDER_PARTITIONS_MAX &&
	       atomic_load(&s->withdrawn[job->partition]);
}

static void give_back_locked(struct sender *s, struct job *job)
{
	job->given_back = true;
	finish_locked(s, job);
}

/* Fills @job's result with a local failure it cannot wait out. */
static void fail_local(struct job *job, const char *code, const char *message)
{
	api_result_replace(&job->res, code, message);
	results_log_attempt(job, "giving up", LOG_WARNING);
}

/* Puts @job (new, or back from an attempt) in its region's queue; gives
 * it back instead when its partition was withdrawn or the pool stops.
 * Returns true when the job went to the done list instead. */
static bool queue_locked(struct sender *s, struct job *job)
{
	if (atomic_load(&s->stopping) || is_withdrawn(s, job)) {
		give_back_locked(s, job);
		return true;
	}
	if (jobq_push(&lanes_get(&s->lanes, job->health)->q, job) < 0) {
		fail_local(job, "OutOfMemory", "out of memory queueing the call");
		finish_locked(s, job);
		return true;
	}
	return false;
}

static void requeue(struct sender *s, struct job *job)
{
	bool finished;

	pthread_mutex_lock(&s->lock);
	if (job->held_probe && !breaker_paused(&s->breaker, NULL, 0)) {
		/* The pause ended since its answer was judged. */
		job->held_probe = false;
		job->queue_key_ms = job->consumed_ms;
	}
	finished = queue_locked(s, job);
	pthread_mutex_unlock(&s->lock);
	if (finished)
		wake_main(s);
}

/* Ends @job, when it expired in a held region, with that region's fault. */
static void expire_locked(struct sender *s, struct job *job)
{
	const char *code, *reason;

	breaker_region_fault(&s->breaker, job->health, &code, &reason);
	if (job->attempts == 0)
		fail_local(job, code, reason);
	else
		results_log_attempt(job, "giving up", LOG_WARNING);
	finish_locked(s, job);
}

struct start {
	struct job *job;
	bool probe;
};

/* Takes from the head of @l the jobs that may start now (at most @room),
 * into @out; returns how many; lowers *next to when the head may. */
static int take_ready_locked(struct sender *s, struct lane *l, int64_t now,
			     struct start *out, int room, int64_t *next,
			     bool *finished)
{
	struct job *job;
	int n = 0;

	while (n < room && (job = jobq_peek(&l->q))) {
		enum breaker_admit a;
		int64_t wait = 0;
		bool probe = false;

		if (job->queue_key_ms > now) {
			if (job->queue_key_ms < *next)
				*next = job->queue_key_ms;
			break;
		}
		if (is_withdrawn(s, job)) {
			give_back_locked(s, jobq_pop(&l->q));
			*finished = true;
			continue;
		}
		a = breaker_admit(&s->breaker, l->key, &job->clock, now,
				  &probe, &wait);
		if (a == BREAKER_GO) {
			wait = ratelimit_take(bucket_locked(s, job->region), now);
			if (wait > 0)
				a = BREAKER_WAIT;
		}
		if (a == BREAKER_WAIT) {
			if (now + wait < *next)
				*next = now + wait;
			break;
		}
		jobq_pop(&l->q);
		if (a == BREAKER_EXPIRED) {
			expire_locked(s, job);
			*finished = true;
			continue;
		}
		breaker_started(&s->breaker, l->key, &job->clock, probe,
				now);
		out[n].job = job;
		out[n].probe = probe;
		n++;
	}
	return n;
}

/* Starts every job that may start, oldest first in each region, as far as
 * this worker has room; returns when the next one may (monotonic ms). */
static int64_t start_ready(struct worker *w, int64_t now)
{
	struct sender *s = w->s;
	int64_t next = now + SENDER_POLL_MAX_MS;
	struct start todo[64];
	bool finished = false;
	int room, n = 0, i;

	room = w->max_active - atomic_load(&w->active);
	if (room > (int)(sizeof(todo) / sizeof(todo[0])))
		room = (int)(sizeof(todo) / sizeof(todo[0]));
	if (room <= 0)
		return next;
	pthread_mutex_lock(&s->lock);
	if (atomic_exchange(&s->creds_renewed, false) &&
	    breaker_credentials_renewed(&s->breaker, now))
		log_info("credentials renewed: probing with them now");
	for (i = 0; i < s->lanes.n && n < room; i++)
		n += take_ready_locked(s, &s->lanes.l[i], now, todo + n,
				       room - n, &next, &finished);
	pthread_mutex_unlock(&s->lock);
	if (finished)
		wake_main(s);
	for (i = 0; i < n; i++) {
		if (start_attempt(w, todo[i].job, todo[i].probe) < 0) {
			results_log_attempt(todo[i].job, "cannot send", LOG_ERR);
			finish(s, todo[i].job);
		}
	}
	/* More may be ready than there was room for: come back at once. */
	if (n == room)
		next = now;
	return next;
}

/* Test-only fault hook for the watchdog test: OPTOUT_TEST_HANG_WORKER=N
 * makes worker 0 hang for good N seconds after it started.  Read once. */
static void maybe_hang(struct worker *w, int64_t started_ms)
{
	long hang_after = w->s->hang_after_s;

	if (w->id != 0 || hang_after < 0 ||
	    util_mono_ms() - started_ms < hang_after * 1000)
		return;
	log_warning("OPTOUT_TEST_HANG_WORKER: worker 0 hangs now (test)");
	for (;;)
		pause();
}

/* The credential provider published new keys (its refresher's thread):
 * a worker tells the breaker at its next pass, under the lock. */
static void creds_renewed(void *arg)
{
	struct sender *s = arg;
	int i;

	atomic_store(&s->creds_renewed, true);
	for (i = 0; i < s->nworkers; i++)
		curl_multi_wakeup(s->workers[i].multi);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sender *s = w->s;
	int64_t started_ms = util_mono_ms();

	for (;;) {
		CURLMsg *msg;
		int running = 0, left, timeout;
		int64_t now, next_ms;
		bool stopping;

		atomic_store(&w->heartbeat_ms, util_mono_ms());
		maybe_hang(w, started_ms);
		stopping = atomic_load(&s->stopping);
		if (stopping && atomic_load(&w->active) == 0)
			break;
		atomic_store(&w->kicked, false); /* before it looks */
		now = util_mono_ms();
		next_ms = stopping ? now + 100 : start_ready(w, now);

		curl_multi_perform(w->multi, &running);
		while ((msg = curl_multi_info_read(w->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			complete(w, call_of(msg->easy_handle),
				 msg->data.result);
			next_ms = now; /* a retry may be due at once */
		}
		now = util_mono_ms();
		timeout = next_ms <= now ? 0 : (int)(next_ms - now);
		if (timeout > SENDER_POLL_MAX_MS)
			timeout = SENDER_POLL_MAX_MS;
		curl_multi_poll(w->multi, NULL, 0, timeout, NULL);
	}
	return NULL;
}

static int worker_init(struct worker *w, struct sender *s, int id)
{
	w->s = s;
	w->id = id;
	w->max_active = ((int)s->cfg->http_max_connections + s->nworkers - 1) /
			s->nworkers;
	atomic_store(&w->heartbeat_ms, util_mono_ms());
	call_cache_init(&w->calls, w->max_active);
	w->multi = curl_multi_init();
	if (!w->multi)
		return -ENOMEM;
	/* Connections are kept per multi handle and reused by every call. */
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->max_active);
	return 0;
}

static void worker_done(struct worker *w)
{
	if (w->multi)
		curl_multi_cleanup(w->multi);
	call_cache_done(&w->calls);
}

static bool take_given_back(const struct job *job, void *opaque)
{
	struct sender *s = opaque;

	return atomic_load(&s->stopping) || is_withdrawn(s, job);
}

/* Gives back every queued job of a withdrawn partition (all of them when
 * stopping); calls on the wire finish. */
static void give_back_queued(struct sender *s)
{
	struct job *job, *next;

	pthread_mutex_lock(&s->lock);
	for (job = lanes_extract(&s->lanes, take_given_back, s); job;
	     job = next) {
		next = job->next;
		give_back_locked(s, job);
	}
	pthread_mutex_unlock(&s->lock);
	wake_main(s);
}

/* ------------------------------------------------------------- public API */

/* The retry policy in the configuration's retry.* keys. */
static struct retry_policy policy_of(const struct config *cfg)
{
	return (struct retry_policy){cfg->retry_base_ms, cfg->retry_cap_ms,
				     cfg->retry_max_attempts,
				     cfg->retry_max_seconds};
}

/* The watchdog test's hook (maybe_hang()), read once at start-up. */
static long test_hang_after(void)
{
	const char *hang = getenv("OPTOUT_TEST_HANG_WORKER");

	return hang ? strtol(hang, NULL, 10) : -1;
}

struct sender *sender_new(const struct config *cfg, struct credprov *cred,
			  struct metrics *metrics, int wake_fd, char *errbuf,
			  size_t errlen)
{
	struct sender *s = calloc(1, sizeof(*s));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct retry_policy policy;
	int i, r, n;

	if (!s) {
		snprintf(errbuf, errlen, "sender: out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->cred = cred;
	s->metrics = metrics;
	s->wake_fd = wake_fd;
	policy = policy_of(cfg);
	breaker_init(&s->breaker, &policy, cfg->retry_budget);
	s->endpoint = (struct endpoint_opts){cfg->aws_endpoint,
					     cfg->aws_use_fips_endpoint,
					     cfg->aws_use_dualstack_endpoint};
	s->call_opts = (struct call_opts){&s->endpoint,
					  (long)cfg->http_connect_timeout_ms,
					  (long)cfg->http_timeout_ms,
					  cfg->aws_ca_file};
	s->hang_after_s = test_hang_after();
	s->rate_limit = cfg->aws_rate_limit;
	buckets_init(&s->buckets, ceiling_locked(s), cfg->aws_rate_adaptive);
	pthread_mutex_init(&s->lock, NULL);
	n = cfg->sender_workers ? (int)cfg->sender_workers
				: (int)(cores > 0 ? cores : 1);
	s->workers = calloc((size_t)n, sizeof(*s->workers));
	if (!s->workers) {
		snprintf(errbuf, errlen, "sender: out of memory");
		goto fail;
	}
	s->nworkers = n;
	for (i = 0; i < n; i++) {
		r = worker_init(&s->workers[i], s, i);
		if (r == 0)
			r = -pthread_create(&s->workers[i].thread, NULL,
					    worker_main, &s->workers[i]);
		if (r < 0) {
			snprintf(errbuf, errlen,
				 "sender: cannot start worker %d: %s", i,
				 strerror(-r));
			goto fail;
		}
		s->workers[i].started = true;
	}
	credprov_set_listener(cred, creds_renewed, s);
	return s;
fail:
	sender_free(s);
	return NULL;
}

void sender_submit(struct sender *s, struct job *job)
{
	struct worker *w = &s->workers[0];
	bool finished;
	int i;

	job->next = NULL;
	/* Its place: when its record was read, then the order it came in. */
	job->queue_key_ms = job->consumed_ms;
	job->seq = s->next_seq++;
	job_set_health(job, credprov_role_account(s->cred, job->req.list));
	breaker_clock_submitted(&job->clock, util_mono_ms());
	atomic_fetch_add(&s->inflight, 1);
	pthread_mutex_lock(&s->lock);
	finished = queue_locked(s, job);
	pthread_mutex_unlock(&s->lock);
	if (finished)
		wake_main(s);
	/* The least busy worker looks first; any free one may start it. */
	for (i = 1; i < s->nworkers; i++)
		if (atomic_load(&s->workers[i].active) < atomic_load(&w->active))
			w = &s->workers[i];
	/* One wake-up until it looks: it will see every job queued by then. */
	if (!atomic_exchange(&w->kicked, true))
		curl_multi_wakeup(w->multi);
}

struct job *sender_take_done(struct sender *s)
{
	struct job *list, *j;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	list = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	for (j = list; j; j = j->next)
		n++;
	atomic_fetch_sub(&s->inflight, n);
	return list;
}

size_t sender_inflight(const struct sender *s)
{
	return atomic_load(&s->inflight);
}

bool sender_paused(struct sender *s, char *reason, size_t len)
{
	bool paused;

	pthread_mutex_lock(&s->lock);
	paused = breaker_paused(&s->breaker, reason, len);
	pthread_mutex_unlock(&s->lock);
	return paused;
}

bool sender_consumption_held(struct sender *s)
{
	bool held;

	pthread_mutex_lock(&s->lock);
	held = breaker_holds_consumption(&s->breaker);
	pthread_mutex_unlock(&s->lock);
	return held;
}

void sender_withdraw(struct sender *s, int partition)
{
	if (partition < 0 || partition >= SENDER_PARTITIONS_MAX ||
	    atomic_exchange(&s->withdrawn[partition], true))
		return;
	atomic_fetch_add(&s->nwithdrawn, 1);
	give_back_queued(s);
}

void sender_readmit(struct sender *s, int partition)
{
	if (partition < 0 || partition >= SENDER_PARTITIONS_MAX ||
	    !atomic_exchange(&s->withdrawn[partition], false))
		return;
	atomic_fetch_sub(&s->nwithdrawn, 1);
}

int sender_stuck(struct sender *s, int64_t max_age_ms, int64_t *ret_age_ms)
{
	int64_t now = util_mono_ms();
	int i;

	for (i = 0; i < s->nworkers; i++) {
		int64_t age = now - atomic_load(&s->workers[i].heartbeat_ms);

		if (age > max_age_ms) {
			if (ret_age_ms)
				*ret_age_ms = age;
			return i;
		}
	}
	return -1;
}

void sender_reconfigure(struct sender *s, const struct config *cfg)
{
	struct retry_policy policy = policy_of(cfg);
	int64_t now = util_mono_ms();

	pthread_mutex_lock(&s->lock);
	s->rate_limit = cfg->aws_rate_limit;
	breaker_reconfigure(&s->breaker, &policy, cfg->retry_budget);
	buckets_set_max(&s->buckets, ceiling_locked(s), now);
	buckets_set_adaptive(&s->buckets, cfg->aws_rate_adaptive);
	pthread_mutex_unlock(&s->lock);
}

void sender_set_share(struct sender *s, int assigned, int total)
{
	int64_t now = util_mono_ms();

	pthread_mutex_lock(&s->lock);
	s->share_assigned = assigned;
	s->share_total = total;
	buckets_set_max(&s->buckets, ceiling_locked(s), now);
	log_info("pacing: %d of %d partitions, %.3g of the account's %g "
		 "calls/s per region%s", assigned, total, ceiling_locked(s),
		 s->rate_limit, total > 0 ? "" : " (partition count unknown)");
	pthread_mutex_unlock(&s->lock);
}

int sender_held_regions(struct sender *s, char *buf, size_t len)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = breaker_held_regions(&s->breaker, buf, len);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void sender_foreach_region(struct sender *s,
			   void (*fn)(const char *region, double rate,
				      void *opaque),
			   void *opaque)
{
	struct region_bucket copy[BUCKETS_MAX];
	double rates[BUCKETS_MAX];
	size_t i, n;

	pthread_mutex_lock(&s->lock);
	n = s->buckets.n;
	for (i = 0; i < n; i++) {
		copy[i] = s->buckets.b[i];
		rates[i] = ratelimit_current(&copy[i].rl);
	}
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++)
		fn(copy[i].region, rates[i], opaque);
}

int sender_workers(const struct sender *s)
{
	return s->nworkers;
}

void sender_stop(struct sender *s)
{
	int i;

	atomic_store(&s->stopping, true);
	give_back_queued(s);
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].multi)
			curl_multi_wakeup(s->workers[i].multi);
}

void sender_free(struct sender *s)
{
	struct job *j, *n;
	int i;

	if (!s)
		return;
	credprov_set_listener(s->cred, NULL, NULL);
	sender_stop(s);
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	for (i = 0; i < s->nworkers; i++)
		worker_done(&s->workers[i]);
	while ((j = lanes_drain(&s->lanes)))
		job_free(j);
	lanes_done(&s->lanes);
	for (j = s->done_head; j; j = n) {
		n = j->next;
		job_free(j);
	}
	free(s->workers);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
