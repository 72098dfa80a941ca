/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credentials.h - static AWS credentials: the environment, a systemd
 * credentials directory, the shared credentials and config files.
 *
 * These are the building blocks of the chain in credprov.h, which adds
 * the sources that hand out temporary credentials.  credentials_load()
 * is the static part of the chain on its own, as the SDKs order it:
 * AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) from the
 * environment; then the profile in the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, section
 * "[name]"); then the config file (AWS_CONFIG_FILE, default ~/.aws/config,
 * section "[profile name]" or "[default]").  The profile is the one given,
 * else AWS_PROFILE, else "default".  An explicit profile that is found
 * nowhere is an error.  A profile given as @profile skips the environment
 * variables, as the SDKs' session profile (and the CLI's --profile) does.
 *
 * Secrets are wiped on release and never appear in error messages.
 *
 * @locality the functions that read the environment (credentials_load,
 * credentials_from_env, credentials_paths, credentials_profile_name) run at
 * start-up on the main thread; the others keep no state and may run on any
 * thread.  A struct credentials is read-only once filled.
 */
#ifndef OPTOUT_CREDENTIALS_H
#define OPTOUT_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

/* The files of a systemd credentials directory ($CREDENTIALS_DIRECTORY). */
#define CREDENTIALS_DIR_KEY_ID "aws-access-key-id"
#define CREDENTIALS_DIR_SECRET "aws-secret-access-key"
#define CREDENTIALS_DIR_TOKEN "aws-session-token"

struct credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL for long-term credentials */
	char source[64];     /* "environment", "shared-credentials-file:default" ... */
};

/* What one file says about one profile: its keys and the settings that
 * point at other sources (values verbatim, NULL when absent or empty). */
struct credentials_profile {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	char *credential_process;
	char *role_arn;
	char *web_identity_token_file;
	char *role_session_name;
	char *source_profile;
	bool found; /* the file has the profile's section */
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

/* Sets c->source to "@what" or "@what:@profile" (cut to fit). */
void credentials_set_source(struct credentials *c, const char *what,
			    const char *profile);

/*
 * The environment's pair (+ token).  Returns 0 and fills @ret; -ENOENT
 * when neither variable is set (or both are empty); -EINVAL when only one
 * is, with the message; -ENOMEM.
 */
int credentials_from_env(struct credentials *ret, char *errbuf,
			 size_t errlen);

/*
 * The systemd credentials in directory @dir (LoadCredential=, passed as
 * $CREDENTIALS_DIRECTORY): files CREDENTIALS_DIR_KEY_ID and _SECRET, and
 * optionally _TOKEN, each holding the key with trailing whitespace trimmed.
 * Returns 0 and fills @ret (source "systemd-credentials"); -ENOENT when
 * @dir is NULL or empty or has neither key; -EINVAL when it has one without
 * the other or a key with spaces or control characters inside; a negative
 * errno when a file cannot be read; -ENOMEM.
 */
int credentials_from_directory(const char *dir, struct credentials *ret,
			       char *errbuf, size_t errlen);

/*
 * Reads the whole file @path (at most CREDSOURCE_BODY_MAX bytes) into
 * *@ret, NUL-terminated, trailing whitespace trimmed; the caller wipes and
 * frees it (it may be a token).  Returns 0; -ENOENT (no message) when the
 * file does not exist; -EFBIG when larger; -EINVAL when it holds a NUL
 * byte; another negative errno of open/read; -ENOMEM.
 */
int credentials_read_file(const char *path, char **ret, char *errbuf,
			  size_t errlen);

/*
 * The paths of the shared credentials and config files (malloc'd; NULL
 * when neither the variable nor a home directory gives one).  Returns 0 or
 * -ENOMEM.
 */
int credentials_paths(char **ret_credentials, char **ret_config);

/*
 * The profile to use: @profile when given, else AWS_PROFILE, else
 * "default" (*@ret_named false only then).  The result points into
 * @profile, the environment or a literal.
 */
const char *credentials_profile_name(const char *profile, bool *ret_named);

/*
 * Reads what the INI file @path (a config file when @config) says about
 * @profile into @ret.  A file that does not exist gives an empty @ret and
 * 0.  Returns 0; -EINVAL for a malformed line (by file and line only);
 * another negative errno when the file cannot be read; -ENOMEM.  Release
 * @ret with credentials_profile_done().
 */
int credentials_profile_read(const char *path, const char *profile,
			     bool config, struct credentials_profile *ret,
			     char *errbuf, size_t errlen);

/*
 * The static keys of a profile read from @path as @ret (source
 * "shared-credentials-file:NAME" or "config-file:NAME").  Returns 0;
 * -ENOENT when it has neither key; -EINVAL when it has only one; -ENOMEM.
 */
int credentials_profile_keys(const struct credentials_profile *f,
			     const char *path, const char *profile,
			     bool config, struct credentials *ret,
			     char *errbuf, size_t errlen);

/* Frees @f (wiping its keys) and zeroes it; accepts NULL. */
void credentials_profile_done(struct credentials_profile *f);

#endif
