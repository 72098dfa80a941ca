/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kafka.c - librdkafka client set-up shared by consumer.c and producer.c.
 *
 * Both clients are configured in the same three layers: defaults of ours
 * that the user may change, the user's kafka.* plus consumer.* or
 * producer.* properties (config.c has already tried each of them on a
 * scratch configuration and refused the reserved ones), and last the
 * properties our delivery guarantee rests on, which nothing overrides.
 * Both log through log.h and go by client.id "optout-eraserd" unless the
 * user names them.  What differs between the two (callbacks, queues,
 * subscribing) stays in their own modules.
 *
 * Called by consumer_new() and producer_new() on the main thread; the log
 * callback runs on librdkafka's threads.
 */
#include "kafka.h"

#include <errno.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define KAFKA_CLIENT_ID "optout-eraserd"

int kafka_set(rd_kafka_conf_t *conf, const char *who, const char *name,
	      const char *value, char *errbuf, size_t errlen)
{
	char err[256];

	err[0] = '\0';
	if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	util_set_error(errbuf, errlen, "%s: %s: %s", who, name, err);
	return -EINVAL;
}

static int set_all(rd_kafka_conf_t *conf, const char *who,
		   const struct kafka_prop *props, size_t n, char *errbuf,
		   size_t errlen)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = kafka_set(conf, who, props[i].name, props[i].value,
				errbuf, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* librdkafka's own default client.id is "rdkafka": ours says who we are. */
static int set_client_id(rd_kafka_conf_t *conf, const char *who,
			 char *errbuf, size_t errlen)
{
	char value[64];
	size_t vlen = sizeof(value);

	if (rd_kafka_conf_get(conf, "client.id", value, &vlen) !=
		    RD_KAFKA_CONF_OK ||
	    strcmp(value, "rdkafka") != 0)
		return 0;
	return kafka_set(conf, who, "client.id", KAFKA_CLIENT_ID, errbuf,
			 errlen);
}

/* librdkafka logs a broker failure ("FAIL") and also hands the same error
 * to the error callback, which consumer.c and producer.c log with what it
 * means for them: the log line is kept for debugging only, so that each
 * error is logged once. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac,
		   const char *buf)
{
	if (strcmp(fac, "FAIL") == 0 && level < LOG_DEBUG)
		level = LOG_DEBUG;
	log_msg(level, "kafka %s: %s: %s", rd_kafka_name(rk), fac, buf);
}

rd_kafka_conf_t *kafka_conf_new(const struct config *cfg, bool consumer,
				const char *who,
				const struct kafka_prop *defaults,
				size_t ndefaults,
				const struct kafka_prop *fixed, size_t nfixed,
				char *errbuf, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (!conf) {
		util_set_error(errbuf, errlen, "%s: out of memory", who);
		goto fail;
	}
	if (set_all(conf, who, defaults, ndefaults, errbuf, errlen) < 0 ||
	    config_apply_kafka(cfg, conf, consumer, errbuf, errlen) < 0 ||
	    set_all(conf, who, fixed, nfixed, errbuf, errlen) < 0 ||
	    set_client_id(conf, who, errbuf, errlen) < 0)
		goto fail;
	rd_kafka_conf_set_log_cb(conf, on_log);
	return conf;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	return NULL;
}

rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
		      void *opaque, const char *who, char *errbuf,
		      size_t errlen)
{
	rd_kafka_t *rk;
	char err[512];

	err[0] = '\0';
	rd_kafka_conf_set_opaque(conf, opaque);
	rk = rd_kafka_new(type, conf, err, sizeof(err));
	if (!rk) {
		util_set_error(errbuf, errlen, "%s: %s", who, err);
		rd_kafka_conf_destroy(conf);
	}
	return rk;
}
