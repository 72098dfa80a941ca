/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_fanout.c - the entries of an erase-everywhere request: filled from
 * a real list cache (two regions, the chain's account and a role's), a
 * list seen under two accounts once, a slot never listed as a failed "*"
 * entry naming its fault, a part's answer moved into its entry, and the
 * worst-of rule over every pair of outcomes.
 */
#include "fanout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listcache.h"
#include "listpage.h"
#include "tap.h"

#define ROLE "210987654321"
#define ARN(region, acct, name)                                                \
	"arn:aws:sms-voice:" region ":" acct ":opt-out-list/" name

/* The one and last page of @region for @account: @body. */
static void feed(struct listcache *lc, const char *region,
		 const char *account, const char *body)
{
	struct listpage p;
	char *token = NULL;
	bool more = true;

	memset(&p, 0, sizeof(p));
	is_int(listpage_parse(body, strlen(body), &p), 0, "page parses");
	is_int(listcache_page(lc, region, account, &p, 1, &more, &token), 0,
	       "page of %s/%s taken", region, account);
	listpage_done(&p);
}

static struct listcache *cache(void)
{
	struct listcache *lc = listcache_new("us-east-1 eu-west-2", 300);
	const char *acct;

	listcache_add_account(lc, ROLE);
	while (listcache_due(lc, 0, &acct))
		;
	return lc;
}

static void test_fill(void)
{
	struct listcache *lc = cache();
	struct job_entry *e = NULL;
	size_t n = 99;

	is_int(fanout_fill(lc, &e, &n), 0, "nothing listed yet: filled");
	is_int(n, 4, "one unlisted entry per (region, account)");
	is_str(e[0].list, "*", "named *");
	ok(e[0].unlisted && e[0].res.outcome == OUTCOME_FAILED,
	   "unlisted and failed");
	is_str(e[0].res.error_code, "ListingFailed", "ListingFailed");
	ok(strstr(e[0].res.error_message, "us-east-1") &&
	   strstr(e[0].res.error_message, "retry.max_seconds"),
	   "its message names the region and the wait: %s",
	   e[0].res.error_message);
	is_str(e[2].account, ROLE, "the role's slots after the chain's");
	fanout_entries_free(e, n);

	feed(lc, "us-east-1", "",
	     "{\"OptOutLists\":[{\"OptOutListName\":\"a\",\"OptOutListArn\":\""
	     ARN("us-east-1", "123456789012", "a") "\"},"
	     "{\"OptOutListName\":\"b\",\"OptOutListArn\":\""
	     ARN("us-east-1", "123456789012", "b") "\"}]}");
	feed(lc, "eu-west-2", "", "{\"OptOutLists\":[]}");
	/* The role's account: us-east-1 fails; eu-west-2 lists one list of
	 * its own and, as if the chain's account had a role too, one the
	 * chain listed already. */
	listcache_failed(lc, "us-east-1", ROLE, 2, NULL);
	feed(lc, "eu-west-2", ROLE,
	     "{\"OptOutLists\":[{\"OptOutListName\":\"a\",\"OptOutListArn\":"
	     "\"" ARN("us-east-1", "123456789012", "a") "\"},"
	     "{\"OptOutListName\":\"c\",\"OptOutListArn\":\""
	     ARN("eu-west-2", ROLE, "c") "\"}]}");
	is_int(fanout_fill(lc, &e, &n), 0, "filled");
	is_int(n, 4, "a, b, the role's us-east-1 unlisted, c: a once");
	is_str(e[0].list, "a", "a");
	is_str(e[0].account, "", "of the chain");
	is_str(e[1].list, "b", "b");
	is_str(e[2].list, "*", "the role's us-east-1: not listed");
	is_str(e[2].region, "us-east-1", "its region");
	is_str(e[2].account, ROLE, "its account");
	ok(strstr(e[2].res.error_message, "in account " ROLE) &&
	   strstr(e[2].res.error_message, "ListingFailed"),
	   "its message names the account and the fault: %s",
	   e[2].res.error_message);
	is_str(e[3].list, "c", "c");
	is_str(e[3].arn, ARN("eu-west-2", ROLE, "c"), "with its ARN");
	is_str(e[3].account, ROLE, "and its account");
	is_str(e[3].region, "eu-west-2", "and region");
	ok(!e[3].unlisted && !e[3].res.error_code, "not answered yet");
	is_int(fanout_worst(e, n), OUTCOME_FAILED,
	       "an unlisted entry makes the request failed");
	fanout_entries_free(e, n);
	fanout_entries_free(NULL, 0);
	listcache_free(lc);
}

static void test_none(void)
{
	struct listcache *lc = listcache_new("ap-south-1", 300);
	struct job_entry *e = (struct job_entry *)&lc;
	size_t n = 99;

	listcache_due(lc, 0, NULL);
	feed(lc, "ap-south-1", NULL, "{\"OptOutLists\":[]}");
	is_int(fanout_fill(lc, &e, &n), 0, "no list anywhere");
	ok(e == NULL && n == 0, "no entry");
	is_int(fanout_worst(NULL, 0), OUTCOME_NOT_FOUND, "none: not_found");
	listcache_free(lc);
}

static void test_answer(void)
{
	struct job_entry en;
	struct api_result res;

	memset(&en, 0, sizeof(en));
	memset(&res, 0, sizeof(res));
	api_result_replace(&en.res, "Old", "replaced");
	api_result_replace(&res, "ResourceNotFoundException", "not there");
	res.outcome = OUTCOME_NOT_FOUND;
	fanout_answer(&en, &res, 3);
	is_str(en.res.error_code, "ResourceNotFoundException", "moved in");
	is_int(en.res.outcome, OUTCOME_NOT_FOUND, "with its outcome");
	is_int(en.attempts, 3, "and attempts");
	ok(res.error_code == NULL && res.error_message == NULL,
	   "the part's result is emptied (owned by the entry now)");
	api_result_done(&en.res);
}

static void test_worst(void)
{
	static const enum outcome_kind order[] = {
		OUTCOME_NOT_FOUND, OUTCOME_DELETED, OUTCOME_CONFLICT,
		OUTCOME_DENIED, OUTCOME_FAILED};
	struct job_entry e[3];
	size_t i, j;

	memset(e, 0, sizeof(e));
	for (i = 0; i < 5; i++) {
		for (j = 0; j < 5; j++) {
			e[0].res.outcome = order[i];
			e[1].res.outcome = order[j];
			e[2].res.outcome = OUTCOME_NOT_FOUND;
			is_int(fanout_worst(e, 3), order[i > j ? i : j],
			       "worst of %s and %s", outcome_name(order[i]),
			       outcome_name(order[j]));
		}
	}
	e[0].res.outcome = OUTCOME_REJECTED;
	is_int(fanout_worst(e, 1), OUTCOME_FAILED, "rejected counts failed");
}

int main(void)
{
	test_fill();
	test_none();
	test_answer();
	test_worst();
	return tap_done();
}
