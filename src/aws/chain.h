/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chain.h - the AWS credential chain: which source has the credentials,
 * and asking that source again.
 *
 * The order (the AWS SDKs', with systemd's credentials after the
 * environment) and the rules that cross sources are credprov.h's; the
 * sources themselves are in source.h.  credprov.c is the only caller in
 * the daemon; the unit tests call chain_resolve() to check each
 * arrangement of sources without a refresher thread.
 */
#ifndef OPTOUT_CHAIN_H
#define OPTOUT_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "creds.h"
#include "source.h"

/*
 * Walks the chain once (blocking: HTTP calls, each bounded by a few
 * seconds, or a credential_process; a transient failure of a network
 * source is tried three times).  Returns 0 with the source that answered
 * in *@ret_src (release with chain_source_done()) and its keys in @ret
 * (source set); -ENOENT when no source has credentials; another negative
 * errno when a source is there but broken.  The message in @errbuf never
 * holds a secret.  Start-up, main thread: it reads the environment.
 */
int chain_resolve(const struct source_opts *opts, struct source *ret_src,
		  struct credentials *ret, char *errbuf, size_t errlen);

/*
 * Asks @src once.  Returns 0 with the keys in @ret (source set), or a
 * negative errno with "<what>: <reason>" in @errbuf; -EAGAIN, -EIO and
 * -EHOSTUNREACH are worth another try.  Any thread, one call at a time.
 */
int chain_fetch(const struct source *src, struct credentials *ret,
		char *errbuf, size_t errlen);

/*
 * A source that assumes @role_arn (STS AssumeRole at @opts's endpoint)
 * with the keys @base_fetch returns (called with a source whose opaque is
 * @opaque), fetched once (a transient failure tried three times).
 * Returns 0 with the source in *@ret_src and its keys in @ret, or a
 * negative errno with the message.  Start-up, main thread.
 */
int chain_role(const struct source_opts *opts, const char *role_arn,
	       const char *name, source_fetch_fn *base_fetch, void *opaque,
	       struct source *ret_src, struct credentials *ret, char *errbuf,
	       size_t errlen);

/* Whether keys from @src can change: false only for the environment. */
bool chain_refreshes(const struct source *src);

/* Frees what @src holds and zeroes it; accepts a zeroed @src. */
void chain_source_done(struct source *src);

#endif
