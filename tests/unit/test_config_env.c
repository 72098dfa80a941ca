/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config_env.c - unit tests of where configuration values come from:
 * the AWS conventions (config_env.c: one row per line of the precedence
 * table in optout-eraser.conf(5)), the origins --dump-config prints
 * (config_origin.c, config_dump.c), secrets from files (config_secret.c)
 * and the messages that say how to fix a key (config_hint.c).
 *
 * Each case starts from a clean environment and a scratch HOME-less pair
 * of profile files in a temporary directory, so nothing of the machine the
 * tests run on leaks in.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_dump.h"
#include "config_hint.h"
#include "config_origin.h"
#include "tap.h"

#define NAME "test.conf"
#define BASE                                                                   \
	"kafka.bootstrap.servers = localhost:9092\n"                           \
	"requests.topic = requests\n"                                          \
	"results.topic = results\n"

static char dir[] = "/tmp/test_config_env.XXXXXX";
static char conf_path[600], cred_path[600];

static const char *const vars[] = {
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CA_BUNDLE",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2",
	"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
	"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "CREDENTIALS_DIRECTORY",
};

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	chmod(path, mode);
}

/* A clean environment: no AWS variables, the profile files given. */
static void reset(const char *conf, const char *cred)
{
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	write_text(conf_path, conf ? conf : "", 0600);
	write_text(cred_path, cred ? cred : "", 0600);
}

static void setenv_list(const char *list)
{
	char buf[1024], *p, *eq, *save = NULL;

	if (!list)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		eq = strchr(p, '=');
		*eq = '\0';
		setenv(p, eq + 1, 1);
	}
}

/* The origin of @key as --dump-config prints it. */
static void origin_of(const struct config *cfg, const char *key, char *buf,
		      size_t len)
{
	config_origin_format(config_origin_find(cfg->origins, key), cfg->path,
			     buf, len);
}

/* The value of @key in the dump of @cfg, origin included. */
static void dump_line(const struct config *cfg, const char *key, char *buf,
		      size_t len)
{
	char *text = NULL, *line, *save = NULL;
	size_t size = 0, n = strlen(key);
	FILE *f = open_memstream(&text, &size);

	buf[0] = '\0';
	if (!f)
		return;
	config_dump(cfg, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, n) == 0 && line[n] == ' ')
			snprintf(buf, len, "%s", line);
	free(text);
}

