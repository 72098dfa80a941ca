/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_env.c - keys from the environment and the AWS profile, in the
 * order botocore reads them.
 *
 * One table, conventions[], holds the rule for each key: the variables
 * asked first, then the profile's settings.  The precedence over all is:
 * the configuration file and -o (the loader asks @isset), then the
 * environment, then the profile; within the profile the shared
 * credentials file wins over the config file, as botocore merges them.
 * The profile files are read here with src/aws/profile_file.c, which knows
 * nothing of the configuration (no include of config.h from src/aws/).
 * Values travel through the loader's @set callback, so they are checked by
 * the same parsers as the file's and their origin is recorded.
 */
#include "config_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_value.h"
#include "profile_file.h"

#define NONE PROFILE_NSETTINGS

static const struct convention {
	const char *key;
	const char *vars[2];
	enum profile_setting settings[2]; /* NONE: no more */
	bool endpoint; /* skipped by ignore_configured_endpoint_urls */
} conventions[] = {
	{"aws.region", {"AWS_REGION", "AWS_DEFAULT_REGION"},
	 {PROFILE_REGION, NONE}, false},
	{"aws.endpoint",
	 {"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", "AWS_ENDPOINT_URL"},
	 {PROFILE_SERVICE_ENDPOINT_URL, PROFILE_ENDPOINT_URL}, true},
	{"aws.ca_file", {"AWS_CA_BUNDLE", NULL}, {PROFILE_CA_BUNDLE, NONE},
	 false},
	{"aws.use_fips_endpoint", {"AWS_USE_FIPS_ENDPOINT", NULL},
	 {PROFILE_USE_FIPS_ENDPOINT, NONE}, false},
	{"aws.use_dualstack_endpoint", {"AWS_USE_DUALSTACK_ENDPOINT", NULL},
	 {PROFILE_USE_DUALSTACK_ENDPOINT, NONE}, false},
};

#define NCONVENTIONS (sizeof(conventions) / sizeof(conventions[0]))

/* The profile as both files give it. */
struct env_profile {
	const char *name;
	char *cred_path, *conf_path;
	struct profile cred, conf;
};

static const char *getenv_set(const char *var)
{
	const char *v = var ? getenv(var) : NULL;

	return v && *v ? v : NULL;
}

const char *config_env_var(const char *key)
{
	size_t i;

	if (strcmp(key, "aws.profile") == 0)
		return "AWS_PROFILE";
	for (i = 0; i < NCONVENTIONS; i++)
		if (strcmp(conventions[i].key, key) == 0)
			return conventions[i].vars[0];
	return NULL;
}

static int profile_open(struct env_profile *p, char *msg, size_t msglen)
{
	int r;

	r = profile_paths(&p->cred_path, &p->conf_path);
	if (r) {
		snprintf(msg, msglen, "out of memory");
		return r;
	}
	if (p->cred_path)
		r = profile_read(p->cred_path, p->name, false, &p->cred, msg,
				 msglen);
	if (!r && p->conf_path)
		r = profile_read(p->conf_path, p->name, true, &p->conf, msg,
				 msglen);
	if (!r && p->conf_path)
		r = profile_read_services(p->conf_path, &p->conf, msg, msglen);
	return r;
}

static void profile_close(struct env_profile *p)
{
	profile_done(&p->cred);
	profile_done(&p->conf);
	free(p->cred_path);
	free(p->conf_path);
}

/* Setting @s of the profile and the file it is from; NULL when unset. */
static const char *profile_setting(const struct env_profile *p,
				   enum profile_setting s,
				   const char **ret_path)
{
	if (s != PROFILE_SERVICE_ENDPOINT_URL && p->cred.settings[s]) {
		*ret_path = p->cred_path;
		return p->cred.settings[s];
	}
	*ret_path = p->conf_path;
	return p->conf.settings[s];
}

/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's setting. */
static bool ignore_endpoints(const struct env_profile *p)
{
	const char *v = getenv_set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	const char *path;

	if (!v)
		v = profile_setting(p, PROFILE_IGNORE_CONFIGURED_ENDPOINT_URLS,
				    &path);
	return v && config_value_bool(v) == 1;
}

/* One row: the first variable, else the first profile setting. */
static int apply_row(const struct convention *c, const struct env_profile *p,
		     bool ignore, config_env_set_fn *set, void *opaque)
{
	const char *v, *path = NULL;
	char detail[512];
	size_t i;

	if (c->endpoint && ignore)
		return 0;
	for (i = 0; i < 2; i++) {
		v = getenv_set(c->vars[i]);
		if (v)
			return set(opaque, c->key, v, CONFIG_ORIGIN_ENV,
				   c->vars[i]);
	}
	for (i = 0; i < 2 && c->settings[i] != NONE; i++) {
		v = profile_setting(p, c->settings[i], &path);
		if (!v)
			continue;
		snprintf(detail, sizeof(detail), "%s in %s", p->name, path);
		return set(opaque, c->key, v, CONFIG_ORIGIN_PROFILE, detail);
	}
	return 0;
}

int config_env_apply(const char *profile, config_env_isset_fn *isset,
		     config_env_set_fn *set, void *opaque, char *msg,
		     size_t msglen)
{
	struct env_profile p;
	const char *v;
	bool ignore;
	size_t i;
	int r = 0;

	memset(&p, 0, sizeof(p));
	msg[0] = '\0';
	p.name = profile && *profile ? profile : "default";
	v = getenv_set("AWS_PROFILE");
	if (!isset(opaque, "aws.profile") && v) {
		r = set(opaque, "aws.profile", v, CONFIG_ORIGIN_ENV,
			"AWS_PROFILE");
		if (r)
			return r;
		p.name = v;
	}
	r = profile_open(&p, msg, msglen);
	if (r)
		goto out;
	ignore = ignore_endpoints(&p);
	for (i = 0; i < NCONVENTIONS && !r; i++)
		if (!isset(opaque, conventions[i].key))
			r = apply_row(&conventions[i], &p, ignore, set, opaque);
out:
	profile_close(&p);
	return r;
}
