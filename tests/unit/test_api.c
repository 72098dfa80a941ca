/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_api.c - request body, region of a list ARN, and the classification
 * of API answers.
 *
 * One fixture per answer shape the service (or something in front of it)
 * can send, each with the complete expected api_result; then every code of
 * the throttling, transient and auth rows, sent both as a header and as a
 * namespaced "__type"; then the request body against the exact bytes
 * botocore sends for the same inputs.
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tap.h"

#define ARN "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/marketing"
#define URL_SUFFIX \
	":http://internal.amazon.com/coral/com.amazon.coral.validate/"

/* What else a case expects: a response object kept, a foreign answer. */
enum { NO_RESPONSE = 0, RESPONSE = 1, FOREIGN_ANSWER = 2 };

struct api_case {
	const char *name;
	long status;
	const char *error_type; /* header */
	const char *request_id; /* header */
	const char *body;
	enum outcome_kind outcome;
	enum api_retry retry;
	const char *code;
	const char *message;
	const char *reason;
	const char *resource_type;
	const char *resource_id;
	const char *aws_request_id;
	int expect; /* NO_RESPONSE, RESPONSE or FOREIGN_ANSWER */
};

#define OK200 \
	"{\"OptOutListArn\": \"" ARN "\", \"OptOutListName\": \"marketing\", " \
	"\"OptedOutNumber\": \"+14155550100\", \"OptedOutTimestamp\": "      \
	"1764115200.0, \"EndUserOptedOut\": true}"

#define HTML403                                                             \
	"<html><head><title>403 Forbidden</title></head><body>\n"             \
	"<p>Request blocked by the security policy.</p></body></html>\n"

#define HTML407                                                             \
	"<html><head><title>407 Proxy Authentication Required</title></head>" \
	"<body><h1>407 Proxy Authentication Required</h1></body></html>"

#define FOREIGN(status)                                                     \
	"HTTP " #status " answered without an AWS request id (a proxy or "    \
	"firewall in the way?)"

#define HTML503                                                             \
	"<html>\r\n<head><title>503 Service Temporarily Unavailable</title>"  \
	"</head>\r\n<body>\r\n<center><h1>503 Service Temporarily "           \
	"Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"

