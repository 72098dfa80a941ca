/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_api.c - libFuzzer target for api_parse_response() and friends.
 *
 * The input is cut into an HTTP answer: two bytes of status (100..599), a
 * flags byte (X-Amzn-ErrorType and x-amzn-RequestId present), then the
 * header values up to a '\n' each, then the body (copied to a buffer of its
 * exact size, so any read past body_len is caught).  Checked on every
 * input: deleted exactly when a 2xx with a request id carried a JSON
 * object; a foreign answer (no request id) is failed, transient and
 * NotAnAwsAnswer; otherwise a printable ASCII code and a UTF-8 message; the
 * result always makes an outcome that parses back.  The body is also fed
 * to api_region_from_list() and api_list_region() (whose message never
 * holds four digits in a row: no phone number) and, as a list name, to
 * api_build_body(), whose output must be JSON that decodes to the same
 * name.
 *
 * Built by ./configure --enable-fuzzing, replayed by make check (README,
 * "Fuzzing").
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "outcome.h"
#include "region.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_api: %s\n", what);
	abort();
}

/* 1 when @s is valid UTF-8 (strict: no overlongs, surrogates, > 10FFFF). */
static int utf8_ok(const unsigned char *s, size_t len)
{
	unsigned long cp;
	size_t i = 0, n, k;

	while (i < len) {
		if (s[i] < 0x80)
			n = 1;
		else if ((s[i] & 0xe0) == 0xc0)
			n = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 4;
		else
			return 0;
		if (i + n > len)
			return 0;
		cp = n == 1 ? s[i] : (unsigned long)(s[i] & (0x7f >> n));
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

static int printable_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

static void check_text(const char *s, const char *what)
{
	if (s && !utf8_ok((const unsigned char *)s, strlen(s)))
		fail(what);
}

/* Next field of the input up to '\n', as a NUL-terminated copy. */
static char *take_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (!s)
		fail("out of memory");
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += nl ? n + 1 : n;
	return s;
}

static void check_result(const struct api_http *http,
			 const struct api_result *res)
{
	int two = http->status >= 200 && http->status <= 299;
	struct outcome o;
	const cJSON *name;
	cJSON *json;
	char *text;

	if ((unsigned)res->outcome >= OUTCOME__COUNT)
		fail("outcome out of range");
	if (res->retry > API_RETRY_AUTH)
		fail("retry out of range");
	if (res->foreign &&
	    (res->outcome != OUTCOME_FAILED ||
	     res->retry != API_RETRY_TRANSIENT || !res->error_code ||
	     strcmp(res->error_code, API_ERR_FOREIGN) != 0 ||
	     res->aws_request_id))
		fail("inconsistent foreign result");
	if (res->outcome == OUTCOME_DELETED) {
		if (!two || !cJSON_IsObject(res->response) ||
		    res->retry != API_RETRY_NONE || res->error_code ||
		    !res->aws_request_id)
			fail("inconsistent deleted result");
	} else {
		if (res->response)
			fail("response kept on a failure");
		if (!res->error_code || !res->error_code[0] ||
		    !printable_ascii(res->error_code))
			fail("bad error code");
		if (!res->error_message)
			fail("no error message");
	}
	if (res->retry != API_RETRY_NONE && res->outcome != OUTCOME_FAILED)
		fail("retried outcome that is not failed");
	if (res->aws_request_id && !printable_ascii(res->aws_request_id))
		fail("bad request id");
	check_text(res->error_message, "message not UTF-8");
	check_text(res->error_reason, "reason not UTF-8");
	check_text(res->error_resource_type, "resource type not UTF-8");
	check_text(res->error_resource_id, "resource id not UTF-8");

	memset(&o, 0, sizeof(o));
	o.kind = res->outcome;
	o.request_id = "fuzz";
	o.list = "list";
	o.number = "+12";
	o.response = res->response;
	o.error_code = res->error_code;
	o.error_message = res->error_message;
	o.error_reason = res->error_reason;
	o.error_resource_type = res->error_resource_type;
	o.error_resource_id = res->error_resource_id;
	o.attempts = 1;
	o.aws_request_id = res->aws_request_id;
	o.topic = "requests";
	o.offset = 9007199254740993LL;
	o.completed_at_ms = 1795687200123LL;
	text = outcome_to_json(&o);
	if (!text)
		fail("outcome_to_json failed");
	if (!utf8_ok((const unsigned char *)text, strlen(text)))
		fail("outcome is not UTF-8");
	/* Whatever the answer, the outcome stays producible. */
	if (strlen(text) > OUTCOME_MAX_BYTES)
		fail("outcome longer than OUTCOME_MAX_BYTES");
	json = cJSON_Parse(text);
	name = cJSON_GetObjectItemCaseSensitive(json, "Outcome");
	if (!cJSON_IsString(name) ||
	    strcmp(name->valuestring, outcome_name(res->outcome)) != 0)
		fail("outcome does not parse back");
	cJSON_Delete(json);
	free(text);
}

static void check_helpers(const char *s)
{
	char region[API_REGION_MAX], body[2048], msg[256];
	const cJSON *item;
	cJSON *json;
	size_t i, digits;
	int ret;

	ret = api_region_from_list(s, region, sizeof(region));
	if (ret == 0) {
		if (strncmp(s, "arn:", 4) != 0 || !region[0])
			fail("region from a non-ARN");
		for (i = 0; region[i]; i++)
			if (!((region[i] >= 'a' && region[i] <= 'z') ||
			      (region[i] >= '0' && region[i] <= '9') ||
			      region[i] == '-'))
				fail("bad region character");
	} else if (ret != -ENOENT && ret != -EINVAL) {
		fail("bad region return");
	}

	msg[0] = '\0';
	ret = api_list_region(s, "ap-southeast-7", region, sizeof(region), msg,
			      sizeof(msg));
	if (ret == 0) {
		if (region_check(NULL, region, "ap-southeast-7") != REGION_OK)
			fail("list region admitted a region it should not");
	} else if (ret == -EINVAL) {
		if (strncmp(msg, "OptOutListName: ", 16) != 0)
			fail("list region message without the member");
		for (i = 0, digits = 0; msg[i]; i++) {
			digits = msg[i] >= '0' && msg[i] <= '9' ? digits + 1
								: 0;
			if (digits >= 4)
				fail("list region message repeats a number");
		}
	} else if (ret != -ENOENT) {
		fail("bad list region return");
	}

	ret = api_build_body(s, "+14155550100", body, sizeof(body));
	if (ret == -ENOSPC)
		return;
	if (ret < 0 || (size_t)ret != strlen(body))
		fail("bad body length");
	json = cJSON_Parse(body);
	if (!cJSON_IsObject(json))
		fail("body is not a JSON object");
	item = cJSON_GetObjectItemCaseSensitive(json, "OptOutListName");
	if (!cJSON_IsString(item))
		fail("body without OptOutListName");
	if (utf8_ok((const unsigned char *)s, strlen(s)) &&
	    strcmp(item->valuestring, s) != 0)
		fail("body does not decode to the list name");
	cJSON_Delete(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *error_type = NULL, *request_id = NULL, *body = NULL;
	struct api_result res;
	struct api_http http;
	char *line;
	size_t len;

	if (size < 3)
		return 0;
	memset(&http, 0, sizeof(http));
	http.status = 100 + (((long)data[0] << 8) | data[1]) % 500;
	p += 3;
	if (data[2] & 1)
		error_type = take_line(&p, end);
	if (data[2] & 2)
		request_id = take_line(&p, end);
	len = (size_t)(end - p);
	body = malloc(len ? len : 1);
	if (!body)
		fail("out of memory");
	memcpy(body, p, len);
	http.error_type = error_type;
	http.request_id = request_id;
	http.body = body;
	http.body_len = len;

	if (api_parse_response(&http, &res) != 0)
		fail("api_parse_response failed");
	check_result(&http, &res);
	api_result_done(&res);

	line = malloc(len + 1);
	if (!line)
		fail("out of memory");
	memcpy(line, body, len);
	line[len] = '\0';
	check_helpers(line);
	free(line);

	free(error_type);
	free(request_id);
	free(body);
	return 0;
}
