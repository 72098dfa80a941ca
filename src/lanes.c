/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lanes.c - the sender pool's per-health-key queues (see lanes.h).
 *
 * A linear scan finds a key's lane: there are a handful of keys (the
 * regions in traffic, and the role accounts in them), and a pass of the
 * pool looks at each lane's head anyway.  Lanes are never removed while
 * the pool lives, so a lane pointer stays valid under the caller's lock.
 */
#include "lanes.h"

#include <stdio.h>
#include <string.h>

#include "job.h"

struct lane *lanes_get(struct lanes *ls, const char *key)
{
	struct lane *l;
	int i;

	for (i = 0; i < ls->n; i++)
		if (strcmp(ls->l[i].key, key) == 0)
			return &ls->l[i];
	if (ls->n == LANES_MAX)
		return &ls->l[LANES_MAX - 1]; /* shared */
	l = &ls->l[ls->n++];
	snprintf(l->key, sizeof(l->key), "%s", key);
	jobq_init(&l->q);
	return l;
}

struct job *lanes_extract(struct lanes *ls,
			  bool (*take)(const struct job *job, void *opaque),
			  void *opaque)
{
	struct job *list = NULL, *got, *last;
	int i;

	for (i = 0; i < ls->n; i++) {
		got = jobq_extract(&ls->l[i].q, take, opaque);
		if (!got)
			continue;
		for (last = got; last->next; last = last->next)
			;
		last->next = list;
		list = got;
	}
	return list;
}

static bool is_held_probe(const struct job *job, void *opaque)
{
	(void)opaque;
	return job->held_probe;
}

int lanes_release_probes(struct lanes *ls)
{
	struct job *job, *next;
	int i, n = 0;

	for (i = 0; i < ls->n; i++) {
		for (job = jobq_extract(&ls->l[i].q, is_held_probe, NULL); job;
		     job = next) {
			next = job->next;
			job->held_probe = false;
			job->queue_key_ms = job->consumed_ms;
			/* The heap keeps its size: room for what left it. */
			if (jobq_push(&ls->l[i].q, job) == 0)
				n++;
		}
	}
	return n;
}

struct job *lanes_drain(struct lanes *ls)
{
	struct job *job;
	int i;

	for (i = 0; i < ls->n; i++) {
		job = jobq_pop(&ls->l[i].q);
		if (job)
			return job;
	}
	return NULL;
}

void lanes_done(struct lanes *ls)
{
	int i;

	for (i = 0; i < ls->n; i++)
		jobq_done(&ls->l[i].q);
	ls->n = 0;
}
