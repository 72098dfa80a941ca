/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_fields.h - struct config: the effective configuration, one field
 * per key of the table in config_keys.c.
 *
 * Apart from config.h (which loads it) so that the key table, which names
 * each key's field with offsetof(), does not include the loader that
 * includes the table: the type is a leaf every configuration module
 * includes, the loader sits above them.
 *
 * @locality filled at start-up (main thread); read-only afterwards.
 */
#ifndef OPTOUT_CONFIG_FIELDS_H
#define OPTOUT_CONFIG_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "config_props.h" /* struct config_prop */

struct config_origin;

struct config {
	char *path;
	char *warning; /* for the caller to log (a secret in a file others
			  may read), or NULL */
	struct config_origin *origins; /* where each value came from
					  (config_origin.h) */
	struct config_prop *kafka;    /* both clients */
	struct config_prop *consumer; /* consumer only */
	struct config_prop *producer; /* producer only */
	struct config_prop *aws_roles; /* aws.role.ACCOUNT: name the account
					  (12 digits), value the role ARN */

	char *requests_topic; /* requests.topic (required) */
	char *results_topic;  /* results.topic (required) */
	char *dlq_topic;      /* dlq.topic or NULL (no dead-letter topic) */
	size_t requests_max_bytes; /* requests.max_bytes, default 65536 */

	char *aws_region;   /* aws.region; default AWS_REGION, AWS_DEFAULT_REGION;
			       always a region where sms-voice exists */
	char *aws_extra_regions; /* aws.extra_regions or NULL: regions beyond
				    region.c's table (region_listed()) */
	char *erase_regions; /* erase.regions or NULL (= aws.region): where a
				"*" request looks for opt-out lists */
	unsigned erase_list_cache_seconds; /* erase.list_cache_seconds, 300 */
	char *aws_endpoint; /* aws.endpoint or NULL; may contain {region} */
	bool aws_allow_plain_http; /* aws.allow_plain_http, default false:
				      plain http only to loopback */
	char *aws_profile;  /* aws.profile or NULL */
	char *aws_ca_file;  /* aws.ca_file or NULL (system store) */
	double aws_rate_limit; /* aws.rate_limit, default 10, 0 = none */
	bool aws_rate_adaptive; /* aws.rate_adaptive, default true */
	bool aws_use_fips_endpoint;      /* default AWS_USE_FIPS_ENDPOINT */
	bool aws_use_dualstack_endpoint; /* default AWS_USE_DUALSTACK_ENDPOINT */

	unsigned retry_max_seconds; /* retry.max_seconds, default 900 */
	unsigned retry_base_ms;     /* retry.base_ms, default 100 */
	unsigned retry_cap_ms;      /* retry.cap_ms, default 20000 */
	unsigned retry_max_attempts; /* retry.max_attempts, 0 = time only */
	unsigned retry_budget;      /* retry.budget, default 500 */

	unsigned sender_workers;      /* sender.workers, 0 (default) = cores */
	unsigned sender_max_inflight; /* sender.max_inflight, default 256 */
	unsigned http_connect_timeout_ms; /* http.connect_timeout_ms, 3000 */
	unsigned http_timeout_ms;         /* http.timeout_ms, 10000 */
	unsigned http_max_connections;    /* http.max_connections, 64 */
	unsigned shutdown_timeout_ms;     /* shutdown.timeout_ms, 30000 */

	char *metrics_listen; /* metrics.listen (HOST:PORT) or NULL */
	int log_level; /* log.level, default info (syslog priority) */
	int log_format;   /* log.format: LOG_FORMAT_TEXT or LOG_FORMAT_JSON */
};

#endif
