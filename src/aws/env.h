/* SPDX-License-Identifier: Apache-2.0 */
/*
 * env.h - keys from the environment and from a systemd credentials
 * directory, and the capped file reader the other sources share.
 *
 * The detect and fetch rows of these two sources are in source.h.  Secrets
 * are wiped on release and never appear in messages.
 *
 * @locality env_get() and env_from_environment() read the environment:
 * start-up, main thread.  The others keep no state; any thread.
 */
#ifndef OPTOUT_ENV_H
#define OPTOUT_ENV_H

#include <stddef.h>

#include "creds.h"

/* The files of a systemd credentials directory ($CREDENTIALS_DIRECTORY). */
#define ENV_DIR_KEY_ID "aws-access-key-id"
#define ENV_DIR_SECRET "aws-secret-access-key"
#define ENV_DIR_TOKEN "aws-session-token"

/* getenv(@name), with "" as NULL. */
const char *env_get(const char *name);

/*
 * The environment's pair (+ token), source "environment".  Returns 0 and
 * fills @ret; -ENOENT when neither variable is set (or both are empty);
 * -EINVAL when only one is, with the message; -ENOMEM.
 */
int env_from_environment(struct credentials *ret, char *errbuf,
			 size_t errlen);

/*
 * The systemd credentials in directory @dir (LoadCredential=, passed as
 * $CREDENTIALS_DIRECTORY): files ENV_DIR_KEY_ID and _SECRET, and
 * optionally _TOKEN, each holding the key with trailing whitespace trimmed.
 * Returns 0 and fills @ret (source "systemd-credentials"); -ENOENT when
 * @dir is NULL or empty or has neither key; -EINVAL when it has one without
 * the other or a key with spaces or control characters inside; a negative
 * errno when a file cannot be read; -ENOMEM.
 */
int env_from_directory(const char *dir, struct credentials *ret,
		       char *errbuf, size_t errlen);

/*
 * Reads the whole file @path (at most CREDS_BODY_MAX bytes) into *@ret,
 * NUL-terminated, trailing whitespace trimmed; the caller wipes and frees
 * it (it may be a token).  Returns 0; -ENOENT (no message) when the file
 * does not exist; -EFBIG when larger; -EINVAL when it holds a NUL byte;
 * another negative errno of open/read; -ENOMEM.
 */
int env_read_file(const char *path, char **ret, char *errbuf, size_t errlen);

#endif
