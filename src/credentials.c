/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credentials.c - static AWS credentials: the environment, a systemd
 * credentials directory, and the profiles of the shared credentials and
 * config files.
 *
 * The environment pair wins unless the caller names a profile: like the
 * SDKs' session profile (and the CLI's --profile), an explicit profile
 * means that profile, whatever AWS_ACCESS_KEY_ID says.  AWS_PROFILE only
 * picks the profile the files are searched for.
 *
 * The files are INI as botocore reads them: "[section]" headers (names
 * case-sensitive; in the config file "[profile NAME]", or "[default]"),
 * "key = value" or "key: value" lines with case-insensitive keys, whole
 * line '#'/';' comments, values taken verbatim (no inline comments), and
 * indented lines under an empty "key =" as its nested settings.  A missing
 * file is no error; a line that is neither is, reported by file and line
 * number only, since the text could be a secret.
 *
 * Besides the keys, a profile's reader keeps the settings that point at
 * other sources (credential_process, role_arn, web_identity_token_file,
 * role_session_name, source_profile) for credprov.c, which walks the
 * whole chain.
 *
 * Every copy of a secret (values, getline's buffer, a file's bytes) is
 * wiped with OPENSSL_cleanse before it is freed.
 *
 * @locality credentials_load, credentials_from_env, credentials_paths and
 * credentials_profile_name read the environment: start-up (main thread).
 * The rest keep no state and may run on any thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "credentials.h"

#include "util.h"
#include "credsource.h"

#define KEY_ID "aws_access_key_id"
#define KEY_SECRET "aws_secret_access_key"
#define KEY_TOKEN "aws_session_token"