static const struct api_case cases[] = {
	/* success and broken success */
	{"200 with response members", 200, NULL, "7f3c-req", OK200,
	 OUTCOME_DELETED, API_RETRY_NONE, NULL, NULL, NULL, NULL, NULL,
	 "7f3c-req", RESPONSE},
	{"204 with an empty object", 204, NULL, "r204", " {} \n",
	 OUTCOME_DELETED, API_RETRY_NONE, NULL, NULL, NULL, NULL, NULL, "r204",
	 RESPONSE},
	{"200 truncated body", 200, NULL, "r1", "{\"OptOutListArn\": \"arn",
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "InvalidResponse",
	 "HTTP 200 with a body that is not a JSON object", NULL, NULL, NULL,
	 "r1", NO_RESPONSE},
	{"200 empty body", 200, NULL, "r", "", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "InvalidResponse",
	 "HTTP 200 with a body that is not a JSON object", NULL, NULL, NULL,
	 "r", NO_RESPONSE},
	{"200 JSON array", 200, NULL, "r", "[{}]", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "InvalidResponse",
	 "HTTP 200 with a body that is not a JSON object", NULL, NULL, NULL,
	 "r", NO_RESPONSE},
	{"200 HTML", 200, NULL, "r", "<html>ok</html>", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "InvalidResponse",
	 "HTTP 200 with a body that is not a JSON object", NULL, NULL, NULL,
	 "r", NO_RESPONSE},
	{"200 trailing data", 200, NULL, "r", "{} {}", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "InvalidResponse",
	 "HTTP 200 with a body that is not a JSON object", NULL, NULL, NULL,
	 "r", NO_RESPONSE},
	{"200 invalid UTF-8", 200, NULL, "r", "{\"OptOutListName\": \"\xff\"}",
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "InvalidResponse",
	 "HTTP 200 with a body that is not a JSON object", NULL, NULL, NULL,
	 "r", NO_RESPONSE},

	/* where the code comes from */
	{"header-only code", 400, "ResourceNotFoundException", "r2", "",
	 OUTCOME_NOT_FOUND, API_RETRY_NONE, "ResourceNotFoundException",
	 "HTTP 400 without an error message", NULL, NULL, NULL, "r2",
	 NO_RESPONSE},
	{"__type with namespace", 400, NULL, NULL,
	 "{\"__type\": \"com.amazonaws.pinpointsmsvoicev2#ValidationException"
	 "\", \"message\": \"1 validation error detected\", \"Reason\": "
	 "\"INVALID_PARAMETER\", \"Fields\": [{\"Name\": \"OptedOutNumber\"}]}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException",
	 "1 validation error detected", "INVALID_PARAMETER", NULL, NULL, NULL,
	 NO_RESPONSE},
	{"header with URL suffix", 400, "ValidationException" URL_SUFFIX, NULL,
	 "{\"message\": \"bad number\"}", OUTCOME_REJECTED, API_RETRY_NONE,
	 "ValidationException", "bad number", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"header with namespace and URL suffix", 400,
	 "aws.protocoltests.json10#ConflictException" URL_SUFFIX, NULL, "",
	 OUTCOME_CONFLICT, API_RETRY_NONE, "ConflictException",
	 "HTTP 400 without an error message", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"'#' in the suffix does not count", 400, NULL, NULL,
	 "{\"__type\": \"ns.v1#ConflictException:http://x/doc#frag\"}",
	 OUTCOME_CONFLICT, API_RETRY_NONE, "ConflictException",
	 "{\"__type\": \"ns.v1#ConflictException:http://x/doc#frag\"}", NULL,
	 NULL, NULL, NULL, NO_RESPONSE},
	{"header wins over __type", 400, "ConflictException", NULL,
	 "{\"__type\": \"ValidationException\", \"message\": \"m\"}",
	 OUTCOME_CONFLICT, API_RETRY_NONE, "ConflictException", "m", NULL, NULL,
	 NULL, NULL, NO_RESPONSE},
	{"blank header falls back to __type", 400, "  ", NULL,
	 "{\"__type\": \"ValidationException\", \"message\": \"m\"}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException", "m", NULL,
	 NULL, NULL, NULL, NO_RESPONSE},
	{"header of only a namespace falls back", 400, "com.amazon#", NULL,
	 "{\"__type\": \"AccessDeniedException\"}", OUTCOME_DENIED,
	 API_RETRY_NONE, "AccessDeniedException",
	 "{\"__type\": \"AccessDeniedException\"}", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"header trimmed", 400, " ThrottlingException\t", NULL, "",
	 OUTCOME_FAILED, API_RETRY_THROTTLE, "ThrottlingException",
	 "HTTP 400 without an error message", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"code member", 400, NULL, NULL,
	 "{\"code\": \"ThrottlingException\", \"message\": \"Rate exceeded\"}",
	 OUTCOME_FAILED, API_RETRY_THROTTLE, "ThrottlingException",
	 "Rate exceeded", NULL, NULL, NULL, NULL, NO_RESPONSE},
	{"__type wins over code", 400, NULL, NULL,
	 "{\"code\": \"ThrottlingException\", "
	 "\"__type\": \"ConflictException\"}",
	 OUTCOME_CONFLICT, API_RETRY_NONE, "ConflictException",
	 "{\"code\": \"ThrottlingException\", "
	 "\"__type\": \"ConflictException\"}",
	 NULL, NULL, NULL, NULL, NO_RESPONSE},
	{"non-string __type ignored", 400, NULL, NULL,
	 "{\"__type\": 5, \"code\": \"ConflictException\", \"Message\": \"M\"}",
	 OUTCOME_CONFLICT, API_RETRY_NONE, "ConflictException", "M", NULL, NULL,
	 NULL, NULL, NO_RESPONSE},
	{"nested __type ignored", 400, NULL, "r",
	 "{\"error\": {\"__type\": \"ThrottlingException\"}}", OUTCOME_FAILED,
	 API_RETRY_NONE, "HTTP400",
	 "{\"error\": {\"__type\": \"ThrottlingException\"}}", NULL, NULL, NULL,
	 "r", NO_RESPONSE},
	{"code with odd bytes sanitised", 400, "Bad\x01" "Code\xc3\xa9", NULL,
	 "",
	 OUTCOME_FAILED, API_RETRY_NONE, "Bad?Code??",
	 "HTTP 400 without an error message", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},

	/* the operation's own errors */
	{"403 AccessDeniedException", 403, NULL, "r3",
	 "{\"__type\": \"AccessDeniedException\", \"Message\": \"not allowed\","
	 " \"Reason\": \"ACCOUNT_DISABLED\"}",
	 OUTCOME_DENIED, API_RETRY_NONE, "AccessDeniedException", "not allowed",
	 "ACCOUNT_DISABLED", NULL, NULL, "r3", NO_RESPONSE},
	{"409 ConflictException with resource", 409, NULL, NULL,
	 "{\"__type\": \"ConflictException\", \"message\": \"too soon\", "
	 "\"Reason\": \"DESTINATION_PHONE_NUMBER_OPTED_OUT\", "
	 "\"ResourceType\": \"opt-out-list\", \"ResourceId\": \"marketing\"}",
	 OUTCOME_CONFLICT, API_RETRY_NONE, "ConflictException", "too soon",
	 "DESTINATION_PHONE_NUMBER_OPTED_OUT", "opt-out-list", "marketing",
	 NULL, NO_RESPONSE},
	{"404 ResourceNotFoundException", 404, NULL, NULL,
	 "{\"__type\": \"ResourceNotFoundException\", \"Message\": \"gone\", "
	 "\"ResourceType\": \"opted-out-number\", \"ResourceId\": \"+1\"}",
	 OUTCOME_NOT_FOUND, API_RETRY_NONE, "ResourceNotFoundException", "gone",
	 NULL, "opted-out-number", "+1", NULL, NO_RESPONSE},
	{"message preferred over Message", 400, NULL, NULL,
	 "{\"__type\": \"ValidationException\", \"Message\": \"upper\", "
	 "\"message\": \"lower\"}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException", "lower", NULL,
	 NULL, NULL, NULL, NO_RESPONSE},
	{"non-string message skipped", 400, NULL, NULL,
	 "{\"__type\": \"ValidationException\", \"message\": 1, "
	 "\"Message\": \"text\"}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException", "text", NULL,
	 NULL, NULL, NULL, NO_RESPONSE},
	{"nested Reason ignored", 400, NULL, NULL,
	 "{\"__type\": \"ValidationException\", \"message\": \"m\", "
	 "\"Fields\": {\"Reason\": \"x\", \"ResourceId\": \"y\"}}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException", "m", NULL,
	 NULL, NULL, NULL, NO_RESPONSE},
	{"escaped message decoded", 400, NULL, NULL,
	 "{\"__type\": \"ValidationException\", \"message\": "
	 "\"caf\\u00e9 \\\"x\\\"\"}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException",
	 "caf\xc3\xa9 \"x\"", NULL, NULL, NULL, NULL, NO_RESPONSE},

	/* answers without a code (from the service: with a request id) */
	{"HTML 503", 503, NULL, "r", HTML503, OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "HTTP503",
	 "503 Service Temporarily Unavailable 503 Service Temporarily "
	 "Unavailable",
	 NULL, NULL, NULL, "r", NO_RESPONSE},
	{"empty 500", 500, NULL, "r5", "", OUTCOME_FAILED, API_RETRY_TRANSIENT,
	 "HTTP500", "HTTP 500 without an error message", NULL, NULL, NULL, "r5",
	 NO_RESPONSE},
	{"502 plain text", 502, NULL, "r", "Bad Gateway\n", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "HTTP502", "Bad Gateway", NULL, NULL, NULL, "r",
	 NO_RESPONSE},
	{"504 JSON without code", 504, NULL, "r", "{\"message\": \"timeout\"}",
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "HTTP504", "timeout", NULL, NULL,
	 NULL, "r", NO_RESPONSE},
	{"429 bare", 429, NULL, "r", "", OUTCOME_FAILED, API_RETRY_THROTTLE,
	 "TooManyRequests", "HTTP 429 without an error message", NULL, NULL,
	 NULL, "r", NO_RESPONSE},
	{"429 with unknown code", 429, "SomethingNew", NULL, "", OUTCOME_FAILED,
	 API_RETRY_THROTTLE, "SomethingNew",
	 "HTTP 429 without an error message", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"408 bare", 408, NULL, "r", "", OUTCOME_FAILED, API_RETRY_TRANSIENT,
	 "HTTP408", "HTTP 408 without an error message", NULL, NULL, NULL, "r",
	 NO_RESPONSE},
	{"403 bare", 403, NULL, "r", "Forbidden", OUTCOME_FAILED,
	 API_RETRY_NONE, "HTTP403", "Forbidden", NULL, NULL, NULL, "r",
	 NO_RESPONSE},
	{"301 redirect", 301, NULL, "r", "", OUTCOME_FAILED, API_RETRY_NONE,
	 "HTTP301", "HTTP 301 without an error message", NULL, NULL, NULL, "r",
	 NO_RESPONSE},

	/* answers that cannot be from the service: no request id and no AWS
	 * error type; whatever the status, never final */
	{"403 HTML from a WAF", 403, NULL, NULL, HTML403, OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer",
	 FOREIGN(403) ": 403 Forbidden Request blocked by the security "
	 "policy.",
	 NULL, NULL, NULL, NULL, FOREIGN_ANSWER},
	{"403 plain text", 403, NULL, NULL, "Forbidden", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer", FOREIGN(403) ": Forbidden",
	 NULL, NULL, NULL, NULL, FOREIGN_ANSWER},
	{"404 HTML from a proxy", 404, NULL, NULL,
	 "<!DOCTYPE html><p>Not <b>found</b></p>", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer", FOREIGN(404) ": Not found",
	 NULL, NULL, NULL, NULL, FOREIGN_ANSWER},
	{"407 Proxy Authentication Required", 407, NULL, NULL, HTML407,
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "NotAnAwsAnswer",
	 FOREIGN(407) ": 407 Proxy Authentication Required 407 Proxy "
	 "Authentication Required",
	 NULL, NULL, NULL, NULL, FOREIGN_ANSWER},
	{"blank request id is none", 403, NULL, " \t", "", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer", FOREIGN(403), NULL, NULL,
	 NULL, NULL, FOREIGN_ANSWER},
	{"code member not of the table", 403, NULL, NULL,
	 "{\"code\": \"Forbidden\", \"message\": \"blocked\"}", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer",
	 FOREIGN(403) ": {\"code\": \"Forbidden\", \"message\": \"blocked\"}",
	 NULL, NULL, NULL, NULL, FOREIGN_ANSWER},
	{"HTML 503 without request id", 503, NULL, NULL, HTML503,
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "NotAnAwsAnswer",
	 FOREIGN(503) ": 503 Service Temporarily Unavailable 503 Service "
	 "Temporarily Unavailable",
	 NULL, NULL, NULL, NULL, FOREIGN_ANSWER},
	{"429 without request id", 429, NULL, NULL, "", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer", FOREIGN(429), NULL, NULL,
	 NULL, NULL, FOREIGN_ANSWER},
	{"301 without request id", 301, NULL, NULL, "", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer", FOREIGN(301), NULL, NULL,
	 NULL, NULL, FOREIGN_ANSWER},
	{"200 HTML from a captive portal", 200, NULL, NULL,
	 "<html><title>Sign in</title><body>Welcome to the guest network"
	 "</body></html>",
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "NotAnAwsAnswer",
	 FOREIGN(200) ": Sign in Welcome to the guest network", NULL, NULL,
	 NULL, NULL, FOREIGN_ANSWER},
	{"200 JSON object without request id", 200, NULL, NULL,
	 "{\"OptOutListName\": \"marketing\"}", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer",
	 FOREIGN(200) ": {\"OptOutListName\": \"marketing\"}", NULL, NULL,
	 NULL, NULL, FOREIGN_ANSWER},
	{"204 without request id", 204, NULL, NULL, "", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "NotAnAwsAnswer", FOREIGN(204), NULL, NULL,
	 NULL, NULL, FOREIGN_ANSWER},

	/* no request id, but an AWS error type: still the service */
	{"400 ValidationException without request id", 400, NULL, NULL,
	 "{\"__type\": \"ValidationException\", \"message\": \"bad\"}",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException", "bad", NULL,
	 NULL, NULL, NULL, NO_RESPONSE},
	{"403 error type header without request id", 403,
	 "SomethingNew", NULL, HTML403, OUTCOME_FAILED, API_RETRY_NONE,
	 "SomethingNew", "403 Forbidden Request blocked by the security "
	 "policy.", NULL, NULL, NULL, NULL, NO_RESPONSE},
	{"403 AccessDeniedException code member without request id", 403,
	 NULL, NULL, "{\"code\": \"AccessDeniedException\"}", OUTCOME_DENIED,
	 API_RETRY_NONE, "AccessDeniedException",
	 "{\"code\": \"AccessDeniedException\"}", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"403 HTML with a request id", 403, NULL, "r403", HTML403,
	 OUTCOME_FAILED, API_RETRY_NONE, "HTTP403",
	 "403 Forbidden Request blocked by the security policy.", NULL, NULL,
	 NULL, "r403", NO_RESPONSE},
	{"407 with a request id", 407, NULL, "r407", "", OUTCOME_FAILED,
	 API_RETRY_NONE, "HTTP407", "HTTP 407 without an error message", NULL,
	 NULL, NULL, "r407", NO_RESPONSE},
	{"unknown 4xx code", 400, NULL, NULL,
	 "{\"__type\": \"SerializationException\", \"Message\": \"bad body\"}",
	 OUTCOME_FAILED, API_RETRY_NONE, "SerializationException", "bad body",
	 NULL, NULL, NULL, NULL, NO_RESPONSE},
	{"unknown 5xx code", 500, "SomethingBroke", NULL, "", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "SomethingBroke",
	 "HTTP 500 without an error message", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"known code wins over status", 500, "ValidationException", NULL, "",
	 OUTCOME_REJECTED, API_RETRY_NONE, "ValidationException",
	 "HTTP 500 without an error message", NULL, NULL, NULL, NULL,
	 NO_RESPONSE},
	{"excerpt: control bytes and bad UTF-8", 500, NULL, "r",
	 "  a\x01\x02 b\t\xff c\xe2\x82\xac  ", OUTCOME_FAILED,
	 API_RETRY_TRANSIENT, "HTTP500", "a b ? c\xe2\x82\xac", NULL, NULL,
	 NULL, "r", NO_RESPONSE},
	{"excerpt: nothing printable", 500, NULL, "r", " \r\n\t ",
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "HTTP500",
	 "HTTP 500 without an error message", NULL, NULL, NULL, "r",
	 NO_RESPONSE},
	{"request id sanitised", 500, NULL, " ab\x01" "cd\xc3\xa9 ", "",
	 OUTCOME_FAILED, API_RETRY_TRANSIENT, "HTTP500",
	 "HTTP 500 without an error message", NULL, NULL, NULL, "ab?cd??",
	 NO_RESPONSE},
};

