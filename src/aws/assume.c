/* SPDX-License-Identifier: Apache-2.0 */
/*
 * assume.c - role profiles: role_arn with source_profile or
 * credential_source, assumed with STS AssumeRole as botocore does it.
 *
 * assume_detect() walks the profile chain once at start-up (main thread):
 * each profile with role_arn (and no web_identity_token_file) adds a role,
 * its source_profile is read from both files and followed; a source
 * profile with static keys, or a credential_source (Environment,
 * Ec2InstanceMetadata, EcsContainer), is where the chain starts.  A
 * profile met twice is a loop (an error naming the profiles), except a
 * profile whose source_profile is itself and which has keys.  The walk
 * leaves a struct source holding the base source and the roles, so
 * assume_fetch() (start-up, then credprov.c's refresher thread) asks the
 * base again and assumes each role in turn, signing each AssumeRole with
 * the keys of the step before (SigV4, service "sts", the regional
 * endpoint or AWS_ENDPOINT_URL_STS).  The keys of the last step, with
 * their expiry, are the credentials; nothing in between is kept.
 */
#include "source.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "env.h"
#include "http.h"
#include "sigv4.h"
#include "sts.h"
#include "stsdoc.h"
#include "util.h"

#define ASSUME_HOPS_MAX 16

/* The profile @name as both files say it (the credentials file first). */
struct both {
	struct profile fc, fg;
};

static void both_done(struct both *b)
{
	profile_done(&b->fc);
	profile_done(&b->fg);
}

static int both_read(const struct source_ctx *ctx, const char *name,
		     struct both *b, char *errbuf, size_t errlen)
{
	int r = 0;

	both_done(b);
	if (ctx->cred_path)
		r = profile_read(ctx->cred_path, name, false, &b->fc, errbuf,
				 errlen);
	if (!r && ctx->conf_path)
		r = profile_read(ctx->conf_path, name, true, &b->fg, errbuf,
				 errlen);
	if (!r && !b->fc.found && !b->fg.found) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\" not found "
			       "(source_profile)", name);
		r = -EINVAL;
	}
	return r;
}

#define PICK(b, field) profile_pick((b)->fc.field, (b)->fg.field)

static bool has_keys(const struct both *b)
{
	return b->fc.keys.access_key_id || b->fc.keys.secret_access_key ||
	       b->fg.keys.access_key_id || b->fg.keys.secret_access_key;
}

/* The base: the static keys of profile @name, read again at each fetch. */
static int base_keys(const struct source_ctx *ctx, const char *name,
		     const struct both *b, struct source *base,
		     char *errbuf, size_t errlen)
{
	bool config = !(b->fc.keys.access_key_id ||
			b->fc.keys.secret_access_key);
	const char *path = config ? ctx->conf_path : ctx->cred_path;
	struct credentials c = {0};
	int r;

	r = profile_keys(config ? &b->fg : &b->fc, path, name, config, &c,
			 errbuf, errlen);
	creds_done(&c);
	if (r == -ENOENT) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\" (a "
			       "source_profile) has no keys", name);
		r = -EINVAL;
	}
	if (!r)
		r = util_strdup_to(&base->path, path);
	if (!r)
		r = util_strdup_to(&base->profile, name);
	base->config = config;
	snprintf(base->name, sizeof(base->name), "profile:%s", name);
	return r;
}

/* The base: a credential_source, detected like its row of the chain. */
static int base_named(struct source_ctx *ctx, const char *profile,
		      const char *what, struct source *src, char *errbuf,
		      size_t errlen)
{
	static const struct {
		const char *name;
		source_detect_fn *detect;
		source_fetch_fn *fetch;
	} kinds[] = {
		{"Environment", env_detect, env_fetch},
		{"Ec2InstanceMetadata", imds_detect, imds_fetch},
		{"EcsContainer", container_detect, container_fetch},
	};
	struct credentials c = {0};
	size_t i;
	int r;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(what, kinds[i].name))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\": "
			       "credential_source \"%s\" is not Environment, "
			       "Ec2InstanceMetadata or EcsContainer", profile,
			       what);
		return -EINVAL;
	}
	r = kinds[i].detect(ctx, src->base, &c, errbuf, errlen);
	creds_done(&c);
	if (r == -ENOENT) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\": "
			       "credential_source %s has no credentials",
			       profile, what);
		r = -EINVAL;
	}
	src->base_fetch = kinds[i].fetch;
	return r;
}

/* The session name when none is given: the SDKs' pattern, our name. */
static void session_default(char *buf, size_t len)
{
	snprintf(buf, len, "optout-eraserd-%lld", (long long)time(NULL));
}

/* Adds profile @name's role to @src. */
static int add_role(const char *name, const struct both *b,
		    struct source *src, char *errbuf, size_t errlen)
{
	struct source_role *role = &src->roles[src->nroles++];
	const char *dur = PICK(b, duration_seconds);
	char *end = NULL, *form = NULL, session[64];
	int r;

