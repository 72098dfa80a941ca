/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.h - pacing token bucket: calls are spaced 1/@rate seconds
 * apart (a bucket of one token), so no window of one second ever holds more
 * than @rate calls (rounded up).
 *
 * Pure: the caller passes the time and does the locking and sleeping.
 */
#ifndef OPTOUT_RATELIMIT_H
#define OPTOUT_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	double rate;   /* tokens per second; 0 = unlimited */
	double burst;  /* bucket size */
	double tokens;
	int64_t last_ms;
};

/* Starts full at time @now_ms. */
void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_ms);

/*
 * Takes one token at @now_ms.  Returns 0 when taken, otherwise the number of
 * milliseconds after which a token will be there (nothing taken).
 */
int64_t ratelimit_take(struct ratelimit *rl, int64_t now_ms);

#endif
