/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the configuration file and -o overrides -> struct config.
 *
 * One static table, config_keys[], describes every key of our own: its type,
 * where it lives in struct config, its default (as text, parsed by the same
 * code as a value, so a default can never be out of range), its bounds and
 * whether it is required.  Keys with a kafka., consumer. or producer. prefix
 * are librdkafka properties: each is tried on a scratch rd_kafka_conf_t when
 * it is read, so a typo fails at start-up with librdkafka's own words, and
 * the properties the delivery guarantee depends on are refused outright.
 *
 * Loading runs in four steps: defaults, the file (a key given twice is an
 * error: it is more likely a mistake than an intent), the overrides (which
 * always win, later ones over earlier ones), then the checks that need the
 * whole picture (required keys, environment defaults, keys that must agree).
 * The first error stops the load; its one-line message names the place
 * ("FILE:LINE:", "-o:" or "FILE:") and the key.  Messages never repeat a
 * value from the file, which may be a password.
 *
 * Property values may be secrets (SASL and SSL passwords): every copy of the
 * file text and every property value is wiped before it is freed.
 *
 * @locality start-up (main thread).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "region.h"
#include "producer.h"

/* A configuration file larger than this is refused (it is not one). */
#define CONFIG_FILE_MAX (16u * 1024 * 1024)

/* Where a key got its value: a line number (> 0), or one of these. */
#define ORIGIN_UNSET 0
#define ORIGIN_OVERRIDE (-1)
#define ORIGIN_ENV (-2)

/* Kafka topic names: the broker's own rule. */
#define TOPIC_NAME_MAX 249

enum key_type {
	KEY_TOPIC,    /* char *, Kafka topic name, not empty */
	KEY_REGION,   /* char *, [a-z0-9-], not empty; sms-voice must exist
			 there (checked once every key is known) */
	KEY_REGIONS,  /* char *, region names of known partitions separated
			 by commas or blanks; empty = NULL */
	KEY_URL,      /* char *, http(s) URL, may hold {region}; empty = NULL */
	KEY_NAME,     /* char *, free text; empty = NULL */
	KEY_FILE,     /* char *, readable regular file; empty = NULL */
	KEY_LISTEN,   /* char *, loopback HOST:PORT; empty = NULL */
	KEY_UINT,     /* unsigned, min..max */
	KEY_SIZE,     /* size_t, min..max */
	KEY_RATE,     /* double, min..max */
	KEY_LOGLEVEL, /* int, log_level_parse() */
	KEY_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
};

struct config_key {
	const char *name;
	enum key_type type;
	size_t offset; /* of the field in struct config */
	const char *def; /* default, as text; NULL: none */
	unsigned long long min, max;
	bool required;
	const char *env[2]; /* consulted in order when the key is not given */
	const char *help;
};

#define FIELD(f) offsetof(struct config, f)