static void test_precedence(void)
{
	static const char profile_conf[] =
		"[default]\nregion = eu-west-3\n"
		"[profile ops]\n"
		"region = ap-south-1\n"
		"endpoint_url = https://profile.example\n"
		"ca_bundle = %s\n"
		"use_fips_endpoint = true\n"
		"use_dualstack_endpoint = true\n"
		"services = mine\n"
		"[services mine]\n"
		"s3 =\n  endpoint_url = https://s3.example\n"
		"pinpoint_sms_voice_v2 =\n"
		"  endpoint_url = https://service.example\n";
	static const struct {
		const char *what;
		const char *env;   /* VAR=value;VAR=value */
		const char *line;  /* extra file line */
		bool profile;      /* profile ops in the config file */
		const char *cred;  /* the credentials file */
		const char *key;
		const char *want;  /* the value */
		const char *origin;
	} rows[] = {
		{"region: file wins", "AWS_REGION=eu-west-1",
		 "aws.region = us-west-2", true, NULL, "aws.region",
		 "us-west-2", NAME ":4"},
		{"region: AWS_REGION", "AWS_REGION=eu-west-1;"
		 "AWS_DEFAULT_REGION=eu-west-2", NULL, true, NULL,
		 "aws.region", "eu-west-1", "environment AWS_REGION"},
		{"region: AWS_DEFAULT_REGION", "AWS_DEFAULT_REGION=eu-west-2",
		 NULL, true, NULL, "aws.region", "eu-west-2",
		 "environment AWS_DEFAULT_REGION"},
		{"region: profile", "AWS_PROFILE=ops", NULL, true, NULL,
		 "aws.region", "ap-south-1", "profile ops in CONF"},
		{"region: default profile", NULL, NULL, true, NULL,
		 "aws.region", "eu-west-3", "profile default in CONF"},
		{"region: credentials file over config file", "AWS_PROFILE=ops",
		 NULL, true, "[ops]\nregion = ca-central-1\n", "aws.region",
		 "ca-central-1", "profile ops in CRED"},
		{"profile: AWS_PROFILE", "AWS_PROFILE=ops", NULL, true, NULL,
		 "aws.profile", "ops", "environment AWS_PROFILE"},
		{"profile: aws.profile wins", "AWS_PROFILE=nope",
		 "aws.profile = ops", true, NULL, "aws.region", "ap-south-1",
		 "profile ops in CONF"},
		{"endpoint: file wins",
		 "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=https://a.example",
		 "aws.endpoint = https://file.example", true, NULL,
		 "aws.endpoint", "https://file.example", NAME ":4"},
		{"endpoint: service variable",
		 "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=https://a.example;"
		 "AWS_ENDPOINT_URL=https://b.example",
		 NULL, true, NULL, "aws.endpoint", "https://a.example",
		 "environment AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"},
		{"endpoint: AWS_ENDPOINT_URL",
		 "AWS_ENDPOINT_URL=https://b.example;AWS_PROFILE=ops", NULL,
		 true, NULL, "aws.endpoint", "https://b.example",
		 "environment AWS_ENDPOINT_URL"},
		{"endpoint: services section", "AWS_PROFILE=ops", NULL, true,
		 NULL, "aws.endpoint", "https://service.example",
		 "profile ops in CONF"},
		{"endpoint: ignore_configured_endpoint_urls",
		 "AWS_PROFILE=ops;AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true;"
		 "AWS_ENDPOINT_URL=https://b.example",
		 NULL, true, NULL, "aws.endpoint", NULL, "default"},
		{"ca: AWS_CA_BUNDLE", "AWS_PROFILE=ops;AWS_CA_BUNDLE=CA", NULL,
		 true, NULL, "aws.ca_file", "CA", "environment AWS_CA_BUNDLE"},
		{"ca: profile ca_bundle", "AWS_PROFILE=ops", NULL, true, NULL,
		 "aws.ca_file", "CA", "profile ops in CONF"},
		{"fips: file wins", "AWS_USE_FIPS_ENDPOINT=true",
		 "aws.use_fips_endpoint = false", true, NULL,
		 "aws.use_fips_endpoint", "false", NAME ":4"},
		{"fips: AWS_USE_FIPS_ENDPOINT", "AWS_USE_FIPS_ENDPOINT=true",
		 NULL, true, NULL, "aws.use_fips_endpoint", "true",
		 "environment AWS_USE_FIPS_ENDPOINT"},
		{"fips: profile", "AWS_PROFILE=ops", NULL, true, NULL,
		 "aws.use_fips_endpoint", "true", "profile ops in CONF"},
		{"dualstack: AWS_USE_DUALSTACK_ENDPOINT",
		 "AWS_USE_DUALSTACK_ENDPOINT=yes", NULL, true, NULL,
		 "aws.use_dualstack_endpoint", "true",
		 "environment AWS_USE_DUALSTACK_ENDPOINT"},
		{"dualstack: profile", "AWS_PROFILE=ops", NULL, true, NULL,
		 "aws.use_dualstack_endpoint", "true", "profile ops in CONF"},
		{"dualstack: -o wins", "AWS_USE_DUALSTACK_ENDPOINT=true", NULL,
		 true, NULL, "aws.use_dualstack_endpoint", "false", "-o"},
	};
	char conf[2048], text[1024], err[1024], got[1024], want[4096], ca[600];
	char env[1024], *p;
	struct config cfg;
	size_t i;
	int ret;

	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	write_text(ca, "-----BEGIN CERTIFICATE-----\n", 0644);
	snprintf(conf, sizeof(conf), profile_conf, ca);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *ov[] = {"aws.use_dualstack_endpoint=false"};
		int nov = strncmp(rows[i].what, "dualstack: -o", 13) == 0;

		reset(rows[i].profile ? conf : NULL, rows[i].cred);
		snprintf(env, sizeof(env), "%s", rows[i].env ? rows[i].env : "");
		p = strstr(env, "=CA");
		if (p)
			snprintf(p + 1, sizeof(env) - (size_t)(p + 1 - env),
				 "%s", ca);
		setenv_list(env);
		if (!getenv("AWS_REGION") && strcmp(rows[i].key, "aws.region"))
			setenv("AWS_REGION", "us-east-1", 1);
		snprintf(text, sizeof(text), BASE "%s\n",
			 rows[i].line ? rows[i].line : "");
		ret = config_load_buffer(&cfg, NAME, text, strlen(text), ov,
					 nov, err, sizeof(err));
		is_int(ret, 0, "%s: loads (%s)", rows[i].what, err);
		dump_line(&cfg, rows[i].key, got, sizeof(got));
		snprintf(want, sizeof(want), "%s", rows[i].origin);
		p = strstr(want, "CONF");
		if (!p)
			p = strstr(want, "CRED");
		if (p)
			snprintf(p, sizeof(want) - (size_t)(p - want), "%s",
				 p[1] == 'O' ? conf_path : cred_path);
		origin_of(&cfg, rows[i].key, err, sizeof(err));
		is_str(err, want, "%s: origin", rows[i].what);
		snprintf(want, sizeof(want), "%s = %s  # %s", rows[i].key,
			 rows[i].want ? (strcmp(rows[i].want, "CA") ? rows[i].want : ca) : "",
			 rows[i].want ? err : "unset");
		is_str(got, want, "%s: dumped", rows[i].what);
		config_done(&cfg);
	}
}

