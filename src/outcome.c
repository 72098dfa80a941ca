/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outcome.c - the outcome message (results topic value) as JSON.
 *
 * The object is built in DESIGN.md's key order with cJSON and printed
 * unformatted.  Integers we own (Attempts, Partition, Offset) are written
 * as raw JSON text: cJSON keeps numbers as doubles and prints values above
 * INT_MAX with "%.15g", which turns offset 9007199254740991 into
 * 9.00719925474099e+15.  Numbers copied from the API response are written
 * with the shortest "%.*g" form that reads back as the same double, since
 * cJSON's own printer accepts a close-enough form and can drop digits
 * (1764115200.0000002 would print as 1764115200).  Both rely on the "C"
 * numeric locale, which the daemon never changes.
 *
 * On deleted, the top-level members of the API response are copied in after
 * OptedOutNumber.  The response's OptOutListName and OptedOutNumber, when
 * strings, replace the requested values where they stand; members named
 * like the rest of our own keys, and repeats of a name already written,
 * are skipped so the output never holds a name twice.  At most
 * OUTCOME_RESPONSE_MAX are copied, so a hostile answer with a hundred
 * thousand members costs one pass over them, not a search per member
 * through everything written so far.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "outcome.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

static const char *const outcome_names[OUTCOME__COUNT] = {
	[OUTCOME_DELETED] = "deleted",   [OUTCOME_NOT_FOUND] = "not_found",
	[OUTCOME_CONFLICT] = "conflict", [OUTCOME_REJECTED] = "rejected",
	[OUTCOME_DENIED] = "denied",     [OUTCOME_FAILED] = "failed",
};

/* Our own names: a response member may not reuse them. */
static const char *const reserved_names[] = {
	"RequestId", "Outcome",      "OptOutListName", "OptedOutNumber",
	"Error",     "Attempts",     "AwsRequestId",   "Source",
	"CompletedAt", "KeyTruncated", "KeyLength",
};

const char *outcome_name(enum outcome_kind kind)
{
	if ((unsigned)kind >= OUTCOME__COUNT)
		return NULL;
	return outcome_names[kind];
}

/* Takes @item: on failure it is freed. */
static int add_item(cJSON *obj, const char *name, cJSON *item)
{
	if (!item)
		return -ENOMEM;
	if (!cJSON_AddItemToObject(obj, name, item)) {
		cJSON_Delete(item);
		return -ENOMEM;
	}
	return 0;
}

static int add_string_or_null(cJSON *obj, const char *name, const char *s)
{
	return add_item(obj, name,
			s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static int add_integer(cJSON *obj, const char *name, int64_t v)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRId64, v);
	return add_item(obj, name, cJSON_CreateRaw(text));
}

/* Shortest "%.*g" text that reads back as @d exactly. */
static cJSON *create_exact_number(double d)
{
	char text[40];
	int prec;

	if (!isfinite(d))
		return cJSON_CreateNull();
	for (prec = 15; prec < 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(text, sizeof(text), "%.17g", d);
	return cJSON_CreateRaw(text);
}

/* Deep copy of a response value with numbers printed exactly. */
static cJSON *copy_value(const cJSON *src)
{
	const cJSON *child;
	cJSON *dst, *item;
	int ok;

	if (cJSON_IsNumber(src))
		return create_exact_number(src->valuedouble);
	if (!cJSON_IsArray(src) && !cJSON_IsObject(src))
		return cJSON_Duplicate(src, 0);

	dst = cJSON_IsArray(src) ? cJSON_CreateArray() : cJSON_CreateObject();
	if (!dst)
		return NULL;
	for (child = src->child; child; child = child->next) {
		item = copy_value(child);
		if (!item)
			goto fail;
		if (cJSON_IsArray(src))
			ok = cJSON_AddItemToArray(dst, item);
		else
			ok = cJSON_AddItemToObject(dst, child->string, item);
		if (!ok) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	return dst;
fail:
	cJSON_Delete(dst);
	return NULL;
}

static int is_reserved(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]);
	     i++)
		if (strcmp(reserved_names[i], name) == 0)
			return 1;
	return 0;
}

/* The first string member @name of @response, or NULL. */
static const char *response_string(const cJSON *response, const char *name)
{
	const cJSON *item;

	if (!response)
		return NULL;
	for (item = response->child; item; item = item->next)
		if (item->string && strcmp(item->string, name) == 0 &&
		    cJSON_IsString(item))
			return item->valuestring;
	return NULL;
}

