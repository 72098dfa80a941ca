/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jobq.c - the worker's queue serves oldest first: new jobs in
 * arrival order, a retry by its not-before time, ties by submission order,
 * and extraction keeps the order of what stays.
 */
#include <stdlib.h>

#include "job.h"
#include "jobq.h"
#include "tap.h"

static struct job jobs[5000];

static bool odd_offset(const struct job *job, void *opaque)
{
	(void)opaque;
	return job->offset % 2 == 1;
}

int main(void)
{
	struct jobq q;
	struct job *j, *list;
	uint64_t seq = 0;
	int64_t last_key;
	uint64_t last_seq;
	size_t i, n, bad;

	/* Arrival order: pushed oldest first, popped oldest first (the old
	 * list served the newest first). */
	jobq_init(&q);
	bad = 0;
	for (i = 0; i < 3000; i++) {
		jobs[i].offset = (int64_t)i;
		jobs[i].queue_key_ms = 100 + (int64_t)(i / 100); /* ms ties */
		jobs[i].seq = seq++;
		if (jobq_push(&q, &jobs[i]) < 0)
			bad++;
	}
	is_int(bad, 0, "3000 pushed");
	is_int(jobq_len(&q), 3000, "3000 queued");
	bad = 0;
	for (i = 0; i < 3000; i++) {
		j = jobq_pop(&q);
		if (!j || j->offset != (int64_t)i)
			bad++;
	}
	is_int(bad, 0, "served in arrival order");
	ok(jobq_pop(&q) == NULL, "empty");

	/* A retry takes its place by its not-before time. */
	for (i = 0; i < 10; i++) {
		jobs[i].queue_key_ms = 1000 + (int64_t)i * 10; /* 1000..1090 */
		jobs[i].seq = seq++;
		jobq_push(&q, &jobs[i]);
	}
	jobs[10].queue_key_ms = 1045; /* retried, due at 1045 */
	jobs[10].seq = seq++;
	jobq_push(&q, &jobs[10]);
	{
		static const int64_t want[] = {1000, 1010, 1020, 1030, 1040, 1045,
					       1050, 1060, 1070, 1080, 1090};

		bad = 0;
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			j = jobq_pop(&q);
			if (!j || j->queue_key_ms != want[i])
				bad++;
		}
		is_int(bad, 0, "the retry due at 1045 comes after 1040, "
			       "before 1050");
		is_int(jobs[10].queue_key_ms, 1045, "(it was job 10)");
	}
	jobq_done(&q);

	/* Random keys: pops are non-decreasing in (key, seq). */
	jobq_init(&q);
	srand(7);
	for (i = 0; i < 5000; i++) {
		jobs[i].queue_key_ms = rand() % 1000;
		jobs[i].seq = seq++;
		jobs[i].offset = (int64_t)i;
		jobq_push(&q, &jobs[i]);
	}
	/* Extract the odd offsets; the rest keeps its order. */
	list = jobq_extract(&q, odd_offset, NULL);
	for (n = 0, j = list; j; j = j->next)
		n += j->offset % 2 == 1;
	is_int(n, 2500, "2500 extracted, all odd");
	is_int(jobq_len(&q), 2500, "2500 stay");
	bad = 0;
	last_key = -1;
	last_seq = 0;
	while ((j = jobq_pop(&q))) {
		if (j->queue_key_ms < last_key ||
		    (j->queue_key_ms == last_key && j->seq < last_seq) ||
		    j->offset % 2 == 1)
			bad++;
		last_key = j->queue_key_ms;
		last_seq = j->seq;
	}
	is_int(bad, 0, "popped in (key, seq) order after extraction");
	jobq_done(&q);
	return tap_done();
}
