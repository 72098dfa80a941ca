/* SPDX-License-Identifier: Apache-2.0 */
/*
 * source.h - the contract between the credential chain and its sources.
 *
 * Each source file (env.c, profile.c, process.c, assume.c, sts.c,
 * container.c, imds.c) offers a detect and a fetch function of the shapes below; chain.c
 * lists them in one table, in the SDKs' order.  detect runs once, at
 * start-up on the main thread: it reads the environment and the profile
 * files (through struct source_ctx) and fills a struct source with all that
 * asking again takes, so fetch, which credprov.c's refresher thread calls,
 * never calls getenv().  Sources include this header, never chain.h.
 */
#ifndef OPTOUT_SOURCE_H
#define OPTOUT_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "creds.h"
#include "profile_file.h"

/* Container and instance metadata: local addresses answer fast or not. */
#define SOURCE_LOCAL_CONNECT_MS 1000
#define SOURCE_LOCAL_TOTAL_MS 5000

/* The settings the chain takes from the configuration. */
struct source_opts {
	const char *profile; /* aws.profile; NULL or "" = not set */
	const char *region;  /* aws.region, for STS */
	const char *ca_file; /* aws.ca_file, for https; NULL = system's */
	bool fips;           /* aws.use_fips_endpoint, for STS */
	/* aws.role.ACCOUNT: the role to assume (with the chain's keys) for
	 * each account's lists; @nroles of each */
	const char *const *role_accounts;
	const char *const *role_arns;
	size_t nroles;
};

struct source;
typedef int source_fetch_fn(struct source *src, struct credentials *ret,
			    char *errbuf, size_t errlen);

/* One AssumeRole of a role profile chain (assume.c). */
struct source_role {
	char *profile;      /* the profile that names the role, for messages */
	char *role_arn;
	char *external_id;  /* NULL = not sent */
	char *session_name;
	long duration_s;    /* 0 = STS's default (3600) */
};

/* Which source answered, and what asking it again takes. */
struct source {
	int row;               /* chain.c's table */
	char name[64];         /* credprov_source() */
	bool config;           /* profile: the config file, not credentials */
	char *profile;         /* file kinds, credential_process */
	char *path;            /* systemd directory, INI file, token file */
	char *command;         /* credential_process */
	char *role_arn;        /* web identity */
	char *session_name;    /* web identity */
	char *url;             /* STS, container, instance metadata base */
	bool local;            /* container on a local address: no proxy */
	char *auth_token;      /* container, from the environment (secret) */
	char *auth_token_file; /* container, read at each fetch */
	char *ca_file;         /* copy of source_opts.ca_file */
	const atomic_bool *abort; /* the owner's stop flag; NULL = never */
	/* AssumeRole (assume.c): @base's keys assume roles[nroles - 1],
	 * whose keys assume the one before, ..., roles[0] last; url and
	 * region are STS's, session_name unused. */
	struct source *base;
	source_fetch_fn *base_fetch;
	struct source_role *roles;
	size_t nroles;
	char *region; /* the signing region of url */
	void *opaque; /* base_fetch's own (credprov.c: the chain's provider) */
};

/* The chain's state while it is walked (start-up, main thread). */
struct source_ctx {
	const struct source_opts *opts;
	const char *profile;       /* the profile in use */
	bool named;                /* explicitly or by AWS_PROFILE */
	char *cred_path, *conf_path;
	struct profile fc, fg;     /* credentials / config file */
};

/*
 * Picks the profile and reads both files into @ctx: a profile named
 * explicitly or by AWS_PROFILE that neither file has is -ENOENT.
 * Release with profile_ctx_done(), also after a failure.  Main thread.
 */
int profile_load(struct source_ctx *ctx, char *errbuf, size_t errlen);

/*
 * Fills @src to assume @role_arn (with a default session name) at the STS
 * endpoint of @opts; src->base and the fetch of its keys are the caller's
 * to set.  @name names the source.  Returns 0, -EINVAL with the message,
 * -ENOMEM.  Start-up, main thread (reads AWS_ENDPOINT_URL_STS).
 */
int assume_role_source(const struct source_opts *opts, const char *role_arn,
		       const char *name, struct source *src, char *errbuf,
		       size_t errlen);
void profile_ctx_done(struct source_ctx *ctx);

/*
 * Detect: 0 with @src filled, and for a source that needs no fetch at
 * start-up (the static keys) the keys in @ret; -ENOENT when the source is
 * not set up; another negative errno with the message when it is set up
 * but broken.
 */
typedef int source_detect_fn(struct source_ctx *ctx, struct source *src,
			     struct credentials *ret, char *errbuf,
			     size_t errlen);

/*
 * Fetch (source_fetch_fn, above): asks the source again.  Returns 0 with
 * the keys (and expiry) in @ret; a negative errno with the reason (never
 * a secret): -EAGAIN, -EIO and -EHOSTUNREACH are worth another try,
 * -ECANCELED when src->abort was set.  Any thread, one call at a time per
 * source.
 */

/* The rows, in chain order. */
source_detect_fn env_detect, env_dir_detect, assume_detect, sts_detect,
	profile_cred_detect, process_detect, profile_conf_detect,
	container_detect, imds_detect;
source_fetch_fn env_fetch, env_dir_fetch, assume_fetch, sts_fetch,
	profile_fetch, process_fetch, container_fetch, imds_fetch;

#endif