void credentials_profile_done(struct credentials_profile *f)
{
	if (!f)
		return;
	util_secret_free(f->access_key_id);
	util_secret_free(f->secret_access_key);
	util_secret_free(f->session_token);
	free(f->credential_process);
	free(f->role_arn);
	free(f->web_identity_token_file);
	free(f->role_session_name);
	free(f->source_profile);
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

static int take_key(struct credentials_profile *f, const char *key,
		    const char *value)
{
	if (key_eq(key, KEY_ID))
		return set_value(&f->access_key_id, value);
	if (key_eq(key, KEY_SECRET))
		return set_value(&f->secret_access_key, value);
	if (key_eq(key, KEY_TOKEN))
		return set_value(&f->session_token, value);
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
	return 0;
}

int credentials_profile_read(const char *path, const char *profile,
			     bool config, struct credentials_profile *ret,
			     char *errbuf, size_t errlen)
{
	struct credentials_profile f = {0};
	FILE *fp = NULL;
	char *line = NULL, *p, *end, *key;
	size_t cap = 0, lineno = 0;
	bool in_section = false, in_profile = false, nested = false;
	bool indented;
	ssize_t n;
	int r = 0;

	fp = fopen(path, "re");
	if (!fp) {
		if (errno == ENOENT || errno == ENOTDIR)
			goto out;
		r = -errno;
		util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	for (;;) {
		n = getline(&line, &cap, fp);
		if (n < 0)
			break;
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
			in_profile = section_matches(trim(p + 1), profile,
						     config);
			f.found |= in_profile;
			nested = false;
			continue;
		}
		if (indented && nested)
			continue;
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
		if (!in_profile)
			continue;
		r = take_key(&f, key, p);
		if (r)
			goto out;
	}
	if (ferror(fp)) {
		r = errno ? -errno : -EIO;
		util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	*ret = f;
	memset(&f, 0, sizeof(f));
out:
	if (line)
		OPENSSL_cleanse(line, cap);
	free(line);
	if (fp)
		fclose(fp);
	credentials_profile_done(&f);
	return r;
}

void credentials_set_source(struct credentials *c, const char *what,
			    const char *profile)
{
	if (profile)
		snprintf(c->source, sizeof(c->source), "%s:%s", what, profile);
	else
		snprintf(c->source, sizeof(c->source), "%s", what);
}

int credentials_from_env(struct credentials *ret, char *errbuf, size_t errlen)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID");
	const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");
	struct credentials c = {0};
	int r = -ENOMEM;

	if ((!id || !*id) && (!secret || !*secret))
		return -ENOENT;
	if (!id || !*id || !secret || !*secret) {
		util_set_error(errbuf, errlen, "%s is set but %s is not",
			  id && *id ? "AWS_ACCESS_KEY_ID" :
				      "AWS_SECRET_ACCESS_KEY",
			  id && *id ? "AWS_SECRET_ACCESS_KEY" :
				      "AWS_ACCESS_KEY_ID");
		return -EINVAL;
	}
	c.access_key_id = strdup(id);
	c.secret_access_key = strdup(secret);
	if (token && *token)
		c.session_token = strdup(token);
	if (!c.access_key_id || !c.secret_access_key ||
	    (token && *token && !c.session_token))
		goto out;
	credentials_set_source(&c, "environment", NULL);
	*ret = c;
	memset(&c, 0, sizeof(c));
	r = 0;
out:
	credentials_done(&c);
	return r;
}

int credentials_read_file(const char *path, char **ret, char *errbuf,
			  size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	buf = malloc(CREDSOURCE_BODY_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, CREDSOURCE_BODY_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CREDSOURCE_BODY_MAX) {
			r = -EFBIG;
			util_set_error(errbuf, errlen, "%s: larger than %d bytes",
				  path, CREDSOURCE_BODY_MAX);
			goto out;
		}
	}
	if (memchr(buf, '\0', len)) {
		r = -EINVAL;
		util_set_error(errbuf, errlen, "%s: holds a NUL byte", path);
		goto out;
	}
	while (len && strchr(" \t\r\n", buf[len - 1]))
		len--;
	buf[len] = '\0';
	*ret = buf;
	buf = NULL;
out:
	if (buf) {
		OPENSSL_cleanse(buf, CREDSOURCE_BODY_MAX + 1);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* A key read from a file: printable ASCII without spaces. */
static bool printable_key(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Reads @dir/@name into *@ret (NULL when the file is missing or empty). */
static int dir_key(const char *dir, const char *name, char **ret,
		   char *errbuf, size_t errlen)
{
	char path[4096], *value = NULL;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		util_set_error(errbuf, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	r = credentials_read_file(path, &value, errbuf, errlen);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r)
		return r;
	if (value[0] && !printable_key(value)) {
		util_set_error(errbuf, errlen, "%s: not a key (spaces or control "
			  "characters inside)", path);
		util_secret_free(value);
		return -EINVAL;
	}
	if (!value[0]) {
		free(value);
		value = NULL;
	}
	*ret = value;
	return 0;
}

int credentials_from_directory(const char *dir, struct credentials *ret,
			       char *errbuf, size_t errlen)
{
	struct credentials c = {0};
	int r;

	if (!dir || !*dir)
		return -ENOENT;
	r = dir_key(dir, CREDENTIALS_DIR_KEY_ID, &c.access_key_id, errbuf,
		    errlen);
	if (!r)
		r = dir_key(dir, CREDENTIALS_DIR_SECRET, &c.secret_access_key,
			    errbuf, errlen);
	if (!r)
		r = dir_key(dir, CREDENTIALS_DIR_TOKEN, &c.session_token,
			    errbuf, errlen);
	if (r)
		goto out;
	if (!c.access_key_id && !c.secret_access_key) {
		r = -ENOENT;
		goto out;
	}
	if (!c.access_key_id || !c.secret_access_key) {
		util_set_error(errbuf, errlen, "%s has %s but no %s", dir,
			  c.access_key_id ? CREDENTIALS_DIR_KEY_ID :
					    CREDENTIALS_DIR_SECRET,
			  c.access_key_id ? CREDENTIALS_DIR_SECRET :
					    CREDENTIALS_DIR_KEY_ID);
		r = -EINVAL;
		goto out;
	}
	credentials_set_source(&c, "systemd-credentials", NULL);
	*ret = c;
	memset(&c, 0, sizeof(c));
out:
	credentials_done(&c);
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

int credentials_paths(char **ret_credentials, char **ret_config)
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

const char *credentials_profile_name(const char *profile, bool *ret_named)
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

int credentials_profile_keys(const struct credentials_profile *f,
			     const char *path, const char *profile,
			     bool config, struct credentials *ret,
			     char *errbuf, size_t errlen)
{
	struct credentials c = {0};
	int r = -ENOMEM;

	if (!f->access_key_id && !f->secret_access_key)
		return -ENOENT;
	if (!f->access_key_id || !f->secret_access_key) {
		util_set_error(errbuf, errlen, "%s: profile \"%s\" has %s but no %s",
			  path, profile, f->access_key_id ? KEY_ID : KEY_SECRET,
			  f->access_key_id ? KEY_SECRET : KEY_ID);
		return -EINVAL;
	}
	c.access_key_id = strdup(f->access_key_id);
	c.secret_access_key = strdup(f->secret_access_key);
	if (f->session_token)
		c.session_token = strdup(f->session_token);
	if (!c.access_key_id || !c.secret_access_key ||
	    (f->session_token && !c.session_token))
		goto out;
	credentials_set_source(&c, config ? "config-file" :
					    "shared-credentials-file",
			       profile);
	*ret = c;
	memset(&c, 0, sizeof(c));
	r = 0;
out:
	credentials_done(&c);
	return r;
}

/* Returns 0 with @c filled, -ENOENT when @path has no pair for @profile
 * (*seen tells whether it has the section), or an error. */
static int from_file(const char *path, const char *profile, bool config,
		     struct credentials *c, bool *seen, char *errbuf,
		     size_t errlen)
{
	struct credentials_profile f = {0};
	int r;

	if (!path)
		return -ENOENT;
	r = credentials_profile_read(path, profile, config, &f, errbuf,
				     errlen);
	if (r)
		goto out;
	*seen |= f.found;
	r = credentials_profile_keys(&f, path, profile, config, c, errbuf,
				     errlen);
out:
	credentials_profile_done(&f);
	return r;
}

int credentials_load(const char *profile, struct credentials *ret,
		     char *errbuf, size_t errlen)
{
	struct credentials c = {0};
	char *cred_path = NULL, *conf_path = NULL;
	const char *name;
	bool explicit = profile && *profile, named, seen = false;
	int r;

	util_set_error(errbuf, errlen, "%s", "");
	if (!ret)
		return -EINVAL;
	name = credentials_profile_name(profile, &named);
	if (!explicit) {
		r = credentials_from_env(&c, errbuf, errlen);
		if (r != -ENOENT)
			goto out;
	}
	r = credentials_paths(&cred_path, &conf_path);
	if (r)
		goto out;
	r = from_file(cred_path, name, false, &c, &seen, errbuf, errlen);
	if (r != -ENOENT)
		goto out;
	r = from_file(conf_path, name, true, &c, &seen, errbuf, errlen);
	if (r != -ENOENT)
		goto out;
	if (named && !seen)
		util_set_error(errbuf, errlen,
			  "AWS profile \"%s\" not found (%s, %s)", name,
			  cred_path ? cred_path : "no credentials file",
			  conf_path ? conf_path : "no config file");
	else if (seen)
		util_set_error(errbuf, errlen,
			  "AWS profile \"%s\" has no %s and %s (%s, %s)", name,
			  KEY_ID, KEY_SECRET,
			  cred_path ? cred_path : "no credentials file",
			  conf_path ? conf_path : "no config file");
	else
		util_set_error(errbuf, errlen,
			  "no AWS credentials found (environment, %s, %s)",
			  cred_path ? cred_path : "no credentials file",
			  conf_path ? conf_path : "no config file");
out:
	free(cred_path);
	free(conf_path);
	if (r) {
		credentials_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

void credentials_done(struct credentials *c)
{
	if (!c)
		return;
	util_secret_free(c->access_key_id);
	util_secret_free(c->secret_access_key);
	util_secret_free(c->session_token);
	memset(c, 0, sizeof(*c));
}
