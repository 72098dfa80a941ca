/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_outcome.c - the outcome JSON.
 *
 * Every produced text is parsed back with cJSON and checked member by
 * member, including the order of the keys; integers and copied numbers are
 * also checked in the raw text, since a parser reading them back as
 * doubles would hide a lossy or exponent form.
 */
#include "outcome.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "request.h"
#include "tap.h"

#define ARN "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/marketing"
#define T_2026 1795687200123LL /* 2026-11-26T10:00:00.123Z */

/* A plain outcome for the given kind; tests change what they look at. */
static struct outcome base(enum outcome_kind kind)
{
	struct outcome o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.request_id = "erasure-2026-0001";
	o.list = "marketing";
	o.number = "+14155550100";
	if (kind != OUTCOME_DELETED) {
		o.error_code = "SomeCode";
		o.error_message = "some message";
	}
	o.attempts = 1;
	o.aws_request_id = "5f0c1a2b-aws";
	o.topic = "optout-deletions";
	o.partition = 3;
	o.offset = 1187;
	o.completed_at_ms = T_2026;
	return o;
}

/* "a,b,c" of the member names of @obj in order. */
static void key_order(const cJSON *obj, char *buf, size_t len)
{
	const cJSON *item;
	size_t at = 0;
	int n;

	buf[0] = '\0';
	for (item = obj ? obj->child : NULL; item; item = item->next) {
		n = snprintf(buf + at, len - at, "%s%s", at ? "," : "",
			     item->string ? item->string : "?");
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
}

static const char *str_member(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int is_null_member(const cJSON *obj, const char *name)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static double num_member(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNumber(item) ? item->valuedouble : -12345.0;
}

static void test_deleted(void)
{
	static const char *resp_text =
		"{\"OptOutListArn\": \"" ARN "\", "
		"\"OptOutListName\": \"marketing-resp\", "
		"\"OptedOutNumber\": \"+14155550199\", "
		"\"OptedOutTimestamp\": 1764115200.0, "
		"\"EndUserOptedOut\": true}";
	struct outcome o = base(OUTCOME_DELETED);
	cJSON *resp, *json;
	const cJSON *src;
	char order[512];
	char *text;

	resp = cJSON_Parse(resp_text);
	o.response = resp;
	text = outcome_to_json(&o);
	ok(text != NULL, "deleted: produced");
	json = cJSON_Parse(text ? text : "");
	ok(cJSON_IsObject(json), "deleted: parses back as an object");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,OptOutListArn,"
	       "OptedOutTimestamp,EndUserOptedOut,Attempts,AwsRequestId,Source,"
	       "CompletedAt",
	       "deleted: key order");
	is_str(str_member(json, "RequestId"), "erasure-2026-0001",
	       "deleted: RequestId");
	is_str(str_member(json, "Outcome"), "deleted", "deleted: Outcome");
	is_str(str_member(json, "OptOutListName"), "marketing-resp",
	       "deleted: OptOutListName from the response");
	is_str(str_member(json, "OptedOutNumber"), "+14155550199",
	       "deleted: OptedOutNumber from the response");
	is_str(str_member(json, "OptOutListArn"), ARN,
	       "deleted: OptOutListArn");
	ok(num_member(json, "OptedOutTimestamp") == 1764115200.0,
	   "deleted: OptedOutTimestamp");
	ok(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json,
							 "EndUserOptedOut")),
	   "deleted: EndUserOptedOut");
	ok(!cJSON_GetObjectItemCaseSensitive(json, "Error"),
	   "deleted: no Error");
	ok(num_member(json, "Attempts") == 1.0, "deleted: Attempts");
	is_str(str_member(json, "AwsRequestId"), "5f0c1a2b-aws",
	       "deleted: AwsRequestId");
	src = cJSON_GetObjectItemCaseSensitive(json, "Source");
	key_order(src, order, sizeof(order));
	is_str(order, "Topic,Partition,Offset", "deleted: Source key order");
	is_str(str_member(src, "Topic"), "optout-deletions",
	       "deleted: Source.Topic");
	ok(num_member(src, "Partition") == 3.0, "deleted: Source.Partition");
	ok(num_member(src, "Offset") == 1187.0, "deleted: Source.Offset");
	is_str(str_member(json, "CompletedAt"), "2026-11-26T10:00:00.123Z",
	       "deleted: CompletedAt");
	ok(text && strstr(text, "\"OptedOutTimestamp\":1764115200,"),
	   "deleted: timestamp printed as the integer it is");
	ok(text && strstr(text, "\"Source\":{\"Topic\":\"optout-deletions\","
				"\"Partition\":3,\"Offset\":1187}"),
	   "deleted: Source printed exactly");
	ok(text && !strchr(text, '\n') && !strstr(text, "\": "),
	   "deleted: unformatted");
	is_str(str_member(resp, "OptOutListName"), "marketing-resp",
	       "deleted: response left untouched");
	cJSON_Delete(json);
	free(text);
	cJSON_Delete(resp);
}

