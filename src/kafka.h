/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kafka.h - the librdkafka client set-up that the requests consumer and the
 * results producer share: building the configuration (our defaults, then
 * the user's kafka.* and consumer.* or producer.* properties, then the
 * properties the delivery guarantee rests on), the client.id we go by, the
 * log callback into log.h, and creating the handle.
 *
 * @locality start-up (main thread); the log callback runs on librdkafka's
 *           threads and only calls log_msg(), which any thread may.
 */
#ifndef OPTOUT_KAFKA_H
#define OPTOUT_KAFKA_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

struct config;

/* One librdkafka property as name and value. */
struct kafka_prop {
	const char *name;
	const char *value;
};

/*
 * Sets @name=@value on @conf.  Returns 0, or -EINVAL with "WHO: NAME: why"
 * (librdkafka's words) in @errbuf.
 */
int kafka_set(rd_kafka_conf_t *conf, const char *who, const char *name,
	      const char *value, char *errbuf, size_t errlen);

/*
 * A new configuration for the consumer (@consumer true) or the producer:
 * the @ndefaults @defaults first (the user may change them), then the
 * user's properties of @cfg (config_apply_kafka()), then the @nfixed
 * @fixed ones (nobody may), client.id "optout-eraserd" unless the user
 * chose one, and the log callback.  @who ("consumer", "producer") starts
 * every message.  Returns the configuration (the caller owns it), or NULL
 * with the message in @errbuf.
 */
rd_kafka_conf_t *kafka_conf_new(const struct config *cfg, bool consumer,
				const char *who,
				const struct kafka_prop *defaults,
				size_t ndefaults,
				const struct kafka_prop *fixed, size_t nfixed,
				char *errbuf, size_t errlen);

/*
 * Creates the client of @type from @conf with @opaque as the callbacks'
 * opaque.  Takes @conf over in every case (the caller NULLs its pointer).
 * Returns the handle, or NULL with "WHO: why" in @errbuf.
 */
rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
		      void *opaque, const char *who, char *errbuf,
		      size_t errlen);

#endif