static void check_result(const char *name, const struct api_result *res,
			 const struct api_case *c, long status)
{
	is_int(res->outcome, c->outcome, "%s: outcome", name);
	is_int(res->retry, c->retry, "%s: retry", name);
	is_int(res->http_status, status, "%s: http status", name);
	is_str(res->error_code, c->code, "%s: code", name);
	is_str(res->error_message, c->message, "%s: message", name);
	is_str(res->error_reason, c->reason, "%s: reason", name);
	is_str(res->error_resource_type, c->resource_type,
	       "%s: resource type", name);
	is_str(res->error_resource_id, c->resource_id, "%s: resource id",
	       name);
	is_str(res->aws_request_id, c->aws_request_id, "%s: request id",
	       name);
	is_int(res->response != NULL, (c->expect & RESPONSE) != 0,
	       "%s: response", name);
	is_int(res->foreign, (c->expect & FOREIGN_ANSWER) != 0,
	       "%s: foreign", name);
}

static void test_fixtures(void)
{
	const struct api_case *c;
	struct api_result res;
	struct api_http http;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		memset(&http, 0, sizeof(http));
		http.status = c->status;
		http.error_type = c->error_type;
		http.request_id = c->request_id;
		http.content_type = API_CONTENT_TYPE;
		http.body = c->body;
		http.body_len = strlen(c->body);
		ret = api_parse_response(&http, &res);
		is_int(ret, 0, "%s: returns 0", c->name);
		check_result(c->name, &res, c, c->status);
		api_result_done(&res);
		ok(!res.error_code && !res.response && !res.aws_request_id,
		   "%s: done clears", c->name);
	}
}

