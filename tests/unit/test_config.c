/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c - unit tests of the configuration loader (src/config.c).
 *
 * Most cases are rows of tables: a key, a value and the exact one-line
 * message expected, checked once as a line of a file (where the message must
 * name the file and the line) and once as a -o override.  The file text is
 * built from a small valid base, minus the key under test, so each row
 * exercises exactly one thing.  The sample etc/optout-eraser.conf (found
 * through $top_srcdir, default ".") is loaded too: it must be valid, document
 * every key and agree with the built-in defaults.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config_secret.h"
#include "tap.h"

#define NAME "test.conf"
#define TEXT_MAX 8192

/* A valid configuration, one required key per line. */
static const struct {
	const char *key;
	const char *line;
} base[] = {
	{"kafka.bootstrap.servers", "kafka.bootstrap.servers = localhost:9092"},
	{"requests.topic", "requests.topic = requests"},
	{"results.topic", "results.topic = results"},
	{"aws.region", "aws.region = us-east-1"},
};

#define NBASE (sizeof(base) / sizeof(base[0]))

/* The tested line of file_with() is line 3 (after a comment and a blank). */
#define TESTED_LINE 3

struct text {
	char buf[TEXT_MAX];
	size_t len;
};

static void text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n + 1 > sizeof(t->buf)) {
		printf("Bail out! test text too long\n");
		exit(1);
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

static void text_line(struct text *t, const char *s)
{
	text_add(t, s);
	text_add(t, "\n");
}

/* "# ...", "", @line (if any), the base lines except @skip, @extra. */
static const char *file_with(struct text *t, const char *line,
			     const char *skip, const char *extra)
{
	size_t i;

	t->len = 0;
	t->buf[0] = '\0';
	text_line(t, "# a test configuration");
	text_line(t, "");
	if (line)
		text_line(t, line);
	for (i = 0; i < NBASE; i++)
		if (!skip || strcmp(base[i].key, skip) != 0)
			text_line(t, base[i].line);
	if (extra)
		text_line(t, extra);
	return t->buf;
}

static int load(struct config *cfg, const char *text, char *const *ov,
		int nov, char *err, size_t errlen)
{
	return config_load_buffer(cfg, NAME, text, strlen(text), ov, nov, err,
				  errlen);
}

static void expect_error(const char *what, const char *text, char *const *ov,
			 int nov, int want_ret, const char *want_msg)
{
	struct config cfg;
	char err[1024];
	int ret;

	err[0] = '\0';
	ret = load(&cfg, text, ov, nov, err, sizeof(err));
	is_int(ret, want_ret, "%s: fails", what);
	is_str(err, want_msg, "%s: message", what);
	config_done(&cfg);
}

/* The message librdkafka gives for name=value, without its newline. */
static void rdkafka_error(const char *name, const char *value, char *buf,
			  size_t len)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	size_t n;

	buf[0] = '\0';
	if (rd_kafka_conf_set(conf, name, value, buf, len) ==
	    RD_KAFKA_CONF_OK)
		snprintf(buf, len, "(librdkafka accepted it)");
	rd_kafka_conf_destroy(conf);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

static const char *prop_get(const struct config_prop *p, const char *name)
{
	for (; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p->value;
	return NULL;
}

static int prop_count(const struct config_prop *p)
{
	int n = 0;

	for (; p; p = p->next)
		n++;
	return n;
}

/*
 * Bad values: each is tried as line 3 of a file and as an override.
 */
struct bad {
	const char *key;
	const char *value;
	const char *msg;
};

static const char topic_msg[] =
	"must be 1 to 249 characters of A-Z, a-z, 0-9, '.', '_' and '-'";
static const char region_msg[] =
	"must be 1 to 31 characters of a-z, 0-9 and '-'";
static const char no_partition_msg[] = "the region is in no AWS partition";
#define NO_SERVICE_MSG(partition)                                           \
	"sms-voice does not exist in the region (partition " partition ") " \
	"as far as this build knows; if AWS has launched it there, add the " \
	"region to aws.extra_regions"
static const char rate_msg[] =
	"must be a number between 0 and 100000 (0 = no limit)";
static const char level_msg[] =
	"must be one of err, warning, notice, info, debug";
static const char listen_msg[] =
	"must be HOST:PORT with HOST an IPv4 address, an IPv6 address in "
	"brackets or localhost, and PORT 0 to 65535";

static const struct bad bad_values[] = {
	{"requests.topic", "", "must not be empty"},
	{"requests.topic", "a b", topic_msg},
	{"requests.topic", "a/b", topic_msg},
	{"requests.topic", "orders#main", topic_msg},
	{"requests.topic", "t\xc3\xa9st", topic_msg},
	{"requests.topic", ".", "must not be '.' or '..'"},
	{"requests.topic", "..", "must not be '.' or '..'"},
	{"results.topic", "", "must not be empty"},
	{"results.topic", "res:ults", topic_msg},
	{"results.topic", "..", "must not be '.' or '..'"},
	{"aws.region", "", "must not be empty"},
	{"aws.region", "US-EAST-1", region_msg},
	{"aws.region", "us_east_1", region_msg},
	{"aws.region", "us east 1", region_msg},
	/* 31 characters pass the syntax; no partition has such a region */
	{"aws.region", "abcdefghijklmnopqrstuvwxyz-1234", no_partition_msg},
	{"aws.region", "abcdefghijklmnopqrstuvwxyz-12345", region_msg},
	{"aws.endpoint", "ftp://example.com", "must start with http:// or "
					       "https://"},
	{"aws.endpoint", "localhost:8080", "must start with http:// or "
					    "https://"},
	{"aws.endpoint", "http://", "must name a host"},
	{"aws.endpoint", "https:///path", "must name a host"},
	{"aws.endpoint", "https://:443", "must name a host"},
	{"aws.endpoint", "http://a b", "must not contain spaces or control "
					"characters"},
	{"aws.endpoint", "http://{foo}.example.com", "only {region} may "
						      "appear in braces"},
	{"aws.endpoint", "http://x.example.com}", "only {region} may appear "
						   "in braces"},
	{"aws.endpoint", "http://{region", "only {region} may appear in "
					   "braces"},
	{"aws.profile", "a b", "must not contain spaces, control characters "
			       "or brackets"},
	{"aws.profile", "prof]ile", "must not contain spaces, control "
				    "characters or brackets"},
	{"aws.role.12345678901", "arn:aws:iam::12345678901:role/r",
	 "the account id after aws.role. must be 12 digits"},
	{"aws.role.1234567890123", "arn:aws:iam::123456789012:role/r",
	 "the account id after aws.role. must be 12 digits"},
	{"aws.role.123456789012", "arn:aws:iam::123456789012:user/r",
	 "\"arn:aws:iam::123456789012:user/r\" is not an IAM role ARN "
	 "(arn:aws:iam::123456789012:role/NAME)"},
	{"aws.role.123456789012", "arn:aws:iam::210987654321:role/r",
	 "the role is in account 210987654321, not 123456789012"},
	{"aws.ca_file", "/nonexistent/ca.pem",
	 "cannot read: No such file or directory"},
	{"aws.ca_file", "/", "not a regular file"},
	{"aws.rate_limit", "", "must not be empty"},
	{"aws.rate_limit", "abc", rate_msg},
	{"aws.rate_limit", "-1", rate_msg},
	{"aws.rate_limit", "1e3", rate_msg},
	{"aws.rate_limit", "nan", rate_msg},
	{"aws.rate_limit", "inf", rate_msg},
	{"aws.rate_limit", "1..2", rate_msg},
	{"aws.rate_limit", ".", rate_msg},
	{"aws.rate_limit", "0x10", rate_msg},
	{"aws.rate_limit", "1,5", rate_msg},
	{"aws.rate_limit", "10 rps", rate_msg},
	{"aws.rate_limit", "100000.5", rate_msg},
	{"aws.rate_limit", "100001", rate_msg},
	{"metrics.listen", "127.0.0.1:9464", NULL},
	{"metrics.listen", "localhost:0", NULL},
	{"metrics.listen", "[::1]:9464", NULL},
	{"metrics.listen", "::1:65535", NULL},
	{"metrics.listen", "127.9.8.7:80", NULL},
	{"metrics.listen", "", NULL}, /* off */
	{"metrics.listen", "0.0.0.0:9464", NULL},
	{"metrics.listen", "192.168.1.10:9464", NULL},
	{"metrics.listen", "[::]:9464", NULL},
	{"metrics.listen", "fd00::1:9464", listen_msg},
	{"metrics.listen", "metrics.example.com:9464", listen_msg},
	{"metrics.listen", "127.0.0.1", listen_msg},
	{"metrics.listen", "127.0.0.1:", listen_msg},
	{"metrics.listen", ":9464", listen_msg},
	{"metrics.listen", "127.0.0.1:65536", listen_msg},
	{"metrics.listen", "127.0.0.1:http", listen_msg},
	{"metrics.listen", "[127.0.0.1]:9464", listen_msg},
	{"log.level", "", "must not be empty"},
	{"log.level", "loud", level_msg},
	{"log.level", "8", level_msg},
	{"log.level", "info debug", level_msg},
};

/* Unsigned keys: generated bad values around their bounds. */
static const struct {
	const char *key;
	unsigned long long min, max;
	size_t offset;
	bool is_size;
	const char *extra; /* a line the bounds need to be valid */
} numeric[] = {
	{"requests.max_bytes", 64, 16777216,
	 offsetof(struct config, requests_max_bytes), true, NULL},
	{"retry.max_seconds", 1, 86400,
	 offsetof(struct config, retry_max_seconds), false, NULL},
	{"retry.base_ms", 1, 60000, offsetof(struct config, retry_base_ms),
	 false, "retry.cap_ms = 600000"},
	{"retry.cap_ms", 1, 600000, offsetof(struct config, retry_cap_ms),
	 false, "retry.base_ms = 1"},
	{"sender.workers", 0, 256, offsetof(struct config, sender_workers),
	 false, NULL},
	{"retry.max_attempts", 0, 1000000,
	 offsetof(struct config, retry_max_attempts), false, NULL},
	{"retry.budget", 0, 1000000, offsetof(struct config, retry_budget),
	 false, NULL},
	{"sender.max_inflight", 1, 100000,
	 offsetof(struct config, sender_max_inflight), false, NULL},
	{"http.connect_timeout_ms", 1, 300000,
	 offsetof(struct config, http_connect_timeout_ms), false, NULL},
	{"http.max_connections", 1, 10000,
	 offsetof(struct config, http_max_connections), false, NULL},
	{"http.timeout_ms", 1, 600000,
	 offsetof(struct config, http_timeout_ms), false, NULL},
	{"shutdown.timeout_ms", 1, 3600000,
	 offsetof(struct config, shutdown_timeout_ms), false, NULL},
};

static unsigned long long numeric_get(const struct config *cfg, size_t i)
{
	const char *field = (const char *)cfg + numeric[i].offset;

	if (numeric[i].is_size)
		return *(const size_t *)(const void *)field;
	return *(const unsigned *)(const void *)field;
}

/* Tries key=value as line 3 of a file and as -o; NULL msg: accepted. */
static void try_value(const char *key, const char *value, const char *msg,
		      const char *extra)
{
	struct text t;
	char line[512], want[1024], what[600], ovbuf[512];
	char *ov[1] = {ovbuf};
	struct config cfg;
	char err[1024];
	int ret;

	snprintf(line, sizeof(line), "%s = %s", key, value);
	snprintf(what, sizeof(what), "file: %s = '%s'", key, value);
	file_with(&t, line, key, extra);
	if (msg) {
		snprintf(want, sizeof(want), NAME ":%d: %s: %s", TESTED_LINE,
			 key, msg);
		expect_error(what, t.buf, NULL, 0, -EINVAL, want);
	} else {
		ret = load(&cfg, t.buf, NULL, 0, err, sizeof(err));
		is_int(ret, 0, "%s: accepted (%s)", what, err);
		config_done(&cfg);
	}

	snprintf(ovbuf, sizeof(ovbuf), "%s=%s", key, value);
	snprintf(what, sizeof(what), "-o %s", ovbuf);
	file_with(&t, NULL, NULL, extra);
	if (msg) {
		snprintf(want, sizeof(want), "-o: %s: %s", key, msg);
		expect_error(what, t.buf, ov, 1, -EINVAL, want);
	} else {
		ret = load(&cfg, t.buf, ov, 1, err, sizeof(err));
		is_int(ret, 0, "%s: accepted (%s)", what, err);
		config_done(&cfg);
	}
}

static void test_bools(void)
{
	static const struct {
		const char *value;
		int want; /* -1: refused */
	} bools[] = {
		{"true", 1}, {"yes", 1}, {"on", 1}, {"1", 1}, {"TRUE", 1},
		{"false", 0}, {"no", 0}, {"off", 0}, {"0", 0}, {"Off", 0},
		{"maybe", -1}, {"2", -1}, {"truee", -1}, {"", -1},
	};
	const char *msg = "must be true or false (yes/no, on/off, 1/0)";
	struct config cfg;
	struct text t;
	char line[128], err[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (bools[i].want < 0) {
			try_value("aws.rate_adaptive", bools[i].value,
				  bools[i].value[0] ? msg
						    : "must not be empty",
				  NULL);
			continue;
		}
		snprintf(line, sizeof(line), "aws.use_fips_endpoint = %s",
			 bools[i].value);
		ret = load(&cfg, file_with(&t, line, "aws.use_fips_endpoint",
					   NULL),
			   NULL, 0, err, sizeof(err));
		is_int(ret, 0, "bool '%s' accepted (%s)", bools[i].value, err);
		is_int(cfg.aws_use_fips_endpoint, bools[i].want,
		       "bool '%s' parsed", bools[i].value);
		config_done(&cfg);
	}
	setenv("AWS_USE_DUALSTACK_ENDPOINT", "true", 1);
	ret = load(&cfg, file_with(&t, NULL, NULL, NULL), NULL, 0, err,
		   sizeof(err));
	ok(ret == 0 && cfg.aws_use_dualstack_endpoint,
	   "AWS_USE_DUALSTACK_ENDPOINT=true is the default");
	config_done(&cfg);
	unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
}

static void test_bad_values(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
		try_value(bad_values[i].key, bad_values[i].value,
			  bad_values[i].msg, NULL);
}

/* aws.role.ACCOUNT: a family of keys, kept by account. */
static void test_roles(void)
{
	struct config cfg;
	char err[1024] = "";
	const struct config_prop *p;
	struct text t;

	try_value("aws.role.210987654321",
		  "arn:aws:iam::210987654321:role/path/optout", NULL, NULL);
	file_with(&t, "aws.role.210987654321 = arn:aws:iam::210987654321:"
		  "role/a\naws.role.333344445555 = arn:aws-cn:iam::"
		  "333344445555:role/b", NULL, NULL);
	is_int(load(&cfg, t.buf, NULL, 0, err, sizeof(err)), 0,
	       "two roles load (%s)", err);
	p = config_props_find(cfg.aws_roles, "210987654321");
	is_str(p ? p->value : NULL, "arn:aws:iam::210987654321:role/a",
	       "roles: kept by account");
	p = config_props_find(cfg.aws_roles, "333344445555");
	is_str(p ? p->value : NULL, "arn:aws-cn:iam::333344445555:role/b",
	       "roles: the second");
	config_done(&cfg);
}

/*
 * aws.region must be a region where sms-voice exists (the table, or
 * aws.extra_regions given anywhere: before, after, or as -o).
 */
static void test_regions(void)
{
	static const struct {
		const char *key;
		const char *value;
		const char *msg; /* NULL: accepted */
		const char *extra;
	} rows[] = {
		{"aws.region", "mars", no_partition_msg, NULL},
		{"aws.region", "mars-east-1", no_partition_msg, NULL},
		{"aws.region", "xx-future-1", no_partition_msg, NULL},
		{"aws.region", "mars", no_partition_msg,
		 "aws.extra_regions = ap-southeast-7"},
		{"aws.region", "cn-north-1", NO_SERVICE_MSG("aws-cn"), NULL},
		{"aws.region", "us-iso-east-1", NO_SERVICE_MSG("aws-iso"), NULL},
		{"aws.region", "ap-southeast-7", NO_SERVICE_MSG("aws"), NULL},
		{"aws.region", "ap-southeast-7", NO_SERVICE_MSG("aws"),
		 "aws.extra_regions = ap-southeast-8"},
		{"aws.region", "us-gov-west-1", NULL, NULL},
		{"aws.region", "us-gov-east-1", NULL, NULL},
		{"aws.region", "eu-central-2", NULL, NULL},
		{"aws.region", "ap-southeast-6", NULL, NULL},
		{"aws.region", "ap-southeast-7", NULL,
		 "aws.extra_regions = ap-southeast-7"},
		{"aws.region", "cn-north-1", NULL,
		 "aws.extra_regions = cn-northwest-1, cn-north-1"},
		{"aws.extra_regions", "", NULL, NULL},
		{"aws.extra_regions", "ap-southeast-7", NULL, NULL},
		{"aws.extra_regions", "ap-southeast-7, eu-west-9\tcn-north-2",
		 NULL, NULL},
		{"aws.extra_regions", "us-east-1", NULL, NULL},
		{"aws.extra_regions", "mars",
		 "entry 1 is not a region of any AWS partition (names look "
		 "like ap-southeast-7)",
		 NULL},
		{"aws.extra_regions", "ap-southeast-7,mars-east-1",
		 "entry 2 is not a region of any AWS partition (names look "
		 "like ap-southeast-7)",
		 NULL},
		{"aws.extra_regions", "ap-southeast-7 AP-EAST-9",
		 "entry 2 is not a region name (1 to 31 characters of a-z, "
		 "0-9 and '-'; entries are separated by commas or blanks)",
		 NULL},
		{"erase.regions", "us-east-1, eu-west-2", NULL, NULL},
		{"erase.regions", "us-east-1 ap-southeast-7", "entry 2: sms-voice does not exist in region \"ap-southeast-7\" "
		 "(partition aws) as far as this build knows; if AWS has "
		 "launched it there, add the region to aws.extra_regions",
		 NULL},
		{"erase.regions", "us-east-1 ap-southeast-7", NULL,
		 "aws.extra_regions = ap-southeast-7"},
		{"erase.regions", "us-east-1;mars",
		 "entry 1 is not a region name (1 to 31 characters of a-z, "
		 "0-9 and '-'; entries are separated by commas or blanks)",
		 NULL},
		{"erase.list_cache_seconds", "1", NULL, NULL},
		{"erase.list_cache_seconds", "86400", NULL, NULL},
		{"aws.extra_regions", "ap-southeast-7;eu-west-9",
		 "entry 1 is not a region name (1 to 31 characters of a-z, "
		 "0-9 and '-'; entries are separated by commas or blanks)",
		 NULL},
	};
	char *ov[] = {"aws.extra_regions=ap-southeast-7"};
	struct config cfg;
	struct text t;
	char err[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		try_value(rows[i].key, rows[i].value, rows[i].msg,
			  rows[i].extra);

	/* the list may come after the region, from -o */
	file_with(&t, "aws.region = ap-southeast-7", "aws.region", NULL);
	ret = load(&cfg, t.buf, ov, 1, err, sizeof(err));
	is_int(ret, 0, "aws.extra_regions from -o admits aws.region (%s)",
	       err);
	is_str(cfg.aws_region, "ap-southeast-7", "extra region: aws.region");
	is_str(cfg.aws_extra_regions, "ap-southeast-7",
	       "extra region: aws.extra_regions kept");
	config_done(&cfg);
	ret = load(&cfg, file_with(&t, NULL, NULL, NULL), NULL, 0, err,
		   sizeof(err));
	is_int(ret, 0, "base loads (%s)", err);
	ok(cfg.aws_extra_regions == NULL, "aws.extra_regions: none by default");
	config_done(&cfg);
}

static void test_topic_lengths(void)
{
	char name[260];
	struct config cfg;
	struct text t;
	char line[300], err[512];
	int ret;

	memset(name, 'a', 249);
	name[249] = '\0';
	try_value("requests.topic", name, NULL, NULL);
	snprintf(line, sizeof(line), "requests.topic = %s", name);
	ret = load(&cfg, file_with(&t, line, "requests.topic", NULL), NULL, 0,
		   err, sizeof(err));
	is_int(ret, 0, "249-character topic loads");
	is_int(cfg.requests_topic ? strlen(cfg.requests_topic) : 0, 249,
	       "249-character topic kept whole");
	config_done(&cfg);

	memset(name, 'a', 250);
	name[250] = '\0';
	try_value("requests.topic", name, topic_msg, NULL);
	try_value("results.topic", "a.b_c-D9", NULL, NULL);
}

static void test_numeric(void)
{
	static const char *const junk[] = {
		"abc", "-1", "-0", "12x", "1 2", "+5", "0x10", "1.5", "1e3",
		"99999999999999999999999", "18446744073709551616",
		"\xef\xbc\x91",
	};
	char msg[128], value[64];
	struct config cfg;
	struct text t;
	char line[128], err[512];
	size_t i, j;
	int ret;

	for (i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++) {
		const char *key = numeric[i].key;

		snprintf(msg, sizeof(msg),
			 "must be an integer between %llu and %llu",
			 numeric[i].min, numeric[i].max);
		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++)
			try_value(key, junk[j], msg, numeric[i].extra);
		try_value(key, "", "must not be empty", numeric[i].extra);
		snprintf(value, sizeof(value), "%llu", numeric[i].min - 1);
		try_value(key, value, msg, numeric[i].extra);
		snprintf(value, sizeof(value), "%llu", numeric[i].max + 1);
		try_value(key, value, msg, numeric[i].extra);

		/* Both bounds are accepted and stored exactly. */
		snprintf(value, sizeof(value), "%llu", numeric[i].min);
		snprintf(line, sizeof(line), "%s = %s", key, value);
		ret = load(&cfg, file_with(&t, line, NULL, numeric[i].extra),
			   NULL, 0, err, sizeof(err));
		is_int(ret, 0, "%s = min loads (%s)", key, err);
		is_int(numeric_get(&cfg, i), numeric[i].min, "%s = min stored",
		       key);
		config_done(&cfg);

		snprintf(line, sizeof(line), "%s = 00%llu", key,
			 numeric[i].max);
		ret = load(&cfg, file_with(&t, line, NULL, numeric[i].extra),
			   NULL, 0, err, sizeof(err));
		is_int(ret, 0, "%s = max loads (%s)", key, err);
		is_int(numeric_get(&cfg, i), numeric[i].max, "%s = max stored",
		       key);
		config_done(&cfg);
	}
}

static void test_defaults(void)
{
	struct config cfg;
	struct text t;
	char err[512];
	int ret;

	ret = load(&cfg, file_with(&t, NULL, NULL, NULL), NULL, 0, err,
		   sizeof(err));
	is_int(ret, 0, "minimal file loads (%s)", err);
	is_str(err, "", "minimal file: no message");
	is_str(cfg.path, NAME, "path is the name");
	is_str(cfg.requests_topic, "requests", "requests.topic");
	is_str(cfg.results_topic, "results", "results.topic");
	is_str(cfg.aws_region, "us-east-1", "aws.region");
	is_int(cfg.requests_max_bytes, 65536, "requests.max_bytes default");
	ok(cfg.aws_endpoint == NULL, "aws.endpoint default NULL");
	ok(cfg.aws_profile == NULL, "aws.profile default NULL");
	ok(cfg.aws_ca_file == NULL, "aws.ca_file default NULL");
	ok(cfg.aws_rate_limit == 10.0, "aws.rate_limit default 10");
	is_int(cfg.retry_max_seconds, 900, "retry.max_seconds default");
	is_int(cfg.retry_base_ms, 100, "retry.base_ms default");
	is_int(cfg.retry_cap_ms, 20000, "retry.cap_ms default");
	is_int(cfg.sender_workers, 0, "sender.workers default (one per core)");
	is_int(cfg.retry_max_attempts, 0, "retry.max_attempts default");
	is_int(cfg.retry_budget, 500, "retry.budget default");
	ok(cfg.aws_rate_adaptive, "aws.rate_adaptive default true");
	ok(!cfg.aws_use_fips_endpoint, "aws.use_fips_endpoint default false");
	ok(!cfg.aws_use_dualstack_endpoint,
	   "aws.use_dualstack_endpoint default false");
	is_int(cfg.sender_max_inflight, 256, "sender.max_inflight default");
	is_int(cfg.http_connect_timeout_ms, 3000,
	       "http.connect_timeout_ms default");
	is_int(cfg.http_timeout_ms, 10000, "http.timeout_ms default");
	is_int(cfg.shutdown_timeout_ms, 30000, "shutdown.timeout_ms default");
	is_int(cfg.log_level, LOG_INFO, "log.level default");
	is_str(prop_get(cfg.kafka, "bootstrap.servers"), "localhost:9092",
	       "kafka.bootstrap.servers stored without prefix");
	is_int(prop_count(cfg.kafka), 1, "one kafka property");
	is_str(prop_get(cfg.consumer, "group.id"), "optout-eraser",
	       "consumer.group.id defaults to optout-eraser");
	is_int(prop_count(cfg.consumer), 1, "only the default group.id");
	ok(cfg.producer == NULL, "no producer properties");
	config_done(&cfg);
	ok(cfg.path == NULL && cfg.kafka == NULL && cfg.consumer == NULL,
	   "config_done zeroes");
	config_done(&cfg);
	config_done(NULL);
	ok(1, "config_done twice and on NULL");
}

static void test_full(const char *ca_file)
{
	struct config cfg;
	struct text t;
	char line[512], err[512];
	int ret;

	t.len = 0;
	text_line(&t, "kafka.bootstrap.servers = b1:9092,b2:9092");
	text_line(&t, "kafka.client.id = eraser-1");
	text_line(&t, "consumer.group.id = erasers");
	text_line(&t, "consumer.session.timeout.ms = 6000");
	text_line(&t, "producer.linger.ms = 20");
	text_line(&t, "requests.topic = optout-deletions");
	text_line(&t, "results.topic = optout-deletion-results");
	text_line(&t, "requests.max_bytes = 1024");
	text_line(&t, "aws.region = eu-west-1");
	text_line(&t, "aws.endpoint = https://sms-voice.{region}.example.com");
	text_line(&t, "aws.profile = erasure");
	snprintf(line, sizeof(line), "aws.ca_file = %s", ca_file);
	text_line(&t, line);
	text_line(&t, "aws.rate_limit = 2.5");
	text_line(&t, "retry.max_seconds = 60");
	text_line(&t, "retry.base_ms = 50");
	text_line(&t, "retry.cap_ms = 5000");
	text_line(&t, "sender.workers = 3");
	text_line(&t, "sender.max_inflight = 17");
	text_line(&t, "http.connect_timeout_ms = 1500");
	text_line(&t, "http.timeout_ms = 4000");
	text_line(&t, "shutdown.timeout_ms = 9000");
	text_line(&t, "log.level = debug");

	ret = load(&cfg, t.buf, NULL, 0, err, sizeof(err));
	is_int(ret, 0, "full file loads (%s)", err);
	is_str(cfg.requests_topic, "optout-deletions", "full: requests.topic");
	is_str(cfg.results_topic, "optout-deletion-results",
	       "full: results.topic");
	is_int(cfg.requests_max_bytes, 1024, "full: requests.max_bytes");
	is_str(cfg.aws_region, "eu-west-1", "full: aws.region");
	is_str(cfg.aws_endpoint, "https://sms-voice.{region}.example.com",
	       "full: aws.endpoint");
	is_str(cfg.aws_profile, "erasure", "full: aws.profile");
	is_str(cfg.aws_ca_file, ca_file, "full: aws.ca_file");
	ok(cfg.aws_rate_limit == 2.5, "full: aws.rate_limit");
	is_int(cfg.retry_max_seconds, 60, "full: retry.max_seconds");
	is_int(cfg.retry_base_ms, 50, "full: retry.base_ms");
	is_int(cfg.retry_cap_ms, 5000, "full: retry.cap_ms");
	is_int(cfg.sender_workers, 3, "full: sender.workers");
	is_int(cfg.sender_max_inflight, 17, "full: sender.max_inflight");
	is_int(cfg.http_connect_timeout_ms, 1500,
	       "full: http.connect_timeout_ms");
	is_int(cfg.http_timeout_ms, 4000, "full: http.timeout_ms");
	is_int(cfg.shutdown_timeout_ms, 9000, "full: shutdown.timeout_ms");
	is_int(cfg.log_level, LOG_DEBUG, "full: log.level");
	is_str(prop_get(cfg.kafka, "bootstrap.servers"), "b1:9092,b2:9092",
	       "full: kafka.bootstrap.servers");
	is_str(prop_get(cfg.kafka, "client.id"), "eraser-1",
	       "full: kafka.client.id");
	is_str(prop_get(cfg.consumer, "group.id"), "erasers",
	       "full: consumer.group.id given, not defaulted");
	is_int(prop_count(cfg.consumer), 2, "full: two consumer properties");
	is_str(cfg.consumer ? cfg.consumer->name : NULL, "group.id",
	       "full: consumer properties in file order");
	is_str(prop_get(cfg.consumer, "session.timeout.ms"), "6000",
	       "full: consumer.session.timeout.ms");
	is_str(prop_get(cfg.producer, "linger.ms"), "20",
	       "full: producer.linger.ms");
	ok(prop_get(cfg.kafka, "session.timeout.ms") == NULL,
	   "full: consumer property not in kafka list");
	config_done(&cfg);
}

/* Valid values of string keys and what they become. */
static void test_good_values(const char *ca_file)
{
	static const struct {
		const char *line;
		const char *endpoint;
		const char *profile;
		double rate;
		int level;
	} rows[] = {
		{"aws.endpoint = http://127.0.0.1:8080",
		 "http://127.0.0.1:8080", NULL, 10, LOG_INFO},
		{"aws.endpoint = HTTPS://X.example.com",
		 "HTTPS://X.example.com", NULL, 10, LOG_INFO},
		{"aws.endpoint = https://{region}.{region}.example.com",
		 "https://{region}.{region}.example.com", NULL, 10, LOG_INFO},
		{"aws.endpoint =", NULL, NULL, 10, LOG_INFO},
		{"aws.profile = prod-1", NULL, "prod-1", 10, LOG_INFO},
		{"aws.profile =   ", NULL, NULL, 10, LOG_INFO},
		{"aws.rate_limit = 0", NULL, NULL, 0, LOG_INFO},
		{"aws.rate_limit = .5", NULL, NULL, 0.5, LOG_INFO},
		{"aws.rate_limit = 5.", NULL, NULL, 5, LOG_INFO},
		{"aws.rate_limit = 100000", NULL, NULL, 100000, LOG_INFO},
		{"aws.rate_limit = 007.25", NULL, NULL, 7.25, LOG_INFO},
		{"log.level = err", NULL, NULL, 10, LOG_ERR},
		{"log.level = warning", NULL, NULL, 10, LOG_WARNING},
		{"log.level = notice", NULL, NULL, 10, LOG_NOTICE},
		{"log.level = info", NULL, NULL, 10, LOG_INFO},
		{"log.level = debug", NULL, NULL, 10, LOG_DEBUG},
		{"log.level = 7", NULL, NULL, 10, LOG_DEBUG},
	};
	struct config cfg;
	struct text t;
	char line[512], err[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ret = load(&cfg, file_with(&t, rows[i].line, NULL, NULL), NULL,
			   0, err, sizeof(err));
		is_int(ret, 0, "'%s' loads (%s)", rows[i].line, err);
		is_str(cfg.aws_endpoint, rows[i].endpoint, "'%s': endpoint",
		       rows[i].line);
		is_str(cfg.aws_profile, rows[i].profile, "'%s': profile",
		       rows[i].line);
		ok(cfg.aws_rate_limit == rows[i].rate, "'%s': rate limit",
		   rows[i].line);
		is_int(cfg.log_level, rows[i].level, "'%s': log level",
		       rows[i].line);
		config_done(&cfg);
	}

	snprintf(line, sizeof(line), "aws.ca_file = %s", ca_file);
	ret = load(&cfg, file_with(&t, line, NULL, NULL), NULL, 0, err,
		   sizeof(err));
	is_int(ret, 0, "readable aws.ca_file loads (%s)", err);
	is_str(cfg.aws_ca_file, ca_file, "aws.ca_file stored");
	config_done(&cfg);

	/* An empty value unsets an optional key given in the file. */
	{
		char *ov[] = {"aws.endpoint=", "aws.ca_file="};

		snprintf(line, sizeof(line),
			 "aws.endpoint = http://x\naws.ca_file = %s", ca_file);
		ret = load(&cfg, file_with(&t, line, NULL, NULL), ov, 2, err,
			   sizeof(err));
		is_int(ret, 0, "empty overrides load (%s)", err);
		ok(cfg.aws_endpoint == NULL, "-o aws.endpoint= unsets it");
		ok(cfg.aws_ca_file == NULL, "-o aws.ca_file= unsets it");
		config_done(&cfg);
	}
}

static void test_syntax(void)
{
	static const struct {
		const char *what;
		const char *text;
		const char *msg;
	} rows[] = {
		{"line without '='", "# c\nrequests.topic requests\n",
		 NAME ":2: expected key = value"},
		{"line with only a value", "\n\n= value\n",
		 NAME ":3: expected key = value"},
		{"line with only '='", "   =   \n",
		 NAME ":1: expected key = value"},
		{"secret not echoed", "kafka.sasl.password hunter2\n",
		 NAME ":1: expected key = value"},
		{"unknown key", "requests.topik = x\n",
		 NAME ":1: requests.topik: unknown key (did you mean "
		      "requests.topic?)"},
		{"unknown key, case", "\nRequests.topic = x\n",
		 NAME ":2: Requests.topic: unknown key (did you mean "
		      "requests.topic?)"},
		{"unknown key, no prefix dot", "kafka = x\n",
		 NAME ":1: kafka: unknown key"},
		{"unknown section", "aws.secret_key = x\n",
		 NAME ":1: aws.secret_key: unknown key"},
		{"empty property name", "kafka. = x\n",
		 NAME ":1: kafka.: property name missing"},
		{"empty consumer property name", "consumer.=x\n",
		 NAME ":1: consumer.: property name missing"},
		{"given twice", "#\nrequests.topic = a\n#\n\n"
				"requests.topic = b\n",
		 NAME ":5: requests.topic: given twice (first at line 2)"},
		{"given twice, same value",
		 "sender.workers=2\nsender.workers=2\n",
		 NAME ":2: sender.workers: given twice (first at line 1)"},
		{"given twice, spacing", "requests.topic=a\n\t requests.topic "
					 "\t= b\n",
		 NAME ":2: requests.topic: given twice (first at line 1)"},
		{"property given twice", "kafka.client.id = a\n#\n"
					 "kafka.client.id = a\n",
		 NAME ":3: kafka.client.id: given twice (first at line 1)"},
		{"consumer property given twice", "consumer.session.timeout.ms"
						  "=6000\nconsumer.session."
						  "timeout.ms=7000\n",
		 NAME ":2: consumer.session.timeout.ms: given twice (first at "
		      "line 1)"},
		{"empty broker list", "kafka.bootstrap.servers =\n",
		 NAME ":1: kafka.bootstrap.servers: must not be empty"},
		{"empty broker list alias", "\nkafka.metadata.broker.list = \n",
		 NAME ":2: kafka.metadata.broker.list: must not be empty"},
		{"callback", "kafka.dr_msg_cb = x\n",
		 NAME ":1: kafka.dr_msg_cb: is set by optout-eraserd "
		      "(callback)"},
		{"rebalance callback", "consumer.rebalance_cb = x\n",
		 NAME ":1: consumer.rebalance_cb: is set by optout-eraserd "
		      "(callback)"},
		{"opaque", "producer.opaque = x\n",
		 NAME ":1: producer.opaque: is set by optout-eraserd "
		      "(callback)"},
		{"every error reported", "foo = 1\nbar = 2\n",
		 NAME ":1: foo: unknown key\n" NAME ":2: bar: unknown key"},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect_error(rows[i].what, rows[i].text, NULL, 0, -EINVAL,
			     rows[i].msg);

	/* A NUL byte is refused, with its line. */
	{
		static const char text[] = "#\nrequests.topic = a\0b\n";
		struct config cfg;
		char err[256];
		int ret;

		ret = config_load_buffer(&cfg, NAME, text, sizeof(text) - 1,
					 NULL, 0, err, sizeof(err));
		is_int(ret, -EINVAL, "NUL byte: fails");
		is_str(err, NAME ":2: contains a NUL byte",
		       "NUL byte: message");
		config_done(&cfg);
	}
}

static void test_layout(void)
{
	struct config cfg;
	struct text t;
	char err[512];
	int ret;

	/* Comments, blank lines, tabs, CR, '#' and '=' inside values. */
	t.len = 0;
	text_line(&t, "# comment = with an equals sign");
	text_line(&t, "   # indented comment");
	text_line(&t, "\t#tab-indented comment");
	text_line(&t, "#");
	text_line(&t, "   ");
	text_line(&t, "\t \r");
	text_line(&t, "\t kafka.bootstrap.servers\t=\t localhost:9092 \t\r");
	text_line(&t, "requests.topic=requests");
	text_line(&t, "results.topic    =    results");
	text_line(&t, "aws.region = us-east-1");
	text_line(&t, "kafka.sasl.password = pa#ss=word # not a comment");
	text_line(&t, "kafka.sasl.username=#user");
	ret = load(&cfg, t.buf, NULL, 0, err, sizeof(err));
	is_int(ret, 0, "comments and blanks load (%s)", err);
	is_str(prop_get(cfg.kafka, "bootstrap.servers"), "localhost:9092",
	       "blanks and CR trimmed");
	is_str(cfg.requests_topic, "requests", "no blanks around '='");
	is_str(cfg.results_topic, "results", "many blanks around '='");
	is_str(prop_get(cfg.kafka, "sasl.password"),
	       "pa#ss=word # not a comment", "'#' and '=' inside a value kept");
	is_str(prop_get(cfg.kafka, "sasl.username"), "#user",
	       "value starting with '#' kept");
	config_done(&cfg);

	/* CRLF line ends, no final newline, a byte order mark. */
	t.len = 0;
	text_add(&t, "\xef\xbb\xbfkafka.bootstrap.servers = k:1\r\n"
		     "requests.topic = a\r\n\r\nresults.topic = b\r\n"
		     "aws.region = eu-north-1");
	ret = load(&cfg, t.buf, NULL, 0, err, sizeof(err));
	is_int(ret, 0, "CRLF, BOM, no final newline load (%s)", err);
	is_str(prop_get(cfg.kafka, "bootstrap.servers"), "k:1",
	       "BOM not part of the first key");
	is_str(cfg.aws_region, "eu-north-1", "last line without newline");
	config_done(&cfg);

	/* Line numbers count CRLF lines and lines after a BOM. */
	expect_error("line number with CRLF", "\xef\xbb\xbf#\r\n\r\nfoo=1\r\n",
		     NULL, 0, -EINVAL, NAME ":3: foo: unknown key");

	/* An empty file lacks the first required key. */
	expect_error("empty file", "", NULL, 0, -EINVAL,
		     NAME ": requests.topic: required");
}

static void test_long_line(void)
{
	struct config cfg;
	char *text = NULL, *secret = NULL, err[512];
	size_t n = 200000, len;
	struct text t;
	int ret;

	secret = malloc(n + 1);
	text = malloc(n + 1024);
	if (!secret || !text) {
		ok(0, "long line: out of memory");
		goto out;
	}
	memset(secret, 'x', n);
	secret[0] = '#';
	secret[n] = '\0';
	file_with(&t, NULL, NULL, NULL);
	len = (size_t)snprintf(text, n + 1024, "%skafka.sasl.password = %s\n",
			       t.buf, secret);
	ret = config_load_buffer(&cfg, NAME, text, len, NULL, 0, err,
				 sizeof(err));
	is_int(ret, 0, "200000-byte line loads (%s)", err);
	is_str(prop_get(cfg.kafka, "sasl.password"), secret,
	       "200000-byte value kept whole");
	config_done(&cfg);
out:
	free(text);
	free(secret);
}

static void test_required(void)
{
	struct text t;
	char want[256];
	size_t i;

	for (i = 0; i < NBASE; i++) {
		const char *hint =
			strcmp(base[i].key, "aws.region") == 0
				? " (or set AWS_REGION, or region in the AWS profile)"
				: "";

		snprintf(want, sizeof(want), NAME ": %s: required%s",
			 base[i].key, hint);
		file_with(&t, NULL, base[i].key, NULL);
		expect_error(base[i].key, t.buf, NULL, 0, -EINVAL, want);
	}

	/* A broker list on each side is enough; on one side it is not. */
	{
		struct config cfg;
		char err[512];
		int ret;

		ret = load(&cfg,
			   file_with(&t, "consumer.bootstrap.servers = c:1\n"
					 "producer.metadata.broker.list = p:1",
				     "kafka.bootstrap.servers", NULL),
			   NULL, 0, err, sizeof(err));
		is_int(ret, 0, "broker list per side loads (%s)", err);
		config_done(&cfg);

		ret = load(&cfg,
			   file_with(&t, "kafka.metadata.broker.list = m:1",
				     "kafka.bootstrap.servers", NULL),
			   NULL, 0, err, sizeof(err));
		is_int(ret, 0, "kafka.metadata.broker.list loads (%s)", err);
		is_str(prop_get(cfg.kafka, "metadata.broker.list"), "m:1",
		       "metadata.broker.list stored");
		config_done(&cfg);
	}
	file_with(&t, "consumer.bootstrap.servers = c:1",
		  "kafka.bootstrap.servers", NULL);
	expect_error("broker list for the consumer only", t.buf, NULL, 0,
		     -EINVAL, NAME ": kafka.bootstrap.servers: required");
}

static void test_cross(void)
{
	char *ov_same[] = {"results.topic=requests"};
	char *ov_cap[] = {"retry.cap_ms=99"};
	char *ov_base[] = {"retry.base_ms=20001"};
	struct text t;

	expect_error("same topics",
		     file_with(&t, "results.topic = requests", "results.topic",
			       NULL),
		     NULL, 0, -EINVAL,
		     NAME ":3: results.topic: must differ from requests.topic");
	expect_error("same topics by -o", file_with(&t, NULL, NULL, NULL),
		     ov_same, 1, -EINVAL,
		     "-o: results.topic: must differ from requests.topic");
	expect_error("cap below base", file_with(&t, "retry.cap_ms = 50",
						 NULL, NULL),
		     NULL, 0, -EINVAL,
		     NAME ":3: retry.cap_ms: must not be less than "
			  "retry.base_ms (100)");
	expect_error("base above default cap",
		     file_with(&t, "retry.base_ms = 30000", NULL, NULL), NULL,
		     0, -EINVAL,
		     NAME ":3: retry.base_ms: must not exceed retry.cap_ms "
			  "(20000)");
	expect_error("cap below base by -o", file_with(&t, NULL, NULL, NULL),
		     ov_cap, 1, -EINVAL,
		     "-o: retry.cap_ms: must not be less than retry.base_ms "
		     "(100)");
	expect_error("base above cap by -o", file_with(&t, NULL, NULL, NULL),
		     ov_base, 1, -EINVAL,
		     "-o: retry.base_ms: must not exceed retry.cap_ms (20000)");
	try_value("retry.base_ms", "20000", NULL, NULL);
	try_value("retry.cap_ms", "100", NULL, NULL);
}

static void test_overrides(void)
{
	struct config cfg;
	struct text t;
	char err[512];
	int ret;

	{
		char *ov[] = {"requests.topic=other", "sender.workers=4",
			      " sender.workers = 5 ", "log.level=debug"};

		file_with(&t, "sender.workers = 2", NULL, NULL);
		ret = load(&cfg, t.buf, ov, 4, err, sizeof(err));
		is_int(ret, 0, "overrides load (%s)", err);
		is_str(cfg.requests_topic, "other", "-o wins over the file");
		is_int(cfg.sender_workers, 5, "later -o wins, trimmed");
		is_int(cfg.log_level, LOG_DEBUG, "-o sets a default key");
		config_done(&cfg);
	}
	{
		char *ov[] = {"results.topic=from-o",
			      "kafka.bootstrap.servers=o:1"};

		ret = load(&cfg,
			   file_with(&t, NULL, "results.topic", NULL), ov, 2,
			   err, sizeof(err));
		is_int(ret, 0, "-o supplies a required key (%s)", err);
		is_str(cfg.results_topic, "from-o", "required key from -o");
		is_str(prop_get(cfg.kafka, "bootstrap.servers"), "o:1",
		       "-o replaces a file property");
		is_int(prop_count(cfg.kafka), 1,
		       "-o property replaced, not added");
		config_done(&cfg);
	}
	{
		char *ov[] = {"kafka.client.id=a", "kafka.client.id=b",
			      "consumer.group.id=g"};

		ret = load(&cfg, file_with(&t, "kafka.client.id = f", NULL,
					   NULL),
			   ov, 3, err, sizeof(err));
		is_int(ret, 0, "property overrides load (%s)", err);
		is_str(prop_get(cfg.kafka, "client.id"), "b",
		       "last -o of a property wins");
		is_int(prop_count(cfg.kafka), 2, "bootstrap and client.id");
		is_str(prop_get(cfg.consumer, "group.id"), "g",
		       "-o consumer.group.id replaces the default");
		is_int(prop_count(cfg.consumer), 1,
		       "no default group.id added");
		config_done(&cfg);
	}

	{
		static const struct {
			const char *ov;
			const char *msg;
		} rows[] = {
			{"noequals", "-o: 'noequals': expected key=value"},
			{"=x", "-o: '=x': expected key=value"},
			{" = x", "-o: ' = x': expected key=value"},
			{"", "-o: '': expected key=value"},
			{"foo=bar", "-o: foo: unknown key"},
			{"kafka.no.such.property=1", NULL},
			{"sender.workers=257",
			 "-o: sender.workers: must be an integer between 0 "
			 "and 256"},
			{"consumer.enable.auto.commit=true",
			 "-o: consumer.enable.auto.commit: is set by "
			 "optout-eraserd (delivery guarantee)"},
		};
		char want[512];
		size_t i;

		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			char *ov[] = {(char *)rows[i].ov};

			if (rows[i].msg) {
				snprintf(want, sizeof(want), "%s", rows[i].msg);
			} else {
				char rk[256];

				rdkafka_error("no.such.property", "1", rk,
					      sizeof(rk));
				snprintf(want, sizeof(want),
					 "-o: kafka.no.such.property: %s", rk);
			}
			file_with(&t, NULL, NULL, NULL);
			expect_error(rows[i].ov, t.buf, ov, 1, -EINVAL, want);
		}
	}
	{
		/* A bad override stops even when the file was fine, and the
		 * file's errors come before any override's. */
		char *ov[] = {"sender.workers=3", "bogus"};

		expect_error("second override bad",
			     file_with(&t, NULL, NULL, NULL), ov, 2, -EINVAL,
			     "-o: 'bogus': expected key=value");
		expect_error("file error first",
			     file_with(&t, "foo = 1", NULL, NULL), ov, 2,
			     -EINVAL,
			     NAME ":3: foo: unknown key\n"
			     "-o: 'bogus': expected key=value");
	}
}

static void test_properties(void)
{
	static const char *const reserved[] = {
		"enable.auto.offset.store", "enable.auto.commit",
		"auto.commit.enable",       "enable.idempotence",
		"acks",                     "request.required.acks",
		"enable.partition.eof",
	};
	static const char *const prefixes[] = {"kafka.", "consumer.",
					       "producer."};
	static const struct {
		const char *key;
		const char *name;
		const char *value;
	} refused[] = {
		{"kafka.no.such.property", "no.such.property", "1"},
		{"consumer.session.timeout.ms", "session.timeout.ms", "abc"},
		{"producer.compression.type", "compression.type", "bogus"},
		{"consumer.auto.offset.reset", "auto.offset.reset", "oldest"},
		{"kafka.security.protocol", "security.protocol", "tls"},
		{"kafka.default_topic_conf", "default_topic_conf", "x"},
		{"consumer.session.timeout.ms", "session.timeout.ms", "0"},
		{"producer.linger.ms", "linger.ms", "900000000"},
	};
	char key[128], rk[512];
	struct config cfg;
	struct text t;
	char line[256], err[512];
	size_t i, j;
	int ret;

	ret = load(&cfg, file_with(&t, "consumer.session.timeout.ms = 6000",
				   NULL, "kafka.isolation.level = "
					 "read_committed"),
		   NULL, 0, err, sizeof(err));
	is_int(ret, 0, "librdkafka property accepted (%s)", err);
	is_str(prop_get(cfg.consumer, "session.timeout.ms"), "6000",
	       "consumer.session.timeout.ms stored");
	is_str(prop_get(cfg.kafka, "isolation.level"), "read_committed",
	       "kafka.isolation.level allowed");
	config_done(&cfg);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		rdkafka_error(refused[i].name, refused[i].value, rk,
			      sizeof(rk));
		ok(strcmp(rk, "(librdkafka accepted it)") != 0,
		   "librdkafka refuses %s=%s", refused[i].name,
		   refused[i].value);
		ok(rk[0] != '\0' && strchr(rk, '\n') == NULL,
		   "librdkafka's message for %s is one line", refused[i].key);
		try_value(refused[i].key, refused[i].value, rk, NULL);
	}

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		for (j = 0; j < sizeof(reserved) / sizeof(reserved[0]); j++) {
			snprintf(key, sizeof(key), "%s%s", prefixes[i],
				 reserved[j]);
			try_value(key, "true", "is set by optout-eraserd "
					       "(delivery guarantee)",
				  NULL);
		}
	}

	/* An outcome and its key must fit in one message. */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(key, sizeof(key), "%smessage.max.bytes", prefixes[i]);
		try_value(key, "65535", "must be at least 65536 (an outcome "
					"and its key must fit in one message)",
			  NULL);
		try_value(key, "65536", NULL, NULL);
	}
	try_value("producer.message.max.bytes", "100000000", NULL, NULL);

	/* Where the file gives kafka.group.id, none is added. */
	snprintf(line, sizeof(line), "kafka.group.id = shared");
	ret = load(&cfg, file_with(&t, line, NULL, NULL), NULL, 0, err,
		   sizeof(err));
	is_int(ret, 0, "kafka.group.id loads (%s)", err);
	is_str(prop_get(cfg.kafka, "group.id"), "shared", "kafka.group.id");
	ok(cfg.consumer == NULL, "no default consumer.group.id added");
	config_done(&cfg);
}

