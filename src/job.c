/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job.c - allocation and release of jobs, bounding a record's key, and
 * keeping a rejected record for the dead-letter topic.
 *
 * The main loop makes a job from a consumed record and frees it once its
 * outcome is produced; a job carries copies, never pointers into the
 * librdkafka message, so the message can be destroyed at once.
 */
#include "job.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "outcome.h"
#include "util.h"

struct job *job_new(int32_t partition, int64_t offset, const void *key,
		    size_t key_len)
{
	struct job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->partition = partition;
	job->offset = offset;
	if (key) {
		job->rec_key = util_memdup0(key, key_len);
		if (!job->rec_key) {
			free(job);
			return NULL;
		}
		job->rec_key_len = key_len;
	}
	return job;
}

int job_bound_key(struct job *job, size_t max)
{
	char *stand_in;
	int r;

	if (!job->rec_key || job->rec_key_len <= max ||
	    job->rec_key_len <= OUTCOME_KEY_BOUND)
		return 0;
	stand_in = malloc(OUTCOME_KEY_BOUND + 1);
	if (!stand_in)
		return -ENOMEM;
	r = outcome_bound_key(job->rec_key, job->rec_key_len, stand_in);
	if (r < 0) {
		free(stand_in);
		return r;
	}
	stand_in[OUTCOME_KEY_BOUND] = '\0';
	free(job->rec_key);
	job->key_length = job->rec_key_len;
	job->rec_key = stand_in;
	job->rec_key_len = OUTCOME_KEY_BOUND;
	return 0;
}

void job_set_health(struct job *job, const char *role_account)
{
	if (!job->account[0] && role_account)
		snprintf(job->account, sizeof(job->account), "%s",
			 role_account);
	snprintf(job->health, sizeof(job->health), "%s%s%s", job->region,
		 job->account[0] ? "/" : "", job->account);
}

void job_free(struct job *job)
{
	if (!job)
		return;
	fanout_entries_free(job->entries, job->nentries);
	free(job->action_body);
	request_done(&job->req);
	api_result_done(&job->res);
	free(job->rec_key);
	free(job->order_key);
	free(job->payload);
	free(job->dlq_value);
	if (job->dlq_headers)
		rd_kafka_headers_destroy(job->dlq_headers);
	free(job);
}

void job_free_list(struct job *list)
{
	struct job *next;

	for (; list; list = next) {
		next = list->next;
		job_free(list);
	}
}

int job_keep_record(struct job *job, const rd_kafka_message_t *rkm)
{
	rd_kafka_headers_t *hdrs = NULL;

	job->dlq_value = util_memdup0(rkm->payload, rkm->payload ? rkm->len : 0);
	if (!job->dlq_value)
		return -ENOMEM;
	job->dlq_len = rkm->payload ? rkm->len : 0;
	if (rd_kafka_message_headers(rkm, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    hdrs) {
		job->dlq_headers = rd_kafka_headers_copy(hdrs);
		if (!job->dlq_headers)
			return -ENOMEM;
	}
	return 0;
}