/* The 200 answer's members come through as parsed JSON. */
static void test_response_members(void)
{
	struct api_result res;
	struct api_http http;
	const cJSON *item;

	memset(&http, 0, sizeof(http));
	http.status = 200;
	http.request_id = "r";
	http.body = OK200 "garbage that body_len leaves out";
	http.body_len = strlen(OK200);
	is_int(api_parse_response(&http, &res), 0, "200: returns 0");
	is_int(res.outcome, OUTCOME_DELETED, "200 with a longer buffer");
	item = cJSON_GetObjectItemCaseSensitive(res.response, "OptOutListArn");
	is_str(cJSON_IsString(item) ? item->valuestring : NULL, ARN,
	       "200: OptOutListArn");
	item = cJSON_GetObjectItemCaseSensitive(res.response,
						"OptedOutTimestamp");
	ok(cJSON_IsNumber(item) && item->valuedouble == 1764115200.0,
	   "200: OptedOutTimestamp is the number");
	item = cJSON_GetObjectItemCaseSensitive(res.response,
						"EndUserOptedOut");
	ok(cJSON_IsTrue(item), "200: EndUserOptedOut");
	api_result_done(&res);

	memset(&http, 0, sizeof(http));
	http.status = 200;
	http.body = NULL;
	http.body_len = 0;
	is_int(api_parse_response(&http, &res), 0, "200 NULL body: returns 0");
	is_int(res.outcome, OUTCOME_FAILED, "200 NULL body: failed");
	is_int(res.retry, API_RETRY_TRANSIENT, "200 NULL body: transient");
	api_result_done(&res);
}

/* "a,b,c" of the member names of @obj in order. */
static void member_names(const cJSON *obj, char *buf, size_t len)
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

/* The outcome of a deleted request answered with @res. */
static char *deleted_outcome(const struct api_result *res)
{
	struct outcome o;

	memset(&o, 0, sizeof(o));
	o.kind = res->outcome;
	o.request_id = "r-1";
	o.list = "marketing";
	o.number = "+14155550100";
	o.response = res->response;
	o.error_code = res->error_code;
	o.error_message = res->error_message;
	o.attempts = 1;
	o.topic = "requests";
	o.completed_at_ms = 1795687200123LL;
	return outcome_to_json(&o);
}

/*
 * A success body is hostile or broken: a megabyte of members before the
 * real ones.  Only the output shape's members (DeleteOptedOutNumberResult)
 * are kept, so the outcome stays small; this checks the bound, not the
 * time (keeping every member made the outcome about 1 MB, more than
 * librdkafka produces, and cost a search per member).
 */
