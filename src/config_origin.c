/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_origin.c - the list of where each configuration value came from.
 *
 * A singly linked list keyed by the full key name ("aws.region",
 * "kafka.sasl.password"), newest first; setting a key again replaces its
 * record in place, so the list holds one record per key and the last
 * source wins, as the values themselves do.  The records hold names and
 * places only, never a value: a value may be a secret.  Owned by struct
 * config (config.c frees it with the rest).
 */
#include "config_origin.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int config_origin_set(struct config_origin **list, const char *key,
		      enum config_origin_kind kind, int line,
		      const char *detail, const char *secret_file)
{
	struct config_origin *o = (struct config_origin *)
		config_origin_find(*list, key);
	char *d = NULL, *f = NULL;
	bool fresh = !o;

	if (fresh) {
		o = calloc(1, sizeof(*o));
		if (!o || dup_or_null(key, &o->key) || !o->key) {
			free(o);
			return -ENOMEM;
		}
	}
	if (dup_or_null(detail, &d) || dup_or_null(secret_file, &f)) {
		free(d);
		if (fresh) {
			free(o->key);
			free(o);
		}
		return -ENOMEM;
	}
	free(o->detail);
	free(o->secret_file);
	o->kind = kind;
	o->line = line;
	o->detail = d;
	o->secret_file = f;
	if (fresh) {
		o->next = *list;
		*list = o;
	}
	return 0;
}

const struct config_origin *config_origin_find(const struct config_origin *o,
					       const char *key)
{
	for (; o; o = o->next)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

void config_origin_format(const struct config_origin *o, const char *path,
			  char *buf, size_t len)
{
	int n = 0;

	if (!o) {
		snprintf(buf, len, "default");
		return;
	}
	switch (o->kind) {
	case CONFIG_ORIGIN_FILE:
		n = snprintf(buf, len, "%s:%d", path, o->line);
		break;
	case CONFIG_ORIGIN_OVERRIDE:
		n = snprintf(buf, len, "-o");
		break;
	case CONFIG_ORIGIN_ENV:
		n = snprintf(buf, len, "environment %s", o->detail);
		break;
	case CONFIG_ORIGIN_PROFILE:
		n = snprintf(buf, len, "profile %s", o->detail);
		break;
	}
	if (o->secret_file && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " via %s", o->secret_file);
}

void config_origin_free(struct config_origin *o)
{
	struct config_origin *next;

	for (; o; o = next) {
		next = o->next;
		free(o->key);
		free(o->detail);
		free(o->secret_file);
		free(o);
	}
}
