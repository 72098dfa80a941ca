/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buckets.h - the sender's pacing buckets, one per region (ratelimit.c),
 * in a small table keyed by region name.
 *
 * A bucket is made on a region's first call with the table's current
 * ceiling and mode; a rebalance or a reload changes them for every bucket.
 * When the table is full, the last bucket is shared by the regions that do
 * not fit (the sender's queues do the same).
 *
 * @locality not thread-safe: the sender calls every function under its
 * lock.
 */
#ifndef OPTOUT_BUCKETS_H
#define OPTOUT_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "breaker.h"
#include "ratelimit.h"

#define BUCKETS_MAX BREAKER_REGIONS_MAX

struct buckets {
	struct region_bucket {
		char region[API_REGION_MAX];
		struct ratelimit rl;
	} b[BUCKETS_MAX];
	size_t n;
	double ceiling; /* calls/s, 0: none (for buckets made from now on) */
	bool adaptive;
};

/* An empty table whose buckets will start with @ceiling and @adaptive. */
void buckets_init(struct buckets *t, double ceiling, bool adaptive);

/* @region's bucket, made now when it has none. */
struct ratelimit *buckets_get(struct buckets *t, const char *region,
			      int64_t now_ms);

/* A new ceiling for every bucket (ratelimit_set_max()). */
void buckets_set_max(struct buckets *t, double ceiling, int64_t now_ms);

/* Adaptive pacing on or off for every bucket (ratelimit_set_adaptive():
 * each starts again from its ceiling). */
void buckets_set_adaptive(struct buckets *t, bool adaptive);

#endif
