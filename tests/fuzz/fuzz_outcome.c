/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_outcome.c - libFuzzer target for outcome_to_json() fed with
 * hostile values: an API response object of any shape, any strings in
 * the error members, any Source, and erase-everywhere entries.
 *
 * Input: a flags byte (bits 0-2 the outcome kind, bit 3 KeyTruncated,
 * bits 4-6 how many entries), a byte of entry kinds' seed, then
 * NUL-separated parts: the response JSON, request id, list, number, the
 * five error members, the AWS request id, the topic, and per entry a list
 * name, region, error code and response JSON.  Strings that are not UTF-8
 * are made ASCII first, as request.c and api.c only pass UTF-8 on.
 *
 * Checked whenever the outcome can be written (a kind, an error code
 * unless deleted, entries with a name, a region, an error code unless
 * deleted, and the worst of them as the kind): it is written; it parses
 * with cJSON; it is valid UTF-8; no member name repeats at the top level;
 * it starts with RequestId, Outcome, OptOutListName, OptedOutNumber and
 * ends with CompletedAt; Outcome names the kind; Source.Offset and
 * Attempts read back as the integers given; each response member copied
 * reads back equal (numbers as the same double); Lists holds one entry per
 * list with its own Outcome.  When it cannot be written, NULL.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "outcome.h"

#define T "fuzz_outcome"
#define MAXE 7
#define NPARTS (12 + 4 * MAXE)

/* Deep equality, numbers compared exactly. */
static bool equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (cJSON_IsNumber(a) && !isfinite(a->valuedouble))
		return cJSON_IsNull(b); /* JSON has no infinity */
	if (cJSON_IsNumber(a))
		return cJSON_IsNumber(b) && a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a))
		return cJSON_IsString(b) &&
		       !strcmp(a->valuestring, b->valuestring);
	if ((a->type & 0xff) != (b->type & 0xff))
		return false;
	if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
		return true;
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
		if ((cJSON_IsObject(a) && strcmp(x->string, y->string)) ||
		    !equal(x, y))
			return false;
	return !x && !y;
}

static const char *part_str(char **part, int i)
{
	return part[i][0] ? part[i] : NULL;
}

/* The last occurrence of @what in @text, or NULL. */
static const char *last_of(const char *text, const char *what)
{
	const char *p, *found = NULL;

	for (p = strstr(text, what); p; p = strstr(p + 1, what))
		found = p;
	return found;
}

static void check_members(const cJSON *root, const struct outcome *o,
			  const char *text)
{
	static const char *const head[] = {"RequestId", "Outcome",
					   "OptOutListName", "OptedOutNumber"};
	const cJSON *item, *other, *last = NULL, *src;
	const char *p;
	size_t i = 0;

	for (item = root->child; item; item = item->next, i++) {
		if (i < 4 && strcmp(item->string, head[i]))
			fuzz_fail(T, "first members out of order");
		for (other = item->next; other; other = other->next)
			if (!strcmp(item->string, other->string))
				fuzz_fail(T, "a member name repeats");
		last = item;
	}
	if (!last || strcmp(last->string, "CompletedAt"))
		fuzz_fail(T, "CompletedAt is not last");
	item = cJSON_GetObjectItemCaseSensitive(root, "Outcome");
	if (!cJSON_IsString(item) ||
	    strcmp(item->valuestring, outcome_name(o->kind)))
		fuzz_fail(T, "Outcome is not the kind");
	src = cJSON_GetObjectItemCaseSensitive(root, "Source");
	if (!cJSON_IsObject(src))
		fuzz_fail(T, "no Source");
	/* Offsets above 2^53: read the text, not cJSON's double.  Response
	 * members (which come first) may have the same names; nothing after
	 * Source and Attempts but strings, whose quotes are escaped. */
	p = last_of(text, "\"Offset\":");
	if (!p || strtoll(p + 9, NULL, 10) != o->offset)
		fuzz_fail(T, "Offset does not read back");
	p = last_of(text, "\"Attempts\":");
	if (!p || strtoll(p + 11, NULL, 10) != o->attempts)
		fuzz_fail(T, "Attempts does not read back");
}

static void check_response(const cJSON *root, const cJSON *response)
{
	static const char *const ours[] = {
		"RequestId", "Outcome", "OptOutListName", "OptedOutNumber",
		"Error", "Attempts", "AwsRequestId", "Source", "CompletedAt",
		"KeyTruncated", "KeyLength", "Lists"};
	const cJSON *item, *prev, *got;
	size_t i, copied = 0;
	bool skip;

	for (item = response->child;
	     item && copied < OUTCOME_RESPONSE_MAX; item = item->next) {
		skip = false;
		for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			skip |= !strcmp(item->string, ours[i]);
		for (prev = response->child; prev != item; prev = prev->next)
			skip |= !strcmp(prev->string, item->string);
		if (skip)
			continue;
		got = cJSON_GetObjectItemCaseSensitive(root, item->string);
		if (!got || !equal(item, got))
			fuzz_fail(T, "a response member does not read back");
		copied++;
	}
}