/* Response members that would clash with ours are skipped; repeats keep
 * the first; nested values are copied whole. */
static void test_deleted_clashes(void)
{
	static const char *resp_text =
		"{\"RequestId\": \"evil\", \"Outcome\": \"x\", \"Error\": {}, "
		"\"OptOutListArn\": \"first\", \"Attempts\": 9, "
		"\"AwsRequestId\": \"z\", \"Source\": 1, "
		"\"CompletedAt\": \"t\", "
		"\"OptOutListName\": null, \"OptedOutNumber\": 5, "
		"\"Extra\": [1, {\"a\": 2.5, \"b\": [null, false, \"s\"]}], "
		"\"OptOutListArn\": \"second\", \"Nested\": {\"Outcome\": 1}}";
	struct outcome o = base(OUTCOME_DELETED);
	cJSON *resp, *json;
	const cJSON *extra, *nested;
	char order[512];
	char *text, *etext;

	resp = cJSON_Parse(resp_text);
	o.response = resp;
	o.error_code = "Ignored"; /* no Error on deleted, even if set */
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,OptOutListArn,"
	       "Extra,Nested,Attempts,AwsRequestId,Source,CompletedAt",
	       "clashes: key order");
	is_str(str_member(json, "RequestId"), "erasure-2026-0001",
	       "clashes: RequestId is ours");
	is_str(str_member(json, "Outcome"), "deleted",
	       "clashes: Outcome is ours");
	is_str(str_member(json, "OptOutListName"), "marketing",
	       "clashes: a null list name does not replace ours");
	is_str(str_member(json, "OptedOutNumber"), "+14155550100",
	       "clashes: a non-string number does not replace ours");
	is_str(str_member(json, "OptOutListArn"), "first",
	       "clashes: first of a repeated member");
	ok(num_member(json, "Attempts") == 1.0, "clashes: Attempts is ours");
	is_str(str_member(json, "AwsRequestId"), "5f0c1a2b-aws",
	       "clashes: AwsRequestId is ours");
	ok(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(json, "Source")),
	   "clashes: Source is ours");
	is_str(str_member(json, "CompletedAt"), "2026-11-26T10:00:00.123Z",
	       "clashes: CompletedAt is ours");
	extra = cJSON_GetObjectItemCaseSensitive(json, "Extra");
	etext = cJSON_PrintUnformatted(extra);
	is_str(etext, "[1,{\"a\":2.5,\"b\":[null,false,\"s\"]}]",
	       "clashes: nested value copied whole");
	free(etext);
	nested = cJSON_GetObjectItemCaseSensitive(json, "Nested");
	ok(num_member(nested, "Outcome") == 1.0,
	   "clashes: names are only reserved at the top level");
	cJSON_Delete(json);
	free(text);
	cJSON_Delete(resp);

	/* no response at all */
	o = base(OUTCOME_DELETED);
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,Attempts,"
	       "AwsRequestId,Source,CompletedAt",
	       "deleted without response: key order");
	cJSON_Delete(json);
	free(text);

	/* a response that is not an object is ignored */
	resp = cJSON_Parse("[1, 2]");
	o.response = resp;
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,Attempts,"
	       "AwsRequestId,Source,CompletedAt",
	       "deleted with an array response: key order");
	cJSON_Delete(json);
	free(text);
	cJSON_Delete(resp);
}

