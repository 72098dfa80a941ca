/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender.h - the signer/sender worker pool.
 *
 * N worker threads take jobs from one queue; each signs (SigV4) and sends
 * the DeleteOptedOutNumber call with its own libcurl handle (persistent
 * connections), classifies the answer, and retries throttling, transient and
 * authentication faults with capped exponential backoff and full jitter,
 * re-signing every attempt, until the answer is final or retry.max_seconds
 * have passed.  Calls per region are paced by one token bucket shared by
 * all workers (aws.rate_limit).
 *
 * Jobs are handed over: sender_submit() gives the job to the pool; a finished
 * job is put on the done list and the main loop is woken by one byte written
 * to @wake_fd; sender_take_done() hands the jobs back.  Workers never touch
 * consumer or offset state.
 *
 * @locality sender_new/submit/take_done/stop/free: main thread only.
 */
#ifndef OPTOUT_SENDER_H
#define OPTOUT_SENDER_H

#include <stddef.h>

struct config;
struct credentials;
struct job;
struct sender;

/*
 * Starts cfg->sender_workers threads.  @cfg and @cred must outlive the
 * sender.  Returns NULL with a message in @errbuf on failure.
 */
struct sender *sender_new(const struct config *cfg,
			  const struct credentials *cred, int wake_fd,
			  char *errbuf, size_t errlen);

/* Hands @job (region, request set) to the pool. */
void sender_submit(struct sender *s, struct job *job);

/* Takes every finished job, linked through ->next in completion order;
 * NULL when none.  A job with given_back set has no outcome. */
struct job *sender_take_done(struct sender *s);

/* Jobs handed to the pool and not yet taken back. */
size_t sender_inflight(const struct sender *s);

/*
 * Starts shutdown: queued jobs and jobs waiting for a retry or a rate-limit
 * token are given back (done with given_back set); calls already on the wire
 * finish.  Returns at once.
 */
void sender_stop(struct sender *s);

/* Stops (if not yet), joins the workers and frees the pool, including any
 * job not taken back. */
void sender_free(struct sender *s);

/* The endpoint URL for @region: aws.endpoint with "{region}" replaced, or
 * https://sms-voice.REGION.amazonaws.com/.  Returns 0 or -ENOSPC. */
int sender_endpoint_url(const char *endpoint, const char *region, char *buf,
			size_t len);

#endif
