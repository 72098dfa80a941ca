/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_listcache.c - the list cache: when a region is due, pages gathered
 * into one listing, replacement only when the last page is in, and what a
 * failure keeps.
 *
 * Time is passed in, so every step of a refresh is checked at exact
 * instants.
 */
#include "listcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listpage.h"
#include "tap.h"

/* Feeds @body as the page of @region; returns listcache_page()'s value. */
static int feed(struct listcache *lc, const char *region, const char *body,
		int64_t now, bool *more, char **token)
{
	struct listpage p;
	int ret;

	memset(&p, 0, sizeof(p));
	ret = listpage_parse(body, strlen(body), &p);
	if (ret)
		return ret;
	*token = NULL;
	ret = listcache_page(lc, region, NULL, &p, now, more, token);
	listpage_done(&p);
	return ret;
}

/* An empty last page of us-east-1 for @account. */
static void lc_page_as(struct listcache *lc, const char *account)
{
	struct listpage p;
	char *token = NULL;
	bool more = true;

	memset(&p, 0, sizeof(p));
	is_int(listcache_page(lc, "us-east-1", account, &p, 6000, &more,
			      &token), 0, "the role account's page");
	ok(!more && !token, "its last");
	listpage_done(&p);
}

static void test_regions(void)
{
	struct listcache *lc;

	ok(listcache_new("", 300) == NULL, "no region: no cache");
	ok(listcache_new(NULL, 300) == NULL, "NULL: no cache");
	lc = listcache_new("us-east-1, eu-west-2 us-east-1", 300);
	ok(lc != NULL, "two regions");
	is_int(listcache_regions(lc), 2, "a repeat counts once");
	is_str(listcache_region(lc, 0), "us-east-1", "first region");
	is_str(listcache_region(lc, 1), "eu-west-2", "second region");
	ok(listcache_region(lc, 2) == NULL, "past the end");
	ok(!listcache_ready(lc), "not ready before any listing");
	listcache_free(lc);
	listcache_free(NULL);
}

static void test_listing(void)
{
	struct listcache *lc = listcache_new("us-east-1 eu-west-2", 10);
	char *token = NULL;
	bool more = false;

	is_str(listcache_due(lc, 0, NULL), "us-east-1", "first due: us-east-1");
	is_str(listcache_due(lc, 0, NULL), "eu-west-2", "then eu-west-2");
	ok(listcache_due(lc, 0, NULL) == NULL, "both being listed: none due");
	is_int(feed(lc, "us-east-1", "{\"OptOutLists\":[{\"OptOutListName\":"
		    "\"a\"}],\"NextToken\":\"1\"}", 100, &more, &token), 0,
	       "page 1 of us-east-1");
	ok(more, "more to come");
	is_str(token, "1", "with its token");
	free(token);
	is_int(listcache_count(lc, 0), 0, "half a listing is not visible");
	is_int(feed(lc, "us-east-1", "{\"OptOutLists\":[{\"OptOutListName\":"
		    "\"b\",\"OptOutListArn\":\"arn:aws:sms-voice:us-east-1:1:"
		    "opt-out-list/b\"}]}", 200, &more, &token), 0,
	       "page 2 of us-east-1");
	ok(!more && !token, "last page");
	is_int(listcache_count(lc, 0), 2, "both pages' lists");
	is_str(listcache_name(lc, 0, 0), "a", "first list");
	ok(listcache_arn(lc, 0, 0) == NULL, "no ARN given");
	is_str(listcache_name(lc, 0, 1), "b", "second list");
	is_str(listcache_arn(lc, 0, 1), "arn:aws:sms-voice:us-east-1:1:"
					 "opt-out-list/b", "its ARN");
	ok(listcache_name(lc, 0, 2) == NULL, "past the end");
	ok(!listcache_ready(lc), "eu-west-2 not yet listed");

	listcache_failed(lc, "eu-west-2", NULL, 300, NULL);
	ok(listcache_due(lc, 300 + LISTCACHE_RETRY_MS - 1, NULL) == NULL,
	   "a failed region waits LISTCACHE_RETRY_MS");
	is_str(listcache_due(lc, 300 + LISTCACHE_RETRY_MS, NULL), "eu-west-2",
	       "then it is due again");
	is_int(feed(lc, "eu-west-2", "{\"OptOutLists\":[]}", 6000, &more,
		    &token), 0, "an empty region");
	ok(listcache_ready(lc), "ready once both are listed");
	is_int(listcache_count(lc, 1), 0, "no list there");
	is_int(feed(lc, "eu-west-2", "{}", 6000, &more, &token), -ENOENT,
	       "a page nobody asked for: refused");

	ok(listcache_due(lc, 10199, NULL) == NULL, "us-east-1 fresh until 10.2 s");
	is_str(listcache_due(lc, 10200, NULL), "us-east-1", "due after the ttl");
	listcache_failed(lc, "us-east-1", NULL, 10300, NULL);
	is_int(listcache_count(lc, 0), 2, "a failed refresh keeps the lists");
	ok(listcache_due(lc, 10300, NULL) == NULL,
	   "and is not tried again at once");
	is_str(listcache_due(lc, 10300 + LISTCACHE_RETRY_MS, NULL), "us-east-1",
	       "but LISTCACHE_RETRY_MS later");
	is_int(feed(lc, "us-east-1", "{\"OptOutLists\":[{\"OptOutListName\":"
		    "\"a\"},{\"OptOutListName\":\"b\"},{\"OptOutListName\":"
		    "\"new\"}]}", 15400, &more, &token), 0, "the refresh");
	is_int(listcache_count(lc, 0), 3, "a list created meanwhile is found");
	is_str(listcache_name(lc, 0, 2), "new", "by its name");
	listcache_free(lc);
}