static int add_response_members(cJSON *root, const cJSON *response)
{
	const cJSON *item;
	int copied = 0;
	int ret;

	/* root holds at most 4 + OUTCOME_RESPONSE_MAX names: each lookup is
	 * short. */
	for (item = response->child; item && copied < OUTCOME_RESPONSE_MAX;
	     item = item->next) {
		if (!item->string || is_reserved(item->string) ||
		    cJSON_GetObjectItemCaseSensitive(root, item->string))
			continue;
		ret = add_item(root, item->string, copy_value(item));
		if (ret)
			return ret;
		copied++;
	}
	return 0;
}

static int add_error(cJSON *root, const struct outcome *o)
{
	cJSON *err;
	int ret;

	err = cJSON_CreateObject();
	if (!err)
		return -ENOMEM;
	ret = add_string_or_null(err, "Code", o->error_code);
	if (ret)
		goto out;
	ret = add_string_or_null(err, "Message", o->error_message);
	if (ret)
		goto out;
	if (o->error_reason) {
		ret = add_string_or_null(err, "Reason", o->error_reason);
		if (ret)
			goto out;
	}
	if (o->error_resource_type) {
		ret = add_string_or_null(err, "ResourceType",
					 o->error_resource_type);
		if (ret)
			goto out;
	}
	if (o->error_resource_id) {
		ret = add_string_or_null(err, "ResourceId",
					 o->error_resource_id);
		if (ret)
			goto out;
	}
	ret = add_item(root, "Error", err);
	err = NULL;
out:
	cJSON_Delete(err);
	return ret;
}

static int add_source(cJSON *root, const struct outcome *o)
{
	cJSON *src;
	int ret;

	src = cJSON_CreateObject();
	if (!src)
		return -ENOMEM;
	ret = add_string_or_null(src, "Topic", o->topic);
	if (ret)
		goto out;
	ret = add_integer(src, "Partition", o->partition);
	if (ret)
		goto out;
	ret = add_integer(src, "Offset", o->offset);
	if (ret)
		goto out;
	ret = add_item(root, "Source", src);
	src = NULL;
out:
	cJSON_Delete(src);
	return ret;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for Unix milliseconds; -ERANGE outside the
 * years 0000..9999 that the format can express. */
static int format_ms(int64_t ms, char *buf, size_t len)
{
	int64_t secs = ms / 1000;
	int64_t milli = ms % 1000;
	struct tm tm;
	time_t t;

	if (milli < 0) {
		milli += 1000;
		secs--;
	}
	t = (time_t)secs;
	if ((int64_t)t != secs || !gmtime_r(&t, &tm))
		return -ERANGE;
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -ERANGE;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)milli);
	return 0;
}

char *outcome_to_json(const struct outcome *o)
{
	const cJSON *response = NULL;
	const char *list, *number;
	char stamp[96];
	cJSON *root = NULL;
	char *text = NULL;

	if (!o || !outcome_name(o->kind))
		goto out;
	if (o->kind != OUTCOME_DELETED && !o->error_code)
		goto out;
	if (format_ms(o->completed_at_ms, stamp, sizeof(stamp)))
		goto out;
	if (o->kind == OUTCOME_DELETED && cJSON_IsObject(o->response))
		response = o->response;

	list = response_string(response, "OptOutListName");
	if (!list)
		list = o->list;
	number = response_string(response, "OptedOutNumber");
	if (!number)
		number = o->number;

	root = cJSON_CreateObject();
	if (!root)
		goto out;
	if (add_string_or_null(root, "RequestId", o->request_id) ||
	    add_string_or_null(root, "Outcome", outcome_name(o->kind)) ||
	    add_string_or_null(root, "OptOutListName", list) ||
	    add_string_or_null(root, "OptedOutNumber", number))
		goto out;
	if (response && add_response_members(root, response))
		goto out;
	if (o->kind != OUTCOME_DELETED && add_error(root, o))
		goto out;
	if (add_integer(root, "Attempts", o->attempts) ||
	    add_string_or_null(root, "AwsRequestId", o->aws_request_id) ||
	    add_source(root, o))
		goto out;
	if (o->key_truncated &&
	    (add_item(root, "KeyTruncated", cJSON_CreateTrue()) ||
	     add_integer(root, "KeyLength", (int64_t)o->key_length)))
		goto out;
	if (add_string_or_null(root, "CompletedAt", stamp))
		goto out;

	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}

int outcome_bound_key(const void *key, size_t len, char *ret_key)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char *p = ret_key;

	if (!key || len <= OUTCOME_KEY_BOUND)
		return -EINVAL;
	if (!EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return -EINVAL;
	memcpy(p, key, OUTCOME_KEY_PREFIX);
	p += OUTCOME_KEY_PREFIX;
	memcpy(p, "#sha256:", 8);
	p += 8;
	for (i = 0; i < mdlen; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0x0f];
	}
	return 0;
}