static const struct config_key config_keys[] = {
	{"requests.topic", KEY_TOPIC, FIELD(requests_topic), NULL, 0, 0, true,
	 {NULL, NULL}, "topic the deletion requests are consumed from"},
	{"results.topic", KEY_TOPIC, FIELD(results_topic), NULL, 0, 0, true,
	 {NULL, NULL}, "topic the outcomes are published to"},
	{"dlq.topic", KEY_TOPIC, FIELD(dlq_topic), NULL, 0, 0, false,
	 {NULL, NULL},
	 "dead-letter topic for records rejected unread (off when unset)"},
	{"requests.max_bytes", KEY_SIZE, FIELD(requests_max_bytes), "65536",
	 64, 16777216, false, {NULL, NULL},
	 "larger request records are rejected"},
	{"aws.region", KEY_REGION, FIELD(aws_region), NULL, 0, 0, true,
	 {"AWS_REGION", "AWS_DEFAULT_REGION"},
	 "region of requests that do not name a list ARN"},
	{"aws.extra_regions", KEY_REGIONS, FIELD(aws_extra_regions), NULL, 0,
	 0, false, {NULL, NULL},
	 "regions where sms-voice exists beyond the built-in table"},
	{"aws.endpoint", KEY_URL, FIELD(aws_endpoint), NULL, 0, 0, false,
	 {NULL, NULL}, "endpoint URL override, may contain {region}"},
	{"aws.profile", KEY_NAME, FIELD(aws_profile), NULL, 0, 0, false,
	 {NULL, NULL}, "profile in the shared credentials/config files"},
	{"aws.ca_file", KEY_FILE, FIELD(aws_ca_file), NULL, 0, 0, false,
	 {NULL, NULL}, "CA bundle for the endpoint instead of the system's"},
	{"aws.rate_limit", KEY_RATE, FIELD(aws_rate_limit), "10", 0, 100000,
	 false, {NULL, NULL}, "API calls per second per region, 0 = no limit"},
	{"retry.max_seconds", KEY_UINT, FIELD(retry_max_seconds), "900", 1,
	 86400, false, {NULL, NULL},
	 "how long a request may be retried before it ends as failed"},
	{"retry.base_ms", KEY_UINT, FIELD(retry_base_ms), "100", 1, 60000,
	 false, {NULL, NULL}, "first backoff delay"},
	{"retry.cap_ms", KEY_UINT, FIELD(retry_cap_ms), "20000", 1, 600000,
	 false, {NULL, NULL}, "longest backoff delay"},
	{"aws.use_fips_endpoint", KEY_BOOL, FIELD(aws_use_fips_endpoint),
	 "false", 0, 0, false, {"AWS_USE_FIPS_ENDPOINT", NULL},
	 "use the FIPS endpoints (sms-voice-fips.REGION...)"},
	{"aws.use_dualstack_endpoint", KEY_BOOL,
	 FIELD(aws_use_dualstack_endpoint), "false", 0, 0, false,
	 {"AWS_USE_DUALSTACK_ENDPOINT", NULL},
	 "use the dual-stack (IPv4 and IPv6) endpoints"},
	{"aws.rate_adaptive", KEY_BOOL, FIELD(aws_rate_adaptive), "true", 0, 0,
	 false, {NULL, NULL},
	 "slow down below aws.rate_limit when AWS throttles anyway"},
	{"retry.max_attempts", KEY_UINT, FIELD(retry_max_attempts), "0", 0,
	 1000000, false, {NULL, NULL},
	 "API calls per request at most, 0 = only retry.max_seconds limits"},
	{"retry.budget", KEY_UINT, FIELD(retry_budget), "500", 0, 1000000,
	 false, {NULL, NULL},
	 "retry tokens shared by the pool (a retry costs 5, a timeout 10)"},
	{"sender.workers", KEY_UINT, FIELD(sender_workers), "0", 0, 256, false,
	 {NULL, NULL}, "sender threads, 0 = one per CPU core"},
	{"sender.max_inflight", KEY_UINT, FIELD(sender_max_inflight), "256", 1,
	 100000, false, {NULL, NULL}, "requests being worked on at once"},
	{"http.connect_timeout_ms", KEY_UINT, FIELD(http_connect_timeout_ms),
	 "3000", 1, 300000, false, {NULL, NULL}, "TCP+TLS connect timeout"},
	{"http.max_connections", KEY_UINT, FIELD(http_max_connections), "64",
	 1, 10000, false, {NULL, NULL},
	 "API calls on the wire at once (one connection each), all workers"},
	{"http.timeout_ms", KEY_UINT, FIELD(http_timeout_ms), "10000", 1,
	 600000, false, {NULL, NULL}, "timeout of one API call"},
	{"shutdown.timeout_ms", KEY_UINT, FIELD(shutdown_timeout_ms), "30000",
	 1, 3600000, false, {NULL, NULL},
	 "how long a stop waits for in-flight requests"},
	{"metrics.listen", KEY_LISTEN, FIELD(metrics_listen), NULL, 0, 0,
	 false, {NULL, NULL},
	 "serve Prometheus metrics on this loopback HOST:PORT (off when unset)"},
	{"log.level", KEY_LOGLEVEL, FIELD(log_level), "info", 0, 0, false,
	 {NULL, NULL}, "err, warning, notice, info or debug"},
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

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

/* A key seen in the file, for "given twice". */
struct seen {
	char *key;
	int line;
	struct seen *next;
};

struct loader {
	struct config *cfg;
	const char *name;
	rd_kafka_conf_t *scratch; /* validates properties; created lazily */
	int origin[NKEYS];
	struct seen *seen;
	char *errbuf;
	size_t errlen;
};

static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Writes "PLACE: key: message" to the loader's errbuf and returns @err.
 * PLACE is "NAME:LINE" (origin > 0), "-o" or "NAME".
 */
__attribute__((format(printf, 5, 6))) static int
loader_fail(struct loader *ld, int origin, const char *key, int err,
	    const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	if (!ld->errbuf || ld->errlen == 0)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (origin > 0 && key)
		snprintf(ld->errbuf, ld->errlen, "%s:%d: %s: %s", ld->name,
			 origin, key, msg);
	else if (origin > 0)
		snprintf(ld->errbuf, ld->errlen, "%s:%d: %s", ld->name, origin,
			 msg);
	else if (origin == ORIGIN_OVERRIDE && key)
		snprintf(ld->errbuf, ld->errlen, "-o: %s: %s", key, msg);
	else if (origin == ORIGIN_OVERRIDE)
		snprintf(ld->errbuf, ld->errlen, "-o: %s", msg);
	else if (key)
		snprintf(ld->errbuf, ld->errlen, "%s: %s: %s", ld->name, key,
			 msg);
	else
		snprintf(ld->errbuf, ld->errlen, "%s: %s", ld->name, msg);
	return err;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims blanks at both ends of @s in place; returns the new start. */
static char *trim(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	s[len] = '\0';
	return s;
}

static const struct config_key *key_find(const char *name, size_t *ret_idx)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].name, name) == 0) {
			*ret_idx = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

static void *key_field(struct config *cfg, const struct config_key *k)
{
	return (char *)cfg + k->offset;
}

/* Strict unsigned decimal: digits only, no sign, no blanks, no overflow. */
static int parse_ull(const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *ret_v)
{
	unsigned long long v;
	const char *p;
	char *end = NULL;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || !end || *end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret_v = v;
	return 0;
}

/* Strict non-negative decimal number: digits with at most one '.'. */
static int parse_rate(const char *s, double min, double max, double *ret_v)
{
	const char *p;
	char *end = NULL;
	int dots = 0, digits = 0;
	double v;

	for (p = s; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p >= '0' && *p <= '9')
			digits++;
		else
			return -EINVAL;
	}
	if (digits == 0 || dots > 1)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || !end || *end != '\0')
		return -EINVAL;
	if (!(v >= min && v <= max))
		return -ERANGE;
	*ret_v = v;
	return 0;
}