static void test_env_errors(void)
{
	struct config cfg;
	char err[1024], want[1024];
	int ret;

	reset("[default]\nregion = mars\n", NULL);
	ret = config_load_buffer(&cfg, NAME, BASE, strlen(BASE), NULL, 0, err,
				 sizeof(err));
	snprintf(want, sizeof(want),
		 NAME ": aws.region: profile default in %s: the region is in "
		      "no AWS partition",
		 conf_path);
	is_int(ret, -EINVAL, "profile region mars: fails");
	is_str(err, want, "profile region mars: the profile named");
	config_done(&cfg);

	reset(NULL, NULL);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL", "ftp://x", 1);
	ret = config_load_buffer(&cfg, NAME, BASE, strlen(BASE), NULL, 0, err,
				 sizeof(err));
	is_int(ret, -EINVAL, "bad AWS_ENDPOINT_URL: fails");
	ok(strncmp(err, NAME ": aws.endpoint: AWS_ENDPOINT_URL: ", 36) == 0,
	   "bad AWS_ENDPOINT_URL: the variable named (%s)", err);
	config_done(&cfg);

	reset("[default\n", NULL);
	setenv("AWS_REGION", "us-east-1", 1);
	ret = config_load_buffer(&cfg, NAME, BASE, strlen(BASE), NULL, 0, err,
				 sizeof(err));
	snprintf(want, sizeof(want),
		 NAME ": aws.profile: %s:1: malformed section header",
		 conf_path);
	is_int(ret, -EINVAL, "malformed profile file: fails");
	is_str(err, want, "malformed profile file: file and line");
	config_done(&cfg);
}

/* Loads @text (a file of @mode in the scratch directory); the message. */
static int load_file(const char *text, mode_t mode, struct config *cfg,
		     char *err, size_t errlen)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/daemon.conf", dir);
	write_text(path, text, mode);
	return config_load(cfg, path, NULL, 0, err, errlen);
}

