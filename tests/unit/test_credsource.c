/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_credsource.c - the credential sources' parsers and builders, one
 * table per function.
 *
 * Every secret in the tables contains "s3cr3t" or "t0k3n"; no message may
 * contain either.  Answers are handed over in buffers of their exact size
 * (no NUL after them), so a parser reading past the end is caught by the
 * sanitizers and valgrind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credsource.h"
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
	char buf[CREDSOURCE_TIME_MAX], *in;
	int64_t ms;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *tc = &time_cases[i];

		ms = -42;
		in = exact(tc->in, &len);
		r = credsource_parse_time(in, len, &ms);
		is_int(r, tc->want, "time \"%s\": returns %d", tc->in,
		       tc->want);
		is_int(ms, tc->want ? -42 : tc->ms, "time \"%s\": %s", tc->in,
		       tc->want ? "result untouched" : "value");
		free(in);
	}
	is_int(credsource_parse_time(NULL, 0, &ms), -EINVAL, "time NULL");

	is_int(credsource_format_time(EXP_MS + 999, buf, sizeof(buf)), 0,
	       "format: returns 0");
	is_str(buf, "2026-11-26T10:00:00Z", "format: drops the milliseconds");
	credsource_format_time(0, buf, sizeof(buf));
	is_str(buf, "1970-01-01T00:00:00Z", "format: the epoch");
	credsource_format_time(INT64_C(951782400000), buf, sizeof(buf));
	is_str(buf, "2000-02-29T00:00:00Z", "format: a leap day");
	credsource_format_time(INT64_C(253402300799000), buf, sizeof(buf));
	is_str(buf, "9999-12-31T23:59:59Z", "format: the last second");
	is_int(credsource_format_time(INT64_C(253402300800000), buf,
				      sizeof(buf)),
	       -EINVAL, "format: year 10000 refused");
	is_int(credsource_format_time(-1, buf, sizeof(buf)), -EINVAL,
	       "format: before 1970 refused");
	is_int(credsource_format_time(EXP_MS, buf, CREDSOURCE_TIME_MAX - 1),
	       -EINVAL, "format: small buffer refused");

	/* Round trip over many days, each month's ends and leap years. */
	for (ms = 1000, r = 0; ms < INT64_C(253402300799000);
	     ms += INT64_C(86400000) * 37 + 3601001) {
		int64_t back = 0;

		credsource_format_time(ms, buf, sizeof(buf));
		if (credsource_parse_time(buf, strlen(buf), &back) ||
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
	enum credsource_format fmt;
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
	{"process full", CREDSOURCE_PROCESS,
	 PROC_OK "\"SessionToken\": \"" TOKEN "\", \"Expiration\": "
		 "\"2026-11-26T10:00:00Z\"}",
	 0, TOKEN, EXP_MS, NULL},
	{"process long-term", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 0, NULL, 0, NULL},
	{"process null token and expiry", CREDSOURCE_PROCESS,
	 PROC_OK "\"SessionToken\": null, \"Expiration\": null}",
	 0, NULL, 0, NULL},
	{"process empty token", CREDSOURCE_PROCESS,
	 PROC_OK "\"SessionToken\": \"\"}", 0, NULL, 0, NULL},
	{"process unknown members", CREDSOURCE_PROCESS,
	 PROC_OK "\"AccountId\": \"123456789012\", \"x\": [1, {}]}",
	 0, NULL, 0, NULL},
	{"process Token is not its name", CREDSOURCE_PROCESS,
	 PROC_OK "\"Token\": \"" TOKEN "\"}", 0, NULL, 0, NULL},
	{"process offset expiry", CREDSOURCE_PROCESS,
	 PROC_OK "\"Expiration\": \"2026-11-26T11:00:00+01:00\"}",
	 0, NULL, EXP_MS, NULL},
	{"process no Version", CREDSOURCE_PROCESS,
	 "{\"AccessKeyId\": \"" ID "\", \"SecretAccessKey\": \"" SECRET
	 "\"}", -EINVAL, NULL, 0, "no Version"},
	{"process Version 2", CREDSOURCE_PROCESS,
	 "{\"Version\": 2, \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "Version is not 1"},
	{"process Version string", CREDSOURCE_PROCESS,
	 "{\"Version\": \"1\", \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "Version is not 1"},
	{"process no key id", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "no AccessKeyId"},
	{"process empty key id", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"\", \"SecretAccessKey\": \""
	 SECRET "\"}", -EINVAL, NULL, 0, "no AccessKeyId"},
	{"process no secret", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"" ID "\"}",
	 -EINVAL, NULL, 0, "no SecretAccessKey"},
	{"process key id number", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": 12, \"SecretAccessKey\": \""
	 SECRET "\"}", -EINVAL, NULL, 0, "AccessKeyId is not a string"},
	{"process key id with a space", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"AKID X\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "AccessKeyId has characters"},
	{"process key id with a slash", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"AKID/X\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}",
	 -EINVAL, NULL, 0, "AccessKeyId has characters"},
	{"process secret with a line break", CREDSOURCE_PROCESS,
	 "{\"Version\": 1, \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"s3cr3t\\r\\nX-Evil: 1\"}",
	 -EINVAL, NULL, 0, "SecretAccessKey has characters"},
	{"process token non-ASCII", CREDSOURCE_PROCESS,
	 PROC_OK "\"SessionToken\": \"t0k3n\\u00e9\"}",
	 -EINVAL, NULL, 0, "SessionToken has characters"},
	{"process token object", CREDSOURCE_PROCESS,
	 PROC_OK "\"SessionToken\": {}}",
	 -EINVAL, NULL, 0, "SessionToken is not a string"},
	{"process bad expiry", CREDSOURCE_PROCESS,
	 PROC_OK "\"Expiration\": \"tomorrow\"}",
	 -EINVAL, NULL, 0, "Expiration is not an ISO 8601 time"},
	{"process expiry without zone", CREDSOURCE_PROCESS,
	 PROC_OK "\"Expiration\": \"2026-11-26T10:00:00\"}",
	 -EINVAL, NULL, 0, "Expiration is not an ISO 8601 time"},
	{"process numeric expiry", CREDSOURCE_PROCESS,
	 PROC_OK "\"Expiration\": 1795687200}",
	 -EINVAL, NULL, 0, "Expiration is not"},
	{"process not JSON", CREDSOURCE_PROCESS, "AccessKeyId=" ID,
	 -EINVAL, NULL, 0, "not a JSON object"},
	{"process array", CREDSOURCE_PROCESS, "[1]", -EINVAL, NULL, 0,
	 "not a JSON object"},
	{"process truncated", CREDSOURCE_PROCESS, PROC_OK, -EINVAL, NULL, 0,
	 "not a JSON object"},
	{"process empty", CREDSOURCE_PROCESS, NULL, -EINVAL, NULL, 0,
	 "empty answer"},
	/* container */
	{"container full", CREDSOURCE_CONTAINER,
	 CONT_OK "\"Token\": \"" TOKEN "\", \"Expiration\": "
		 "\"2026-11-26T10:00:00Z\", \"RoleArn\": \"arn:aws:iam::1:role/r\"}",
	 0, TOKEN, EXP_MS, NULL},
	{"container no expiry", CREDSOURCE_CONTAINER,
	 CONT_OK "\"Token\": \"" TOKEN "\"}", 0, TOKEN, 0, NULL},
	{"container SessionToken is not its name", CREDSOURCE_CONTAINER,
	 CONT_OK "\"SessionToken\": \"" TOKEN "\"}", 0, NULL, 0, NULL},
	{"container error shape", CREDSOURCE_CONTAINER,
	 "{\"code\": \"InvalidToken\", \"message\": \"bad\\ntoken\"}",
	 -EINVAL, NULL, 0, "InvalidToken: bad?token"},
	{"container message only", CREDSOURCE_CONTAINER,
	 "{\"message\": \"no role\"}", -EINVAL, NULL, 0, "error: no role"},
	{"container no secret", CREDSOURCE_CONTAINER,
	 "{\"AccessKeyId\": \"" ID "\", \"Token\": \"" TOKEN "\"}",
	 -EINVAL, NULL, 0, "no SecretAccessKey"},
	{"container empty object", CREDSOURCE_CONTAINER, "{}", -EINVAL, NULL,
	 0, "no AccessKeyId"},
	/* instance metadata */
	{"imds full", CREDSOURCE_IMDS,
	 IMDS_OK "\"Token\": \"" TOKEN "\", \"Expiration\": "
		 "\"2026-11-26T10:00:00Z\"}",
	 0, TOKEN, EXP_MS, NULL},
	{"imds without Code", CREDSOURCE_IMDS,
	 CONT_OK "\"Token\": \"" TOKEN "\"}", 0, TOKEN, 0, NULL},
	{"imds failure code", CREDSOURCE_IMDS,
	 "{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"Message\": "
	 "\"EC2 cannot assume the role\", \"LastUpdated\": "
	 "\"2026-11-26T04:00:00Z\"}",
	 -EINVAL, NULL, 0,
	 "AssumeRoleUnauthorizedAccess: EC2 cannot assume the role"},
	{"imds failure code with keys", CREDSOURCE_IMDS,
	 "{\"Code\": \"Failed\", \"AccessKeyId\": \"" ID "\", "
	 "\"SecretAccessKey\": \"" SECRET "\"}", -EINVAL, NULL, 0, "Failed"},
};

static void test_json(void)
{
	struct credsource_keys k;
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
		r = credsource_parse_json(tc->fmt, body, len, &k, err,
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
			credsource_keys_done(&k);
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
	struct credsource_keys k = {0};
	size_t n = CREDSOURCE_BODY_MAX + 1, i;
	char err[256], *body = malloc(n);

	if (!body)
		exit(1);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	is_int(credsource_parse_json(CREDSOURCE_PROCESS, body, n, &k, err,
				     sizeof(err)),
	       -EINVAL, "oversized answer refused");
	ok(strstr(err, "larger than") != NULL, "oversized: says so (%s)", err);

	i = (size_t)snprintf(body, n, PROC_OK "\"SessionToken\": \"");
	memset(body + i, 'T', 60000);
	i += 60000;
	i += (size_t)snprintf(body + i, n - i, "\"}");
	is_int(credsource_parse_json(CREDSOURCE_PROCESS, body, i, &k, err,
				     sizeof(err)),
	       0, "60000-byte token taken");
	is_int(k.session_token ? strlen(k.session_token) : 0, 60000,
	       "60000-byte token whole");
	credsource_keys_done(&k);
	credsource_keys_done(NULL);
	free(body);
}

/* ----------------------------------------------------------------- STS */

#define STS_HEAD "<AssumeRoleWithWebIdentityResponse " \
		 "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n" \
		 "  <AssumeRoleWithWebIdentityResult>\n" \
		 "    <SubjectFromWebIdentityToken>system:serviceaccount:" \
		 "ns:sa</SubjectFromWebIdentityToken>\n" \
		 "    <Audience>sts.amazonaws.com</Audience>\n" \
		 "    <AssumedRoleUser>\n" \
		 "      <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>\n" \
		 "      <AssumedRoleId>AROA:s</AssumedRoleId>\n" \
		 "    </AssumedRoleUser>\n" \
		 "    <Credentials>\n"
#define STS_TAIL "    </Credentials>\n" \
		 "    <Provider>oidc.example</Provider>\n" \
		 "  </AssumeRoleWithWebIdentityResult>\n" \
		 "  <ResponseMetadata><RequestId>r-1</RequestId>" \
		 "</ResponseMetadata>\n" \
		 "</AssumeRoleWithWebIdentityResponse>\n"
#define STS_KEYS "<AccessKeyId>" ID "</AccessKeyId>" \
		 "<SecretAccessKey>" SECRET "</SecretAccessKey>"
#define STS_GOOD STS_HEAD STS_KEYS "<SessionToken>" TOKEN \
		 "</SessionToken><Expiration>2026-11-26T10:00:00Z" \
		 "</Expiration>" STS_TAIL
#define STS_ERR(code) "<ErrorResponse xmlns=\"https://sts.amazonaws.com/" \
		      "doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" \
		      code "</Code><Message>Token expired: t0k3n-free " \
		      "text</Message></Error><RequestId>r-2</RequestId>" \
		      "</ErrorResponse>"

struct sts_case {
	const char *what;
	const char *body;
	int want;
	const char *want_secret;
	const char *want_token;
	int64_t want_exp;
	const char *want_err;
};

static const struct sts_case sts_cases[] = {
	{"result", STS_GOOD, 0, SECRET, TOKEN, EXP_MS, NULL},
	{"result with prolog and comments",
	 "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	 "<!-- a comment <Credentials> -->" STS_GOOD "<!-- tail -->\n",
	 0, SECRET, TOKEN, EXP_MS, NULL},
	{"references decoded",
	 STS_HEAD "<AccessKeyId>" ID "</AccessKeyId><SecretAccessKey>"
	 "a&amp;b&lt;c&gt;&quot;&apos;&#65;&#x42;s3cr3t</SecretAccessKey>"
	 "<SessionToken>\n  " TOKEN "\n  </SessionToken>"
	 "<Expiration>2026-11-26T10:00:00.000Z</Expiration>" STS_TAIL,
	 0, "a&b<c>\"'ABs3cr3t", TOKEN, EXP_MS, NULL},
	{"attributes and self-closing elements",
	 STS_HEAD "<Extra a='1' b = \"x>y\"/>" STS_KEYS
	 "<SessionToken attr=\"v\">" TOKEN "</SessionToken >"
	 "<Expiration>2026-11-26T10:00:00Z</Expiration>" STS_TAIL,
	 0, SECRET, TOKEN, EXP_MS, NULL},
	{"first match wins",
	 STS_HEAD STS_KEYS "<SessionToken>" TOKEN "</SessionToken>"
	 "<Expiration>2026-11-26T10:00:00Z</Expiration>"
	 "<AccessKeyId>OTHER</AccessKeyId>" STS_TAIL,
	 0, SECRET, TOKEN, EXP_MS, NULL},
	{"keys elsewhere do not count",
	 "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
	 "<Other><Credentials>" STS_KEYS "</Credentials></Other>"
	 "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
	 -EINVAL, NULL, NULL, 0, "STS answer has no AccessKeyId"},
	{"no token", STS_HEAD STS_KEYS
	 "<Expiration>2026-11-26T10:00:00Z</Expiration>" STS_TAIL,
	 -EINVAL, NULL, NULL, 0, "no SessionToken"},
	{"no expiry", STS_HEAD STS_KEYS "<SessionToken>" TOKEN
	 "</SessionToken>" STS_TAIL, -EINVAL, NULL, NULL, 0,
	 "no Expiration"},
	{"bad expiry", STS_HEAD STS_KEYS "<SessionToken>" TOKEN
	 "</SessionToken><Expiration>soon</Expiration>" STS_TAIL,
	 -EINVAL, NULL, NULL, 0, "malformed Expiration"},
	{"empty key id", STS_HEAD "<AccessKeyId/><SecretAccessKey>" SECRET
	 "</SecretAccessKey>" STS_TAIL, -EINVAL, NULL, NULL, 0,
	 "no AccessKeyId"},
	{"key id with markup", STS_HEAD "<AccessKeyId><b>A</b></AccessKeyId>"
	 STS_TAIL, -EINVAL, NULL, NULL, 0, "malformed AccessKeyId"},
	{"secret in CDATA", STS_HEAD "<AccessKeyId>" ID "</AccessKeyId>"
	 "<SecretAccessKey><![CDATA[s3cr3t]]></SecretAccessKey>" STS_TAIL,
	 -EINVAL, NULL, NULL, 0, "malformed SecretAccessKey"},
	{"unknown entity", STS_HEAD "<AccessKeyId>" ID "</AccessKeyId>"
	 "<SecretAccessKey>s3cr3t&nbsp;</SecretAccessKey>" STS_TAIL,
	 -EINVAL, NULL, NULL, 0, "malformed SecretAccessKey"},
	{"unterminated reference", STS_HEAD "<AccessKeyId>" ID
	 "</AccessKeyId><SecretAccessKey>s3cr3t&amp</SecretAccessKey>"
	 STS_TAIL, -EINVAL, NULL, NULL, 0, "malformed SecretAccessKey"},
	{"NUL reference", STS_HEAD "<AccessKeyId>" ID "</AccessKeyId>"
	 "<SecretAccessKey>s3cr3t&#0;</SecretAccessKey>" STS_TAIL,
	 -EINVAL, NULL, NULL, 0, "malformed SecretAccessKey"},
	{"surrogate reference", STS_HEAD "<AccessKeyId>" ID "</AccessKeyId>"
	 "<SecretAccessKey>s3cr3t&#xD800;</SecretAccessKey>" STS_TAIL,
	 -EINVAL, NULL, NULL, 0, "malformed SecretAccessKey"},
	{"line break reference in a key", STS_HEAD "<AccessKeyId>" ID
	 "</AccessKeyId><SecretAccessKey>s3cr3t&#10;X</SecretAccessKey>"
	 STS_TAIL, -EINVAL, NULL, NULL, 0, "malformed SecretAccessKey"},
	/* errors */
	{"expired token error", STS_ERR("ExpiredTokenException"), -EACCES,
	 NULL, NULL, 0, "ExpiredTokenException: Token expired"},
	{"access denied", STS_ERR("AccessDenied"), -EACCES, NULL, NULL, 0,
	 "AccessDenied: "},
	{"IdP communication error", STS_ERR("IDPCommunicationError"), -EAGAIN,
	 NULL, NULL, 0, "IDPCommunicationError"},
	{"invalid identity token is retried", STS_ERR("InvalidIdentityToken"),
	 -EAGAIN, NULL, NULL, 0, "InvalidIdentityToken"},
	{"throttling", STS_ERR("Throttling"), -EAGAIN, NULL, NULL, 0,
	 "Throttling"},
	{"error without message",
	 "<ErrorResponse><Error><Code>InternalFailure</Code></Error>"
	 "</ErrorResponse>", -EAGAIN, NULL, NULL, 0, "InternalFailure"},
	{"error message cleaned",
	 "<ErrorResponse><Error><Code>X</Code><Message>a&#10;b\tc</Message>"
	 "</Error></ErrorResponse>", -EACCES, NULL, NULL, 0, "X: a?b?c"},
	{"empty error code",
	 "<ErrorResponse><Error><Code></Code></Error></ErrorResponse>",
	 -EINVAL, NULL, NULL, 0, "malformed error"},
	/* not XML as we read it */
	{"empty", "", -EINVAL, NULL, NULL, 0, "empty"},
	{"JSON", "{\"AccessKeyId\": \"x\"}", -EINVAL, NULL, NULL, 0,
	 "not well-formed XML"},
	{"unclosed root", "<A><B>x</B>", -EINVAL, NULL, NULL, 0,
	 "not well-formed"},
	{"crossed tags", "<A><B></A></B>", -EINVAL, NULL, NULL, 0,
	 "not well-formed"},
	{"two roots", "<A/><B/>", -EINVAL, NULL, NULL, 0, "not well-formed"},
	{"text outside", "x<A/>", -EINVAL, NULL, NULL, 0, "not well-formed"},
	{"DOCTYPE refused",
	 "<!DOCTYPE r [<!ENTITY e \"x\">]>" STS_GOOD, -EINVAL, NULL, NULL, 0,
	 "not well-formed"},
	{"unterminated comment", "<A><!-- x</A>", -EINVAL, NULL, NULL, 0,
	 "not well-formed"},
	{"unterminated tag", "<A", -EINVAL, NULL, NULL, 0, "not well-formed"},
	{"bad attribute", "<A b=c/>", -EINVAL, NULL, NULL, 0,
	 "not well-formed"},
	{"too deep",
	 "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
	 "<a><a><a><a><a><a><a><a><a><a><a><a>"
	 "</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a>"
	 "</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a>"
	 "</a>",
	 -EINVAL, NULL, NULL, 0, "not well-formed"},
	{"other root", "<Response><Errors/></Response>", -EINVAL, NULL, NULL,
	 0, "no AccessKeyId"},
};

static void test_sts(void)
{
	struct credsource_keys k;
	char err[512], *body;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(sts_cases) / sizeof(sts_cases[0]); i++) {
		const struct sts_case *tc = &sts_cases[i];

		memset(&k, 0, sizeof(k));
		body = exact(tc->body, &len);
		r = credsource_parse_sts(body, len, &k, err, sizeof(err));
		if (!is_int(r, tc->want, "sts %s: returns %d", tc->what,
			    tc->want))
			tap_diag("message: %s", err);
		if (!r) {
			is_str(k.access_key_id, ID, "sts %s: key id", tc->what);
			is_str(k.secret_access_key, tc->want_secret,
			       "sts %s: secret", tc->what);
			is_str(k.session_token, tc->want_token,
			       "sts %s: token", tc->what);
			is_int(k.expires_ms, tc->want_exp, "sts %s: expiry",
			       tc->what);
			credsource_keys_done(&k);
		} else {
			ok(strstr(err, tc->want_err) != NULL,
			   "sts %s: message has \"%s\" (%s)", tc->what,
			   tc->want_err, err);
			ok(!k.access_key_id, "sts %s: nothing kept", tc->what);
		}
		ok(no_secret(err) || strstr(err, "t0k3n-free"),
		   "sts %s: no secret in the message", tc->what);
		free(body);
	}
}

/* ------------------------------------------------------------- helpers */

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

static void test_helpers(void)
{
	char buf[32], url[128], err[256], show[128], *form = NULL, *body;
	bool local;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(role_cases) / sizeof(role_cases[0]); i++) {
		const struct role_case *tc = &role_cases[i];

		snprintf(buf, sizeof(buf), "untouched");
		body = exact(tc->body, &len);
		r = credsource_imds_role(body, len, buf, sizeof(buf));
		is_int(r, tc->want, "role \"%s\": returns %d",
		       shown(tc->body, show, sizeof(show)), tc->want);
		is_str(r ? NULL : buf, tc->role, "role \"%s\": name", show);
		free(body);
	}
	is_int(credsource_imds_role(NULL, 0, buf, sizeof(buf)), -ENOENT,
	       "role: no body");

	is_int(credsource_sts_form("arn:aws:iam::123456789012:role/r",
				   "optout-eraserd-1", "eyJ.a+b/c=~", &form),
	       0, "form: built");
	is_str(form,
	       "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
	       "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr"
	       "&RoleSessionName=optout-eraserd-1"
	       "&WebIdentityToken=eyJ.a%2Bb%2Fc%3D~",
	       "form: every reserved character encoded");
	free(form);
	form = NULL;
	is_int(credsource_sts_form("arn", "a b", "t", &form), -EINVAL,
	       "form: session name with a space");
	is_int(credsource_sts_form("arn", "x", "t", &form), -EINVAL,
	       "form: one-character session name");
	is_int(credsource_sts_form("arn",
				   "s2345678901234567890123456789012345678901"
				   "234567890123456789012345", "t", &form),
	       -EINVAL, "form: 65-character session name");
	is_int(credsource_sts_form("", "ok", "t", &form), -EINVAL,
	       "form: empty role ARN");
	is_int(credsource_sts_form("arn", "ok", "", &form), -EINVAL,
	       "form: empty token");
	ok(form == NULL, "form: nothing returned on error");

	credsource_sts_url("us-east-1", false, url, sizeof(url));
	is_str(url, "https://sts.us-east-1.amazonaws.com/", "sts url");
	credsource_sts_url("eu-west-3", true, url, sizeof(url));
	is_str(url, "https://sts-fips.eu-west-3.amazonaws.com/", "sts url fips");
	credsource_sts_url("cn-north-1", false, url, sizeof(url));
	is_str(url, "https://sts.cn-north-1.amazonaws.com.cn/", "sts url china");
	credsource_sts_url(NULL, false, url, sizeof(url));
	is_str(url, "https://sts.amazonaws.com/", "sts url global");
	credsource_sts_url("", false, url, sizeof(url));
	is_str(url, "https://sts.amazonaws.com/", "sts url empty region");
	is_int(credsource_sts_url("us-east-1/../x", false, url, sizeof(url)),
	       -EINVAL, "sts url: bad region");
	is_int(credsource_sts_url("US-EAST-1", false, url, sizeof(url)),
	       -EINVAL, "sts url: upper case region");
	is_int(credsource_sts_url("us-east-1", false, url, 20), -ENOSPC,
	       "sts url: small buffer");

	{
		static const struct {
			const char *url;
			int want;
			bool local;
		} urls[] = {
			{"http://169.254.170.2/v2/credentials/x", 0, true},
			{"http://169.254.170.23/v1/credentials", 0, true},
			{"http://[fd00:ec2::23]/v1/credentials", 0, true},
			{"http://[fd00:ec2:0::23]:80/x", 0, true},
			{"http://127.0.0.1:8080/creds", 0, true},
			{"http://127.1.2.3/creds", 0, true},
			{"http://localhost/creds", 0, true},
			{"HTTP://LOCALHOST:1/creds", 0, true},
			{"http://[::1]:9/c", 0, true},
			{"https://creds.example.com/x", 0, false},
			{"https://127.0.0.1/x", 0, true},
			{"http://[::1]", 0, true},
			{"http://127.0.0.1?x", 0, true},
			{"http://169.254.170.3/x", -EINVAL, false},
			{"http://169.254.169.254/x", -EINVAL, false},
			{"http://creds.example.com/x", -EINVAL, false},
			{"http://localhost.example.com/x", -EINVAL, false},
			{"http://127.0.0.1.example.com/x", -EINVAL, false},
			{"http://10.0.0.1/x", -EINVAL, false},
			{"http://[fd00:ec2::24]/x", -EINVAL, false},
			{"http://[::1/x", -EINVAL, false},
			{"http://[::1]x/", -EINVAL, false},
			{"http://user@127.0.0.1/x", -EINVAL, false},
			{"http://evil.com@127.0.0.1/x", -EINVAL, false},
			/* libcurl reads user "127.0.0.1", password "80",
			 * host evil.example: the token must not go there. */
			{"http://127.0.0.1:80@evil.example/", -EINVAL, false},
			{"http://127.0.0.1@evil.example/", -EINVAL, false},
			{"http://127.0.0.1\\@evil.example/", -EINVAL, false},
			{"http://localhost:1@creds.example.com/x", -EINVAL,
			 false},
			/* Any user-info part, even to an allowed host. */
			{"http://user@127.0.0.1/", -EINVAL, false},
			{"http://127.0.0.1@169.254.170.2/", -EINVAL, false},
			{"http://user:pw@169.254.170.2/x", -EINVAL, false},
			{"http://:@127.0.0.1/", -EINVAL, false},
			{"http://@127.0.0.1/", -EINVAL, false},
			{"http://;o@127.0.0.1/", -EINVAL, false},
			{"https://user@creds.example.com/x", -EINVAL, false},
			{"http://[::1]@evil.example/", -EINVAL, false},
			/* The host as libcurl reads it: "@" after '#' is
			 * in the fragment. */
			{"http://127.0.0.1#@evil.example/", 0, true},
			{"http://127.0.0.1:99999/", -EINVAL, false},
			{"http:///x", -EINVAL, false},
			{"ftp://127.0.0.1/x", -EINVAL, false},
			{"file:///etc/passwd", -EINVAL, false},
			{"127.0.0.1/x", -EINVAL, false},
			{"http://127.0.0.1/x y", -EINVAL, false},
			{"http://127.0.0.1/x\r\nHost: y", -EINVAL, false},
			{"", -EINVAL, false},
		};

		for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
			local = !urls[i].local;
			err[0] = '\0';
			r = credsource_container_url(urls[i].url, &local, err,
						     sizeof(err));
			shown(urls[i].url, show, sizeof(show));
			if (!is_int(r, urls[i].want, "container url %s: %d",
				    show, urls[i].want))
				tap_diag("message: %s", err);
			if (!r)
				is_int(local, urls[i].local,
				       "container url %s: local", show);
			else
				ok(err[0], "container url %s: says why (%s)",
				   show, err);
		}
		is_int(credsource_container_url(NULL, &local, NULL, 0), -EINVAL,
		       "container url NULL");
	}
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

		is_int(credsource_refresh_at(tc->now, tc->expires, tc->rnd),
		       tc->want, "refresh: %s", tc->what);
	}
	for (i = 0; i < sizeof(retry_cases) / sizeof(retry_cases[0]); i++) {
		const struct retry_case *tc = &retry_cases[i];

		is_int(credsource_retry_at(tc->now, tc->expires, tc->failures,
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
		at = credsource_refresh_at(now, now + life, rnd);
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
	test_sts();
	test_helpers();
	test_schedule();
	return tap_done();
}
