/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chain.c - the AWS credential chain: one table of sources, walked once.
 *
 * Owns the order of the sources (a table of {what, detect, fetch, flags}
 * rows) and the rules between them: the environment and the systemd
 * directory are skipped for an explicit aws.profile; the profile files are
 * read once, before the first row that needs them; a source that is there
 * but broken stops the chain with its error rather than falling through to
 * another identity, except the instance metadata, whose failure means "no
 * credentials here" (the reason is kept for the final message).  At
 * start-up a network source's transient failure is tried three times.
 *
 * chain_resolve() runs on the main thread at start-up (credprov_new());
 * chain_fetch() on credprov.c's refresher thread too.  Neither keeps state
 * between calls: what a refresh needs is in the struct source that
 * chain_resolve() filled.
 */
#include "chain.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define STARTUP_ATTEMPTS 3

enum {
	ROW_SKIP_EXPLICIT = 1, /* not when aws.profile names a profile */
	ROW_FILES = 2,         /* needs the profile files read */
	ROW_NETWORK = 4,       /* has moods: retried at start-up */
	ROW_ABSENT_ON_FAILURE = 8, /* instance metadata: failing = absent */
};

struct row {
	const char *what; /* for messages */
	source_detect_fn *detect;
	source_fetch_fn *fetch;
	unsigned flags;
};