struct number_case {
	const char *in;   /* as the API wrote it */
	const char *want; /* as we write it */
};

/* Numbers from the response keep their value exactly, in the shortest
 * form, with no exponent where cJSON's printer would put one. */
static void test_response_numbers(void)
{
	static const struct number_case rows[] = {
		{"1764115200.0", "1764115200"},
		{"1764115200", "1764115200"},
		{"1764115200.5", "1764115200.5"},
		{"1764115200.123", "1764115200.123"},
		{"1764115200.123456", "1764115200.123456"},
		{"1764115200.0000002", "1764115200.0000002"},
		{"9007199254740991", "9007199254740991"},
		{"-0.5", "-0.5"},
		{"0", "0"},
		{"0.1", "0.1"},
		{"1e300", "1e+300"},
		{"2147483648", "2147483648"},
		{"1e999", "null"},
	};
	char resp_text[128], want[128];
	struct outcome o;
	cJSON *resp;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(resp_text, sizeof(resp_text),
			 "{\"OptedOutTimestamp\": %s}", rows[i].in);
		resp = cJSON_Parse(resp_text);
		o = base(OUTCOME_DELETED);
		o.response = resp;
		text = outcome_to_json(&o);
		snprintf(want, sizeof(want), "\"OptedOutTimestamp\":%s,",
			 rows[i].want);
		ok(text && strstr(text, want), "number %s printed as %s",
		   rows[i].in, rows[i].want);
		if (text && !strstr(text, want))
			tap_diag("got %s", text);
		free(text);
		cJSON_Delete(resp);
	}
}

static void test_error(void)
{
	struct outcome o = base(OUTCOME_CONFLICT);
	const cJSON *err;
	cJSON *json;
	char order[512];
	char *text;

	o.error_code = "ConflictException";
	o.error_message = "deleted less than 30 days ago";
	o.error_reason = "DESTINATION_PHONE_NUMBER_OPTED_OUT";
	o.error_resource_type = "opted-out-number";
	o.error_resource_id = "+14155550100";
	o.attempts = 2;
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,Error,Attempts,"
	       "AwsRequestId,Source,CompletedAt",
	       "conflict: key order");
	is_str(str_member(json, "Outcome"), "conflict", "conflict: Outcome");
	err = cJSON_GetObjectItemCaseSensitive(json, "Error");
	key_order(err, order, sizeof(order));
	is_str(order, "Code,Message,Reason,ResourceType,ResourceId",
	       "conflict: Error key order");
	is_str(str_member(err, "Code"), "ConflictException",
	       "conflict: Error.Code");
	is_str(str_member(err, "Message"), "deleted less than 30 days ago",
	       "conflict: Error.Message");
	is_str(str_member(err, "Reason"), "DESTINATION_PHONE_NUMBER_OPTED_OUT",
	       "conflict: Error.Reason");
	is_str(str_member(err, "ResourceType"), "opted-out-number",
	       "conflict: Error.ResourceType");
	is_str(str_member(err, "ResourceId"), "+14155550100",
	       "conflict: Error.ResourceId");
	ok(num_member(json, "Attempts") == 2.0, "conflict: Attempts");
	cJSON_Delete(json);
	free(text);

	/* only what was given */
	o = base(OUTCOME_FAILED);
	o.error_code = "ThrottlingException";
	o.error_message = NULL;
	o.error_resource_id = "only-id";
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	err = cJSON_GetObjectItemCaseSensitive(json, "Error");
	key_order(err, order, sizeof(order));
	is_str(order, "Code,Message,ResourceId",
	       "failed: Error has Code, Message and what was given");
	ok(is_null_member(err, "Message"), "failed: NULL message is null");
	is_str(str_member(err, "ResourceId"), "only-id",
	       "failed: Error.ResourceId");
	cJSON_Delete(json);
	free(text);
}

