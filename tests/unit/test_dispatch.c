/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dispatch.c - same key never active twice, FIFO per key, other keys
 * independent, give-back of waiting jobs.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "job.h"
#include "tap.h"

/* Jobs are made by hand: dispatch reads only these fields, and this test
 * links the pure library alone (job.c frees Kafka headers). */
static struct job *mk(const char *key, int partition, int64_t offset)
{
	struct job *j = calloc(1, sizeof(*j));

	j->partition = partition;
	j->offset = offset;
	j->order_key = strdup(key);
	return j;
}

static void job_done(struct job *j)
{
	if (!j)
		return;
	free(j->order_key);
	free(j);
}

static void test_order(void)
{
	struct dispatch *d = dispatch_new();
	struct job *a1 = mk("l\n1", 0, 1), *a2 = mk("l\n1", 0, 2),
		   *a3 = mk("l\n1", 1, 3), *b1 = mk("l\n2", 0, 4),
		   *c1 = mk("m\n1", 0, 5);

	is_int(dispatch_admit(d, a1), 1, "first of key a goes");
	is_int(dispatch_admit(d, a2), 0, "second of key a waits");
	is_int(dispatch_admit(d, b1), 1, "other number goes");
	is_int(dispatch_admit(d, c1), 1, "same number, other list goes");
	is_int(dispatch_admit(d, a3), 0, "third of key a waits");
	is_int(dispatch_waiting(d), 2, "two waiting");
	is_int(dispatch_active(d), 3, "three keys active");
	ok(dispatch_release(d, b1) == NULL, "b has no follower");
	ok(dispatch_release(d, a1) == a2, "a2 follows a1");
	ok(dispatch_release(d, a2) == a3, "a3 follows a2 (FIFO)");
	ok(dispatch_release(d, a3) == NULL, "a done");
	ok(dispatch_release(d, c1) == NULL, "c done");
	is_int(dispatch_active(d), 0, "nothing active");
	is_int(dispatch_waiting(d), 0, "nothing waiting");
	is_int(dispatch_admit(d, a1), 1, "key a free again");
	ok(dispatch_release(d, a1) == NULL, "released");
	job_done(a1);
	job_done(a2);
	job_done(a3);
	job_done(b1);
	job_done(c1);
	dispatch_free(d);
}

static void test_take_waiting(void)
{
	struct dispatch *d = dispatch_new();
	struct job *a1 = mk("k", 0, 1), *a2 = mk("k", 1, 2), *a3 = mk("k", 0, 3),
		   *a4 = mk("k", 1, 4), *list, *j;
	int n = 0;

	dispatch_admit(d, a1);
	dispatch_admit(d, a2);
	dispatch_admit(d, a3);
	dispatch_admit(d, a4);
	list = dispatch_take_waiting(d, 1);
	ok(list == a2 && a2->next == a4 && a4->next == NULL,
	   "partition 1's waiting jobs taken in order");
	is_int(dispatch_waiting(d), 1, "partition 0's waiting job stays");
	ok(dispatch_release(d, a1) == a3, "a3 still follows a1");
	ok(dispatch_release(d, a3) == NULL, "then nothing");
	for (j = list; j; j = j->next)
		n++;
	is_int(n, 2, "two given back");
	job_done(a1);
	job_done(a2);
	job_done(a3);
	job_done(a4);
	dispatch_free(d);
}

/* Many keys force the table to grow while jobs are active and waiting. */
static void test_many(void)
{
	enum { N = 5000 };
	struct dispatch *d = dispatch_new();
	struct job **first = calloc(N, sizeof(*first)),
		   **second = calloc(N, sizeof(*second));
	char key[32];
	int i, admitted = 0, waited = 0, follow = 0;

	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "list\n%d", i);
		first[i] = mk(key, 0, 2 * i);
		second[i] = mk(key, 0, 2 * i + 1);
		admitted += dispatch_admit(d, first[i]) == 1;
		waited += dispatch_admit(d, second[i]) == 0;
	}
	is_int(admitted, N, "every first job admitted");
	is_int(waited, N, "every second job waits");
	for (i = 0; i < N; i++)
		follow += dispatch_release(d, first[i]) == second[i];
	is_int(follow, N, "every second job follows its first after growth");
	for (i = 0; i < N; i++) {
		dispatch_release(d, second[i]);
		job_done(first[i]);
		job_done(second[i]);
	}
	is_int(dispatch_active(d), 0, "table empty at the end");
	free(first);
	free(second);
	dispatch_free(d);
}

int main(void)
{
	test_order();
	test_take_waiting();
	test_many();
	return tap_done();
}