static void test_secret_files(void)
{
	char text[2048], err[1024], path[700], want[1024], line[1024];
	struct config cfg;
	const struct config_prop *p;
	int ret;

	reset(NULL, NULL);
	setenv("AWS_REGION", "us-east-1", 1);
	snprintf(path, sizeof(path), "%s/sasl", dir);
	write_text(path, "s3cr3t #1\n\n", 0600);

	snprintf(text, sizeof(text), BASE "kafka.sasl.password_file = %s\n",
		 path);
	ret = load_file(text, 0644, &cfg, err, sizeof(err));
	is_int(ret, 0, "absolute _file: loads (%s)", err);
	p = config_props_find(cfg.kafka, "sasl.password");
	is_str(p ? p->value : NULL, "s3cr3t #1",
	       "absolute _file: value, trailing newlines cut");
	ok(cfg.warning == NULL, "absolute _file: no warning");
	dump_line(&cfg, "kafka.sasl.password", line, sizeof(line));
	snprintf(want, sizeof(want),
		 "kafka.sasl.password = <secret>  # %s/daemon.conf:4 via %s",
		 dir, path);
	is_str(line, want, "absolute _file: dumped masked, file named");
	config_done(&cfg);

	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	ret = load_file(BASE "consumer.ssl.key.password_file = sasl\n", 0644,
			&cfg, err, sizeof(err));
	is_int(ret, 0, "relative _file in $CREDENTIALS_DIRECTORY (%s)", err);
	p = config_props_find(cfg.consumer, "ssl.key.password");
	is_str(p ? p->value : NULL, "s3cr3t #1", "relative _file: value");
	config_done(&cfg);

	ret = load_file(BASE "kafka.sasl.password_file = absent\n", 0644, &cfg,
			err, sizeof(err));
	snprintf(want, sizeof(want),
		 "%s/daemon.conf:4: kafka.sasl.password_file: %s/absent: "
		 "cannot open: No such file or directory",
		 dir, dir);
	is_int(ret, -ENOENT, "missing _file: fails");
	is_str(err, want, "missing _file: one line, key and file named");
	config_done(&cfg);

	unsetenv("CREDENTIALS_DIRECTORY");
	ret = load_file(BASE "kafka.sasl.password_file = sasl\n", 0644, &cfg,
			err, sizeof(err));
	snprintf(want, sizeof(want),
		 "%s/daemon.conf:4: kafka.sasl.password_file: sasl: a relative "
		 "path needs $CREDENTIALS_DIRECTORY (systemd's "
		 "LoadCredential=); give an absolute path",
		 dir);
	is_int(ret, -EINVAL, "relative _file without the variable: fails");
	is_str(err, want, "relative _file without the variable: said so");
	config_done(&cfg);

	snprintf(text, sizeof(text),
		 BASE "kafka.sasl.password = x\nkafka.sasl.password_file = %s\n",
		 path);
	ret = load_file(text, 0600, &cfg, err, sizeof(err));
	snprintf(want, sizeof(want),
		 "%s/daemon.conf:5: kafka.sasl.password_file: "
		 "kafka.sasl.password is given too (line 4): give one",
		 dir);
	is_int(ret, -EINVAL, "both forms: fails");
	is_str(err, want, "both forms: said so");
	config_done(&cfg);

	ret = load_file(BASE "aws.region_file = /etc/hostname\n", 0600, &cfg,
			err, sizeof(err));
	is_int(ret, -EINVAL, "_file of a key that is no secret: unknown");
	config_done(&cfg);

	/* An inline secret: a warning when the file is not private. */
	ret = load_file(BASE "producer.sasl.password = pw #1\n", 0640, &cfg,
			err, sizeof(err));
	is_int(ret, 0, "inline secret with ' #': loads (%s)", err);
	snprintf(want, sizeof(want),
		 "%s/daemon.conf: holds the secret producer.sasl.password and "
		 "is readable by its group (mode 0640): give it as "
		 "producer.sasl.password_file (a file of its own, or a systemd "
		 "credential) or make the file private (chmod 0600)",
		 dir);
	is_str(cfg.warning, want, "inline secret, mode 0640: the warning");
	ok(cfg.warning && !strstr(cfg.warning, "pw #1"),
	   "the warning holds no secret");
	config_done(&cfg);
	ret = load_file(BASE "producer.sasl.password = pw\n", 0600, &cfg, err,
			sizeof(err));
	ok(ret == 0 && cfg.warning == NULL, "inline secret, mode 0600: quiet");
	config_done(&cfg);
	ret = load_file(BASE, 0644, &cfg, err, sizeof(err));
	ok(ret == 0 && cfg.warning == NULL, "no secret, mode 0644: quiet");
	config_done(&cfg);
}

