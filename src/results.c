/* SPDX-License-Identifier: Apache-2.0 */
/*
 * results.c - a finished job in the words of the results topic and of the
 * journal.
 *
 * A request refused before any call (bad JSON, an unknown region) carries
 * its error in job->req; one that reached the API carries the answer in
 * job->res: the outcome takes its fields from the one that applies.  The
 * log record of an acknowledged outcome is the one line an operator
 * searches for a request (journalctl REQUEST_ID=...): it names the
 * partition, offset, list and attempts, and the number only masked; a
 * long digit run in the RequestId or the list's name is masked too
 * (logscrub.h), as it may be a phone number without its '+'.  The
 * sender's workers word each attempt's log record here too, so that a
 * job's journal fields are named in one place.
 *
 * Called by the main loop (pipeline.c) on the main thread, and for
 * attempts by the worker that holds the job; no state.
 */
#include "results.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "logscrub.h"
#include "util.h"

enum outcome_kind results_kind(const struct job *job)
{
	return job->req.error_code ? OUTCOME_REJECTED : job->res.outcome;
}

/* How much of an erase-everywhere outcome is written (see
 * results_payload_within()). */
enum results_detail {
	RESULTS_FULL,    /* every entry, every member */
	RESULTS_COMPACT, /* entries' Error without text, no AwsRequestId */
	RESULTS_OMIT,    /* and the not_found entries left out, counted */
};

/* An erase-everywhere request's entries in the outcome's words (borrowed
 * from @job), at @detail; malloc'd, NULL on ENOMEM.  *@ret_n: how many,
 * *@ret_omitted: not_found entries left out. */
static struct outcome_entry *entries_of(const struct job *job,
					enum results_detail detail,
					size_t *ret_n, size_t *ret_omitted)
{
	struct outcome_entry *e = calloc(job->nentries, sizeof(*e));
	const struct job_entry *je;
	size_t i, n = 0;

	*ret_omitted = 0;
	for (i = 0; e && i < job->nentries; i++) {
		je = &job->entries[i];
		if (detail == RESULTS_OMIT &&
		    je->res.outcome == OUTCOME_NOT_FOUND) {
			(*ret_omitted)++;
			continue;
		}
		e[n].kind = je->res.outcome;
		e[n].list = je->list;
		e[n].arn = je->arn;
		e[n].region = je->region;
		e[n].response = je->res.response;
		e[n].error_code = je->res.error_code;
		e[n].error_message = je->res.error_message;
		if (detail == RESULTS_FULL) {
			e[n].error_reason = je->res.error_reason;
			e[n].error_resource_type =
				je->res.error_resource_type;
			e[n].error_resource_id = je->res.error_resource_id;
			e[n].aws_request_id = je->res.aws_request_id;
		} else if (je->res.error_code) {
			e[n].error_message = "";
		}
		n++;
	}
	*ret_n = n;
	return e;
}

/* The first not_found entry of @job, or NULL. */
static const struct job_entry *first_not_found(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->nentries; i++)
		if (job->entries[i].res.outcome == OUTCOME_NOT_FOUND)
			return &job->entries[i];
	return NULL;
}

/* Fills the erase-everywhere part of @o from @job at @detail and writes
 * it. */
static char *everywhere_json(const struct job *job, struct outcome *o,
			     enum results_detail detail)
{
	const struct job_entry *nf = first_not_found(job);
	struct outcome_entry *e;
	char *text;

	e = entries_of(job, detail, &o->nentries, &o->lists_omitted);
	if (!e)
		return NULL;
	o->entries = e;
	o->everywhere = true;
	o->response = NULL;
	o->error_code = NULL; /* the worst entry's */
	o->kind = outcome_worst(e, o->nentries);
	if (!o->nentries && nf) {
		/* Every entry left out: not_found, and why. */
		o->error_code = nf->res.error_code;
		o->error_message = "";
		o->error_reason = NULL;
		o->error_resource_type = NULL;
		o->error_resource_id = NULL;
	}
	text = outcome_to_json(o);
	free(e);
	return text;
}

static char *payload_at(const struct job *job, const char *requests_topic,
			enum results_detail detail)
{
	const struct api_result *res = &job->res;
	struct outcome o = {0};

	o.kind = results_kind(job);
	o.request_id = job->req.request_id;
	o.list = job->req.list;
	o.number = job->req.number;
	if (job->req.error_code) {
		o.error_code = job->req.error_code;
		o.error_message = job->req.error_message;
	} else {
		o.response = res->response;
		o.error_code = res->error_code;
		o.error_message = res->error_message;
		o.error_reason = res->error_reason;
		o.error_resource_type = res->error_resource_type;
		o.error_resource_id = res->error_resource_id;
		o.aws_request_id = res->aws_request_id;
	}
	o.attempts = job->attempts;
	o.topic = requests_topic;
	o.partition = job->partition;
	o.offset = job->offset;
	o.completed_at_ms = job->completed_at_ms ? job->completed_at_ms
						 : util_wall_ms();
	o.key_truncated = job->key_length != 0;
	o.key_length = job->key_length;
	if (request_everywhere(&job->req) && !job->nentries &&
	    job->res.outcome == OUTCOME_NOT_FOUND) {
		o.everywhere = true; /* "Lists": [], not_found, why */
		o.response = NULL;
	} else if (job->nentries && !job->req.error_code) {
		return everywhere_json(job, &o, detail);
	}
	return outcome_to_json(&o);
}

