/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_props.c - the librdkafka properties of the configuration: keys
 * with a kafka., consumer. or producer. prefix, passed through to
 * librdkafka in the order given.
 *
 * Each property is tried on a scratch rd_kafka_conf_t when it is read, so
 * that a typo fails at start-up in librdkafka's own words, and the ones
 * the delivery guarantee rests on (auto commit, idempotence, acks, ...)
 * are refused outright: kafka.c sets them; so are the two that would turn
 * TLS verification off (enable.ssl.certificate.verification = false,
 * ssl.endpoint.identification.algorithm = none).  Lists keep the order of the
 * file, a later value of a name replacing the earlier one.  Values may be
 * secrets (SASL and SSL passwords): they are wiped when freed and never
 * copied into a message.
 *
 * Called by config.c only (start-up and reload, main thread): the loader,
 * and config_apply_kafka() when kafka.c builds a client's configuration.
 * It knows the lists, not struct config.  The file-valued properties
 * (certificates, keys, keytabs) are checked for readability here too, so
 * that --check-config, --preflight and the start-up say the same thing.
 */
#include "config_props.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Properties whose value optout-eraserd sets itself. */
static const char *const reserved_props[] = {
	"enable.auto.commit",    /* offsets: stored only when results are */
	"auto.commit.enable",    /* ... acknowledged, committed by us */
	"enable.auto.offset.store",
	"enable.idempotence",    /* results: no duplicates from retries */
	"acks",                  /* results: acknowledged by every replica */
	"request.required.acks",
	"enable.partition.eof",  /* the consumer loop does not expect EOFs */
};

void config_props_free(struct config_prop *p)
{
	struct config_prop *next;

	for (; p; p = next) {
		next = p->next;
		free(p->name);
		util_secret_free(p->value);
		free(p);
	}
}

