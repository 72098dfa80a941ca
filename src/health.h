/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.h - liveness and readiness, as /healthz and /readyz tell them.
 *
 * Live: the main loop turned, and found every sender worker looping,
 * within the watchdog's bound (the very evidence WATCHDOG=1 rests on:
 * status_watchdog()).  Ready: the daemon runs, reaches Kafka, has joined
 * its consumer group, its producer is connected and nothing pauses it.
 * The main loop writes; libmicrohttpd's thread reads.
 *
 * @locality health_beat()/health_set_ready(): the main thread;
 *           health_check(): any thread (the listener's).
 */
#ifndef OPTOUT_HEALTH_H
#define OPTOUT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct health;

/* Not ready ("starting"), live until the first beat's bound passes.
 * NULL when out of memory. */
struct health *health_new(void);

/* NULL is fine. */
void health_free(struct health *h);

/* The main loop turned; @stuck_worker is sender_stuck()'s verdict with
 * the bound @max_age_ms (which also bounds the age of this beat): -1, or
 * the worker whose last loop was @stuck_age_ms ago. */
void health_beat(struct health *h, int stuck_worker, int64_t stuck_age_ms,
		 int64_t max_age_ms);

/* Ready when @why is NULL, else not ready because of @why (cut to fit). */
void health_set_ready(struct health *h, const char *why);

/*
 * The answer to /healthz (@ready false) or /readyz (@ready true): 200 or
 * 503, with a one-line body ("ok", "ready", or what is stuck / why not
 * ready) in @body.  Before the first beat the daemon is starting: live,
 * not ready.
 */
unsigned health_check(struct health *h, bool ready, char *body, size_t len);

#endif