#define PLAIN_MSG                                                              \
	"plain http:// to a host that is not a loopback address (localhost, "  \
	"127.0.0.0/8, ::1) is refused: use https://, or set "                  \
	"aws.allow_plain_http = true to allow it"
#define PLAIN_IMDS_MSG                                                         \
	"plain http:// to a host that is not a loopback address (localhost, "  \
	"127.0.0.0/8, ::1, or the metadata service) is refused: use "          \
	"https://, or set aws.allow_plain_http = true to allow it"

/* TLS cannot be turned off; plain http only to loopback hosts unless
 * aws.allow_plain_http (urlpolicy.h), wherever the URL comes from. */
static void test_plain_http(void)
{
	static const struct {
		const char *url;
		const char *msg; /* NULL: accepted */
	} endpoints[] = {
		{"http://example.com/", PLAIN_MSG},
		{"HTTP://example.com", PLAIN_MSG},
		{"http://sms-voice.{region}.example.com/", PLAIN_MSG},
		{"http://127.0.0.1.example.com/", PLAIN_MSG},
		{"http://169.254.169.254/", PLAIN_MSG},
		{"http://10.0.0.1:8080/", PLAIN_MSG},
		{"http://[fe80::1]:8080/", PLAIN_MSG},
		{"http://127.0.0.1:8080/", NULL},
		{"http://127.9.8.7/", NULL},
		{"http://localhost:4566", NULL},
		{"http://LOCALHOST/", NULL},
		{"http://[::1]:8080/", NULL},
		{"https://example.com/", NULL},
		{"https://sms-voice.{region}.example.com/", NULL},
	};
	static const struct {
		const char *var, *url, *msg;
	} vars[] = {
		{"AWS_ENDPOINT_URL", "http://example.com",
		 NAME ": aws.endpoint: AWS_ENDPOINT_URL: " PLAIN_MSG},
		{"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", "http://10.1.2.3/",
		 NAME ": aws.endpoint: AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: "
		      PLAIN_MSG},
		{"AWS_ENDPOINT_URL", "http://127.0.0.1:1/", NULL},
		{"AWS_ENDPOINT_URL_STS", "http://sts.example.com/",
		 NAME ": AWS_ENDPOINT_URL_STS: " PLAIN_MSG},
		{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1/_sts/", NULL},
		{"AWS_ENDPOINT_URL_STS", "https://sts.example.com/", NULL},
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.0.0.1/",
		 NAME ": AWS_EC2_METADATA_SERVICE_ENDPOINT: " PLAIN_IMDS_MSG},
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254",
		 NULL},
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[fd00:ec2::254]",
		 NULL},
	};
	static const char *const tls_off[][2] = {
		{"kafka.enable.ssl.certificate.verification", "false"},
		{"consumer.enable.ssl.certificate.verification", "false"},
		{"producer.enable.ssl.certificate.verification", "false"},
		{"kafka.ssl.endpoint.identification.algorithm", "none"},
		{"consumer.ssl.endpoint.identification.algorithm", "none"},
		{"producer.ssl.endpoint.identification.algorithm", "none"},
	};
	struct config cfg;
	struct text t;
	char err[1024], what[256];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		try_value("aws.endpoint", endpoints[i].url, endpoints[i].msg,
			  NULL);
		try_value("aws.endpoint", endpoints[i].url, NULL,
			  "aws.allow_plain_http = true");
	}
	try_value("aws.allow_plain_http", "maybe",
		  "must be true or false (yes/no, on/off, 1/0)", NULL);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		setenv(vars[i].var, vars[i].url, 1);
		snprintf(what, sizeof(what), "%s=%s", vars[i].var,
			 vars[i].url);
		file_with(&t, NULL, NULL, NULL);
		if (vars[i].msg) {
			expect_error(what, t.buf, NULL, 0, -EINVAL,
				     vars[i].msg);
		} else {
			ret = load(&cfg, t.buf, NULL, 0, err, sizeof(err));
			is_int(ret, 0, "%s: accepted (%s)", what, err);
			config_done(&cfg);
		}
		file_with(&t, "aws.allow_plain_http = true", NULL, NULL);
		ret = load(&cfg, t.buf, NULL, 0, err, sizeof(err));
		is_int(ret, 0, "%s with aws.allow_plain_http: accepted (%s)",
		       what, err);
		config_done(&cfg);
		unsetenv(vars[i].var);
	}
	for (i = 0; i < sizeof(tls_off) / sizeof(tls_off[0]); i++) {
		try_value(tls_off[i][0], tls_off[i][1],
			  tls_off[i][1][0] == 'f'
				  ? "must not turn TLS certificate "
				    "verification off (optout-eraserd always "
				    "verifies)"
				  : "must not turn TLS host name "
				    "verification off (optout-eraserd always "
				    "verifies)",
			  "aws.allow_plain_http = true");
	}
	try_value("kafka.enable.ssl.certificate.verification", "true", NULL,
		  NULL);
	try_value("kafka.ssl.endpoint.identification.algorithm", "https",
		  NULL, NULL);
}

