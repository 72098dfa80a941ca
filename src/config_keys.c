/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_keys.c - the table of the daemon's own keys and their parsing.
 *
 * One row per key: its type, where it lives in struct config, its default
 * (as text, parsed by the same code as a value, so a default can never be
 * out of range), its bounds, whether it is required and whether a reload
 * (SIGHUP) may change it.  The values are checked by config_value.c; a
 * message never repeats the value, which could be a secret.  Where a key
 * takes its value from the environment or an AWS profile when the file
 * leaves it out is config_env.c's table, not this one.
 */
#include "config_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fields.h"
#include "config_value.h"
#include "log.h"

#define FIELD(f) offsetof(struct config, f)

const struct config_key config_keys[] = {
	{"requests.topic", KEY_TOPIC, FIELD(requests_topic), NULL, 0, 0, true,
	 false, "topic the deletion requests are consumed from"},
	{"results.topic", KEY_TOPIC, FIELD(results_topic), NULL, 0, 0, true,
	 false, "topic the outcomes are published to"},
	{"dlq.topic", KEY_TOPIC, FIELD(dlq_topic), NULL, 0, 0, false, false,
	 "dead-letter topic for records rejected unread (off when unset)"},
	{"requests.max_bytes", KEY_SIZE, FIELD(requests_max_bytes), "65536",
	 64, 16777216, false, false, "larger request records are rejected"},
	{"aws.region", KEY_REGION, FIELD(aws_region), NULL, 0, 0, true, false,
	 "region of requests that do not name a list ARN"},
	{"aws.extra_regions", KEY_REGIONS, FIELD(aws_extra_regions), NULL, 0,
	 0, false, false, "regions where sms-voice exists beyond the built-in table"},
	{"erase.regions", KEY_REGIONS, FIELD(erase_regions), NULL, 0, 0, false,
	 false, "regions whose opt-out lists a \"*\" request erases from "
	 "(default aws.region)"},
	{"erase.list_cache_seconds", KEY_UINT, FIELD(erase_list_cache_seconds),
	 "300", 1, 86400, false, false, "how long the list of opt-out lists "
	 "of a region is kept before it is listed again"},
	{"aws.endpoint", KEY_URL, FIELD(aws_endpoint), NULL, 0, 0, false, false,
	 "endpoint URL override, may contain {region}"},
	{"aws.allow_plain_http", KEY_BOOL, FIELD(aws_allow_plain_http), "false",
	 0, 0, false, false, "let aws.endpoint, AWS_ENDPOINT_URL_STS and "
	 "AWS_EC2_METADATA_SERVICE_ENDPOINT be plain http:// to a host that "
	 "is not a loopback address"},
	{"aws.profile", KEY_NAME, FIELD(aws_profile), NULL, 0, 0, false, false,
	 "profile in the shared credentials/config files"},
	{"aws.ca_file", KEY_FILE, FIELD(aws_ca_file), NULL, 0, 0, false, false,
	 "CA bundle for the endpoint instead of the system's"},
	{"aws.rate_limit", KEY_RATE, FIELD(aws_rate_limit), "10", 0, 100000,
	 false, true, "the account's API calls per second per region, shared by "
	 "the group by partitions; 0 = no limit"},
	{"retry.max_seconds", KEY_UINT, FIELD(retry_max_seconds), "900", 1,
	 86400, false, true, "how long a request may be retried before it ends as failed"},
	{"retry.base_ms", KEY_UINT, FIELD(retry_base_ms), "100", 1, 60000,
	 false, true, "first backoff delay"},
	{"retry.cap_ms", KEY_UINT, FIELD(retry_cap_ms), "20000", 1, 600000,
	 false, true, "longest backoff delay"},
	{"aws.use_fips_endpoint", KEY_BOOL, FIELD(aws_use_fips_endpoint),
	 "false", 0, 0, false, false, "use the FIPS endpoints (sms-voice-fips.REGION...)"},
	{"aws.use_dualstack_endpoint", KEY_BOOL,
	 FIELD(aws_use_dualstack_endpoint), "false", 0, 0, false, false,
	 "use the dual-stack (IPv4 and IPv6) endpoints"},
	{"aws.rate_adaptive", KEY_BOOL, FIELD(aws_rate_adaptive), "true", 0, 0,
	 false, true, "slow down below the share of aws.rate_limit when AWS "
	 "throttles"},
	{"retry.max_attempts", KEY_UINT, FIELD(retry_max_attempts), "0", 0,
	 1000000, false, true, "API calls per request at most, 0 = only retry.max_seconds limits"},
	{"retry.budget", KEY_UINT, FIELD(retry_budget), "500", 0, 1000000,
	 false, true, "retry tokens shared by the pool (a retry costs 5, a timeout 10)"},
	{"sender.workers", KEY_UINT, FIELD(sender_workers), "0", 0, 256, false,
	 false, "sender threads, 0 = one per CPU core"},
	{"sender.max_inflight", KEY_UINT, FIELD(sender_max_inflight), "256", 1,
	 100000, false, false, "requests being worked on at once"},
	{"http.connect_timeout_ms", KEY_UINT, FIELD(http_connect_timeout_ms),
	 "3000", 1, 300000, false, false, "TCP+TLS connect timeout"},
	{"http.max_connections", KEY_UINT, FIELD(http_max_connections), "64",
	 1, 10000, false, false, "API calls on the wire at once (one connection each), all workers"},
	{"http.timeout_ms", KEY_UINT, FIELD(http_timeout_ms), "10000", 1,
	 600000, false, false, "timeout of one API call"},
	{"shutdown.timeout_ms", KEY_UINT, FIELD(shutdown_timeout_ms), "30000",
	 1, 3600000, false, false, "how long a stop waits for in-flight requests"},
	{"metrics.listen", KEY_LISTEN, FIELD(metrics_listen), NULL, 0, 0,
	 false, false, "serve Prometheus metrics on this HOST:PORT (off when unset)"},
	{"log.level", KEY_LOGLEVEL, FIELD(log_level), "info", 0, 0, false, true,
	 "err, warning, notice, info or debug"},
	{"log.format", KEY_LOGFORMAT, FIELD(log_format), "text", 0, 0, false,
	 false, "text, or json: one JSON object per line"},
};