static void test_hostile_success(void)
{
	static const char tail[] =
		"\"OptOutListArn\": \"" ARN "\", "
		"\"OptOutListName\": \"marketing\", "
		"\"OptedOutNumber\": \"+14155550100\", "
		"\"OptedOutTimestamp\": 1764115200.5, "
		"\"EndUserOptedOut\": false}";
	size_t n = 100000, cap = n * 12 + sizeof(tail) + 2, at = 0, i;
	char *body = malloc(cap), *text;
	struct api_result res;
	struct api_http http;
	char names[512];

	if (!body) {
		ok(0, "hostile success: out of memory");
		return;
	}
	body[at++] = '{';
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(body + at, cap - at, "\"%05zx\":0,", i);
	memcpy(body + at, tail, sizeof(tail));
	at += sizeof(tail) - 1;
	ok(at > 1000000 && at < 1048576,
	   "hostile success: a body of %zu bytes, %zu members", at, n + 5);

	memset(&http, 0, sizeof(http));
	http.status = 200;
	http.request_id = "c0ffee00-0000-4000-8000-000000000001";
	http.body = body;
	http.body_len = at;
	is_int(api_parse_response(&http, &res), 0, "hostile success: parsed");
	is_int(res.outcome, OUTCOME_DELETED, "hostile success: deleted");
	member_names(res.response, names, sizeof(names));
	is_str(names,
	       "OptOutListArn,OptOutListName,OptedOutNumber,OptedOutTimestamp,"
	       "EndUserOptedOut",
	       "hostile success: only the output shape's members kept");
	text = deleted_outcome(&res);
	ok(text && strlen(text) < 1024,
	   "hostile success: the outcome stays small (%zu bytes)",
	   text ? strlen(text) : 0);
	ok(text && !strstr(text, "\"00000\""),
	   "hostile success: no junk member in the outcome");
	free(text);
	api_result_done(&res);
	free(body);
}

/* Members of the output shape with another type, too long, or given
 * twice: the first of a name counts, and only with its modelled type. */
static void test_output_members(void)
{
	static const struct {
		const char *body;
		const char *kept;
	} rows[] = {
		{"{\"OptOutListArn\": 5, \"OptOutListName\": [\"x\"], "
		 "\"OptedOutNumber\": {\"a\": 1}, \"OptedOutTimestamp\": "
		 "\"yesterday\", \"EndUserOptedOut\": \"yes\"}",
		 ""},
		{"{\"OptedOutTimestamp\": null, \"EndUserOptedOut\": true, "
		 "\"Extra\": \"x\", \"optOutListArn\": \"lower case\"}",
		 "EndUserOptedOut"},
		{"{\"OptOutListArn\": 1, \"OptOutListArn\": \"second\"}", ""},
		{"{\"OptOutListArn\": \"first\", \"OptOutListArn\": 2}",
		 "OptOutListArn"},
		{"{\"EndUserOptedOut\": false, \"OptedOutTimestamp\": 0}",
		 "OptedOutTimestamp,EndUserOptedOut"},
		{"{}", ""},
	};
	static char longer[1200 + 64], longest[1100 + 64];
	struct api_result res;
	struct api_http http;
	char names[512];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&http, 0, sizeof(http));
		http.status = 200;
		http.request_id = "c0ffee00-0000-4000-8000-000000000002";
		http.body = rows[i].body;
		http.body_len = strlen(rows[i].body);
		is_int(api_parse_response(&http, &res), 0, "output %zu: parsed",
		       i);
		is_int(res.outcome, OUTCOME_DELETED, "output %zu: deleted", i);
		member_names(res.response, names, sizeof(names));
		is_str(names, rows[i].kept, "output %zu: members kept", i);
		api_result_done(&res);
	}

	/* strings: 1024 bytes kept, 1025 dropped */
	snprintf(longer, sizeof(longer), "{\"OptOutListArn\": \"%01024d\"}",
		 0);
	snprintf(longest, sizeof(longest),
		 "{\"OptOutListArn\": \"%01025d\"}", 0);
	memset(&http, 0, sizeof(http));
	http.status = 200;
	http.request_id = "c0ffee00-0000-4000-8000-000000000003";
	http.body = longer;
	http.body_len = strlen(longer);
	api_parse_response(&http, &res);
	member_names(res.response, names, sizeof(names));
	is_str(names, "OptOutListArn", "a 1024-byte string is kept");
	api_result_done(&res);
	http.body = longest;
	http.body_len = strlen(longest);
	api_parse_response(&http, &res);
	is_int(res.outcome, OUTCOME_DELETED, "a 1025-byte string: deleted");
	member_names(res.response, names, sizeof(names));
	is_str(names, "", "a 1025-byte string is dropped");
	api_result_done(&res);
}

/* Long texts are cut: messages at 1024 bytes on a character boundary,
 * excerpts of raw bodies at 200 bytes plus "...". */
static void test_lengths(void)
{
	static char body[4096], want[2048];
	struct api_result res;
	struct api_http http;
	size_t at, i;

	at = (size_t)snprintf(body, sizeof(body),
			      "{\"__type\": \"ValidationException\", "
			      "\"message\": \"x");
	for (i = 0; i < 700; i++) {
		memcpy(body + at, "\xc3\xa9", 2);
		at += 2;
	}
	memcpy(body + at, "\"}", 3);
	memset(&http, 0, sizeof(http));
	http.status = 400;
	http.body = body;
	http.body_len = strlen(body);
	api_parse_response(&http, &res);
	want[0] = 'x';
	for (i = 0; i < 511; i++)
		memcpy(want + 1 + 2 * i, "\xc3\xa9", 2);
	want[1 + 2 * 511] = '\0';
	is_int(res.error_message ? strlen(res.error_message) : 0, 1023,
	       "long message cut to 1023 bytes (character boundary)");
	is_str(res.error_message, want, "long message content");
	api_result_done(&res);

	memset(body, 'z', 1000);
	body[1000] = '\0';
	http.status = 500;
	http.request_id = "r";
	http.body = body;
	http.body_len = 1000;
	api_parse_response(&http, &res);
	memset(want, 'z', 200);
	memcpy(want + 200, "...", 4);
	is_str(res.error_message, want, "long raw body: 200 bytes and ...");
	api_result_done(&res);
}

