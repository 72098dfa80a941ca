/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.c - the state behind /healthz and /readyz: the main loop's
 * heartbeat, the workers' verdict and the reason the daemon is not ready.
 *
 * It invents no liveness of its own: the main loop's watchdog step
 * (status_watchdog()) already asks the sender pool whether every worker
 * looped within the bound, and hands the answer here with a beat of the
 * loop itself.  The listener's thread then judges both by age: a beat
 * older than the bound means the main loop is stuck (which also makes the
 * workers' verdict stale); a fresh beat with a bad verdict names the
 * worker that is.  Readiness is a reason string, empty when ready, that
 * the main loop words once a second (status.c).  Times and the verdict are
 * atomics; the reason is copied under a mutex.
 */
#include "health.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logscrub.h"
#include "util.h"

struct health {
	_Atomic int64_t beat_ms;   /* monotonic; 0: no beat yet */
	_Atomic int64_t max_age_ms;
	_Atomic int stuck_worker;  /* -1: every worker loops */
	_Atomic int64_t stuck_age_ms;
	pthread_mutex_t lock;
	char not_ready[192]; /* "": ready */
};

struct health *health_new(void)
{
	struct health *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h);
		return NULL;
	}
	atomic_init(&h->stuck_worker, -1);
	snprintf(h->not_ready, sizeof(h->not_ready), "starting");
	return h;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void health_beat(struct health *h, int stuck_worker, int64_t stuck_age_ms,
		 int64_t max_age_ms)
{
	if (!h)
		return;
	atomic_store(&h->stuck_age_ms, stuck_age_ms);
	atomic_store(&h->stuck_worker, stuck_worker);
	atomic_store(&h->max_age_ms, max_age_ms);
	atomic_store(&h->beat_ms, util_mono_ms());
}

void health_set_ready(struct health *h, const char *why)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	/* The reason may quote text from outside (librdkafka's error
	 * string): escaped and masked as in the logs. */
	h->not_ready[0] = '\0';
	if (why)
		logscrub(why, strlen(why), h->not_ready, sizeof(h->not_ready));
	pthread_mutex_unlock(&h->lock);
}

/* 200 "ok", or 503 naming what is stuck. */
static unsigned live(struct health *h, char *body, size_t len)
{
	int64_t beat = atomic_load(&h->beat_ms);
	int64_t max_age = atomic_load(&h->max_age_ms);
	int64_t age = util_mono_ms() - beat;
	int stuck = atomic_load(&h->stuck_worker);

	if (beat == 0) {
		snprintf(body, len, "ok: starting\n");
		return 200;
	}
	if (age > max_age) {
		snprintf(body, len,
			 "stuck: main loop (no turn for %lld ms, bound %lld "
			 "ms)\n",
			 (long long)age, (long long)max_age);
		return 503;
	}
	if (stuck >= 0) {
		snprintf(body, len,
			 "stuck: sender worker %d (no loop for %lld ms, bound "
			 "%lld ms)\n",
			 stuck, (long long)atomic_load(&h->stuck_age_ms),
			 (long long)max_age);
		return 503;
	}
	snprintf(body, len, "ok\n");
	return 200;
}

unsigned health_check(struct health *h, bool ready, char *body, size_t len)
{
	unsigned status;

	if (!h) {
		snprintf(body, len, "not ready: no health state\n");
		return 503;
	}
	if (!ready)
		return live(h, body, len);
	pthread_mutex_lock(&h->lock);
	if (h->not_ready[0]) {
		snprintf(body, len, "not ready: %s\n", h->not_ready);
		status = 503;
	} else {
		snprintf(body, len, "ready\n");
		status = 200;
	}
	pthread_mutex_unlock(&h->lock);
	return status;
}
