/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.h - what the daemon tells systemd (STATUS=) and the metrics'
 * gauges about the main loop: state, outcome counts, requests in flight,
 * the recent rate and the consumer lag.
 *
 * The main loop owns one struct status: it counts outcomes into it and
 * calls status_report() every turn; the report itself runs at most once a
 * second, the rate and the lag are refreshed every 5 s.
 *
 * @locality main thread.
 */
#ifndef OPTOUT_STATUS_H
#define OPTOUT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

struct consumer;
struct metrics;
struct producer;
struct sender;

struct status {
	uint64_t done[OUTCOME__COUNT]; /* outcomes acknowledged, by kind */
	uint64_t done_total;
	uint64_t given_back; /* jobs given back without an outcome */
	int64_t status_at_ms;
	int64_t lag; /* last known, -1 unknown */
	int64_t lag_at_ms;
	uint64_t rate_base; /* done_total at rate_at_ms */
	int64_t rate_at_ms;
	double rate; /* outcomes per second, recent */
	const char *kafka_state; /* last logged: "running", ... (NULL: none) */
};

/* What the loop knows now, for one report. */
struct status_input {
	struct consumer *consumer;
	struct producer *producer;
	struct sender *sender;
	struct metrics *metrics; /* NULL is fine */
	size_t alive;            /* jobs between consumption and delivery */
	bool held;               /* the sender holds (systemic failure) */
	const char *held_reason;
	const char *produce_held; /* "results" or "dead-letter", or NULL */
	const char *produce_reason;
	int64_t creds_expire_ms; /* Unix ms, 0: they do not expire */
};

/* Zero counts, lag unknown. */
void status_init(struct status *st);

/* The rate is measured from now on (once running). */
void status_start(struct status *st);

/* One outcome of @kind was acknowledged. */
void status_outcome(struct status *st, enum outcome_kind kind);

/* STATUS= and the gauges, at most once a second. */
void status_report(struct status *st, const struct status_input *in);

/*
 * WATCHDOG=1 (paced by notify.c) while the sender workers loop: the caller
 * is the main loop itself, so it runs too.  The workers' heartbeat may be
 * up to half the watchdog interval old, but never less than 5 s (10 s
 * without a watchdog); the verdict and a beat of the loop go to /healthz.
 */
void status_watchdog(struct sender *sender, struct metrics *metrics);

/* How often the loop must come round for the two above: a second, or a
 * quarter of the watchdog's interval when that is shorter.  Milliseconds,
 * at least 1. */
int status_period_ms(void);

/* The closing "stopped: ..." line with the counts. */
void status_log_stopped(const struct status *st);

#endif