/* A request rejected before any API call: most things are unknown. */
static void test_rejected_locally(void)
{
	struct outcome o = base(OUTCOME_REJECTED);
	const cJSON *src;
	cJSON *json;
	char order[512];
	char *text;

	o.request_id = NULL;
	o.list = NULL;
	o.number = NULL;
	o.error_code = "MalformedRequest";
	o.error_message = "not valid JSON: unexpected character at byte 0";
	o.attempts = 0;
	o.aws_request_id = NULL;
	o.topic = "requests";
	o.partition = 0;
	o.offset = 0;
	o.completed_at_ms = 0;
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,Error,Attempts,"
	       "AwsRequestId,Source,CompletedAt",
	       "rejected: key order");
	ok(is_null_member(json, "RequestId"), "rejected: RequestId null");
	ok(is_null_member(json, "OptOutListName"),
	   "rejected: OptOutListName null");
	ok(is_null_member(json, "OptedOutNumber"),
	   "rejected: OptedOutNumber null");
	ok(is_null_member(json, "AwsRequestId"), "rejected: AwsRequestId null");
	is_str(str_member(json, "Outcome"), "rejected", "rejected: Outcome");
	is_str(str_member(cJSON_GetObjectItemCaseSensitive(json, "Error"),
			  "Code"),
	       "MalformedRequest", "rejected: Error.Code");
	ok(text && strstr(text, "\"Attempts\":0,"), "rejected: Attempts 0");
	src = cJSON_GetObjectItemCaseSensitive(json, "Source");
	is_str(str_member(src, "Topic"), "requests", "rejected: Source.Topic");
	ok(text && strstr(text, "\"Partition\":0,\"Offset\":0}"),
	   "rejected: Source partition and offset 0");
	is_str(str_member(json, "CompletedAt"), "1970-01-01T00:00:00.000Z",
	       "rejected: CompletedAt at the epoch");
	cJSON_Delete(json);
	free(text);
}

/* Strings that need escaping survive the round trip. */
static void test_strings(void)
{
	static const char *const ids[] = {
		"quote \" backslash \\ slash /",
		"newline \n tab \t cr \r bell \x07",
		"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac",
		"",
		"{\"RequestId\": \"nested json text\"}",
	};
	struct outcome o;
	cJSON *json;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		o = base(OUTCOME_DENIED);
		o.request_id = ids[i];
		o.error_message = ids[i];
		text = outcome_to_json(&o);
		json = cJSON_Parse(text ? text : "");
		is_str(str_member(json, "RequestId"), ids[i],
		       "string %zu: RequestId round trip", i);
		is_str(str_member(cJSON_GetObjectItemCaseSensitive(json,
								   "Error"),
				  "Message"),
		       ids[i], "string %zu: Error.Message round trip", i);
		ok(text && !strchr(text, '\n') && !strchr(text, '\t'),
		   "string %zu: control characters escaped", i);
		cJSON_Delete(json);
		free(text);
	}
}

/* Every byte value is written as cJSON writes it in a string (the form
 * outcomes had when cJSON printed them), and a response with nested values
 * is written as cJSON would print the same tree, so readers see the same
 * text as before. */
static void test_same_text_as_cjson(void)
{
	static const char *const resp =
		"{\"OptOutListArn\":\"arn:x\",\"Nested\":{\"a\":[1,\"two\","
		"true,false,null,{}],\"b\":[]},\"Flag\":true,\"Nothing\":null}";
	static const char *const nested =
		"\"Nested\":{\"a\":[1,\"two\",true,false,null,{}],\"b\":[]},"
		"\"Flag\":true,\"Nothing\":null,";
	char id[4], want[64];
	struct outcome o;
	cJSON *str, *json;
	char *text, *ctext, *cstr;
	const char *got;
	int c, bad = 0;

	for (c = 1; c < 256; c++) {
		id[0] = 'x';
		id[1] = (char)c;
		id[2] = 'y';
		id[3] = '\0';
		o = base(OUTCOME_DELETED);
		o.request_id = id;
		text = outcome_to_json(&o);
		str = cJSON_CreateString(id);
		cstr = str ? cJSON_PrintUnformatted(str) : NULL;
		snprintf(want, sizeof(want), "{\"RequestId\":%s,",
			 cstr ? cstr : "?");
		if (!text || strncmp(text, want, strlen(want))) {
			tap_diag("byte 0x%02x: %s", c, text ? text : "(null)");
			bad++;
		}
		free(cstr);
		cJSON_Delete(str);
		free(text);
	}
	is_int(bad, 0, "bytes 0x01-0xff: escaped as cJSON escapes them");

	o = base(OUTCOME_DELETED);
	o.response = cJSON_Parse(resp);
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	ctext = json ? cJSON_PrintUnformatted(json) : NULL;
	is_str(text, ctext, "nested response: the text cJSON prints");
	got = text ? strstr(text, "\"Nested\":") : NULL;
	ok(got && !strncmp(got, nested, strlen(nested)),
	   "nested response: members and values in order");
	free(ctext);
	cJSON_Delete(json);
	free(text);
	cJSON_Delete((cJSON *)o.response);
}