const struct config_prop *config_props_find(const struct config_prop *p,
					   const char *name)
{
	for (; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Drops an earlier @name from *@list and appends name=value: later wins,
 * also over an alias given in between. */
int config_props_put(struct config_prop **list, const char *name,
		     const char *value)
{
	struct config_prop *prop = NULL, **pp;
	int ret = 0;

	prop = calloc(1, sizeof(*prop));
	if (!prop) {
		ret = -ENOMEM;
		goto out;
	}
	prop->name = strdup(name);
	prop->value = strdup(value);
	if (!prop->name || !prop->value) {
		ret = -ENOMEM;
		goto out;
	}
	pp = list;
	while (*pp) {
		if (strcmp((*pp)->name, name) == 0) {
			struct config_prop *old = *pp;

			*pp = old->next;
			old->next = NULL;
			config_props_free(old);
			continue;
		}
		pp = &(*pp)->next;
	}
	*pp = prop;
	prop = NULL;
out:
	config_props_free(prop);
	return ret;
}

/* librdkafka's messages may end in a newline: ours are one line. */
static void errstr_one_line(char *s)
{
	size_t len = strlen(s), i;

	while (len > 0 && ((unsigned char)s[len - 1] <= 0x20))
		len--;
	s[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
}

static bool is_broker_list(const char *name)
{
	return strcmp(name, "bootstrap.servers") == 0 ||
	       strcmp(name, "metadata.broker.list") == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* TLS verification stays on: the properties that would turn it off are
 * refused whatever else is set (their value as librdkafka read it). */
static int check_tls(rd_kafka_conf_t *scratch, const char *name, char *msg,
		     size_t msglen)
{
	char v[64];
	size_t n = sizeof(v);

	if (strcmp(name, "enable.ssl.certificate.verification") != 0 &&
	    strcmp(name, "ssl.endpoint.identification.algorithm") != 0)
		return 0;
	if (rd_kafka_conf_get(scratch, name, v, &n) != RD_KAFKA_CONF_OK)
		return 0;
	if (!strcmp(v, "false") || !strcmp(v, "none")) {
		snprintf(msg, msglen, "must not turn TLS %s verification off "
			 "(optout-eraserd always verifies)",
			 name[0] == 'e' ? "certificate" : "host name");
		return -EINVAL;
	}
	return 0;
}

/* Checks one librdkafka property; the message is librdkafka's own where it
 * refuses it. */
int config_props_check(rd_kafka_conf_t **scratch, const char *name,
		       const char *value, char *msg, size_t msglen)
{
	char errstr[512];
	size_t i;

	if (!*name) {
		snprintf(msg, msglen, "property name missing");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(reserved_props) / sizeof(reserved_props[0]);
	     i++) {
		if (strcmp(name, reserved_props[i]) == 0) {
			snprintf(msg, msglen,
				 "is set by optout-eraserd (delivery "
				 "guarantee)");
			return -EINVAL;
		}
	}
	if (ends_with(name, "_cb") || strcmp(name, "opaque") == 0) {
		snprintf(msg, msglen, "is set by optout-eraserd (callback)");
		return -EINVAL;
	}
	if (is_broker_list(name) && !*value) {
		snprintf(msg, msglen, "must not be empty");
		return -EINVAL;
	}
	if (!*scratch) {
		*scratch = rd_kafka_conf_new();
		if (!*scratch) {
			snprintf(msg, msglen, "out of memory");
			return -ENOMEM;
		}
	}
	errstr[0] = '\0';
	if (rd_kafka_conf_set(*scratch, name, value, errstr,
			      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		errstr_one_line(errstr);
		snprintf(msg, msglen, "%s",
			 errstr[0] ? errstr : "refused by librdkafka");
		return -EINVAL;
	}
	if (check_tls(*scratch, name, msg, msglen))
		return -EINVAL;
	if (strcmp(name, "message.max.bytes") == 0 &&
	    strtoll(value, NULL, 10) < CONFIG_PROPS_MESSAGE_MIN) {
		snprintf(msg, msglen,
			 "must be at least %d (an outcome and its key must "
			 "fit in one message)",
			 CONFIG_PROPS_MESSAGE_MIN);
		return -EINVAL;
	}
	return 0;
}

bool config_props_has_brokers(const struct config_prop *p)
{
	for (; p; p = p->next)
		if (is_broker_list(p->name))
			return true;
	return false;
}

int config_props_apply(const struct config_prop *p, const char *prefix,
		       rd_kafka_conf_t *conf, char *errbuf, size_t errlen)
{
	char errstr[512];

	for (; p; p = p->next) {
		errstr[0] = '\0';
		if (rd_kafka_conf_set(conf, p->name, p->value, errstr,
				      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
			errstr_one_line(errstr);
			snprintf(errbuf, errlen, "%s%s: %s", prefix, p->name,
				 errstr);
			return -EINVAL;
		}
	}
	return 0;
}

bool config_props_differ(const struct config_prop *a,
			 const struct config_prop *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (strcmp(a->name, b->name) != 0 ||
		    strcmp(a->value, b->value) != 0)
			return true;
	return a || b;
}

/* Properties whose value names a file (or directory) librdkafka reads when
 * a client is made. */
static const char *const file_props[] = {
	"ssl.ca.location",      "ssl.certificate.location",
	"ssl.key.location",     "ssl.keystore.location",
	"ssl.crl.location",     "sasl.kerberos.keytab",
};

static bool is_file_prop(const struct config_prop *p)
{
	size_t i;

	/* "probe": librdkafka looks in the usual places itself. */
	if (strcmp(p->name, "ssl.ca.location") == 0 &&
	    strcmp(p->value, "probe") == 0)
		return false;
	for (i = 0; i < sizeof(file_props) / sizeof(file_props[0]); i++)
		if (strcmp(p->name, file_props[i]) == 0)
			return true;
	return false;
}

size_t config_props_files(const struct config_prop *p, const char *prefix,
			  config_props_file_fn *fn, void *opaque)
{
	size_t n = 0;

	for (; p; p = p->next) {
		if (!is_file_prop(p))
			continue;
		fn(opaque, prefix, p->name, p->value,
		   access(p->value, R_OK) < 0 ? -errno : 0);
		n++;
	}
	return n;
}

struct first_bad {
	char *errbuf;
	size_t errlen;
	int err;
};

static void note_bad(void *opaque, const char *prefix, const char *name,
		     const char *path, int err)
{
	struct first_bad *fb = opaque;

	if (!err || fb->err)
		return;
	fb->err = err;
	util_set_error(fb->errbuf, fb->errlen, "%s%s: %s: %s", prefix, name,
		       path, strerror(-err));
}

int config_props_check_files(const struct config_prop *p,
			     const char *prefix, char *errbuf, size_t errlen)
{
	struct first_bad fb = {errbuf, errlen, 0};

	config_props_files(p, prefix, note_bad, &fb);
	return fb.err;
}
