/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.c - the shared credentials and config files as rows of the
 * credential chain: which profile is in use, what the two files say about
 * it, and their static keys.
 *
 * profile_load() reads both files (profile_file.c) into the chain's
 * context and refuses a named profile neither file has (a role profile is
 * assume.c's); the two detect rows give
 * the static keys of the credentials file and of the config file.  Called
 * by chain.c at start-up on the main thread (they read the environment)
 * and by credprov.c's refresher thread (profile_fetch() reads the file
 * again after AWS rejected the keys, so rotated keys are picked up).
 */
#include "profile_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "source.h"
#include "util.h"

int profile_load(struct source_ctx *ch, char *errbuf, size_t errlen)
{
	int r;

	ch->profile = profile_name(ch->opts->profile,
					       &ch->named);
	r = profile_paths(&ch->cred_path, &ch->conf_path);
	if (!r && ch->cred_path)
		r = profile_read(ch->cred_path, ch->profile, false,
					     &ch->fc, errbuf, errlen);
	if (!r && ch->conf_path)
		r = profile_read(ch->conf_path, ch->profile, true,
					     &ch->fg, errbuf, errlen);
	if (r)
		return r;
	if (ch->named && !ch->fc.found && !ch->fg.found) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\" not found (%s, %s)",
			  ch->profile,
			  ch->cred_path ? ch->cred_path : "no credentials file",
			  ch->conf_path ? ch->conf_path : "no config file");
		return -ENOENT;
	}
	return 0;
}

void profile_ctx_done(struct source_ctx *ctx)
{
	free(ctx->cred_path);
	free(ctx->conf_path);
	profile_done(&ctx->fc);
	profile_done(&ctx->fg);
}

/* A row of the chain: the static keys of the profile in @path. */
static int detect_keys(struct source_ctx *ctx, bool config, const char *path,
		       const struct profile *f, struct source *src,
		       struct credentials *ret, char *errbuf, size_t errlen)
{
	int r;

	if (!path)
		return -ENOENT;
	r = profile_keys(f, path, ctx->profile, config, ret, errbuf, errlen);
	if (r)
		return r;
	snprintf(src->name, sizeof(src->name), "%s", ret->source);
	src->config = config;
	r = util_strdup_to(&src->path, path);
	if (!r)
		r = util_strdup_to(&src->profile, ctx->profile);
	if (r)
		creds_done(ret);
	return r;
}

int profile_cred_detect(struct source_ctx *ctx, struct source *src,
			struct credentials *ret, char *errbuf, size_t errlen)
{
	return detect_keys(ctx, false, ctx->cred_path, &ctx->fc, src, ret,
			   errbuf, errlen);
}

int profile_conf_detect(struct source_ctx *ctx, struct source *src,
			struct credentials *ret, char *errbuf, size_t errlen)
{
	return detect_keys(ctx, true, ctx->conf_path, &ctx->fg, src, ret,
			   errbuf, errlen);
}

int profile_fetch(struct source *src, struct credentials *c,
			 char *errbuf, size_t errlen)
{
	struct profile f = {0};
	bool config = src->config;
	int r;

	r = profile_read(src->path, src->profile, config, &f,
				     errbuf, errlen);
	if (!r)
		r = profile_keys(&f, src->path, src->profile,
					     config, c, errbuf, errlen);
	if (r == -ENOENT)
		util_set_error(errbuf, errlen, "%s: profile \"%s\" has no keys "
			  "any more", src->path, src->profile);
	profile_done(&f);
	return r;
}
