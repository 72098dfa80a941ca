/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_kafka.c - the librdkafka set-up shared by the consumer and the
 * producer: the layers of properties (our defaults, the user's, ours that
 * nobody overrides) and which of the user's lists each client gets, the
 * client.id we go by, the messages of a refused property, and creating a
 * client (which connects to nothing until it is used).
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "kafka.h"
#include "tap.h"

#define BASE                                                                   \
	"requests.topic = req\nresults.topic = res\naws.region = us-east-1\n" \
	"kafka.bootstrap.servers = 127.0.0.1:1\n"

/* The value of @name in @conf, or "" when librdkafka does not know it. */
static const char *get(rd_kafka_conf_t *conf, const char *name)
{
	static char value[256];
	size_t n = sizeof(value);

	if (rd_kafka_conf_get(conf, name, value, &n) != RD_KAFKA_CONF_OK)
		return "";
	return value;
}

static void test_set(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[256] = "";
	int r;

	r = kafka_set(conf, "producer", "linger.ms", "7", err, sizeof(err));
	is_int(r, 0, "kafka_set: a known property is set");
	is_str(get(conf, "linger.ms"), "7", "kafka_set: its value is in");
	r = kafka_set(conf, "producer", "no.such.thing", "1", err, sizeof(err));
	is_int(r, -EINVAL, "kafka_set: an unknown property is refused");
	ok(strncmp(err, "producer: no.such.thing: ", 25) == 0,
	   "kafka_set: the message names the client and the property (%s)",
	   err);
	r = kafka_set(conf, "consumer", "linger.ms", "x", NULL, 0);
	is_int(r, -EINVAL, "kafka_set: a bad value without errbuf");
	rd_kafka_conf_destroy(conf);
}

struct layer_case {
	const char *name;
	const char *file;
	bool consumer;
	const char *prop, *want; /* @prop of the built configuration */
};

static const struct kafka_prop defaults[] = {{"linger.ms", "11"}};
static const struct kafka_prop fixed[] = {{"batch.num.messages", "77"}};

static const struct layer_case layer_cases[] = {
	{"our default when the user says nothing", BASE, false, "linger.ms",
	 "11"},
	{"the user's kafka.* wins over our default",
	 BASE "kafka.linger.ms = 12\n", false, "linger.ms", "12"},
	{"producer.* wins over kafka.*",
	 BASE "kafka.linger.ms = 12\nproducer.linger.ms = 13\n", false,
	 "linger.ms", "13"},
	{"the consumer does not get producer.*",
	 BASE "producer.linger.ms = 13\n", true, "linger.ms", "11"},
	{"the consumer gets consumer.*",
	 BASE "consumer.session.timeout.ms = 12345\n", true,
	 "session.timeout.ms", "12345"},
	{"the fixed ones are set", BASE, false, "batch.num.messages", "77"},
	{"the fixed ones win over the user's",
	 BASE "producer.batch.num.messages = 78\n", false,
	 "batch.num.messages", "77"},
	{"client.id: ours by default", BASE, false, "client.id",
	 "optout-eraserd"},
	{"client.id: the user's when given", BASE "kafka.client.id = mine\n",
	 true, "client.id", "mine"},
};

static void test_layers(void)
{
	size_t i;

	for (i = 0; i < sizeof(layer_cases) / sizeof(layer_cases[0]); i++) {
		const struct layer_case *c = &layer_cases[i];
		struct config cfg;
		rd_kafka_conf_t *conf = NULL;
		char err[512] = "";
		int r;

		r = config_load_buffer(&cfg, "t.conf", c->file, strlen(c->file),
				       NULL, 0, err, sizeof(err));
		is_int(r, 0, "%s: configuration loads (%s)", c->name, err);
		if (r == 0)
			conf = kafka_conf_new(&cfg, c->consumer, "test",
					      defaults, 1, fixed, 1, err,
					      sizeof(err));
		ok(conf != NULL, "%s: configuration built (%s)", c->name, err);
		if (conf) {
			is_str(get(conf, c->prop), c->want, "%s: %s is %s",
			       c->name, c->prop, c->want);
			rd_kafka_conf_destroy(conf);
		}
		config_done(&cfg);
	}
}

static void test_refused(void)
{
	static const struct kafka_prop bad[] = {{"acks", "some"}};
	struct config cfg;
	rd_kafka_conf_t *conf;
	char err[512] = "";
	int r;

	r = config_load_buffer(&cfg, "t.conf", BASE, strlen(BASE), NULL, 0,
			       err, sizeof(err));
	is_int(r, 0, "refused: configuration loads");
	conf = kafka_conf_new(&cfg, false, "producer", NULL, 0, bad, 1, err,
			      sizeof(err));
	ok(conf == NULL, "refused: a bad fixed property fails the build");
	ok(strncmp(err, "producer: acks: ", 16) == 0,
	   "refused: the message names the client and the property (%s)",
	   err);
	conf = kafka_conf_new(&cfg, true, "consumer", bad, 1, NULL, 0, err,
			      sizeof(err));
	ok(conf == NULL, "refused: a bad default fails the build");
	ok(strncmp(err, "consumer: acks: ", 16) == 0,
	   "refused: the message names the consumer (%s)", err);
	config_done(&cfg);
}

static void test_new(void)
{
	struct config cfg;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	char err[512] = "";
	int r;

	r = config_load_buffer(&cfg, "t.conf", BASE, strlen(BASE), NULL, 0,
			       err, sizeof(err));
	is_int(r, 0, "new: configuration loads");
	conf = kafka_conf_new(&cfg, false, "producer", NULL, 0, fixed, 1, err,
			      sizeof(err));
	ok(conf != NULL, "new: configuration built");
	rk = conf ? kafka_new(RD_KAFKA_PRODUCER, conf, &cfg, "producer", err,
			      sizeof(err))
		  : NULL;
	ok(rk != NULL, "new: a producer is created (%s)", err);
	if (rk) {
		ok(rd_kafka_opaque(rk) == &cfg, "new: the opaque is set");
		ok(strncmp(rd_kafka_name(rk), "optout-eraserd", 14) == 0,
		   "new: the client goes by optout-eraserd (%s)",
		   rd_kafka_name(rk));
		rd_kafka_destroy(rk);
	}
	config_done(&cfg);
}

int main(void)
{
	test_set();
	test_layers();
	test_refused();
	test_new();
	return tap_done();
}
