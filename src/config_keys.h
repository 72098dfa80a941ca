/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_keys.h - the table of the daemon's own configuration keys: name,
 * type, field of struct config, default, bounds, required, reloadable.
 *
 * config.c loads a file with it, config_dump.c prints the result, and
 * config_hint.c suggests a key for a misspelt one.  The table is constant
 * data; the functions keep no state and may run on any thread.
 */
#ifndef OPTOUT_CONFIG_KEYS_H
#define OPTOUT_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* The rows of config_keys[] (checked where the table is defined). */
#define CONFIG_NKEYS 30

enum key_type {
	KEY_TOPIC,    /* char *, Kafka topic name, not empty */
	KEY_REGION,   /* char *, [a-z0-9-], not empty; sms-voice must exist
			 there (checked once every key is known) */
	KEY_REGIONS,  /* char *, region names of known partitions separated
			 by commas or blanks; empty = NULL */
	KEY_URL,      /* char *, http(s) URL, may hold {region}; empty = NULL */
	KEY_NAME,     /* char *, free text; empty = NULL */
	KEY_FILE,     /* char *, readable regular file; empty = NULL */
	KEY_LISTEN,   /* char *, HOST:PORT (config_value_listen()); empty = NULL */
	KEY_UINT,     /* unsigned, min..max */
	KEY_SIZE,     /* size_t, min..max */
	KEY_RATE,     /* double, min..max */
	KEY_LOGLEVEL, /* int, log_level_parse() */
	KEY_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
	KEY_LOGFORMAT, /* int, log_format_parse() */
};

struct config_key {
	const char *name;
	enum key_type type;
	size_t offset; /* of the field in struct config */
	const char *def; /* default, as text; NULL: none */
	unsigned long long min, max;
	bool required;
	bool reloads; /* a reload (SIGHUP) applies it; others need a restart */
	const char *help;
};

extern const struct config_key config_keys[CONFIG_NKEYS];

/* The row of @name, its index in *@ret_idx; NULL when @name is no key of
 * the table (a kafka./consumer./producer. property or a typo). */
const struct config_key *config_key_find(const char *name, size_t *ret_idx);

/* Where key @k lives in @cfg. */
void *config_key_field(struct config *cfg, const struct config_key *k);

/* True for the types kept as char * (NULL when empty). */
bool config_key_is_string(enum key_type type);

/* The size of the field of a key that is not a string. */
size_t config_key_size(enum key_type type);

/*
 * Parses @value as key @k and stores it in @cfg (replacing a string).
 * Returns 0, -EINVAL or -ENOMEM with the message (without place, key or
 * value) in @msg.
 */
int config_key_set(struct config *cfg, const struct config_key *k,
		   const char *value, char *msg, size_t msglen);

#endif
