/* SPDX-License-Identifier: Apache-2.0 */
/*
 * env.c - keys from the environment and from a systemd credentials
 * directory, and the capped file reader the other sources share.
 *
 * Owns the first two rows of the chain: AWS_ACCESS_KEY_ID +
 * AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), then the files of
 * $CREDENTIALS_DIRECTORY (LoadCredential=).  Half a pair is an error, not
 * an absence.  env_read_file() reads a whole small file (a token, a key)
 * and wipes every byte it lets go of; sts.c and container.c use it too.
 *
 * Called by chain.c at start-up on the main thread (the detect functions
 * and env_get() read the environment) and by credprov.c's refresher thread
 * (env_dir_fetch() reads the directory again after AWS rejected the keys;
 * the environment cannot change, env_fetch() is there for the table).
 */
#include "env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "source.h"
#include "util.h"

const char *env_get(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int env_from_environment(struct credentials *ret, char *errbuf, size_t errlen)
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
	creds_set_source(&c, "environment", NULL);
	*ret = c;
	memset(&c, 0, sizeof(c));
	r = 0;
out:
	creds_done(&c);
	return r;
}

int env_read_file(const char *path, char **ret, char *errbuf,
			  size_t errlen)
{
	struct buf b;
	int fd, r = 0;

	buf_init(&b, CREDS_BODY_MAX, BUF_SECRET);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	r = buf_read_all(&b, fd);
	if (r == -E2BIG) {
		r = -EFBIG;
		util_set_error(errbuf, errlen, "%s: larger than %d bytes", path,
			       CREDS_BODY_MAX);
		goto out;
	}
	if (r < 0) {
		util_set_error(errbuf, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	if (memchr(buf_str(&b), '\0', b.len)) {
		r = -EINVAL;
		util_set_error(errbuf, errlen, "%s: holds a NUL byte", path);
		goto out;
	}
	while (b.len && strchr(" \t\r\n", b.p[b.len - 1]))
		buf_truncate(&b, b.len - 1);
	*ret = buf_take(&b);
	if (!*ret)
		r = -ENOMEM;
out:
	buf_free(&b);
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
	r = env_read_file(path, &value, errbuf, errlen);
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

int env_from_directory(const char *dir, struct credentials *ret,
			       char *errbuf, size_t errlen)
{
	struct credentials c = {0};
	int r;

	if (!dir || !*dir)
		return -ENOENT;
	r = dir_key(dir, ENV_DIR_KEY_ID, &c.access_key_id, errbuf,
		    errlen);
	if (!r)
		r = dir_key(dir, ENV_DIR_SECRET, &c.secret_access_key,
			    errbuf, errlen);
	if (!r)
		r = dir_key(dir, ENV_DIR_TOKEN, &c.session_token,
			    errbuf, errlen);
	if (r)
		goto out;
	if (!c.access_key_id && !c.secret_access_key) {
		r = -ENOENT;
		goto out;
	}
	if (!c.access_key_id || !c.secret_access_key) {
		util_set_error(errbuf, errlen, "%s has %s but no %s", dir,
			  c.access_key_id ? ENV_DIR_KEY_ID :
					    ENV_DIR_SECRET,
			  c.access_key_id ? ENV_DIR_SECRET :
					    ENV_DIR_KEY_ID);
		r = -EINVAL;
		goto out;
	}
	creds_set_source(&c, "systemd-credentials", NULL);
	*ret = c;
	memset(&c, 0, sizeof(c));
out:
	creds_done(&c);
	return r;
}

int env_detect(struct source_ctx *ctx, struct source *src,
	       struct credentials *ret, char *errbuf, size_t errlen)
{
	int r;

	(void)ctx;
	r = env_from_environment(ret, errbuf, errlen);
	if (!r)
		snprintf(src->name, sizeof(src->name), "%s", ret->source);
	return r;
}

int env_fetch(struct source *src, struct credentials *ret, char *errbuf,
	      size_t errlen)
{
	(void)src;
	return env_from_environment(ret, errbuf, errlen);
}

int env_dir_detect(struct source_ctx *ctx, struct source *src,
		   struct credentials *ret, char *errbuf, size_t errlen)
{
	const char *dir = env_get("CREDENTIALS_DIRECTORY");
	int r;

	(void)ctx;
	r = env_from_directory(dir, ret, errbuf, errlen);
	if (r)
		return r;
	snprintf(src->name, sizeof(src->name), "%s", ret->source);
	r = util_strdup_to(&src->path, dir);
	if (r)
		creds_done(ret);
	return r;
}

int env_dir_fetch(struct source *src, struct credentials *ret,
		  char *errbuf, size_t errlen)
{
	int r = env_from_directory(src->path, ret, errbuf, errlen);

	if (r == -ENOENT)
		util_set_error(errbuf, errlen, "%s has no keys any more",
			       src->path);
	return r;
}
