/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_chain.c - the static part of the credential chain (environment,
 * profile files) through chain_resolve(), one table row per situation, and
 * the INI, file and directory readers underneath.
 *
 * The network sources are switched off (AWS_EC2_METADATA_DISABLED, no
 * container or web identity variables); test_credprov.c covers them.
 * Each row gets a fresh directory under /tmp that is also $HOME, its own
 * credentials/config files and AWS_* variables, and states the result:
 * the keys and their source, or the error and a piece of its message.
 * Every secret in the table contains "s3cr3t" or "t0k3n", and no message
 * may contain either.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain.h"
#include "env.h"
#include "profile_file.h"
#include "tap.h"

struct cred_case {
	const char *what;
	/* Environment; NULL = unset. */
	const char *env_id;
	const char *env_secret;
	const char *env_token;
	const char *env_profile;
	/* File contents; NULL = no file. */
	const char *credentials;
	const char *config;
	bool use_home;    /* files in $HOME/.aws, AWS_*_FILE unset */
	bool tilde;       /* AWS_SHARED_CREDENTIALS_FILE="~/credentials" */
	bool creds_is_dir; /* AWS_SHARED_CREDENTIALS_FILE is a directory */
	const char *profile; /* argument */
	int want;
	const char *want_id;
	const char *want_secret;
	const char *want_token;
	const char *want_source;
	const char *want_err;   /* part of the message on error */
	bool err_has_paths;     /* the message names both files */
};

#define ID "AKIDEXAMPLE"
#define SECRET "wJalr/s3cr3t+KEY"
#define TOKEN "t0k3n/AQoD+xyz=="
#define DEF_CREDS "[default]\naws_access_key_id = " ID \
		  "\naws_secret_access_key = " SECRET "\n"
#define PROD_CREDS "[prod]\naws_access_key_id = AKIDPROD\n" \
		   "aws_secret_access_key = s3cr3t-prod\n"

