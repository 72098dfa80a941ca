/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readahead.c - a FIFO of (item, partition) in one growable array.
 *
 * Items live in v[head .. head + n); an append to a full tail first moves
 * the live part to the front, then doubles the array.  Taking the last item
 * rewinds head to 0, so a FIFO that empties and fills again stays small.
 */
#include "readahead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define READAHEAD_MIN_CAP 64

struct entry {
	void *item;
	int32_t partition;
};

struct readahead {
	struct entry *v;
	size_t head, n, cap;
	void (*destroy)(void *item);
};

struct readahead *readahead_new(void (*destroy)(void *item))
{
	struct readahead *ra = calloc(1, sizeof(*ra));

	if (!ra)
		return NULL;
	ra->destroy = destroy;
	return ra;
}

void readahead_free(struct readahead *ra)
{
	if (!ra)
		return;
	readahead_drop(ra, -1);
	free(ra->v);
	free(ra);
}

int readahead_put(struct readahead *ra, void *item, int32_t partition)
{
	if (ra->head + ra->n == ra->cap) {
		if (ra->head > 0) {
			memmove(ra->v, ra->v + ra->head, ra->n * sizeof(*ra->v));
			ra->head = 0;
		} else {
			size_t cap = ra->cap ? ra->cap * 2 : READAHEAD_MIN_CAP;
			struct entry *v;

			if (cap > SIZE_MAX / sizeof(*v))
				return -ENOMEM;
			v = realloc(ra->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			ra->v = v;
			ra->cap = cap;
		}
	}
	ra->v[ra->head + ra->n].item = item;
	ra->v[ra->head + ra->n].partition = partition;
	ra->n++;
	return 0;
}

void *readahead_take(struct readahead *ra)
{
	void *item;

	if (!ra->n)
		return NULL;
	item = ra->v[ra->head].item;
	ra->head++;
	ra->n--;
	if (!ra->n)
		ra->head = 0;
	return item;
}

size_t readahead_drop(struct readahead *ra, int32_t partition)
{
	size_t i, kept = 0, dropped = 0;

	for (i = 0; i < ra->n; i++) {
		struct entry *e = &ra->v[ra->head + i];

		if (partition < 0 || e->partition == partition) {
			if (ra->destroy)
				ra->destroy(e->item);
			dropped++;
		} else {
			ra->v[ra->head + kept++] = *e;
		}
	}
	ra->n = kept;
	if (!ra->n)
		ra->head = 0;
	return dropped;
}

size_t readahead_count(const struct readahead *ra)
{
	return ra->n;
}
