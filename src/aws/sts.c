/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sts.c - the web identity source: a token file exchanged at STS
 * (AssumeRoleWithWebIdentity) for temporary keys.
 *
 * Owns the chain's third row: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 * (+ AWS_ROLE_SESSION_NAME), or the profile's web_identity_token_file +
 * role_arn (+ role_session_name), sent to https://sts.REGION.amazonaws.com/
 * (aws.region; AWS_ENDPOINT_URL_STS overrides) with 2 s / 10 s timeouts.
 * The token file is read again at each fetch, since the platform rotates
 * it.  The form body and the answer are stsdoc.c's; the call is http.c's.
 * sts_post() is the one STS call, shared with assume.c (AssumeRole).
 *
 * sts_detect() runs at start-up on the main thread (chain.c);
 * sts_fetch() there and on credprov.c's refresher thread.  The token and
 * the form that carries it are wiped before they are freed.
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

#include "env.h"
#include "http.h"
#include "sts.h"
#include "stsdoc.h"
#include "util.h"

#define STS_CONNECT_MS 2000
#define STS_TOTAL_MS 10000

int sts_detect(struct source_ctx *ch, struct source *src,
	       struct credentials *ret, char *errbuf, size_t errlen)
{
	const char *file = profile_pick(env_get("AWS_WEB_IDENTITY_TOKEN_FILE"),
				profile_pick(ch->fc.web_identity_token_file,
				     ch->fg.web_identity_token_file));
	const char *arn = profile_pick(env_get("AWS_ROLE_ARN"),
			       profile_pick(ch->fc.role_arn, ch->fg.role_arn));
	const char *session = profile_pick(env_get("AWS_ROLE_SESSION_NAME"),
				   profile_pick(ch->fc.role_session_name,
					ch->fg.role_session_name));
	const char *sts = env_get("AWS_ENDPOINT_URL_STS");
	char url[256], name[64];
	int r;

	(void)ret;
	if (!file)
		return -ENOENT;
	if (!arn) {
		util_set_error(errbuf, errlen, "web identity token file %s is set "
			  "but no role ARN (AWS_ROLE_ARN or role_arn)", file);
		return -EINVAL;
	}
	if (!sts) {
		r = stsdoc_url(ch->opts->region,
				       ch->opts->fips, url,
				       sizeof(url));
		if (r) {
			util_set_error(errbuf, errlen, "aws.region \"%s\" makes no "
				  "STS endpoint", ch->opts->region);
			return -EINVAL;
		}
		sts = url;
	}
	if (!session) {
		snprintf(name, sizeof(name), "optout-eraserd-%ld",
			 (long)getpid());
		session = name;
	}
	snprintf(src->name, sizeof(src->name), "web-identity");
	r = util_strdup_to(&src->path, file);
	if (!r)
		r = util_strdup_to(&src->role_arn, arn);
	if (!r)
		r = util_strdup_to(&src->session_name, session);
	if (!r)
		r = util_strdup_to(&src->url, sts);
	if (!r)
		r = util_strdup_to(&src->ca_file, ch->opts->ca_file);
	return r;
}

int sts_post(const struct source *src, const char *action, const char *form,
	     struct curl_slist **headers, struct credentials *ret,
	     char *errbuf, size_t errlen)
{
	struct http_req req = {.method = "POST",
			       .opts = {.url = src->url,
					.connect_ms = STS_CONNECT_MS,
					.total_ms = STS_TOTAL_MS,
					.ca_file = src->ca_file},
			       .body = form,
			       .abort = src->abort};
	struct http_resp resp = {0};
	char why[256];
	int r;

	r = http_headers_add(headers, "Content-Type: " STS_CONTENT_TYPE);
	if (!r)
		r = http_headers_add(headers, "Accept: text/xml");
	if (!r)
		r = http_headers_add(headers, "Expect:");
	req.headers = *headers;
	if (!r)
		r = http_fetch(&req, &resp, errbuf, errlen);
	if (r)
		goto out;
	r = stsdoc_parse_action(action, resp.body, resp.len, ret, why,
				sizeof(why));
	if (r == -EINVAL && resp.status != 200) {
		util_set_error(errbuf, errlen, "HTTP %ld", resp.status);
		r = http_status_error(resp.status);
	} else if (r) {
		util_set_error(errbuf, errlen, "%s", why);
	} else if (resp.status != 200) {
		/* Credentials in a failure: believe the status. */
		creds_done(ret);
		util_set_error(errbuf, errlen, "HTTP %ld", resp.status);
		r = http_status_error(resp.status);
	}
out:
	http_resp_done(&resp);
	return r;
}

int sts_fetch(struct source *src, struct credentials *k, char *errbuf,
	      size_t errlen)
{
	struct curl_slist *headers = NULL;
	char *token = NULL, *form = NULL;
	int r;

	r = env_read_file(src->path, &token, errbuf, errlen);
	if (r == -ENOENT)
		util_set_error(errbuf, errlen, "%s: no such file", src->path);
	if (r)
		goto out;
	if (!token[0]) {
		util_set_error(errbuf, errlen, "%s is empty", src->path);
		r = -EINVAL;
		goto out;
	}
	r = stsdoc_form(src->role_arn, src->session_name, token,
				&form);
	if (r == -EINVAL)
		util_set_error(errbuf, errlen, "role session name \"%s\" is not "
			  "2-64 of [A-Za-z0-9+=,.@_-]", src->session_name);
	if (!r)
		r = sts_post(src, "AssumeRoleWithWebIdentity", form, &headers, k,
			     errbuf, errlen);
out:
	http_headers_free(headers);
	if (form) {
		OPENSSL_cleanse(form, strlen(form));
		free(form);
	}
	util_secret_free(token);
	return r;
}
