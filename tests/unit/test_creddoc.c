/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_creddoc.c - the credential sources' JSON parsers, times, the
 * instance metadata role listing and the refresh schedule, one table per
 * function.
 *
 * Every secret in the tables contains "s3cr3t" or "t0k3n"; no message may
 * contain either.  Answers are handed over in buffers of their exact size
 * (no NUL after them), so a parser reading past the end is caught by the
 * sanitizers and valgrind.  Links the pure library only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creddoc.h"
#include "tap.h"

#define ID "ASIAEXAMPLE1234"
#define SECRET "wJalr/s3cr3t+KEY"
#define TOKEN "t0k3n/AQoD+xyz=="
/* 2026-11-26T10:00:00Z */
#define EXP_MS INT64_C(1795687200000)

static bool no_secret(const char *msg)
{
	return !strstr(msg, "s3cr3t") && !strstr(msg, "t0k3n");
}

/* @s for a TAP line: control characters as '?', cut to fit @buf. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* @text in a malloc'd buffer of exactly its length. */
static char *exact(const char *text, size_t *len)
{
	char *buf;

	*len = strlen(text);
	buf = malloc(*len ? *len : 1);
	if (!buf)
		exit(1);
	memcpy(buf, text, *len);
	return buf;
}

/* -------------------------------------------------------------- times */

struct time_case {
	const char *in;
	int want;
	int64_t ms;
};

static const struct time_case time_cases[] = {
	{"2026-11-26T10:00:00Z", 0, EXP_MS},
	{"2026-11-26t10:00:00z", 0, EXP_MS},
	{"2026-11-26 10:00:00Z", 0, EXP_MS},
	{"2026-11-26T10:00:00.123Z", 0, EXP_MS + 123},
	{"2026-11-26T10:00:00.1Z", 0, EXP_MS + 100},
	{"2026-11-26T10:00:00.123456789Z", 0, EXP_MS + 123},
	{"2026-11-26T10:00:00,5Z", 0, EXP_MS + 500},
	{"2026-11-26T12:00:00+02:00", 0, EXP_MS},
	{"2026-11-26T12:30:00+0230", 0, EXP_MS},
	{"2026-11-26T08:00:00-02", 0, EXP_MS},
	{"2026-11-26T10:00:00.000+00:00", 0, EXP_MS},
	{"1970-01-01T00:00:01Z", 0, 1000},
	{"2000-02-29T00:00:00Z", 0, INT64_C(951782400000)},
	{"2024-12-31T23:59:59Z", 0, INT64_C(1735689599000)},
	{"9999-12-31T23:59:59Z", 0, INT64_C(253402300799000)},
	{"2016-12-31T23:59:60Z", 0, INT64_C(1483228800000)},
	/* refused */
	{"2026-11-26T10:00:00", -EINVAL, 0},         /* no zone */
	{"2026-11-26T10:00:00.Z", -EINVAL, 0},
	{"2026-11-26T10:00Z", -EINVAL, 0},
	{"2026-11-26", -EINVAL, 0},
	{"", -EINVAL, 0},
	{"2026-13-01T00:00:00Z", -EINVAL, 0},
	{"2026-00-01T00:00:00Z", -EINVAL, 0},
	{"2026-02-29T00:00:00Z", -EINVAL, 0},
	{"2100-02-29T00:00:00Z", -EINVAL, 0},
	{"2026-04-31T00:00:00Z", -EINVAL, 0},
	{"2026-11-26T24:00:00Z", -EINVAL, 0},
	{"2026-11-26T10:60:00Z", -EINVAL, 0},
	{"2026-11-26T10:00:61Z", -EINVAL, 0},
	{"1969-12-31T23:59:59Z", -EINVAL, 0},
	{"1970-01-01T00:00:00Z", -EINVAL, 0},    /* 0 means "never" */
	{"1970-01-01T00:30:00+01:00", -EINVAL, 0},
	{"2026-11-26T10:00:00+24:00", -EINVAL, 0},
	{"2026-11-26T10:00:00+02:60", -EINVAL, 0},
	{"2026-11-26T10:00:00+2", -EINVAL, 0},
	{"2026-11-26T10:00:00+02:0", -EINVAL, 0},
	{"2026-11-26T10:00:00ZZ", -EINVAL, 0},
	{"2026-11-26T10:00:00Z ", -EINVAL, 0},
	{" 2026-11-26T10:00:00Z", -EINVAL, 0},
	{"2026-11-26X10:00:00Z", -EINVAL, 0},
	{"2026/11/26T10:00:00Z", -EINVAL, 0},
	{"+2026-11-26T10:00:00Z", -EINVAL, 0},
	{"2026-1a-26T10:00:00Z", -EINVAL, 0},
	{"1795687200", -EINVAL, 0},
};

