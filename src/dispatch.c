/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.c - per-key ordering with a chained hash table.
 *
 * The table maps a key to a slot {active job, FIFO of waiting jobs}.  A slot
 * exists exactly while its key has an active job; releasing the last job of
 * a key frees the slot, so the table holds only what is in flight.
 */
#include "dispatch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

struct slot {
	struct slot *next;
	uint64_t hash;
	struct job *active;
	struct job *wait_head, *wait_tail;
};

struct dispatch {
	struct slot **buckets;
	size_t nbuckets; /* power of two */
	size_t nslots;
	size_t nwaiting;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct dispatch *dispatch_new(void)
{
	struct dispatch *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->nbuckets = 1024;
	d->buckets = calloc(d->nbuckets, sizeof(*d->buckets));
	if (!d->buckets) {
		free(d);
		return NULL;
	}
	return d;
}

void dispatch_free(struct dispatch *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nbuckets; i++) {
		struct slot *s = d->buckets[i], *n;

		for (; s; s = n) {
			n = s->next;
			free(s);
		}
	}
	free(d->buckets);
	free(d);
}

static int grow(struct dispatch *d)
{
	size_t nb = d->nbuckets * 2, i;
	struct slot **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (i = 0; i < d->nbuckets; i++) {
		struct slot *s = d->buckets[i], *n;

		for (; s; s = n) {
			n = s->next;
			s->next = b[s->hash & (nb - 1)];
			b[s->hash & (nb - 1)] = s;
		}
	}
	free(d->buckets);
	d->buckets = b;
	d->nbuckets = nb;
	return 0;
}

static struct slot **find(struct dispatch *d, const char *key, uint64_t h)
{
	struct slot **sp = &d->buckets[h & (d->nbuckets - 1)];

	for (; *sp; sp = &(*sp)->next)
		if ((*sp)->hash == h &&
		    strcmp((*sp)->active->order_key, key) == 0)
			return sp;
	return sp;
}

int dispatch_admit(struct dispatch *d, struct job *job)
{
	uint64_t h = key_hash(job->order_key);
	struct slot **sp = find(d, job->order_key, h), *s;

	job->next = NULL;
	if (*sp) {
		s = *sp;
		if (s->wait_tail)
			s->wait_tail->next = job;
		else
			s->wait_head = job;
		s->wait_tail = job;
		d->nwaiting++;
		return 0;
	}
	if (d->nslots >= d->nbuckets && grow(d) == 0)
		sp = find(d, job->order_key, h);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->hash = h;
	s->active = job;
	*sp = s;
	d->nslots++;
	return 1;
}

struct job *dispatch_release(struct dispatch *d, struct job *job)
{
	uint64_t h = key_hash(job->order_key);
	struct slot **sp = find(d, job->order_key, h), *s = *sp;
	struct job *next;

	if (!s || s->active != job)
		return NULL;
	next = s->wait_head;
	if (next) {
		s->wait_head = next->next;
		if (!s->wait_head)
			s->wait_tail = NULL;
		next->next = NULL;
		s->active = next;
		d->nwaiting--;
		return next;
	}
	*sp = s->next;
	free(s);
	d->nslots--;
	return NULL;
}

struct job *dispatch_take_waiting(struct dispatch *d, int partition)
{
	struct job *out = NULL, **tail = &out;
	size_t i;

	for (i = 0; i < d->nbuckets; i++) {
		struct slot *s;

		for (s = d->buckets[i]; s; s = s->next) {
			struct job **jp = &s->wait_head, *j;

			s->wait_tail = NULL;
			while (*jp) {
				j = *jp;
				if (partition >= 0 &&
				    j->partition != partition) {
					s->wait_tail = j;
					jp = &j->next;
					continue;
				}
				*jp = j->next;
				j->next = NULL;
				*tail = j;
				tail = &j->next;
				d->nwaiting--;
			}
		}
	}
	return out;
}

size_t dispatch_waiting(const struct dispatch *d)
{
	return d->nwaiting;
}

size_t dispatch_active(const struct dispatch *d)
{
	return d->nslots;
}