struct int_case {
	int32_t partition;
	int64_t offset;
	int attempts;
	const char *want;
};

/* Integers are written exactly, never as doubles. */
static void test_integers(void)
{
	static const struct int_case rows[] = {
		{0, 0, 0, "\"Attempts\":0,\"AwsRequestId\":\"5f0c1a2b-aws\","
			  "\"Source\":{\"Topic\":\"optout-deletions\","
			  "\"Partition\":0,\"Offset\":0}"},
		{3, 1187, 1, "\"Attempts\":1,\"AwsRequestId\":\"5f0c1a2b-aws\","
			     "\"Source\":{\"Topic\":\"optout-deletions\","
			     "\"Partition\":3,\"Offset\":1187}"},
		{7, 2147483648LL, 12,
		 "\"Attempts\":12,\"AwsRequestId\":\"5f0c1a2b-aws\","
		 "\"Source\":{\"Topic\":\"optout-deletions\","
		 "\"Partition\":7,\"Offset\":2147483648}"},
		{2147483647, 9007199254740991LL, 2147483647,
		 "\"Attempts\":2147483647,\"AwsRequestId\":\"5f0c1a2b-aws\","
		 "\"Source\":{\"Topic\":\"optout-deletions\","
		 "\"Partition\":2147483647,\"Offset\":9007199254740991}"},
		{1, 9007199254740993LL, 3,
		 "\"Attempts\":3,\"AwsRequestId\":\"5f0c1a2b-aws\","
		 "\"Source\":{\"Topic\":\"optout-deletions\","
		 "\"Partition\":1,\"Offset\":9007199254740993}"},
		{1, INT64_MAX, 3,
		 "\"Attempts\":3,\"AwsRequestId\":\"5f0c1a2b-aws\","
		 "\"Source\":{\"Topic\":\"optout-deletions\","
		 "\"Partition\":1,\"Offset\":9223372036854775807}"},
		{-1, -1001, 0,
		 "\"Attempts\":0,\"AwsRequestId\":\"5f0c1a2b-aws\","
		 "\"Source\":{\"Topic\":\"optout-deletions\","
		 "\"Partition\":-1,\"Offset\":-1001}"},
	};
	struct outcome o;
	cJSON *json;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = base(OUTCOME_DELETED);
		o.partition = rows[i].partition;
		o.offset = rows[i].offset;
		o.attempts = rows[i].attempts;
		text = outcome_to_json(&o);
		ok(text && strstr(text, rows[i].want),
		   "integers %zu: offset %" PRId64 " written exactly", i,
		   rows[i].offset);
		if (text && !strstr(text, rows[i].want))
			tap_diag("got %s", text);
		json = cJSON_Parse(text ? text : "");
		ok(cJSON_IsObject(json), "integers %zu: parses back", i);
		cJSON_Delete(json);
		free(text);
	}

	/* a NULL topic is null */
	o = base(OUTCOME_DELETED);
	o.topic = NULL;
	text = outcome_to_json(&o);
	ok(text && strstr(text, "\"Source\":{\"Topic\":null,"),
	   "NULL topic written as null");
	free(text);
}

struct time_case {
	int64_t ms;
	const char *want; /* NULL: no outcome */
};

