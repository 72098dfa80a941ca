/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_stsdoc.c - libFuzzer target for stsdoc.c: STS's XML answers to
 * AssumeRoleWithWebIdentity and AssumeRole, the role ARN rule and the two
 * form bodies.
 *
 * The first byte picks what the rest of the input is:
 *   0, 1  an answer to AssumeRoleWithWebIdentity / AssumeRole
 *   2     a role ARN, then (after NULs) a session name, an external id
 *         and a duration: stsdoc_role_arn() and stsdoc_assume_form()
 *   3     a role ARN, a session name and a token: stsdoc_form()
 * Checked: the parser answers 0, -EINVAL, -EACCES, -EAGAIN or -ENOMEM;
 * keys taken are header-safe (key id alphanumeric, secret and token
 * printable ASCII without blanks) with an expiry; when the answer has no
 * '&' (no character reference), each key is found verbatim in it (nothing
 * invented); messages are printable ASCII.  An ARN taken matches the
 * documented form, written out here from IAM's documentation
 * (arn:aws[-x]:iam::12 digits:role/path), and its account is those
 * digits.  A form body is only unreserved characters, "%XX", '=' and
 * '&', and decoding it gives back exactly the parameters given.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "fuzz.h"
#include "stsdoc.h"

#define T "fuzz_stsdoc"

static int alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

static void check_keys(const struct credentials *k, const char *body,
		       size_t len)
{
	const char *p;

	if (!k->access_key_id || !k->access_key_id[0] ||
	    !k->secret_access_key || !k->secret_access_key[0] ||
	    !k->session_token || !k->session_token[0] || k->expires_ms <= 0)
		fuzz_fail(T, "result without a key, the token or an expiry");
	for (p = k->access_key_id; *p; p++)
		if (!alnum(*p))
			fuzz_fail(T, "key id not alphanumeric");
	if (!fuzz_printable(k->secret_access_key, 0) ||
	    !fuzz_printable(k->session_token, 0))
		fuzz_fail(T, "secret or token not header-safe");
	if (memchr(body, '&', len))
		return;
	if (!memmem(body, len, k->access_key_id, strlen(k->access_key_id)) ||
	    !memmem(body, len, k->secret_access_key,
		    strlen(k->secret_access_key)) ||
	    !memmem(body, len, k->session_token, strlen(k->session_token)))
		fuzz_fail(T, "a key that is not in the answer");
}

