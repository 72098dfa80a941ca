/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outcome.c - the outcome message (results topic value) as JSON.
 *
 * The object is written straight into one buffer, in DESIGN.md's key
 * order and in the form cJSON_PrintUnformatted() gives (no blanks; strings
 * escaped as cJSON escapes them), without building a tree: one allocation
 * or a few per outcome instead of fifty.  Integers we own (Attempts,
 * Partition, Offset) are printed as integers: cJSON keeps numbers as
 * doubles and prints values above INT_MAX with "%.15g", which turns offset
 * 9007199254740991 into 9.00719925474099e+15.  Numbers copied from the API
 * response are written with the shortest "%.*g" form that reads back as
 * the same double, since cJSON's own printer accepts a close-enough form
 * and can drop digits (1764115200.0000002 would print as 1764115200).
 * Both rely on the "C" numeric locale, which the daemon never changes.
 * The response itself is a cJSON tree (api.c parses it); only reading it
 * is cJSON's here.
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

#include "buf.h"

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

/* The text being written: a buffer and whether the object or array just
 * opened is still empty (no comma before its first member). */
struct out {
	struct buf b;
	bool first;
};

static void open_(struct out *w, char c)
{
	buf_putc(&w->b, c);
	w->first = true;
}

static void close_(struct out *w, char c)
{
	buf_putc(&w->b, c);
	w->first = false;
}

static void comma(struct out *w)
{
	if (!w->first)
		buf_putc(&w->b, ',');
	w->first = false;
}

/* @s as a JSON string, escaped as cJSON prints it: the two-character
 * escapes, \u00XX for the other control characters, every other byte as
 * it is. */
static void put_string(struct out *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	unsigned char c;

	buf_putc(&w->b, '"');
	for (; (c = (unsigned char)*s); s++) {
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_put(&w->b, run, (size_t)(s - run));
		run = s + 1;
		esc[1] = c == '"'    ? '"'
			 : c == '\\' ? '\\'
			 : c == '\b' ? 'b'
			 : c == '\f' ? 'f'
			 : c == '\n' ? 'n'
			 : c == '\r' ? 'r'
			 : c == '\t' ? 't'
				     : 'u';
		if (esc[1] != 'u') {
			buf_put(&w->b, esc, 2);
			continue;
		}
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0x0f];
		buf_put(&w->b, esc, 6);
	}
	buf_put(&w->b, run, (size_t)(s - run));
	buf_putc(&w->b, '"');
}

static void name(struct out *w, const char *n)
{
	comma(w);
	put_string(w, n);
	buf_putc(&w->b, ':');
}

static void add_string_or_null(struct out *w, const char *n, const char *s)
{
	name(w, n);
	if (s)
		put_string(w, s);
	else
		buf_puts(&w->b, "null");
}

static void add_integer(struct out *w, const char *n, int64_t v)
{
	char text[24], *p = text + sizeof(text);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	/* Digits from the right: printf's engine costs more than the rest
	 * of a member. */
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	name(w, n);
	buf_put(&w->b, p, (size_t)(text + sizeof(text) - p));
}