static void test_hints(void)
{
	static const struct {
		const char *line;
		const char *msg;
	} rows[] = {
		{"bootstrap.servers = b:9092",
		 "bootstrap.servers: unknown key: librdkafka properties take "
		 "a prefix: write kafka.bootstrap.servers (both clients), or "
		 "consumer.bootstrap.servers or producer.bootstrap.servers "
		 "(one)"},
		{"group.id = g",
		 "group.id: unknown key: librdkafka properties take a prefix: "
		 "write consumer.group.id"},
		{"aws.access_key_id = AKIA",
		 "aws.access_key_id: unknown key: AWS credentials are not "
		 "configuration keys; they come from the credential chain (the "
		 "environment, systemd credentials, the profile of aws.profile, "
		 "container or instance metadata: see optout-eraserd(8), "
		 "ENVIRONMENT)"},
		{"aws.secret_access_key = x",
		 "aws.secret_access_key: unknown key: AWS credentials are not "
		 "configuration keys; they come from the credential chain (the "
		 "environment, systemd credentials, the profile of aws.profile, "
		 "container or instance metadata: see optout-eraserd(8), "
		 "ENVIRONMENT)"},
		{"retry.max_second = 5",
		 "retry.max_second: unknown key (did you mean "
		 "retry.max_seconds?)"},
		{"aws.regoin = us-east-1",
		 "aws.regoin: unknown key (did you mean aws.region?)"},
		{"kafak.client.id = x",
		 "kafak.client.id: unknown key (did you mean kafka.client.id?)"},
		{"colour = blue", "colour: unknown key"},
		{"retry.max_seconds = 60 # a minute",
		 "retry.max_seconds: '#' after a blank is no comment here: "
		 "comments must stand on their own line"},
	};
	char text[1024], err[2048], want[1024];
	struct config cfg;
	size_t i;
	int ret;

	reset(NULL, NULL);
	setenv("AWS_REGION", "us-east-1", 1);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), BASE "%s\n", rows[i].line);
		ret = config_load_buffer(&cfg, NAME, text, strlen(text), NULL,
					 0, err, sizeof(err));
		snprintf(want, sizeof(want), NAME ":4: %s", rows[i].msg);
		is_int(ret, -EINVAL, "hint %s: fails", rows[i].line);
		is_str(err, want, "hint %s: message", rows[i].line);
		config_done(&cfg);
	}
	is_int(config_hint_distance("abc", "acb"), 1, "a swap is one edit");
	is_int(config_hint_distance("", "abc"), 3, "insertions");
	is_int(config_hint_distance("kitten", "sitting"), 3, "kitten");
}

static void test_all_errors(void)
{
	static const char text[] =
		BASE "no.such.key = 1\nsender.workers = many\n"
		     "retry.base_ms = 5 # five\n";
	char err[2048];
	struct config cfg;
	int ret;

	reset(NULL, NULL);
	setenv("AWS_REGION", "us-east-1", 1);
	ret = config_load_buffer(&cfg, NAME, text, strlen(text), NULL, 0, err,
				 sizeof(err));
	is_int(ret, -EINVAL, "three bad lines: fails");
	is_str(err,
	       NAME ":4: no.such.key: unknown key\n"
	       NAME ":5: sender.workers: must be an integer between 0 and "
		    "256\n"
	       NAME ":6: retry.base_ms: '#' after a blank is no comment "
		    "here: comments must stand on their own line",
	       "three bad lines: three lines");
	config_done(&cfg);

	ret = config_load(&cfg, dir, NULL, 0, err, sizeof(err));
	is_int(ret, -EISDIR, "a directory as the file: -EISDIR");
	config_done(&cfg);
}

int main(void)
{
	char cmd[700];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(conf_path, sizeof(conf_path), "%s/aws-config", dir);
	snprintf(cred_path, sizeof(cred_path), "%s/aws-credentials", dir);
	setenv("AWS_CONFIG_FILE", conf_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);

	test_precedence();
	test_env_errors();
	test_secret_files();
	test_hints();
	test_all_errors();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