struct code_row {
	const char *code;
	enum outcome_kind outcome;
	enum api_retry retry;
};

static void test_code_table(void)
{
	static const struct code_row rows[] = {
		{"ResourceNotFoundException", OUTCOME_NOT_FOUND,
		 API_RETRY_NONE},
		{"ConflictException", OUTCOME_CONFLICT, API_RETRY_NONE},
		{"ValidationException", OUTCOME_REJECTED, API_RETRY_NONE},
		{"AccessDeniedException", OUTCOME_DENIED, API_RETRY_NONE},
		{"ThrottlingException", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"Throttling", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"ThrottledException", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"RequestThrottledException", OUTCOME_FAILED,
		 API_RETRY_THROTTLE},
		{"TooManyRequestsException", OUTCOME_FAILED,
		 API_RETRY_THROTTLE},
		{"ProvisionedThroughputExceededException", OUTCOME_FAILED,
		 API_RETRY_THROTTLE},
		{"TransactionInProgressException", OUTCOME_FAILED,
		 API_RETRY_THROTTLE},
		{"RequestLimitExceeded", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"BandwidthLimitExceeded", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"LimitExceededException", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"RequestThrottled", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"SlowDown", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"PriorRequestNotComplete", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"EC2ThrottledException", OUTCOME_FAILED, API_RETRY_THROTTLE},
		{"InternalServerException", OUTCOME_FAILED,
		 API_RETRY_TRANSIENT},
		{"InternalFailure", OUTCOME_FAILED, API_RETRY_TRANSIENT},
		{"InternalError", OUTCOME_FAILED, API_RETRY_TRANSIENT},
		{"ServiceUnavailable", OUTCOME_FAILED, API_RETRY_TRANSIENT},
		{"ServiceUnavailableException", OUTCOME_FAILED,
		 API_RETRY_TRANSIENT},
		{"RequestTimeout", OUTCOME_FAILED, API_RETRY_TRANSIENT},
		{"RequestTimeoutException", OUTCOME_FAILED,
		 API_RETRY_TRANSIENT},
		{"IDPCommunicationError", OUTCOME_FAILED, API_RETRY_TRANSIENT},
		{"UnrecognizedClientException", OUTCOME_FAILED,
		 API_RETRY_AUTH},
		{"InvalidSignatureException", OUTCOME_FAILED, API_RETRY_AUTH},
		{"SignatureDoesNotMatch", OUTCOME_FAILED, API_RETRY_AUTH},
		{"IncompleteSignature", OUTCOME_FAILED, API_RETRY_AUTH},
		{"MissingAuthenticationToken", OUTCOME_FAILED, API_RETRY_AUTH},
		{"InvalidClientTokenId", OUTCOME_FAILED, API_RETRY_AUTH},
		{"ExpiredToken", OUTCOME_FAILED, API_RETRY_AUTH},
		{"ExpiredTokenException", OUTCOME_FAILED, API_RETRY_AUTH},
		{"RequestExpired", OUTCOME_FAILED, API_RETRY_AUTH},
		{"RequestTimeTooSkewed", OUTCOME_FAILED, API_RETRY_AUTH},
		{"InvalidAccessKeyId", OUTCOME_FAILED, API_RETRY_AUTH},
		{"AuthFailure", OUTCOME_FAILED, API_RETRY_AUTH},
		/* near misses are unknown: final on a 4xx */
		{"throttlingexception", OUTCOME_FAILED, API_RETRY_NONE},
		{"ThrottlingExceptionX", OUTCOME_FAILED, API_RETRY_NONE},
		{"Validation", OUTCOME_FAILED, API_RETRY_NONE},
	};
	struct api_result res;
	struct api_http http;
	char body[256], header[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* as a namespaced __type in the body */
		snprintf(body, sizeof(body),
			 "{\"__type\": \"com.amazonaws.pinpointsmsvoicev2#%s\","
			 " \"message\": \"m\"}",
			 rows[i].code);
		memset(&http, 0, sizeof(http));
		http.status = 400;
		http.body = body;
		http.body_len = strlen(body);
		api_parse_response(&http, &res);
		is_int(res.outcome, rows[i].outcome, "__type %s: outcome",
		       rows[i].code);
		is_int(res.retry, rows[i].retry, "__type %s: retry",
		       rows[i].code);
		is_str(res.error_code, rows[i].code, "__type %s: code",
		       rows[i].code);
		api_result_done(&res);

		/* as the header, with a URL suffix */
		snprintf(header, sizeof(header), "%s" URL_SUFFIX,
			 rows[i].code);
		memset(&http, 0, sizeof(http));
		http.status = 400;
		http.error_type = header;
		api_parse_response(&http, &res);
		is_int(res.outcome, rows[i].outcome, "header %s: outcome",
		       rows[i].code);
		is_int(res.retry, rows[i].retry, "header %s: retry",
		       rows[i].code);
		is_str(res.error_code, rows[i].code, "header %s: code",
		       rows[i].code);
		api_result_done(&res);
	}
}

static void test_transport(void)
{
	struct api_result res;

	is_int(api_result_transport(&res, "ConnectionError",
				    "Failed to connect to host"),
	       0, "transport: returns 0");
	is_int(res.outcome, OUTCOME_FAILED, "transport: failed");
	is_int(res.retry, API_RETRY_TRANSIENT, "transport: transient");
	is_int(res.http_status, 0, "transport: no status");
	is_str(res.error_code, "ConnectionError", "transport: code");
	is_str(res.error_message, "Failed to connect to host",
	       "transport: message");
	ok(!res.response && !res.aws_request_id && !res.error_reason,
	   "transport: nothing else");
	api_result_done(&res);

	is_int(api_result_transport(&res, "Timeout", NULL), 0,
	       "transport without message: returns 0");
	is_str(res.error_code, "Timeout", "transport without message: code");
	is_str(res.error_message, NULL, "transport without message: message");
	api_result_done(&res);

	api_result_done(NULL);
	memset(&res, 0, sizeof(res));
	api_result_done(&res);
	ok(1, "api_result_done accepts NULL and a zeroed result");
}

