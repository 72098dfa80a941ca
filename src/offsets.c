/* SPDX-License-Identifier: Apache-2.0 */
/*
 * offsets.c - per-partition commit tracker.
 *
 * Each partition keeps a growable ring of (offset, done) entries in
 * increasing offset order; marking done is a binary search, popping the done
 * prefix is O(popped).  Partitions live in an array indexed by partition id.
 */
#include "offsets.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	int64_t offset;
	bool done;
};

struct part {
	struct entry *ring;
	size_t cap; /* power of two */
	size_t head;
	size_t len;
	int64_t last; /* last tracked offset, -1 when none */
	int64_t popped; /* commit point reported last, -1 when none */
};

struct offsets {
	struct part **parts;
	size_t nparts;
};

struct offsets *offsets_new(void)
{
	return calloc(1, sizeof(struct offsets));
}

static void part_free(struct part *p)
{
	if (!p)
		return;
	free(p->ring);
	free(p);
}

void offsets_free(struct offsets *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->nparts; i++)
		part_free(o->parts[i]);
	free(o->parts);
	free(o);
}

static struct part *part_get(const struct offsets *o, int32_t partition)
{
	if (partition < 0 || (size_t)partition >= o->nparts)
		return NULL;
	return o->parts[partition];
}

static struct entry *part_at(struct part *p, size_t i)
{
	return &p->ring[(p->head + i) & (p->cap - 1)];
}

static int part_grow(struct part *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 64, i;
	struct entry *nring = malloc(ncap * sizeof(*nring));

	if (!nring)
		return -ENOMEM;
	for (i = 0; i < p->len; i++)
		nring[i] = *part_at(p, i);
	free(p->ring);
	p->ring = nring;
	p->cap = ncap;
	p->head = 0;
	return 0;
}

int offsets_track(struct offsets *o, int32_t partition, int64_t offset)
{
	struct part *p;
	struct entry *e;
	int r;

	if (partition < 0 || offset < 0)
		return -EINVAL;
	if ((size_t)partition >= o->nparts) {
		size_t n = (size_t)partition + 1;
		struct part **np = realloc(o->parts, n * sizeof(*np));

		if (!np)
			return -ENOMEM;
		memset(np + o->nparts, 0, (n - o->nparts) * sizeof(*np));
		o->parts = np;
		o->nparts = n;
	}
	p = o->parts[partition];
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->last = -1;
		p->popped = -1;
		o->parts[partition] = p;
	}
	if (offset <= p->last)
		return -EINVAL;
	if (p->len == p->cap) {
		r = part_grow(p);
		if (r)
			return r;
	}
	e = part_at(p, p->len);
	e->offset = offset;
	e->done = false;
	p->len++;
	p->last = offset;
	return 0;
}

int offsets_mark_done(struct offsets *o, int32_t partition, int64_t offset)
{
	struct part *p = part_get(o, partition);
	size_t lo = 0, hi;

	if (!p)
		return -ENOENT;
	hi = p->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct entry *e = part_at(p, mid);

		if (e->offset == offset) {
			e->done = true;
			return 0;
		}
		if (e->offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

int offsets_committable(struct offsets *o, int32_t partition,
			int64_t *ret_offset)
{
	struct part *p = part_get(o, partition);
	int64_t next = -1;

	if (!p)
		return 0;
	while (p->len > 0 && part_at(p, 0)->done) {
		next = part_at(p, 0)->offset + 1;
		p->head = (p->head + 1) & (p->cap - 1);
		p->len--;
	}
	if (next < 0 || next <= p->popped)
		return 0;
	p->popped = next;
	*ret_offset = next;
	return 1;
}

size_t offsets_pending(const struct offsets *o, int32_t partition)
{
	struct part *p = part_get(o, partition);

	return p ? p->len : 0;
}

size_t offsets_pending_total(const struct offsets *o)
{
	size_t i, n = 0;

	for (i = 0; i < o->nparts; i++)
		if (o->parts[i])
			n += o->parts[i]->len;
	return n;
}

void offsets_drop(struct offsets *o, int32_t partition)
{
	if (partition < 0 || (size_t)partition >= o->nparts)
		return;
	part_free(o->parts[partition]);
	o->parts[partition] = NULL;
}
