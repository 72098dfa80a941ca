/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.h - per-region call pacing, optionally adaptive.
 *
 * Pacing: calls are spaced 1/rate seconds apart (a bucket of one token that
 * refills continuously), so no window of one second ever holds more than
 * the rate (rounded up) and idling never banks a burst.
 *
 * The ceiling is never exceeded; 0 means no ceiling.  It is this
 * instance's share of the account's quota (aws.rate_limit, see
 * ratelimit_share()), set again on every rebalance.  Without adaptive mode the pacing rate is the
 * ceiling, and ratelimit_throttled()/ratelimit_succeeded() change nothing.
 *
 * Adaptive mode is the AWS SDKs' "adaptive" retry mode (botocore's
 * ClientRateLimiter with its CUBIC calculator), on a pacing bucket:
 *  - until AWS first throttles, calls are paced at the ceiling (or not at
 *    all when there is none);
 *  - a throttle remembers the rate it happened at, w_max = min(measured
 *    send rate, current rate) (the current rate when nothing was measured),
 *    and cuts the rate to w_max * RATELIMIT_BETA; from then on calls are
 *    paced even without a ceiling;
 *  - one cut per round trip: throttles that answer calls taken before the
 *    last cut do not cut again (they report on the old rate; TCP CUBIC
 *    likewise reduces once per loss event).  The limiter counts calls
 *    taken and answers reported; calls taken before a cut whose answers
 *    never come stop holding it back after RATELIMIT_WINDOW_MS;
 *  - each non-throttled answer moves the rate along the cubic curve
 *    RATELIMIT_SCALE * (t - K)^3 + w_max, t seconds since the throttle,
 *    K = cbrt(w_max * (1 - RATELIMIT_BETA) / RATELIMIT_SCALE): quickly back
 *    towards w_max, slowly around it, then faster beyond (probing for more),
 *    never above the ceiling;
 *  - growth is limited to twice the measured send rate (no jump to a rate
 *    never tried); a success never lowers the rate;
 *  - the rate never drops below RATELIMIT_MIN_RATE (unless the ceiling is
 *    lower), so a throttled region keeps moving and keeps learning.
 * The measured send rate is the number of calls taken in the last second
 * (a sliding window of two one-second buckets).
 *
 * Where this departs from botocore, and why: its bucket holds a second's
 * worth of tokens (here one: no bursts above the quota); it cuts on every
 * throttle (here once per round trip: with several calls in flight it cuts
 * two or three times for one overload); a success caps the rate at twice
 * the measured rate even when that lowers it (here it never lowers it: a
 * lull in demand is not a sign of overload); it measures with smoothed
 * half-second buckets (here a one-second sliding count, which has a value
 * from the first call on).
 *
 * Pure: the caller passes the monotonic time in milliseconds (never going
 * back) and does the locking and sleeping.  The fields are private.
 */
#ifndef OPTOUT_RATELIMIT_H
#define OPTOUT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_BETA 0.7
#define RATELIMIT_SCALE 0.4
#define RATELIMIT_MIN_RATE 0.5
#define RATELIMIT_WINDOW_MS 1000

struct ratelimit {
	double max_rate; /* the ceiling; 0 = none */
	double rate;     /* pacing rate now; 0 = not pacing */
	double tokens;   /* 0..1 */
	int64_t last_ms; /* tokens were brought up to date here */
	bool adaptive;
	bool backed_off; /* adaptive and throttled at least once */
	/* CUBIC state (rates in calls/s) */
	double w_max;
	double k; /* seconds */
	int64_t last_throttle_ms;
	/* measured send rate: calls in this and the previous window */
	int64_t win_start_ms;
	unsigned win_count;
	unsigned prev_count;
	/* calls taken and answers reported, for one cut per round trip */
	uint64_t sent;
	uint64_t answered;
	uint64_t cut_mark; /* answers up to here were sent before the cut */
};

/*
 * Starts with a full bucket at time @now_ms, pacing at @rate calls/s (the
 * ceiling; <= 0 or not finite = unlimited), not adaptive.
 */
void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_ms);

/*
 * Takes one token at @now_ms.  Returns 0 when taken (the call may start and
 * counts as sent), otherwise the number of milliseconds (>= 1) after which
 * a token will be there (nothing taken; at most a day, after which the
 * caller asks again).
 */
int64_t ratelimit_take(struct ratelimit *rl, int64_t now_ms);

/*
 * Turns adaptive mode on or off.  Either way the learnt state is dropped:
 * pacing restarts at the ceiling.
 */
void ratelimit_set_adaptive(struct ratelimit *rl, bool on);

/*
 * Each call taken gets one report when its answer comes: throttled or
 * succeeded.  (A call that got no answer at all, a timeout or connection
 * error, may get none.)  Both count the answer in any mode.
 */

/* AWS answered a call with throttling at @now_ms.  Changes the rate only
 * when adaptive. */
void ratelimit_throttled(struct ratelimit *rl, int64_t now_ms);

/* AWS answered a call without throttling (any answer, error or not) at
 * @now_ms.  Changes the rate only when adaptive and throttled before. */
void ratelimit_succeeded(struct ratelimit *rl, int64_t now_ms);

/* The pacing rate now in calls/s (for status and metrics); 0 when calls
 * are not paced at all. */
double ratelimit_current(const struct ratelimit *rl);

/*
 * Sets a new ceiling (a reload, or a new share after a rebalance) at
 * @now_ms; <= 0 or not finite = none.
 * Tokens earned so far are kept.  Not yet throttled (or not adaptive): the
 * rate becomes the new ceiling.  Throttled before: the learnt rate stays,
 * lowered to the new ceiling if above it, and keeps growing towards it.
 */
void ratelimit_set_max(struct ratelimit *rl, double rate, int64_t now_ms);

/*
 * This instance's ceiling out of the account's @quota (aws.rate_limit,
 * calls/s per region; <= 0 or not finite = none, and then 0, none, is
 * returned): the fraction of the requests topic's @total partitions that
 * are @assigned to it, which is how the consumer group spreads the work.
 * The shares of a group's instances add up to the quota at most, because
 * a partition has one owner at a time.
 *  - @total <= 0 (not known): the whole quota, as for a single instance;
 *  - @assigned >= @total: the whole quota;
 *  - @assigned <= 0: one partition's share (such an instance has nothing
 *    of its own to send; what it still finishes stays paced, never
 *    unlimited, since a ceiling of 0 would mean no ceiling).
 */
double ratelimit_share(double quota, int assigned, int total);

#endif
