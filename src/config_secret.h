/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_secret.h - the secret-valued keys and where else they may come
 * from than the configuration file: a file of their own, "KEY_file = PATH",
 * as Docker's *_FILE variables and systemd's LoadCredential= have it.
 *
 * A relative PATH is a name in $CREDENTIALS_DIRECTORY (the directory
 * systemd fills from LoadCredential=); without that variable it is an
 * error, as is a file that is missing, unreadable, not a regular file,
 * empty or holding a NUL byte.  Trailing newlines are not part of the
 * secret.  Secrets are never printed (--dump-config masks them) and
 * never repeated in a message.
 *
 * @locality start-up and reload (main thread).
 */
#ifndef OPTOUT_CONFIG_SECRET_H
#define OPTOUT_CONFIG_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The suffix of a key that names the file of a secret. */
#define CONFIG_SECRET_FILE_SUFFIX "_file"

/* Secret files larger than this are refused. */
#define CONFIG_SECRET_MAX (64u * 1024)

/* True when the librdkafka property @name (without prefix) holds a
 * secret: a password, a private key, an OAuth client secret. */
bool config_secret_prop(const char *name);

/* True when @key ("kafka.sasl.password") holds a secret. */
bool config_secret_key(const char *key);

/* When @key is "SECRET_file" with SECRET a secret key: true, SECRET in
 * @buf; false otherwise. */
bool config_secret_file_key(const char *key, char *buf, size_t len);

/*
 * Reads the secret in @path (resolved as above) into *@ret_value (wipe it
 * with util_secret_free()) and the path read into *@ret_path (free()).
 * Returns 0, -EINVAL, -ENOMEM or the errno of open/read, with a message
 * naming the file, never its contents, in @msg.
 */
int config_secret_read(const char *path, char **ret_value, char **ret_path,
		       char *msg, size_t msglen);

/*
 * When @mode lets the group or others read the file @path, which holds the
 * secret @key inline: the warning to log in @buf, and true.
 */
bool config_secret_exposed(const char *path, mode_t mode, const char *key,
			   char *buf, size_t len);

#endif
