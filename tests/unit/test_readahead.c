/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_readahead.c - the per-partition read-ahead: the share rule, FIFO
 * order within a partition across growth and the move-to-front, the
 * oldest head taken first across partitions (ties in read order), the
 * hold/resume hysteresis on items and on bytes and the limit change,
 * dropping one partition keeps the others, the destructor sees exactly
 * the dropped items, and a simulated overload in which some partitions'
 * records arrive late is still served evenly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "readahead.h"
#include "tap.h"

#define N 1000

static int items[N];
static int destroyed[N];

static void destroy(void *item)
{
	destroyed[(int *)item - items]++;
}

static int destroyed_total(void)
{
	int i, t = 0;

	for (i = 0; i < N; i++)
		t += destroyed[i];
	return t;
}

static void reset(void)
{
	int i;

	for (i = 0; i < N; i++) {
		items[i] = i;
		destroyed[i] = 0;
	}
}

/* Takes everything; true when it came out as from..to-1 in order,
 * skipping the indexes for which skip() is true. */
static int takes_in_order(struct readahead *ra, int from, int to,
			  int (*skip)(int))
{
	int i, good = 1;
	int *got;

	for (i = from; i < to; i++) {
		if (skip && skip(i))
			continue;
		got = readahead_take(ra);
		if (got != &items[i])
			good = 0;
	}
	return good && readahead_take(ra) == NULL;
}

static int odd(int i)
{
	return i % 2;
}

