/* SPDX-License-Identifier: Apache-2.0 */
/*
 * creddoc.c - what the AWS credential sources answer in JSON, their times,
 * and when to ask them again.
 *
 * Owns the parsing of a credential_process's stdout, the container
 * endpoint's and the instance metadata's JSON (through cJSON; every string
 * in the tree is wiped before the tree is freed, since some are secrets),
 * the key checks and the message cleaning that stsdoc.c shares, the ISO
 * 8601 times (the proleptic Gregorian day count, without the C library's
 * time zone machinery) and the refresh schedule that credprov.c follows.
 *
 * Keys are checked before they are kept: a key id is alphanumeric, a secret
 * and a session token are printable ASCII without spaces, so none of them
 * can smuggle a line break into an HTTP header.  Reasons for refusing an
 * answer name members and the source's error codes, and copy the source's
 * own error message only after replacing anything unprintable.
 *
 * Called by the sources (process.c, container.c, imds.c) and credprov.c's
 * refresher thread.  Pure: no I/O, no threads, no logging; any thread.
 */
#include "creddoc.h"

#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#define MINUTE_MS (60 * 1000)

void creddoc_clean_copy(char *dst, size_t dstlen, const char *src,
		       size_t srclen)
{
	size_t i, n = 0;

	if (!dstlen)
		return;
	for (i = 0; i < srclen && i < CREDDOC_REASON_MAX && n + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

int creddoc_key_ok(enum creddoc_key kind, const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	if (kind == CREDDOC_KEY_ID && len > CREDDOC_KEY_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (kind == CREDDOC_KEY_ID && !((c >= 'A' && c <= 'Z') ||
					(c >= 'a' && c <= 'z') ||
					(c >= '0' && c <= '9')))
			return 0;
		if (c < 0x21 || c > 0x7e)
			return 0;
	}
	return 1;
}

/* --------------------------------------------------------------- times */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* @n digits at @s as a number, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int creddoc_parse_time(const char *s, size_t len, int64_t *ret_ms)
{
	int year, mon, day, hour, min, sec, frac = 0, oh = 0, om = 0;
	int64_t ms, scale = 100, offset = 0;
	size_t i;

	if (!s || len < 20)
		return -EINVAL;
	year = digits(s, 4);
	mon = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -EINVAL;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
	    day > month_days(year, mon) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return -EINVAL;
	i = 19;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -EINVAL;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (int)(scale * (s[i] - '0'));
			scale /= 10;
		}
	}
	if (i >= len)
		return -EINVAL; /* no zone */
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (len - i == 3) {
			oh = digits(s + i + 1, 2);
		} else if (len - i == 5) {
			oh = digits(s + i + 1, 2);
			om = digits(s + i + 3, 2);
		} else if (len - i == 6 && s[i + 3] == ':') {
			oh = digits(s + i + 1, 2);
			om = digits(s + i + 4, 2);
		} else {
			return -EINVAL;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -EINVAL;
		offset = (int64_t)(oh * 60 + om) * MINUTE_MS;
		if (s[i] == '-')
			offset = -offset;
		i = len;
	} else {
		return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	ms = days_from_civil(year, mon, day) * 86400;
	ms = (ms + hour * 3600 + min * 60 + sec) * 1000 + frac - offset;
	if (ms < 1)
		return -EINVAL; /* 0 would mean "does not expire" */
	*ret_ms = ms;
	return 0;
}

int creddoc_format_time(int64_t ms, char *buf, size_t len)
{
	int64_t days, secs, y;
	int m, d;

	if (!buf || len < CREDDOC_TIME_MAX || ms < 0)
		return -EINVAL;
	days = ms / 86400000;
	secs = (ms / 1000) % 86400;
	civil_from_days(days, &y, &m, &d);
	if (y > 9999)
		return -EINVAL;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return 0;
}

/* ---------------------------------------------------------------- JSON */

static void json_wipe(cJSON *item)
{
	for (; item; item = item->next) {
		if (item->valuestring)
			OPENSSL_cleanse(item->valuestring,
					strlen(item->valuestring));
		json_wipe(item->child);
	}
}

static const char *json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/*
 * Copies the string member @name of @obj to *@ret when it is a valid key of
 * @kind.  Absent, null or "" gives NULL, which is an error when @required.
 */
static int take_key(const cJSON *obj, const char *name, enum creddoc_key kind,
		    bool required, char **ret, char *errbuf, size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t len;

	if (!item || cJSON_IsNull(item) ||
	    (cJSON_IsString(item) && !item->valuestring[0])) {
		if (!required)
			return 0;
		util_set_error(errbuf, errlen, "no %s", name);
		return -EINVAL;
	}
	if (!cJSON_IsString(item)) {
		util_set_error(errbuf, errlen, "%s is not a string", name);
		return -EINVAL;
	}
	len = strlen(item->valuestring);
	if (!creddoc_key_ok(kind, item->valuestring, len) ||
	    (kind == CREDDOC_KEY_SECRET && len > CREDS_BODY_MAX)) {
		util_set_error(errbuf, errlen, "%s has characters or a length that "
			  "a key cannot have", name);
		return -EINVAL;
	}
	*ret = strdup(item->valuestring);
	return *ret ? 0 : -ENOMEM;
}

static int take_expiration(const cJSON *obj, int64_t *ret, char *errbuf,
			   size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "Expiration");

	if (!item || cJSON_IsNull(item))
		return 0;
	if (!cJSON_IsString(item) ||
	    creddoc_parse_time(item->valuestring,
				  strlen(item->valuestring), ret)) {
		util_set_error(errbuf, errlen, "Expiration is not an ISO 8601 time "
			  "with a zone");
		return -EINVAL;
	}
	return 0;
}