struct body_case {
	const char *list;
	const char *number;
	const char *want;
};

static void test_build_body(void)
{
	/* the first three are byte for byte what botocore sends */
	static const struct body_case rows[] = {
		{"marketing", "+14155550100",
		 "{\"OptOutListName\": \"marketing\", "
		 "\"OptedOutNumber\": \"+14155550100\"}"},
		{"a", "+12", "{\"OptOutListName\": \"a\", \"OptedOutNumber\": "
			     "\"+12\"}"},
		{ARN, "14155550100",
		 "{\"OptOutListName\": \"" ARN "\", "
		 "\"OptedOutNumber\": \"14155550100\"}"},
		{"a\"b\\c", "1",
		 "{\"OptOutListName\": \"a\\\"b\\\\c\", "
		 "\"OptedOutNumber\": \"1\"}"},
		{"\n\r\t\b\f\x01\x7f", "2",
		 "{\"OptOutListName\": \"\\n\\r\\t\\b\\f\\u0001\\u007f\", "
		 "\"OptedOutNumber\": \"2\"}"},
		{"caf\xc3\xa9\xf0\x9f\x98\x80", "3",
		 "{\"OptOutListName\": \"caf\\u00e9\\ud83d\\ude00\", "
		 "\"OptedOutNumber\": \"3\"}"},
		{"x\xffy", "", "{\"OptOutListName\": \"x\\ufffdy\", "
			       "\"OptedOutNumber\": \"\"}"},
	};
	char buf[600], list[300];
	size_t i, n;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = strlen(rows[i].want);
		memset(buf, 'Q', sizeof(buf));
		ret = api_build_body(rows[i].list, rows[i].number, buf,
				     sizeof(buf));
		is_int(ret, (int)n, "body %zu: length", i);
		is_str(buf, rows[i].want, "body %zu: bytes", i);

		memset(buf, 'Q', sizeof(buf));
		ret = api_build_body(rows[i].list, rows[i].number, buf, n + 1);
		is_int(ret, (int)n, "body %zu: fits length + 1", i);
		ret = api_build_body(rows[i].list, rows[i].number, buf, n);
		is_int(ret, -ENOSPC, "body %zu: no room for the NUL", i);
	}
	is_int(api_build_body("a", "12", buf, 0), -ENOSPC, "body: zero size");

	memset(list, 'L', 256);
	list[256] = '\0';
	ret = api_build_body(list, "+1234567890123456789", buf, sizeof(buf));
	is_int(ret, 19 + 258 + 20 + 22 + 1, "body: longest valid inputs");
}

struct region_case {
	const char *list;
	size_t len;
	int ret;
	const char *region;
};

static void test_region(void)
{
	static const struct region_case rows[] = {
		{"marketing", 32, -ENOENT, NULL},
		{"", 32, -ENOENT, NULL},
		{"ARN:aws:sms-voice:us-east-1:1:opt-out-list/x", 32, -ENOENT,
		 NULL},
		{"arn-like", 32, -ENOENT, NULL},
		{ARN, 32, 0, "us-east-1"},
		{"arn:aws:sms-voice:eu-west-2:123456789012:opt-out-list/a:b",
		 32, 0, "eu-west-2"},
		{"arn:aws-us-gov:sms-voice:us-gov-west-1:1:opt-out-list/x", 32,
		 0, "us-gov-west-1"},
		{"arn:aws-cn:sms-voice:cn-north-1:1:opt-out-list/x", 32, 0,
		 "cn-north-1"},
		{"arn:aws:sms-voice:ap-southeast-2::", 32, 0, "ap-southeast-2"},
		{"arn:aws:sms-voice:us-east-1:1:x", 10, 0, "us-east-1"},
		{"arn:aws:sms-voice:us-east-1:1:x", 9, -EINVAL, NULL},
		{"arn:aws:sms-voice:abcdefghijklmnopqrstuvwxyz01234:1:x", 64, 0,
		 "abcdefghijklmnopqrstuvwxyz01234"},
		{"arn:aws:sms-voice:abcdefghijklmnopqrstuvwxyz012345:1:x", 64,
		 -EINVAL, NULL},
		{"arn:aws:sms-voice::123456789012:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms-voice:US-EAST-1:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms-voice:us_east_1:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms-voice:us/east:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms-voice:-us-east-1:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms-voice:us-east-1-:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms-voice:us-east-1:123456789012", 32, -EINVAL, NULL},
		{"arn:aws:sms-voice:us-east-1", 32, -EINVAL, NULL},
		{"arn:", 32, -EINVAL, NULL},
		{"arn:aws:sns:us-east-1:123456789012:topic", 32, -EINVAL, NULL},
		{"arn:aws:sms-voice-x:us-east-1:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
		{"arn:aws:sms:us-east-1:1:opt-out-list/x", 32, -EINVAL, NULL},
		{"arn::sms-voice:us-east-1:1:opt-out-list/x", 32, -EINVAL,
		 NULL},
	};
	char region[64];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memcpy(region, "untouched", 10);
		ret = api_region_from_list(rows[i].list, region, rows[i].len);
		is_int(ret, rows[i].ret, "region of \"%s\" (len %zu): return",
		       rows[i].list, rows[i].len);
		is_str(region, rows[i].region ? rows[i].region : "untouched",
		       "region of \"%s\" (len %zu): value", rows[i].list,
		       rows[i].len);
	}
}

struct list_region_case {
	const char *list;
	const char *extra; /* aws.extra_regions */
	int ret;
	const char *region; /* NULL: untouched */
	const char *message; /* NULL: untouched */
};

#define NO_SERVICE(r, p)                                                    \
	"OptOutListName: sms-voice does not exist in " r " (partition " p   \
	") as far as this build knows; if AWS has launched it there, add "  \
	"the region to aws.extra_regions"