static void check_lists(const cJSON *root, const struct outcome *o)
{
	const cJSON *lists = cJSON_GetObjectItemCaseSensitive(root, "Lists");
	const cJSON *item, *name, *kind;
	size_t i = 0;

	if (!o->nentries) {
		if (lists)
			fuzz_fail(T, "Lists without entries");
		return;
	}
	if ((size_t)cJSON_GetArraySize(lists) != o->nentries)
		fuzz_fail(T, "Lists does not hold every entry");
	cJSON_ArrayForEach(item, lists) {
		name = cJSON_GetObjectItemCaseSensitive(item, "OptOutListName");
		kind = cJSON_GetObjectItemCaseSensitive(item, "Outcome");
		if (!cJSON_IsString(name) ||
		    strcmp(name->valuestring, o->entries[i].list) ||
		    !cJSON_IsString(kind) ||
		    strcmp(kind->valuestring, outcome_name(o->entries[i].kind)))
			fuzz_fail(T, "a Lists entry is not its list's");
		i++;
	}
}

static bool writable(const struct outcome *o)
{
	size_t i;

	if (!outcome_name(o->kind))
		return false;
	for (i = 0; i < o->nentries; i++)
		if (!o->entries[i].list || !o->entries[i].region ||
		    o->entries[i].kind == OUTCOME_REJECTED ||
		    !outcome_name(o->entries[i].kind) ||
		    (o->entries[i].kind != OUTCOME_DELETED &&
		     !o->entries[i].error_code))
			return false;
	if (o->nentries && o->kind != outcome_worst(o->entries, o->nentries))
		return false;
	if (o->kind == OUTCOME_DELETED || o->error_code)
		return true;
	for (i = 0; i < o->nentries; i++)
		if (o->entries[i].kind == o->kind)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome_entry ent[MAXE];
	struct outcome o;
	cJSON *response, *eresp[MAXE] = {NULL}, *root;
	char *buf, *part[NPARTS], *p, *text;
	size_t nparts = 0, i;
	unsigned seed;

	if (size < 2)
		return 0;
	buf = fuzz_strdup(data + 2, size - 2);
	for (p = buf; nparts < NPARTS && p <= buf + size - 2;
	     p += strlen(p) + 1)
		part[nparts++] = p;
	for (i = nparts; i < NPARTS; i++)
		part[i] = "";
	for (i = 0; i < nparts; i++)
		if (!fuzz_utf8_ok((unsigned char *)part[i], strlen(part[i])))
			for (p = part[i]; *p; p++)
				*p = (char)((*p & 0x7f) ? *p & 0x7f : '?');
	memset(&o, 0, sizeof(o));
	response = cJSON_Parse(part[0]);
	o.kind = (enum outcome_kind)(data[0] & 7);
	o.key_truncated = data[0] & 8;
	o.key_length = strlen(part[1]);
	o.nentries = (data[0] >> 4) & 7;
	o.response = response;
	o.request_id = part_str(part, 1);
	o.list = part[2];
	o.number = part[3];
	o.error_code = part_str(part, 4);
	o.error_message = part_str(part, 5);
	o.error_reason = part_str(part, 6);
	o.error_resource_type = part_str(part, 7);
	o.error_resource_id = part_str(part, 8);
	o.aws_request_id = part_str(part, 9);
	o.topic = part[10];
	o.attempts = (int)strtol(part[11], NULL, 10);
	o.offset = (int64_t)strtoll(part[11], NULL, 10);
	o.partition = (int32_t)size;
	o.completed_at_ms = 1764115200123LL + (int64_t)size;
	seed = data[1];
	for (i = 0; i < o.nentries; i++) {
		memset(&ent[i], 0, sizeof(ent[i]));
		ent[i].kind = (enum outcome_kind)((seed >> (i % 4 * 2)) % 6);
		ent[i].list = part[12 + 4 * i];
		ent[i].region = part_str(part, 13 + 4 * (int)i);
		ent[i].error_code = part_str(part, 14 + 4 * (int)i);
		ent[i].error_message = o.error_message;
		eresp[i] = cJSON_Parse(part[15 + 4 * i]);
		ent[i].response = eresp[i];
		ent[i].aws_request_id = o.aws_request_id;
	}
	o.entries = o.nentries ? ent : NULL;
	text = outcome_to_json(&o);
	if (!writable(&o)) {
		if (text)
			fuzz_fail(T, "an outcome written that cannot be");
	} else {
		if (!text)
			fuzz_fail(T, "a valid outcome not written");
		if (!fuzz_utf8_ok((unsigned char *)text, strlen(text)))
			fuzz_fail(T, "outcome is not UTF-8");
		root = cJSON_Parse(text);
		if (!cJSON_IsObject(root))
			fuzz_fail(T, "outcome does not parse");
		check_members(root, &o, text);
		if (o.kind == OUTCOME_DELETED && !o.nentries &&
		    cJSON_IsObject(response))
			check_response(root, response);
		check_lists(root, &o);
		cJSON_Delete(root);
	}
	free(text);
	for (i = 0; i < MAXE; i++)
		cJSON_Delete(eresp[i]);
	cJSON_Delete(response);
	free(buf);
	return 0;
}