/* The source's own error, when the answer is one; 1 if it was. */
static int json_source_error(enum creddoc_format fmt, const cJSON *root,
			     char *errbuf, size_t errlen)
{
	const char *code, *msg;
	char c[CREDDOC_REASON_MAX + 1], m[CREDDOC_REASON_MAX + 1];

	if (fmt == CREDDOC_IMDS) {
		code = json_string(root, "Code");
		msg = json_string(root, "Message");
		if (!code || !strcmp(code, "Success"))
			return 0;
	} else if (fmt == CREDDOC_CONTAINER) {
		code = json_string(root, "code");
		msg = json_string(root, "message");
		if ((!code && !msg) ||
		    cJSON_GetObjectItemCaseSensitive(root, "AccessKeyId"))
			return 0;
	} else {
		return 0;
	}
	creddoc_clean_copy(c, sizeof(c), code ? code : "error",
		   strlen(code ? code : "error"));
	creddoc_clean_copy(m, sizeof(m), msg ? msg : "", msg ? strlen(msg) : 0);
	util_set_error(errbuf, errlen, "%s%s%s", c, m[0] ? ": " : "", m);
	return 1;
}

int creddoc_parse_json(enum creddoc_format fmt, const char *body,
			  size_t len, struct credentials *ret,
			  char *errbuf, size_t errlen)
{
	struct credentials k = {0};
	const char *token_name = fmt == CREDDOC_PROCESS ? "SessionToken" :
							     "Token";
	const cJSON *version;
	cJSON *root = NULL;
	int r = -EINVAL;

	util_set_error(errbuf, errlen, "%s", "");
	if (!body || !len) {
		util_set_error(errbuf, errlen, "empty answer");
		goto out;
	}
	if (len > CREDS_BODY_MAX) {
		util_set_error(errbuf, errlen, "answer larger than %d bytes",
			  CREDS_BODY_MAX);
		goto out;
	}
	root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root)) {
		util_set_error(errbuf, errlen, "answer is not a JSON object");
		goto out;
	}
	if (json_source_error(fmt, root, errbuf, errlen))
		goto out;
	if (fmt == CREDDOC_PROCESS) {
		version = cJSON_GetObjectItemCaseSensitive(root, "Version");
		if (!cJSON_IsNumber(version) || version->valuedouble != 1.0) {
			util_set_error(errbuf, errlen, "%s", version ?
				  "Version is not 1" : "no Version");
			goto out;
		}
	}
	r = take_key(root, "AccessKeyId", CREDDOC_KEY_ID, true, &k.access_key_id,
		     errbuf, errlen);
	if (!r)
		r = take_key(root, "SecretAccessKey", CREDDOC_KEY_SECRET, true,
			     &k.secret_access_key, errbuf, errlen);
	if (!r)
		r = take_key(root, token_name, CREDDOC_KEY_SECRET, false,
			     &k.session_token, errbuf, errlen);
	if (!r)
		r = take_expiration(root, &k.expires_ms, errbuf, errlen);
	if (r)
		goto out;
	*ret = k;
	memset(&k, 0, sizeof(k));
out:
	if (root) {
		json_wipe(root);
		cJSON_Delete(root);
	}
	creds_done(&k);
	return r;
}

/* ------------------------------------------------------------- helpers */

int creddoc_role_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("+=,.@_-", c));
}

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int creddoc_imds_role(const char *body, size_t len, char *buf,
			 size_t buflen)
{
	size_t i = 0, n;

	if (!body)
		return -ENOENT;
	while (i < len && space(body[i]))
		i++;
	for (n = 0; i + n < len && body[i + n] != '\n' && body[i + n] != '\r';
	     n++)
		if (!creddoc_role_char((unsigned char)body[i + n]) &&
		    body[i + n] != ' ' && body[i + n] != '\t')
			return -EINVAL;
	while (n && space(body[i + n - 1]))
		n--;
	if (!n)
		return -ENOENT;
	if (n >= buflen || memchr(body + i, ' ', n) || memchr(body + i, '\t', n))
		return -EINVAL;
	memcpy(buf, body + i, n);
	buf[n] = '\0';
	return 0;
}


/* ------------------------------------------------------------ schedule */

int64_t creddoc_refresh_at(int64_t now_ms, int64_t expires_ms,
			      uint64_t rnd)
{
	int64_t at, half;

	if (!expires_ms)
		return INT64_MAX;
	at = expires_ms - 5 * MINUTE_MS - (int64_t)(rnd % (10 * MINUTE_MS + 1));
	half = now_ms + (expires_ms - now_ms) / 2;
	if (at < half)
		at = half;
	if (at < now_ms + 1000)
		at = now_ms + 1000;
	return at;
}

int64_t creddoc_retry_at(int64_t now_ms, int64_t expires_ms,
			    unsigned failures, uint64_t rnd)
{
	int64_t base, delay;

	base = (int64_t)1000 << (failures > 6 ? 5 : (failures ? failures - 1 : 0));
	if (base > 30000)
		base = 30000;
	delay = base / 2 + (int64_t)(rnd % (uint64_t)(base / 2 + 1));
	if (expires_ms > now_ms && delay > (expires_ms - now_ms) / 2)
		delay = (expires_ms - now_ms) / 2;
	if (delay < 1000)
		delay = 1000;
	return now_ms + delay;
}
