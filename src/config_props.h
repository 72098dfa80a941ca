/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_props.h - the librdkafka properties of the configuration
 * (kafka.*, consumer.*, producer.*): the lists in struct config, checking
 * one property, applying a list to librdkafka and comparing lists for a
 * reload.  Knows nothing of struct config: config.c calls it.
 *
 * @locality start-up and reload (main thread); the lists are read-only
 *           once loaded.
 */
#ifndef OPTOUT_CONFIG_PROPS_H
#define OPTOUT_CONFIG_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* The smallest message.max.bytes accepted (config_props_check() refuses
 * less, producer.c checks what librdkafka made of it): an outcome of
 * OUTCOME_MAX_BYTES, a key of as much again and their framing fit. */
#define CONFIG_PROPS_MESSAGE_MIN 65536

/* One librdkafka property, in the order given (later ones win). */
struct config_prop {
	char *name;  /* without the kafka./consumer./producer. prefix */
	char *value;
	struct config_prop *next;
};

/* Frees a list, wiping every value; NULL is fine. */
void config_props_free(struct config_prop *p);

/* The property @name of the list @p, or NULL. */
const struct config_prop *config_props_find(const struct config_prop *p,
					   const char *name);

/* Appends name=value to *@list, dropping an earlier @name: later wins.
 * Returns 0 or -ENOMEM. */
int config_props_put(struct config_prop **list, const char *name,
		     const char *value);

/*
 * Checks one property (@name without its prefix): not one optout-eraserd
 * sets itself, not a callback, a broker list not empty, and accepted by
 * librdkafka on *@scratch (created on first use; the caller destroys it).
 * Returns 0, -EINVAL or -ENOMEM with the message in @msg.
 */
int config_props_check(rd_kafka_conf_t **scratch, const char *name,
		       const char *value, char *msg, size_t msglen);

/* Sets every property of @p on @conf.  Returns 0 or -EINVAL with
 * "PREFIXname: why" in @errbuf. */
int config_props_apply(const struct config_prop *p, const char *prefix,
		       rd_kafka_conf_t *conf, char *errbuf, size_t errlen);

/* True when @p names the brokers (bootstrap.servers or its alias). */
bool config_props_has_brokers(const struct config_prop *p);

/* Called by config_props_files() for one file-valued property (@name
 * without its @prefix, @path its value): @err is 0 when the file is
 * readable by this process, else the negative errno of access(2). */
typedef void config_props_file_fn(void *opaque, const char *prefix,
				  const char *name, const char *path, int err);

/*
 * Calls @fn for each property of @p that names a file librdkafka reads
 * (ssl.ca.location unless "probe", ssl.certificate.location,
 * ssl.key.location, ssl.keystore.location, ssl.crl.location,
 * sasl.kerberos.keytab).  Returns how many there were.
 */
size_t config_props_files(const struct config_prop *p, const char *prefix,
			  config_props_file_fn *fn, void *opaque);

/* 0 when every file property of @p is readable, else the first one's
 * negative errno with "PREFIXname: path: why" in @errbuf. */
int config_props_check_files(const struct config_prop *p,
			     const char *prefix, char *errbuf, size_t errlen);

/* True when the lists differ in a name, a value or their order. */
bool config_props_differ(const struct config_prop *a,
			 const struct config_prop *b);

#endif
