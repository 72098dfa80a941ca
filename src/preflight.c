/* SPDX-License-Identifier: Apache-2.0 */
/*
 * preflight.c - the --preflight checklist (preflight.h).
 *
 * Each check prints one line and counts as passed, warned or failed; a
 * check never stops the others, so one run shows everything to fix.  The
 * checks reuse the daemon's own set-up rather than imitating it: the
 * Kafka client comes from kafka.c with the user's properties, the
 * credentials from credprov.c, the signed call from call.c (endpoint.c's
 * URL, sigv4.c's signature, http.c's easy-handle policy, api.c's
 * classification), the file list from config_props.c.  What is read-only
 * is chosen on purpose: metadata, DescribeConfigs and the committed
 * offsets on the Kafka side (the group is not joined, nothing is
 * committed), DescribeOptOutLists with MaxResults=1 on the AWS side.
 * Secrets never reach the output: the access key id is masked.
 *
 * The AWS rows cover every (region, account) the daemon may call: each
 * region of aws.region and erase.regions, with the chain's keys and with
 * each aws.role.ACCOUNT role's (assumed by credprov_new(): a role that
 * cannot be assumed fails the credentials row, naming the key), one row
 * each, so that a region or a role that will not work shows up before the
 * first request needs it.
 */
#include "preflight.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "call.h"
#include "config.h"
#include "credprov.h"
#include "endpoint.h"
#include "kafka.h"
#include "logscrub.h"
#include "outcome.h"
#include "region.h"
#include "sigv4.h"
#include "util.h"

#define PREFLIGHT_KAFKA_MS 10000
#define DESCRIBE_TARGET "PinpointSMSVoiceV2.DescribeOptOutLists"

enum mark { MARK_OK, MARK_WARN, MARK_FAIL };

struct preflight {
	FILE *out;
	int fails;
	int warns;
};