_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) == CONFIG_NKEYS,
	       "CONFIG_NKEYS is the number of rows of config_keys[]");

const struct config_key *config_key_find(const char *name, size_t *ret_idx)
{
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_keys[i].name, name) == 0) {
			*ret_idx = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

void *config_key_field(struct config *cfg, const struct config_key *k)
{
	return (char *)cfg + k->offset;
}

/* Replaces the string at @field with a copy of @value (NULL for empty). */
static int set_string(char **field, const char *value, char *msg,
		      size_t msglen)
{
	char *copy = NULL;

	if (*value) {
		copy = strdup(value);
		if (!copy) {
			snprintf(msg, msglen, "out of memory");
			return -ENOMEM;
		}
	}
	free(*field);
	*field = copy;
	return 0;
}

/* The keys whose value is a string (char *, NULL when empty). */
bool config_key_is_string(enum key_type type)
{
	return type == KEY_TOPIC || type == KEY_REGION || type == KEY_REGIONS ||
	       type == KEY_URL || type == KEY_NAME || type == KEY_FILE ||
	       type == KEY_LISTEN;
}

/* A string value of key @k: checked by its parser (an empty one, where
 * allowed, is not), then stored. */
static int key_set_string(void *field, const struct config_key *k,
			  const char *value, char *msg, size_t msglen)
{
	int ret = 0;

	switch (k->type) {
	case KEY_TOPIC:
		ret = config_value_topic(value, msg, msglen);
		break;
	case KEY_REGION:
		ret = config_value_region(value, msg, msglen);
		break;
	case KEY_REGIONS:
		ret = config_value_regions(value, msg, msglen);
		break;
	case KEY_NAME:
		ret = config_value_name(value, msg, msglen);
		break;
	case KEY_URL:
		ret = *value ? config_value_url(value, msg, msglen) : 0;
		break;
	case KEY_FILE:
		ret = *value ? config_value_file(value, msg, msglen) : 0;
		break;
	case KEY_LISTEN:
		if (*value && config_value_listen(value, NULL) < 0) {
			snprintf(msg, msglen, "%s", CONFIG_VALUE_LISTEN_MSG);
			ret = -EINVAL;
		}
		break;
	default:
		snprintf(msg, msglen, "internal error: not a string key");
		ret = -EINVAL;
		break;
	}
	if (ret)
		return ret;
	return set_string(field, value, msg, msglen);
}

/*
 * Parses @value as key @k and stores it in @cfg.  Returns 0, -EINVAL or
 * -ENOMEM with the message (without place or key) in @msg.
 */
int config_key_set(struct config *cfg, const struct config_key *k,
		   const char *value, char *msg, size_t msglen)
{
	const char *why = "internal error: unhandled key type";
	void *field = config_key_field(cfg, k);
	unsigned long long u = 0;
	double d = 0;
	int ret = -EINVAL;

	if (!*value && k->type != KEY_URL && k->type != KEY_NAME &&
	    k->type != KEY_FILE && k->type != KEY_LISTEN &&
	    k->type != KEY_REGIONS) {
		snprintf(msg, msglen, "must not be empty");
		return -EINVAL;
	}
	if (config_key_is_string(k->type))
		return key_set_string(field, k, value, msg, msglen);

	switch (k->type) {
	case KEY_UINT:
	case KEY_SIZE:
		ret = config_value_uint(value, k->min, k->max, &u);
		if (ret) {
			snprintf(msg, msglen,
				 "must be an integer between %llu and %llu",
				 k->min, k->max);
			return -EINVAL;
		}
		if (k->type == KEY_UINT)
			*(unsigned *)field = (unsigned)u;
		else
			*(size_t *)field = (size_t)u;
		return 0;
	case KEY_RATE:
		ret = config_value_rate(value, (double)k->min, (double)k->max,
					&d);
		if (ret) {
			snprintf(msg, msglen,
				 "must be a number between %llu and %llu "
				 "(0 = no limit)",
				 k->min, k->max);
			return -EINVAL;
		}
		*(double *)field = d;
		return 0;
	case KEY_BOOL:
		ret = config_value_bool(value);
		if (ret >= 0)
			*(bool *)field = ret == 1;
		why = "must be true or false (yes/no, on/off, 1/0)";
		break;
	case KEY_LOGLEVEL:
		ret = log_level_parse(value);
		if (ret >= 0)
			*(int *)field = ret;
		why = "must be one of err, warning, notice, info, debug";
		break;
	case KEY_LOGFORMAT:
		ret = log_format_parse(value);
		if (ret >= 0)
			*(int *)field = ret;
		why = "must be text or json";
		break;
	default:
		break;
	}
	if (ret >= 0)
		return 0;
	snprintf(msg, msglen, "%s", why);
	return -EINVAL;
}


/* The size of the field of a key that is not a string. */
size_t config_key_size(enum key_type type)
{
	switch (type) {
	case KEY_UINT:
		return sizeof(unsigned);
	case KEY_SIZE:
		return sizeof(size_t);
	case KEY_RATE:
		return sizeof(double);
	case KEY_LOGLEVEL:
	case KEY_LOGFORMAT:
		return sizeof(int);
	case KEY_BOOL:
		return sizeof(bool);
	default:
		return 0;
	}
}
