/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_env.h - the AWS conventions: keys the configuration file and -o
 * leave out are taken from the environment, then from the AWS profile, as
 * botocore reads them.
 *
 *   key                          environment                         profile
 *   aws.profile                  AWS_PROFILE                         -
 *   aws.region                   AWS_REGION, AWS_DEFAULT_REGION      region
 *   aws.endpoint                 AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2,
 *                                AWS_ENDPOINT_URL                    services ->
 *                                   pinpoint_sms_voice_v2 endpoint_url, endpoint_url
 *   aws.ca_file                  AWS_CA_BUNDLE                       ca_bundle
 *   aws.use_fips_endpoint        AWS_USE_FIPS_ENDPOINT               use_fips_endpoint
 *   aws.use_dualstack_endpoint   AWS_USE_DUALSTACK_ENDPOINT          use_dualstack_endpoint
 *
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) set to true skips the endpoint's rows
 * (aws.endpoint in the file still counts).  Empty variables count as unset.
 *
 * @locality start-up and reload (main thread): reads the environment.
 */
#ifndef OPTOUT_CONFIG_ENV_H
#define OPTOUT_CONFIG_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "config_origin.h"

/* The loader's callbacks: whether the file or -o gave @key; set @key to
 * @value from @kind (CONFIG_ORIGIN_ENV or _PROFILE), @detail naming the
 * variable or "NAME in PATH" (0, or a negative errno once the loader has
 * written its message). */
typedef bool config_env_isset_fn(void *opaque, const char *key);
typedef int config_env_set_fn(void *opaque, const char *key, const char *value,
			      enum config_origin_kind kind, const char *detail);

/*
 * Sets every key of the table above that @isset says is not set, from the
 * first variable or profile setting that has a value.  @profile is
 * aws.profile (NULL when not given: AWS_PROFILE, else "default").
 * Returns 0; what @set returned; -EINVAL or -ENOMEM with the message in
 * @msg when a profile file cannot be read (@msg is "" otherwise).
 */
int config_env_apply(const char *profile, config_env_isset_fn *isset,
		     config_env_set_fn *set, void *opaque, char *msg,
		     size_t msglen);

/* The first variable that gives @key, or NULL: for "required (or set
 * VAR)". */
const char *config_env_var(const char *key);

#endif
