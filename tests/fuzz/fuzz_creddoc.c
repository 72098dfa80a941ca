/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_creddoc.c - libFuzzer target for what the credential sources
 * answer in JSON and their times (creddoc.c): credential_process output,
 * the container endpoint's and the instance metadata's answers.  STS's XML
 * is fuzz_stsdoc's, the container URL policy fuzz_url's.
 *
 * The first byte picks the function, the rest is its input, copied to a
 * buffer of its exact size (so any read past the end is caught):
 *   0-2  creddoc_parse_json (process, container, instance metadata)
 *   3    creddoc_parse_time, then format and parse back
 *   4    creddoc_imds_role (the instance metadata's role listing)
 * Checked on every input: accepted keys are header-safe (key id
 * alphanumeric, secret and token printable ASCII without spaces), expiries
 * format and parse back, messages are printable ASCII, role names use
 * IAM's characters.
 *
 * Built by ./configure --enable-fuzzing, replayed by make check (README,
 * "Fuzzing").
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creddoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_creddoc: %s\n", what);
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
	char buf[CREDDOC_TIME_MAX];
	int64_t back = 0;

	if (ms < 1)
		fail("time before 1970-01-01T00:00:00.001");
	if (creddoc_format_time(ms, buf, sizeof(buf)))
		fail("parsed time does not format");
	if (creddoc_parse_time(buf, strlen(buf), &back) ||
	    back != ms / 1000 * 1000)
		fail("formatted time does not parse back");
}

static void check_keys(const struct credentials *k)
{
	const char *p;

	if (!k->access_key_id || !k->access_key_id[0] ||
	    strlen(k->access_key_id) > CREDDOC_KEY_ID_MAX)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct credentials k = {0};
	char err[512] = "", role[64], *buf;
	const char *a;
	size_t len;
	int64_t ms = 0;
	int r;

	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len + 1);
	if (!buf)
		fail("out of memory");
	memcpy(buf, data + 1, len);
	switch (data[0] % 5) {
	case 0:
	case 1:
	case 2:
		r = creddoc_parse_json((enum creddoc_format)(data[0] % 5),
					  buf, len, &k, err, sizeof(err));
		if (r == 0)
			check_keys(&k);
		else if (r != -EINVAL && r != -ENOMEM)
			fail("bad JSON return");
		check_message(err);
		break;
	case 3:
		r = creddoc_parse_time(buf, len, &ms);
		if (r == 0)
			check_time(ms);
		else if (r != -EINVAL)
			fail("bad time return");
		break;
	case 4:
		r = creddoc_imds_role(buf, len, role, sizeof(role));
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
	}
	creds_done(&k);
	free(buf);
	return 0;
}
