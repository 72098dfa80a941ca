/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_secret.c - which keys are secrets, and reading one from a file.
 *
 * The secret properties are a short list of librdkafka names; every prefix
 * (kafka., consumer., producer.) counts.  A secret file is read whole into
 * a BUF_SECRET buffer (wiped when let go of), its trailing CR/LF cut; the
 * caller wipes the copy it gets once the value is stored.  The loader
 * (config.c) decides where "KEY_file" applies and records the file as the
 * value's origin; this file only names files in its messages.
 */
#include "config_secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

static const char *const secret_props[] = {
	"sasl.password",
	"ssl.key.password",
	"ssl.key.pem",
	"ssl.keystore.password",
	"sasl.oauthbearer.client.secret",
	"sasl.oauthbearer.config",
};

bool config_secret_prop(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(secret_props) / sizeof(secret_props[0]); i++)
		if (strcmp(name, secret_props[i]) == 0)
			return true;
	return false;
}

bool config_secret_key(const char *key)
{
	static const char *const prefixes[] = {"kafka.", "consumer.",
					       "producer."};
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(prefixes[i]);
		if (strncmp(key, prefixes[i], n) == 0)
			return config_secret_prop(key + n);
	}
	return false;
}

bool config_secret_file_key(const char *key, char *buf, size_t len)
{
	size_t n = strlen(key), s = strlen(CONFIG_SECRET_FILE_SUFFIX);

	if (n <= s || n - s >= len ||
	    strcmp(key + n - s, CONFIG_SECRET_FILE_SUFFIX) != 0)
		return false;
	memcpy(buf, key, n - s);
	buf[n - s] = '\0';
	return config_secret_key(buf);
}

/* @path as given, or in $CREDENTIALS_DIRECTORY when relative. */
static int resolve(const char *path, char **ret, char *msg, size_t msglen)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	size_t n;

	if (path[0] == '/') {
		*ret = strdup(path);
	} else if (!dir || !*dir) {
		snprintf(msg, msglen,
			 "%s: a relative path needs $CREDENTIALS_DIRECTORY "
			 "(systemd's LoadCredential=); give an absolute path",
			 path);
		return -EINVAL;
	} else {
		n = strlen(dir) + strlen(path) + 2;
		*ret = malloc(n);
		if (*ret)
			snprintf(*ret, n, "%s/%s", dir, path);
	}
	if (!*ret) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Reads the regular file @path into @b. */
static int read_secret(const char *path, struct buf *b, char *msg,
		       size_t msglen)
{
	struct stat st;
	char tmp[128];
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(msg, msglen, "%s: cannot open: %s", path,
			 strerror_r(-ret, tmp, sizeof(tmp)));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(msg, msglen, "%s: not a regular file", path);
		return -EINVAL;
	}
	ret = buf_read_all(b, fd);
	close(fd);
	if (ret == -E2BIG)
		snprintf(msg, msglen, "%s: larger than %u bytes", path,
			 CONFIG_SECRET_MAX);
	else if (ret < 0)
		snprintf(msg, msglen, "%s: cannot read: %s", path,
			 strerror_r(-ret, tmp, sizeof(tmp)));
	return ret < 0 ? (ret == -E2BIG ? -EFBIG : ret) : 0;
}

int config_secret_read(const char *path, char **ret_value, char **ret_path,
		       char *msg, size_t msglen)
{
	char *full = NULL, *value = NULL;
	struct buf b;
	size_t n;
	int ret;

	buf_init(&b, CONFIG_SECRET_MAX, BUF_SECRET);
	ret = resolve(path, &full, msg, msglen);
	if (ret)
		goto out;
	ret = read_secret(full, &b, msg, msglen);
	if (ret)
		goto out;
	n = b.len;
	while (n > 0 && (buf_str(&b)[n - 1] == '\n' ||
			 buf_str(&b)[n - 1] == '\r'))
		n--;
	ret = -EINVAL;
	if (n == 0 || memchr(buf_str(&b), '\0', n)) {
		snprintf(msg, msglen, "%s: %s", full,
			 n ? "holds a NUL byte" : "is empty");
		goto out;
	}
	value = strndup(buf_str(&b), n);
	ret = value ? 0 : -ENOMEM;
	if (ret) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	*ret_value = value;
	*ret_path = full;
	full = NULL;
out:
	free(full);
	buf_free(&b);
	return ret;
}

bool config_secret_exposed(const char *path, mode_t mode, const char *key,
			   char *buf, size_t len)
{
	if (!(mode & (S_IRGRP | S_IROTH)))
		return false;
	snprintf(buf, len,
		 "%s: holds the secret %s and is readable by %s (mode %04o): "
		 "give it as %s%s (a file of its own, or a systemd "
		 "credential) or make the file private (chmod 0600)",
		 path, key, mode & S_IROTH ? "everyone" : "its group",
		 (unsigned)(mode & 07777), key, CONFIG_SECRET_FILE_SUFFIX);
	return true;
}
