/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_hint.c - messages for unknown keys that say how to fix them.
 *
 * The nearest key is found by the optimal string alignment distance
 * (Levenshtein with adjacent transpositions), over the table's keys and
 * over the three property prefixes; a suggestion is made only when it is
 * at most 3 edits away and the edits are at most a third of the key, so a
 * key that is simply unknown is not dressed up as a typo.  Whether a name
 * is a librdkafka property is asked of librdkafka itself on a scratch
 * configuration, so the answer follows the linked version.
 */
#include "config_hint.h"

#include <stdio.h>
#include <string.h>

#include "config_keys.h"

#define DIST_CAP 100
#define DIST_MAX 3

static const char *const prefixes[] = {"kafka.", "consumer.", "producer."};

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

unsigned config_hint_distance(const char *a, const char *b)
{
	unsigned d[3][DIST_CAP + 1]; /* rows i-2, i-1, i */
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned cost, v;

	if (la >= DIST_CAP || lb >= DIST_CAP)
		return DIST_CAP;
	for (j = 0; j <= lb; j++)
		d[1][j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		d[2][0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			cost = a[i - 1] != b[j - 1];
			v = min3(d[1][j] + 1, d[2][j - 1] + 1,
				 d[1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[0][j - 2] + 1 < v)
				v = d[0][j - 2] + 1;
			d[2][j] = v;
		}
		memcpy(d[0], d[1], sizeof(d[0]));
		memcpy(d[1], d[2], sizeof(d[1]));
	}
	return d[1][lb];
}

static bool near_enough(unsigned dist, const char *key)
{
	return dist > 0 && dist <= DIST_MAX && dist * 3 <= strlen(key);
}

/* The nearest key of the table, or a property with its prefix mended. */
static bool nearest(const char *key, char *buf, size_t len)
{
	const char *dot = strchr(key, '.');
	unsigned best = DIST_CAP, dist;
	char head[32];
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		dist = config_hint_distance(key, config_keys[i].name);
		if (dist < best && near_enough(dist, key)) {
			best = dist;
			snprintf(buf, len, "%s", config_keys[i].name);
		}
	}
	if (best < DIST_CAP || !dot || (size_t)(dot - key) + 2 > sizeof(head))
		return best < DIST_CAP;
	snprintf(head, sizeof(head), "%.*s", (int)(dot - key + 1), key);
	for (i = 0; i < 3; i++) {
		dist = config_hint_distance(head, prefixes[i]);
		if (dist > 0 && dist <= 2 && dist < best) {
			best = dist;
			snprintf(buf, len, "%s%s", prefixes[i], dot + 1);
		}
	}
	return best < DIST_CAP;
}

static bool is_rdkafka_property(const char *name, rd_kafka_conf_t **scratch)
{
	char err[256];

	if (!*scratch)
		*scratch = rd_kafka_conf_new();
	if (!*scratch)
		return false;
	/* An invalid value still proves the name known. */
	return rd_kafka_conf_set(*scratch, name, "", err, sizeof(err)) !=
	       RD_KAFKA_CONF_UNKNOWN;
}

static bool is_aws_key(const char *key)
{
	static const char *const names[] = {
		"access_key_id", "secret_access_key", "session_token",
		"aws_access_key_id", "aws_secret_access_key",
		"aws_session_token",
	};
	size_t i;

	if (strncmp(key, "aws.", 4) == 0)
		key += 4;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i]) == 0)
			return true;
	return false;
}

void config_hint_unknown(const char *key, rd_kafka_conf_t **scratch,
			 char *msg, size_t msglen)
{
	char near[256];

	if (is_aws_key(key))
		snprintf(msg, msglen,
			 "unknown key: AWS credentials are not configuration "
			 "keys; they come from the credential chain (the "
			 "environment, systemd credentials, the profile of "
			 "aws.profile, container or instance metadata: see "
			 "optout-eraserd(8), ENVIRONMENT)");
	else if (strcmp(key, "group.id") == 0)
		snprintf(msg, msglen,
			 "unknown key: librdkafka properties take a prefix: "
			 "write consumer.group.id");
	else if (is_rdkafka_property(key, scratch))
		snprintf(msg, msglen,
			 "unknown key: librdkafka properties take a prefix: "
			 "write kafka.%s (both clients), or consumer.%s or "
			 "producer.%s (one)",
			 key, key, key);
	else if (nearest(key, near, sizeof(near)))
		snprintf(msg, msglen, "unknown key (did you mean %s?)", near);
	else
		snprintf(msg, msglen, "unknown key");
}