static bool valid_topic(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n <= TOPIC_NAME_MAX;
}

static bool valid_region(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n <= REGION_NAME_MAX;
}

static bool has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int check_url(const char *s, char *msg, size_t msglen)
{
	const char *host, *p;

	if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		host = NULL;
	if (!host) {
		snprintf(msg, msglen, "must start with http:// or https://");
		return -EINVAL;
	}
	if (has_space_or_control(s)) {
		snprintf(msg, msglen,
			 "must not contain spaces or control characters");
		return -EINVAL;
	}
	if (*host == '\0' || *host == '/' || *host == ':') {
		snprintf(msg, msglen, "must name a host");
		return -EINVAL;
	}
	for (p = s; *p; p++) {
		if (*p == '{' && strncmp(p, "{region}", 8) == 0) {
			p += 7;
			continue;
		}
		if (*p == '{' || *p == '}') {
			snprintf(msg, msglen,
				 "only {region} may appear in braces");
			return -EINVAL;
		}
	}
	return 0;
}

/* A list of regions (aws.extra_regions): each a region name of a known
 * partition.  The entries are not repeated in the message (no value from
 * the file is); their position is. */
static int check_regions(const char *s, char *msg, size_t msglen)
{
	size_t entry = 0;

	switch (region_check_list(s, &entry)) {
	case REGION_OK:
		return 0;
	case REGION_NOT_A_NAME:
		snprintf(msg, msglen,
			 "entry %zu is not a region name (1 to %d characters "
			 "of a-z, 0-9 and '-'; entries are separated by commas "
			 "or blanks)",
			 entry, REGION_NAME_MAX);
		return -EINVAL;
	default:
		snprintf(msg, msglen,
			 "entry %zu is not a region of any AWS partition "
			 "(names look like ap-southeast-7)",
			 entry);
		return -EINVAL;
	}
}

static int check_file(const char *s, char *msg, size_t msglen)
{
	struct stat st;
	char tmp[128];

	if (access(s, R_OK) != 0 || stat(s, &st) != 0) {
		int err = errno;

		snprintf(msg, msglen, "cannot read: %s",
			 strerror_r(err, tmp, sizeof(tmp)));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "not a regular file");
		return -EINVAL;
	}
	return 0;
}

