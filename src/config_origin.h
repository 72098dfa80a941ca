/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_origin.h - where each configuration value came from: the file and
 * line, -o, an environment variable, an AWS profile, or the default.
 *
 * The loader records one origin per key it sets (a later one replaces an
 * earlier one, as -o replaces the file); keys without a record have their
 * default or no value.  --dump-config prints them, and messages about a
 * value from the environment or a profile name its source.
 *
 * @locality start-up and reload (main thread); read-only once loaded.
 */
#ifndef OPTOUT_CONFIG_ORIGIN_H
#define OPTOUT_CONFIG_ORIGIN_H

#include <stddef.h>

enum config_origin_kind {
	CONFIG_ORIGIN_FILE,     /* line of the configuration file */
	CONFIG_ORIGIN_OVERRIDE, /* -o */
	CONFIG_ORIGIN_ENV,      /* detail: the variable */
	CONFIG_ORIGIN_PROFILE,  /* detail: "NAME in PATH" */
};

struct config_origin {
	char *key;
	enum config_origin_kind kind;
	int line;          /* CONFIG_ORIGIN_FILE */
	char *detail;      /* ENV, PROFILE; else NULL */
	char *secret_file; /* the value was read from this file (KEY_file) */
	struct config_origin *next;
};

/* Records (or replaces) the origin of @key; @detail and @secret_file may
 * be NULL.  Returns 0 or -ENOMEM. */
int config_origin_set(struct config_origin **list, const char *key,
		      enum config_origin_kind kind, int line,
		      const char *detail, const char *secret_file);

/* The origin of @key, or NULL (its default, or no value). */
const struct config_origin *config_origin_find(const struct config_origin *o,
					       const char *key);

/*
 * Writes the origin as --dump-config prints it: "PATH:LINE", "-o",
 * "environment VAR", "profile NAME in PATH", followed by " via FILE" when
 * the value was read from a file; "default" for NULL @o.  @path is the
 * configuration file.
 */
void config_origin_format(const struct config_origin *o, const char *path,
			  char *buf, size_t len);

/* Frees the list; NULL is fine. */
void config_origin_free(struct config_origin *o);

#endif
