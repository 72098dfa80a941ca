/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stsdoc.c - STS AssumeRoleWithWebIdentity and AssumeRole: the XML
 * answers, the form bodies, the regional endpoint and role ARNs.
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

#include "stsdoc.h"
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
	struct credentials k;
	char err[512], *body;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(sts_cases) / sizeof(sts_cases[0]); i++) {
		const struct sts_case *tc = &sts_cases[i];

		memset(&k, 0, sizeof(k));
		body = exact(tc->body, &len);
		r = stsdoc_parse(body, len, &k, err, sizeof(err));
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
			creds_done(&k);
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

static void test_form_url(void)
{
	char url[128], *form = NULL;

	is_int(stsdoc_form("arn:aws:iam::123456789012:role/r",
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
	is_int(stsdoc_form("arn", "a b", "t", &form), -EINVAL,
	       "form: session name with a space");
	is_int(stsdoc_form("arn", "x", "t", &form), -EINVAL,
	       "form: one-character session name");
	is_int(stsdoc_form("arn",
				   "s2345678901234567890123456789012345678901"
				   "234567890123456789012345", "t", &form),
	       -EINVAL, "form: 65-character session name");
	is_int(stsdoc_form("", "ok", "t", &form), -EINVAL,
	       "form: empty role ARN");
	is_int(stsdoc_form("arn", "ok", "", &form), -EINVAL,
	       "form: empty token");
	ok(form == NULL, "form: nothing returned on error");

	stsdoc_url("us-east-1", false, url, sizeof(url));
	is_str(url, "https://sts.us-east-1.amazonaws.com/", "sts url");
	stsdoc_url("eu-west-3", true, url, sizeof(url));
	is_str(url, "https://sts-fips.eu-west-3.amazonaws.com/", "sts url fips");
	stsdoc_url("cn-north-1", false, url, sizeof(url));
	is_str(url, "https://sts.cn-north-1.amazonaws.com.cn/", "sts url china");
	stsdoc_url(NULL, false, url, sizeof(url));
	is_str(url, "https://sts.amazonaws.com/", "sts url global");
	stsdoc_url("", false, url, sizeof(url));
	is_str(url, "https://sts.amazonaws.com/", "sts url empty region");
	is_int(stsdoc_url("us-east-1/../x", false, url, sizeof(url)),
	       -EINVAL, "sts url: bad region");
	is_int(stsdoc_url("US-EAST-1", false, url, sizeof(url)),
	       -EINVAL, "sts url: upper case region");
	is_int(stsdoc_url("us-east-1", false, url, 20), -ENOSPC,
	       "sts url: small buffer");
}

/* ---------------------------------------------------------- AssumeRole */

#define AR_OK                                                            \
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/"    \
	"2011-06-15/\"><AssumeRoleResult><AssumedRoleUser><Arn>x</Arn>"  \
	"</AssumedRoleUser><Credentials><AccessKeyId>" ID "</AccessKeyId>" \
	"<SecretAccessKey>" SECRET "</SecretAccessKey><SessionToken>"    \
	TOKEN "</SessionToken><Expiration>2026-11-26T10:00:00Z"          \
	"</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"

static void test_assume_role(void)
{
	static const char denied[] =
		"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
		"</Code><Message>User: arn:aws:iam::1:user/AKID is not "
		"authorized to perform: sts:AssumeRole</Message></Error>"
		"</ErrorResponse>";
	struct credentials k = {0};
	char err[512], *body, *form = NULL, acct[13] = "";
	size_t len;

	body = exact(AR_OK, &len);
	is_int(stsdoc_parse_action("AssumeRole", body, len, &k, err,
				   sizeof(err)), 0, "AssumeRole: parsed");
	is_str(k.access_key_id, ID, "AssumeRole: key id");
	is_int(k.expires_ms, EXP_MS, "AssumeRole: expiry");
	creds_done(&k);
	is_int(stsdoc_parse(body, len, &k, err, sizeof(err)), -EINVAL,
	       "AssumeRole answer is no web identity answer");
	free(body);
	body = exact(denied, &len);
	is_int(stsdoc_parse_action("AssumeRole", body, len, &k, err,
				   sizeof(err)), -EACCES,
	       "AssumeRole: AccessDenied is -EACCES");
	ok(!strncmp(err, "AccessDenied: User:", 19), "AssumeRole: code and "
	   "message (%s)", err);
	free(body);

	is_int(stsdoc_assume_form("arn:aws:iam::123456789012:role/a/b",
				  "optout-eraserd-1", "ext:1/2", 900, &form),
	       0, "assume form: built");
	is_str(form, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws"
	       "%3Aiam%3A%3A123456789012%3Arole%2Fa%2Fb&RoleSessionName="
	       "optout-eraserd-1&ExternalId=ext%3A1%2F2&DurationSeconds=900",
	       "assume form: every member, encoded");
	free(form);
	form = NULL;
	is_int(stsdoc_assume_form("arn:aws:iam::123456789012:role/a", "s1",
				  NULL, 0, &form), 0, "assume form: minimal");
	is_str(form, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws"
	       "%3Aiam%3A%3A123456789012%3Arole%2Fa&RoleSessionName=s1",
	       "assume form: no ExternalId, no DurationSeconds");
	free(form);
	form = NULL;
	is_int(stsdoc_assume_form("arn:aws:iam::123456789012:role/a", "s1",
				  NULL, 899, &form), -EINVAL,
	       "assume form: duration below 900");
	is_int(stsdoc_assume_form("arn:aws:iam::123456789012:role/a", "s1",
				  "x", 0, &form), -EINVAL,
	       "assume form: one-character external id");
	is_int(stsdoc_assume_form("arn:aws:iam::12345678901:role/a", "s1",
				  NULL, 0, &form), -EINVAL,
	       "assume form: bad ARN");
	ok(form == NULL, "assume form: nothing returned on error");

	ok(stsdoc_role_arn("arn:aws:iam::210987654321:role/x", acct) &&
	   !strcmp(acct, "210987654321"), "role ARN: account");
	ok(stsdoc_role_arn("arn:aws-cn:iam::210987654321:role/p/x+=,.@_-",
			   NULL), "role ARN: partition and path");
	ok(!stsdoc_role_arn("arn:aws:iam::210987654321:user/x", NULL),
	   "role ARN: a user is not a role");
	ok(!stsdoc_role_arn("arn:aws:iam::2109876543210:role/x", NULL),
	   "role ARN: 13 digits");
	ok(!stsdoc_role_arn("arn:aws:iam::21098765432a:role/x", NULL),
	   "role ARN: a letter in the account");
	ok(!stsdoc_role_arn("arn:aws:iam::210987654321:role/", NULL),
	   "role ARN: no name");
	ok(!stsdoc_role_arn("arn:aws:iam::210987654321:role/a:b", NULL),
	   "role ARN: a colon in the name");
	ok(!stsdoc_role_arn("arn:aws:sts::210987654321:role/a", NULL),
	   "role ARN: another service");
	ok(!stsdoc_role_arn(NULL, NULL), "role ARN: NULL");
	/* fuzz_stsdoc: the partition is "aws" or "aws-" and more, not any
	 * word that starts with "aws". */
	ok(!stsdoc_role_arn("arn:awsecn:iam::210987654321:role/r", NULL),
	   "role ARN: partition awsecn refused");
	ok(!stsdoc_role_arn("arn:aws-:iam::210987654321:role/r", NULL),
	   "role ARN: partition aws- refused");
	ok(stsdoc_role_arn("arn:aws-us-gov:iam::210987654321:role/r", NULL),
	   "role ARN: partition aws-us-gov taken");
}

int main(void)
{
	test_sts();
	test_form_url();
	test_assume_role();
	return tap_done();
}