static void test_times(void)
{
	static const struct time_case rows[] = {
		{0, "1970-01-01T00:00:00.000Z"},
		{1, "1970-01-01T00:00:00.001Z"},
		{999, "1970-01-01T00:00:00.999Z"},
		{1000, "1970-01-01T00:00:01.000Z"},
		{T_2026, "2026-11-26T10:00:00.123Z"},
		{1795687200000LL, "2026-11-26T10:00:00.000Z"},
		{1735689599999LL, "2024-12-31T23:59:59.999Z"},
		{1735689600000LL, "2025-01-01T00:00:00.000Z"},
		{1709208000500LL, "2024-02-29T12:00:00.500Z"},
		{946684800000LL, "2000-01-01T00:00:00.000Z"},
		{946684799999LL, "1999-12-31T23:59:59.999Z"},
		{2147483648000LL, "2038-01-19T03:14:08.000Z"},
		{-1, "1969-12-31T23:59:59.999Z"},
		{-1000, "1969-12-31T23:59:59.000Z"},
		{-1001, "1969-12-31T23:59:58.999Z"},
		{-2208988800000LL, "1900-01-01T00:00:00.000Z"},
		{253402300799999LL, "9999-12-31T23:59:59.999Z"},
		{253402300800000LL, NULL},
		{-62167219200000LL, "0000-01-01T00:00:00.000Z"},
		{-62167219200001LL, NULL},
		{INT64_MAX, NULL},
		{INT64_MIN, NULL},
	};
	struct outcome o;
	cJSON *json;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = base(OUTCOME_NOT_FOUND);
		o.completed_at_ms = rows[i].ms;
		text = outcome_to_json(&o);
		if (!rows[i].want) {
			ok(text == NULL, "time %" PRId64 ": refused",
			   rows[i].ms);
			free(text);
			continue;
		}
		json = cJSON_Parse(text ? text : "");
		is_str(str_member(json, "CompletedAt"), rows[i].want,
		       "time %" PRId64, rows[i].ms);
		cJSON_Delete(json);
		free(text);
	}
	{
		char stamp[25];

		is_int(outcome_format_ms(T_2026, stamp, sizeof(stamp)), 0,
		       "time: 25 bytes are enough");
		is_str(stamp, "2026-11-26T10:00:00.123Z", "time: in 25 bytes");
		is_int(outcome_format_ms(T_2026, stamp, sizeof(stamp) - 1),
		       -ERANGE, "time: 24 bytes are refused, not cut");
	}
}

static void test_kinds(void)
{
	static const char *const names[OUTCOME__COUNT] = {
		"deleted", "not_found", "conflict",
		"rejected", "denied", "failed",
	};
	struct outcome o;
	cJSON *json;
	char *text;
	int k;

	for (k = 0; k < OUTCOME__COUNT; k++) {
		is_str(outcome_name((enum outcome_kind)k), names[k],
		       "outcome_name(%d)", k);
		o = base((enum outcome_kind)k);
		text = outcome_to_json(&o);
		json = cJSON_Parse(text ? text : "");
		is_str(str_member(json, "Outcome"), names[k],
		       "Outcome member of kind %d", k);
		is_int(cJSON_GetObjectItemCaseSensitive(json, "Error") != NULL,
		       k != OUTCOME_DELETED, "Error member of kind %d", k);
		cJSON_Delete(json);
		free(text);
	}
	is_str(outcome_name(OUTCOME__COUNT), NULL, "outcome_name(COUNT)");
	is_str(outcome_name((enum outcome_kind)-1), NULL, "outcome_name(-1)");
	is_str(outcome_name((enum outcome_kind)100), NULL, "outcome_name(100)");
}

/* A key too long to copy: "KeyTruncated" and "KeyLength" after Source,
 * and the stand-in key itself. */
