/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile_file.h - the shared credentials and config files (INI): which
 * profile, and what one file says about it.
 *
 * The profile is aws.profile when given, else AWS_PROFILE, else "default".
 * The shared credentials file is AWS_SHARED_CREDENTIALS_FILE, default
 * ~/.aws/credentials, section "[name]"; the config file AWS_CONFIG_FILE,
 * default ~/.aws/config, section "[profile name]" or "[default]".  The
 * chain's rows for the two files are in source.h.
 *
 * @locality profile_paths() and profile_name() read the environment:
 * start-up, main thread.  The others keep no state; any thread.
 */
#ifndef OPTOUT_PROFILE_FILE_H
#define OPTOUT_PROFILE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "creds.h"

/* The settings a profile gives the configuration (config_env.c), as
 * botocore names them; the last is endpoint_url nested under
 * pinpoint_sms_voice_v2 in the section "[services NAME]" that
 * PROFILE_SERVICES names (profile_read_services()). */
enum profile_setting {
	PROFILE_REGION,
	PROFILE_ENDPOINT_URL,
	PROFILE_CA_BUNDLE,
	PROFILE_USE_FIPS_ENDPOINT,
	PROFILE_USE_DUALSTACK_ENDPOINT,
	PROFILE_IGNORE_CONFIGURED_ENDPOINT_URLS,
	PROFILE_SERVICES,
	PROFILE_SERVICE_ENDPOINT_URL,
	PROFILE_NSETTINGS
};

/* The service's key in a services section (botocore's service id, lower
 * case, blanks as '_'). */
#define PROFILE_SERVICE_ID "pinpoint_sms_voice_v2"

/* What one file says about one profile: its keys and the settings that
 * point at other sources (values verbatim, NULL when absent or empty). */
struct profile {
	struct credentials keys; /* as written; expiry and source unset */
	char *credential_process;
	char *role_arn;
	char *web_identity_token_file;
	char *role_session_name;
	char *source_profile;
	char *credential_source; /* Environment, Ec2InstanceMetadata, ... */
	char *external_id;
	char *duration_seconds;
	char *settings[PROFILE_NSETTINGS]; /* NULL when absent or empty */
	bool found; /* the file has the profile's section */
};

/* A shared credentials or config file larger than this is refused. */
#define PROFILE_FILE_MAX (1024 * 1024)

/*
 * Reads what the INI file @path (a config file when @config) says about
 * @profile into @ret.  A file that does not exist gives an empty @ret and
 * 0.  Returns 0; -EINVAL for a malformed line (by file and line only) or
 * a NUL byte; -EFBIG for a file over PROFILE_FILE_MAX bytes ("PATH: larger
 * than N bytes"); another negative errno when the file cannot be read;
 * -ENOMEM.  Release
 * @ret with profile_done().
 */
int profile_read(const char *path, const char *profile, bool config,
		 struct profile *ret, char *errbuf, size_t errlen);

/*
 * Reads the "[services NAME]" section that @f's PROFILE_SERVICES names
 * from the config file @path into @f's PROFILE_SERVICE_ENDPOINT_URL
 * (nothing to do without one).  Returns 0 or what profile_read() does.
 */
int profile_read_services(const char *path, struct profile *f, char *errbuf,
			  size_t errlen);

/* Frees @f (wiping its keys) and zeroes it; accepts NULL. */
void profile_done(struct profile *f);

/*
 * The static keys of a profile read from @path as @ret (source
 * "shared-credentials-file:NAME" or "config-file:NAME").  Returns 0;
 * -ENOENT when it has neither key; -EINVAL when it has only one; -ENOMEM.
 */
int profile_keys(const struct profile *f, const char *path,
		 const char *profile, bool config, struct credentials *ret,
		 char *errbuf, size_t errlen);

/*
 * The paths of the shared credentials and config files (malloc'd; NULL
 * when neither the variable nor a home directory gives one).  Returns 0 or
 * -ENOMEM.
 */
int profile_paths(char **ret_credentials, char **ret_config);

/*
 * The profile to use: @profile when given, else AWS_PROFILE, else
 * "default" (*@ret_named false only then).  The result points into
 * @profile, the environment or a literal.
 */
const char *profile_name(const char *profile, bool *ret_named);

/* @a when set, else @b: a setting from the credentials file, else from
 * the config file. */
const char *profile_pick(const char *a, const char *b);

#endif
