/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http.c - the container credentials URL policy (libcurl's URL
 * parser: the host checked is the host reached) and the easy-handle
 * policy.
 *
 * One table of URLs, each with whether it is allowed and whether its host
 * is local (no proxy).  Every refusal must say why.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tap.h"

/* @s for a TAP line: control characters as '?', cut to fit @buf. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static void test_container_url(void)
{
	char err[256], show[128];
	bool local;
	size_t i;
	int r;

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
			/* fuzz_url: libcurl decodes a host's escapes, so
			 * these name a non-ASCII or control host. */
			{"https://e.example%8f/", -EINVAL, false},
			{"https://e%0a.example/", -EINVAL, false},
			{"https://e%20x.example/", -EINVAL, false},
			/* Escapes that decode to a host libcurl reads
			 * differently again: 2130706433 is 127.0.0.1. */
			{"https://2%31%33%30706433/", -EINVAL, false},
			/* Escapes that decode to a settled host: that host. */
			{"http://%31%32%37.0.0.1/x", 0, true},
			/* Numbers libcurl itself reads: the host it gives. */
			{"http://2130706433/x", 0, true},
		};

		for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
			local = !urls[i].local;
			err[0] = '\0';
			r = http_container_url(urls[i].url, &local, err,
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
		is_int(http_container_url(NULL, &local, NULL, 0), -EINVAL,
		       "container url NULL");
	}
}

/* The policy every handle gets; a CA file and no proxy when asked. */
static void test_easy_new(void)
{
	char cerr[CURL_ERROR_SIZE];
	struct http_opts o = {.url = "https://example.invalid/",
			      .connect_ms = 1000, .total_ms = 2000,
			      .ca_file = "/nonexistent/ca.pem", .no_proxy = true,
			      .errbuf = cerr};
	CURL *curl = http_easy_new(&o);

	ok(curl != NULL, "easy_new: a handle");
	curl_easy_cleanup(curl);
	o = (struct http_opts){.connect_ms = 1, .total_ms = 1};
	curl = http_easy_new(&o);
	ok(curl != NULL, "easy_new: without URL, CA file or error buffer");
	curl_easy_cleanup(curl);
	ok(http_header_safe("Bearer abc=="), "header_safe: token");
	ok(!http_header_safe("a\r\nHost: x"), "header_safe: line break");
	is_int(http_status_error(503), -EAGAIN, "status 503: retry");
	is_int(http_status_error(429), -EAGAIN, "status 429: retry");
	is_int(http_status_error(403), -EACCES, "status 403: final");
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_container_url();
	test_easy_new();
	curl_global_cleanup();
	return tap_done();
}
