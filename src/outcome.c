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
 * An erase-everywhere outcome carries "Lists", one object per list, after
 * OptedOutNumber and no response members at the top; each entry keeps only
 * the schema's listEntry members.  Its top-level Outcome must be the worst
 * of the entries' (outcome_worst(), checked, not trusted) and its Error,
 * unless given, is the first such entry's, so a reader of the top level
 * alone sees why.
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
	"CompletedAt", "KeyTruncated", "KeyLength",   "Lists",
	"ListsOmitted",
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

/* Hangs @child under @root as @name when filling it went well (@ret 0);
 * frees it otherwise.  Returns the first error. */
static int add_child(cJSON *root, const char *name, cJSON *child, int ret)
{
	if (ret) {
		cJSON_Delete(child);
		return ret;
	}
	return add_item(root, name, child);
}

/* The Error members in the outcome's order: Code, Message, Reason,
 * ResourceType, ResourceId. */
struct err_fields {
	const char *v[5];
};

/* The Error object: Code and Message always (null when absent), the
 * others only when the answer gave them. */
static int add_error(cJSON *root, const struct err_fields *e)
{
	static const char *const names[5] = {"Code", "Message", "Reason",
					     "ResourceType", "ResourceId"};
	cJSON *err;
	size_t i;
	int ret = 0;

	err = cJSON_CreateObject();
	if (!err)
		return -ENOMEM;
	for (i = 0; !ret && i < 5; i++)
		if (i < 2 || e->v[i])
			ret = add_string_or_null(err, names[i], e->v[i]);
	return add_child(root, "Error", err, ret);
}

static struct err_fields outcome_err(const struct outcome *o)
{
	struct err_fields e = {{o->error_code, o->error_message,
				o->error_reason, o->error_resource_type,
				o->error_resource_id}};

	return e;
}

static struct err_fields entry_err(const struct outcome_entry *en)
{
	struct err_fields e = {{en->error_code, en->error_message,
				en->error_reason, en->error_resource_type,
				en->error_resource_id}};

	return e;
}

/* Rank of an entry's outcome: higher is worse (DESIGN.md's order). */
static int severity(enum outcome_kind kind)
{
	switch (kind) {
	case OUTCOME_NOT_FOUND:
		return 0;
	case OUTCOME_DELETED:
		return 1;
	case OUTCOME_CONFLICT:
		return 2;
	case OUTCOME_DENIED:
		return 3;
	default:
		return 4; /* failed, and anything else */
	}
}

enum outcome_kind outcome_worst(const struct outcome_entry *entries,
				size_t n)
{
	enum outcome_kind worst = OUTCOME_NOT_FOUND;
	size_t i;

	for (i = 0; i < n; i++)
		if (severity(entries[i].kind) > severity(worst))
			worst = entries[i].kind == OUTCOME_REJECTED ?
					OUTCOME_FAILED :
					entries[i].kind;
	return worst;
}

size_t outcome_max_bytes(size_t nentries)
{
	return OUTCOME_MAX_BYTES + nentries * OUTCOME_ENTRY_MAX_BYTES;
}

/* The response members an entry keeps (listEntry in the schema). */
static int add_entry_response(cJSON *obj, const cJSON *response)
{
	static const char *const names[] = {"OptedOutTimestamp",
					     "EndUserOptedOut"};
	const cJSON *item;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		item = cJSON_GetObjectItemCaseSensitive(response, names[i]);
		if (!item)
			continue;
		ret = add_item(obj, names[i], copy_value(item));
		if (ret)
			return ret;
	}
	return 0;
}

