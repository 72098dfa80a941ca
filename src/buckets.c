/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buckets.c - the sender's per-region pacing buckets (buckets.h): a
 * linear lookup in a table of at most BUCKETS_MAX regions, each a
 * ratelimit.c bucket.  Called by sender.c under its lock, from the worker
 * threads and the main thread.
 */
#include "buckets.h"

#include <stdio.h>
#include <string.h>

void buckets_init(struct buckets *t, double ceiling, bool adaptive)
{
	memset(t, 0, sizeof(*t));
	t->ceiling = ceiling;
	t->adaptive = adaptive;
}

struct ratelimit *buckets_get(struct buckets *t, const char *region,
			      int64_t now_ms)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->b[i].region, region) == 0)
			return &t->b[i].rl;
	if (t->n == BUCKETS_MAX)
		i = BUCKETS_MAX - 1; /* share the last one */
	else
		i = t->n++;
	snprintf(t->b[i].region, sizeof(t->b[i].region), "%s", region);
	ratelimit_init(&t->b[i].rl, t->ceiling, now_ms);
	ratelimit_set_adaptive(&t->b[i].rl, t->adaptive);
	return &t->b[i].rl;
}

void buckets_set_max(struct buckets *t, double ceiling, int64_t now_ms)
{
	size_t i;

	t->ceiling = ceiling;
	for (i = 0; i < t->n; i++)
		ratelimit_set_max(&t->b[i].rl, ceiling, now_ms);
}

void buckets_set_adaptive(struct buckets *t, bool adaptive)
{
	size_t i;

	t->adaptive = adaptive;
	for (i = 0; i < t->n; i++)
		ratelimit_set_adaptive(&t->b[i].rl, adaptive);
}
