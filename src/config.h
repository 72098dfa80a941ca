/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - the configuration file (key = value lines, '#' comments)
 * and -o key=value overrides -> struct config.
 *
 * Table-driven: each known key has a type, a default, bounds and whether it
 * is required.  kafka.*, consumer.* and producer.* are librdkafka properties,
 * checked with rd_kafka_conf_set() when loaded.  Every error is one line
 * "FILE:LINE: key: message" (or "-o: key: message" for an override, or
 * "FILE: key: message" for a missing key); a load reports every error of
 * the file and the overrides, one line each.  Keys left out are taken from
 * the environment and the AWS profile (config_env.h).
 *
 * @locality start-up (main thread); read-only afterwards.
 */
#ifndef OPTOUT_CONFIG_H
#define OPTOUT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "config_fields.h" /* struct config */
#include "config_props.h"

/* The key family of per-account roles: aws.role.ACCOUNT = ROLE_ARN. */
#define CONFIG_ROLE_PREFIX "aws.role."

/*
 * Loads @path, then applies @overrides ("key=value" strings, @noverrides of
 * them), fills defaults, checks required keys and every librdkafka property.
 * Returns 0; -ENOENT/-EACCES (or another negative errno of open/read, -EFBIG
 * over 16 MiB) when the file cannot be read, -EINVAL for a bad key or value,
 * -ENOMEM (the first error's); on error @errbuf holds one line per error
 * (as many whole lines as fit).  On success cfg->warning may hold a line
 * for the caller to log.
 * @cfg need not be initialised; release it with config_done() in every case.
 */
int config_load(struct config *cfg, const char *path,
		char *const *overrides, int noverrides, char *errbuf,
		size_t errlen);

/*
 * config_load() on the @len bytes at @buf (which need not be NUL-terminated)
 * instead of a file; @name stands for the file in messages and cfg->path.
 * A NUL byte in @buf is an error.  Same returns as config_load().
 */
int config_load_buffer(struct config *cfg, const char *name, const char *buf,
		       size_t len, char *const *overrides, int noverrides,
		       char *errbuf, size_t errlen);

/* Frees everything @cfg owns (wiping property values, which may hold
 * secrets) and zeroes it; accepts NULL and a zeroed or released @cfg. */
void config_done(struct config *cfg);

/*
 * Calls @changed for every key whose value differs between @a and @b (for
 * librdkafka properties: "kafka.*", "consumer.*" or "producer.*" when any
 * of that group changed).  Returns the number of changed keys.  For a
 * reload: the caller decides which changes it can apply.
 */
int config_diff(const struct config *a, const struct config *b,
		void (*changed)(const char *key, void *opaque), void *opaque);

/* True when a reload applies a change of @key (a key of the table: the
 * column "reloads" of config_keys[]); false for the others, which need a
 * restart, librdkafka properties included. */
bool config_reloadable(const char *key);

/*
 * Sets the kafka.* properties, then the consumer.* (@consumer true) or
 * producer.* ones on @conf.  Returns 0 or -EINVAL with the message.
 */
int config_apply_kafka(const struct config *cfg, rd_kafka_conf_t *conf,
		       bool consumer, char *errbuf, size_t errlen);

#endif
