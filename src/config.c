/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the configuration file and -o overrides -> struct config.
 *
 * The keys of our own are the table of config_keys.c (type, field,
 * default, bounds, required, reloadable); their values are parsed by
 * config_value.c.  Keys with a kafka., consumer. or producer. prefix are
 * librdkafka properties, checked and kept by config_props.c; a secret one
 * may come from a file instead ("KEY_file", config_secret.c).
 *
 * Loading runs in four steps: defaults, the file (a key given twice is an
 * error: it is more likely a mistake than an intent), the overrides (which
 * always win, later ones over earlier ones), then the environment and the
 * AWS profile for what is still unset (config_env.c) and the checks that
 * need the whole picture (required keys, keys that must agree).  Every line
 * of the file and every override is tried, and each error adds one line
 * naming its place ("FILE:LINE:", "-o:" or "FILE:") and the key, so
 * --check-config shows them all; the checks of the whole picture run only
 * on a file without errors.  Where each value came from is recorded
 * (config_origin.c) for --dump-config and for messages.  Messages never
 * repeat a value from the file, which may be a password.
 *
 * Property values may be secrets (SASL and SSL passwords): every copy of the
 * file text and every property value is wiped before it is freed.
 *
 * Called by main() at start-up and by reload.c on SIGHUP, both on the main
 * thread; the struct config it fills is read-only afterwards.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "config_env.h"
#include "config_hint.h"
#include "config_keys.h"
#include "config_origin.h"
#include "config_props.h"
#include "stsdoc.h"
#include "config_secret.h"
#include "config_value.h"
#include "log.h"
#include "region.h"
#include "urlpolicy.h"
#include "util.h"

/* A configuration file larger than this is refused (it is not one). */
#define CONFIG_FILE_MAX (16u * 1024 * 1024)

/* Where a key got its value: a line number (> 0), or one of these. */
#define ORIGIN_UNSET 0
#define ORIGIN_OVERRIDE (-1)
#define ORIGIN_ENV (-2)
#define ORIGIN_PROFILE (-3)

struct loader {
	struct config *cfg;
	const char *name;
	rd_kafka_conf_t *scratch; /* validates properties; created lazily */
	int origin[CONFIG_NKEYS];
	int nerrors;
	char inline_secret[128]; /* the first secret given in the file */
	char *errbuf;
	size_t errlen;
};

/*
 * Adds the line "PLACE: key: message" to the loader's errbuf and returns
 * @err.
 * PLACE is "NAME:LINE" (origin > 0), "-o" or "NAME".
 */
