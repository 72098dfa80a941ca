/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile_file.c - the shared credentials and config files: which profile
 * and what one file says about it.
 *
 * The files are INI as botocore reads them: "[section]" headers (names
 * case-sensitive; in the config file "[profile NAME]", or "[default]"),
 * "key = value" or "key: value" lines with case-insensitive keys, whole
 * line '#'/';' comments, values taken verbatim (no inline comments), and
 * indented lines under an empty "key =" as its nested settings.  A missing
 * file is no error; a line that is neither is, reported by file and line
 * number only, since the text could be a secret.  Besides the keys, the
 * reader keeps the settings that point at other sources (credential_process,
 * role_arn, web_identity_token_file, role_session_name, source_profile,
 * credential_source, external_id, duration_seconds),
 * which sts.c and process.c use, and the settings the configuration takes
 * from a profile (region, endpoint_url, ca_bundle, ..., and the endpoint_url
 * nested under the service's key in the "[services NAME]" section the
 * profile's "services" names), which config_env.c reads.
 *
 * Called by profile.c (the chain's two file rows) on the main thread at
 * start-up and on credprov.c's refresher thread; it keeps no state.  A file
 * is read whole (at most PROFILE_FILE_MAX bytes, a larger one is refused
 * with its name and the limit) into a BUF_SECRET buffer, and every copy of
 * a secret (values, that buffer) is wiped before it is freed.
 */
#include "profile_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "util.h"

#define KEY_ID "aws_access_key_id"
#define KEY_SECRET "aws_secret_access_key"
#define KEY_TOKEN "aws_session_token"

/* The names of struct profile's settings[], in enum profile_setting's
 * order (PROFILE_SERVICE_ENDPOINT_URL is nested, under [services NAME]). */
static const char *const setting_names[PROFILE_NSETTINGS] = {
	"region", "endpoint_url", "ca_bundle", "use_fips_endpoint",
	"use_dualstack_endpoint", "ignore_configured_endpoint_urls",
	"services", "endpoint_url",
};

const char *profile_pick(const char *a, const char *b)
{
	return a ? a : b;
}

void profile_done(struct profile *f)
{
	size_t i;

	if (!f)
		return;
	creds_done(&f->keys);
	free(f->credential_process);
	free(f->role_arn);
	free(f->web_identity_token_file);
	free(f->role_session_name);
	free(f->source_profile);
	free(f->credential_source);
	free(f->external_id);
	free(f->duration_seconds);
	for (i = 0; i < PROFILE_NSETTINGS; i++)
		free(f->settings[i]);
	memset(f, 0, sizeof(*f));
}

static int set_value(char **slot, const char *value)
{
	char *copy;

	if (!*value) {
		util_secret_free(*slot);
		*slot = NULL;
		return 0;
	}
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	util_secret_free(*slot);
	*slot = copy;
	return 0;
}

static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

/* ASCII case-insensitive equality, as configparser lowers option names. */
static bool key_eq(const char *a, const char *b)
{
	int ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca && ca == cb);
	return ca == cb;
}

static bool section_matches(const char *name, const char *profile,
			    bool config)
{
	if (!config)
		return !strcmp(name, profile);
	if (!strcmp(name, "default"))
		return !strcmp(profile, "default");
	if (strncmp(name, "profile", 7) || (name[7] != ' ' && name[7] != '\t'))
		return false;
	name += 7;
	name += strspn(name, " \t");
	return !strcmp(name, profile);
}

static int take_key(struct profile *f, const char *key,
		    const char *value)
{
	if (key_eq(key, KEY_ID))
		return set_value(&f->keys.access_key_id, value);
	if (key_eq(key, KEY_SECRET))
		return set_value(&f->keys.secret_access_key, value);
	if (key_eq(key, KEY_TOKEN))
		return set_value(&f->keys.session_token, value);
	if (key_eq(key, "credential_process"))
		return set_value(&f->credential_process, value);
	if (key_eq(key, "role_arn"))
		return set_value(&f->role_arn, value);
	if (key_eq(key, "web_identity_token_file"))
		return set_value(&f->web_identity_token_file, value);
	if (key_eq(key, "role_session_name"))
		return set_value(&f->role_session_name, value);
	if (key_eq(key, "source_profile"))
		return set_value(&f->source_profile, value);
	if (key_eq(key, "credential_source"))
		return set_value(&f->credential_source, value);
	if (key_eq(key, "external_id"))
		return set_value(&f->external_id, value);
	if (key_eq(key, "duration_seconds"))
		return set_value(&f->duration_seconds, value);
	return 0;
}

/* What one pass over a file is after: which sections, which settings. */
struct ini_target {
	const char *profile; /* profile_read(): the profile */
	const char *services; /* profile_read_services(): the section */
	bool config;
	struct profile *f;
};

static bool target_section(const struct ini_target *t, const char *name)
{
	if (!t->services)
		return section_matches(name, t->profile, t->config);
	if (strncmp(name, "services", 8) || (name[8] != ' ' && name[8] != '\t'))
		return false;
	name += 8;
	name += strspn(name, " \t");
	return !strcmp(name, t->services);
}

/* A setting of a wanted section; @parent is the key a nested one is
 * under ("" for a top-level one). */
static int target_take(struct ini_target *t, const char *parent,
		       const char *key, const char *value)
{
	size_t i;

	if (t->services) {
		if (key_eq(parent, PROFILE_SERVICE_ID) &&
		    key_eq(key, "endpoint_url"))
			return set_value(
				&t->f->settings[PROFILE_SERVICE_ENDPOINT_URL],
				value);
		return 0;
	}
	if (*parent)
		return 0;
	for (i = 0; i < PROFILE_SERVICE_ENDPOINT_URL; i++)
		if (key_eq(key, setting_names[i]))
			return set_value(&t->f->settings[i], value);
	return take_key(t->f, key, value);
}

/* A nested line "key = value" under @parent; anything else is skipped,
 * as botocore skips it. */
static int take_nested(struct ini_target *t, const char *parent, char *p)
{
	char *end = strchr(p, '=');

	if (!end)
		return 0;
	*end = '\0';
	return target_take(t, parent, trim(p), trim(end + 1));
}

/* Reads all of @path into the secret buffer @b (at most PROFILE_FILE_MAX
 * bytes): stdio would leave a copy of the keys in its own buffer.
 * Returns 0, 1 for a missing file, or a negative errno with the message. */
static int slurp(const char *path, struct buf *b, char *errbuf,
		 size_t errlen)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT || r == -ENOTDIR)
			return 1;
		util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = buf_read_all(b, fd);
	close(fd);
	if (r == -E2BIG) {
		util_set_error(errbuf, errlen, "%s: larger than %d bytes", path,
			       PROFILE_FILE_MAX);
		return -EFBIG;
	}
	if (r < 0)
		util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
	return r < 0 ? r : 0;
}