/* A property's value on @conf, "" when it has none. */
static void conf_value(rd_kafka_conf_t *conf, const char *name, char *buf,
		       size_t len)
{
	size_t n = len;

	if (rd_kafka_conf_get(conf, name, buf, &n) != RD_KAFKA_CONF_OK)
		buf[0] = '\0';
}

static void test_apply(void)
{
	char *ov[] = {"kafka.metadata.broker.list=late:1"};
	rd_kafka_conf_t *conf;
	struct config cfg;
	struct text t;
	char err[512], val[256];
	int ret;

	ret = load(&cfg,
		   file_with(&t, "consumer.session.timeout.ms = 6000\n"
				 "producer.linger.ms = 50\n"
				 "kafka.client.id = eraser",
			     NULL, NULL),
		   ov, 1, err, sizeof(err));
	is_int(ret, 0, "apply: loads (%s)", err);

	conf = rd_kafka_conf_new();
	ret = config_apply_kafka(&cfg, conf, true, err, sizeof(err));
	is_int(ret, 0, "apply consumer (%s)", err);
	conf_value(conf, "group.id", val, sizeof(val));
	is_str(val, "optout-eraser", "consumer: default group.id applied");
	conf_value(conf, "session.timeout.ms", val, sizeof(val));
	is_str(val, "6000", "consumer: consumer.* applied");
	conf_value(conf, "client.id", val, sizeof(val));
	is_str(val, "eraser", "consumer: kafka.* applied");
	conf_value(conf, "linger.ms", val, sizeof(val));
	is_str(val, "5", "consumer: producer.* not applied");
	conf_value(conf, "bootstrap.servers", val, sizeof(val));
	is_str(val, "late:1", "consumer: later alias from -o wins");
	rd_kafka_conf_destroy(conf);

	conf = rd_kafka_conf_new();
	ret = config_apply_kafka(&cfg, conf, false, err, sizeof(err));
	is_int(ret, 0, "apply producer (%s)", err);
	conf_value(conf, "linger.ms", val, sizeof(val));
	is_str(val, "50", "producer: producer.* applied");
	conf_value(conf, "session.timeout.ms", val, sizeof(val));
	is_str(val, "45000", "producer: consumer.* not applied");
	conf_value(conf, "group.id", val, sizeof(val));
	is_str(val, "", "producer: no group.id");
	conf_value(conf, "client.id", val, sizeof(val));
	is_str(val, "eraser", "producer: kafka.* applied");
	rd_kafka_conf_destroy(conf);
	config_done(&cfg);

	/* A property librdkafka refuses (not loadable: built by hand). */
	{
		struct config_prop bad = {"no.such", "1", NULL};
		struct config hand;
		char rk[256], want[512];

		memset(&hand, 0, sizeof(hand));
		hand.producer = &bad;
		rdkafka_error("no.such", "1", rk, sizeof(rk));
		snprintf(want, sizeof(want), "producer.no.such: %s", rk);
		conf = rd_kafka_conf_new();
		err[0] = '\0';
		ret = config_apply_kafka(&hand, conf, true, err, sizeof(err));
		is_int(ret, 0, "apply consumer skips producer.*");
		ret = config_apply_kafka(&hand, conf, false, err, sizeof(err));
		is_int(ret, -EINVAL, "apply refused property fails");
		is_str(err, want, "apply refused property message");
		rd_kafka_conf_destroy(conf);
	}
}

