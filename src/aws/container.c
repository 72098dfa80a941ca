/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - the container credentials source (ECS task roles, EKS Pod
 * Identity): a local HTTP endpoint that hands out temporary keys.
 *
 * Owns the chain's sixth row: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 * http://169.254.170.2) or _FULL_URI (https, or http to loopback and the
 * ECS/EKS agent addresses only: http.c's URL policy), with the
 * Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read
 * at each fetch, it rotates) or AWS_CONTAINER_AUTHORIZATION_TOKEN.  1 s /
 * 5 s timeouts and no proxy for local addresses.  The answer is creddoc.c's.
 *
 * container_detect() runs at start-up on the main thread (chain.c);
 * container_fetch() there and on credprov.c's refresher thread.  The token
 * and the header that carries it are wiped before they are freed.
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

#define ECS_AGENT "http://169.254.170.2"

int container_detect(struct source_ctx *ctx, struct source *src,
		     struct credentials *ret, char *errbuf, size_t errlen)
{
	const char *rel = env_get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env_get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char why[256];
	size_t n;
	int r;

	(void)ret;
	if (!rel && !full)
		return -ENOENT;
	snprintf(src->name, sizeof(src->name), "container");
	if (rel) {
		if (rel[0] != '/') {
			util_set_error(errbuf, errlen, "AWS_CONTAINER_CREDENTIALS_"
				  "RELATIVE_URI does not start with '/'");
			return -EINVAL;
		}
		n = strlen(ECS_AGENT) + strlen(rel) + 1;
		src->url = malloc(n);
		if (!src->url)
			return -ENOMEM;
		snprintf(src->url, n, "%s%s", ECS_AGENT, rel);
		src->local = true;
	} else {
		r = http_container_url(full, &src->local, why,
					     sizeof(why));
		if (r) {
			util_set_error(errbuf, errlen, "AWS_CONTAINER_CREDENTIALS_"
				  "FULL_URI: %s", why);
			return r;
		}
		r = util_strdup_to(&src->url, full);
		if (r)
			return r;
	}
	r = util_strdup_to(&src->auth_token_file,
		   env_get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	if (!r && !src->auth_token_file)
		r = util_strdup_to(&src->auth_token,
				   env_get("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	if (!r)
		r = util_strdup_to(&src->ca_file, ctx->opts->ca_file);
	return r;
}

int container_fetch(struct source *src, struct credentials *k,
		    char *errbuf, size_t errlen)
{
	struct http_req req = {.method = "GET",
			       .opts = {.url = src->url,
					.connect_ms = SOURCE_LOCAL_CONNECT_MS,
					.total_ms = SOURCE_LOCAL_TOTAL_MS,
					.no_proxy = src->local,
					.ca_file = src->ca_file},
			       .abort = src->abort};
	struct http_resp resp = {0};
	char *token = NULL, *line = NULL, why[256];
	size_t n;
	int r;

	if (src->auth_token_file) {
		r = env_read_file(src->auth_token_file, &token, errbuf,
					  errlen);
		if (r == -ENOENT)
			util_set_error(errbuf, errlen, "%s: no such file",
				  src->auth_token_file);
		if (r)
			goto out;
	} else if (src->auth_token) {
		token = strdup(src->auth_token);
		if (!token) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = http_headers_add(&req.headers, "Accept: application/json");
	if (r)
		goto out;
	if (token) {
		if (!token[0] || !http_header_safe(token)) {
			util_set_error(errbuf, errlen, "the authorization token is "
				  "empty or has control characters");
			r = -EINVAL;
			goto out;
		}
		n = strlen(token) + sizeof("Authorization: ");
		line = malloc(n);
		if (!line) {
			r = -ENOMEM;
			goto out;
		}
		snprintf(line, n, "Authorization: %s", token);
		r = http_headers_add(&req.headers, line);
		if (r)
			goto out;
	}
	r = http_fetch(&req, &resp, errbuf, errlen);
	if (r)
		goto out;
	if (resp.status != 200) {
		why[0] = '\0';
		creddoc_parse_json(CREDDOC_CONTAINER, resp.body, resp.len,
				      k, why, sizeof(why));
		creds_done(k);
		util_set_error(errbuf, errlen, "HTTP %ld%s%s", resp.status,
			  why[0] && strncmp(why, "answer", 6) ? ": " : "",
			  why[0] && strncmp(why, "answer", 6) ? why : "");
		r = http_status_error(resp.status);
		goto out;
	}
	r = creddoc_parse_json(CREDDOC_CONTAINER, resp.body, resp.len, k,
				  errbuf, errlen);
out:
	http_resp_done(&resp);
	http_headers_free(req.headers);
	util_secret_free(line);
	util_secret_free(token);
	return r;
}