/* The next line of the text at *@pos (its '\n' replaced by a NUL), or
 * NULL at the end. */
static char *next_line(char **pos)
{
	char *line = *pos, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*pos = nl + 1;
	} else {
		*pos = NULL;
	}
	return line;
}

/* Reads @path for @t; a missing file reads as empty. */
static int ini_read(const char *path, struct ini_target *t, char *errbuf,
		    size_t errlen)
{
	struct buf b;
	char *line, *pos, *p, *end, *key, *nul, parent[128] = "";
	size_t lineno = 0;
	bool in_section = false, in_profile = false, nested = false;
	bool indented;
	int r;

	buf_init(&b, PROFILE_FILE_MAX, BUF_SECRET);
	r = slurp(path, &b, errbuf, errlen);
	if (r) {
		r = r > 0 ? 0 : r;
		goto out;
	}
	nul = memchr(buf_str(&b), '\0', b.len);
	if (nul) {
		/* The line that holds it, so that it can be found and fixed. */
		for (p = b.p, lineno = 1; p < nul; p++)
			lineno += *p == '\n';
		r = -EINVAL;
		util_set_error(errbuf, errlen, "%s:%zu: holds a NUL byte", path,
			       lineno);
		goto out;
	}
	pos = b.p;
	while ((line = next_line(&pos))) {
		lineno++;
		indented = line[0] == ' ' || line[0] == '\t';
		p = trim(line);
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			end = strrchr(p, ']');
			if (!end) {
				r = -EINVAL;
				util_set_error(errbuf, errlen,
					  "%s:%zu: malformed section header",
					  path, lineno);
				goto out;
			}
			*end = '\0';
			in_section = true;
			in_profile = target_section(t, trim(p + 1));
			t->f->found |= in_profile;
			nested = false;
			continue;
		}
		if (indented && nested) {
			r = in_profile ? take_nested(t, parent, p) : 0;
			if (r)
				goto out;
			continue;
		}
		end = strpbrk(p, "=:");
		if (!end || !in_section) {
			r = -EINVAL;
			util_set_error(errbuf, errlen, "%s:%zu: %s", path, lineno,
				  end ? "setting outside a section" :
					"expected \"key = value\"");
			goto out;
		}
		*end = '\0';
		key = trim(p);
		p = trim(end + 1);
		nested = !*p;
		snprintf(parent, sizeof(parent), "%s", nested ? key : "");
		r = in_profile ? target_take(t, "", key, p) : 0;
		if (r)
			goto out;
	}