static const struct cred_case cases[] = {
	/* environment */
	{.what = "environment pair", .env_id = ID, .env_secret = SECRET,
	 .want_id = ID, .want_secret = SECRET, .want_source = "environment"},
	{.what = "environment with token", .env_id = ID, .env_secret = SECRET,
	 .env_token = TOKEN, .want_id = ID, .want_secret = SECRET,
	 .want_token = TOKEN, .want_source = "environment"},
	{.what = "environment wins over files", .env_id = "AKIDENV",
	 .env_secret = "s3cr3t-env", .credentials = DEF_CREDS,
	 .config = "[default]\naws_access_key_id = X\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .want_id = "AKIDENV", .want_secret = "s3cr3t-env",
	 .want_source = "environment"},
	{.what = "environment empty token ignored", .env_id = ID,
	 .env_secret = SECRET, .env_token = "", .want_id = ID,
	 .want_secret = SECRET, .want_source = "environment"},
	{.what = "key id without secret", .env_id = ID,
	 .credentials = DEF_CREDS, .want = -EINVAL,
	 .want_err = "AWS_ACCESS_KEY_ID is set but "
		     "AWS_SECRET_ACCESS_KEY is not"},
	{.what = "secret without key id", .env_secret = SECRET,
	 .credentials = DEF_CREDS, .want = -EINVAL,
	 .want_err = "AWS_SECRET_ACCESS_KEY is set but "
		     "AWS_ACCESS_KEY_ID is not"},
	{.what = "secret with empty key id", .env_id = "",
	 .env_secret = SECRET, .want = -EINVAL,
	 .want_err = "AWS_ACCESS_KEY_ID is not"},
	{.what = "empty environment is unset", .env_id = "", .env_secret = "",
	 .credentials = DEF_CREDS, .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "token alone in environment", .env_token = TOKEN,
	 .credentials = DEF_CREDS, .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "explicit profile skips environment", .env_id = "AKIDENV",
	 .env_secret = "s3cr3t-env", .credentials = PROD_CREDS,
	 .profile = "prod", .want_id = "AKIDPROD",
	 .want_secret = "s3cr3t-prod", .want_source =
	 "shared-credentials-file:prod"},
	{.what = "AWS_PROFILE keeps environment first", .env_id = "AKIDENV",
	 .env_secret = "s3cr3t-env", .env_profile = "prod",
	 .credentials = PROD_CREDS, .want_id = "AKIDENV",
	 .want_secret = "s3cr3t-env", .want_source = "environment"},
	{.what = "empty argument is no profile", .env_id = ID,
	 .env_secret = SECRET, .profile = "", .want_id = ID,
	 .want_secret = SECRET, .want_source = "environment"},
	/* shared credentials file */
	{.what = "credentials file default", .credentials = DEF_CREDS,
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "credentials file named profile",
	 .credentials = DEF_CREDS PROD_CREDS, .profile = "prod",
	 .want_id = "AKIDPROD", .want_secret = "s3cr3t-prod",
	 .want_source = "shared-credentials-file:prod"},
	{.what = "AWS_PROFILE", .env_profile = "prod",
	 .credentials = DEF_CREDS PROD_CREDS, .want_id = "AKIDPROD",
	 .want_secret = "s3cr3t-prod",
	 .want_source = "shared-credentials-file:prod"},
	{.what = "argument beats AWS_PROFILE", .env_profile = "default",
	 .credentials = DEF_CREDS PROD_CREDS, .profile = "prod",
	 .want_id = "AKIDPROD", .want_secret = "s3cr3t-prod",
	 .want_source = "shared-credentials-file:prod"},
	{.what = "session token in file",
	 .credentials = DEF_CREDS "aws_session_token = " TOKEN "\n",
	 .want_id = ID, .want_secret = SECRET, .want_token = TOKEN,
	 .want_source = "shared-credentials-file:default"},
	{.what = "comments and whitespace",
	 .credentials = "# comment\n; another = comment\n\n"
			"  [ default ]  \n"
			"\taws_access_key_id\t=\t" ID "  \n"
			"aws_secret_access_key=" SECRET "\r\n"
			"# aws_session_token = t0k3n-commented\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "CRLF line endings",
	 .credentials = "[default]\r\naws_access_key_id = " ID "\r\n"
			"aws_secret_access_key = " SECRET "\r\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "keys are case-insensitive",
	 .credentials = "[default]\nAWS_ACCESS_KEY_ID = " ID "\n"
			"Aws_Secret_Access_Key = " SECRET "\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "colon delimiter",
	 .credentials = "[default]\naws_access_key_id: " ID "\n"
			"aws_secret_access_key: " SECRET "\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "values verbatim",
	 .credentials = "[default]\naws_access_key_id = " ID "\n"
			"aws_secret_access_key = s3cr3t#not=comment ;x\n",
	 .want_id = ID, .want_secret = "s3cr3t#not=comment ;x",
	 .want_source = "shared-credentials-file:default"},
	{.what = "later value wins",
	 .credentials = "[default]\naws_access_key_id = OLD\n"
			"aws_secret_access_key = " SECRET "\n"
			"aws_access_key_id = " ID "\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "repeated section merges",
	 .credentials = "[default]\naws_access_key_id = " ID "\n"
			"[other]\naws_secret_access_key = s3cr3t-other\n"
			"[default]\naws_secret_access_key = " SECRET "\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "nested settings ignored",
	 .credentials = "[default]\naws_access_key_id = " ID "\n"
			"aws_secret_access_key = " SECRET "\n"
			"s3 =\n  aws_access_key_id = NESTED\n"
			"  max_concurrent_requests = 10\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "section names are case-sensitive",
	 .credentials = "[Default]\naws_access_key_id = " ID "\n"
			"aws_secret_access_key = " SECRET "\n",
	 .want = -ENOENT, .want_err = "no AWS credentials found (environment, ",
	 .err_has_paths = true},
	{.what = "credentials file takes [name] only",
	 .credentials = "[profile prod]\naws_access_key_id = " ID "\n"
			"aws_secret_access_key = " SECRET "\n",
	 .profile = "prod", .want = -ENOENT,
	 .want_err = "AWS profile \"prod\" not found (", .err_has_paths = true},
	{.what = "credentials file before config file",
	 .credentials = DEF_CREDS,
	 .config = "[default]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "profile without keys falls through to config",
	 .credentials = "[prod]\nregion = eu-west-2\n",
	 .config = "[profile prod]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .profile = "prod", .want_id = "AKIDCONF",
	 .want_secret = "s3cr3t-conf", .want_source = "config-file:prod"},
	/* config file */
	{.what = "config [profile name]",
	 .config = "[default]\nregion = us-east-1\n"
		   "[profile prod]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n"
		   "aws_session_token = " TOKEN "\n",
	 .profile = "prod", .want_id = "AKIDCONF",
	 .want_secret = "s3cr3t-conf", .want_token = TOKEN,
	 .want_source = "config-file:prod"},
	{.what = "config [profile  name] spacing",
	 .config = "[ profile \t prod ]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .env_profile = "prod", .want_id = "AKIDCONF",
	 .want_secret = "s3cr3t-conf", .want_source = "config-file:prod"},
	{.what = "config [name] is no profile",
	 .config = "[prod]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .profile = "prod", .want = -ENOENT,
	 .want_err = "AWS profile \"prod\" not found ("},
	{.what = "config [profilex] is no profile",
	 .config = "[profileprod]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .profile = "prod", .want = -ENOENT,
	 .want_err = "AWS profile \"prod\" not found ("},
	{.what = "config [default]",
	 .config = "[default]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .want_id = "AKIDCONF", .want_secret = "s3cr3t-conf",
	 .want_source = "config-file:default"},
	{.what = "config [profile default]",
	 .config = "[profile default]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .want_id = "AKIDCONF", .want_secret = "s3cr3t-conf",
	 .want_source = "config-file:default"},
	{.what = "config [default] is not profile prod",
	 .config = "[default]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .profile = "prod", .want = -ENOENT, .want_err = "\"prod\""},
	/* $HOME defaults */
	{.what = "~/.aws/credentials", .use_home = true,
	 .credentials = DEF_CREDS, .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	{.what = "~/.aws/config", .use_home = true,
	 .config = "[profile prod]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = s3cr3t-conf\n",
	 .env_profile = "prod", .want_id = "AKIDCONF",
	 .want_secret = "s3cr3t-conf", .want_source = "config-file:prod"},
	{.what = "~/ in AWS_SHARED_CREDENTIALS_FILE", .tilde = true,
	 .credentials = DEF_CREDS, .want_id = ID, .want_secret = SECRET,
	 .want_source = "shared-credentials-file:default"},
	/* nothing found */
	{.what = "nothing at all", .want = -ENOENT,
	 .want_err = "no AWS credentials found (environment, ",
	 .err_has_paths = true},
	{.what = "nothing in $HOME", .use_home = true, .want = -ENOENT,
	 .want_err = "no AWS credentials found (environment, ",
	 .err_has_paths = true},
	{.what = "explicit profile missing", .credentials = DEF_CREDS,
	 .profile = "nosuch", .want = -ENOENT,
	 .want_err = "AWS profile \"nosuch\" not found (",
	 .err_has_paths = true},
	{.what = "AWS_PROFILE missing", .credentials = DEF_CREDS,
	 .env_profile = "nosuch", .want = -ENOENT,
	 .want_err = "AWS profile \"nosuch\" not found ("},
	{.what = "profile without keys",
	 .credentials = "[prod]\nregion = eu-west-2\n",
	 .config = "[profile prod]\noutput = json\n",
	 .profile = "prod", .want = -ENOENT,
	 .want_err = "no AWS credentials found (", .err_has_paths = true},
	{.what = "token alone is no credentials",
	 .credentials = "[default]\naws_session_token = " TOKEN "\n",
	 .want = -ENOENT, .want_err = "no AWS credentials found ("},
	/* malformed sources */
	{.what = "key id without secret in file",
	 .credentials = "[default]\naws_access_key_id = " ID "\n",
	 .want = -EINVAL,
	 .want_err = "profile \"default\" has aws_access_key_id but no "
		     "aws_secret_access_key"},
	{.what = "secret without key id in file",
	 .config = "[profile prod]\naws_secret_access_key = " SECRET "\n",
	 .profile = "prod", .want = -EINVAL,
	 .want_err = "profile \"prod\" has aws_secret_access_key but no "
		     "aws_access_key_id"},
	{.what = "empty key id in file",
	 .credentials = "[default]\naws_access_key_id =\n"
			"aws_secret_access_key = " SECRET "\n",
	 .want = -EINVAL, .want_err = "but no aws_access_key_id"},
	{.what = "line that is no setting",
	 .credentials = "[default]\naws_access_key_id = " ID "\n"
			"s3cr3t-pasted-here\n",
	 .want = -EINVAL,
	 .want_err = "credentials:3: expected \"key = value\""},
	{.what = "setting before any section",
	 .credentials = "aws_secret_access_key = " SECRET "\n" DEF_CREDS,
	 .want = -EINVAL,
	 .want_err = "credentials:1: setting outside a section"},
	{.what = "unterminated section",
	 .config = "# x\n[profile prod\naws_access_key_id = " ID "\n",
	 .profile = "prod", .want = -EINVAL,
	 .want_err = "config:2: malformed section header"},
	{.what = "malformed file elsewhere in it", .profile = "prod",
	 .credentials = PROD_CREDS "[other]\ngarbage s3cr3t\n",
	 .want = -EINVAL, .want_err = "credentials:5: "},
	{.what = "credentials file is a directory", .creds_is_dir = true,
	 .want = -EISDIR, .want_err = "Is a directory"},
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void remove_tree(const char *dir)
{
	static const char *const names[] = {
		"credentials", "config", ".aws/credentials", ".aws/config",
		".aws",
	};
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(dir);
}

static void set_env(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void clear_env(void)
{
	static const char *const names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
		"CREDENTIALS_DIRECTORY", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unsetenv(names[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

/* The real chain, as credprov_new() walks it, for @profile. */
static int resolve(const char *profile, struct credentials *c, char *err,
		   size_t errlen)
{
	struct source_opts opts = {.profile = profile};
	struct source src = {0};
	int r;

	r = chain_resolve(&opts, &src, c, err, errlen);
	chain_source_done(&src);
	return r;
}

static bool no_secret(const char *msg)
{
	return !strstr(msg, "s3cr3t") && !strstr(msg, "t0k3n");
}

static void run_case(const struct cred_case *tc)
{
	static char sentinel[] = "untouched";
	char dir[] = "/tmp/test_chain.XXXXXX";
	char files[256], credpath[300], confpath[300], err[1024];
	struct credentials c;
	int r;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	clear_env();
	setenv("HOME", dir, 1);
	snprintf(files, sizeof(files), "%s%s", dir,
		 tc->use_home ? "/.aws" : "");
	if (tc->use_home)
		mkdir(files, 0700);
	snprintf(credpath, sizeof(credpath), "%s/credentials", files);
	snprintf(confpath, sizeof(confpath), "%s/config", files);
	if (!tc->use_home) {
		setenv("AWS_SHARED_CREDENTIALS_FILE",
		       tc->tilde ? "~/credentials" : credpath, 1);
		setenv("AWS_CONFIG_FILE", confpath, 1);
	}
	if (tc->creds_is_dir)
		setenv("AWS_SHARED_CREDENTIALS_FILE", dir, 1);
	if (tc->credentials)
		write_file(files, "credentials", tc->credentials);
	if (tc->config)
		write_file(files, "config", tc->config);
	set_env("AWS_ACCESS_KEY_ID", tc->env_id);
	set_env("AWS_SECRET_ACCESS_KEY", tc->env_secret);
	set_env("AWS_SESSION_TOKEN", tc->env_token);
	set_env("AWS_PROFILE", tc->env_profile);

	memset(&c, 0, sizeof(c));
	c.access_key_id = c.secret_access_key = c.session_token = sentinel;
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	r = resolve(tc->profile, &c, err, sizeof(err));
	if (!is_int(r, tc->want, "%s: returns %d", tc->what, tc->want))
		tap_diag("message: %s", err);
	if (r == 0) {
		is_str(c.access_key_id, tc->want_id, "%s: key id", tc->what);
		is_str(c.secret_access_key, tc->want_secret, "%s: secret",
		       tc->what);
		is_str(c.session_token, tc->want_token, "%s: token", tc->what);
		is_str(c.source, tc->want_source, "%s: source", tc->what);
		is_str(err, "", "%s: no message", tc->what);
		creds_done(&c);
		ok(!c.access_key_id && !c.secret_access_key &&
			   !c.session_token && !c.source[0],
		   "%s: released", tc->what);
	} else {
		ok(tc->want_err && strstr(err, tc->want_err),
		   "%s: message has \"%s\" (%s)", tc->what,
		   tc->want_err ? tc->want_err : "", err);
		ok(c.access_key_id == sentinel &&
			   c.secret_access_key == sentinel &&
			   c.session_token == sentinel,
		   "%s: result untouched", tc->what);
		if (tc->err_has_paths)
			ok(strstr(err, credpath) && strstr(err, confpath),
			   "%s: message names both files", tc->what);
	}
	ok(no_secret(err), "%s: no secret in the message", tc->what);
	remove_tree(dir);
}

/* A token longer than any line buffer, and a long profile name. */
static void test_long_values(void)
{
	struct cred_case tc = {.what = "long values"};
	char *text, *token, *name;
	size_t tlen = 20000, nlen = 300, len;
	struct credentials c = {0};
	char dir[] = "/tmp/test_chain.XXXXXX", path[600], err[512];
	int r;

	token = malloc(tlen + 1);
	name = malloc(nlen + 1);
	len = tlen + nlen + 256;
	text = malloc(len);
	if (!token || !name || !text || !mkdtemp(dir)) {
		perror("test_long_values");
		exit(1);
	}
	memset(token, 'T', tlen);
	token[tlen] = '\0';
	memset(name, 'p', nlen);
	name[nlen] = '\0';
	snprintf(text, len,
		 "[%s]\naws_access_key_id = " ID "\n"
		 "aws_secret_access_key = " SECRET "\n"
		 "aws_session_token = %s\n",
		 name, token);
	clear_env();
	setenv("HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/credentials", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	write_file(dir, "credentials", text);
	r = resolve(name, &c, err, sizeof(err));
	is_int(r, 0, "%s: loaded", tc.what);
	is_int(c.session_token ? strlen(c.session_token) : 0, tlen,
	       "%s: whole token", tc.what);
	ok(c.session_token && !strcmp(c.session_token, token),
	   "%s: token intact", tc.what);
	is_int(strlen(c.source), sizeof(c.source) - 1,
	       "%s: source cut to its buffer", tc.what);
	ok(!strncmp(c.source, "shared-credentials-file:ppp", 27),
	   "%s: source names file and profile", tc.what);
	creds_done(&c);

	/* A tiny error buffer still gets a terminated prefix. */
	r = resolve("nosuch", &c, err, 8);
	is_int(r, -ENOENT, "tiny buffer: profile not found");
	is_int(strlen(err), 7, "tiny buffer: message cut");
	r = resolve("nosuch", &c, NULL, 0);
	is_int(r, -ENOENT, "no buffer: profile not found");
	creds_done(NULL);
	creds_done(&c);

	unlink(path);
	rmdir(dir);
	free(text);
	free(token);
	free(name);
}

/* The settings that point at other sources, and the file reader. */
static void test_profile_settings(void)
{
	struct profile f = {0};
	struct credentials c = {0};
	char dir[] = "/tmp/test_chain.XXXXXX", path[600], err[512];
	char *text = NULL, big[70000];
	FILE *fp;
	int r;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	write_file(dir, "config",
		   "[profile web]\nROLE_ARN = arn:aws:iam::1:role/w\n"
		   "web_identity_token_file = /var/run/token\n"
		   "role_session_name = s-1\nsource_profile = base\n"
		   "credential_process = /usr/bin/helper --json\n"
		   "[profile other]\ncredential_process = nope\n");
	snprintf(path, sizeof(path), "%s/config", dir);
	r = profile_read(path, "web", true, &f, err, sizeof(err));
	is_int(r, 0, "settings: read");
	ok(f.found, "settings: section found");
	is_str(f.role_arn, "arn:aws:iam::1:role/w", "settings: role_arn");
	is_str(f.web_identity_token_file, "/var/run/token",
	       "settings: web_identity_token_file");
	is_str(f.role_session_name, "s-1", "settings: role_session_name");
	is_str(f.source_profile, "base", "settings: source_profile");
	is_str(f.credential_process, "/usr/bin/helper --json",
	       "settings: credential_process verbatim");
	is_int(profile_keys(&f, path, "web", true, &c, err,
					sizeof(err)),
	       -ENOENT, "settings: no keys");
	profile_done(&f);
	profile_done(&f);
	profile_done(NULL);
	r = profile_read("/nonexistent/config", "web", true, &f,
				     err, sizeof(err));
	ok(r == 0 && !f.found, "settings: missing file is empty");

	/* Input caps: a file one byte over PROFILE_FILE_MAX is refused by
	 * name and limit; one at the limit is read (its last line too). */
	snprintf(path, sizeof(path), "%s/huge", dir);
	fp = fopen(path, "w");
	if (fp) {
		fputs("[default]\n", fp);
		for (r = 10; r < PROFILE_FILE_MAX - 40; r++)
			fputc(r % 64 ? '#' : '\n', fp);
		fputs("\nregion = eu-west-3\n", fp);
		while (ftell(fp) < PROFILE_FILE_MAX)
			fputc('\n', fp);
		fclose(fp);
	}
	r = profile_read(path, "default", false, &f, err, sizeof(err));
	is_int(r, 0, "cap: a file of exactly %d bytes is read (%s)",
	       PROFILE_FILE_MAX, err);
	is_str(f.settings[PROFILE_REGION], "eu-west-3",
	       "cap: its last setting too");
	profile_done(&f);
	fp = fopen(path, "a");
	if (fp) {
		fputc('\n', fp);
		fclose(fp);
	}
	r = profile_read(path, "default", false, &f, err, sizeof(err));
	is_int(r, -EFBIG, "cap: one byte more is refused");
	snprintf(big, sizeof(big), "%s: larger than 1048576 bytes", path);
	is_str(err, big, "cap: the message names the file and the limit");
	profile_done(&f);
	write_file(dir, "nulfile", "[default]\nregion = x\n");
	snprintf(path, sizeof(path), "%s/nulfile", dir);
	fp = fopen(path, "a");
	if (fp) {
		fwrite("\0\n", 1, 2, fp);
		fclose(fp);
	}
	is_int(profile_read(path, "default", false, &f, err, sizeof(err)),
	       -EINVAL, "a NUL byte is refused");
	snprintf(big, sizeof(big), "%s:3: holds a NUL byte", path);
	is_str(err, big, "a NUL byte: the message names the file and its line");
	profile_done(&f);

	write_file(dir, "token", "  t0k3n value \r\n\n");
	snprintf(path, sizeof(path), "%s/token", dir);
	r = env_read_file(path, &text, err, sizeof(err));
	is_int(r, 0, "read_file: read");
	is_str(text, "  t0k3n value", "read_file: trailing whitespace cut");
	free(text);
	text = NULL;
	snprintf(path, sizeof(path), "%s/nosuch", dir);
	is_int(env_read_file(path, &text, err, sizeof(err)), -ENOENT,
	       "read_file: missing");
	snprintf(path, sizeof(path), "%s/nul", dir);
	fp = fopen(path, "w");
	if (fp) {
		fwrite("ab\0cd", 1, 5, fp);
		fclose(fp);
	}
	is_int(env_read_file(path, &text, err, sizeof(err)), -EINVAL,
	       "read_file: NUL byte refused");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(dir, "big", big);
	snprintf(path, sizeof(path), "%s/big", dir);
	is_int(env_read_file(path, &text, err, sizeof(err)), -EFBIG,
	       "read_file: over 64 KiB refused");
	is_int(env_read_file(dir, &text, err, sizeof(err)), -EISDIR,
	       "read_file: a directory");
	ok(text == NULL, "read_file: nothing returned on errors");
	is_int(env_from_directory(NULL, &c, err, sizeof(err)), -ENOENT,
	       "directory: none");
	is_int(env_from_directory(dir, &c, err, sizeof(err)), -ENOENT,
	       "directory: without the key files");
	for (r = 0; r < 8; r++) {
		static const char *const names[] = {"config", "token", "nul",
						    "big", "nosuch", "huge",
						    "nulfile", ""};

		snprintf(path, sizeof(path), "%s/%s", dir, names[r]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_long_values();
	test_profile_settings();
	return tap_done();
}
