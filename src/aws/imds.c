/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imds.c - the EC2 instance metadata source, IMDSv2 only.
 *
 * Owns the chain's last row: a session token PUT first, then the role's
 * name, then its keys, each a local call with 1 s / 5 s timeouts and no
 * proxy, unless AWS_EC2_METADATA_DISABLED=true.
 * AWS_EC2_METADATA_SERVICE_ENDPOINT overrides http://169.254.169.254
 * (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6: http://[fd00:ec2::254]).
 * A service that does not answer the first call is "no credentials here"
 * (-EHOSTUNREACH), which chain.c turns into absence as the SDKs do.
 *
 * imds_detect() runs at start-up on the main thread (chain.c);
 * imds_fetch() there and on credprov.c's refresher thread.  The session
 * token header is wiped before it is freed.
 */
#include "source.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "creddoc.h"
#include "env.h"
#include "http.h"
#include "util.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

int imds_detect(struct source_ctx *ctx, struct source *src,
		struct credentials *ret, char *errbuf, size_t errlen)
{
	const char *disabled = env_get("AWS_EC2_METADATA_DISABLED");
	const char *url = env_get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env_get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t n;

	(void)ctx;
	(void)ret;
	if (disabled && !strcasecmp(disabled, "true"))
		return -ENOENT;
	if (!url)
		url = mode && !strcasecmp(mode, "IPv6") ? IMDS_DEFAULT_V6 :
							  IMDS_DEFAULT;
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		util_set_error(errbuf, errlen, "AWS_EC2_METADATA_SERVICE_ENDPOINT is "
			  "not an http:// or https:// URL");
		return -EINVAL;
	}
	snprintf(src->name, sizeof(src->name), "imds");
	src->local = true;
	src->url = strdup(url);
	if (!src->url)
		return -ENOMEM;
	n = strlen(src->url);
	while (n && src->url[n - 1] == '/')
		src->url[--n] = '\0';
	return 0;
}

static int imds_get(struct source *src, const char *path, const char *header,
		    struct http_resp *resp, char *errbuf, size_t errlen)
{
	struct http_req req = {.method = header ? "GET" : "PUT",
			       .opts = {.connect_ms = SOURCE_LOCAL_CONNECT_MS,
					.total_ms = SOURCE_LOCAL_TOTAL_MS,
					.no_proxy = true},
			       .abort = src->abort};
	char url[1024];
	int r;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", src->url, path) >=
	    sizeof(url)) {
		util_set_error(errbuf, errlen, "instance metadata URL too long");
		return -ENAMETOOLONG;
	}
	req.opts.url = url;
	r = http_headers_add(&req.headers,
			header ? header :
				 "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	if (!r)
		r = http_headers_add(&req.headers, "Content-Type:");
	if (!r)
		r = http_fetch(&req, resp, errbuf, errlen);
	http_headers_free(req.headers);
	return r;
}

/*
 * IMDSv2: a session token, the role's name, the role's credentials.
 * -EHOSTUNREACH when the service does not answer the first call.
 */
int imds_fetch(struct source *src, struct credentials *k, char *errbuf,
	       size_t errlen)
{
	struct http_resp resp = {0};
	char *header = NULL, role[128], path[256], why[256];
	size_t n;
	int r;

	r = imds_get(src, "/latest/api/token", NULL, &resp, errbuf, errlen);
	if (r)
		goto out;
	while (resp.len && strchr(" \t\r\n", resp.body[resp.len - 1]))
		resp.body[--resp.len] = '\0';
	if (resp.status != 200 || !resp.len || !http_header_safe(resp.body)) {
		util_set_error(errbuf, errlen, "token request: HTTP %ld",
			  resp.status);
		r = resp.status == 200 ? -EINVAL : http_status_error(resp.status);
		goto out;
	}
	n = resp.len + sizeof("X-aws-ec2-metadata-token: ");
	header = malloc(n);
	if (!header) {
		r = -ENOMEM;
		goto out;
	}
	snprintf(header, n, "X-aws-ec2-metadata-token: %s", resp.body);
	http_resp_done(&resp);

	r = imds_get(src, IMDS_ROLE_PATH, header, &resp, errbuf, errlen);
	if (r == -EHOSTUNREACH)
		r = -EIO; /* it answered a moment ago */
	if (r)
		goto out;
	if (resp.status == 404) {
		util_set_error(errbuf, errlen, "no IAM role attached to the "
			  "instance");
		r = -ENOENT;
		goto out;
	}
	if (resp.status != 200) {
		util_set_error(errbuf, errlen, "role name: HTTP %ld", resp.status);
		r = http_status_error(resp.status);
		goto out;
	}
	r = creddoc_imds_role(resp.body, resp.len, role, sizeof(role));
	if (r) {
		util_set_error(errbuf, errlen, "%s", r == -ENOENT ?
			  "no IAM role attached to the instance" :
			  "malformed role name");
		goto out;
	}
	http_resp_done(&resp);

	snprintf(path, sizeof(path), "%s%s", IMDS_ROLE_PATH, role);
	r = imds_get(src, path, header, &resp, errbuf, errlen);
	if (r == -EHOSTUNREACH)
		r = -EIO;
	if (r)
		goto out;
	if (resp.status != 200) {
		util_set_error(errbuf, errlen, "role %s: HTTP %ld", role,
			  resp.status);
		r = http_status_error(resp.status);
		goto out;
	}
	r = creddoc_parse_json(CREDDOC_IMDS, resp.body, resp.len, k, why,
				  sizeof(why));
	if (r)
		util_set_error(errbuf, errlen, "role %s: %s", role, why);
out:
	http_resp_done(&resp);
	util_secret_free(header);
	return r;
}