/* The chain, first that has credentials wins. */
static const struct row rows[] = {
	{"environment", env_detect, env_fetch, ROW_SKIP_EXPLICIT},
	{"systemd credentials", env_dir_detect, env_dir_fetch,
	 ROW_SKIP_EXPLICIT},
	{"STS AssumeRole", assume_detect, assume_fetch,
	 ROW_FILES | ROW_NETWORK},
	{"STS AssumeRoleWithWebIdentity", sts_detect, sts_fetch,
	 ROW_FILES | ROW_NETWORK},
	{"shared credentials file", profile_cred_detect, profile_fetch,
	 ROW_FILES},
	{"credential_process", process_detect, process_fetch, ROW_FILES},
	{"config file", profile_conf_detect, profile_fetch, ROW_FILES},
	{"container credentials", container_detect, container_fetch,
	 ROW_NETWORK},
	{"instance metadata", imds_detect, imds_fetch,
	 ROW_NETWORK | ROW_ABSENT_ON_FAILURE},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

void chain_source_done(struct source *src)
{
	size_t i;

	free(src->profile);
	free(src->path);
	free(src->command);
	free(src->role_arn);
	free(src->session_name);
	free(src->url);
	util_secret_free(src->auth_token);
	free(src->auth_token_file);
	free(src->ca_file);
	free(src->region);
	for (i = 0; src->roles && i < src->nroles; i++) {
		free(src->roles[i].profile);
		free(src->roles[i].role_arn);
		free(src->roles[i].external_id);
		free(src->roles[i].session_name);
	}
	free(src->roles);
	if (src->base)
		chain_source_done(src->base);
	free(src->base);
	memset(src, 0, sizeof(*src));
}

bool chain_refreshes(const struct source *src)
{
	return src->row != 0;
}

int chain_fetch(const struct source *src, struct credentials *ret,
		char *errbuf, size_t errlen)
{
	const struct row *row = &rows[src->row];
	struct credentials c = {0};
	char why[512] = "";
	int r;

	r = row->fetch((struct source *)src, &c, why, sizeof(why));
	if (r) {
		if (r == -ENOMEM)
			util_set_error(why, sizeof(why), "out of memory");
		util_set_error(errbuf, errlen, "%s: %s", row->what, why);
		/* A source that was found and then failed is no absence. */
		creds_done(&c);
		return r == -ENOENT ? -EINVAL : r;
	}
	creds_set_source(&c, src->name, NULL);
	*ret = c;
	return 0;
}

static bool transient(int r)
{
	return r == -EAGAIN || r == -EIO || r == -EHOSTUNREACH;
}

/* chain_fetch(), tried again after a second when a network source fails
 * in a way that may pass. */
static int fetch_startup(const struct source *src, struct credentials *ret,
			 char *errbuf, size_t errlen)
{
	unsigned flags = rows[src->row].flags;
	int attempt, r = -EIO;

	for (attempt = 1; attempt <= STARTUP_ATTEMPTS; attempt++) {
		r = chain_fetch(src, ret, errbuf, errlen);
		/* Only a network source has moods; a process or a file that
		 * fails once fails again. */
		if (!transient(r) || attempt == STARTUP_ATTEMPTS ||
		    !(flags & ROW_NETWORK))
			break;
		/* An instance metadata service that never answered is
		 * absent, not failing. */
		if ((flags & ROW_ABSENT_ON_FAILURE) && r == -EHOSTUNREACH)
			break;
		log_debug("credentials: %s (attempt %d of %d)", errbuf,
			  attempt, STARTUP_ATTEMPTS);
		poll(NULL, 0, 1000);
	}
	return r;
}

/* Tries row @i: 0 with @src and @c filled; -ENOENT to go on; an error.
 * A failure of a row that may be absent is kept in @absent_why. */
static int try_row(size_t i, struct source_ctx *ctx, struct source *src,
		   struct credentials *c, char *absent_why, size_t absent_len,
		   char *errbuf, size_t errlen)
{
	const struct row *row = &rows[i];
	bool may_be_absent = row->flags & ROW_ABSENT_ON_FAILURE;
	int r;

	src->row = (int)i;
	r = row->detect(ctx, src, c, errbuf, errlen);
	if (!r && !c->access_key_id)
		r = fetch_startup(src, c, may_be_absent ? absent_why : errbuf,
				  may_be_absent ? absent_len : errlen);
	if (!r) {
		creds_set_source(c, src->name, NULL);
		return 0;
	}
	/* As the SDKs: whatever goes wrong with the instance metadata
	 * means that there are no credentials (the reason is kept). */
	if (may_be_absent && r != -ENOMEM && absent_why[0])
		r = -ENOENT;
	creds_done(c);
	chain_source_done(src);
	return r;
}

int chain_role(const struct source_opts *opts, const char *role_arn,
	       const char *name, source_fetch_fn *base_fetch, void *opaque,
	       struct source *ret_src, struct credentials *ret, char *errbuf,
	       size_t errlen)
{
	struct source src = {0};
	struct credentials c = {0};
	size_t i;
	int r;

	util_set_error(errbuf, errlen, "%s", "");
	for (i = 0; i < NROWS && rows[i].fetch != assume_fetch; i++)
		;
	src.row = (int)i;
	r = assume_role_source(opts, role_arn, name, &src, errbuf, errlen);
	if (!r) {
		src.base_fetch = base_fetch;
		src.base->opaque = opaque;
		r = fetch_startup(&src, &c, errbuf, errlen);
	}
	if (!r) {
		*ret_src = src;
		memset(&src, 0, sizeof(src));
		*ret = c;
		memset(&c, 0, sizeof(c));
	}
	creds_done(&c);
	chain_source_done(&src);
	return r;
}

int chain_resolve(const struct source_opts *opts, struct source *ret_src,
		  struct credentials *ret, char *errbuf, size_t errlen)
{
	bool explicit = opts->profile && *opts->profile, files = false;
	struct source_ctx ctx = {.opts = opts};
	struct source src = {0};
	struct credentials c = {0};
	char absent_why[384] = "";
	size_t i;
	int r = -ENOENT;

	util_set_error(errbuf, errlen, "%s", "");
	for (i = 0; i < NROWS && r == -ENOENT; i++) {
		if ((rows[i].flags & ROW_SKIP_EXPLICIT) && explicit)
			continue;
		if ((rows[i].flags & ROW_FILES) && !files) {
			r = profile_load(&ctx, errbuf, errlen);
			if (r)
				goto out;
			files = true;
		}
		r = try_row(i, &ctx, &src, &c, absent_why, sizeof(absent_why),
			    errbuf, errlen);
	}
	if (r == -ENOENT)
		util_set_error(errbuf, errlen, "no AWS credentials found "
			       "(environment, systemd credentials, %s, %s, "
			       "container, instance metadata%s%s)",
			       ctx.cred_path ? ctx.cred_path :
					       "no credentials file",
			       ctx.conf_path ? ctx.conf_path : "no config file",
			       absent_why[0] ? ": " : "", absent_why);
	if (r)
		goto out;
	*ret_src = src;
	memset(&src, 0, sizeof(src));
	*ret = c;
	memset(&c, 0, sizeof(c));
out:
	creds_done(&c);
	chain_source_done(&src);
	profile_ctx_done(&ctx);
	return r;
}
