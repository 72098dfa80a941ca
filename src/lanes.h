/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lanes.h - the sender pool's queues of jobs waiting to start, one per
 * health key.
 *
 * A lane is one oldest-first queue (jobq.h) of the jobs of one health key
 * (breaker.h: a region, or "region/account" for an account with its own
 * role), so that a key that is paced or held never blocks another while
 * each serves its oldest request first.  The table is fixed
 * (LANES_MAX, the breaker's own bound on keys): a key past it shares the
 * last lane rather than anything failing, as the breaker shares its last
 * record; keys are validated before they get here.  A probe that met a
 * pause's fault waits in its lane for the probe backoff; when the pause
 * ends, lanes_release_probes() gives it its place by age back, as nothing
 * is left to wait for.
 *
 * Pure: no I/O, no threads, no logging.  The caller serialises every call
 * (the sender pool calls it under its lock).
 */
#ifndef OPTOUT_LANES_H
#define OPTOUT_LANES_H

#include "breaker.h"
#include "jobq.h"

#define LANES_MAX BREAKER_REGIONS_MAX

struct lane {
	char key[BREAKER_KEY_MAX];
	struct jobq q;
};

struct lanes {
	struct lane l[LANES_MAX];
	int n; /* lanes in use: l[0..n-1] */
};

/* The lane of @key, made (empty) on first use; never NULL. */
struct lane *lanes_get(struct lanes *ls, const char *key);

/* Removes from every lane the jobs for which @take returns true and links
 * them through ->next, in no particular order; the rest keep their
 * order (jobq_extract()).  NULL when none. */
struct job *lanes_extract(struct lanes *ls,
			  bool (*take)(const struct job *job, void *opaque),
			  void *opaque);

/* A pause ended: every job queued as a probe that met its fault
 * (job->held_probe, its key the probe backoff) takes its place by age
 * again (its key: consumed_ms), in its lane.  Cannot fail (a lane's array
 * had room for them).  Returns how many. */
int lanes_release_probes(struct lanes *ls);

/* Takes the next job still queued in any lane, to be freed by the caller;
 * NULL once every lane is empty. */
struct job *lanes_drain(struct lanes *ls);

/* Frees the queues' arrays (drain the jobs first); @ls is empty after. */
void lanes_done(struct lanes *ls);

#endif
