/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credprov.h - the AWS credential chain, cached and refreshed.
 *
 * Sources, first that has credentials wins (the AWS SDKs' order, with
 * systemd's credentials right after the environment):
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 *      (+ AWS_SESSION_TOKEN)
 *   2. systemd credentials ($CREDENTIALS_DIRECTORY, LoadCredential=):
 *      files aws-access-key-id, aws-secret-access-key (+ aws-session-token)
 *      [1 and 2 are skipped when aws.profile is set explicitly: that
 *      profile is what the operator asked for]
 *   then the profile (aws.profile, else AWS_PROFILE, else "default") is
 *   read from both files; a profile named explicitly or by AWS_PROFILE
 *   that neither file has is an error
 *   2b. a role profile: role_arn + source_profile (keys, or another role
 *      profile, followed as botocore does; a loop is an error) or
 *      credential_source (Environment, Ec2InstanceMetadata, EcsContainer)
 *      -> STS AssumeRole, signed with the source's keys, at the same STS
 *      endpoint as web identity (assume.c)
 *   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (+ AWS_ROLE_SESSION_NAME), or the profile's web_identity_token_file
 *      + role_arn (+ role_session_name) -> STS AssumeRoleWithWebIdentity at
 *      https://sts.REGION.amazonaws.com/ (aws.region; AWS_ENDPOINT_URL_STS
 *      overrides); the token file is read again at each refresh
 *   4. the shared credentials file's profile (static keys)
 *   5. the profile's credential_process (run by /bin/sh -c, 30 s at most,
 *      stdout is the JSON answer, stderr is discarded), then the config
 *      file's static keys
 *   6. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      (http://169.254.170.2) or _FULL_URI (https, or http to loopback and
 *      the ECS/EKS agent addresses only), with the Authorization header from
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each fetch) or
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN
 *   7. EC2 instance metadata, IMDSv2 only (token PUT first), unless
 *      AWS_EC2_METADATA_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      overrides http://169.254.169.254 (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
 *      =IPv6: http://[fd00:ec2::254]).  An instance metadata service that
 *      does not answer means "no credentials here", not an error.
 *
 * A source that is there but broken (half a key pair, a failing
 * credential_process, STS refusing the token, the container endpoint
 * failing) stops the chain with its error rather than falling through to
 * another identity.  HTTP calls use libcurl in the calling thread, with
 * 1 s connect and 5 s total timeouts for the container and instance
 * metadata (no proxy for those local addresses) and 2 s / 10 s for STS;
 * TLS peers are verified (aws.ca_file if set).  At start-up a transient
 * failure is tried three times.
 *
 * Temporary credentials (those with an expiry) are refreshed by a background
 * thread before they expire: at a random point 5 to 15 minutes before the
 * expiry, but never sooner than half-way through the remaining lifetime (so
 * short-lived test credentials are not hammered) nor more often than once a
 * second; a failed refresh is retried with backoff (1 s doubling to 30 s,
 * and at least twice before the old credentials expire) while the old
 * credentials stay in use.  Callers take a reference to the current
 * snapshot, so a refresh never changes credentials under an in-flight
 * request.  Static credentials from the systemd directory or the files are
 * read again when AWS rejects them (credprov_invalidate), so rotated keys
 * are picked up without a restart; the environment's cannot change.
 *
 * Secrets are wiped on release and never logged (only the source and the
 * access key id's last four characters may appear in logs).
 *
 * Whoever waits for new keys (the sender, paused because AWS rejected the
 * old ones) is told by a listener (credprov_set_listener()) rather than
 * finding out at its next try.
 *
 * @locality credprov_new/free: main thread, after curl_global_init();
 * credprov_get/invalidate/source/expires_ms and creds_unref: any thread;
 * credprov_set_listener: any thread but a listener.
 * The chain itself is chain.c, the sources are source.h's.
 */
#ifndef OPTOUT_CREDPROV_H
#define OPTOUT_CREDPROV_H

#include <stddef.h>
#include <stdint.h>

#include "creds.h"
#include "source.h"

struct credprov;

/*
 * Resolves the chain once (blocking: this may make HTTP calls, each bounded
 * by a few seconds, or run a credential_process) and starts the refresher
 * unless the credentials come from the environment; then, for each of
 * @opts's per-account roles, assumes the role with the chain's keys in a
 * provider of its own (own refresher; credprov_for_list() picks it), and
 * fails as a whole, naming aws.role.ACCOUNT, when one cannot be assumed.  @opts (the aws.*
 * settings) need not outlive the call.  Returns NULL with a one-line
 * message in @errbuf (never holding a secret) and errno set when no source
 * has credentials or a source is broken: EINVAL for a source set up wrong
 * (half a key pair, a malformed file or answer), ENOENT when none has
 * credentials, another errno for a source that did not answer.
 */
struct credprov *credprov_new(const struct source_opts *opts, char *errbuf,
			      size_t errlen);

/*
 * The provider for a call on @list (an OptOutListName): the provider of
 * the account a list ARN names when aws.role.ACCOUNT gave one, else @p.
 * A name, or no per-account role, costs one test.  Any thread.
 */
struct credprov *credprov_for_list(struct credprov *p, const char *list);

/* The account (12 digits, owned by @p) whose aws.role.ACCOUNT provider
 * credprov_for_list() picks for @list; NULL when it picks @p itself.  Any
 * thread. */
const char *credprov_role_account(const struct credprov *p, const char *list);

/* The provider of aws.role.@account; @p itself for "" or NULL or an account
 * without a role.  Any thread. */
struct credprov *credprov_for_account(struct credprov *p,
				      const char *account);

/* The per-account roles' accounts, 0..n-1 in the configuration's order
 * (owned by @p; fixed after credprov_new()). */
size_t credprov_role_accounts(const struct credprov *p);
const char *credprov_role_account_at(const struct credprov *p, size_t i);

/* The current snapshot, referenced (never NULL after credprov_new).  Cheap:
 * one mutex and one atomic increment.  Release with creds_unref(). */
struct creds *credprov_get(struct credprov *p);
/*
 * AWS rejected @c (expired token, unrecognised client): asks the refresher
 * to fetch new credentials at once (at most once a second) unless they come
 * from the environment.  A report about a snapshot that has already been
 * replaced is ignored, so a burst of failures from one snapshot makes one
 * refresh.  The caller still holds its reference to @c.  Cheap; any thread.
 */
void credprov_invalidate(struct credprov *p, const struct creds *c);

/* Like credprov_invalidate() without blaming the current credentials (a
 * reload: rotated key files are read again); nothing is logged as a
 * rejection.  Any thread. */
void credprov_reread(struct credprov *p);

/* Called with its @arg when new keys are published. */
typedef void credprov_listener(void *arg);

/*
 * Sets the one listener of @p and of its per-account providers (NULL
 * removes it).  A refresher calls it on its own thread, without the
 * provider's lock held, once each time it publishes a snapshot whose keys
 * differ from the current ones (keys read again and found the same do
 * not count).  It must be quick and must not call credprov_set_listener().
 * When this returns, the previous listener is neither running nor called
 * again, so its @arg may be freed.  Any thread.
 */
void credprov_set_listener(struct credprov *p, credprov_listener *cb,
			   void *arg);

/* Where the credentials come from ("environment", "systemd-credentials",
 * "assume-role:PROFILE", "web-identity", "shared-credentials-file:PROFILE",
 * "credential-process:PROFILE", "config-file:PROFILE", "container",
 * "imds").  Fixed for the provider's life. */
const char *credprov_source(struct credprov *p);

/* Expiry of the current credentials (Unix ms, 0 = none), for status. */
int64_t credprov_expires_ms(struct credprov *p);

/* Stops the refresher (aborting a fetch in progress, killing a running
 * credential_process) and releases the provider's reference; snapshots
 * still referenced stay valid.  Accepts NULL. */
void credprov_free(struct credprov *p);

#endif