static bool is_loopback6(const char *host)
{
	struct in6_addr a6;

	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * metrics.listen: "HOST:PORT", HOST a loopback address (127.0.0.0/8, ::1
 * with or without brackets, or "localhost", taken as 127.0.0.1), PORT 0 to
 * 65535.  The metrics have no TLS and no authentication: they are for the
 * host only.  The same rule as metrics_listen_check(), kept here so that
 * the loader does not pull in the HTTP server.
 */
static bool valid_listen(const char *s)
{
	struct in_addr a4;
	char host[64];
	const char *colon, *p;
	unsigned long port = 0;
	size_t n;

	colon = strrchr(s, ':');
	if (!colon || colon == s || !colon[1] || strlen(colon + 1) > 5)
		return false;
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	n = (size_t)(colon - s);
	if (port > 65535 || n >= sizeof(host))
		return false;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		return is_loopback6(host);
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return is_loopback6(host);
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

/*
 * Parses @value as key @k and stores it in @cfg.  Returns 0, -EINVAL or
 * -ENOMEM with the message (without place or key) in @msg.
 */
/* 1 for true, 0 for false, -EINVAL otherwise. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

static int key_set(struct config *cfg, const struct config_key *k,
		   const char *value, char *msg, size_t msglen)
{
	void *field = key_field(cfg, k);
	unsigned long long u = 0;
	double d = 0;
	int ret;

	if (!*value && k->type != KEY_URL && k->type != KEY_NAME &&
	    k->type != KEY_FILE && k->type != KEY_LISTEN &&
	    k->type != KEY_REGIONS) {
		snprintf(msg, msglen, "must not be empty");
		return -EINVAL;
	}

	switch (k->type) {
	case KEY_TOPIC:
		if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
			snprintf(msg, msglen, "must not be '.' or '..'");
			return -EINVAL;
		}
		if (!valid_topic(value)) {
			snprintf(msg, msglen,
				 "must be 1 to %d characters of A-Z, a-z, "
				 "0-9, '.', '_' and '-'",
				 TOPIC_NAME_MAX);
			return -EINVAL;
		}
		return set_string(field, value, msg, msglen);
	case KEY_REGION:
		if (!valid_region(value)) {
			snprintf(msg, msglen,
				 "must be 1 to %d characters of a-z, 0-9 "
				 "and '-'",
				 REGION_NAME_MAX);
			return -EINVAL;
		}
		return set_string(field, value, msg, msglen);
	case KEY_REGIONS:
		ret = check_regions(value, msg, msglen);
		if (ret)
			return ret;
		return set_string(field, value, msg, msglen);
	case KEY_URL:
		if (*value) {
			ret = check_url(value, msg, msglen);
			if (ret)
				return ret;
		}
		return set_string(field, value, msg, msglen);
	case KEY_NAME:
		if (has_space_or_control(value) || strchr(value, '[') ||
		    strchr(value, ']')) {
			snprintf(msg, msglen,
				 "must not contain spaces, control characters "
				 "or brackets");
			return -EINVAL;
		}
		return set_string(field, value, msg, msglen);
	case KEY_FILE:
		if (*value) {
			ret = check_file(value, msg, msglen);
			if (ret)
				return ret;
		}
		return set_string(field, value, msg, msglen);
	case KEY_LISTEN:
		if (*value && !valid_listen(value)) {
			snprintf(msg, msglen,
				 "must be HOST:PORT with HOST a loopback "
				 "address (127.0.0.1, [::1] or localhost) and "
				 "PORT 0 to 65535");
			return -EINVAL;
		}
		return set_string(field, value, msg, msglen);
	case KEY_UINT:
	case KEY_SIZE:
		ret = parse_ull(value, k->min, k->max, &u);
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
		ret = parse_rate(value, (double)k->min, (double)k->max, &d);
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
		ret = parse_bool(value);
		if (ret < 0) {
			snprintf(msg, msglen,
				 "must be true or false (yes/no, on/off, 1/0)");
			return -EINVAL;
		}
		*(bool *)field = ret == 1;
		return 0;
	case KEY_LOGLEVEL:
		ret = log_level_parse(value);
		if (ret < 0) {
			snprintf(msg, msglen,
				 "must be one of err, warning, notice, info, "
				 "debug");
			return -EINVAL;
		}
		*(int *)field = ret;
		return 0;
	}
	snprintf(msg, msglen, "internal error: unhandled key type");
	return -EINVAL;
}

static void props_free(struct config_prop *p)
{
	struct config_prop *next;

	for (; p; p = next) {
		next = p->next;
		free(p->name);
		wipe_free(p->value);
		free(p);
	}
}

static const struct config_prop *props_find(const struct config_prop *p,
					    const char *name)
{
	for (; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Drops an earlier @name from *@list and appends name=value: later wins,
 * also over an alias given in between. */
static int props_put(struct config_prop **list, const char *name,
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
			props_free(old);
			continue;
		}
		pp = &(*pp)->next;
	}
	*pp = prop;
	prop = NULL;
out:
	props_free(prop);
	return ret;
}

