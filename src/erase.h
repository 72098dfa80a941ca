/* SPDX-License-Identifier: Apache-2.0 */
/*
 * erase.h - erase everywhere: a "*" request fanned out to one
 * DeleteOptedOutNumber per opt-out list, and gathered back into one
 * outcome.
 *
 * The pipeline hands a "*" request here instead of to the sender
 * (erase_submit()) once it is first of its number (dispatch.c), and passes
 * every job the sender gives back through erase_done(), which keeps the
 * parts and listing pages and returns the jobs the pipeline finishes as
 * usual.  The request keeps its place in the commit order: its offset is
 * marked only when its one outcome is delivered.
 *
 * @locality every function: main thread only.
 */
#ifndef OPTOUT_ERASE_H
#define OPTOUT_ERASE_H

struct config;
struct job;
struct sender;
struct erase;

/* NULL on ENOMEM.  @cfg and @sender must outlive it. */
struct erase *erase_new(const struct config *cfg, struct sender *sender);

/* Frees the cache; jobs still held must have been taken back
 * (erase_take_waiting()). */
void erase_free(struct erase *er);

/* Takes @job, a valid "*" request: fanned out now when every region's
 * lists are known, else when they are (the first "*" starts listing). */
void erase_submit(struct erase *er, struct job *job);

/*
 * The jobs back from the sender (@list, linked through ->next, taken).
 * Keeps the listing pages and the parts of requests still waiting for
 * others; returns, linked the same way, the other jobs in their order and
 * then the "*" requests that are finished: their entries filled, and
 * res.outcome the worst of theirs (given_back when a part was).
 */
struct job *erase_sort(struct erase *er, struct job *list);

/* Starts the listings that are due (the cache's refresh).  Call now and
 * then (each turn of the main loop). */
void erase_tick(struct erase *er);

/* Takes the "*" requests still waiting for the lists, of @partition (-1:
 * all, at shutdown: then no listing starts any more), linked through
 * ->next: to be given back. */
struct job *erase_take_waiting(struct erase *er, int partition);

#endif
