/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.c - token bucket arithmetic.
 *
 * The bucket holds one token and refills continuously: the quota AWS
 * enforces is per second, and a burst of a full second's worth on top of the
 * steady rate would overrun it.
 */
#include "ratelimit.h"

#include <math.h>

void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_ms)
{
	rl->rate = rate > 0 ? rate : 0;
	rl->burst = 1;
	rl->tokens = rl->burst;
	rl->last_ms = now_ms;
}

int64_t ratelimit_take(struct ratelimit *rl, int64_t now_ms)
{
	double wait;

	if (rl->rate <= 0)
		return 0;
	if (now_ms > rl->last_ms) {
		rl->tokens += (double)(now_ms - rl->last_ms) * rl->rate / 1000.0;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ms = now_ms;
	}
	if (rl->tokens >= 1.0) {
		rl->tokens -= 1.0;
		return 0;
	}
	wait = ceil((1.0 - rl->tokens) * 1000.0 / rl->rate);
	return wait < 1 ? 1 : (int64_t)wait;
}