/* Splits "kafka.x" into its list and "x"; NULL when not a property key. */
static struct config_prop **prop_list(struct config *cfg, const char *key,
				      const char **ret_name)
{
	static const struct {
		const char *prefix;
		size_t offset;
	} prefixes[] = {
		{"kafka.", FIELD(kafka)},
		{"consumer.", FIELD(consumer)},
		{"producer.", FIELD(producer)},
	};
	size_t i, n;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i].prefix);
		if (strncmp(key, prefixes[i].prefix, n) == 0) {
			*ret_name = key + n;
			return (struct config_prop **)((char *)cfg +
						       prefixes[i].offset);
		}
	}
	return NULL;
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

/* Checks one librdkafka property; the message is librdkafka's own where it
 * refuses it. */
static int prop_check(struct loader *ld, const char *name, const char *value,
		      char *msg, size_t msglen)
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
	if (!ld->scratch) {
		ld->scratch = rd_kafka_conf_new();
		if (!ld->scratch) {
			snprintf(msg, msglen, "out of memory");
			return -ENOMEM;
		}
	}
	errstr[0] = '\0';
	if (rd_kafka_conf_set(ld->scratch, name, value, errstr,
			      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		errstr_one_line(errstr);
		snprintf(msg, msglen, "%s",
			 errstr[0] ? errstr : "refused by librdkafka");
		return -EINVAL;
	}
	if (strcmp(name, "message.max.bytes") == 0 &&
	    strtoll(value, NULL, 10) < PRODUCER_MESSAGE_MIN) {
		snprintf(msg, msglen,
			 "must be at least %d (an outcome and its key must "
			 "fit in one message)",
			 PRODUCER_MESSAGE_MIN);
		return -EINVAL;
	}
	return 0;
}