/* Shortest "%.*g" text that reads back as @d exactly. */
static void put_exact_number(struct out *w, double d)
{
	char text[40];
	int prec;

	if (!isfinite(d)) {
		buf_puts(&w->b, "null");
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(text, sizeof(text), "%.17g", d);
	buf_puts(&w->b, text);
}

/* A response value as it came, numbers printed exactly. */
static void put_value(struct out *w, const cJSON *v)
{
	const cJSON *child;
	bool array = cJSON_IsArray(v);

	if (cJSON_IsNumber(v)) {
		put_exact_number(w, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		put_string(w, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		buf_puts(&w->b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (array || cJSON_IsObject(v)) {
		open_(w, array ? '[' : '{');
		for (child = v->child; child; child = child->next) {
			if (array)
				comma(w);
			else
				name(w, child->string);
			put_value(w, child);
		}
		close_(w, array ? ']' : '}');
	} else {
		buf_puts(&w->b, "null");
	}
}

static void add_value(struct out *w, const char *n, const cJSON *v)
{
	name(w, n);
	put_value(w, v);
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

/* The top-level members of @response after ours: not our names, not a
 * name already written (at most OUTCOME_RESPONSE_MAX are, so each look-up
 * is short). */
static void add_response_members(struct out *w, const cJSON *response)
{
	const char *copied[OUTCOME_RESPONSE_MAX];
	const cJSON *item;
	size_t n = 0, i;

	for (item = response->child; item && n < OUTCOME_RESPONSE_MAX;
	     item = item->next) {
		if (!item->string || is_reserved(item->string))
			continue;
		for (i = 0; i < n && strcmp(copied[i], item->string); i++)
			;
		if (i < n)
			continue;
		add_value(w, item->string, item);
		copied[n++] = item->string;
	}
}

/* The Error members in the outcome's order: Code, Message, Reason,
 * ResourceType, ResourceId. */
struct err_fields {
	const char *v[5];
};

/* The Error object: Code and Message always (null when absent), the
 * others only when the answer gave them. */
static void add_error(struct out *w, const struct err_fields *e)
{
	static const char *const names[5] = {"Code", "Message", "Reason",
					     "ResourceType", "ResourceId"};
	size_t i;

	name(w, "Error");
	open_(w, '{');
	for (i = 0; i < 5; i++)
		if (i < 2 || e->v[i])
			add_string_or_null(w, names[i], e->v[i]);
	close_(w, '}');
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
static void add_entry_response(struct out *w, const cJSON *response)
{
	static const char *const names[] = {"OptedOutTimestamp",
					     "EndUserOptedOut"};
	const cJSON *item;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		item = cJSON_GetObjectItemCaseSensitive(response, names[i]);
		if (item)
			add_value(w, names[i], item);
	}
}

static void put_entry(struct out *w, const struct outcome_entry *en)
{
	const cJSON *response = NULL;
	const char *arn = en->arn;
	struct err_fields e = entry_err(en);

	if (en->kind == OUTCOME_DELETED && cJSON_IsObject(en->response))
		response = en->response;
	if (!arn)
		arn = response_string(response, "OptOutListArn");
	comma(w);
	open_(w, '{');
	add_string_or_null(w, "OptOutListName", en->list);
	if (arn)
		add_string_or_null(w, "OptOutListArn", arn);
	add_string_or_null(w, "Region", en->region);
	add_string_or_null(w, "Outcome", outcome_name(en->kind));
	if (response)
		add_entry_response(w, response);
	if (en->kind != OUTCOME_DELETED)
		add_error(w, &e);
	add_string_or_null(w, "AwsRequestId", en->aws_request_id);
	close_(w, '}');
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

static void add_lists(struct out *w, const struct outcome *o)
{
	size_t i;

	name(w, "Lists");
	open_(w, '[');
	for (i = 0; i < o->nentries; i++)
		put_entry(w, &o->entries[i]);
	close_(w, ']');
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

static void add_source(struct out *w, const struct outcome *o)
{
	name(w, "Source");
	open_(w, '{');
	add_string_or_null(w, "Topic", o->topic);
	add_integer(w, "Partition", o->partition);
	add_integer(w, "Offset", o->offset);
	close_(w, '}');
}

/* @v (0 <= v < 10^n) as @n decimal digits at @p. */
static void put_digits(char *p, int v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
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
	if (len < sizeof("YYYY-MM-DDTHH:MM:SS.mmmZ"))
		return -ERANGE;
	/* "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" without printf's engine. */
	memcpy(buf, "0000-00-00T00:00:00.000Z", 25);
	put_digits(buf, tm.tm_year + 1900, 4);
	put_digits(buf + 5, tm.tm_mon + 1, 2);
	put_digits(buf + 8, tm.tm_mday, 2);
	put_digits(buf + 11, tm.tm_hour, 2);
	put_digits(buf + 14, tm.tm_min, 2);
	put_digits(buf + 17, tm.tm_sec, 2);
	put_digits(buf + 20, (int)milli, 3);
	return 0;
}

char *outcome_to_json(const struct outcome *o)
{
	const cJSON *response = NULL;
	const char *list, *number;
	char stamp[96];
	struct out w;
	struct err_fields err;

	if (!o || !outcome_name(o->kind))
		return NULL;
	if (o->nentries && (!o->entries || !entries_valid(o)))
		return NULL;
	if (o->everywhere && !o->nentries && o->kind != OUTCOME_NOT_FOUND)
		return NULL;
	err = top_err(o);
	if (o->kind != OUTCOME_DELETED && !err.v[0])
		return NULL;
	if (outcome_format_ms(o->completed_at_ms, stamp, sizeof(stamp)))
		return NULL;
	if (o->kind == OUTCOME_DELETED && cJSON_IsObject(o->response) &&
	    !o->nentries && !o->everywhere)
		response = o->response;

	list = response_string(response, "OptOutListName");
	if (!list)
		list = o->list;
	number = response_string(response, "OptedOutNumber");
	if (!number)
		number = o->number;

	buf_init(&w.b, 0, 0);
	open_(&w, '{');
	add_string_or_null(&w, "RequestId", o->request_id);
	add_string_or_null(&w, "Outcome", outcome_name(o->kind));
	add_string_or_null(&w, "OptOutListName", list);
	add_string_or_null(&w, "OptedOutNumber", number);
	if (response)
		add_response_members(&w, response);
	if (o->nentries || o->everywhere)
		add_lists(&w, o);
	if (o->lists_omitted)
		add_integer(&w, "ListsOmitted", (int64_t)o->lists_omitted);
	if (o->kind != OUTCOME_DELETED)
		add_error(&w, &err);
	add_integer(&w, "Attempts", o->attempts);
	add_string_or_null(&w, "AwsRequestId", o->aws_request_id);
	add_source(&w, o);
	if (o->key_truncated) {
		name(&w, "KeyTruncated");
		buf_puts(&w.b, "true");
		add_integer(&w, "KeyLength", (int64_t)o->key_length);
	}
	add_string_or_null(&w, "CompletedAt", stamp);
	close_(&w, '}');
	return buf_take(&w.b);
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
