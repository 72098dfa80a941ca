/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_outcome_lists.c - the erase-everywhere outcome: "Lists" and the
 * worst-of rule.
 *
 * Texts are parsed back with cJSON and checked entry by entry, member
 * order included; the worst-of table covers every pair of kinds.
 */
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tap.h"

#define ARN1 "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/marketing"
#define T_2026 1795687200123LL

static struct outcome base(const struct outcome_entry *entries, size_t n)
{
	struct outcome o;

	memset(&o, 0, sizeof(o));
	o.kind = outcome_worst(entries, n);
	o.request_id = "erasure-2026-0002";
	o.list = "*";
	o.number = "+14155550100";
	o.attempts = (int)n;
	o.aws_request_id = "last-aws";
	o.topic = "optout-deletions";
	o.partition = 0;
	o.offset = 12;
	o.completed_at_ms = T_2026;
	o.entries = entries;
	o.nentries = n;
	return o;
}

static void key_order(const cJSON *obj, char *buf, size_t len)
{
	const cJSON *item;
	size_t at = 0;

	buf[0] = '\0';
	for (item = obj ? obj->child : NULL; item && at < len; item = item->next)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
				       at ? "," : "", item->string);
}

static const char *str(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void test_worst(void)
{
	static const struct {
		enum outcome_kind a, b, want;
	} rows[] = {
		{OUTCOME_NOT_FOUND, OUTCOME_NOT_FOUND, OUTCOME_NOT_FOUND},
		{OUTCOME_NOT_FOUND, OUTCOME_DELETED, OUTCOME_DELETED},
		{OUTCOME_DELETED, OUTCOME_CONFLICT, OUTCOME_CONFLICT},
		{OUTCOME_CONFLICT, OUTCOME_DENIED, OUTCOME_DENIED},
		{OUTCOME_FAILED, OUTCOME_DENIED, OUTCOME_FAILED},
		{OUTCOME_DENIED, OUTCOME_NOT_FOUND, OUTCOME_DENIED},
		{OUTCOME_DELETED, OUTCOME_FAILED, OUTCOME_FAILED},
		{OUTCOME_REJECTED, OUTCOME_DELETED, OUTCOME_FAILED},
	};
	struct outcome_entry e[2];
	size_t i;

	memset(e, 0, sizeof(e));
	is_int(outcome_worst(e, 0), OUTCOME_NOT_FOUND, "no list: not_found");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		e[0].kind = rows[i].a;
		e[1].kind = rows[i].b;
		is_int(outcome_worst(e, 2), rows[i].want, "worst of %s, %s",
		       outcome_name(rows[i].a), outcome_name(rows[i].b));
		e[0].kind = rows[i].b;
		e[1].kind = rows[i].a;
		is_int(outcome_worst(e, 2), rows[i].want, "either order");
	}
}