/* IAM's role ARN, as documented: arn:PARTITION:iam::ACCOUNT:role/PATH. */
static bool arn_documented(const char *arn, char account[13])
{
	static const char name_chars[] = "+=,.@_-/";
	const char *p, *part;
	size_t n;

	if (!arn || strncmp(arn, "arn:", 4))
		return false;
	part = arn + 4;
	p = strchr(part, ':');
	if (!p)
		return false;
	n = (size_t)(p - part);
	if (!(n == 3 && !strncmp(part, "aws", 3)) &&
	    !(n > 4 && !strncmp(part, "aws-", 4) &&
	      strspn(part, "abcdefghijklmnopqrstuvwxyz-") == n))
		return false;
	if (strncmp(p, ":iam::", 6))
		return false;
	p += 6;
	if (strspn(p, "0123456789") != 12 || strncmp(p + 12, ":role/", 6))
		return false;
	memcpy(account, p, 12);
	account[12] = '\0';
	p += 18;
	n = strlen(p);
	if (n < 1 || n > 512)
		return false;
	for (; *p; p++)
		if (!alnum(*p) && !strchr(name_chars, *p))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Checks the characters of @form and that parameter @name is there once,
 * decoding to @want (or absent when @want is NULL). */
static void check_param(const char *form, const char *name, const char *want)
{
	const char *p = form, *amp;
	size_t nl = strlen(name), i;
	char *got;
	int hi, lo, seen = 0;

	for (; *p; p = *amp ? amp + 1 : amp) {
		amp = strchr(p, '&');
		if (!amp)
			amp = p + strlen(p);
		if ((size_t)(amp - p) <= nl || strncmp(p, name, nl) ||
		    p[nl] != '=')
			continue;
		if (seen++)
			fuzz_fail(T, "a form parameter given twice");
		got = malloc((size_t)(amp - p) + 1);
		if (!got)
			fuzz_fail(T, "out of memory");
		for (i = 0, p += nl + 1; p < amp; p++) {
			if (*p != '%') {
				got[i++] = *p;
				continue;
			}
			hi = p + 2 < amp ? hexval(p[1]) : -1;
			lo = hi >= 0 ? hexval(p[2]) : -1;
			if (lo < 0)
				fuzz_fail(T, "bad percent escape in a form");
			got[i++] = (char)(hi * 16 + lo);
			p += 2;
		}
		got[i] = '\0';
		if (!want || strcmp(got, want))
			fuzz_fail(T, "a form parameter does not decode back");
		free(got);
		p = amp;
		if (!*p)
			break;
	}
	if (want && !seen)
		fuzz_fail(T, "a form parameter is missing");
}

static void check_form_chars(const char *form)
{
	const char *p;

	for (p = form; *p; p++) {
		if (*p == '%') {
			if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
				fuzz_fail(T, "bad percent escape");
			p += 2;
			continue;
		}
		if (!alnum(*p) && !strchr("-_.~=&", *p))
			fuzz_fail(T, "unencoded character in a form");
	}
}

/* Cuts @buf (@len bytes, NUL at @len) at its first NULs into @n parts;
 * missing parts are NULL. */
static void cut(char *buf, size_t len, const char **part, int n)
{
	char *p = buf;
	int i;

	for (i = 0; i < n; i++) {
		if ((size_t)(p - buf) > len) {
			part[i] = NULL;
			continue;
		}
		part[i] = p;
		p += strlen(p) + 1;
	}
}

static void run_forms(char *buf, size_t len, bool assume)
{
	const char *part[4];
	char account[13], doc_account[13], dur[24];
	char *form = NULL;
	long duration;
	bool ok;
	int r;

	cut(buf, len, part, 4);
	if (assume) {
		ok = stsdoc_role_arn(part[0], account);
		if (ok != arn_documented(part[0], doc_account))
			fuzz_fail(T, "role ARN rule differs from IAM's form");
		if (ok && strcmp(account, doc_account))
			fuzz_fail(T, "role ARN account is not its 12 digits");
		duration = part[3] ? strtol(part[3], NULL, 10) : 0;
		r = stsdoc_assume_form(part[0], part[1] ? part[1] : "",
				       part[2], duration, &form);
	} else {
		r = stsdoc_form(part[0], part[1], part[2], &form);
	}
	if (r == -EINVAL || r == -ENOMEM)
		return;
	if (r || !form)
		fuzz_fail(T, "unexpected form return");
	check_form_chars(form);
	check_param(form, "Version", "2011-06-15");
	check_param(form, "RoleArn", part[0]);
	check_param(form, "RoleSessionName", part[1]);
	if (assume) {
		check_param(form, "Action", "AssumeRole");
		check_param(form, "ExternalId", part[2]);
		snprintf(dur, sizeof(dur), "%ld", duration);
		check_param(form, "DurationSeconds", duration ? dur : NULL);
		check_param(form, "WebIdentityToken", NULL);
	} else {
		check_param(form, "Action", "AssumeRoleWithWebIdentity");
		check_param(form, "WebIdentityToken", part[2]);
	}
	free(form);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const actions[] = {"AssumeRoleWithWebIdentity",
					      "AssumeRole"};
	struct credentials k = {0};
	char err[512], *buf;
	size_t len;
	int r;

	if (size < 1)
		return 0;
	len = size - 1;
	buf = fuzz_strdup(data + 1, len);
	switch (data[0] % 4) {
	case 0:
	case 1:
		r = stsdoc_parse_action(actions[data[0] % 4], buf, len, &k, err,
					sizeof(err));
		if (r == 0)
			check_keys(&k, buf, len);
		else if (r != -EINVAL && r != -EACCES && r != -EAGAIN &&
			 r != -ENOMEM)
			fuzz_fail(T, "unexpected parse return");
		if (!fuzz_printable(err, 1))
			fuzz_fail(T, "message is not printable ASCII");
		creds_done(&k);
		break;
	default:
		run_forms(buf, len, data[0] % 4 == 2);
		break;
	}
	free(buf);
	return 0;
}