static void test_key_truncated(void)
{
	static const char want_key[] =
		"0123456789012345678901234567890123456789012345678901234567890"
		"123#sha256:295cbb667c2d2380418d4c7576c666c4f1690de2a2433f0e30"
		"1bd5923377f8ed";
	struct outcome o = base(OUTCOME_REJECTED);
	char key[200], stand_in[OUTCOME_KEY_BOUND + 1];
	char order[512];
	cJSON *json;
	char *text;
	int i;

	o.key_truncated = true;
	o.key_length = 1040000;
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	key_order(json, order, sizeof(order));
	is_str(order,
	       "RequestId,Outcome,OptOutListName,OptedOutNumber,Error,"
	       "Attempts,AwsRequestId,Source,KeyTruncated,KeyLength,"
	       "CompletedAt",
	       "key truncated: key order");
	ok(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json,
							 "KeyTruncated")),
	   "key truncated: KeyTruncated true");
	ok(text && strstr(text, "\"KeyLength\":1040000,"),
	   "key truncated: KeyLength as an integer");
	cJSON_Delete(json);
	free(text);

	for (i = 0; i < 200; i++)
		key[i] = (char)('0' + i % 10);
	memset(stand_in, 0, sizeof(stand_in));
	is_int(outcome_bound_key(key, sizeof(key), stand_in), 0,
	       "stand-in key: made");
	is_str(stand_in, want_key, "stand-in key: prefix and SHA-256");
	is_int((int)strlen(want_key), OUTCOME_KEY_BOUND,
	       "stand-in key: OUTCOME_KEY_BOUND bytes");
	is_int(outcome_bound_key(key, OUTCOME_KEY_BOUND, stand_in), -EINVAL,
	       "stand-in key: a key that short needs none");
	is_int(outcome_bound_key(NULL, 500, stand_in), -EINVAL,
	       "stand-in key: NULL key refused");
}

/* However many members a response has, at most OUTCOME_RESPONSE_MAX are
 * copied (a check of the bound, not of the time). */
static void test_response_cap(void)
{
	struct outcome o = base(OUTCOME_DELETED);
	cJSON *resp = cJSON_CreateObject(), *json;
	const cJSON *item;
	char name[16];
	char *text;
	int i, n = 0;

	for (i = 0; i < 100000 && resp; i++) {
		snprintf(name, sizeof(name), "m%05x", i);
		cJSON_AddNumberToObject(resp, name, i);
	}
	o.response = resp;
	text = outcome_to_json(&o);
	json = cJSON_Parse(text ? text : "");
	for (item = json ? json->child : NULL; item; item = item->next)
		n += item->string && item->string[0] == 'm';
	is_int(n, OUTCOME_RESPONSE_MAX, "100000 response members: %d copied",
	       OUTCOME_RESPONSE_MAX);
	ok(text && strlen(text) < 2048, "100000 response members: %zu bytes",
	   text ? strlen(text) : 0);
	cJSON_Delete(json);
	free(text);
	cJSON_Delete(resp);
}

/* Appends @text to @buf, bounded. */
static void append(char *buf, size_t len, const char *text)
{
	size_t at = strlen(buf);

	snprintf(buf + at, len - at, "%s", text);
}

/* Appends @n copies of the JSON escape "\u0001" to @buf. */
static void add_controls(char *buf, size_t len, int n)
{
	size_t at = strlen(buf);
	int i;

	for (i = 0; i < n && at + 7 < len; i++, at += 6)
		memcpy(buf + at, "\\u0001", 7);
}

/* The longest outcome a validated request and a parsed answer can make:
 * every copied text at its limit and of characters that escape to six
 * bytes each.  It must stay within OUTCOME_MAX_BYTES, which the producer
 * sizes everything else around. */
