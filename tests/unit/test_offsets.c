/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_offsets.c - the commit point moves only over a contiguous done
 * prefix, whatever order completions come in.
 */
#include <errno.h>
#include <stdlib.h>

#include "offsets.h"
#include "tap.h"

/* Marks offsets done in the order given and checks the commit point after
 * each mark (-1: nothing new to commit). */
struct order_case {
	const char *name;
	int64_t track[8];
	int ntrack;
	int64_t mark[8];
	int64_t expect[8];
};

static const struct order_case cases[] = {
	{"in order", {0, 1, 2, 3}, 4, {0, 1, 2, 3}, {1, 2, 3, 4}},
	{"reverse", {0, 1, 2, 3}, 4, {3, 2, 1, 0}, {-1, -1, -1, 4}},
	{"head last", {10, 11, 12}, 3, {11, 12, 10}, {-1, -1, 13}},
	{"gap in offsets (compaction)", {5, 9, 20}, 3, {5, 20, 9},
	 {6, -1, 21}},
	{"interleaved", {0, 1, 2, 3, 4, 5}, 6, {1, 0, 3, 5, 2, 4},
	 {-1, 2, -1, -1, 4, 6}},
};

static void run_case(const struct order_case *c)
{
	struct offsets *o = offsets_new();
	int i;

	for (i = 0; i < c->ntrack; i++)
		is_int(offsets_track(o, 3, c->track[i]), 0, "%s: track %lld",
		       c->name, (long long)c->track[i]);
	for (i = 0; i < c->ntrack; i++) {
		int64_t got = -1;

		is_int(offsets_mark_done(o, 3, c->mark[i]), 0,
		       "%s: mark %lld", c->name, (long long)c->mark[i]);
		if (!offsets_committable(o, 3, &got))
			got = -1;
		is_int(got, c->expect[i], "%s: commit point after %lld",
		       c->name, (long long)c->mark[i]);
	}
	is_int(offsets_pending(o, 3), 0, "%s: nothing pending at the end",
	       c->name);
	offsets_free(o);
}

static void test_errors(void)
{
	struct offsets *o = offsets_new();
	int64_t c = 42;

	is_int(offsets_track(o, 0, 5), 0, "track 5");
	is_int(offsets_track(o, 0, 5), -EINVAL, "same offset twice refused");
	is_int(offsets_track(o, 0, 4), -EINVAL, "going back refused");
	is_int(offsets_track(o, -1, 4), -EINVAL, "negative partition");
	is_int(offsets_mark_done(o, 0, 6), -ENOENT, "untracked offset");
	is_int(offsets_mark_done(o, 7, 5), -ENOENT, "unknown partition");
	ok(!offsets_committable(o, 0, &c) && c == 42,
	   "nothing committable, out-param untouched");
	is_int(offsets_track(o, 1, 0), 0, "partition 1 offset 0");
	is_int(offsets_pending_total(o), 2, "two pending in total");
	offsets_drop(o, 0);
	is_int(offsets_mark_done(o, 0, 5), -ENOENT, "dropped partition");
	is_int(offsets_pending(o, 0), 0, "dropped partition has none");
	is_int(offsets_pending_total(o), 1, "one pending after the drop");
	is_int(offsets_track(o, 0, 3), 0,
	       "a dropped partition starts afresh (reassigned)");
	offsets_free(o);
	offsets_free(NULL);
}

/* Many offsets, completed in a scrambled order: the ring grows, and the
 * commit point ends at the last one + 1, never jumping a gap. */
static void test_many(void)
{
	enum { N = 5000 };
	struct offsets *o = offsets_new();
	int64_t *perm = malloc(N * sizeof(*perm)), c, best = 0, last = -1;
	int i, bad = 0, regress = 0;
	unsigned char *done = calloc(N, 1);

	for (i = 0; i < N; i++) {
		offsets_track(o, 2, 1000 + i);
		perm[i] = i;
	}
	srand(7);
	for (i = N - 1; i > 0; i--) {
		int j = rand() % (i + 1);
		int64_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < N; i++) {
		done[perm[i]] = 1;
		offsets_mark_done(o, 2, 1000 + perm[i]);
		while (best < N && done[best])
			best++;
		if (offsets_committable(o, 2, &c)) {
			if (c != 1000 + best)
				bad++;
			if (c <= last)
				regress++;
			last = c;
		}
	}
	is_int(bad, 0, "commit point always equals the contiguous prefix");
	is_int(regress, 0, "commit point never moves back");
	is_int(last, 1000 + N, "everything committed at the end");
	free(perm);
	free(done);
	offsets_free(o);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_errors();
	test_many();
	return tap_done();
}