__attribute__((format(printf, 5, 6))) static int
loader_fail(struct loader *ld, int origin, const char *key, int err,
	    const char *fmt, ...)
{
	char msg[640], line[1024];
	size_t used, n;
	va_list ap;

	ld->nerrors++;
	if (!ld->errbuf || ld->errlen == 0)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (origin > 0 && key)
		snprintf(line, sizeof(line), "%s:%d: %s: %s", ld->name, origin,
			 key, msg);
	else if (origin > 0)
		snprintf(line, sizeof(line), "%s:%d: %s", ld->name, origin, msg);
	else if (origin == ORIGIN_OVERRIDE && key)
		snprintf(line, sizeof(line), "-o: %s: %s", key, msg);
	else if (origin == ORIGIN_OVERRIDE)
		snprintf(line, sizeof(line), "-o: %s", msg);
	else if (key)
		snprintf(line, sizeof(line), "%s: %s: %s", ld->name, key, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", ld->name, msg);
	/* Later errors are added as whole lines, while they fit. */
	used = strnlen(ld->errbuf, ld->errlen);
	n = strlen(line);
	if (used == 0)
		snprintf(ld->errbuf, ld->errlen, "%s", line);
	else if (used + 1 + n < ld->errlen)
		snprintf(ld->errbuf + used, ld->errlen - used, "\n%s", line);
	return err;
}

/* Splits "kafka.x" into its list and "x"; NULL when not a property key. */
static struct config_prop **prop_list(struct config *cfg, const char *key,
				      const char **ret_name)
{
	static const struct {
		const char *prefix;
		size_t offset;
	} prefixes[] = {
		{"kafka.", offsetof(struct config, kafka)},
		{"consumer.", offsetof(struct config, consumer)},
		{"producer.", offsetof(struct config, producer)},
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

/* Records where @key got its value (origin as loader_set() takes it). */
static int loader_record(struct loader *ld, int origin, const char *key,
			 const char *secret_file)
{
	enum config_origin_kind kind = origin > 0 ? CONFIG_ORIGIN_FILE :
						    CONFIG_ORIGIN_OVERRIDE;

	if (config_origin_set(&ld->cfg->origins, key, kind, origin, NULL,
			      secret_file))
		return loader_fail(ld, origin, key, -ENOMEM, "out of memory");
	return 0;
}

/* The line of the file that gave @key, or 0. */
static int loader_line_of(const struct loader *ld, const char *key)
{
	const struct config_origin *o;

	o = config_origin_find(ld->cfg->origins, key);
	return o && o->kind == CONFIG_ORIGIN_FILE ? o->line : 0;
}

/* aws.role.ACCOUNT = arn:aws:iam::ACCOUNT:role/NAME: the role to assume
 * for that account's lists. */
static int loader_role(struct loader *ld, int origin, const char *key,
		       const char *value)
{
	const char *account = key + strlen(CONFIG_ROLE_PREFIX);
	char of[13];
	size_t i;

	for (i = 0; i < 12 && account[i] >= '0' && account[i] <= '9'; i++)
		;
	if (i != 12 || account[12])
		return loader_fail(ld, origin, key, -EINVAL, "the account id "
				   "after aws.role. must be 12 digits");
	if (!stsdoc_role_arn(value, of))
		return loader_fail(ld, origin, key, -EINVAL, "\"%s\" is not an "
				   "IAM role ARN (arn:aws:iam::%s:role/NAME)",
				   value, account);
	if (strcmp(of, account))
		return loader_fail(ld, origin, key, -EINVAL, "the role is in "
				   "account %s, not %s", of, account);
	if (origin > 0 && loader_line_of(ld, key) > 0)
		return loader_fail(ld, origin, key, -EINVAL,
				   "given twice (first at line %d)",
				   loader_line_of(ld, key));
	if (config_props_put(&ld->cfg->aws_roles, account, value))
		return loader_fail(ld, origin, key, -ENOMEM, "out of memory");
	return loader_record(ld, origin, key, NULL);
}

/* Applies key=value from the file (origin = line) or from -o; the value
 * was read from @secret_file when not NULL. */
static int loader_put(struct loader *ld, int origin, const char *key,
		      const char *value, const char *secret_file)
{
	const struct config_key *k;
	struct config_prop **list;
	const char *name = NULL;
	char msg[512];
	size_t idx = 0;
	int ret;

	k = config_key_find(key, &idx);
	if (k) {
		if (origin > 0 && ld->origin[idx] > 0)
			return loader_fail(ld, origin, key, -EINVAL,
					   "given twice (first at line %d)",
					   ld->origin[idx]);
		ret = config_key_set(ld->cfg, k, value, msg, sizeof(msg));
		if (ret)
			return loader_fail(ld, origin, key, ret, "%s", msg);
		ld->origin[idx] = origin;
		return loader_record(ld, origin, key, secret_file);
	}

	if (!strncmp(key, CONFIG_ROLE_PREFIX, strlen(CONFIG_ROLE_PREFIX)))
		return loader_role(ld, origin, key, value);
	list = prop_list(ld->cfg, key, &name);
	if (!list) {
		config_hint_unknown(key, &ld->scratch, msg, sizeof(msg));
		return loader_fail(ld, origin, key, -EINVAL, "%s", msg);
	}
	if (origin > 0 && loader_line_of(ld, key) > 0)
		return loader_fail(ld, origin, key, -EINVAL,
				   "given twice (first at line %d)",
				   loader_line_of(ld, key));
	ret = config_props_check(&ld->scratch, name, value, msg,
				 sizeof(msg));
	if (ret)
		return loader_fail(ld, origin, key, ret, "%s", msg);
	ret = config_props_put(list, name, value);
	if (ret)
		return loader_fail(ld, origin, key, ret, "out of memory");
	if (origin > 0 && !secret_file && !ld->inline_secret[0] &&
	    config_secret_key(key))
		snprintf(ld->inline_secret, sizeof(ld->inline_secret), "%s",
			 key);
	return loader_record(ld, origin, key, secret_file);
}

/* "SECRET_file = PATH": SECRET from the file PATH (config_secret.h). */
static int loader_set(struct loader *ld, int origin, const char *key,
		      const char *value)
{
	char secret[128], msg[512], *v = NULL, *path = NULL;
	int ret;

	if (!config_secret_file_key(key, secret, sizeof(secret)))
		return loader_put(ld, origin, key, value, NULL);
	if (origin > 0 && loader_line_of(ld, secret) > 0)
		return loader_fail(ld, origin, key, -EINVAL,
				   "%s is given too (line %d): give one",
				   secret, loader_line_of(ld, secret));
	ret = config_secret_read(value, &v, &path, msg, sizeof(msg));
	if (ret)
		return loader_fail(ld, origin, key, ret, "%s", msg);
	ret = loader_put(ld, origin, secret, v, path);
	util_secret_free(v);
	free(path);
	return ret;
}

/* True when a blank and '#' follow the value's first character: a comment
 * meant to end the line (a secret may hold " #": it is exempt). */
static bool inline_comment(const char *value)
{
	const char *h = value;

	while (*h && (h = strchr(h + 1, '#')))
		if (h[-1] == ' ' || h[-1] == '\t')
			return true;
	return false;
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

	key = config_value_trim(line);
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
	value = config_value_trim(eq + 1);
	key = config_value_trim(key);
	if (!config_secret_key(key) && inline_comment(value)) {
		ret = loader_fail(ld, lineno, key, -EINVAL,
				  "'#' after a blank is no comment here: "
				  "comments must stand on their own line");
		goto out;
	}
	ret = loader_set(ld, lineno, key, value);
out:
	/* Whole: the NULs put at '=' and after the key would stop
	 * util_secret_free() before the value, the secret. */
	if (line)
		OPENSSL_cleanse(line, len + 1);
	free(line);
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
	key = config_value_trim(copy);
	if (!eq || *key == '\0') {
		ret = loader_fail(ld, ORIGIN_OVERRIDE, NULL, -EINVAL,
				  "'%s': expected key=value", text);
		goto out;
	}
	value = config_value_trim(eq + 1);
	ret = loader_set(ld, ORIGIN_OVERRIDE, key, value);
out:
	if (copy) /* whole, as in loader_line() */
		OPENSSL_cleanse(copy, strlen(text) + 1);
	free(copy);
	return ret;
}

static int loader_defaults(struct loader *ld)
{
	char msg[256];
	size_t i;
	int ret;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (!config_keys[i].def)
			continue;
		ret = config_key_set(ld->cfg, &config_keys[i], config_keys[i].def,
			      msg, sizeof(msg));
		if (ret)
			return loader_fail(ld, ORIGIN_UNSET,
					   config_keys[i].name, ret, "%s",
					   msg);
	}
	return 0;
}

static bool env_isset(void *opaque, const char *key)
{
	const struct loader *ld = opaque;
	size_t i = 0;

	return config_key_find(key, &i) && ld->origin[i] != ORIGIN_UNSET;
}

/* "VAR" or "profile NAME in PATH", for messages. */
static void origin_source(const struct config_origin *o, char *buf,
			  size_t len)
{
	if (o && o->kind == CONFIG_ORIGIN_ENV)
		snprintf(buf, len, "%s", o->detail);
	else if (o && o->kind == CONFIG_ORIGIN_PROFILE)
		snprintf(buf, len, "profile %s", o->detail);
	else
		snprintf(buf, len, "environment");
}

static int env_set(void *opaque, const char *key, const char *value,
		   enum config_origin_kind kind, const char *detail)
{
	struct loader *ld = opaque;
	const struct config_key *k;
	char msg[256], src[512];
	size_t i = 0;
	int ret;

	k = config_key_find(key, &i);
	ret = config_origin_set(&ld->cfg->origins, key, kind, 0, detail, NULL);
	if (ret)
		return loader_fail(ld, ORIGIN_UNSET, key, ret, "out of memory");
	ret = config_key_set(ld->cfg, k, value, msg, sizeof(msg));
	if (ret) {
		origin_source(config_origin_find(ld->cfg->origins, key), src,
			      sizeof(src));
		return loader_fail(ld, ORIGIN_UNSET, key, ret, "%s: %s", src,
				   msg);
	}
	ld->origin[i] = kind == CONFIG_ORIGIN_ENV ? ORIGIN_ENV : ORIGIN_PROFILE;
	return 0;
}

/* Fills keys from the environment and the AWS profile where the file and
 * -o left them out (config_env.c). */
static int loader_env(struct loader *ld)
{
	char msg[512];
	int ret;

	ret = config_env_apply(ld->cfg->aws_profile, env_isset, env_set, ld,
			       msg, sizeof(msg));
	if (ret && msg[0])
		return loader_fail(ld, ORIGIN_UNSET, "aws.profile", ret, "%s",
				   msg);
	return ret;
}

/* aws.region must be a region where sms-voice exists, by the table or by
 * aws.extra_regions (which may come later in the file or from -o: hence
 * here).  A value from the environment is named by its variable. */
static int loader_check_region(struct loader *ld)
{
	const struct config *cfg = ld->cfg;
	const struct config_key *k;
	enum region_status st;
	char why[256], src[512];
	size_t i = 0;

	st = region_check(NULL, cfg->aws_region, cfg->aws_extra_regions);
	if (st == REGION_OK)
		return 0;
	k = config_key_find("aws.region", &i);
	region_explain(st, NULL, cfg->aws_region, false, why, sizeof(why));
	if (ld->origin[i] == ORIGIN_ENV || ld->origin[i] == ORIGIN_PROFILE) {
		origin_source(config_origin_find(cfg->origins, k->name), src,
			      sizeof(src));
		return loader_fail(ld, ORIGIN_UNSET, k->name, -EINVAL,
				   "%s: %s", src, why);
	}
	return loader_fail(ld, ld->origin[i], k->name, -EINVAL, "%s", why);
}

/* Plain http only to a loopback host unless aws.allow_plain_http
 * (urlpolicy.h): aws.endpoint wherever it came from, and the variables
 * that point the credential sources elsewhere.  TLS itself cannot be
 * turned off. */
static int loader_check_plain_http(struct loader *ld)
{
	static const char *const vars[] = {"AWS_ENDPOINT_URL_STS",
					   "AWS_EC2_METADATA_SERVICE_ENDPOINT"};
	const struct config *cfg = ld->cfg;
	const char *v;
	char why[256], src[512];
	size_t i = 0;
	int r;

	if (cfg->aws_endpoint) {
		r = urlpolicy_check(cfg->aws_endpoint, false,
				    cfg->aws_allow_plain_http, why, sizeof(why));
		config_key_find("aws.endpoint", &i);
		if (r && (ld->origin[i] == ORIGIN_ENV ||
			  ld->origin[i] == ORIGIN_PROFILE)) {
			origin_source(config_origin_find(cfg->origins,
							 "aws.endpoint"),
				      src, sizeof(src));
			return loader_fail(ld, ORIGIN_UNSET, "aws.endpoint",
					   -EINVAL, "%s: %s", src, why);
		}
		if (r)
			return loader_fail(ld, ld->origin[i], "aws.endpoint",
					   -EINVAL, "%s", why);
	}
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (v && *v &&
		    urlpolicy_check(v, i == 1, cfg->aws_allow_plain_http, why,
				    sizeof(why)) == -EPERM)
			return loader_fail(ld, ORIGIN_UNSET, vars[i], -EINVAL,
					   "%s", why);
	}
	return 0;
}

/* Each entry of erase.regions must be a region where sms-voice exists, as
 * aws.region must (region_check()). */
static int loader_check_erase_regions(struct loader *ld)
{
	const struct config *cfg = ld->cfg;
	char region[REGION_NAME_MAX + 1], why[256];
	enum region_status st;
	size_t i, idx = 0;

	config_key_find("erase.regions", &idx);
	for (i = 0; region_list_entry(cfg->erase_regions, i, region,
				      sizeof(region));
	     i++) {
		st = region_check(NULL, region, cfg->aws_extra_regions);
		if (st == REGION_OK)
			continue;
		region_explain(st, NULL, region, true, why, sizeof(why));
		return loader_fail(ld, ld->origin[idx], "erase.regions",
				   -EINVAL, "entry %zu: %s", i + 1, why);
	}
	return 0;
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
	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		if (!k->required || ld->origin[i] != ORIGIN_UNSET)
			continue;
		if (config_env_var(k->name))
			return loader_fail(ld, ORIGIN_UNSET, k->name, -EINVAL,
					   "required (or set %s, or %s in "
					   "the AWS profile)",
					   config_env_var(k->name),
					   strrchr(k->name, '.') + 1);
		return loader_fail(ld, ORIGIN_UNSET, k->name, -EINVAL,
				   "required");
	}
	ret = loader_check_region(ld);
	if (!ret)
		ret = loader_check_erase_regions(ld);
	if (!ret)
		ret = loader_check_plain_http(ld);
	if (ret)
		return ret;
	if (!config_props_has_brokers(cfg->kafka) &&
	    !(config_props_has_brokers(cfg->consumer) && config_props_has_brokers(cfg->producer)))
		return loader_fail(ld, ORIGIN_UNSET, "kafka.bootstrap.servers",
				   -EINVAL, "required");

	config_key_find("results.topic", &iresults);
	if (strcmp(cfg->requests_topic, cfg->results_topic) == 0)
		return loader_fail(ld, ld->origin[iresults], "results.topic",
				   -EINVAL, "must differ from requests.topic");

	if (cfg->dlq_topic) {
		size_t idlq = 0;

		config_key_find("dlq.topic", &idlq);
		if (strcmp(cfg->dlq_topic, cfg->requests_topic) == 0 ||
		    strcmp(cfg->dlq_topic, cfg->results_topic) == 0)
			return loader_fail(ld, ld->origin[idlq], "dlq.topic",
					   -EINVAL,
					   "must differ from requests.topic "
					   "and results.topic");
	}

	config_key_find("retry.base_ms", &ibase);
	config_key_find("retry.cap_ms", &icap);
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

	if (!config_props_find(cfg->kafka, "group.id") &&
	    !config_props_find(cfg->consumer, "group.id")) {
		ret = config_props_put(&cfg->consumer, "group.id", "optout-eraser");
		if (ret)
			return loader_fail(ld, ORIGIN_UNSET,
					   "consumer.group.id", ret,
					   "out of memory");
	}
	return 0;
}

