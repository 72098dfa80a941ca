/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - the configuration file (key = value lines, '#' comments)
 * and -o key=value overrides -> struct config.
 *
 * Table-driven: each known key has a type, a default, bounds and whether it
 * is required.  kafka.*, consumer.* and producer.* are librdkafka properties,
 * checked with rd_kafka_conf_set() when loaded.  Every error is one line
 * "FILE:LINE: key: message" (or "-o: key: message" for an override, or
 * "FILE: key: message" for a missing key).
 *
 * @locality start-up (main thread); read-only afterwards.
 */
#ifndef OPTOUT_CONFIG_H
#define OPTOUT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* One librdkafka property, in the order given (later ones win). */
struct config_prop {
	char *name;  /* without the kafka./consumer./producer. prefix */
	char *value;
	struct config_prop *next;
};

struct config {
	char *path;
	struct config_prop *kafka;    /* both clients */
	struct config_prop *consumer; /* consumer only */
	struct config_prop *producer; /* producer only */

	char *requests_topic; /* requests.topic (required) */
	char *results_topic;  /* results.topic (required) */
	char *dlq_topic;      /* dlq.topic or NULL (no dead-letter topic) */
	size_t requests_max_bytes; /* requests.max_bytes, default 65536 */

	char *aws_region;   /* aws.region; default AWS_REGION, AWS_DEFAULT_REGION;
			       always a region where sms-voice exists */
	char *aws_extra_regions; /* aws.extra_regions or NULL: regions beyond
				    region.c's table (region_listed()) */
	char *aws_endpoint; /* aws.endpoint or NULL; may contain {region} */
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

	char *metrics_listen; /* metrics.listen (loopback HOST:PORT) or NULL */
	int log_level; /* log.level, default info (syslog priority) */
};

/*
 * Loads @path, then applies @overrides ("key=value" strings, @noverrides of
 * them), fills defaults, checks required keys and every librdkafka property.
 * Returns 0; -ENOENT/-EACCES (or another negative errno of open/read, -EFBIG
 * over 16 MiB) when the file cannot be read, -EINVAL for a bad key or value,
 * -ENOMEM; on error @errbuf holds the one-line message.
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

/*
 * Sets the kafka.* properties, then the consumer.* (@consumer true) or
 * producer.* ones on @conf.  Returns 0 or -EINVAL with the message.
 */
int config_apply_kafka(const struct config *cfg, rd_kafka_conf_t *conf,
		       bool consumer, char *errbuf, size_t errlen);

#endif
