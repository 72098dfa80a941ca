/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_listpage.c - libFuzzer target for listpage.c: a DescribeOptOutLists
 * answer (the input, as the body) and the next page's request body.
 *
 * Checked on every input: the parser answers 0, -EBADMSG or -ENOMEM; a
 * page it takes has every list name valid as a request's OptOutListName
 * (request_valid_list(), the rule an outcome entry needs), an ARN of
 * printable ASCII within LISTPAGE_ARN_MAX or none, a token within
 * LISTPAGE_TOKEN_MAX or none, and exactly as many lists as the answer's
 * OptOutLists array holds (a page is never read in part).  The names and
 * ARNs kept are the answer's own strings, as cJSON reads them.  The token
 * kept goes back out through listpage_build_body(), whose output must be a
 * JSON object that holds it unchanged and MaxResults.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "listpage.h"
#include "request.h"

#define T "fuzz_listpage"

static void check_body(const char *token)
{
	const cJSON *tok, *max;
	char *body = listpage_build_body(token);
	cJSON *root;

	if (!body)
		fuzz_fail(T, "no request body");
	root = cJSON_Parse(body);
	if (!cJSON_IsObject(root))
		fuzz_fail(T, "request body is not a JSON object");
	max = cJSON_GetObjectItemCaseSensitive(root, "MaxResults");
	if (!cJSON_IsNumber(max) || max->valuedouble != LISTPAGE_MAX_RESULTS)
		fuzz_fail(T, "request body without MaxResults");
	tok = cJSON_GetObjectItemCaseSensitive(root, "NextToken");
	if (token ? !cJSON_IsString(tok) || strcmp(tok->valuestring, token)
		  : tok != NULL)
		fuzz_fail(T, "request body does not carry the token as given");
	if (!fuzz_utf8_ok((const unsigned char *)body, strlen(body)) &&
	    (!token ||
	     fuzz_utf8_ok((const unsigned char *)token, strlen(token))))
		fuzz_fail(T, "request body is not UTF-8");
	cJSON_Delete(root);
	free(body);
}

/* The answer's own OptOutLists, parsed independently of listpage.c. */
static void check_against_json(const struct listpage *page,
			       const uint8_t *data, size_t size)
{
	cJSON *root = cJSON_ParseWithLength((const char *)data, size);
	const cJSON *lists, *item, *name, *arn;
	size_t i = 0;

	if (!cJSON_IsObject(root))
		fuzz_fail(T, "a page taken from an answer that is no object");
	lists = cJSON_GetObjectItemCaseSensitive(root, "OptOutLists");
	if ((size_t)cJSON_GetArraySize(lists) != page->n)
		fuzz_fail(T, "page read in part");
	cJSON_ArrayForEach(item, lists) {
		name = cJSON_GetObjectItemCaseSensitive(item, "OptOutListName");
		arn = cJSON_GetObjectItemCaseSensitive(item, "OptOutListArn");
		if (!cJSON_IsString(name) ||
		    strcmp(name->valuestring, page->lists[i].name))
			fuzz_fail(T, "list name is not the answer's");
		if (arn ? !page->lists[i].arn ||
			      strcmp(arn->valuestring, page->lists[i].arn)
			: page->lists[i].arn != NULL)
			fuzz_fail(T, "list ARN is not the answer's");
		i++;
	}
	cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listpage page = {NULL, 0, NULL};
	size_t i;
	int r;

	r = listpage_parse((const char *)data, size, &page);
	if (r == -EBADMSG || r == -ENOMEM) {
		if (page.lists || page.n || page.next_token)
			fuzz_fail(T, "a refused page left something behind");
		check_body(NULL);
		return 0;
	}
	if (r != 0)
		fuzz_fail(T, "unexpected return");
	for (i = 0; i < page.n; i++) {
		if (!page.lists[i].name ||
		    !request_valid_list(page.lists[i].name))
			fuzz_fail(T, "list name a request could not name");
		if (page.lists[i].arn &&
		    (!page.lists[i].arn[0] ||
		     strlen(page.lists[i].arn) > LISTPAGE_ARN_MAX ||
		     !fuzz_printable(page.lists[i].arn, 0)))
			fuzz_fail(T, "bad ARN kept");
	}
	if (page.next_token && (!page.next_token[0] ||
				strlen(page.next_token) > LISTPAGE_TOKEN_MAX))
		fuzz_fail(T, "bad token kept");
	check_against_json(&page, data, size);
	check_body(page.next_token);
	listpage_done(&page);
	return 0;
}