static void test_lists(void)
{
	cJSON *resp = cJSON_Parse("{\"OptOutListArn\":\"" ARN1 "\","
				  "\"OptOutListName\":\"marketing\","
				  "\"OptedOutNumber\":\"+14155550100\","
				  "\"OptedOutTimestamp\":1764115200.5,"
				  "\"EndUserOptedOut\":true}");
	struct outcome_entry e[3];
	struct outcome o;
	cJSON *root, *lists, *en;
	char order[512], *text;

	memset(e, 0, sizeof(e));
	e[0] = (struct outcome_entry){.kind = OUTCOME_DELETED,
				      .list = "marketing", .region = "us-east-1",
				      .response = resp, .aws_request_id = "r1"};
	e[1] = (struct outcome_entry){
		.kind = OUTCOME_NOT_FOUND, .list = "alerts",
		.arn = "arn:aws:sms-voice:eu-west-2:123456789012:opt-out-list/alerts",
		.region = "eu-west-2", .error_code = "ResourceNotFoundException",
		.error_message = "no such number", .error_resource_type =
		"opted-out-number", .aws_request_id = "r2"};
	e[2] = (struct outcome_entry){.kind = OUTCOME_DENIED, .list = "ops",
				      .region = "eu-west-2",
				      .error_code = "AccessDeniedException",
				      .error_message = "denied"};
	o = base(e, 3);
	is_int(o.kind, OUTCOME_DENIED, "denied is the worst of the three");
	text = outcome_to_json(&o);
	root = text ? cJSON_Parse(text) : NULL;
	ok(root != NULL, "erase-everywhere outcome is JSON");
	key_order(root, order, sizeof(order));
	is_str(order, "RequestId,Outcome,OptOutListName,OptedOutNumber,Lists,"
		      "Error,Attempts,AwsRequestId,Source,CompletedAt",
	       "top-level members in order, no response members");
	is_str(str(root, "OptOutListName"), "*", "OptOutListName is *");
	is_str(str(root, "Outcome"), "denied", "top-level outcome");
	is_str(str(cJSON_GetObjectItem(root, "Error"), "Code"),
	       "AccessDeniedException", "top-level Error is the denied entry's");
	lists = cJSON_GetObjectItem(root, "Lists");
	is_int(cJSON_GetArraySize(lists), 3, "three entries");
	en = cJSON_GetArrayItem(lists, 0);
	key_order(en, order, sizeof(order));
	is_str(order, "OptOutListName,OptOutListArn,Region,Outcome,"
		      "OptedOutTimestamp,EndUserOptedOut,AwsRequestId",
	       "deleted entry: members in order");
	is_str(str(en, "OptOutListArn"), ARN1, "ARN taken from the answer");
	ok(text && strstr(text, "\"OptedOutTimestamp\":1764115200.5"),
	   "timestamp copied exactly");
	en = cJSON_GetArrayItem(lists, 1);
	key_order(en, order, sizeof(order));
	is_str(order, "OptOutListName,OptOutListArn,Region,Outcome,Error,"
		      "AwsRequestId", "not_found entry: members in order");
	key_order(cJSON_GetObjectItem(en, "Error"), order, sizeof(order));
	is_str(order, "Code,Message,ResourceType", "entry Error members");
	en = cJSON_GetArrayItem(lists, 2);
	ok(cJSON_IsNull(cJSON_GetObjectItem(en, "AwsRequestId")),
	   "no answer: AwsRequestId null");
	ok(!cJSON_GetObjectItem(en, "OptOutListArn"), "no ARN: left out");
	cJSON_Delete(root);
	free(text);

	o = base(e, 2);
	o.kind = OUTCOME_NOT_FOUND;
	text = outcome_to_json(&o);
	ok(text == NULL, "a kind that is not the worst is refused");
	free(text);
	e[1].error_code = NULL;
	o = base(e, 2);
	text = outcome_to_json(&o);
	ok(text == NULL, "an entry without an error code is refused");
	free(text);
	o = base(e, 1);
	text = outcome_to_json(&o);
	root = text ? cJSON_Parse(text) : NULL;
	is_str(str(root, "Outcome"), "deleted", "one deleted entry: deleted");
	ok(root && !cJSON_GetObjectItem(root, "Error"), "deleted: no Error");
	cJSON_Delete(root);
	free(text);
	cJSON_Delete(resp);
}

/* Every text of an entry at its bound and made of characters that escape
 * to six bytes: one entry stays within OUTCOME_ENTRY_MAX_BYTES. */
static void test_entry_worst_case(void)
{
	static char texts[5][1025], rid[257], code[129], arn[1025];
	static struct outcome_entry e[4];
	struct outcome o;
	char list[257], *text, *one;
	size_t i, len1;

	for (i = 0; i < 5; i++)
		memset(texts[i], 1, 1024);
	memset(rid, 1, 256);
	memset(code, 1, 128);
	memset(arn, 1, 1024);
	memset(list, 'L', 256);
	list[256] = '\0';
	for (i = 0; i < 4; i++)
		e[i] = (struct outcome_entry){
			.kind = OUTCOME_FAILED, .list = list, .arn = arn,
			.region = "ap-southeast-7-long-region-name",
			.error_code = code, .error_message = texts[0],
			.error_reason = texts[1],
			.error_resource_type = texts[2],
			.error_resource_id = texts[3], .aws_request_id = rid};
	o = base(e, 1);
	o.request_id = texts[4];
	one = outcome_to_json(&o);
	len1 = one ? strlen(one) : 0;
	ok(one && len1 <= outcome_max_bytes(1), "one entry: %zu <= %zu", len1,
	   outcome_max_bytes(1));
	o = base(e, 4);
	o.request_id = texts[4];
	text = outcome_to_json(&o);
	ok(text && strlen(text) <= outcome_max_bytes(4),
	   "four entries: %zu <= %zu", text ? strlen(text) : 0,
	   outcome_max_bytes(4));
	ok(text && one && strlen(text) - len1 <= 3 * OUTCOME_ENTRY_MAX_BYTES,
	   "each entry adds at most OUTCOME_ENTRY_MAX_BYTES");
	free(text);
	free(one);
}

int main(void)
{
	test_worst();
	test_lists();
	test_entry_worst_case();
	return tap_done();
}
