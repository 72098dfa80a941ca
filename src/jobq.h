/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobq.h - a sender worker's queue of jobs waiting to start an attempt,
 * served oldest first.
 *
 * A binary min-heap on (queue_key_ms, seq): a new job's key is when its
 * record was consumed, a retried job's key is the time it may try again,
 * so a retry takes its place by its not-before time and never jumps ahead
 * of older work, and a new job never overtakes an older one.  Peeking is
 * O(1), push and pop O(log n): serving the queue never walks it.
 *
 * Pure: no I/O, no threads (one worker owns each queue), no logging.
 */
#ifndef OPTOUT_JOBQ_H
#define OPTOUT_JOBQ_H

#include <stdbool.h>
#include <stddef.h>

struct job;

struct jobq {
	struct job **heap;
	size_t n, cap;
};

/* Empty queue (no allocation until the first push). */
void jobq_init(struct jobq *q);

/* Frees the heap array, not the jobs (the caller drains them first). */
void jobq_done(struct jobq *q);

/* Adds @job (ownership passes to the queue).  0 or -ENOMEM (the job stays
 * the caller's). */
int jobq_push(struct jobq *q, struct job *job);

/* The oldest job (smallest key, then seq), still queued; NULL when empty. */
struct job *jobq_peek(const struct jobq *q);

/* Removes and returns the oldest job; NULL when empty. */
struct job *jobq_pop(struct jobq *q);

size_t jobq_len(const struct jobq *q);

/*
 * Removes every job for which @take returns true and links them through
 * ->next (in no particular order) into the returned list; the rest keep
 * their order.  O(n).
 */
struct job *jobq_extract(struct jobq *q, bool (*take)(const struct job *job,
						      void *opaque),
			 void *opaque);

#endif
