/* SPDX-License-Identifier: Apache-2.0 */
/*
 * urlpolicy.c - plain http only to loopback hosts unless
 * aws.allow_plain_http (the rule is in urlpolicy.h).
 *
 * The host is taken from libcurl's own URL parser, so that what is
 * checked is what libcurl connects to; "{region}" is replaced by a region
 * name first (it is part of a host name, and libcurl refuses braces).
 * config.c calls it at start-up and on reload for aws.endpoint,
 * AWS_ENDPOINT_URL_STS and AWS_EC2_METADATA_SERVICE_ENDPOINT.
 */
#include "urlpolicy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Loopback, or with @imds one of the instance metadata addresses.
 * @host is as libcurl gives it: IPv6 in brackets. */
static bool host_local(const char *host, bool imds)
{
	static const unsigned char imds6[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0,
						0,    0,    0,    0,    0, 0,
						0,    0,    0x02, 0x54};
	unsigned char a[16];
	char v6[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 || (imds && a[0] == 169 && a[1] == 254 &&
				       a[2] == 169 && a[3] == 254);
	if (n < 2 || n - 2 >= sizeof(v6) || host[0] != '[' ||
	    host[n - 1] != ']')
		return false;
	memcpy(v6, host + 1, n - 2);
	v6[n - 2] = '\0';
	return inet_pton(AF_INET6, v6, a) == 1 &&
	       (!memcmp(a, &in6addr_loopback, 16) ||
		(imds && !memcmp(a, imds6, 16)));
}

/* @url with every "{region}" replaced by "us-east-1"; NULL when out of
 * memory. */
static char *expand_region(const char *url)
{
	static const char tag[] = "{region}", region[] = "us-east-1";
	size_t n = strlen(url) * 2 + 1, o = 0;
	char *out = malloc(n);
	const char *p;

	if (!out)
		return NULL;
	for (p = url; *p;) {
		if (!strncmp(p, tag, sizeof(tag) - 1)) {
			memcpy(out + o, region, sizeof(region) - 1);
			o += sizeof(region) - 1;
			p += sizeof(tag) - 1;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

int urlpolicy_check(const char *url, bool imds, bool allow_plain, char *why,
		    size_t whylen)
{
	char *full = expand_region(url), *scheme = NULL, *host = NULL;
	CURLU *u = curl_url();
	int r = -EINVAL;

	if (!full || !u) {
		util_set_error(why, whylen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, full, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		util_set_error(why, whylen, "not a URL with a host");
		goto out;
	}
	if (!strcasecmp(scheme, "https") || allow_plain ||
	    host_local(host, imds)) {
		r = 0;
		goto out;
	}
	util_set_error(why, whylen, "plain http:// to a host that is not a "
		       "loopback address (localhost, 127.0.0.0/8, ::1%s) is "
		       "refused: use https://, or set " URLPOLICY_KEY
		       " = true to allow it",
		       imds ? ", or the metadata service" : "");
	r = -EPERM;
out:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	free(full);
	return r;
}
