/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobq.c - the oldest-first job queue (a binary min-heap; see jobq.h).
 *
 * Pure: no locks of its own.  The sender keeps one queue per region under
 * its pool lock; a push or pop is O(log n) and nothing walks the queue.
 */
#include "jobq.h"

#include <errno.h>
#include <stdlib.h>

#include "job.h"

static bool before(const struct job *a, const struct job *b)
{
	if (a->queue_key_ms != b->queue_key_ms)
		return a->queue_key_ms < b->queue_key_ms;
	return a->seq < b->seq;
}

static void swap(struct jobq *q, size_t i, size_t j)
{
	struct job *t = q->heap[i];

	q->heap[i] = q->heap[j];
	q->heap[j] = t;
}

static void sift_up(struct jobq *q, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(q->heap[i], q->heap[parent]))
			break;
		swap(q, i, parent);
		i = parent;
	}
}

static void sift_down(struct jobq *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->n && before(q->heap[l], q->heap[m]))
			m = l;
		if (r < q->n && before(q->heap[r], q->heap[m]))
			m = r;
		if (m == i)
			return;
		swap(q, i, m);
		i = m;
	}
}

void jobq_init(struct jobq *q)
{
	q->heap = NULL;
	q->n = q->cap = 0;
}

void jobq_done(struct jobq *q)
{
	free(q->heap);
	jobq_init(q);
}

int jobq_push(struct jobq *q, struct job *job)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct job **h = realloc(q->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->cap = cap;
	}
	job->next = NULL;
	q->heap[q->n] = job;
	sift_up(q, q->n++);
	return 0;
}

struct job *jobq_peek(const struct jobq *q)
{
	return q->n ? q->heap[0] : NULL;
}

struct job *jobq_pop(struct jobq *q)
{
	struct job *top;

	if (!q->n)
		return NULL;
	top = q->heap[0];
	q->heap[0] = q->heap[--q->n];
	if (q->n)
		sift_down(q, 0);
	return top;
}

size_t jobq_len(const struct jobq *q)
{
	return q->n;
}

struct job *jobq_extract(struct jobq *q, bool (*take)(const struct job *job,
						      void *opaque),
			 void *opaque)
{
	struct job *out = NULL;
	size_t i, kept = 0;

	for (i = 0; i < q->n; i++) {
		struct job *job = q->heap[i];

		if (take(job, opaque)) {
			job->next = out;
			out = job;
		} else {
			q->heap[kept++] = job;
		}
	}
	q->n = kept;
	/* Rebuild the heap bottom-up. */
	for (i = q->n / 2; i-- > 0;)
		sift_down(q, i);
	return out;
}
