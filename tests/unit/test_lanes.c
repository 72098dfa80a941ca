/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lanes.c - the sender pool's per-health-key queues: one lane per
 * key, found again by its key, the last one shared once the table is
 * full, held probes given their place by age back when a pause ends,
 * extraction across lanes, and every job still queued handed back by
 * lanes_drain().
 */
#include <stdio.h>
#include <string.h>

#include "job.h"
#include "lanes.h"
#include "tap.h"

static struct job jobs[LANES_MAX + 4];

static bool odd_seq(const struct job *job, void *opaque)
{
	(void)opaque;
	return job->seq % 2 == 1;
}

int main(void)
{
	struct lanes ls = {0};
	struct lane *a, *b, *last;
	struct job *j;
	char key[BREAKER_KEY_MAX];
	int i, drained = 0, bad = 0;

	a = lanes_get(&ls, "us-east-1");
	b = lanes_get(&ls, "us-east-1/123456789012");
	ok(a != b, "a region and a role account in it: two lanes");
	ok(lanes_get(&ls, "us-east-1") == a, "a key finds its lane again");
	is_str(b->key, "us-east-1/123456789012", "the lane keeps its key");
	is_int(ls.n, 2, "two lanes in use");

	for (i = 2; i < LANES_MAX; i++) {
		snprintf(key, sizeof(key), "xx-test-%d", i);
		lanes_get(&ls, key);
	}
	is_int(ls.n, LANES_MAX, "the table is full");
	last = &ls.l[LANES_MAX - 1];
	ok(lanes_get(&ls, "one-more") == last &&
		   lanes_get(&ls, "and-another") == last,
	   "keys past the table share the last lane");
	is_int(ls.n, LANES_MAX, "and add none");
	ok(lanes_get(&ls, "us-east-1") == a, "the first lane is still found");

	for (i = 0; i < LANES_MAX + 4; i++) {
		jobs[i].seq = (uint64_t)i;
		if (jobq_push(i < 2 ? &a->q : &lanes_get(&ls, "past")->q,
			      &jobs[i]) < 0)
			bad++;
	}
	is_int(bad, 0, "jobs queued in two lanes");
	/* A pause ended: its held probes (keyed by the backoff) come back
	 * by age; the rest keep their keys. */
	for (i = 0; i < LANES_MAX + 4; i++)
		jobs[i].consumed_ms = 100 + i;
	while ((j = lanes_drain(&ls)))
		;
	jobs[0].queue_key_ms = 100;
	jobs[1].queue_key_ms = 30000;
	jobs[1].held_probe = true;
	jobs[2].queue_key_ms = 40000; /* a retry's own not-before */
	jobs[3].queue_key_ms = 31000;
	jobs[3].held_probe = true;
	for (i = 0; i < 4; i++)
		jobq_push(i < 2 ? &a->q : &b->q, &jobs[i]);
	is_int(lanes_release_probes(&ls), 2, "two held probes released");
	ok(!jobs[1].held_probe && jobs[1].queue_key_ms == 101 &&
		   jobs[3].queue_key_ms == 103,
	   "keyed by age again");
	is_int(jobs[2].queue_key_ms, 40000, "a retry keeps its not-before");
	ok(jobq_pop(&b->q) == &jobs[3] && jobq_pop(&b->q) == &jobs[2],
	   "the released probe is served first in its lane");
	is_int(lanes_release_probes(&ls), 0, "nothing more to release");
	jobs[2].held_probe = true;
	jobq_push(&b->q, &jobs[2]);
	j = lanes_extract(&ls, odd_seq, NULL);
	ok(j == &jobs[1] && !j->next, "extract takes what is asked");
	for (i = 0; i < LANES_MAX + 4; i++)
		jobs[i].held_probe = false;
	while ((j = lanes_drain(&ls)))
		;
	for (i = 0; i < LANES_MAX + 4; i++)
		if (jobq_push(i < 2 ? &a->q : &lanes_get(&ls, "past")->q,
			      &jobs[i]) < 0)
			bad++;
	while ((j = lanes_drain(&ls))) {
		drained++;
		if (j < jobs || j >= jobs + LANES_MAX + 4)
			bad++;
	}
	is_int(drained, LANES_MAX + 4, "drain hands back every job");
	is_int(bad, 0, "and only those");
	ok(lanes_drain(&ls) == NULL, "then nothing");
	lanes_done(&ls);
	is_int(ls.n, 0, "done: no lane left");
	return tap_done();
}
