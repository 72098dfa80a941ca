/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credentials.h - AWS credentials: environment, then the shared
 * credentials and config files.
 *
 * Order (as the AWS SDKs): AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 * (+ AWS_SESSION_TOKEN) from the environment; then the profile in the
 * shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 * ~/.aws/credentials, section "[name]"); then the config file
 * (AWS_CONFIG_FILE, default ~/.aws/config, section "[profile name]" or
 * "[default]").  The profile is the one given, else AWS_PROFILE, else
 * "default".  An explicit profile that is found nowhere is an error.
 * A profile given as @profile skips the environment variables, as the
 * SDKs' session profile (and the CLI's --profile) does.
 *
 * Secrets are wiped on release and never appear in error messages.
 *
 * @locality start-up (main thread); the result is read-only afterwards.
 */
#ifndef OPTOUT_CREDENTIALS_H
#define OPTOUT_CREDENTIALS_H

#include <stddef.h>

struct credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL for long-term credentials */
	char source[64];     /* "environment", "shared-credentials-file:default" ... */
};

/*
 * Resolves credentials.  @profile may be NULL (then AWS_PROFILE, then
 * "default").  Returns 0 and fills @ret; -ENOENT when no source has any,
 * -EINVAL for an incomplete or malformed source (message in @errbuf, never
 * containing a secret); -ENOMEM.  Release @ret with credentials_done().
 */
int credentials_load(const char *profile, struct credentials *ret,
		     char *errbuf, size_t errlen);

/* Wipes and frees; @c may be zeroed or NULL. */
void credentials_done(struct credentials *c);

#endif
