/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_job.c - a request key too long to copy is replaced by its stand-in,
 * and its length is remembered for the outcome and the dead-letter copy;
 * a list of jobs is freed whole (the sanitizer and valgrind builds see a
 * leak otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "outcome.h"
#include "tap.h"

static void test_bound_key(void)
{
	size_t len = 1040000;
	char *key = malloc(len), want[OUTCOME_KEY_BOUND];
	struct job *job;

	if (!key) {
		ok(0, "out of memory");
		return;
	}
	memset(key, 'k', len);
	key[0] = 'K';

	job = job_new(3, 17, key, len);
	is_int(job_bound_key(job, len), 0, "a key of the limit: kept");
	ok(job->rec_key_len == len && job->key_length == 0,
	   "a key of the limit: unchanged, no length noted");
	is_int(job_bound_key(job, len - 1), 0, "a key over the limit: done");
	outcome_bound_key(key, len, want);
	ok(job->rec_key_len == OUTCOME_KEY_BOUND &&
		   memcmp(job->rec_key, want, OUTCOME_KEY_BOUND) == 0,
	   "a key over the limit: replaced by its stand-in");
	is_int((int)job->key_length, (int)len,
	       "a key over the limit: original length kept");
	is_int(job_bound_key(job, 10), 0, "bounding again: nothing to do");
	is_int((int)job->key_length, (int)len, "bounding again: length kept");
	job_free(job);

	job = job_new(0, 0, key, 100);
	is_int(job_bound_key(job, 10), 0, "a key shorter than a stand-in");
	ok(job->rec_key_len == 100 && job->key_length == 0,
	   "a key shorter than a stand-in: kept whatever the limit");
	job_free(job);

	job = job_new(0, 0, NULL, 0);
	is_int(job_bound_key(job, 0), 0, "no key: nothing to do");
	ok(job->rec_key == NULL && job->key_length == 0, "no key: still none");
	job_free(job);
	free(key);
}

static void test_free_list(void)
{
	struct job *list = NULL, *job;
	int i;

	for (i = 0; i < 3; i++) {
		job = job_new(i, i, "k", 1);
		if (!job)
			break;
		job->next = list;
		list = job;
	}
	ok(i == 3, "a list of 3 jobs");
	job_free_list(list);
	job_free_list(NULL);
	ok(1, "freed, and NULL is fine");
}

int main(void)
{
	test_bound_key();
	test_free_list();
	return tap_done();
}
