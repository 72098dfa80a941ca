/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readahead.c - one FIFO per partition, indexed by partition number.
 *
 * A FIFO's items live in v[head .. head + n); an append to a full tail
 * first moves the live part to the front, then doubles the array.  Taking
 * the last item rewinds head to 0, so a queue that empties and fills again
 * stays small; dropping a partition frees its array.  Every item carries
 * its age key and a sequence number given at put.  Between heads of equal
 * keys (a producer writes many records within one millisecond) the queue
 * whose head was taken least recently goes first, so partitions take
 * turns; then the one read first.  `held` mirrors what the caller was
 * told: set by the put that fills the queue, cleared by
 * readahead_resumable() or a drop.
 */
#include "readahead.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define READAHEAD_MIN_CAP 8

struct entry {
	void *item;
	int64_t age_ms;
	uint64_t seq;
	size_t bytes;
};

struct queue {
	struct entry *v;
	size_t head, n, cap;
	size_t bytes;   /* of the items in it */
	uint64_t taken; /* ra->takes when its head was last taken, 0: never */
	bool held;
};

struct readahead {
	struct queue *q; /* q[partition] */
	size_t nq;
	size_t count;    /* items in all queues */
	size_t bytes;    /* their bytes */
	uint64_t seq;    /* of the next put */
	uint64_t takes;  /* so far */
	size_t max_items, max_bytes; /* per partition */
	void (*destroy)(void *item);
};

size_t readahead_share(size_t total, int partitions)
{
	size_t k;

	if (total == 0)
		return 1;
	if (partitions <= 0)
		return total;
	k = total / (size_t)partitions;
	return k ? k : 1;
}

struct readahead *readahead_new(void (*destroy)(void *item), size_t items,
				size_t bytes)
{
	struct readahead *ra = calloc(1, sizeof(*ra));

	if (!ra)
		return NULL;
	ra->destroy = destroy;
	readahead_set_limit(ra, items, bytes);
	return ra;
}

void readahead_free(struct readahead *ra)
{
	if (!ra)
		return;
	readahead_drop(ra, -1);
	free(ra->q);
	free(ra);
}

void readahead_set_limit(struct readahead *ra, size_t items, size_t bytes)
{
	ra->max_items = items ? items : 1;
	ra->max_bytes = bytes ? bytes : 1;
}

/* The queue of @partition, growing the index to it; NULL on ENOMEM. */
static struct queue *queue_of(struct readahead *ra, int32_t partition)
{
	size_t n = (size_t)partition + 1;
	struct queue *q;

	if ((size_t)partition < ra->nq)
		return &ra->q[partition];
	if (n > SIZE_MAX / sizeof(*q))
		return NULL;
	q = realloc(ra->q, n * sizeof(*q));
	if (!q)
		return NULL;
	memset(q + ra->nq, 0, (n - ra->nq) * sizeof(*q));
	ra->q = q;
	ra->nq = n;
	return &q[partition];
}

/* Room for one more at the tail of @q: 0 or -ENOMEM. */
static int queue_room(struct queue *q)
{
	size_t cap;
	struct entry *v;

	if (q->head + q->n < q->cap)
		return 0;
	if (q->head > 0) {
		memmove(q->v, q->v + q->head, q->n * sizeof(*q->v));
		q->head = 0;
		return 0;
	}
	cap = q->cap ? q->cap * 2 : READAHEAD_MIN_CAP;
	if (cap > SIZE_MAX / sizeof(*v))
		return -ENOMEM;
	v = realloc(q->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	q->v = v;
	q->cap = cap;
	return 0;
}

int readahead_put(struct readahead *ra, void *item, int32_t partition,
		  int64_t age_ms, size_t bytes)
{
	struct queue *q;
	struct entry *e;

	if (partition < 0)
		return -EINVAL;
	q = queue_of(ra, partition);
	if (!q || queue_room(q) < 0)
		return -ENOMEM;
	e = &q->v[q->head + q->n];
	e->item = item;
	e->age_ms = age_ms;
	e->seq = ra->seq++;
	e->bytes = bytes;
	q->n++;
	q->bytes += bytes;
	ra->count++;
	ra->bytes += bytes;
	if (q->held || (q->n < ra->max_items && q->bytes < ra->max_bytes))
		return 0;
	q->held = true;
	return 1;
}

/* Whether @a's head goes before @b's: older, or as old and served less
 * recently (round robin), or as that and read first. */
static bool before(const struct queue *a, const struct queue *b)
{
	const struct entry *x = &a->v[a->head], *y = &b->v[b->head];

	if (x->age_ms != y->age_ms)
		return x->age_ms < y->age_ms;
	if (a->taken != b->taken)
		return a->taken < b->taken;
	return x->seq < y->seq;
}

void *readahead_take(struct readahead *ra)
{
	struct queue *best = NULL;
	void *item;
	size_t i;

	for (i = 0; i < ra->nq; i++) {
		struct queue *q = &ra->q[i];

		if (q->n && (!best || before(q, best)))
			best = q;
	}
	if (!best)
		return NULL;
	item = best->v[best->head].item;
	best->bytes -= best->v[best->head].bytes;
	ra->bytes -= best->v[best->head].bytes;
	best->head++;
	best->n--;
	best->taken = ++ra->takes;
	ra->count--;
	if (!best->n)
		best->head = 0;
	return item;
}

int32_t readahead_resumable(struct readahead *ra)
{
	size_t i;

	for (i = 0; i < ra->nq; i++) {
		struct queue *q = &ra->q[i];

		if (q->held && q->n <= ra->max_items / 2 &&
		    q->bytes <= ra->max_bytes / 2) {
			q->held = false;
			return (int32_t)i;
		}
	}
	return -1;
}

/* Frees @q's items and array; returns how many it held. */
static size_t queue_clear(struct readahead *ra, struct queue *q)
{
	size_t i, n = q->n;

	for (i = 0; i < q->n; i++)
		if (ra->destroy)
			ra->destroy(q->v[q->head + i].item);
	free(q->v);
	ra->count -= n;
	ra->bytes -= q->bytes;
	memset(q, 0, sizeof(*q));
	return n;
}

size_t readahead_drop(struct readahead *ra, int32_t partition)
{
	size_t i, dropped = 0;

	if (partition >= 0)
		return (size_t)partition < ra->nq
			       ? queue_clear(ra, &ra->q[partition])
			       : 0;
	for (i = 0; i < ra->nq; i++)
		dropped += queue_clear(ra, &ra->q[i]);
	return dropped;
}

size_t readahead_count(const struct readahead *ra)
{
	return ra->count;
}

size_t readahead_bytes(const struct readahead *ra)
{
	return ra->bytes;
}

size_t readahead_count_of(const struct readahead *ra, int32_t partition)
{
	if (partition < 0 || (size_t)partition >= ra->nq)
		return 0;
	return ra->q[partition].n;
}
