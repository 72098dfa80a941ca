/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_dump.c - --dump-config: every key, its value and its origin.
 *
 * Reads a loaded struct config and its origin records and formats each
 * value from its field, so what is printed is what the daemon would run
 * with (defaults, the environment and the AWS profile included), not a
 * copy of the file.  Secret values (config_secret_prop()) are replaced by
 * CONFIG_DUMP_SECRET before anything is written.  Offline, like
 * --check-config: nothing but @out is touched.
 */
#include "config_dump.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "config_keys.h"
#include "config_origin.h"
#include "config_props.h"
#include "config_secret.h"
#include "log.h"

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR:
		return "err";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

/* The value of key @k in @cfg as text. */
static void key_value(const struct config *cfg, const struct config_key *k,
		      char *buf, size_t len)
{
	const void *field = config_key_field((struct config *)cfg, k);

	buf[0] = '\0';
	if (config_key_is_string(k->type)) {
		snprintf(buf, len, "%s", *(char *const *)field ?
					     *(char *const *)field : "");
		return;
	}
	switch (k->type) {
	case KEY_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)field);
		break;
	case KEY_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)field);
		break;
	case KEY_RATE:
		snprintf(buf, len, "%.15g", *(const double *)field);
		break;
	case KEY_LOGLEVEL:
		snprintf(buf, len, "%s", level_name(*(const int *)field));
		break;
	case KEY_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "true" : "false");
		break;
	case KEY_LOGFORMAT:
		snprintf(buf, len, "%s", *(const int *)field == LOG_FORMAT_JSON ?
						 "json" : "text");
		break;
	default:
		break;
	}
}

static void dump_line(const struct config *cfg, FILE *out, const char *key,
		      const char *value, bool set)
{
	const struct config_origin *o = config_origin_find(cfg->origins, key);
	char origin[1024];

	config_origin_format(o, cfg->path, origin, sizeof(origin));
	fprintf(out, "%s = %s  # %s\n", key, value,
		!o && !set ? "unset" : origin);
}

static void dump_props(const struct config *cfg, FILE *out,
		       const struct config_prop *p, const char *prefix)
{
	char key[512];

	for (; p; p = p->next) {
		snprintf(key, sizeof(key), "%s%s", prefix, p->name);
		dump_line(cfg, out, key,
			  config_secret_prop(p->name) ? CONFIG_DUMP_SECRET :
							p->value,
			  true);
	}
}

int config_dump(const struct config *cfg, FILE *out)
{
	char value[4096];
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		key_value(cfg, &config_keys[i], value, sizeof(value));
		dump_line(cfg, out, config_keys[i].name, value,
			  config_keys[i].def != NULL || value[0]);
	}
	dump_props(cfg, out, cfg->kafka, "kafka.");
	dump_props(cfg, out, cfg->consumer, "consumer.");
	dump_props(cfg, out, cfg->producer, "producer.");
	dump_props(cfg, out, cfg->aws_roles, CONFIG_ROLE_PREFIX);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