	if (dur) {
		role->duration_s = strtol(dur, &end, 10);
		if (*end || role->duration_s < 900 ||
		    role->duration_s > 43200) {
			util_set_error(errbuf, errlen, "AWS profile \"%s\": "
				       "duration_seconds \"%s\" is not 900 to "
				       "43200", name, dur);
			return -EINVAL;
		}
	}
	session_default(session, sizeof(session));
	r = util_strdup_to(&role->profile, name);
	if (!r)
		r = util_strdup_to(&role->role_arn, PICK(b, role_arn));
	if (!r)
		r = util_strdup_to(&role->external_id, PICK(b, external_id));
	if (!r)
		r = util_strdup_to(&role->session_name,
				   PICK(b, role_session_name) ?
					   PICK(b, role_session_name) :
					   session);
	if (!r && stsdoc_assume_form(role->role_arn, role->session_name,
				     role->external_id, 0, &form)) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\": role_arn, "
			       "role_session_name or external_id is malformed",
			       name);
		r = -EINVAL;
	}
	free(form);
	return r;
}

/* "a -> b -> a" into @buf. */
static void loop_message(char *const *seen, size_t n, const char *again,
			 char *errbuf, size_t errlen)
{
	char chain[512] = "";
	size_t i, len = 0;

	for (i = 0; i < n && len < sizeof(chain); i++)
		len += (size_t)snprintf(chain + len, sizeof(chain) - len,
					"%s -> ", seen[i]);
	util_set_error(errbuf, errlen, "AWS profiles loop through "
		       "source_profile: %s%s", chain, again);
}

/* Walks from ctx->profile to the base, filling @src.  @seen holds the
 * profiles met (borrowed from the two profiles read). */
static int walk(struct source_ctx *ctx, struct source *src, char *errbuf,
		size_t errlen)
{
	char *seen[ASSUME_HOPS_MAX + 1] = {0};
	struct both b = {0};
	const char *next;
	size_t n = 0, i;
	int r;

	r = util_strdup_to(&seen[n], ctx->profile);
	for (n = 1; !r; n++) {
		r = both_read(ctx, seen[n - 1], &b, errbuf, errlen);
		if (r)
			break;
		if (n > 1 && (has_keys(&b) || !PICK(&b, role_arn) ||
			      PICK(&b, web_identity_token_file))) {
			r = base_keys(ctx, seen[n - 1], &b, src->base, errbuf,
				      errlen);
			src->base_fetch = profile_fetch;
			break;
		}
		r = add_role(seen[n - 1], &b, src, errbuf, errlen);
		if (r)
			break;
		next = PICK(&b, source_profile);
		if (next && PICK(&b, credential_source)) {
			util_set_error(errbuf, errlen, "AWS profile \"%s\" has "
				       "both source_profile and "
				       "credential_source", seen[n - 1]);
			r = -EINVAL;
		} else if (PICK(&b, credential_source)) {
			r = base_named(ctx, seen[n - 1],
				       PICK(&b, credential_source), src, errbuf,
				       errlen);
			break;
		} else if (!next) {
			util_set_error(errbuf, errlen, "AWS profile \"%s\" has "
				       "role_arn but neither source_profile nor "
				       "credential_source", seen[n - 1]);
			r = -EINVAL;
		}
		for (i = 0; !r && i < n; i++) {
			if (strcmp(seen[i], next))
				continue;
			if (i == n - 1 && has_keys(&b)) {
				r = base_keys(ctx, seen[i], &b, src->base,
					      errbuf, errlen);
				src->base_fetch = profile_fetch;
				goto out;
			}
			loop_message(seen, n, next, errbuf, errlen);
			r = -EINVAL;
		}
		if (!r && n == ASSUME_HOPS_MAX) {
			util_set_error(errbuf, errlen, "AWS profile \"%s\": more "
				       "than %d roles through source_profile",
				       ctx->profile, ASSUME_HOPS_MAX);
			r = -EINVAL;
		}
		if (!r)
			r = util_strdup_to(&seen[n], next);
	}
out:
	both_done(&b);
	for (i = 0; i <= ASSUME_HOPS_MAX; i++)
		free(seen[i]);
	return r;
}

/* The STS endpoint, its signing region and the CA file of @opts. */
static int sts_place(const struct source_opts *opts, struct source *src,
		     char *errbuf, size_t errlen)
{
	const char *sts = env_get("AWS_ENDPOINT_URL_STS");
	const char *region = opts->region;
	char url[256];
	int r;

	if (!sts) {
		if (stsdoc_url(region, opts->fips, url, sizeof(url))) {
			util_set_error(errbuf, errlen, "aws.region \"%s\" makes "
				       "no STS endpoint", region);
			return -EINVAL;
		}
		sts = url;
	}
	r = util_strdup_to(&src->url, sts);
	if (!r)
		r = util_strdup_to(&src->region, region && *region ? region :
						 "us-east-1");
	if (!r)
		r = util_strdup_to(&src->ca_file, opts->ca_file);
	if (!r) {
		src->base = calloc(1, sizeof(*src->base));
		src->roles = calloc(ASSUME_HOPS_MAX, sizeof(*src->roles));
		r = src->base && src->roles ? 0 : -ENOMEM;
	}
	return r;
}

