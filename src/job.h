/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job.h - one request record on its way from the consumer to its outcome.
 *
 * A job belongs to exactly one thread at a time: the main loop creates it
 * from a record, hands it to the sender (sender_submit), gets it back
 * completed (sender_take_done), hands its outcome to the producer and frees
 * it when the delivery report arrives.  Queueing it hands it over; nobody
 * else touches it meanwhile.
 */
#ifndef OPTOUT_JOB_H
#define OPTOUT_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "api.h"
#include "breaker.h"
#include "fanout.h"
#include "request.h"

#define JOB_SEND_OUTCOME 1u /* the outcome, to results.topic */
#define JOB_SEND_DLQ 2u     /* the original record, to dlq.topic */
#define JOB_ACCOUNT_MAX 13  /* 12 digits and the NUL */

struct job {
	/* Identity of the request record (main thread). */
	int32_t partition;
	int64_t offset;
	char *rec_key; /* the record's key, copied; NULL when it had none */
	size_t rec_key_len;
	/* Non-zero: the key was longer than the results can carry and rec_key
	 * is its stand-in (job_bound_key()); this is its original length. */
	size_t key_length;

	int64_t consumed_ms; /* monotonic: when the record was read */
	struct request req;
	char *order_key; /* list + number: same key, never in flight together */
	char region[API_REGION_MAX];
	/* The account of an aws.role.ACCOUNT role that signs it ("": the
	 * chain's own credentials), and its health key for the breaker and
	 * the sender's queues: the region, or "region/account" for a role's
	 * account (sender_submit() fills both when empty). */
	char account[JOB_ACCOUNT_MAX];
	char health[BREAKER_KEY_MAX];

	/* Written by the sender worker that holds the job. */
	struct api_result res;
	int attempts;
	bool given_back; /* not finished (shutdown): no outcome, no commit */
	int64_t completed_at_ms;
	struct breaker_clock clock; /* its retry time and limits */
	int64_t queue_key_ms;  /* monotonic: its place in the worker's queue,
				  consumed_ms, then each retry's not-before */
	uint64_t seq;          /* submission order: ties of queue_key_ms */
	bool held_probe;       /* a probe that met the pause's fault: its
				  queue_key_ms is the probe backoff */
	void *xfer;            /* the worker's transfer while on the wire */

	/* Outcome payload kept until the delivery report (main thread). */
	char *payload;
	int produce_attempts;
	unsigned unsent;  /* JOB_SEND_* still to be produced */
	unsigned unacked; /* JOB_SEND_* not yet acknowledged */
	bool on_resend;   /* on the pipeline's resend list */
	/* The original record, for the dead-letter topic (rejected only). */
	char *dlq_value;
	size_t dlq_len;
	rd_kafka_headers_t *dlq_headers; /* the record's own headers, copied */

	struct job *next; /* queue link of whoever holds the job */

	/* Erase everywhere (erase.c, main thread).  A listing page: the
	 * action to call instead of DeleteOptedOutNumber (action_target,
	 * action_body owned).  A part: one list of an erase-everywhere
	 * request, its parent that request.  The request itself: one entry
	 * per list (owned), parts not yet back in parts_pending. */
	const char *action_target;
	char *action_body;
	struct job *parent;
	struct job_entry *entries; /* fanout.h */
	size_t nentries;
	size_t parts_pending;
	size_t part_index; /* a part: its entry in parent->entries */
	bool erase_waiting; /* "*" waiting for the lists to be known */
};

/* New zeroed job for record @partition/@offset with key (copied).
 * NULL on ENOMEM. */
struct job *job_new(int32_t partition, int64_t offset, const void *key,
		    size_t key_len);

/* When the job's key is longer than @max bytes (and than a stand-in),
 * replaces it by outcome_bound_key()'s stand-in and records the original
 * length in key_length.  Returns 0 (replaced or not), -ENOMEM or
 * -EINVAL. */
int job_bound_key(struct job *job, size_t max);

/* Keeps a copy of @rkm's value and headers, to be copied to the
 * dead-letter topic as they came.  Returns 0 or -ENOMEM. */
int job_keep_record(struct job *job, const rd_kafka_message_t *rkm);

/* Fills job->health from its region and account, first taking
 * @role_account (the aws.role account its list ARN names, or NULL) as its
 * account when it has none yet. */
void job_set_health(struct job *job, const char *role_account);

/* Frees the job and everything it owns; NULL is fine. */
void job_free(struct job *job);

/* Frees every job of @list (linked by next); NULL is fine. */
void job_free_list(struct job *list);

#endif