/* The warning for a secret inline in a file (of @mode) others may read. */
static int loader_warn(struct loader *ld, mode_t mode)
{
	char msg[1024];

	if (!ld->inline_secret[0] ||
	    !config_secret_exposed(ld->name, mode, ld->inline_secret, msg,
				   sizeof(msg)))
		return 0;
	ld->cfg->warning = strdup(msg);
	if (!ld->cfg->warning)
		return loader_fail(ld, ORIGIN_UNSET, NULL, -ENOMEM,
				   "out of memory");
	return 0;
}

/* config_load_buffer() for a file of @mode (0: not a file).  Every line
 * and override is tried, so that each error is reported; the checks of
 * the whole picture run when there was none. */
static int load_buffer(struct config *cfg, const char *name, const char *buf,
		       size_t len, char *const *overrides, int noverrides,
		       mode_t mode, char *errbuf, size_t errlen)
{
	struct loader ld;
	const char *nl;
	size_t pos = 0, n;
	int lineno = 0, i, ret = 0, first = 0;

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
		if (ret == -ENOMEM)
			goto out;
		first = first ? first : ret;
		pos += n + 1;
	}

	for (i = 0; i < noverrides && ret != -ENOMEM; i++) {
		ret = loader_override(&ld, overrides[i]);
		first = first ? first : ret;
	}
	ret = first;
	if (ret)
		goto out;
	ret = loader_finish(&ld);
	if (!ret)
		ret = loader_warn(&ld, mode);