static void say(struct preflight *pf, enum mark m, const char *what,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void say(struct preflight *pf, enum mark m, const char *what,
		const char *fmt, ...)
{
	static const char *const tags[] = {"ok", "WARN", "FAIL"};
	char raw[1024], line[2048];
	va_list ap;
	int n;

	if (m == MARK_FAIL)
		pf->fails++;
	else if (m == MARK_WARN)
		pf->warns++;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Answers of Kafka and AWS are outside text: escaped and masked as
	 * in the log (logscrub.h). */
	logscrub(raw, n < 0 ? 0 : (size_t)n < sizeof(raw) ? (size_t)n :
			   sizeof(raw) - 1, line, sizeof(line));
	fprintf(pf->out, "%-4s  %s: %s\n", tags[m], what, line);
	fflush(pf->out);
}

/* ---------------------------------------------------------- credentials */

/* "AKIA****WXYZ": the first four (the key type) and the last four, as the
 * AWS console shows a key; shorter ids are not shown at all. */
static void mask_key_id(const char *id, char *buf, size_t len)
{
	size_t n = id ? strlen(id) : 0;

	if (n < 12)
		snprintf(buf, len, "****");
	else
		snprintf(buf, len, "%.4s****%s", id, id + n - 4);
}

static void check_credentials(struct preflight *pf, struct credprov *cred,
			      const char *cred_err)
{
	char masked[32], when[40];
	struct creds *c;
	int64_t exp;

	if (!cred) {
		say(pf, MARK_FAIL, "credentials", "%s", cred_err);
		return;
	}
	c = credprov_get(cred);
	mask_key_id(c->c.access_key_id, masked, sizeof(masked));
	exp = credprov_expires_ms(cred);
	if (exp == 0)
		snprintf(when, sizeof(when), "no expiry");
	else if (outcome_format_ms(exp, when, sizeof(when)) < 0)
		snprintf(when, sizeof(when), "expiry unknown");
	say(pf, exp && exp <= util_wall_ms() ? MARK_FAIL : MARK_OK,
	    "credentials", "from %s, access key id %s, %s%s",
	    credprov_source(cred), masked, exp ? "expires " : "", when);
	creds_unref(c);
}

/* ---------------------------------------------------------------- files */

static void file_line(void *opaque, const char *prefix, const char *name,
		      const char *path, int err)
{
	char what[160];

	snprintf(what, sizeof(what), "file %s%s", prefix, name);
	if (err)
		say(opaque, MARK_FAIL, what, "%s: %s", path, strerror(-err));
	else
		say(opaque, MARK_OK, what, "%s readable", path);
}

static void check_files(struct preflight *pf, const struct config *cfg)
{
	size_t n;

	n = config_props_files(cfg->kafka, "kafka.", file_line, pf);
	n += config_props_files(cfg->consumer, "consumer.", file_line, pf);
	n += config_props_files(cfg->producer, "producer.", file_line, pf);
	if (n == 0)
		say(pf, MARK_OK, "files", "no librdkafka property names a file");
}

/* ---------------------------------------------------------------- Kafka */

/* min.insync.replicas of @topic as the broker reports it, or -1 when the
 * broker does not say (no DescribeConfigs ACL, an old or mock broker). */
static long min_insync(rd_kafka_t *rk, const char *topic)
{
	rd_kafka_ConfigResource_t *res =
		rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	const rd_kafka_ConfigResource_t **rs;
	const rd_kafka_ConfigEntry_t **entries;
	rd_kafka_event_t *ev = NULL;
	size_t nrs = 0, ne = 0, i;
	long v = -1;

	if (!res || !q)
		goto out;
	rd_kafka_DescribeConfigs(rk, &res, 1, NULL, q);
	ev = rd_kafka_queue_poll(q, PREFLIGHT_KAFKA_MS);
	if (!ev || rd_kafka_event_error(ev) ||
	    rd_kafka_event_type(ev) != RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT)
		goto out;
	rs = rd_kafka_DescribeConfigs_result_resources(
		rd_kafka_event_DescribeConfigs_result(ev), &nrs);
	if (nrs != 1 || rd_kafka_ConfigResource_error(rs[0]))
		goto out;
	entries = rd_kafka_ConfigResource_configs(rs[0], &ne);
	for (i = 0; i < ne; i++) {
		const char *val = rd_kafka_ConfigEntry_value(entries[i]);

		if (strcmp(rd_kafka_ConfigEntry_name(entries[i]),
			   "min.insync.replicas") == 0 && val)
			v = strtol(val, NULL, 10);
	}
out:
	if (ev)
		rd_kafka_event_destroy(ev);
	if (q)
		rd_kafka_queue_destroy(q);
	if (res)
		rd_kafka_ConfigResource_destroy(res);
	return v;
}

static const struct rd_kafka_metadata_topic *
find_topic(const struct rd_kafka_metadata *md, const char *name)
{
	int i;

	for (i = 0; i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, name) == 0)
			return &md->topics[i];
	return NULL;
}

/* The topic exists and can be read: partitions, replication factor,
 * min.insync.replicas (which acks=all on the results topic relies on). */
static void check_topic(struct preflight *pf, rd_kafka_t *rk,
			const struct rd_kafka_metadata *md, const char *role,
			const char *name)
{
	const struct rd_kafka_metadata_topic *t = find_topic(md, name);
	char what[96], isr[32];
	long mir;

	snprintf(what, sizeof(what), "%s topic %s", role, name);
	if (!t) {
		say(pf, MARK_FAIL, what, "does not exist (the daemon creates "
					 "no topic)");
		return;
	}
	if (t->err || t->partition_cnt == 0) {
		say(pf, MARK_FAIL, what, "%s", rd_kafka_err2str(t->err));
		return;
	}
	mir = min_insync(rk, name);
	if (mir < 0)
		snprintf(isr, sizeof(isr), "unknown");
	else
		snprintf(isr, sizeof(isr), "%ld", mir);
	say(pf, mir == 1 && strcmp(role, "requests") != 0 ? MARK_WARN : MARK_OK,
	    what, "%d partition(s), replication factor %d, "
		  "min.insync.replicas %s",
	    t->partition_cnt, t->partitions[0].replica_cnt, isr);
}

/* The group coordinator answers for our group id and lets us read its
 * committed offsets: what joining will need (Describe/Read on the group). */
