/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_request.c - libFuzzer target for request_parse().
 *
 * Besides "no crash, no leak", it checks the contract on every input: the
 * answer is valid or -EINVAL (never -ENOMEM, which would mean our JSON
 * scanner accepted a text cJSON refused), a valid request has both members
 * and they pass the rule checks, an invalid one has a known code and a
 * message, and whatever RequestId is kept is valid UTF-8 of at most 256
 * characters.  Each request is then written as an outcome and read back,
 * as the daemon would do with it.
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

#include "outcome.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_request: %s\n", what);
	abort();
}

/* Code points of a valid UTF-8 string, or -1. */
static long utf8_count(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long cp;
	long count = 0;
	size_t n, i;

	while (*s) {
		if (*s < 0x80)
			n = 1;
		else if ((*s & 0xe0) == 0xc0)
			n = 2;
		else if ((*s & 0xf0) == 0xe0)
			n = 3;
		else if ((*s & 0xf8) == 0xf0)
			n = 4;
		else
			return -1;
		cp = n == 1 ? *s : (unsigned long)(*s & (0x7f >> n));
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		s += n;
		count++;
	}
	return count;
}

static void check_outcome(const struct request *req, int valid)
{
	struct outcome o;
	const cJSON *id;
	cJSON *json;
	char *text;

	memset(&o, 0, sizeof(o));
	o.kind = valid ? OUTCOME_NOT_FOUND : OUTCOME_REJECTED;
	o.request_id = req->request_id;
	o.list = req->list;
	o.number = req->number;
	o.error_code = valid ? "ResourceNotFoundException" : req->error_code;
	o.error_message = valid ? "gone" : req->error_message;
	o.topic = "requests";
	o.completed_at_ms = 1795687200123LL;
	text = outcome_to_json(&o);
	if (!text)
		fail("outcome_to_json failed");
	json = cJSON_Parse(text);
	if (!cJSON_IsObject(json))
		fail("outcome does not parse back");
	id = cJSON_GetObjectItemCaseSensitive(json, "RequestId");
	if (req->request_id) {
		if (!cJSON_IsString(id) ||
		    strcmp(id->valuestring, req->request_id) != 0)
			fail("RequestId changed in the outcome");
	} else if (!cJSON_IsNull(id)) {
		fail("absent RequestId is not null");
	}
	cJSON_Delete(json);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	long chars;
	int ret;

	ret = request_parse(&req, data, size, 65536);
	if (ret != 0 && ret != -EINVAL)
		fail("unexpected return value");
	if (ret == 0) {
		if (req.error_code || req.error_message[0])
			fail("valid request with an error");
		if (!req.list || !req.number)
			fail("valid request without its members");
	} else {
		if (!req.error_code || !req.error_message[0])
			fail("invalid request without an error");
		if (strcmp(req.error_code, REQUEST_ERR_TOO_LARGE) != 0 &&
		    strcmp(req.error_code, REQUEST_ERR_MALFORMED) != 0 &&
		    strcmp(req.error_code, REQUEST_ERR_INVALID) != 0)
			fail("unknown error code");
		if (utf8_count(req.error_message) < 0)
			fail("error message is not UTF-8");
	}
	if (req.list && !request_valid_list(req.list) &&
	    strcmp(req.list, REQUEST_EVERYWHERE) != 0)
		fail("kept list breaks its rule");
	if (req.number && !request_valid_number(req.number))
		fail("kept number breaks its rule");
	if (req.request_id) {
		chars = utf8_count(req.request_id);
		if (chars < 0 || chars > REQUEST_ID_MAX)
			fail("kept RequestId is not UTF-8 or too long");
	}
	check_outcome(&req, ret == 0);
	request_done(&req);
	return 0;
}
