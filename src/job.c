/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job.c - allocation and release of jobs.
 */
#include "job.h"

#include <errno.h>
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

void job_free(struct job *job)
{
	if (!job)
		return;
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
