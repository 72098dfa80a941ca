/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_listpage.c - DescribeOptOutLists pages: the body we send and the
 * answers we read.
 *
 * The answers are the API's shapes (as tests/tools/endpoint.py writes
 * them, checked there against botocore); the refusals are one rule each.
 */
#include "listpage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define ARN(n) "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/" n

static int parse(const char *body, struct listpage *page)
{
	memset(page, 0, sizeof(*page));
	return listpage_parse(body, strlen(body), page);
}

static void test_body(void)
{
	char *b;

	b = listpage_build_body(NULL);
	is_str(b, "{\"MaxResults\":100}", "first page: MaxResults only");
	free(b);
	b = listpage_build_body("2\"\\x");
	is_str(b, "{\"MaxResults\":100,\"NextToken\":\"2\\\"\\\\x\"}",
	       "later page: NextToken escaped");
	free(b);
}

static void test_pages(void)
{
	struct listpage p;
	int ret;

	ret = parse("{\"OptOutLists\":[{\"OptOutListArn\":\"" ARN("alerts")
		    "\",\"OptOutListName\":\"alerts\",\"CreatedTimestamp\":"
		    "1764115200.0},{\"OptOutListName\":\"marketing\"}],"
		    "\"NextToken\":\"2\"}", &p);
	is_int(ret, 0, "a page with two lists");
	is_int(p.n, 2, "two lists");
	is_str(p.lists[0].name, "alerts", "first name");
	is_str(p.lists[0].arn, ARN("alerts"), "first ARN");
	is_str(p.lists[1].name, "marketing", "second name");
	ok(p.lists[1].arn == NULL, "no ARN: NULL");
	is_str(p.next_token, "2", "NextToken kept");
	listpage_done(&p);
	ok(p.n == 0 && !p.lists && !p.next_token, "done empties the page");

	is_int(parse("{\"OptOutLists\":[]}", &p), 0, "empty page");
	ok(p.n == 0 && !p.next_token, "empty page: nothing, last");
	listpage_done(&p);
	is_int(parse("{}", &p), 0, "no OptOutLists: an empty page");
	listpage_done(&p);
	is_int(parse("{\"OptOutLists\":[],\"NextToken\":null}", &p), 0,
	       "null NextToken: last page");
	ok(!p.next_token, "null NextToken: none");
	listpage_done(&p);
	listpage_done(NULL);
}

static void test_refused(void)
{
	static const char *const bodies[] = {
		"",
		"[]",
		"not json",
		"{\"OptOutLists\":{}}",
		"{\"OptOutLists\":[1]}",
		"{\"OptOutLists\":[{}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":5}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":\"\"}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":\"has space\"}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":\"*\"}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":\"a\","
		"\"OptOutListArn\":7}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":\"a\","
		"\"OptOutListArn\":\"arn with space\"}]}",
		"{\"OptOutLists\":[{\"OptOutListName\":\"ok\"},"
		"{\"OptOutListName\":\"bad name\"}]}",
		"{\"OptOutLists\":[],\"NextToken\":3}",
		"{\"OptOutLists\":[],\"NextToken\":\"\"}",
	};
	struct listpage p;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		is_int(parse(bodies[i], &p), -EBADMSG, "refused: %s",
		       bodies[i]);
		ok(p.n == 0 && !p.lists && !p.next_token,
		   "refused: nothing handed back");
	}
	big = malloc(LISTPAGE_TOKEN_MAX + 64);
	strcpy(big, "{\"NextToken\":\"");
	memset(big + strlen(big), 'x', LISTPAGE_TOKEN_MAX + 1);
	strcpy(big + 14 + LISTPAGE_TOKEN_MAX + 1, "\"}");
	is_int(parse(big, &p), -EBADMSG, "NextToken too long: refused");
	big[14 + LISTPAGE_TOKEN_MAX] = '"';
	big[14 + LISTPAGE_TOKEN_MAX + 1] = '}';
	big[14 + LISTPAGE_TOKEN_MAX + 2] = '\0';
	is_int(parse(big, &p), 0, "NextToken at its bound: kept");
	listpage_done(&p);
	free(big);
}

int main(void)
{
	test_body();
	test_pages();
	test_refused();
	return tap_done();
}