static void test_share(void)
{
	static const struct {
		size_t total;
		int parts;
		size_t want;
	} t[] = {
		{64, 12, 5},  {256, 1, 256}, {256, 3, 85},
		{16777216, 12, 1398101},     {12, 12, 1},
		{10, 12, 1},  {64, 0, 64},   {64, -1, 64},
		{0, 3, 1},    {0, 0, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int(readahead_share(t[i].total, t[i].parts), t[i].want,
		       "share of %zu over %d partitions", t[i].total,
		       t[i].parts);
}

/* One partition: a FIFO, whatever the age keys. */
static void test_order(void)
{
	struct readahead *ra = readahead_new(destroy, 10000, SIZE_MAX);
	int i, good = 1;

	reset();
	ok(ra != NULL, "new");
	ok(readahead_take(ra) == NULL, "empty: take gives NULL");
	is_int(readahead_count(ra), 0, "empty: count 0");
	for (i = 0; i < N; i++)
		good &= readahead_put(ra, &items[i], 2, N - i, 1) == 0;
	ok(good, "put %d items in one partition (the array grows)", N);
	is_int(readahead_count(ra), N, "count %d", N);
	is_int(readahead_count_of(ra, 2), N, "all in partition 2");
	is_int(readahead_count_of(ra, 1), 0, "none in partition 1");
	is_int(readahead_count_of(ra, 99), 0, "none in partition 99");
	ok(takes_in_order(ra, 0, N, NULL),
	   "taken in put order, though the later ones carry older keys");
	is_int(readahead_count(ra), 0, "count 0 again");

	/* Interleaved: take some, put more, so the tail hits the end of the
	 * array with room at the front. */
	good = 1;
	for (i = 0; i < 60; i++)
		good &= readahead_put(ra, &items[i], 0, i, 1) == 0;
	for (i = 0; i < 50; i++)
		good &= readahead_take(ra) == &items[i];
	for (i = 60; i < 200; i++)
		good &= readahead_put(ra, &items[i], 0, i, 1) == 0;
	ok(good, "interleaved puts and takes");
	ok(takes_in_order(ra, 50, 200, NULL),
	   "the order holds across the move to the front");
	is_int(readahead_put(ra, &items[0], -1, 0, 1), -EINVAL,
	       "a negative partition is refused");
	is_int(destroyed_total(), 0, "nothing destroyed by take");
	readahead_free(ra);
	is_int(destroyed_total(), 0, "freeing an empty read-ahead destroys "
				     "nothing");
}

/* Across partitions: the oldest head first. */
static void test_oldest(void)
{
	static const struct {
		int32_t partition;
		int64_t age;
		int rank; /* place in the take order */
	} t[] = {
		{0, 500, 3}, {0, 100, 4}, /* behind its older-keyed head */
		{1, 300, 1}, {1, 400, 2}, {2, 50, 0},  {3, 600, 6},
		{4, 600, 7}, /* a tie: read after partition 3's */
		{2, 550, 5},
	};
	struct readahead *ra = readahead_new(destroy, 100, SIZE_MAX);
	size_t i, n = sizeof(t) / sizeof(t[0]);
	int good = 1, *got, want;

	reset();
	for (i = 0; i < n; i++)
		good &= readahead_put(ra, &items[i], t[i].partition,
				      t[i].age, 1) == 0;
	ok(good, "put %zu items over 5 partitions", n);
	for (want = 0; want < (int)n; want++) {
		got = readahead_take(ra);
		for (i = 0; i < n; i++)
			if (t[i].rank == want)
				break;
		ok(got == &items[i], "take %d: partition %d, age %lld", want,
		   (int)t[i].partition, (long long)t[i].age);
	}
	ok(readahead_take(ra) == NULL, "then empty");

	/* Equal keys everywhere, read partition after partition: the
	 * partitions take turns (a new read-ahead: none served yet). */
	readahead_free(ra);
	ra = readahead_new(destroy, 100, SIZE_MAX);
	for (i = 0; i < 90; i++)
		readahead_put(ra, &items[i], (int32_t)(i / 30), 42, 1);
	good = 1;
	for (i = 0; i < 90; i++)
		good &= readahead_take(ra) == &items[i % 3 * 30 + i / 3];
	ok(good, "equal keys: partitions take turns, each in its order");
	/* Turns go by when each partition was last served: partition 3,
	 * never served, before partition 0, served long ago, before 2. */
	readahead_put(ra, &items[0], 2, 42, 1);
	readahead_put(ra, &items[1], 0, 42, 1);
	readahead_put(ra, &items[2], 3, 42, 1);
	ok(readahead_take(ra) == &items[2] && readahead_take(ra) == &items[1] &&
		   readahead_take(ra) == &items[0],
	   "equal keys: the partition served least recently first");

	/* Against a model: random keys, each take the least (key, last
	 * taken, read order) among the heads. */
	{
		int32_t part[N];
		int64_t age[N];
		int taken[N] = {0};
		int last[12] = {0};
		int k, j;

		srand(7);
		for (k = 0; k < N; k++) {
			part[k] = rand() % 12;
			age[k] = rand() % 300;
			readahead_put(ra, &items[k], part[k], age[k], 1);
		}
		good = 1;
		for (k = 0; k < N; k++) {
			int best = -1;
			int32_t p;

			for (p = 0; p < 12; p++) {
				for (j = 0; j < N && (part[j] != p || taken[j]);
				     j++)
					;
				if (j == N)
					continue;
				if (best < 0 || age[j] < age[best] ||
				    (age[j] == age[best] &&
				     (last[p] < last[part[best]] ||
				      (last[p] == last[part[best]] &&
				       j < best))))
					best = j;
			}
			got = readahead_take(ra);
			good &= best >= 0 && got == &items[best];
			if (best >= 0) {
				taken[best] = 1;
				last[part[best]] = k + 1;
			}
		}
		ok(good, "%d random items over 12 partitions: each take is the "
			 "oldest head, ties in turns", N);
	}
	readahead_free(ra);
}

static void test_hold(void)
{
	struct readahead *ra = readahead_new(destroy, 4, SIZE_MAX);
	int i, r[6];

	reset();
	for (i = 0; i < 6; i++)
		r[i] = readahead_put(ra, &items[i], 5, i, 1);
	ok(r[0] == 0 && r[1] == 0 && r[2] == 0, "below the limit: 0");
	is_int(r[3], 1, "the put that fills the queue says hold");
	ok(r[4] == 0 && r[5] == 0, "over the limit (records already on "
				   "their way): accepted, no second hold");
	readahead_put(ra, &items[10], 6, 10, 1);
	is_int(readahead_resumable(ra), -1, "6 waiting: nothing to resume");
	readahead_take(ra);
	readahead_take(ra);
	readahead_take(ra);
	is_int(readahead_count_of(ra, 5), 3, "3 left in partition 5");
	is_int(readahead_resumable(ra), -1, "3 of limit 4: still held");
	readahead_take(ra);
	is_int(readahead_resumable(ra), 5, "2 of limit 4: resume partition 5");
	is_int(readahead_resumable(ra), -1, "once");
	is_int(readahead_put(ra, &items[20], 5, 20, 1), 0, "3 again: no hold");
	is_int(readahead_put(ra, &items[21], 5, 21, 1), 1,
	       "4 again: hold again");

	/* A larger limit after a rebalance: the held partition resumes. */
	readahead_set_limit(ra, 8, SIZE_MAX);
	is_int(readahead_resumable(ra), 5, "limit 8: 4 waiting is half: "
					   "resume");
	readahead_set_limit(ra, 2, SIZE_MAX);
	is_int(readahead_resumable(ra), -1, "limit 2: nothing held");
	is_int(readahead_put(ra, &items[22], 6, 22, 1), 1,
	       "limit 2: partition 6's second record holds it");
	is_int(readahead_put(ra, &items[23], 5, 23, 1), 1,
	       "limit 2: partition 5, over it, holds at its next put");

	/* A dropped partition is forgotten, its hold too. */
	is_int(readahead_drop(ra, 6), 2, "drop partition 6: 2 records");
	is_int(readahead_resumable(ra), -1, "a dropped partition is not "
					    "resumed");
	is_int(readahead_put(ra, &items[24], 6, 24, 1), 0,
	       "partition 6 anew: 1");
	is_int(readahead_put(ra, &items[25], 6, 25, 1), 1, "2: held anew");
	readahead_free(ra);
	is_int(destroyed_total(), 9, "the 2 dropped and, at free, the 7 left "
				     "destroyed");
}

/* The byte limit holds a partition before the item limit does. */
static void test_hold_bytes(void)
{
	struct readahead *ra = readahead_new(destroy, 100, 1000);

	reset();
	is_int(readahead_put(ra, &items[0], 1, 0, 400), 0, "400 of 1000 bytes");
	is_int(readahead_put(ra, &items[1], 1, 1, 400), 0, "800 of 1000 bytes");
	is_int(readahead_put(ra, &items[2], 1, 2, 400), 1,
	       "1200 of 1000 bytes: hold");
	is_int(readahead_bytes(ra), 1200, "1200 bytes waiting");
	readahead_take(ra);
	is_int(readahead_resumable(ra), -1, "800 bytes: still held");
	readahead_take(ra);
	is_int(readahead_bytes(ra), 400, "400 bytes waiting");
	is_int(readahead_resumable(ra), 1, "400 bytes, half is 500: resume");
	is_int(readahead_put(ra, &items[3], 2, 3, 5000), 1,
	       "one record over the byte limit holds its partition at once");
	is_int(readahead_resumable(ra), -1, "and keeps it held");
	is_int(readahead_drop(ra, 2), 1, "drop it");
	is_int(readahead_bytes(ra), 400, "its bytes are gone");
	readahead_set_limit(ra, 0, 0);
	is_int(readahead_put(ra, &items[4], 3, 4, 0), 1,
	       "limits of 0 count as 1: one record holds");
	readahead_free(ra);
	is_int(destroyed_total(), 3, "drop and free destroyed 3");
}

static void test_drop(void)
{
	struct readahead *ra = readahead_new(destroy, 1000, SIZE_MAX);
	int i, good = 1;

	reset();
	for (i = 0; i < 100; i++)
		good &= readahead_put(ra, &items[i], i % 2, i, 1) == 0;
	(void)readahead_take(ra); /* item 0, partition 0: the caller's now */
	is_int(readahead_drop(ra, 1), 50, "drop partition 1: 50 items");
	good = 1;
	for (i = 0; i < 100; i++)
		good &= destroyed[i] == (i % 2 ? 1 : 0);
	ok(good, "exactly partition 1's items were destroyed, once each");
	is_int(readahead_count(ra), 49, "49 left");
	ok(takes_in_order(ra, 1, 100, odd),
	   "partition 0's items keep their order");
	is_int(readahead_drop(ra, 7), 0, "drop an absent partition: none");

	reset();
	for (i = 0; i < 10; i++)
		readahead_put(ra, &items[i], i, i, 1);
	is_int(readahead_drop(ra, -1), 10, "drop every partition");
	is_int(readahead_count(ra), 0, "empty after dropping everything");
	is_int(destroyed_total(), 10, "each destroyed");

	reset();
	for (i = 0; i < 5; i++)
		readahead_put(ra, &items[i], 3, i, 1);
	readahead_free(ra);
	is_int(destroyed_total(), 5, "free destroys what is left");
	readahead_free(NULL);
	ok(1, "free(NULL) is fine");
}

/*
 * The overload the read-ahead is for: a backlog produced round robin over
 * 12 partitions (record i is the i-th oldest, on partition i % 12, of
 * @size bytes).  The loop's rounds: fetched records arrive (partitions 0-3
 * in the round they are resumed, the others SIM_SLOW rounds later, as
 * from slower brokers), then one record is taken.  Every partition gets
 * its share of the first 360 taken, and no queue holds much more than its
 * limits.  Returns the most records read ahead at once.
 */
#define SIM_PARTS 12
#define SIM_SLOW 3
#define SIM_ITEMS 4096

static int sim[SIM_ITEMS];

static size_t overload(size_t max_items, size_t max_bytes, size_t size,
		       int *ret_lo, int *ret_hi)
{
	struct readahead *ra = readahead_new(NULL, max_items, max_bytes);
	int next[SIM_PARTS]; /* next backlog index of the partition */
	int due[SIM_PARTS];  /* round its fetch answers, -1: held */
	int served[SIM_PARTS] = {0};
	size_t most = 0;
	int p, round, lo = SIM_ITEMS, hi = 0;

	for (p = 0; p < SIM_PARTS; p++) {
		next[p] = p;
		due[p] = p < 4 ? 0 : SIM_SLOW;
	}
	for (round = 0; round < 360; round++) {
		int *got;
		int32_t r;

		/* A fetch answer brings records up to the hold. */
		for (p = 0; p < SIM_PARTS; p++) {
			while (due[p] >= 0 && due[p] <= round &&
			       next[p] < SIM_ITEMS) {
				if (readahead_put(ra, &sim[next[p]], p, next[p],
						  size) == 1)
					due[p] = -1;
				next[p] += SIM_PARTS;
			}
		}
		if (readahead_count(ra) > most)
			most = readahead_count(ra);
		got = readahead_take(ra);
		if (got)
			served[(got - sim) % SIM_PARTS]++;
		for (r = readahead_resumable(ra); r >= 0;
		     r = readahead_resumable(ra))
			due[r] = round + 1 + (r < 4 ? 0 : SIM_SLOW);
	}
	for (p = 0; p < SIM_PARTS; p++) {
		lo = served[p] < lo ? served[p] : lo;
		hi = served[p] > hi ? served[p] : hi;
	}
	readahead_free(ra);
	*ret_lo = lo;
	*ret_hi = hi;
	return most;
}

static void test_overload(void)
{
	size_t most, share = readahead_share(64 * 100, SIM_PARTS);
	int lo, hi;

	/* The item limit binds: 64 records each. */
	most = overload(64, SIZE_MAX, 100, &lo, &hi);
	ok(lo >= 29 && hi <= 31, "overload, 8 of 12 partitions %d rounds "
				 "late, 64 records each: each served 29..31 "
				 "of the first 360 (%d..%d)", SIM_SLOW, lo, hi);
	ok(most <= SIM_PARTS * 64, "at most %d records read ahead (%zu)",
	   SIM_PARTS * 64, most);
	/* The byte limit binds: 533 bytes of 100-byte records, 6 each. */
	most = overload(64, share, 100, &lo, &hi);
	ok(lo >= 29 && hi <= 31, "the same, %zu bytes each: each served "
				 "29..31 (%d..%d)", share, lo, hi);
	ok(most <= SIM_PARTS * 6, "at most %d records read ahead (%zu)",
	   SIM_PARTS * 6, most);
}

int main(void)
{
	test_share();
	test_order();
	test_oldest();
	test_hold();
	test_hold_bytes();
	test_drop();
	test_overload();
	return tap_done();
}