static const struct seen *seen_find(const struct loader *ld, const char *key)
{
	const struct seen *s;

	for (s = ld->seen; s; s = s->next)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

static int seen_add(struct loader *ld, const char *key, int line)
{
	struct seen *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->key = strdup(key);
	if (!s->key) {
		free(s);
		return -ENOMEM;
	}
	s->line = line;
	s->next = ld->seen;
	ld->seen = s;
	return 0;
}

/* Applies key=value from the file (origin = line) or from -o. */
static int loader_set(struct loader *ld, int origin, const char *key,
		      const char *value)
{
	const struct config_key *k;
	struct config_prop **list;
	const struct seen *prev;
	const char *name = NULL;
	char msg[512];
	size_t idx = 0;
	int ret;

	k = key_find(key, &idx);
	if (k) {
		if (origin > 0 && ld->origin[idx] > 0)
			return loader_fail(ld, origin, key, -EINVAL,
					   "given twice (first at line %d)",
					   ld->origin[idx]);
		ret = key_set(ld->cfg, k, value, msg, sizeof(msg));
		if (ret)
			return loader_fail(ld, origin, key, ret, "%s", msg);
		ld->origin[idx] = origin;
		return 0;
	}

	list = prop_list(ld->cfg, key, &name);
	if (!list)
		return loader_fail(ld, origin, key, -EINVAL, "unknown key");
	if (origin > 0) {
		prev = seen_find(ld, key);
		if (prev)
			return loader_fail(ld, origin, key, -EINVAL,
					   "given twice (first at line %d)",
					   prev->line);
	}
	ret = prop_check(ld, name, value, msg, sizeof(msg));
	if (ret)
		return loader_fail(ld, origin, key, ret, "%s", msg);
	ret = props_put(list, name, value);
	if (ret == 0 && origin > 0)
		ret = seen_add(ld, key, origin);
	if (ret)
		return loader_fail(ld, origin, key, ret, "out of memory");
	return 0;
}

/* One line of the file, @len bytes at @text (no newline). */
static int loader_line(struct loader *ld, int lineno, const char *text,
		       size_t len)
{
	char *line = NULL, *key, *value, *eq;
	int ret = 0;

	if (memchr(text, '\0', len)) {
		ret = loader_fail(ld, lineno, NULL, -EINVAL,
				  "contains a NUL byte");
		goto out;
	}
	line = malloc(len + 1);
	if (!line) {
		ret = loader_fail(ld, lineno, NULL, -ENOMEM, "out of memory");
		goto out;
	}
	memcpy(line, text, len);
	line[len] = '\0';

	key = trim(line);
	if (*key == '\0' || *key == '#')
		goto out;
	eq = strchr(key, '=');
	if (!eq || eq == key) {
		/* Not echoed: the line may hold a secret. */
		ret = loader_fail(ld, lineno, NULL, -EINVAL,
				  "expected key = value");
		goto out;
	}
	*eq = '\0';
	value = trim(eq + 1);
	key = trim(key);
	ret = loader_set(ld, lineno, key, value);
out:
	wipe_free(line);
	return ret;
}

static int loader_override(struct loader *ld, const char *text)
{
	char *copy = NULL, *key, *value, *eq;
	int ret = 0;

	copy = strdup(text);
	if (!copy) {
		ret = loader_fail(ld, ORIGIN_OVERRIDE, NULL, -ENOMEM,
				  "out of memory");
		goto out;
	}
	eq = strchr(copy, '=');
	if (eq)
		*eq = '\0';
	key = trim(copy);
	if (!eq || *key == '\0') {
		ret = loader_fail(ld, ORIGIN_OVERRIDE, NULL, -EINVAL,
				  "'%s': expected key=value", text);
		goto out;
	}
	value = trim(eq + 1);
	ret = loader_set(ld, ORIGIN_OVERRIDE, key, value);
out:
	wipe_free(copy);
	return ret;
}

static int loader_defaults(struct loader *ld)
{
	char msg[256];
	size_t i;
	int ret;

	for (i = 0; i < NKEYS; i++) {
		if (!config_keys[i].def)
			continue;
		ret = key_set(ld->cfg, &config_keys[i], config_keys[i].def,
			      msg, sizeof(msg));
		if (ret)
			return loader_fail(ld, ORIGIN_UNSET,
					   config_keys[i].name, ret, "%s",
					   msg);
	}
	return 0;
}

/* Fills keys from the environment where the file and -o left them out. */
static int loader_env(struct loader *ld)
{
	const struct config_key *k;
	const char *v;
	char msg[256];
	size_t i, e;
	int ret;

	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (ld->origin[i] != ORIGIN_UNSET)
			continue;
		for (e = 0; e < 2 && k->env[e]; e++) {
			v = getenv(k->env[e]);
			if (!v || !*v)
				continue;
			ret = key_set(ld->cfg, k, v, msg, sizeof(msg));
			if (ret)
				return loader_fail(ld, ORIGIN_UNSET, k->name,
						   ret, "%s: %s", k->env[e],
						   msg);
			ld->origin[i] = ORIGIN_ENV;
			break;
		}
	}
	return 0;
}

static bool has_broker_list(const struct config_prop *p)
{
	for (; p; p = p->next)
		if (is_broker_list(p->name))
			return true;
	return false;
}

/* aws.region must be a region where sms-voice exists, by the table or by
 * aws.extra_regions (which may come later in the file or from -o: hence
 * here).  A value from the environment is named by its variable. */
static int loader_check_region(struct loader *ld)
{
	const struct config *cfg = ld->cfg;
	const struct config_key *k;
	const char *var = NULL, *v;
	enum region_status st;
	char why[256];
	size_t i = 0, e;

	st = region_check(NULL, cfg->aws_region, cfg->aws_extra_regions);
	if (st == REGION_OK)
		return 0;
	k = key_find("aws.region", &i);
	region_explain(st, NULL, cfg->aws_region, false, why, sizeof(why));
	if (ld->origin[i] == ORIGIN_ENV) {
		for (e = 0; e < 2 && k->env[e] && !var; e++) {
			v = getenv(k->env[e]);
			if (v && *v)
				var = k->env[e];
		}
		return loader_fail(ld, ORIGIN_UNSET, k->name, -EINVAL,
				   "%s: %s", var ? var : "environment", why);
	}
	return loader_fail(ld, ld->origin[i], k->name, -EINVAL, "%s", why);
}