out:
	buf_free(&b);
	return r;
}

int profile_read(const char *path, const char *profile, bool config,
		 struct profile *ret, char *errbuf, size_t errlen)
{
	struct profile f = {0};
	struct ini_target t = {profile, NULL, config, &f};
	int r;

	r = ini_read(path, &t, errbuf, errlen);
	if (r == 0) {
		*ret = f;
		memset(&f, 0, sizeof(f));
	}
	profile_done(&f);
	return r;
}

int profile_read_services(const char *path, struct profile *f, char *errbuf,
			  size_t errlen)
{
	struct profile g = {0};
	struct ini_target t = {NULL, NULL, true, &g};
	int r;

	t.services = f->settings[PROFILE_SERVICES];
	if (!t.services)
		return 0;
	r = ini_read(path, &t, errbuf, errlen);
	if (r == 0) {
		free(f->settings[PROFILE_SERVICE_ENDPOINT_URL]);
		f->settings[PROFILE_SERVICE_ENDPOINT_URL] =
			g.settings[PROFILE_SERVICE_ENDPOINT_URL];
		g.settings[PROFILE_SERVICE_ENDPOINT_URL] = NULL;
	}
	profile_done(&g);
	return r;
}

/* @ret_path is a file from @var, else ~/.aws/@name; NULL without a home. */
static int file_path(const char *var, const char *name, char **ret_path)
{
	const char *env = getenv(var), *home = getenv("HOME"), *rest;
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096], *path = NULL;
	size_t len;

	if (env && *env && strncmp(env, "~/", 2)) {
		path = strdup(env);
		goto out;
	}
	if (!home || !*home) {
		if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) ||
		    !pwp || !pwp->pw_dir || !*pwp->pw_dir) {
			*ret_path = NULL;
			return 0;
		}
		home = pwp->pw_dir;
	}
	rest = env && *env ? env + 1 : NULL;
	len = strlen(home) + (rest ? strlen(rest) : 6 + strlen(name)) + 1;
	path = malloc(len);
	if (path && rest)
		snprintf(path, len, "%s%s", home, rest);
	else if (path)
		snprintf(path, len, "%s/.aws/%s", home, name);
out:
	if (!path)
		return -ENOMEM;
	*ret_path = path;
	return 0;
}

int profile_paths(char **ret_credentials, char **ret_config)
{
	char *cred = NULL, *conf = NULL;
	int r;

	r = file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", &cred);
	if (!r)
		r = file_path("AWS_CONFIG_FILE", "config", &conf);
	if (r) {
		free(cred);
		return r;
	}
	*ret_credentials = cred;
	*ret_config = conf;
	return 0;
}

const char *profile_name(const char *profile, bool *ret_named)
{
	const char *env = getenv("AWS_PROFILE");

	*ret_named = true;
	if (profile && *profile)
		return profile;
	if (env && *env)
		return env;
	*ret_named = false;
	return "default";
}

int profile_keys(const struct profile *f,
			     const char *path, const char *profile,
			     bool config, struct credentials *ret,
			     char *errbuf, size_t errlen)
{
	struct credentials c = {0};
	int r = -ENOMEM;

	if (!f->keys.access_key_id && !f->keys.secret_access_key)
		return -ENOENT;
	if (!f->keys.access_key_id || !f->keys.secret_access_key) {
		util_set_error(errbuf, errlen, "%s: profile \"%s\" has %s but no %s",
			  path, profile, f->keys.access_key_id ? KEY_ID : KEY_SECRET,
			  f->keys.access_key_id ? KEY_SECRET : KEY_ID);
		return -EINVAL;
	}
	c.access_key_id = strdup(f->keys.access_key_id);
	c.secret_access_key = strdup(f->keys.secret_access_key);
	if (f->keys.session_token)
		c.session_token = strdup(f->keys.session_token);
	if (!c.access_key_id || !c.secret_access_key ||
	    (f->keys.session_token && !c.session_token))
		goto out;
	creds_set_source(&c, config ? "config-file" :
					    "shared-credentials-file",
			       profile);
	*ret = c;
	memset(&c, 0, sizeof(c));
	r = 0;
out:
	creds_done(&c);
	return r;
}