static void check_group(struct preflight *pf, rd_kafka_t *rk,
			const struct rd_kafka_metadata *md,
			const char *topic, const char *group)
{
	const struct rd_kafka_metadata_topic *t = find_topic(md, topic);
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_resp_err_t err;
	char what[160];
	int i, committed = 0;

	snprintf(what, sizeof(what), "consumer group %s", group);
	if (!t || t->partition_cnt == 0) {
		say(pf, MARK_WARN, what, "not checked: no requests topic");
		return;
	}
	parts = rd_kafka_topic_partition_list_new(t->partition_cnt);
	for (i = 0; i < t->partition_cnt; i++)
		rd_kafka_topic_partition_list_add(parts, topic,
						  t->partitions[i].id);
	err = rd_kafka_committed(rk, parts, PREFLIGHT_KAFKA_MS);
	for (i = 0; !err && i < parts->cnt; i++) {
		if (parts->elems[i].err)
			err = parts->elems[i].err;
		else if (parts->elems[i].offset >= 0)
			committed++;
	}
	if (err)
		say(pf, MARK_FAIL, what, "committed offsets not readable: %s",
		    rd_kafka_err2str(err));
	else
		say(pf, MARK_OK, what, "coordinator answers; offsets committed "
				       "on %d of %d partition(s)",
		    committed, parts->cnt);
	rd_kafka_topic_partition_list_destroy(parts);
}

static void check_kafka(struct preflight *pf, const struct config *cfg)
{
	const struct rd_kafka_metadata *md = NULL;
	char errbuf[512], group[256] = "";
	size_t glen = sizeof(group);
	rd_kafka_conf_t *conf;
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk = NULL;

	conf = kafka_conf_new(cfg, true, "preflight", NULL, 0, NULL, 0, errbuf,
			      sizeof(errbuf));
	if (conf && rd_kafka_conf_get(conf, "group.id", group, &glen) !=
			    RD_KAFKA_CONF_OK)
		group[0] = '\0';
	if (conf)
		rk = kafka_new(RD_KAFKA_CONSUMER, conf, NULL, "preflight",
			       errbuf, sizeof(errbuf));
	if (!rk) {
		say(pf, MARK_FAIL, "kafka", "cannot make a client: %s", errbuf);
		return;
	}
	err = rd_kafka_metadata(rk, 1, NULL, &md, PREFLIGHT_KAFKA_MS);
	if (err) {
		say(pf, MARK_FAIL, "kafka", "no metadata within %d s: %s",
		    PREFLIGHT_KAFKA_MS / 1000, rd_kafka_err2str(err));
		goto out;
	}
	say(pf, MARK_OK, "kafka", "%d broker(s), metadata from %s (id %" PRId32
				  ")",
	    md->broker_cnt, md->orig_broker_name, md->orig_broker_id);
	check_topic(pf, rk, md, "requests", cfg->requests_topic);
	check_topic(pf, rk, md, "results", cfg->results_topic);
	if (cfg->dlq_topic)
		check_topic(pf, rk, md, "dead-letter", cfg->dlq_topic);
	check_group(pf, rk, md, cfg->requests_topic, group);
	rd_kafka_metadata_destroy(md);
out:
	rd_kafka_destroy(rk);
}

/* ------------------------------------------------------------------ AWS */

/* The first line of an AWS message, at most 200 bytes: a signature
 * error goes on with the canonical request, which may hold the session
 * token. */
static int message_len(const char *msg)
{
	size_t n = msg ? strcspn(msg, "\r\n") : 0;

	return n > 200 ? 200 : (int)n;
}

/* How the answer to the harmless call reads: an AWS answer of any kind
 * proves the endpoint and the signature; AccessDenied only says that the
 * policy does not grant this read (the daemon needs DeleteOptedOutNumber). */
static void judge_answer(struct preflight *pf, const char *what,
			 const char *url, const struct api_result *res)
{
	const char *code = res->error_code;

	if (!code)
		say(pf, MARK_OK, what, "%s answers a signed DescribeOptOutLists "
				       "(HTTP %ld)", url, res->http_status);
	else if (strcmp(code, "AccessDeniedException") == 0)
		say(pf, MARK_WARN, what, "%s answers, signature accepted, but "
					 "DescribeOptOutLists is denied "
					 "(AccessDeniedException): the check "
					 "needs sms-voice:DescribeOptOutLists",
		    url);
	else if (res->foreign)
		say(pf, MARK_FAIL, what, "%s: HTTP %ld not from AWS (a proxy or "
					 "a firewall in the way?)",
		    url, res->http_status);
	else if (strcmp(code, "ThrottlingException") == 0)
		say(pf, MARK_WARN, what, "%s answers, signature accepted, but "
					 "throttled", url);
	else
		say(pf, MARK_FAIL, what, "%s: %s (HTTP %ld): %.*s", url, code,
		    res->http_status, message_len(res->error_message),
		    res->error_message ? res->error_message : "");
}

