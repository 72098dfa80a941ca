/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_buckets.c - the sender's per-region pacing buckets: one per region,
 * made with the table's ceiling and mode of the moment, changed for all by
 * a new ceiling or mode, the last one shared when the table is full.
 */
#include <stdio.h>

#include "buckets.h"
#include "tap.h"

int main(void)
{
	struct buckets t;
	struct ratelimit *a, *b, *c;
	char name[32];
	int i;

	buckets_init(&t, 10, false);
	a = buckets_get(&t, "us-east-1", 1000);
	b = buckets_get(&t, "eu-west-2", 1000);
	ok(a && b && a != b, "one bucket per region");
	ok(buckets_get(&t, "us-east-1", 2000) == a, "the same region, the same bucket");
	is_int((int)t.n, 2, "two buckets");
	ok(a->max_rate == 10 && !a->adaptive, "made with the table's ceiling and mode");

	buckets_set_max(&t, 4, 3000);
	ok(a->max_rate == 4 && b->max_rate == 4, "a new ceiling for every bucket");
	c = buckets_get(&t, "ap-south-1", 3000);
	ok(c->max_rate == 4, "a bucket made later starts with the new ceiling");
	ok(ratelimit_take(c, 3000) == 0 && ratelimit_take(c, 3000) > 0,
	   "the new bucket paces at 4 calls/s");

	buckets_set_adaptive(&t, true);
	ok(a->adaptive && b->adaptive && c->adaptive,
	   "adaptive mode for every bucket");
	ok(buckets_get(&t, "sa-east-1", 4000)->adaptive,
	   "a bucket made later is adaptive too");

	buckets_init(&t, 0, false);
	for (i = 0; i < BUCKETS_MAX; i++) {
		snprintf(name, sizeof(name), "region-%d", i);
		buckets_get(&t, name, 1000);
	}
	is_int((int)t.n, BUCKETS_MAX, "the table is full");
	c = buckets_get(&t, "one-more", 1000);
	ok(c == &t.b[BUCKETS_MAX - 1].rl, "a region past the table shares the last bucket");
	is_int((int)t.n, BUCKETS_MAX, "and takes no room");
	return tap_done();
}