static void test_env(void)
{
	static const struct {
		const char *what;
		const char *region;  /* AWS_REGION, NULL: unset */
		const char *dflt;    /* AWS_DEFAULT_REGION */
		const char *line;    /* aws.region line, or NULL */
		const char *ov;      /* -o, or NULL */
		const char *want;    /* region, or NULL when it must fail */
		const char *msg;
	} rows[] = {
		{"AWS_REGION", "eu-west-1", NULL, NULL, NULL, "eu-west-1",
		 NULL},
		{"AWS_DEFAULT_REGION", NULL, "ap-south-1", NULL, NULL,
		 "ap-south-1", NULL},
		{"AWS_REGION before AWS_DEFAULT_REGION", "eu-west-2",
		 "ap-south-1", NULL, NULL, "eu-west-2", NULL},
		{"empty AWS_REGION skipped", "", "ap-south-2", NULL, NULL,
		 "ap-south-2", NULL},
		{"file before environment", "eu-west-1", "ap-south-1",
		 "aws.region = us-west-2", NULL, "us-west-2", NULL},
		{"-o before environment", "eu-west-1", NULL, NULL,
		 "aws.region=ca-central-1", "ca-central-1", NULL},
		{"bad AWS_REGION", "Bad_Region", NULL, NULL, NULL, NULL,
		 NAME ": aws.region: AWS_REGION: must be 1 to 31 characters "
		      "of a-z, 0-9 and '-'"},
		{"bad AWS_DEFAULT_REGION", NULL, "x y", NULL, NULL, NULL,
		 NAME ": aws.region: AWS_DEFAULT_REGION: must be 1 to 31 "
		      "characters of a-z, 0-9 and '-'"},
		{"bad AWS_REGION unused", "Bad_Region", NULL,
		 "aws.region = us-west-1", NULL, "us-west-1", NULL},
		{"made-up AWS_REGION", "mars", NULL, NULL, NULL, NULL,
		 NAME ": aws.region: AWS_REGION: the region is in no AWS "
		      "partition"},
		{"AWS_DEFAULT_REGION without sms-voice", NULL, "cn-north-1",
		 NULL, NULL, NULL,
		 NAME ": aws.region: AWS_DEFAULT_REGION: "
		      NO_SERVICE_MSG("aws-cn")},
		{"made-up AWS_REGION unused", "mars", NULL,
		 "aws.region = us-west-1", NULL, "us-west-1", NULL},
		{"none", NULL, NULL, NULL, NULL, NULL,
		 NAME ": aws.region: required (or set AWS_REGION, or region in "
		      "the AWS profile)"},
		{"both empty", "", "", NULL, NULL, NULL,
		 NAME ": aws.region: required (or set AWS_REGION, or region in "
		      "the AWS profile)"},
	};
	struct config cfg;
	struct text t;
	char err[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *ov[] = {(char *)rows[i].ov};

		unsetenv("AWS_REGION");
		unsetenv("AWS_DEFAULT_REGION");
		if (rows[i].region)
			setenv("AWS_REGION", rows[i].region, 1);
		if (rows[i].dflt)
			setenv("AWS_DEFAULT_REGION", rows[i].dflt, 1);
		file_with(&t, rows[i].line, "aws.region", NULL);
		if (rows[i].want) {
			ret = load(&cfg, t.buf, ov, rows[i].ov ? 1 : 0, err,
				   sizeof(err));
			is_int(ret, 0, "env %s: loads (%s)", rows[i].what, err);
			is_str(cfg.aws_region, rows[i].want, "env %s: region",
			       rows[i].what);
			config_done(&cfg);
		} else {
			expect_error(rows[i].what, t.buf, ov,
				     rows[i].ov ? 1 : 0, -EINVAL, rows[i].msg);
		}
	}
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fwrite(text, 1, len, f) != len)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -EIO;
	return ret;
}