/* The checks that need every key: required ones, and keys that agree. */
static int loader_finish(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	const struct config_key *k;
	size_t i, ibase = 0, icap = 0, iresults = 0;
	int ret;

	ret = loader_env(ld);
	if (ret)
		return ret;
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (!k->required || ld->origin[i] != ORIGIN_UNSET)
			continue;
		if (k->env[0])
			return loader_fail(ld, ORIGIN_UNSET, k->name, -EINVAL,
					   "required (or set %s)", k->env[0]);
		return loader_fail(ld, ORIGIN_UNSET, k->name, -EINVAL,
				   "required");
	}
	ret = loader_check_region(ld);
	if (ret)
		return ret;
	if (!has_broker_list(cfg->kafka) &&
	    !(has_broker_list(cfg->consumer) && has_broker_list(cfg->producer)))
		return loader_fail(ld, ORIGIN_UNSET, "kafka.bootstrap.servers",
				   -EINVAL, "required");

	key_find("results.topic", &iresults);
	if (strcmp(cfg->requests_topic, cfg->results_topic) == 0)
		return loader_fail(ld, ld->origin[iresults], "results.topic",
				   -EINVAL, "must differ from requests.topic");

	if (cfg->dlq_topic) {
		size_t idlq = 0;

		key_find("dlq.topic", &idlq);
		if (strcmp(cfg->dlq_topic, cfg->requests_topic) == 0 ||
		    strcmp(cfg->dlq_topic, cfg->results_topic) == 0)
			return loader_fail(ld, ld->origin[idlq], "dlq.topic",
					   -EINVAL,
					   "must differ from requests.topic "
					   "and results.topic");
	}

	key_find("retry.base_ms", &ibase);
	key_find("retry.cap_ms", &icap);
	if (cfg->retry_cap_ms < cfg->retry_base_ms) {
		if (ld->origin[icap] != ORIGIN_UNSET)
			return loader_fail(ld, ld->origin[icap],
					   "retry.cap_ms", -EINVAL,
					   "must not be less than "
					   "retry.base_ms (%u)",
					   cfg->retry_base_ms);
		return loader_fail(ld, ld->origin[ibase], "retry.base_ms",
				   -EINVAL,
				   "must not exceed retry.cap_ms (%u)",
				   cfg->retry_cap_ms);
	}

	if (!props_find(cfg->kafka, "group.id") &&
	    !props_find(cfg->consumer, "group.id")) {
		ret = props_put(&cfg->consumer, "group.id", "optout-eraser");
		if (ret)
			return loader_fail(ld, ORIGIN_UNSET,
					   "consumer.group.id", ret,
					   "out of memory");
	}
	return 0;
}

