/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.c - pacing bucket arithmetic and the adaptive (CUBIC) rate.
 *
 * The bucket holds one token and refills continuously: the quota AWS
 * enforces is per second, and a burst of a full second's worth on top of the
 * steady rate would overrun it.  Because a token is only taken when the
 * bucket is exactly full, consecutive calls are at least 1/rate apart for
 * whatever rate was in force in between, and the rate is never above the
 * ceiling: the ceiling is a hard limit whatever the adaptive part does.
 *
 * Every rate change first brings the tokens up to date at the old rate, so
 * time already passed is never credited at the new one.  Going from "not
 * pacing" to pacing starts with an empty bucket: that happens on a throttle,
 * the worst moment for one more call.
 */
#include "ratelimit.h"

#include <math.h>

/* A wait that long means a silly rate; the caller asks again after it. */
#define WAIT_MAX_MS 86400000.0

static double ceiling_of(double rate)
{
	return isfinite(rate) && rate > 0 ? rate : 0;
}

static void refill(struct ratelimit *rl, int64_t now_ms)
{
	if (now_ms <= rl->last_ms)
		return;
	if (rl->rate > 0) {
		rl->tokens +=
			(double)(now_ms - rl->last_ms) * rl->rate / 1000.0;
		if (rl->tokens > 1.0)
			rl->tokens = 1.0;
	}
	rl->last_ms = now_ms;
}

/* Moves the measuring window so that @now_ms falls in the current one. */
static void window_advance(struct ratelimit *rl, int64_t now_ms)
{
	int64_t elapsed = now_ms - rl->win_start_ms;

	if (elapsed < RATELIMIT_WINDOW_MS)
		return;
	if (elapsed < 2 * RATELIMIT_WINDOW_MS) {
		rl->prev_count = rl->win_count;
		rl->win_start_ms += RATELIMIT_WINDOW_MS;
	} else {
		rl->prev_count = 0;
		rl->win_start_ms += elapsed - elapsed % RATELIMIT_WINDOW_MS;
	}
	rl->win_count = 0;
}

/*
 * Calls in the RATELIMIT_WINDOW_MS before @now_ms, i.e. calls/s: the
 * current window's count plus the part of the previous one still inside,
 * taken as evenly spread.
 */
static double measured_rate(const struct ratelimit *rl, int64_t now_ms)
{
	int64_t elapsed = now_ms - rl->win_start_ms;
	double cur = rl->win_count, prev = rl->prev_count, frac;

	if (elapsed < 0)
		elapsed = 0;
	if (elapsed >= 2 * RATELIMIT_WINDOW_MS)
		return 0;
	if (elapsed >= RATELIMIT_WINDOW_MS) {
		prev = cur;
		cur = 0;
		elapsed -= RATELIMIT_WINDOW_MS;
	}
	frac = (double)elapsed / RATELIMIT_WINDOW_MS;
	return (prev * (1.0 - frac) + cur) * 1000.0 / RATELIMIT_WINDOW_MS;
}

/* Applies @rate (calls/s) at @now_ms within [floor, ceiling]. */
static void set_rate(struct ratelimit *rl, double rate, int64_t now_ms)
{
	refill(rl, now_ms);
	if (rate < RATELIMIT_MIN_RATE)
		rate = RATELIMIT_MIN_RATE;
	if (rl->max_rate > 0 && rate > rl->max_rate)
		rate = rl->max_rate;
	if (rl->rate <= 0) {
		rl->tokens = 0;
		rl->last_ms = now_ms;
	}
	rl->rate = rate;
}

void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_ms)
{
	rl->max_rate = ceiling_of(rate);
	rl->rate = rl->max_rate;
	rl->tokens = 1.0;
	rl->last_ms = now_ms;
	rl->adaptive = false;
	rl->backed_off = false;
	rl->w_max = 0;
	rl->k = 0;
	rl->last_throttle_ms = now_ms;
	rl->win_start_ms = now_ms;
	rl->win_count = 0;
	rl->prev_count = 0;
	rl->sent = 0;
	rl->answered = 0;
	rl->cut_mark = 0;
}

int64_t ratelimit_take(struct ratelimit *rl, int64_t now_ms)
{
	double wait;

	if (rl->rate > 0) {
		refill(rl, now_ms);
		if (rl->tokens < 1.0) {
			wait = ceil((1.0 - rl->tokens) * 1000.0 / rl->rate);
			if (wait > WAIT_MAX_MS)
				wait = WAIT_MAX_MS;
			return wait < 1 ? 1 : (int64_t)wait;
		}
		rl->tokens -= 1.0;
	}
	window_advance(rl, now_ms);
	rl->win_count++;
	rl->sent++;
	return 0;
}

void ratelimit_set_adaptive(struct ratelimit *rl, bool on)
{
	rl->adaptive = on;
	rl->backed_off = false;
	rl->w_max = 0;
	rl->k = 0;
	/* Time since last_ms is credited by the next take at the rate then in
	 * force; that is the ceiling at most, so no call comes early. */
	rl->rate = rl->max_rate;
}

void ratelimit_throttled(struct ratelimit *rl, int64_t now_ms)
{
	double measured, at;

	rl->answered++;
	if (!rl->adaptive)
		return;
	/* Calls sent before the last cut answer for the old rate. */
	if (rl->backed_off && rl->answered <= rl->cut_mark &&
	    now_ms < rl->last_throttle_ms + RATELIMIT_WINDOW_MS)
		return;
	window_advance(rl, now_ms);
	measured = measured_rate(rl, now_ms);
	at = measured;
	if (rl->rate > 0 && (at <= 0 || at > rl->rate))
		at = rl->rate;
	rl->w_max = at;
	rl->k = cbrt(at * (1.0 - RATELIMIT_BETA) / RATELIMIT_SCALE);
	rl->last_throttle_ms = now_ms;
	rl->cut_mark = rl->sent > rl->answered ? rl->sent : rl->answered;
	rl->backed_off = true;
	set_rate(rl, at * RATELIMIT_BETA, now_ms);
}

void ratelimit_succeeded(struct ratelimit *rl, int64_t now_ms)
{
	double t, d, cubic, limit;

	rl->answered++;
	if (!rl->adaptive || !rl->backed_off)
		return;
	window_advance(rl, now_ms);
	t = (double)(now_ms - rl->last_throttle_ms) / 1000.0;
	if (t < 0)
		t = 0;
	d = t - rl->k;
	cubic = RATELIMIT_SCALE * d * d * d + rl->w_max;
	limit = 2.0 * measured_rate(rl, now_ms);
	if (cubic > limit)
		cubic = limit;
	if (cubic > rl->rate) /* set_rate() applies the ceiling */
		set_rate(rl, cubic, now_ms);
}

double ratelimit_current(const struct ratelimit *rl)
{
	return rl->rate;
}

void ratelimit_set_max(struct ratelimit *rl, double rate, int64_t now_ms)
{
	refill(rl, now_ms);
	rl->max_rate = ceiling_of(rate);
	if (!rl->adaptive || !rl->backed_off) {
		if (rl->max_rate > 0 && rl->rate <= 0) {
			rl->tokens = 1.0;
			rl->last_ms = now_ms;
		}
		rl->rate = rl->max_rate;
	} else if (rl->max_rate > 0 && rl->rate > rl->max_rate) {
		rl->rate = rl->max_rate;
	}
}

double ratelimit_share(double quota, int assigned, int total)
{
	double q = ceiling_of(quota);

	if (q <= 0 || total <= 0 || assigned >= total)
		return q;
	if (assigned <= 0)
		assigned = 1;
	return q * (double)assigned / (double)total;
}
