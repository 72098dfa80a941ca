/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender.h - the signer/sender worker pool.
 *
 * N worker threads, each driving one libcurl multi handle with many
 * concurrent transfers over persistent connections.  A worker signs (SigV4,
 * with a referenced credentials snapshot) and sends each attempt,
 * classifies the answer (api.c's table), and retries throttling, transient
 * and authentication faults under the retry policy (retry.c): capped
 * exponential backoff with full jitter, AWS's retry-after hint, per-request
 * attempt and time limits, and a retry budget shared by the whole pool.
 * Calls per region are paced by one token bucket per region shared by all
 * workers, at this instance's share of the account's quota (aws.rate_limit
 * times the fraction of the requests topic's partitions assigned to it),
 * adaptive when AWS throttles anyway.
 *
 * Systemic failures - credentials rejected, access denied for everything,
 * the endpoint unreachable, the retry budget exhausted - are not the
 * request's fault: the pool enters a "paused" state, the main loop stops
 * consuming (sender_paused), the held requests keep their retry time, and
 * one probe at a time is retried with long backoff until an answer shows the
 * fault has cleared.  Clock skew reported by AWS is corrected from the
 * response's Date header.
 *
 * Jobs are handed over: sender_submit() gives the job to a worker; a
 * finished job is put on the done list and the main loop is woken by one
 * byte written to @wake_fd; sender_take_done() hands the jobs back.  Workers
 * never touch consumer or offset state.
 *
 * @locality every function: main thread only.
 */
#ifndef OPTOUT_SENDER_H
#define OPTOUT_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct credprov;
struct job;
struct metrics;
struct sender;

/*
 * Starts the workers (cfg->sender_workers, 0 = one per CPU core).  @cfg
 * and @cred must outlive the sender.  Returns NULL with a message in
 * @errbuf on failure.
 */
struct sender *sender_new(const struct config *cfg, struct credprov *cred,
			  struct metrics *metrics, int wake_fd, char *errbuf,
			  size_t errlen);

/* Hands @job (region, request set) to the pool. */
void sender_submit(struct sender *s, struct job *job);

/* Takes every finished job, linked through ->next in completion order;
 * NULL when none.  A job with given_back set has no outcome. */
struct job *sender_take_done(struct sender *s);

/* Jobs handed to the pool and not yet taken back. */
size_t sender_inflight(const struct sender *s);

/*
 * True while a systemic failure holds the pipeline; writes why to @reason
 * (e.g. "credentials rejected: UnrecognizedClientException").  The main
 * loop is woken whenever this changes.
 */
bool sender_paused(struct sender *s, char *reason, size_t len);

/* True while the pause must stop consumption too (breaker.h: all but a
 * pause for denials, during which requests keep arriving as probes). */
bool sender_consumption_held(struct sender *s);

/*
 * Partition @partition is being revoked: its jobs that are not on the wire
 * (queued, backing off, paced, held) are given back at the workers' next
 * pass instead of being started; calls on the wire finish.  Until
 * sender_readmit() for the partition.  Partitions 0..SENDER_PARTITIONS_MAX-1
 * are tracked; others are not withdrawn (they simply finish).
 */
#define SENDER_PARTITIONS_MAX 4096
void sender_withdraw(struct sender *s, int partition);
void sender_readmit(struct sender *s, int partition);

/*
 * -1 when every worker's loop ran within the last @max_age_ms: the
 * watchdog's evidence that no sender thread is wedged.  Otherwise the
 * number of the first worker that did not (0 up to sender.workers - 1),
 * and, when @ret_age_ms is not NULL, the time since its last loop there.
 * Idle and paused workers still loop (at least once a second).
 */
int sender_stuck(struct sender *s, int64_t max_age_ms, int64_t *ret_age_ms);

/*
 * Applies what a reload may change safely: aws.rate_limit,
 * aws.rate_adaptive, the retry policy (retry.*) and the retry budget's size.
 * The values are copied: @cfg may be released afterwards.
 */
void sender_reconfigure(struct sender *s, const struct config *cfg);

/*
 * @assigned of the requests topic's @total partitions are this instance's
 * now (@total 0: not known): every region's ceiling becomes that share of
 * aws.rate_limit, the account's quota (ratelimit_share()).  The learnt
 * adaptive rate is kept, lowered to the new ceiling if above it.  Before
 * the first call: the whole quota (nothing is consumed before the first
 * assignment anyway).
 */
void sender_set_share(struct sender *s, int assigned, int total);

/* Writes the regions held by a fault of their own (breaker.h), comma
 * separated, to @buf; returns how many. */
int sender_held_regions(struct sender *s, char *buf, size_t len);

/* Calls @fn for every region the pool has paced, with its current rate
 * (calls/s, 0 = unlimited). */
void sender_foreach_region(struct sender *s,
			   void (*fn)(const char *region, double rate,
				      void *opaque),
			   void *opaque);

/* Number of worker threads. */
int sender_workers(const struct sender *s);

/*
 * Starts shutdown: jobs not on the wire (queued, waiting for a retry or a
 * rate-limit token, held by a pause) are given back (done with given_back
 * set); calls already on the wire finish.  Returns at once.
 */
void sender_stop(struct sender *s);

/* Stops (if not yet), joins the workers and frees the pool, including any
 * job not taken back. */
void sender_free(struct sender *s);

#endif