static void test_files(const char *dir)
{
	char path[512], err[512], *big = NULL;
	struct config cfg;
	struct text t;
	size_t n = 100000, len;
	int ret;

	ret = config_load(&cfg, "/nonexistent/dir/x.conf", NULL, 0, err,
			  sizeof(err));
	is_int(ret, -ENOENT, "missing file: -ENOENT");
	is_str(err,
	       "/nonexistent/dir/x.conf: cannot open: No such file or "
	       "directory",
	       "missing file: message");
	is_str(cfg.path, "/nonexistent/dir/x.conf", "missing file: path set");
	config_done(&cfg);

	ret = config_load(&cfg, dir, NULL, 0, err, sizeof(err));
	is_int(ret, -EISDIR, "directory: -EISDIR");
	snprintf(path, sizeof(path), "%s: cannot read: Is a directory", dir);
	is_str(err, path, "directory: message");
	config_done(&cfg);

	snprintf(path, sizeof(path), "%s/good.conf", dir);
	file_with(&t, NULL, NULL, "sender.workers = 12");
	ok(write_file(path, t.buf, t.len) == 0, "wrote %s", path);
	ret = config_load(&cfg, path, NULL, 0, err, sizeof(err));
	is_int(ret, 0, "file loads (%s)", err);
	is_str(cfg.path, path, "file: path kept");
	is_int(cfg.sender_workers, 12, "file: value read");
	config_done(&cfg);

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	file_with(&t, "sender.workers = many", "sender.workers", NULL);
	ok(write_file(path, t.buf, t.len) == 0, "wrote %s", path);
	ret = config_load(&cfg, path, NULL, 0, err, sizeof(err));
	is_int(ret, -EINVAL, "bad file: -EINVAL");
	{
		char want[600];

		snprintf(want, sizeof(want),
			 "%s:3: sender.workers: must be an integer between 0 "
			 "and 256",
			 path);
		is_str(err, want, "bad file: message names path and line");
	}
	config_done(&cfg);

	/* Larger than the first read buffer, with a long line. */
	big = malloc(n + 1024);
	if (big) {
		file_with(&t, NULL, NULL, NULL);
		len = (size_t)snprintf(big, n + 1024, "%s#", t.buf);
		memset(big + len, 'c', n);
		len += n;
		len += (size_t)snprintf(big + len, 64, "\nsender.workers = 9");
		snprintf(path, sizeof(path), "%s/big.conf", dir);
		ok(write_file(path, big, len) == 0, "wrote %s", path);
		ret = config_load(&cfg, path, NULL, 0, err, sizeof(err));
		is_int(ret, 0, "big file loads (%s)", err);
		is_int(cfg.sender_workers, 9, "big file: last line read");
		config_done(&cfg);
		free(big);
	} else {
		ok(0, "big file: out of memory");
	}

	/* Input caps: the configuration file (16 MiB) and a KEY_file secret
	 * (64 KiB, CONFIG_SECRET_MAX): one byte over is refused with the
	 * file's name and the limit; at the limit a secret is read. */
	snprintf(path, sizeof(path), "%s/huge.conf", dir);
	ret = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(ret >= 0 && ftruncate(ret, 16 * 1024 * 1024 + 1) == 0,
	   "made %s, 16 MiB + 1", path);
	if (ret >= 0)
		close(ret);
	ret = config_load(&cfg, path, NULL, 0, err, sizeof(err));
	is_int(ret, -EFBIG, "configuration file over 16 MiB: -EFBIG");
	{
		char want[600];

		snprintf(want, sizeof(want), "%s: larger than 16777216 bytes",
			 path);
		is_str(err, want, "over 16 MiB: the message names the file "
				  "and the limit");
	}
	config_done(&cfg);
	unlink(path);
	big = malloc(CONFIG_SECRET_MAX + 2);
	if (big) {
		char line[700], want[800];
		int nov = 1;
		char *ov[] = {line};

		memset(big, 'p', CONFIG_SECRET_MAX + 1);
		snprintf(path, sizeof(path), "%s/secret.txt", dir);
		ok(write_file(path, big, CONFIG_SECRET_MAX) == 0 &&
			   chmod(path, 0600) == 0,
		   "wrote a secret of %u bytes", CONFIG_SECRET_MAX);
		snprintf(line, sizeof(line), "kafka.sasl.password_file=%s",
			 path);
		file_with(&t, NULL, NULL, NULL);
		ret = load(&cfg, t.buf, ov, nov, err, sizeof(err));
		is_int(ret, 0, "a secret file at the cap is read (%s)", err);
		ok(ret == 0 && strlen(prop_get(cfg.kafka, "sasl.password")) ==
				       CONFIG_SECRET_MAX,
		   "all of it");
		config_done(&cfg);
		ok(write_file(path, big, CONFIG_SECRET_MAX + 1) == 0,
		   "wrote a secret of %u bytes", CONFIG_SECRET_MAX + 1);
		ret = load(&cfg, t.buf, ov, nov, err, sizeof(err));
		is_int(ret, -EFBIG, "one byte more: refused");
		snprintf(want, sizeof(want),
			 "-o: kafka.sasl.password_file: %s: larger than %u "
			 "bytes", path, CONFIG_SECRET_MAX);
		is_str(err, want, "the message names the key, the file and "
				  "the limit");
		config_done(&cfg);
		unlink(path);
		free(big);
		big = NULL;
	}

	snprintf(path, sizeof(path), "%s/secret.conf", dir);
	file_with(&t, NULL, NULL, NULL);
	ok(write_file(path, t.buf, t.len) == 0, "wrote %s", path);
	ok(chmod(path, 0) == 0, "chmod 0 %s", path);
	if (geteuid() != 0) {
		ret = config_load(&cfg, path, NULL, 0, err, sizeof(err));
		is_int(ret, -EACCES, "unreadable file: -EACCES");
		{
			char want[600];

			snprintf(want, sizeof(want),
				 "%s: cannot open: Permission denied", path);
			is_str(err, want, "unreadable file: message");
		}
		config_done(&cfg);
	} else {
		tap_diag("running as root: -EACCES not testable");
	}

	/* Small and absent error buffers. */
	{
		char small[8];

		ret = config_load(&cfg, "/nonexistent/x", NULL, 0, small,
				  sizeof(small));
		is_int(ret, -ENOENT, "small errbuf: -ENOENT");
		is_int(strlen(small), sizeof(small) - 1,
		       "small errbuf: cut and terminated");
		config_done(&cfg);
		ret = config_load(&cfg, "/nonexistent/x", NULL, 0, NULL, 0);
		is_int(ret, -ENOENT, "no errbuf: -ENOENT");
		config_done(&cfg);
		ret = load(&cfg, "foo = 1\n", NULL, 0, NULL, 0);
		is_int(ret, -EINVAL, "no errbuf: -EINVAL");
		config_done(&cfg);
	}
}

