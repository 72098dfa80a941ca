/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_url.c - libFuzzer target for the container credentials URL policy,
 * http_container_url() (AWS_CONTAINER_CREDENTIALS_FULL_URI).
 *
 * The input is the URL.  The policy is checked against libcurl's own URL
 * parser, not against a copy of its logic: whenever the policy accepts a
 * URL, curl_url() must parse it with the flags a transfer uses
 * (CURLOPT_URL: a guessed scheme and unknown schemes allowed), give the
 * scheme http or https, no user, password or login options, and a host
 * (CURLUPART_HOST) that, for plain http, is one of the hosts the
 * documentation allows, checked here with inet_pton()/inet_ntop() on
 * libcurl's answer: "localhost", 127.0.0.0/8, ::1, 169.254.170.2,
 * 169.254.170.23, fd00:ec2::23.  The "local" flag must say exactly whether
 * the host is one of those, and the host has no blank, control or
 * non-ASCII character once libcurl has decoded it.  The URL libcurl
 * writes back for it must get
 * the same verdict and host (the policy does not depend on spelling), and
 * every refusal has a printable reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "fuzz.h"
#include "http.h"

#define T "fuzz_url"

/* The documented local hosts, for a host as libcurl's parser gives it. */
static bool documented_local(const char *host)
{
	unsigned char a[16];
	char v6[64], canon[INET6_ADDRSTRLEN];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1) {
		if (!inet_ntop(AF_INET, a, canon, sizeof(canon)))
			return false;
		return a[0] == 127 || !strcmp(canon, "169.254.170.2") ||
		       !strcmp(canon, "169.254.170.23");
	}
	if (n < 3 || n - 2 >= sizeof(v6) || host[0] != '[' ||
	    host[n - 1] != ']')
		return false;
	memcpy(v6, host + 1, n - 2);
	v6[n - 2] = '\0';
	if (inet_pton(AF_INET6, v6, a) != 1 ||
	    !inet_ntop(AF_INET6, a, canon, sizeof(canon)))
		return false;
	return !strcmp(canon, "::1") || !strcmp(canon, "fd00:ec2::23");
}

/* What a transfer would connect to: scheme and host from libcurl, the way
 * CURLOPT_URL parses.  Returns 0 or -1 when libcurl refuses the URL. */
static int curl_view(const char *url, char **scheme, char **host)
{
	CURLU *u = curl_url();
	char *v = NULL;
	int r = -1;

	*scheme = *host = NULL;
	if (!u)
		fuzz_fail(T, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url,
			 CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) !=
		    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &v, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &v, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_OPTIONS, &v, 0) == CURLUE_OK)
		fuzz_fail(T, "accepted URL has user information");
	r = 0;
out:
	curl_free(v);
	curl_url_cleanup(u);
	return r;
}

/* The URL as libcurl writes it back, or NULL. */
static char *curl_rewrite(const char *url)
{
	CURLU *u = curl_url();
	char *out = NULL;

	if (!u)
		fuzz_fail(T, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK)
		out = NULL;
	curl_url_cleanup(u);
	return out;
}

/* Checks an accepted @url; returns libcurl's host (curl_free()). */
static char *check_accepted(const char *url, bool local)
{
	char *scheme, *host;
	bool https;

	if (curl_view(url, &scheme, &host))
		fuzz_fail(T, "accepted URL that libcurl cannot parse");
	if (!strcasecmp(scheme, "https"))
		https = true;
	else if (!strcasecmp(scheme, "http"))
		https = false;
	else
		fuzz_fail(T, "accepted a scheme other than http(s)");
	if (!*host)
		fuzz_fail(T, "accepted URL without a host");
	if (!fuzz_printable(host, 0))
		fuzz_fail(T, "accepted host has a blank, control or non-ASCII "
			     "character once libcurl decoded it");
	if (!https && !documented_local(host))
		fuzz_fail(T, "plain http accepted to a host not allowed");
	if (local != documented_local(host))
		fuzz_fail(T, "local flag differs from the documented hosts");
	curl_free(scheme);
	return host;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	char err[512], *url, *again, *host, *host2, *s2;
	bool local = false, local2 = false;
	int r;

	if (!init) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		init = true;
	}
	url = fuzz_strdup(data, size);
	err[0] = '\0';
	r = http_container_url(url, &local, err, sizeof(err));
	if (r == -EINVAL || r == -ENOMEM) {
		if (!err[0] || !fuzz_printable(err, 1))
			fuzz_fail(T, "refusal without a printable reason");
		free(url);
		return 0;
	}
	if (r != 0)
		fuzz_fail(T, "unexpected return");
	host = check_accepted(url, local);
	/* libcurl's own spelling of it (which libcurl may not read back:
	 * "https:/lo%calhost" gives "https://lo%calhost/") names the same
	 * host and gets the same verdict. */
	again = curl_rewrite(url);
	if (!again)
		fuzz_fail(T, "libcurl cannot write back an accepted URL");
	if (!curl_view(again, &s2, &host2)) {
		if (strcmp(host, host2))
			fuzz_fail(T, "host changes when libcurl writes the URL "
				     "back");
		if (http_container_url(again, &local2, err, sizeof(err)) != 0 ||
		    local2 != local)
			fuzz_fail(T, "libcurl's spelling of an accepted URL "
				     "gets another verdict");
	}
	curl_free(s2);
	curl_free(host2);
	curl_free(again);
	curl_free(host);
	free(url);
	return 0;
}