out:
	if (ld.scratch)
		rd_kafka_conf_destroy(ld.scratch);
	return ret;
}

int config_load_buffer(struct config *cfg, const char *name, const char *buf,
		       size_t len, char *const *overrides, int noverrides,
		       char *errbuf, size_t errlen)
{
	return load_buffer(cfg, name, buf, len, overrides, noverrides, 0,
			   errbuf, errlen);
}

/* Reads all of @path into @b (a secret buffer capped at CONFIG_FILE_MAX),
 * its mode into *@ret_mode. */
static int read_file(const char *path, struct buf *b, mode_t *ret_mode,
		     char *errbuf, size_t errlen)
{
	struct stat st;
	char tmp[128];
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		util_set_error(errbuf, errlen, "%s: cannot open: %s", path,
			       strerror_r(-ret, tmp, sizeof(tmp)));
		return ret;
	}
	*ret_mode = fstat(fd, &st) == 0 ? st.st_mode : 0;
	ret = buf_read_all(b, fd);
	close(fd);
	if (ret == -E2BIG) {
		util_set_error(errbuf, errlen, "%s: larger than %u bytes", path,
			       CONFIG_FILE_MAX);
		return -EFBIG;
	}
	if (ret == -ENOMEM)
		util_set_error(errbuf, errlen, "%s: out of memory", path);
	else if (ret < 0)
		util_set_error(errbuf, errlen, "%s: cannot read: %s", path,
			       strerror_r(-ret, tmp, sizeof(tmp)));
	return ret;
}

