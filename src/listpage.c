/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listpage.c - one page of DescribeOptOutLists: the request body and the
 * answer's lists.
 *
 * The body is built with cJSON, so a NextToken, which is opaque and ours
 * only to send back, is escaped whatever it holds.  An answer is read
 * strictly: every list must have a name a request could name (the same
 * rule as request.c's), because each becomes a DeleteOptedOutNumber call
 * and an entry of an outcome that the schema checks; a page that breaks a
 * rule is refused whole rather than read in part, so erase-everywhere never
 * mistakes a partial listing for every list.  Bounds on the token and the
 * ARN keep what one answer can make us hold small.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "listpage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "request.h"

char *listpage_build_body(const char *next_token)
{
	cJSON *root;
	char *text = NULL;

	root = cJSON_CreateObject();
	if (!root)
		return NULL;
	if (!cJSON_AddNumberToObject(root, "MaxResults", LISTPAGE_MAX_RESULTS))
		goto out;
	if (next_token && !cJSON_AddStringToObject(root, "NextToken", next_token))
		goto out;
	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}

/* An ARN as the API writes one: the list-name alphabet and '.', at most
 * LISTPAGE_ARN_MAX bytes. */
static bool arn_valid(const char *s)
{
	size_t n;
	char c;

	for (n = 0; s[n]; n++) {
		c = s[n];
		if (n >= LISTPAGE_ARN_MAX)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == ':' ||
		      c == '/' || c == '-' || c == '.'))
			return false;
	}
	return n > 0;
}

/* One element of OptOutLists into @ret. */
static int take_list(const cJSON *item, struct listpage_list *ret)
{
	const cJSON *name, *arn;

	if (!cJSON_IsObject(item))
		return -EBADMSG;
	name = cJSON_GetObjectItemCaseSensitive(item, "OptOutListName");
	arn = cJSON_GetObjectItemCaseSensitive(item, "OptOutListArn");
	if (!cJSON_IsString(name) || !request_valid_list(name->valuestring))
		return -EBADMSG;
	if (arn && (!cJSON_IsString(arn) || !arn_valid(arn->valuestring)))
		return -EBADMSG;
	ret->name = strdup(name->valuestring);
	ret->arn = arn ? strdup(arn->valuestring) : NULL;
	if (!ret->name || (arn && !ret->arn)) {
		free(ret->name);
		free(ret->arn);
		return -ENOMEM;
	}
	return 0;
}

static int take_token(const cJSON *root, struct listpage *page)
{
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(root, "NextToken");
	size_t n;

	if (!tok || cJSON_IsNull(tok))
		return 0;
	if (!cJSON_IsString(tok))
		return -EBADMSG;
	n = strlen(tok->valuestring);
	if (n == 0 || n > LISTPAGE_TOKEN_MAX)
		return -EBADMSG;
	page->next_token = strdup(tok->valuestring);
	return page->next_token ? 0 : -ENOMEM;
}

int listpage_parse(const char *body, size_t len, struct listpage *ret_page)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	int ret = listpage_read(root, ret_page);

	cJSON_Delete(root);
	return ret;
}

int listpage_read(const struct cJSON *root, struct listpage *ret_page)
{
	struct listpage page = {NULL, 0, NULL};
	const cJSON *lists, *item;
	int n, ret = -EBADMSG;

	if (!cJSON_IsObject(root))
		goto out;
	lists = cJSON_GetObjectItemCaseSensitive(root, "OptOutLists");
	if (lists && !cJSON_IsArray(lists))
		goto out;
	n = lists ? cJSON_GetArraySize(lists) : 0;
	if (n > 0) {
		ret = -ENOMEM;
		page.lists = calloc((size_t)n, sizeof(*page.lists));
		if (!page.lists)
			goto out;
	}
	cJSON_ArrayForEach(item, lists) {
		ret = take_list(item, &page.lists[page.n]);
		if (ret)
			goto out;
		page.n++;
	}
	ret = take_token(root, &page);
out:
	if (ret) {
		listpage_done(&page);
		return ret;
	}
	*ret_page = page;
	return 0;
}

void listpage_done(struct listpage *page)
{
	size_t i;

	if (!page)
		return;
	for (i = 0; i < page->n; i++) {
		free(page->lists[i].name);
		free(page->lists[i].arn);
	}
	free(page->lists);
	free(page->next_token);
	page->lists = NULL;
	page->n = 0;
	page->next_token = NULL;
}
