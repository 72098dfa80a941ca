/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_readahead.c - the read-ahead FIFO: order across growth and the
 * move-to-front, dropping one partition keeps the others' order, the
 * destructor sees exactly the dropped items, and freeing a FIFO frees
 * what it still holds.
 */
#include <errno.h>
#include <stdint.h>

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

static void test_order(void)
{
	struct readahead *ra = readahead_new(destroy);
	int i, good = 1;

	reset();
	ok(ra != NULL, "new");
	ok(readahead_take(ra) == NULL, "empty: take gives NULL");
	is_int(readahead_count(ra), 0, "empty: count 0");
	for (i = 0; i < N; i++)
		good &= readahead_put(ra, &items[i], i % 4) == 0;
	ok(good, "put %d items (the array grows)", N);
	is_int(readahead_count(ra), N, "count %d", N);
	ok(takes_in_order(ra, 0, N, NULL), "taken oldest first");
	is_int(readahead_count(ra), 0, "count 0 again");

	/* Interleaved: take some, put more, so the tail hits the end of the
	 * array with room at the front. */
	good = 1;
	for (i = 0; i < 60; i++)
		good &= readahead_put(ra, &items[i], 0) == 0;
	for (i = 0; i < 50; i++)
		good &= readahead_take(ra) == &items[i];
	for (i = 60; i < 200; i++)
		good &= readahead_put(ra, &items[i], 0) == 0;
	ok(good, "interleaved puts and takes");
	ok(takes_in_order(ra, 50, 200, NULL),
	   "the order holds across the move to the front");
	is_int(destroyed_total(), 0, "nothing destroyed by take");
	readahead_free(ra);
	is_int(destroyed_total(), 0, "freeing an empty FIFO destroys nothing");
}

static void test_drop(void)
{
	struct readahead *ra = readahead_new(destroy);
	int i, good = 1;

	reset();
	for (i = 0; i < 100; i++)
		good &= readahead_put(ra, &items[i], i % 2) == 0;
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
		readahead_put(ra, &items[i], i);
	is_int(readahead_drop(ra, -1), 10, "drop every partition");
	is_int(readahead_count(ra), 0, "empty after dropping everything");
	is_int(destroyed_total(), 10, "each destroyed");

	reset();
	for (i = 0; i < 5; i++)
		readahead_put(ra, &items[i], 3);
	readahead_free(ra);
	is_int(destroyed_total(), 5, "free destroys what is left");
	readahead_free(NULL);
	ok(1, "free(NULL) is fine");
}

int main(void)
{
	test_order();
	test_drop();
	return tap_done();
}