int config_load(struct config *cfg, const char *path,
		char *const *overrides, int noverrides, char *errbuf,
		size_t errlen)
{
	mode_t mode = 0;
	struct buf b;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (errbuf && errlen > 0)
		errbuf[0] = '\0';
	buf_init(&b, CONFIG_FILE_MAX, BUF_SECRET);
	ret = read_file(path, &b, &mode, errbuf, errlen);
	if (ret) {
		cfg->path = strdup(path);
		goto out;
	}
	ret = load_buffer(cfg, path, buf_str(&b), b.len, overrides, noverrides,
			  mode, errbuf, errlen);
out:
	buf_free(&b);
	return ret;
}

void config_done(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	config_props_free(cfg->kafka);
	config_props_free(cfg->consumer);
	config_props_free(cfg->producer);
	config_props_free(cfg->aws_roles);
	for (i = 0; i < CONFIG_NKEYS; i++)
		if (config_key_is_string(config_keys[i].type))
			free(*(char **)config_key_field(cfg, &config_keys[i]));
	free(cfg->path);
	free(cfg->warning);
	config_origin_free(cfg->origins);
	memset(cfg, 0, sizeof(*cfg));
}

int config_apply_kafka(const struct config *cfg, rd_kafka_conf_t *conf,
		       bool consumer, char *errbuf, size_t errlen)
{
	int ret;

	ret = config_props_apply(cfg->kafka, "kafka.", conf, errbuf, errlen);
	if (ret)
		return ret;
	if (consumer)
		return config_props_apply(cfg->consumer, "consumer.", conf,
					  errbuf, errlen);
	return config_props_apply(cfg->producer, "producer.", conf, errbuf,
				  errlen);
}