static void test_times(void)
{
	char buf[CREDDOC_TIME_MAX], *in;
	int64_t ms;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *tc = &time_cases[i];

		ms = -42;
		in = exact(tc->in, &len);
		r = creddoc_parse_time(in, len, &ms);
		is_int(r, tc->want, "time \"%s\": returns %d", tc->in,
		       tc->want);
		is_int(ms, tc->want ? -42 : tc->ms, "time \"%s\": %s", tc->in,
		       tc->want ? "result untouched" : "value");
		free(in);
	}
	is_int(creddoc_parse_time(NULL, 0, &ms), -EINVAL, "time NULL");

	is_int(creddoc_format_time(EXP_MS + 999, buf, sizeof(buf)), 0,
	       "format: returns 0");
	is_str(buf, "2026-11-26T10:00:00Z", "format: drops the milliseconds");
	creddoc_format_time(0, buf, sizeof(buf));
	is_str(buf, "1970-01-01T00:00:00Z", "format: the epoch");
	creddoc_format_time(INT64_C(951782400000), buf, sizeof(buf));
	is_str(buf, "2000-02-29T00:00:00Z", "format: a leap day");
	creddoc_format_time(INT64_C(253402300799000), buf, sizeof(buf));
	is_str(buf, "9999-12-31T23:59:59Z", "format: the last second");
	is_int(creddoc_format_time(INT64_C(253402300800000), buf,
				      sizeof(buf)),
	       -EINVAL, "format: year 10000 refused");
	is_int(creddoc_format_time(-1, buf, sizeof(buf)), -EINVAL,
	       "format: before 1970 refused");
	is_int(creddoc_format_time(EXP_MS, buf, CREDDOC_TIME_MAX - 1),
	       -EINVAL, "format: small buffer refused");

	/* Round trip over many days, each month's ends and leap years. */
	for (ms = 1000, r = 0; ms < INT64_C(253402300799000);
	     ms += INT64_C(86400000) * 37 + 3601001) {
		int64_t back = 0;

		creddoc_format_time(ms, buf, sizeof(buf));
		if (creddoc_parse_time(buf, strlen(buf), &back) ||
		    back != ms / 1000 * 1000) {
			r = 1;
			tap_diag("round trip of %" PRId64 ": %s -> %" PRId64,
				 ms, buf, back);
			break;
		}
	}
	ok(!r, "format/parse round trip from 1970 to 9999");
}

/* ---------------------------------------------------------------- JSON */

struct json_case {
	const char *what;
	enum creddoc_format fmt;
	const char *body; /* NULL = empty answer */
	int want;
	const char *want_token;
	int64_t want_exp;
	const char *want_err;
};

#define PROC_OK "{\"Version\": 1, \"AccessKeyId\": \"" ID "\", " \
		"\"SecretAccessKey\": \"" SECRET "\", "
#define CONT_OK "{\"AccessKeyId\": \"" ID "\", \"SecretAccessKey\": \"" \
		SECRET "\", "