static void check_region(struct preflight *pf, const struct config *cfg,
			 struct credprov *cred, const char *region,
			 const char *account)
{
	const struct endpoint_opts eo = {cfg->aws_endpoint,
					 cfg->aws_use_fips_endpoint,
					 cfg->aws_use_dualstack_endpoint};
	const struct call_opts co = {&eo, (long)cfg->http_connect_timeout_ms,
				     (long)cfg->http_timeout_ms,
				     cfg->aws_ca_file};
	struct sigv4_key_cache keys = {0};
	struct api_result res = {0};
	struct call *c = NULL;
	char what[96], url[1024];
	CURLcode rc;

	snprintf(what, sizeof(what), "region %s%s%s", region,
		 account ? ", account " : "", account ? account : "");
	if (endpoint_url(&eo, region, url, sizeof(url)) < 0) {
		say(pf, MARK_FAIL, what, "no endpoint URL for this region");
		return;
	}
	if (!cred) {
		say(pf, MARK_FAIL, what, "%s not called: no credentials", url);
		return;
	}
	if (call_new_action(&co, region, DESCRIBE_TARGET, "{\"MaxResults\":1}",
			    credprov_get(cred), time(NULL), &keys, NULL, &res,
			    &c) < 0) {
		say(pf, MARK_FAIL, what, "%s", res.error_message);
		goto out;
	}
	rc = curl_easy_perform(call_easy(c));
	call_finish(c, rc, &res);
	if (rc != CURLE_OK)
		say(pf, MARK_FAIL, what, "%s unreachable: %s", url,
		    curl_easy_strerror(rc));
	else
		judge_answer(pf, what, url, &res);
out:
	call_free(c);
	api_result_done(&res);
	sigv4_key_cache_done(&keys);
}

/* The rows of one account's provider (@account NULL: the chain's) and
 * every region it may be called in. */
static void check_account(struct preflight *pf, const struct config *cfg,
			  struct credprov *cred, const char *account)
{
	char region[REGION_NAME_MAX + 1], what[64], masked[32];
	struct creds *c;
	size_t i, j;
	bool dup;

	if (account && cred) {
		c = credprov_get(cred);
		mask_key_id(c->c.access_key_id, masked, sizeof(masked));
		snprintf(what, sizeof(what), "role of account %s", account);
		say(pf, MARK_OK, what, "assumed (aws.role.%s), access key id %s",
		    account, masked);
		creds_unref(c);
	}
	check_region(pf, cfg, cred, cfg->aws_region, account);
	for (i = 0; cfg->erase_regions &&
		    region_list_entry(cfg->erase_regions, i, region,
				      sizeof(region));
	     i++) {
		char earlier[REGION_NAME_MAX + 1];

		dup = strcmp(region, cfg->aws_region) == 0;
		for (j = 0; !dup && j < i; j++)
			dup = region_list_entry(cfg->erase_regions, j, earlier,
						sizeof(earlier)) &&
			      strcmp(earlier, region) == 0;
		if (!dup)
			check_region(pf, cfg, cred, region, account);
	}
}

/* The AWS rows: the chain's account, then each role's. */
static void check_aws(struct preflight *pf, const struct config *cfg,
		      struct credprov *cred)
{
	size_t i;

	check_account(pf, cfg, cred, NULL);
	for (i = 0; cred && i < credprov_role_accounts(cred); i++) {
		const char *account = credprov_role_account_at(cred, i);

		check_account(pf, cfg, credprov_for_account(cred, account),
			      account);
	}
}

int preflight_run(const struct config *cfg, const char *path,
		  struct credprov *cred, const char *cred_err, FILE *out)
{
	struct preflight pf = {out, 0, 0};

	say(&pf, MARK_OK, "configuration", "%s valid", path);
	check_credentials(&pf, cred, cred_err);
	check_files(&pf, cfg);
	check_kafka(&pf, cfg);
	check_aws(&pf, cfg, cred);
	fprintf(out, "%s: %d failed, %d warning(s)\n",
		pf.fails ? "preflight FAILED" : "preflight passed", pf.fails,
		pf.warns);
	return pf.fails;
}