static void test_list_region(void)
{
	static const struct list_region_case rows[] = {
		{"marketing", NULL, -ENOENT, NULL, NULL},
		{"arn-like", "mars", -ENOENT, NULL, NULL},
		{ARN, NULL, 0, "us-east-1", NULL},
		{"arn:aws:sms-voice:eu-west-2:1:opt-out-list/x", NULL, 0,
		 "eu-west-2", NULL},
		{"arn:aws:sms-voice:ap-southeast-6:1:opt-out-list/x", "", 0,
		 "ap-southeast-6", NULL},
		{"arn:aws-us-gov:sms-voice:us-gov-west-1:1:opt-out-list/x",
		 NULL, 0, "us-gov-west-1", NULL},
		{"arn:aws-us-gov:sms-voice:us-gov-east-1:1:opt-out-list/x",
		 NULL, 0, "us-gov-east-1", NULL},
		/* made-up regions */
		{"arn:aws:sms-voice:mars-east-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 "OptOutListName: region \"mars-east-1\" is in no AWS "
		 "partition"},
		{"arn:aws:sms-voice:mars:1:opt-out-list/x", "mars", -EINVAL,
		 NULL,
		 "OptOutListName: region \"mars\" is in no AWS partition"},
		/* a region of the partition where the service is not (yet) */
		{"arn:aws:sms-voice:ap-southeast-7:1:opt-out-list/x", NULL,
		 -EINVAL, NULL, NO_SERVICE("region \"ap-southeast-7\"", "aws")},
		{"arn:aws:sms-voice:ap-southeast-7:1:opt-out-list/x",
		 "ap-southeast-7", 0, "ap-southeast-7", NULL},
		{"arn:aws:sms-voice:ap-southeast-7:1:opt-out-list/x",
		 "eu-west-9, ap-southeast-7", 0, "ap-southeast-7", NULL},
		{"arn:aws:sms-voice:ap-southeast-7:1:opt-out-list/x",
		 "ap-southeast-77,ap-southeast", -EINVAL, NULL,
		 NO_SERVICE("region \"ap-southeast-7\"", "aws")},
		{"arn:aws-cn:sms-voice:cn-north-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL, NO_SERVICE("region \"cn-north-1\"", "aws-cn")},
		{"arn:aws-cn:sms-voice:cn-north-1:1:opt-out-list/x",
		 "cn-north-1", 0, "cn-north-1", NULL},
		{"arn:aws-iso:sms-voice:us-iso-east-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 NO_SERVICE("region \"us-iso-east-1\"", "aws-iso")},
		/* the partition must be known and the region's own */
		{"arn:aws-cn:sms-voice:us-east-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 "OptOutListName: region \"us-east-1\" is in partition aws, "
		 "not in aws-cn"},
		{"arn:aws:sms-voice:us-gov-west-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 "OptOutListName: region \"us-gov-west-1\" is in partition "
		 "aws-us-gov, not in aws"},
		{"arn:aws-us-gov:sms-voice:us-east-1:1:opt-out-list/x",
		 "us-east-1", -EINVAL, NULL,
		 "OptOutListName: region \"us-east-1\" is in partition aws, "
		 "not in aws-us-gov"},
		{"arn:aws-mars:sms-voice:us-east-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 "OptOutListName: partition \"aws-mars\" is not an AWS "
		 "partition"},
		{"arn:AWS:sms-voice:us-east-1:1:opt-out-list/x", NULL, -EINVAL,
		 NULL,
		 "OptOutListName: the partition is not an AWS partition"},
		{"arn:aws0123456789012345678901234567890123:sms-voice:"
		 "us-east-1:1:x",
		 NULL, -EINVAL, NULL,
		 "OptOutListName: the partition is not an AWS partition"},
		/* values that could hold a number are never repeated */
		{"arn:aws:sms-voice:14155550100:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 "OptOutListName: the region is in no AWS partition"},
		{"arn:aws:sms-voice:us-east-14155550100:1:opt-out-list/x", NULL,
		 -EINVAL, NULL, NO_SERVICE("the region", "aws")},
		{"arn:14155550100:sms-voice:us-east-1:1:opt-out-list/x", NULL,
		 -EINVAL, NULL,
		 "OptOutListName: the partition is not an AWS partition"},
		/* no usable region at all */
		{"arn:aws:sms-voice::1:opt-out-list/x", NULL, -EINVAL, NULL,
		 "OptOutListName: an ARN must name an sms-voice region"},
		{"arn:aws:sms-voice:US-EAST-1:1:opt-out-list/x", NULL, -EINVAL,
		 NULL, "OptOutListName: an ARN must name an sms-voice region"},
		{"arn:aws:sns:us-east-1:1:topic", NULL, -EINVAL, NULL,
		 "OptOutListName: an ARN must name an sms-voice region"},
	};
	/* as large as struct request's error_message */
	char region[API_REGION_MAX], msg[256];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memcpy(region, "untouched", 10);
		memcpy(msg, "untouched", 10);
		ret = api_list_region(rows[i].list, rows[i].extra, region,
				      sizeof(region), msg, sizeof(msg));
		is_int(ret, rows[i].ret, "list region of \"%s\" (extra %s)",
		       rows[i].list, rows[i].extra ? rows[i].extra : "none");
		is_str(region, rows[i].region ? rows[i].region : "untouched",
		       "list region of \"%s\": region", rows[i].list);
		is_str(msg, rows[i].message ? rows[i].message : "untouched",
		       "list region of \"%s\": message", rows[i].list);
		ok(strlen(msg) + 1 < sizeof(msg),
		   "list region of \"%s\": message not cut", rows[i].list);
	}
	ret = api_list_region("arn:aws:sms-voice:mars-1:1:x", NULL, region,
			      sizeof(region), NULL, 0);
	is_int(ret, -EINVAL, "list region without errbuf");
}

int main(void)
{
	test_fixtures();
	test_response_members();
	test_hostile_success();
	test_output_members();
	test_lengths();
	test_code_table();
	test_transport();
	test_build_body();
	test_region();
	test_list_region();
	return tap_done();
}