int config_load_buffer(struct config *cfg, const char *name, const char *buf,
		       size_t len, char *const *overrides, int noverrides,
		       char *errbuf, size_t errlen)
{
	struct loader ld;
	struct seen *s, *next;
	const char *nl;
	size_t pos = 0, n;
	int lineno = 0, i, ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.name = name;
	ld.errbuf = errbuf;
	ld.errlen = errlen;
	if (errbuf && errlen > 0)
		errbuf[0] = '\0';

	cfg->path = strdup(name);
	if (!cfg->path) {
		ret = loader_fail(&ld, ORIGIN_UNSET, NULL, -ENOMEM,
				  "out of memory");
		goto out;
	}
	ret = loader_defaults(&ld);
	if (ret)
		goto out;

	/* An editor's UTF-8 byte order mark is not part of the first key. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		if (lineno == INT_MAX) {
			ret = loader_fail(&ld, ORIGIN_UNSET, NULL, -EINVAL,
					  "too many lines");
			goto out;
		}
		lineno++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		ret = loader_line(&ld, lineno, buf + pos, n);
		if (ret)
			goto out;
		pos += n + 1;
	}

	for (i = 0; i < noverrides; i++) {
		ret = loader_override(&ld, overrides[i]);
		if (ret)
			goto out;
	}

	ret = loader_finish(&ld);
out:
	for (s = ld.seen; s; s = next) {
		next = s->next;
		free(s->key);
		free(s);
	}
	if (ld.scratch)
		rd_kafka_conf_destroy(ld.scratch);
	return ret;
}

/* Reads all of @path into a new buffer; the caller wipes and frees it. */
static int read_file(const char *path, char **ret_buf, size_t *ret_len,
		     char *errbuf, size_t errlen)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, ncap;
	char tmp[128];
	ssize_t n;
	int fd = -1, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(errbuf, errlen, "%s: cannot open: %s", path,
			 strerror_r(-ret, tmp, sizeof(tmp)));
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > CONFIG_FILE_MAX) {
				ret = -EFBIG;
				snprintf(errbuf, errlen,
					 "%s: larger than %u bytes", path,
					 CONFIG_FILE_MAX);
				goto out;
			}
			/* Grown by hand, not realloc(), so that no
			 * unwiped copy of a secret is left behind. */
			ncap = cap ? cap * 2 : 4096;
			if (ncap > CONFIG_FILE_MAX + 1)
				ncap = CONFIG_FILE_MAX + 1;
			nbuf = malloc(ncap);
			if (!nbuf) {
				ret = -ENOMEM;
				snprintf(errbuf, errlen, "%s: out of memory",
					 path);
				goto out;
			}
			if (buf) {
				memcpy(nbuf, buf, len);
				explicit_bzero(buf, len);
				free(buf);
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(errbuf, errlen, "%s: cannot read: %s", path,
				 strerror_r(-ret, tmp, sizeof(tmp)));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
out:
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

int config_load(struct config *cfg, const char *path,
		char *const *overrides, int noverrides, char *errbuf,
		size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (errbuf && errlen > 0)
		errbuf[0] = '\0';
	ret = read_file(path, &buf, &len, errbuf, errlen);
	if (ret) {
		cfg->path = strdup(path);
		goto out;
	}
	ret = config_load_buffer(cfg, path, buf, len, overrides, noverrides,
				 errbuf, errlen);
out:
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	return ret;
}

void config_done(struct config *cfg)
{
	size_t i;
	char **field;

	if (!cfg)
		return;
	props_free(cfg->kafka);
	props_free(cfg->consumer);
	props_free(cfg->producer);
	for (i = 0; i < NKEYS; i++) {
		switch (config_keys[i].type) {
		case KEY_TOPIC:
		case KEY_REGION:
		case KEY_REGIONS:
		case KEY_URL:
		case KEY_NAME:
		case KEY_FILE:
		case KEY_LISTEN:
			field = key_field(cfg, &config_keys[i]);
			free(*field);
			break;
		case KEY_UINT:
		case KEY_SIZE:
		case KEY_RATE:
		case KEY_LOGLEVEL:
		case KEY_BOOL:
			break;
		}
	}
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

static int apply_list(const struct config_prop *p, const char *prefix,
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

int config_apply_kafka(const struct config *cfg, rd_kafka_conf_t *conf,
		       bool consumer, char *errbuf, size_t errlen)
{
	int ret;

	ret = apply_list(cfg->kafka, "kafka.", conf, errbuf, errlen);
	if (ret)
		return ret;
	if (consumer)
		return apply_list(cfg->consumer, "consumer.", conf, errbuf,
				  errlen);
	return apply_list(cfg->producer, "producer.", conf, errbuf, errlen);
}

static bool str_differs(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool props_differ(const struct config_prop *a,
			 const struct config_prop *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (strcmp(a->name, b->name) != 0 ||
		    strcmp(a->value, b->value) != 0)
			return true;
	return a || b;
}

int config_diff(const struct config *a, const struct config *b,
		void (*changed)(const char *key, void *opaque), void *opaque)
{
	size_t i;
	int n = 0;

	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		const void *fa = key_field((struct config *)a, k);
		const void *fb = key_field((struct config *)b, k);
		bool diff = false;

		switch (k->type) {
		case KEY_TOPIC:
		case KEY_REGION:
		case KEY_REGIONS:
		case KEY_URL:
		case KEY_NAME:
		case KEY_FILE:
		case KEY_LISTEN:
			diff = str_differs(*(char *const *)fa,
					   *(char *const *)fb);
			break;
		case KEY_UINT:
			diff = *(const unsigned *)fa != *(const unsigned *)fb;
			break;
		case KEY_SIZE:
			diff = *(const size_t *)fa != *(const size_t *)fb;
			break;
		case KEY_RATE:
			diff = *(const double *)fa != *(const double *)fb;
			break;
		case KEY_LOGLEVEL:
			diff = *(const int *)fa != *(const int *)fb;
			break;
		case KEY_BOOL:
			diff = *(const bool *)fa != *(const bool *)fb;
			break;
		}
		if (diff) {
			changed(k->name, opaque);
			n++;
		}
	}
	if (props_differ(a->kafka, b->kafka)) {
		changed("kafka.*", opaque);
		n++;
	}
	if (props_differ(a->consumer, b->consumer)) {
		changed("consumer.*", opaque);
		n++;
	}
	if (props_differ(a->producer, b->producer)) {
		changed("producer.*", opaque);
		n++;
	}
	return n;
}