int assume_detect(struct source_ctx *ctx, struct source *src,
		  struct credentials *ret, char *errbuf, size_t errlen)
{
	int r;

	(void)ret;
	if (!profile_pick(ctx->fc.role_arn, ctx->fg.role_arn) ||
	    profile_pick(ctx->fc.web_identity_token_file,
			 ctx->fg.web_identity_token_file))
		return -ENOENT;
	snprintf(src->name, sizeof(src->name), "assume-role:%s",
		 ctx->profile);
	r = sts_place(ctx->opts, src, errbuf, errlen);
	if (!r)
		r = walk(ctx, src, errbuf, errlen);
	return r;
}

int assume_role_source(const struct source_opts *opts, const char *role_arn,
		       const char *name, struct source *src, char *errbuf,
		       size_t errlen)
{
	struct source_role *role;
	char session[64];
	int r;

	snprintf(src->name, sizeof(src->name), "%s", name);
	r = sts_place(opts, src, errbuf, errlen);
	if (r)
		return r;
	role = &src->roles[src->nroles++];
	session_default(session, sizeof(session));
	r = util_strdup_to(&role->profile, name);
	if (!r)
		r = util_strdup_to(&role->role_arn, role_arn);
	if (!r)
		r = util_strdup_to(&role->session_name, session);
	return r;
}

/* The Host header of @url: what is between "://" and the path. */
static int url_host(const char *url, char *buf, size_t len,
		    const char **ret_path)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (!p)
		return -EINVAL;
	p += 3;
	n = strcspn(p, "/?#");
	if (!n || n >= len)
		return -EINVAL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*ret_path = p[n] == '/' ? p + n : "/";
	return 0;
}

/* Appends "@name@value" to *@h; the line is wiped (a token). */
static int header(struct curl_slist **h, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 1;
	char *line = malloc(len);
	int r;

	if (!line)
		return -ENOMEM;
	snprintf(line, len, "%s%s", name, value);
	r = http_headers_add(h, line);
	OPENSSL_cleanse(line, len);
	free(line);
	return r;
}

/* Assumes @role with @with's keys: 0 with the role's keys in @ret. */
static int assume_one(const struct source *src, const struct source_role *role,
		      const struct credentials *with, struct credentials *ret,
		      char *errbuf, size_t errlen)
{
	struct curl_slist *headers = NULL;
	struct sigv4_result sig = {0};
	char host[256], *form = NULL;
	const char *path = "/";
	struct sigv4_header sh[2] = {{"Host", host},
				     {"Content-Type", STS_CONTENT_TYPE}};
	struct sigv4_request sreq = {.method = "POST", .headers = sh,
				     .nheaders = 2};
	int r;

	r = url_host(src->url, host, sizeof(host), &path);
	if (!r)
		r = stsdoc_assume_form(role->role_arn, role->session_name,
				       role->external_id, role->duration_s,
				       &form);
	if (r)
		goto out;
	sreq.path = path;
	sreq.body = form;
	sreq.body_len = strlen(form);
	r = sigv4_sign(&sreq, with, src->region, "sts", time(NULL), NULL,
		       &sig);
	if (r)
		goto out;
	r = header(&headers, "Host: ", host);
	if (!r)
		r = header(&headers, "X-Amz-Date: ", sig.amz_date);
	if (!r)
		r = header(&headers, "Authorization: ", sig.authorization);
	if (!r && with->session_token)
		r = header(&headers, "X-Amz-Security-Token: ",
			   with->session_token);
	if (!r)
		r = sts_post(src, "AssumeRole", form, &headers, ret, errbuf,
			     errlen);
out:
	if (r == -EINVAL && !errbuf[0])
		util_set_error(errbuf, errlen, "cannot sign the call");
	sigv4_result_done(&sig);
	http_headers_free(headers);
	free(form);
	return r;
}

int assume_fetch(struct source *src, struct credentials *ret, char *errbuf,
		 size_t errlen)
{
	struct credentials c = {0}, next = {0};
	char why[384] = "";
	size_t i;
	int r;

	src->base->abort = src->abort;
	r = src->base_fetch(src->base, &c, why, sizeof(why));
	if (r) {
		util_set_error(errbuf, errlen, "source credentials of profile "
			       "\"%s\": %s",
			       src->roles[src->nroles - 1].profile, why);
		return r == -ENOENT ? -EINVAL : r;
	}
	for (i = src->nroles; i-- > 0;) {
		why[0] = '\0';
		r = assume_one(src, &src->roles[i], &c, &next, why,
			       sizeof(why));
		creds_done(&c);
		if (r) {
			util_set_error(errbuf, errlen, "AssumeRole %s (profile "
				       "\"%s\"): %s", src->roles[i].role_arn,
				       src->roles[i].profile, why);
			return r;
		}
		c = next;
		memset(&next, 0, sizeof(next));
	}
	*ret = c;
	return 0;
}
