/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.h - per-key ordering: requests with the same key (the phone
 * number, whatever list they name) are never in flight together, and go in
 * the order they were admitted (offset order within a partition).
 *
 * A key has at most one job "active" (with the sender); later jobs with that
 * key wait in a FIFO owned by the dispatcher until the active one is
 * released.  @locality main thread only.
 */
#ifndef OPTOUT_DISPATCH_H
#define OPTOUT_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

struct job;

struct dispatch;

struct dispatch *dispatch_new(void);

/* Frees the table; waiting jobs must have been taken first. */
void dispatch_free(struct dispatch *d);

/*
 * Admits @job (its order_key set).  Returns 1 when the job may be sent now
 * (the caller keeps it), 0 when it was queued behind an active job with the
 * same key (the dispatcher now holds it), -ENOMEM.
 */
int dispatch_admit(struct dispatch *d, struct job *job);

/*
 * The active job with @job's key finished.  Returns the next waiting job for
 * that key, now active and handed back to the caller, or NULL.
 */
struct job *dispatch_release(struct dispatch *d, struct job *job);

/* Removes every waiting job (not the active ones) and returns them linked
 * through ->next; used to give work back on shutdown or revocation.  When
 * @partition >= 0 only that partition's jobs are taken. */
struct job *dispatch_take_waiting(struct dispatch *d, int partition);

/* Jobs waiting behind an active one. */
size_t dispatch_waiting(const struct dispatch *d);

/* Keys with an active job. */
size_t dispatch_active(const struct dispatch *d);

#endif