/* A role account's slots: listed apart, failures kept until a listing. */
static void test_accounts(void)
{
	struct listcache *lc = listcache_new("us-east-1 eu-west-2", 10);
	const char *acct = NULL;
	char *token = NULL;
	bool more = false;

	is_int(listcache_add_account(lc, "210987654321"), 0, "an account");
	is_int(listcache_add_account(lc, "210987654321"), 0, "again: once");
	is_int(listcache_add_account(lc, ""), -EINVAL, "\"\" is the chain's");
	is_int(listcache_regions(lc), 4, "two regions times two accounts");
	is_str(listcache_account(lc, 0), "", "the chain's own first");
	is_str(listcache_account(lc, 2), "210987654321", "then the role's");
	is_str(listcache_region(lc, 3), "eu-west-2", "in each region");
	is_str(listcache_due(lc, 0, &acct), "us-east-1", "due: us-east-1");
	is_str(acct, "", "for the chain");
	listcache_due(lc, 0, &acct);
	is_str(listcache_due(lc, 0, &acct), "us-east-1", "us-east-1 again");
	is_str(acct, "210987654321", "for the role's account");
	listcache_due(lc, 0, &acct);
	ok(!listcache_settled(lc), "nothing settled yet");
	is_int(feed(lc, "us-east-1", "{\"OptOutLists\":[{\"OptOutListName\":"
		    "\"a\"}]}", 1, &more, &token), 0, "the chain's page");
	is_int(listcache_count(lc, 2), 0, "not the role account's lists");
	is_int(listcache_count(lc, 0), 1, "the chain's");
	listcache_failed(lc, "us-east-1", "210987654321", 2,
			 "AccessDeniedException: no");
	listcache_failed(lc, "eu-west-2", NULL, 2, NULL);
	is_str(listcache_fault(lc, 2), "AccessDeniedException: no",
	       "a slot never listed keeps its fault");
	is_str(listcache_fault(lc, 1), "ListingFailed", "the default fault");
	ok(listcache_fault(lc, 0) == NULL, "a listed slot has none");
	ok(!listcache_settled(lc), "eu-west-2 of the role: still under way");
	listcache_failed(lc, "eu-west-2", "210987654321", 3, "x");
	ok(listcache_settled(lc), "settled: each listed or failed");
	ok(!listcache_ready(lc), "but not ready");
	ok(!listcache_listed(lc, 2) && listcache_listed(lc, 0), "listed flags");
	is_str(listcache_due(lc, 2 + LISTCACHE_RETRY_MS, &acct), "eu-west-2",
	       "a failed slot is due again (the chain's eu-west-2)");
	is_str(listcache_due(lc, 2 + LISTCACHE_RETRY_MS, &acct), "us-east-1",
	       "and the role's us-east-1");
	is_str(acct, "210987654321", "the role's");
	is_int(feed(lc, "us-east-1", "{\"OptOutLists\":[]}", 6000, &more,
		    &token), -ENOENT, "a page of the wrong account: refused");
	lc_page_as(lc, "210987654321");
	ok(listcache_fault(lc, 2) == NULL, "a listing clears the fault");
	listcache_free(lc);
}

int main(void)
{
	test_regions();
	test_listing();
	test_accounts();
	return tap_done();
}