char *results_payload(const struct job *job, const char *requests_topic)
{
	return payload_at(job, requests_topic, RESULTS_FULL);
}

char *results_payload_within(struct job *job, const char *requests_topic,
			     size_t room)
{
	enum results_detail detail = RESULTS_FULL;
	char *text;

	for (;;) {
		text = payload_at(job, requests_topic, detail);
		if (!text || !job->nentries ||
		    strlen(text) + job->rec_key_len <= room)
			return text;
		if (detail == RESULTS_OMIT)
			return text; /* the producer says why */
		free(text);
		/* Before leaving entries out: the key's stand-in. */
		if (detail == RESULTS_COMPACT && !job->key_length &&
		    job->rec_key_len > OUTCOME_KEY_BOUND &&
		    job_bound_key(job, 0) == 0 && job->key_length)
			continue;
		detail++;
	}
}

const char *results_topic_kind(unsigned what)
{
	return what == JOB_SEND_DLQ ? "dead-letter" : "results";
}

void results_log(const struct job *job, enum outcome_kind kind)
{
	char part[16], off[24], att[16], masked[LOG_MASK_MAX],
		rid[REQUEST_ID_MAX * 4 + 1], list[1024];
	const char *code = kind == OUTCOME_DELETED ? NULL
			   : job->req.error_code ? job->req.error_code
						 : job->res.error_code;
	struct log_field f[] = {
		{"REQUEST_ID", job->req.request_id ? rid : NULL},
		{"OUTCOME", outcome_name(kind)},
		{"PARTITION", part},
		{"OFFSET", off},
		{"ATTEMPTS", att},
		{"OPT_OUT_LIST", job->req.list ? list : NULL},
		{"NUMBER", job->req.number ? masked : NULL},
		{"ERROR_CODE", code},
		{"AWS_REQUEST_ID", job->res.aws_request_id},
	};

	if (!log_enabled(LOG_INFO))
		return; /* nothing formatted for a line that is dropped */
	snprintf(part, sizeof(part), "%d", (int)job->partition);
	snprintf(off, sizeof(off), "%" PRId64, job->offset);
	snprintf(att, sizeof(att), "%d", job->attempts);
	log_mask_number(job->req.number, masked, sizeof(masked));
	logscrub_digits(job->req.request_id, rid, sizeof(rid));
	logscrub_list(job->req.list, list, sizeof(list));
	log_fields(LOG_INFO, f, sizeof(f) / sizeof(f[0]),
		   "outcome %s: partition %d offset %" PRId64
		   " list %s number %s request %s attempts %d%s%s",
		   outcome_name(kind), (int)job->partition, job->offset,
		   list, masked, rid,
		   job->attempts, code ? " error " : "", code ? code : "");
}

void results_log_attempt(const struct job *job, const char *what, int prio)
{
	char masked[LOG_MASK_MAX], message[512], part[16], off[24], att[16],
		status[16], rid[REQUEST_ID_MAX * 4 + 1];
	const struct api_result *res = &job->res;
	struct log_field f[] = {
		{"REQUEST_ID", job->req.request_id ? rid : NULL},
		{"PARTITION", part},
		{"OFFSET", off},
		{"ATTEMPT", att},
		{"HTTP_STATUS", status},
		{"ERROR_CODE", res->error_code},
		{"AWS_REQUEST_ID", res->aws_request_id},
	};

	if (!log_enabled(prio))
		return;
	snprintf(part, sizeof(part), "%d", (int)job->partition);
	snprintf(off, sizeof(off), "%" PRId64, job->offset);
	snprintf(att, sizeof(att), "%d", job->attempts);
	snprintf(status, sizeof(status), "%ld", res->http_status);
	logscrub_digits(job->req.request_id, rid, sizeof(rid));
	log_fields(prio, f, sizeof(f) / sizeof(f[0]),
		   "%s: partition %d offset %" PRId64 " number %s attempt %d: "
		   "HTTP %ld %s%s%s",
		   what, (int)job->partition, job->offset,
		   log_mask_number(job->req.number, masked, sizeof(masked)),
		   job->attempts, res->http_status,
		   res->error_code ? res->error_code : "OK",
		   res->error_message ? ": " : "",
		   log_redact_number(res->error_message, job->req.number,
				     message, sizeof(message)));
}