static bool str_differs(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}


bool config_reloadable(const char *key)
{
	size_t i = 0;

	return config_key_find(key, &i) && config_keys[i].reloads;
}

int config_diff(const struct config *a, const struct config *b,
		void (*changed)(const char *key, void *opaque), void *opaque)
{
	size_t i;
	int n = 0;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		const void *fa = config_key_field((struct config *)a, k);
		const void *fb = config_key_field((struct config *)b, k);
		bool diff;

		/* Scalars are parsed from digits: never NaN nor -0. */
		if (config_key_is_string(k->type))
			diff = str_differs(*(char *const *)fa,
					   *(char *const *)fb);
		else
			diff = memcmp(fa, fb, config_key_size(k->type)) != 0;
		if (diff) {
			changed(k->name, opaque);
			n++;
		}
	}
	if (config_props_differ(a->kafka, b->kafka)) {
		changed("kafka.*", opaque);
		n++;
	}
	if (config_props_differ(a->consumer, b->consumer)) {
		changed("consumer.*", opaque);
		n++;
	}
	if (config_props_differ(a->producer, b->producer)) {
		changed("producer.*", opaque);
		n++;
	}
	if (config_props_differ(a->aws_roles, b->aws_roles)) {
		changed(CONFIG_ROLE_PREFIX "*", opaque);
		n++;
	}
	return n;
}