static int fill_entry(cJSON *obj, const struct outcome_entry *en)
{
	const cJSON *response = NULL;
	const char *arn = en->arn;
	struct err_fields e = entry_err(en);

	if (en->kind == OUTCOME_DELETED && cJSON_IsObject(en->response))
		response = en->response;
	if (!arn)
		arn = response_string(response, "OptOutListArn");
	if (add_string_or_null(obj, "OptOutListName", en->list))
		return -ENOMEM;
	if (arn && add_string_or_null(obj, "OptOutListArn", arn))
		return -ENOMEM;
	if (add_string_or_null(obj, "Region", en->region) ||
	    add_string_or_null(obj, "Outcome", outcome_name(en->kind)))
		return -ENOMEM;
	if (response && add_entry_response(obj, response))
		return -ENOMEM;
	if (en->kind != OUTCOME_DELETED && add_error(obj, &e))
		return -ENOMEM;
	return add_string_or_null(obj, "AwsRequestId", en->aws_request_id);
}

/* Whether @o's entries can be written: each has a name, a region, an
 * outcome of its own and an error code unless deleted, and @o's kind is
 * their worst. */
static bool entries_valid(const struct outcome *o)
{
	const struct outcome_entry *en;
	size_t i;

	for (i = 0; i < o->nentries; i++) {
		en = &o->entries[i];
		if (!en->list || !en->region || !outcome_name(en->kind) ||
		    en->kind == OUTCOME_REJECTED)
			return false;
		if (en->kind != OUTCOME_DELETED && !en->error_code)
			return false;
	}
	return o->kind == outcome_worst(o->entries, o->nentries);
}

static int add_lists(cJSON *root, const struct outcome *o)
{
	cJSON *arr, *obj;
	size_t i;
	int ret = 0;

	arr = cJSON_CreateArray();
	if (!arr)
		return -ENOMEM;
	for (i = 0; !ret && i < o->nentries; i++) {
		obj = cJSON_CreateObject();
		if (!obj) {
			ret = -ENOMEM;
			break;
		}
		ret = fill_entry(obj, &o->entries[i]);
		if (!ret && !cJSON_AddItemToArray(arr, obj))
			ret = -ENOMEM;
		if (ret)
			cJSON_Delete(obj);
	}
	return add_child(root, "Lists", arr, ret);
}

/* The top-level Error: @o's own, or on an erase-everywhere outcome
 * without one, the first entry's with the top-level outcome. */
static struct err_fields top_err(const struct outcome *o)
{
	size_t i;

	if (o->error_code || !o->nentries)
		return outcome_err(o);
	for (i = 0; i < o->nentries; i++)
		if (o->entries[i].kind == o->kind)
			return entry_err(&o->entries[i]);
	return outcome_err(o);
}

static int add_source(cJSON *root, const struct outcome *o)
{
	cJSON *src;
	int ret;

	src = cJSON_CreateObject();
	if (!src)
		return -ENOMEM;
	ret = add_string_or_null(src, "Topic", o->topic);
	if (!ret)
		ret = add_integer(src, "Partition", o->partition);
	if (!ret)
		ret = add_integer(src, "Offset", o->offset);
	return add_child(root, "Source", src, ret);
}

int outcome_format_ms(int64_t ms, char *buf, size_t len)
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
	struct err_fields err;

	if (!o || !outcome_name(o->kind))
		goto out;
	if (o->nentries && (!o->entries || !entries_valid(o)))
		goto out;
	if (o->everywhere && !o->nentries && o->kind != OUTCOME_NOT_FOUND)
		goto out;
	err = top_err(o);
	if (o->kind != OUTCOME_DELETED && !err.v[0])
		goto out;
	if (outcome_format_ms(o->completed_at_ms, stamp, sizeof(stamp)))
		goto out;
	if (o->kind == OUTCOME_DELETED && cJSON_IsObject(o->response) &&
	    !o->nentries && !o->everywhere)
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
	if ((o->nentries || o->everywhere) && add_lists(root, o))
		goto out;
	if (o->lists_omitted &&
	    add_integer(root, "ListsOmitted", (int64_t)o->lists_omitted))
		goto out;
	if (o->kind != OUTCOME_DELETED && add_error(root, &err))
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