#define IMDS_OK "{\"Code\": \"Success\", \"LastUpdated\": " \
		"\"2026-11-26T04:00:00Z\", \"Type\": \"AWS-HMAC\", " \
		"\"AccessKeyId\": \"" ID "\", \"SecretAccessKey\": \"" \
		SECRET "\", "

static const struct json_case json_cases[] = {
	/* credential_process */
	{"process full", CREDDOC_PROCESS,
	 PROC_OK "\"SessionToken\": \"" TOKEN "\", \"Expiration\": "
		 "\"2026-11-26T10:00:00Z\"}",
	 0, TOKEN, EXP_MS, NULL},
	{"process long-term", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 0, NULL, 0, NULL},
	{"process null token and expiry", CREDDOC_PROCESS,
	 PROC_OK "\"SessionToken\": null, \"Expiration\": null}",
	 0, NULL, 0, NULL},
	{"process empty token", CREDDOC_PROCESS,
	 PROC_OK "\"SessionToken\": \"\"}", 0, NULL, 0, NULL},
	{"process unknown members", CREDDOC_PROCESS,
	 PROC_OK "\"AccountId\": \"123456789012\", \"x\": [1, {}]}",
	 0, NULL, 0, NULL},
	{"process Token is not its name", CREDDOC_PROCESS,
	 PROC_OK "\"Token\": \"" TOKEN "\"}", 0, NULL, 0, NULL},
	{"process offset expiry", CREDDOC_PROCESS,
	 PROC_OK "\"Expiration\": \"2026-11-26T11:00:00+01:00\"}",
	 0, NULL, EXP_MS, NULL},
	{"process no Version", CREDDOC_PROCESS,
	 "{\"AccessKeyId\": \"" ID "\", \"SecretAccessKey\": \"" SECRET
	 "\"}", -EINVAL, NULL, 0, "no Version"},
	{"process Version 2", CREDDOC_PROCESS,
	 "{\"Version\": 2, \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "Version is not 1"},
	{"process Version string", CREDDOC_PROCESS,
	 "{\"Version\": \"1\", \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "Version is not 1"},
	{"process no key id", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "no AccessKeyId"},
	{"process empty key id", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"\", \"SecretAccessKey\": \""
	 SECRET "\"}", -EINVAL, NULL, 0, "no AccessKeyId"},
	{"process no secret", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"" ID "\"}",
	 -EINVAL, NULL, 0, "no SecretAccessKey"},
	{"process key id number", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": 12, \"SecretAccessKey\": \""
	 SECRET "\"}", -EINVAL, NULL, 0, "AccessKeyId is not a string"},
	{"process key id with a space", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"AKID X\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "AccessKeyId has characters"},
	{"process key id with a slash", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"AKID/X\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "AccessKeyId has characters"},
	{"process secret with a line break", CREDDOC_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"s3cr3t\\r\\nX-Evil: 1\"}",
	 -EINVAL, NULL, 0, "SecretAccessKey has characters"},
	{"process token non-ASCII", CREDDOC_PROCESS,
	 PROC_OK "\"SessionToken\": \"t0k3n\\u00e9\"}",
	 -EINVAL, NULL, 0, "SessionToken has characters"},
	{"process token object", CREDDOC_PROCESS,
	 PROC_OK "\"SessionToken\": {}}",
	 -EINVAL, NULL, 0, "SessionToken is not a string"},
	{"process bad expiry", CREDDOC_PROCESS,
	 PROC_OK "\"Expiration\": \"tomorrow\"}",
	 -EINVAL, NULL, 0, "Expiration is not an ISO 8601 time"},
	{"process expiry without zone", CREDDOC_PROCESS,
	 PROC_OK "\"Expiration\": \"2026-11-26T10:00:00\"}",
	 -EINVAL, NULL, 0, "Expiration is not an ISO 8601 time"},
	{"process numeric expiry", CREDDOC_PROCESS,
	 PROC_OK "\"Expiration\": 1795687200}",
	 -EINVAL, NULL, 0, "Expiration is not"},
	{"process not JSON", CREDDOC_PROCESS, "AccessKeyId=" ID,
	 -EINVAL, NULL, 0, "not a JSON object"},
	{"process array", CREDDOC_PROCESS, "[1]", -EINVAL, NULL, 0,
	 "not a JSON object"},
	{"process truncated", CREDDOC_PROCESS, PROC_OK, -EINVAL, NULL, 0,
	 "not a JSON object"},
	{"process empty", CREDDOC_PROCESS, NULL, -EINVAL, NULL, 0,
	 "empty answer"},
	/* container */
	{"container full", CREDDOC_CONTAINER,
	 CONT_OK "\"Token\": \"" TOKEN "\", \"Expiration\": "
		 "\"2026-11-26T10:00:00Z\", \"RoleArn\": \"arn:aws:iam::1:role/r\"}",
	 0, TOKEN, EXP_MS, NULL},
	{"container no expiry", CREDDOC_CONTAINER,
	 CONT_OK "\"Token\": \"" TOKEN "\"}", 0, TOKEN, 0, NULL},
	{"container SessionToken is not its name", CREDDOC_CONTAINER,
	 CONT_OK "\"SessionToken\": \"" TOKEN "\"}", 0, NULL, 0, NULL},
	{"container error shape", CREDDOC_CONTAINER,
	 "{\"code\": \"InvalidToken\", \"message\": \"bad\\ntoken\"}",
	 -EINVAL, NULL, 0, "InvalidToken: bad?token"},
	{"container message only", CREDDOC_CONTAINER,
	 "{\"message\": \"no role\"}", -EINVAL, NULL, 0, "error: no role"},
	{"container no secret", CREDDOC_CONTAINER,
	 "{\"AccessKeyId\": \"" ID "\", \"Token\": \"" TOKEN "\"}",
	 -EINVAL, NULL, 0, "no SecretAccessKey"},
	{"container empty object", CREDDOC_CONTAINER, "{}", -EINVAL, NULL,
	 0, "no AccessKeyId"},
	/* instance metadata */
	{"imds full", CREDDOC_IMDS,
	 IMDS_OK "\"Token\": \"" TOKEN "\", \"Expiration\": "
		 "\"2026-11-26T10:00:00Z\"}",
	 0, TOKEN, EXP_MS, NULL},
	{"imds without Code", CREDDOC_IMDS,
	 CONT_OK "\"Token\": \"" TOKEN "\"}", 0, TOKEN, 0, NULL},
	{"imds failure code", CREDDOC_IMDS,
	 "{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"Message\": "
	 "\"EC2 cannot assume the role\", \"LastUpdated\": "
	 "\"2026-11-26T04:00:00Z\"}",
	 -EINVAL, NULL, 0,
	 "AssumeRoleUnauthorizedAccess: EC2 cannot assume the role"},
	{"imds failure code with keys", CREDDOC_IMDS,
	 "{\"Code\": \"Failed\", \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}", -EINVAL, NULL, 0, "Failed"},
};

static void test_json(void)
{
	struct credentials k;
	char err[512], *body;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *tc = &json_cases[i];

		memset(&k, 0, sizeof(k));
		k.access_key_id = (char *)"untouched";
		body = tc->body ? exact(tc->body, &len) : NULL;
		if (!tc->body)
			len = 0;
		memset(err, 'x', sizeof(err) - 1);
		err[sizeof(err) - 1] = '\0';
		r = creddoc_parse_json(tc->fmt, body, len, &k, err,
					  sizeof(err));
		if (!is_int(r, tc->want, "%s: returns %d", tc->what, tc->want))
			tap_diag("message: %s", err);
		if (!r) {
			is_str(k.access_key_id, ID, "%s: key id", tc->what);
			is_str(k.secret_access_key, SECRET, "%s: secret",
			       tc->what);
			is_str(k.session_token, tc->want_token, "%s: token",
			       tc->what);
			is_int(k.expires_ms, tc->want_exp, "%s: expiry",
			       tc->what);
			is_str(err, "", "%s: no message", tc->what);
			creds_done(&k);
			ok(!k.access_key_id && !k.secret_access_key &&
				   !k.session_token && !k.expires_ms,
			   "%s: released", tc->what);
		} else {
			ok(strstr(err, tc->want_err) != NULL,
			   "%s: message has \"%s\" (%s)", tc->what,
			   tc->want_err, err);
			is_str(k.access_key_id, "untouched",
			       "%s: result untouched", tc->what);
		}
		ok(no_secret(err), "%s: no secret in the message", tc->what);
		free(body);
	}
}

/* A too-large answer, and a secret as large as an answer may be. */
static void test_json_sizes(void)
{
	struct credentials k = {0};
	size_t n = CREDS_BODY_MAX + 1, i;
	char err[256], *body = malloc(n);

	if (!body)
		exit(1);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	is_int(creddoc_parse_json(CREDDOC_PROCESS, body, n, &k, err,
				     sizeof(err)),
	       -EINVAL, "oversized answer refused");
	ok(strstr(err, "larger than") != NULL, "oversized: says so (%s)", err);

	i = (size_t)snprintf(body, n, PROC_OK "\"SessionToken\": \"");
	memset(body + i, 'T', 60000);
	i += 60000;
	i += (size_t)snprintf(body + i, n - i, "\"}");
	is_int(creddoc_parse_json(CREDDOC_PROCESS, body, i, &k, err,
				     sizeof(err)),
	       0, "60000-byte token taken");
	is_int(k.session_token ? strlen(k.session_token) : 0, 60000,
	       "60000-byte token whole");
	creds_done(&k);
	creds_done(NULL);
	free(body);
}

/* ----------------------------------------------------------------- STS */

struct role_case {
	const char *body;
	int want;
	const char *role;
};

static const struct role_case role_cases[] = {
	{"my-role", 0, "my-role"},
	{"my-role\n", 0, "my-role"},
	{"my-role\r\nsecond\n", 0, "my-role"},
	{"  web+app=1,x.y@z_w-v  \n", 0, "web+app=1,x.y@z_w-v"},
	{"", -ENOENT, NULL},
	{"\n\n", -ENOENT, NULL},
	{"two words", -EINVAL, NULL},
	{"role/../x", -EINVAL, NULL},
	{"rôle", -EINVAL, NULL},
	{"a-role-name-that-is-much-too-long-for-the-buffer-of-32", -EINVAL,
	 NULL},
};

static void test_role(void)
{
	char buf[32], show[128], *body;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(role_cases) / sizeof(role_cases[0]); i++) {
		const struct role_case *tc = &role_cases[i];

		snprintf(buf, sizeof(buf), "untouched");
		body = exact(tc->body, &len);
		r = creddoc_imds_role(body, len, buf, sizeof(buf));
		is_int(r, tc->want, "role \"%s\": returns %d",
		       shown(tc->body, show, sizeof(show)), tc->want);
		is_str(r ? NULL : buf, tc->role, "role \"%s\": name", show);
		free(body);
	}
	is_int(creddoc_imds_role(NULL, 0, buf, sizeof(buf)), -ENOENT,
	       "role: no body");
}

/* ------------------------------------------------------------ schedule */

struct refresh_case {
	const char *what;
	int64_t now, expires;
	uint64_t rnd;
	int64_t want;
};

#define MIN 60000
#define T0 INT64_C(1795687200000)

static const struct refresh_case refresh_cases[] = {
	{"never expires", T0, 0, 7, INT64_MAX},
	{"one hour, earliest point", T0, T0 + 60 * MIN, 10 * MIN,
	 T0 + 45 * MIN},
	{"one hour, latest point", T0, T0 + 60 * MIN, 0, T0 + 55 * MIN},
	{"one hour, middle", T0, T0 + 60 * MIN, 5 * MIN, T0 + 50 * MIN},
	{"random wraps", T0, T0 + 60 * MIN, 10 * MIN + 1, T0 + 55 * MIN},
	{"six hours", T0, T0 + 360 * MIN, 0, T0 + 355 * MIN},
	{"twenty minutes: half-way", T0, T0 + 20 * MIN, 10 * MIN,
	 T0 + 10 * MIN},
	{"twenty minutes: late pick", T0, T0 + 20 * MIN, 0, T0 + 15 * MIN},
	{"twenty seconds: half-way", T0, T0 + 20000, 123, T0 + 10000},
	{"three seconds: half-way", T0, T0 + 3000, 0, T0 + 1500},
	{"one second: not within a second", T0, T0 + 1000, 0, T0 + 1000},
	{"already expired", T0, T0 - 5000, 0, T0 + 1000},
};

struct retry_case {
	const char *what;
	int64_t now, expires;
	unsigned failures;
	uint64_t rnd;
	int64_t want;
};

static const struct retry_case retry_cases[] = {
	{"first failure, no expiry", T0, 0, 1, 0, T0 + 1000},
	{"second failure", T0, 0, 2, 1000, T0 + 2000},
	{"second failure, low pick", T0, 0, 2, 0, T0 + 1000},
	{"third failure", T0, 0, 3, 2000, T0 + 4000},
	{"sixth failure capped", T0, 0, 6, 15000, T0 + 30000},
	{"hundredth failure capped", T0, 0, 100, 15000, T0 + 30000},
	{"zero failures as one", T0, 0, 0, 0, T0 + 1000},
	{"half-way to the expiry", T0, T0 + 10000, 6, 15000, T0 + 5000},
	{"close to expiry: a second", T0, T0 + 1500, 6, 15000, T0 + 1000},
	{"expired: plain backoff", T0, T0 - 1, 4, 4000, T0 + 8000},
	{"far expiry: plain backoff", T0, T0 + 60 * MIN, 5, 8000,
	 T0 + 16000},
};

static void test_schedule(void)
{
	int64_t at, now;
	uint64_t rnd;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(refresh_cases) / sizeof(refresh_cases[0]);
	     i++) {
		const struct refresh_case *tc = &refresh_cases[i];

		is_int(creddoc_refresh_at(tc->now, tc->expires, tc->rnd),
		       tc->want, "refresh: %s", tc->what);
	}
	for (i = 0; i < sizeof(retry_cases) / sizeof(retry_cases[0]); i++) {
		const struct retry_case *tc = &retry_cases[i];

		is_int(creddoc_retry_at(tc->now, tc->expires, tc->failures,
					   tc->rnd),
		       tc->want, "retry: %s", tc->what);
	}
	/* The rule, over many lifetimes and random picks. */
	for (i = 0, rnd = 88172645463325252ULL; i < 20000; i++) {
		int64_t life = (int64_t)(rnd % (7 * 3600 * 1000)) + 2000;

		now = T0 + (int64_t)(rnd % 1000);
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		at = creddoc_refresh_at(now, now + life, rnd);
		if (at < now + life / 2 || at < now + 1000 ||
		    at >= now + life ||
		    (life >= 30 * MIN && (at < now + life - 15 * MIN ||
					  at > now + life - 5 * MIN))) {
			bad = 1;
			tap_diag("life %" PRId64 ": refresh after %" PRId64,
				 life, at - now);
			break;
		}
	}
	ok(!bad, "refresh: always half-way or later, before the expiry, "
	   "5-15 min early for long lives");
}

int main(void)
{
	test_times();
	test_json();
	test_json_sizes();
	test_role();
	test_schedule();
	return tap_done();
}
