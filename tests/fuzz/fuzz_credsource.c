/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_credsource.c - libFuzzer target for the credential sources' parsers.
 *
 * The first byte picks the function, the rest is its input, copied to a
 * buffer of its exact size (so any read past the end is caught):
 *   0-2  credsource_parse_json (process, container, instance metadata)
 *   3    credsource_parse_sts
 *   4    credsource_parse_time, then format and parse back
 *   5    credsource_imds_role
 *   6    credsource_container_url (input as a C string)
 *   7    credsource_sts_form (input cut at the first two NULs)
 * Checked on every input: accepted keys are header-safe (key id
 * alphanumeric, secret and token printable ASCII without spaces), expiries
 * format and parse back, messages are printable ASCII, role names use
 * IAM's characters, plain http container URLs are local, and a form body
 * has only unreserved characters, '%XX', '=' and '&'.
 *
 *   clang -fsanitize=fuzzer,address -Isrc tests/fuzz/fuzz_credsource.c \
 *         src/credsource.c src/util.c -lcjson -lcrypto -lcurl
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "credsource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_credsource: %s\n", what);
	abort();
}

static int printable(const char *s, int space_ok)
{
	for (; *s; s++)
		if ((unsigned char)*s < (space_ok ? 0x20 : 0x21) ||
		    (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void check_message(const char *err)
{
	if (!printable(err, 1))
		fail("message is not printable ASCII");
}

static void check_time(int64_t ms)
{
	char buf[CREDSOURCE_TIME_MAX];
	int64_t back = 0;

	if (ms < 1)
		fail("time before 1970-01-01T00:00:00.001");
	if (credsource_format_time(ms, buf, sizeof(buf)))
		fail("parsed time does not format");
	if (credsource_parse_time(buf, strlen(buf), &back) ||
	    back != ms / 1000 * 1000)
		fail("formatted time does not parse back");
}

static void check_keys(const struct credsource_keys *k)
{
	const char *p;

	if (!k->access_key_id || !k->access_key_id[0] ||
	    strlen(k->access_key_id) > CREDSOURCE_KEY_ID_MAX)
		fail("bad key id length");
	for (p = k->access_key_id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			fail("key id not alphanumeric");
	if (!k->secret_access_key || !k->secret_access_key[0] ||
	    !printable(k->secret_access_key, 0))
		fail("bad secret");
	if (k->session_token &&
	    (!k->session_token[0] || !printable(k->session_token, 0)))
		fail("bad token");
	if (k->expires_ms < 0)
		fail("negative expiry");
	if (k->expires_ms)
		check_time(k->expires_ms);
}

static void check_form(const char *form)
{
	const char *p;

	for (p = form; *p; p++) {
		if (*p == '%') {
			if (!strchr("0123456789ABCDEF", p[1]) || !p[1] ||
			    !strchr("0123456789ABCDEF", p[2]) || !p[2])
				fail("bad percent escape");
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.~=&", *p)))
			fail("unencoded character in the form");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct credsource_keys k = {0};
	char err[512] = "", role[64], *buf, *form = NULL;
	const char *a, *b, *c;
	size_t len;
	int64_t ms = 0;
	bool local = false;
	int r;

	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len + 1);
	if (!buf)
		fail("out of memory");
	memcpy(buf, data + 1, len);
	switch (data[0] % 8) {
	case 0:
	case 1:
	case 2:
		r = credsource_parse_json((enum credsource_format)(data[0] % 8),
					  buf, len, &k, err, sizeof(err));
		if (r == 0)
			check_keys(&k);
		else if (r != -EINVAL && r != -ENOMEM)
			fail("bad JSON return");
		check_message(err);
		break;
	case 3:
		r = credsource_parse_sts(buf, len, &k, err, sizeof(err));
		if (r == 0) {
			check_keys(&k);
			if (!k.session_token || !k.expires_ms)
				fail("STS result without token or expiry");
		} else if (r != -EINVAL && r != -EACCES && r != -EAGAIN &&
			   r != -ENOMEM) {
			fail("bad STS return");
		}
		check_message(err);
		break;
	case 4:
		r = credsource_parse_time(buf, len, &ms);
		if (r == 0)
			check_time(ms);
		else if (r != -EINVAL)
			fail("bad time return");
		break;
	case 5:
		r = credsource_imds_role(buf, len, role, sizeof(role));
		if (r == 0) {
			if (!role[0] || strlen(role) >= sizeof(role))
				fail("bad role length");
			for (a = role; *a; a++)
				if (!((*a >= 'A' && *a <= 'Z') ||
				      (*a >= 'a' && *a <= 'z') ||
				      (*a >= '0' && *a <= '9') ||
				      strchr("+=,.@_-", *a)))
					fail("bad role character");
		} else if (r != -ENOENT && r != -EINVAL) {
			fail("bad role return");
		}
		break;
	case 6:
		buf[len] = '\0';
		r = credsource_container_url(buf, &local, err, sizeof(err));
		if (r == 0 && !strncasecmp(buf, "http://", 7) && !local)
			fail("plain http to a host that is not local");
		if (r == 0 && !printable(buf, 0))
			fail("URL with spaces or control characters taken");
		if (r && r != -EINVAL)
			fail("bad URL return");
		check_message(err);
		break;
	case 7:
		buf[len] = '\0';
		a = buf;
		b = a + strlen(a) + (strlen(a) < len ? 1 : 0);
		c = b + strlen(b) + ((size_t)(b + strlen(b) - buf) < len ? 1 : 0);
		r = credsource_sts_form(a, b, c, &form);
		if (r == 0)
			check_form(form);
		else if (r != -EINVAL && r != -ENOMEM)
			fail("bad form return");
		free(form);
		break;
	}
	credsource_keys_done(&k);
	free(buf);
	return 0;
}