static void test_worst_case(void)
{
	static char req_text[4096], body[65536], ok_body[32768], rid[301];
	static const char *const members[] = {"Reason", "ResourceType",
					      "ResourceId"};
	struct request req;
	struct api_result res;
	struct api_http http;
	struct outcome o;
	char list[REQUEST_LIST_MAX + 1], topic[250];
	char *text;
	size_t i;

	memset(list, 'L', REQUEST_LIST_MAX);
	list[REQUEST_LIST_MAX] = '\0';
	memset(topic, 't', sizeof(topic) - 1);
	topic[sizeof(topic) - 1] = '\0';
	snprintf(req_text, sizeof(req_text), "{\"RequestId\": \"");
	add_controls(req_text, sizeof(req_text), REQUEST_ID_MAX);
	snprintf(req_text + strlen(req_text), sizeof(req_text) - strlen(req_text),
		 "\", \"OptOutListName\": \"%s\", \"OptedOutNumber\": "
		 "\"+1234567890123456789\"}",
		 list);
	memset(&req, 0, sizeof(req));
	is_int(request_parse(&req, req_text, strlen(req_text), 65536), 0,
	       "worst case: the longest request is valid");

	/* An error answer: every text member far over its limit. */
	snprintf(body, sizeof(body), "{\"__type\": \"");
	for (i = 0; i < 300; i++)
		append(body, sizeof(body), "\\\"");
	append(body, sizeof(body), "\", \"message\": \"");
	add_controls(body, sizeof(body), 1100);
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		snprintf(body + strlen(body), sizeof(body) - strlen(body),
			 "\", \"%s\": \"", members[i]);
		add_controls(body, sizeof(body), 1100);
	}
	append(body, sizeof(body), "\"}");
	memset(&http, 0, sizeof(http));
	http.status = 400;
	memset(rid, '"', sizeof(rid) - 1);
	http.request_id = rid;
	http.body = body;
	http.body_len = strlen(body);
	is_int(api_parse_response(&http, &res), 0, "worst case: error parsed");
	memset(&o, 0, sizeof(o));
	o.kind = res.outcome;
	o.request_id = req.request_id;
	o.list = req.list;
	o.number = req.number;
	o.error_code = res.error_code;
	o.error_message = res.error_message;
	o.error_reason = res.error_reason;
	o.error_resource_type = res.error_resource_type;
	o.error_resource_id = res.error_resource_id;
	o.aws_request_id = res.aws_request_id;
	o.attempts = 2147483647;
	o.topic = topic;
	o.partition = 2147483647;
	o.offset = INT64_MAX;
	o.completed_at_ms = 253402300799999LL;
	o.key_truncated = true;
	o.key_length = (size_t)INT64_MAX;
	text = outcome_to_json(&o);
	ok(text && strlen(text) <= OUTCOME_MAX_BYTES,
	   "worst case error outcome: %zu bytes, at most %d",
	   text ? strlen(text) : 0, OUTCOME_MAX_BYTES);
	free(text);
	api_result_done(&res);

	/* A success: every copied string at its limit. */
	snprintf(ok_body, sizeof(ok_body), "{");
	for (i = 0; i < 3; i++) {
		static const char *const names[] = {
			"OptOutListArn", "OptOutListName", "OptedOutNumber"};

		snprintf(ok_body + strlen(ok_body),
			 sizeof(ok_body) - strlen(ok_body), "\"%s\": \"",
			 names[i]);
		add_controls(ok_body, sizeof(ok_body), 1024);
		append(ok_body, sizeof(ok_body), "\", ");
	}
	append(ok_body, sizeof(ok_body),
	       "\"OptedOutTimestamp\": -1.7976931348623157e308, "
	       "\"EndUserOptedOut\": false}");
	http.status = 200;
	http.body = ok_body;
	http.body_len = strlen(ok_body);
	is_int(api_parse_response(&http, &res), 0, "worst case: success parsed");
	o.kind = res.outcome;
	o.response = res.response;
	o.aws_request_id = res.aws_request_id;
	text = outcome_to_json(&o);
	ok(text && strlen(text) <= OUTCOME_MAX_BYTES,
	   "worst case deleted outcome: %zu bytes, at most %d",
	   text ? strlen(text) : 0, OUTCOME_MAX_BYTES);
	free(text);
	api_result_done(&res);
	request_done(&req);
}

static void test_inconsistent(void)
{
	struct outcome o;
	char *text;
	int k;

	for (k = 1; k < OUTCOME__COUNT; k++) {
		o = base((enum outcome_kind)k);
		o.error_code = NULL;
		text = outcome_to_json(&o);
		ok(text == NULL, "kind %d without an error code: refused", k);
		free(text);
	}
	o = base(OUTCOME_DELETED);
	o.kind = OUTCOME__COUNT;
	o.error_code = "X";
	text = outcome_to_json(&o);
	ok(text == NULL, "out-of-range kind: refused");
	free(text);
	ok(outcome_to_json(NULL) == NULL, "NULL outcome: refused");
}

int main(void)
{
	test_deleted();
	test_deleted_clashes();
	test_response_numbers();
	test_error();
	test_rejected_locally();
	test_strings();
	test_same_text_as_cjson();
	test_integers();
	test_times();
	test_kinds();
	test_inconsistent();
	test_key_truncated();
	test_response_cap();
	test_worst_case();
	return tap_done();
}
