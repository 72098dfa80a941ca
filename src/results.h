/* SPDX-License-Identifier: Apache-2.0 */
/*
 * results.h - what the results topic and the journal get for a finished
 * job: its outcome kind, the outcome JSON, and the one log record of an
 * acknowledged outcome (and of each attempt).
 *
 * The main loop (pipeline.c) produces and acknowledges; this module only
 * builds and words, so that the shape of an outcome lives in one place
 * beside outcome.c.
 *
 * @locality main thread (the job belongs to it while it is finished),
 * except results_log_attempt().
 */
#ifndef OPTOUT_RESULTS_H
#define OPTOUT_RESULTS_H

#include "outcome.h"

struct job;

/* REJECTED for a request refused before any call, else the API's. */
enum outcome_kind results_kind(const struct job *job);

/* The outcome JSON of @job (read from @requests_topic), malloc'd; NULL
 * when out of memory. */
char *results_payload(const struct job *job, const char *requests_topic);

/*
 * Like results_payload(), fitted to @room bytes of key and value (the
 * producer's room): an erase-everywhere outcome that would not fit is
 * written with its entries compact (Error Code without text, no
 * AwsRequestId), then with the record key's stand-in (job_bound_key(),
 * which may change @job's key), then without its not_found entries
 * ("ListsOmitted": how many).  Main thread.
 */
char *results_payload_within(struct job *job, const char *requests_topic,
			     size_t room);

/* "results" or "dead-letter" for JOB_SEND_OUTCOME or JOB_SEND_DLQ. */
const char *results_topic_kind(unsigned what);

/* Logs the acknowledged outcome of @job, @kind, with journal fields
 * (REQUEST_ID, OUTCOME, ...); the number masked. */
void results_log(const struct job *job, enum outcome_kind kind);

/* Logs one API attempt of @job (@what: "retrying", "giving up", ...) at
 * @prio with journal fields (REQUEST_ID, ATTEMPT, HTTP_STATUS, ...); the
 * number masked, also inside the API's message.  Any thread that holds
 * the job (the sender's workers). */
void results_log_attempt(const struct job *job, const char *what, int prio);

#endif