/* Every key of ours, for the sample check. */
static const char *const all_keys[] = {
	"requests.topic",      "results.topic",       "requests.max_bytes",
	"aws.region",          "aws.extra_regions",   "aws.endpoint",
	"aws.profile",         "aws.allow_plain_http",
	"aws.ca_file",         "aws.rate_limit",      "retry.max_seconds",
	"retry.base_ms",       "retry.cap_ms",        "sender.workers",
	"sender.max_inflight", "http.connect_timeout_ms", "http.timeout_ms",
	"aws.use_fips_endpoint", "aws.use_dualstack_endpoint",
	"aws.rate_adaptive", "retry.max_attempts", "retry.budget",
	"http.max_connections", "dlq.topic",   "metrics.listen",
	"shutdown.timeout_ms", "log.level",           "kafka.bootstrap.servers",
	"kafka.security.protocol", "kafka.sasl.mechanisms",
	"kafka.sasl.username", "kafka.sasl.password_file", "kafka.ssl.ca.location",
	"consumer.group.id",   "consumer.session.timeout.ms",
};

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	if (buf) {
		len = fread(buf, 1, (1 << 20) - 1, f);
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

static void test_sample(void)
{
	const char *top = getenv("top_srcdir");
	char *ov[] = {"aws.region=eu-west-1",
		      "kafka.bootstrap.servers=localhost:9092"};
	struct config cfg, dflt;
	char path[1024], want[1200], needle[128], err[512];
	char *text = NULL;
	struct text t;
	size_t i;
	int ret;

	if (!top || !*top)
		top = ".";
	snprintf(path, sizeof(path), "%s/etc/optout-eraser.conf", top);
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");

	ret = config_load(&cfg, path, NULL, 0, err, sizeof(err));
	is_int(ret, -EINVAL, "sample without region: fails");
	snprintf(want, sizeof(want),
		 "%s: aws.region: required (or set AWS_REGION, or region in "
		 "the AWS profile)", path);
	is_str(err, want, "sample leaves aws.region to the operator");
	config_done(&cfg);

	ret = config_load(&cfg, path, ov, 1, err, sizeof(err));
	is_int(ret, -EINVAL, "sample without brokers: fails");
	snprintf(want, sizeof(want), "%s: kafka.bootstrap.servers: required",
		 path);
	is_str(err, want, "sample leaves the brokers to the operator");
	config_done(&cfg);

	ret = config_load(&cfg, path, ov, 2, err, sizeof(err));
	is_int(ret, 0, "sample loads with region and brokers (%s)", err);
	ret = load(&dflt, file_with(&t, NULL, NULL, NULL), NULL, 0, err,
		   sizeof(err));
	is_int(ret, 0, "defaults load (%s)", err);
	is_str(cfg.requests_topic, "optout-deletions",
	       "sample: requests.topic");
	is_str(cfg.results_topic, "optout-deletion-results",
	       "sample: results.topic");
	is_str(prop_get(cfg.consumer, "group.id"), "optout-eraser",
	       "sample: consumer.group.id");
	is_str(prop_get(cfg.consumer, "auto.offset.reset"), "earliest",
	       "sample: consumer.auto.offset.reset");
	/* The values the sample shows are the built-in defaults. */
	is_int(cfg.requests_max_bytes, dflt.requests_max_bytes,
	       "sample: requests.max_bytes is the default");
	ok(cfg.aws_rate_limit == dflt.aws_rate_limit,
	   "sample: aws.rate_limit is the default");
	for (i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		is_int(numeric_get(&cfg, i), numeric_get(&dflt, i),
		       "sample: %s is the default", numeric[i].key);
	is_int(cfg.log_level, dflt.log_level, "sample: log.level default");
	ok(cfg.aws_endpoint == NULL && cfg.aws_profile == NULL &&
		   cfg.aws_ca_file == NULL && cfg.aws_extra_regions == NULL,
	   "sample: optional AWS keys left out");
	ok(cfg.metrics_listen == NULL, "sample: metrics off by default");
	config_done(&dflt);
	config_done(&cfg);

	text = read_all(path);
	ok(text != NULL, "sample readable");
	for (i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		char commented[128];

		snprintf(needle, sizeof(needle), "\n%s = ", all_keys[i]);
		snprintf(commented, sizeof(commented), "\n#%s = ",
			 all_keys[i]);
		ok(text && (strstr(text, needle) || strstr(text, commented)),
		   "sample documents %s", all_keys[i]);
	}
	free(text);
}

static void remove_scratch(const char *dir)
{
	static const char *const files[] = {"ca.pem", "good.conf", "bad.conf",
					    "big.conf", "secret.conf"};
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Which keys a reload applies: the "reloads" column of config_keys[]. */
static void test_reloadable(void)
{
	static const struct {
		const char *key;
		bool want;
	} rows[] = {
		{"log.level", true},
		{"aws.rate_limit", true},
		{"aws.rate_adaptive", true},
		{"retry.max_seconds", true},
		{"retry.base_ms", true},
		{"retry.cap_ms", true},
		{"retry.max_attempts", true},
		{"retry.budget", true},
		{"requests.topic", false},
		{"results.topic", false},
		{"aws.region", false},
		{"sender.workers", false},
		{"sender.max_inflight", false},
		{"metrics.listen", false},
		{"kafka.*", false},
		{"kafka.bootstrap.servers", false},
		{"no.such.key", false},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ok(config_reloadable(rows[i].key) == rows[i].want,
		   "reloadable: %s %s", rows[i].key,
		   rows[i].want ? "reloads" : "needs a restart");
}

struct changes {
	char keys[512];
};

static void on_changed(const char *key, void *opaque)
{
	struct changes *ch = opaque;
	size_t n = strlen(ch->keys);

	snprintf(ch->keys + n, sizeof(ch->keys) - n, "%s%s", n ? " " : "",
		 key);
}

/* config_diff() names each changed key once, in table order, and a
 * changed property list by its prefix. */
static void test_diff(void)
{
	static const struct {
		const char *name;
		const char *line; /* the tested line of the second file */
		int want_n;
		const char *want;
	} rows[] = {
		{"nothing changed", NULL, 0, ""},
		{"a string", "dlq.topic = dead", 1, "dlq.topic"},
		{"an unsigned", "retry.base_ms = 101", 1, "retry.base_ms"},
		{"a size", "requests.max_bytes = 1024", 1, "requests.max_bytes"},
		{"a rate", "aws.rate_limit = 10.5", 1, "aws.rate_limit"},
		{"a bool", "aws.rate_adaptive = false", 1, "aws.rate_adaptive"},
		{"the log level", "log.level = debug", 1, "log.level"},
		{"the same value spelled otherwise", "aws.rate_limit = 10.0", 0,
		 ""},
		{"a kafka property", "kafka.client.id = other", 1, "kafka.*"},
		{"a consumer property", "consumer.session.timeout.ms = 7000", 1,
		 "consumer.*"},
		{"a producer property", "producer.linger.ms = 7", 1,
		 "producer.*"},
	};
	struct config a, b;
	struct text ta, tb;
	char err[1024];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct changes ch = {""};
		int n;

		is_int(load(&a, file_with(&ta, NULL, NULL, NULL), NULL, 0, err,
			    sizeof(err)),
		       0, "diff, %s: the first loads", rows[i].name);
		is_int(load(&b, file_with(&tb, rows[i].line, NULL, NULL), NULL,
			    0, err, sizeof(err)),
		       0, "diff, %s: the second loads (%s)", rows[i].name, err);
		n = config_diff(&a, &b, on_changed, &ch);
		is_int(n, rows[i].want_n, "diff, %s: %d change(s)",
		       rows[i].name, rows[i].want_n);
		is_str(ch.keys, rows[i].want, "diff, %s: named", rows[i].name);
		config_done(&a);
		config_done(&b);
	}
}

int main(void)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----\n";
	char dir[] = "/tmp/test_config.XXXXXX";
	const char *saved_region = getenv("AWS_REGION");
	const char *saved_default = getenv("AWS_DEFAULT_REGION");
	char *region = saved_region ? strdup(saved_region) : NULL;
	char *dflt = saved_default ? strdup(saved_default) : NULL;
	static const char *const aws_vars[] = {
		"AWS_PROFILE", "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2",
		"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "CREDENTIALS_DIRECTORY",
	};
	char ca[600];
	size_t i;

	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	/* The AWS conventions (test_config_env.c) stay out of these tests. */
	for (i = 0; i < sizeof(aws_vars) / sizeof(aws_vars[0]); i++)
		unsetenv(aws_vars[i]);
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	if (write_file(ca, pem, sizeof(pem) - 1) != 0) {
		printf("Bail out! cannot write %s\n", ca);
		return 1;
	}

	test_defaults();
	test_full(ca);
	test_good_values(ca);
	test_bad_values();
	test_roles();
	test_bools();
	test_topic_lengths();
	test_regions();
	test_numeric();
	test_syntax();
	test_layout();
	test_long_line();
	test_required();
	test_cross();
	test_overrides();
	test_properties();
	test_plain_http();
	test_apply();
	test_env();
	test_files(dir);
	test_sample();
	test_reloadable();
	test_diff();

	remove_scratch(dir);
	if (region)
		setenv("AWS_REGION", region, 1);
	if (dflt)
		setenv("AWS_DEFAULT_REGION", dflt, 1);
	free(region);
	free(dflt);
	return tap_done();
}
