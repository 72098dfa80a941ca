/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_metrics.c - unit tests of the Prometheus metrics (src/metrics.c).
 *
 * The rendered text is checked line by line after known sequences of
 * updates: counters, cumulative histogram buckets with their _sum and
 * _count, gauges that appear and disappear, label escaping, and the caps
 * on label sets that come from outside.  Threads hammer the counters while
 * another renders, and the totals must come out exact.  Finally the HTTP
 * server is started on 127.0.0.1:0 and scraped with libcurl: the body must
 * be what metrics_render() gives, other paths 404, other methods 405, and
 * addresses other than loopback ones are refused.
 */
#include "health.h"
#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "autoconf.h" /* PACKAGE_VERSION */
#include "tap.h"

/* True when @text has @line as a whole line. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (p && (p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* Lines of @text that start with @prefix. */
static int count_lines(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;
	int count = 0;

	while (p && *p) {
		if (strncmp(p, prefix, n) == 0)
			count++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return count;
}

/* The sum of the values of the lines of @text that start with @prefix. */
static unsigned long long sum_lines(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned long long sum = 0;
	const char *p = text, *sp;

	while (p && *p) {
		if (strncmp(p, prefix, n) == 0) {
			sp = strchr(p, ' ');
			if (sp)
				sum += strtoull(sp + 1, NULL, 10);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return sum;
}

#define has(text, line) ok(has_line((text), (line)), "line: %s", (line))
#define hasnt(text, line)                                                      \
	ok(!has_line((text), (line)), "no line: %s", (line))

static void test_fresh(void)
{
	struct metrics *m = metrics_new();
	char want[256];
	char *text;

	ok(m != NULL, "metrics_new");
	text = metrics_render(m);
	ok(text != NULL, "fresh: renders");
	if (!text)
		text = strdup("");
	has(text, "# HELP optout_outcomes_total Outcomes published to the "
		  "results topic, by outcome and region (\"\": none, as for "
		  "requests rejected unread).");
	has(text, "# TYPE optout_outcomes_total counter");
	has(text, "optout_outcomes_total{outcome=\"deleted\",region=\"\"} 0");
	has(text, "optout_outcomes_total{outcome=\"not_found\",region=\"\"} 0");
	has(text, "optout_outcomes_total{outcome=\"conflict\",region=\"\"} 0");
	has(text, "optout_outcomes_total{outcome=\"rejected\",region=\"\"} 0");
	has(text, "optout_outcomes_total{outcome=\"denied\",region=\"\"} 0");
	has(text, "optout_outcomes_total{outcome=\"failed\",region=\"\"} 0");
	has(text, "# TYPE optout_api_calls_total counter");
	is_int(count_lines(text, "optout_api_calls_total{"), 0,
	       "fresh: no API call series");
	has(text, "optout_retries_total{reason=\"throttle\"} 0");
	has(text, "optout_retries_total{reason=\"transient\"} 0");
	has(text, "optout_retries_total{reason=\"auth\"} 0");
	is_int(count_lines(text, "optout_retries_total{reason=\"other\"}"), 0,
	       "fresh: no reason=other");
	has(text, "optout_throttled_total 0");
	has(text, "optout_records_consumed_total 0");
	has(text, "# TYPE optout_api_call_duration_seconds histogram");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"+Inf\"} 0");
	has(text, "optout_api_call_duration_seconds_sum 0");
	has(text, "optout_api_call_duration_seconds_count 0");
	has(text, "optout_request_duration_seconds_count 0");
	has(text, "optout_requests_in_flight 0");
	has(text, "# TYPE optout_pipeline_paused gauge");
	has(text, "optout_pipeline_paused 0");
	is_int(count_lines(text, "optout_pipeline_paused_reason{"), 0,
	       "fresh: no pause reason");
	is_int(count_lines(text, "optout_partition_"), 0,
	       "fresh: no partition series");
	is_int(count_lines(text, "optout_rate_limit_"), 0,
	       "fresh: no region series");
	is_int(count_lines(text,
			   "optout_credentials_expiry_timestamp_seconds "),
	       0, "fresh: no credentials expiry");
	has(text, "optout_kafka_connected 0");
	has(text, "optout_partitions_stopped 0");
	snprintf(want, sizeof(want), "optout_build_info{version=\"%s\"} 1",
		 PACKAGE_VERSION);
	has(text, want);
	is_int(count_lines(text, "optout_start_time_seconds 1"), 1,
	       "fresh: start time (a Unix time)");
	ok(text[0] == '#' && text[strlen(text) - 1] == '\n',
	   "fresh: starts with a comment, ends with a newline");
	/* Every family is described once. */
	is_int(count_lines(text, "# HELP "), count_lines(text, "# TYPE "),
	       "fresh: a HELP per TYPE");
	is_int(count_lines(text, "# TYPE "), 23, "fresh: 23 families");
	free(text);
	metrics_free(m);
}

static void test_updates(void)
{
	struct metrics *m = metrics_new();
	char *text;

	metrics_outcome(m, OUTCOME_DELETED, NULL);
	metrics_outcome(m, OUTCOME_DELETED, NULL);
	metrics_outcome(m, OUTCOME_FAILED, NULL);
	metrics_outcome(m, OUTCOME__COUNT, NULL);         /* ignored */
	metrics_outcome(m, (enum outcome_kind)-1, NULL); /* ignored */

	metrics_api_call(m, 200, "", NULL, 0.003);
	metrics_api_call(m, 200, NULL, NULL, 3);
	metrics_api_call(m, 400, "ValidationException", NULL, 0.2);
	metrics_api_call(m, 0, "Timeout", NULL, 10.0);
	metrics_api_call(m, 1000, "Weird", NULL, -1.0); /* status 0, 0 s */

	metrics_retry(m, "throttle");
	metrics_retry(m, "throttle");
	metrics_retry(m, "transient");
	metrics_retry(m, "auth");
	metrics_retry(m, "bogus");
	metrics_retry(m, NULL);
	metrics_throttled(m);
	metrics_records_consumed(m);
	metrics_records_consumed(m);
	metrics_records_consumed(m);

	metrics_request_duration(m, 0.004);
	metrics_request_duration(m, 1000);
	metrics_request_duration(m, 900);

	metrics_set_inflight(m, 5);
	metrics_set_partitions_stopped(m, 2);
	metrics_set_paused(m, true, "credentials rejected: ExpiredToken: x");
	metrics_set_rate(m, "us-east-1", 7.5);
	metrics_set_rate(m, "eu-west-1", 10);
	metrics_set_partition(m, 3, 100, 5);
	metrics_set_partition(m, 1, 7, -1);
	metrics_set_partition(m, 0, -1, 2);
	metrics_set_credentials_expiry(m, 1764115200123LL);
	metrics_set_kafka_up(m, true);

	text = metrics_render(m);
	ok(text != NULL, "updated: renders");
	if (!text)
		text = strdup("");
	has(text, "optout_outcomes_total{outcome=\"deleted\",region=\"\"} 2");
	has(text, "optout_outcomes_total{outcome=\"failed\",region=\"\"} 1");
	has(text, "optout_outcomes_total{outcome=\"denied\",region=\"\"} 0");
	has(text, "optout_api_calls_total{status=\"200\",code=\"\",region=\"\"} 2");
	has(text, "optout_api_calls_total{status=\"400\","
		  "code=\"ValidationException\",region=\"\"} 1");
	has(text, "optout_api_calls_total{status=\"0\",code=\"Timeout\",region=\"\"} 1");
	has(text, "optout_api_calls_total{status=\"0\",code=\"Weird\",region=\"\"} 1");
	/* 0.003, 3, 0.2, 10, 0 */
	has(text, "optout_api_call_duration_seconds_bucket{le=\"0.005\"} 2");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"0.01\"} 2");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"0.1\"} 2");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"0.25\"} 3");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"2.5\"} 3");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"5\"} 4");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"10\"} 5");
	has(text, "optout_api_call_duration_seconds_bucket{le=\"+Inf\"} 5");
	has(text, "optout_api_call_duration_seconds_sum 13.203");
	has(text, "optout_api_call_duration_seconds_count 5");
	is_int(count_lines(text, "optout_api_call_duration_seconds_bucket{"),
	       12, "11 API buckets and +Inf");

	has(text, "optout_retries_total{reason=\"throttle\"} 2");
	has(text, "optout_retries_total{reason=\"transient\"} 1");
	has(text, "optout_retries_total{reason=\"auth\"} 1");
	has(text, "optout_retries_total{reason=\"other\"} 2");
	has(text, "optout_throttled_total 1");
	has(text, "optout_records_consumed_total 3");

	/* 0.004, 1000, 900 */
	has(text, "optout_request_duration_seconds_bucket{le=\"0.01\"} 1");
	has(text, "optout_request_duration_seconds_bucket{le=\"600\"} 1");
	has(text, "optout_request_duration_seconds_bucket{le=\"900\"} 2");
	has(text, "optout_request_duration_seconds_bucket{le=\"+Inf\"} 3");
	has(text, "optout_request_duration_seconds_sum 1900.004");
	has(text, "optout_request_duration_seconds_count 3");

	has(text, "optout_requests_in_flight 5");
	has(text, "optout_pipeline_paused 1");
	has(text, "optout_pipeline_paused_reason{reason=\"credentials "
		  "rejected\"} 1");
	has(text, "optout_rate_limit_calls_per_second{region=\"us-east-1\"} "
		  "7.5");
	has(text, "optout_rate_limit_calls_per_second{region=\"eu-west-1\"} "
		  "10");
	is_int(count_lines(text, "optout_rate_limit_tokens"), 0,
	       "no tokens family (removed: the bucket holds one token)");
	has(text, "optout_partition_committed_offset{partition=\"1\"} 7");
	has(text, "optout_partition_committed_offset{partition=\"3\"} 100");
	ok(strstr(text, "{partition=\"1\"} 7") <
		   strstr(text, "{partition=\"3\"} 100"),
	   "partitions in order");
	is_int(count_lines(text, "optout_partition_committed_offset{"), 2,
	       "no committed offset before the first commit");
	has(text, "optout_partition_lag{partition=\"0\"} 2");
	has(text, "optout_partition_lag{partition=\"3\"} 5");
	is_int(count_lines(text, "optout_partition_lag{"), 2,
	       "unknown lag left out");
	has(text, "optout_credentials_expiry_timestamp_seconds "
		  "1764115200.123");
	has(text, "optout_kafka_connected 1");
	has(text, "optout_partitions_stopped 2");
	free(text);

	/* Changes: resume, revoke, whole-second expiry, none. */
	metrics_set_paused(m, false, NULL);
	metrics_forget_partition(m, 3);
	metrics_forget_partition(m, 42); /* never seen */
	metrics_set_partition(m, 1, 8, 0);
	metrics_set_credentials_expiry(m, 1764115200000LL);
	metrics_set_rate(m, "us-east-1", 3.5);
	metrics_set_inflight(m, 0);
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	has(text, "optout_pipeline_paused 0");
	is_int(count_lines(text, "optout_pipeline_paused_reason{"), 0,
	       "resumed: no reason");
	is_int(count_lines(text, "optout_partition_committed_offset{"
				 "partition=\"3\"}"),
	       0, "forgotten partition: no offset");
	is_int(count_lines(text, "optout_partition_lag{partition=\"3\"}"), 0,
	       "forgotten partition: no lag");
	has(text, "optout_partition_committed_offset{partition=\"1\"} 8");
	has(text, "optout_partition_lag{partition=\"1\"} 0");
	has(text, "optout_credentials_expiry_timestamp_seconds 1764115200");
	has(text, "optout_rate_limit_calls_per_second{region=\"us-east-1\"} "
		  "3.5");
	has(text, "optout_requests_in_flight 0");
	free(text);

	/* A reclaimed row, and no expiry. */
	metrics_set_partition(m, 9, 1, 1);
	metrics_set_credentials_expiry(m, 0);
	metrics_set_paused(m, true, "endpoint unreachable");
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	has(text, "optout_partition_committed_offset{partition=\"9\"} 1");
	is_int(count_lines(text, "optout_partition_lag{"), 3,
	       "three partitions with a lag");
	is_int(count_lines(text,
			   "optout_credentials_expiry_timestamp_seconds "),
	       0, "no expiry: left out");
	has(text, "optout_pipeline_paused_reason{reason=\"endpoint "
		  "unreachable\"} 1");
	free(text);
	metrics_free(m);
}

static void test_labels(void)
{
	struct metrics *m = metrics_new();
	char code[200], want[300];
	char *text;

	metrics_set_rate(m, "a\"b\\c\nd", 1);
	metrics_api_call(m, 403, "bad\x01\xc3\xa9", NULL, 0.1);
	memset(code, 'x', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	metrics_api_call(m, 500, code, NULL, 0.1);
	metrics_set_paused(m, true, "quote\" and \\: details");
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	has(text, "optout_rate_limit_calls_per_second{region=\"a\\\"b\\\\c\\nd"
		  "\"} 1");
	has(text, "optout_api_calls_total{status=\"403\",code=\"bad???\",region=\"\"} 1");
	memset(code + METRICS_LABEL_MAX - 1, 0, 1);
	snprintf(want, sizeof(want),
		 "optout_api_calls_total{status=\"500\",code=\"%s\",region=\"\"} 1", code);
	has(text, want);
	/* A reason of no known class shows none of its words. */
	has(text, "optout_pipeline_paused_reason{reason=\"other\"} 1");
	free(text);
	metrics_free(m);
}

static void test_caps(void)
{
	struct metrics *m = metrics_new();
	char code[32], region[32];
	char *text;
	int i;

	/* 70 codes for one status: 64 rows, then code="other". */
	for (i = 0; i < 70; i++) {
		snprintf(code, sizeof(code), "Code%d", i);
		metrics_api_call(m, 400, code, NULL, 0.01);
	}
	metrics_api_call(m, 400, "Code1", NULL, 0.01); /* has its row */
	metrics_api_call(m, 400, "Code69", NULL, 0.01); /* folded again */
	/* 20 new statuses: 15 more fold rows, then status="other". */
	for (i = 0; i < 20; i++) {
		snprintf(code, sizeof(code), "New%d", i);
		metrics_api_call(m, 500 + i, code, NULL, 0.01);
	}
	for (i = 0; i < 70; i++) {
		snprintf(region, sizeof(region), "region-%d", i);
		metrics_set_rate(m, region, i);
	}
	for (i = 0; i < METRICS_PARTITIONS + 10; i++)
		metrics_set_partition(m, i, i, i);
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	is_int(count_lines(text, "optout_api_calls_total{"),
	       METRICS_API_PAIRS + METRICS_API_FOLDS + 1,
	       "API series capped: pairs, folds and one overflow");
	is_int(sum_lines(text, "optout_api_calls_total{"), 92,
	       "API series: every call counted");
	has(text, "optout_api_calls_total{status=\"400\",code=\"Code1\",region=\"\"} 2");
	has(text, "optout_api_calls_total{status=\"400\",code=\"Code63\",region=\"\"} 1");
	has(text, "optout_api_calls_total{status=\"400\",code=\"other\",region=\"\"} 7");
	has(text, "optout_api_calls_total{status=\"500\",code=\"other\",region=\"\"} 1");
	has(text, "optout_api_calls_total{status=\"514\",code=\"other\",region=\"\"} 1");
	is_int(count_lines(text, "optout_api_calls_total{status=\"515\""), 0,
	       "no 17th fold row");
	has(text, "optout_api_calls_total{status=\"other\",code=\"other\",region=\"other\"} 5");
	has(text, "optout_api_call_duration_seconds_count 92");
	is_int(count_lines(text, "optout_rate_limit_calls_per_second{"),
	       METRICS_REGIONS, "regions capped");
	has(text, "optout_rate_limit_calls_per_second{region=\"region-63\"} "
		  "63");
	is_int(count_lines(text, "optout_partition_lag{"), METRICS_PARTITIONS,
	       "partitions capped");
	free(text);

	/* A revoked partition frees its row for a new one. */
	metrics_forget_partition(m, 5);
	metrics_set_partition(m, METRICS_PARTITIONS + 3, 1, 1);
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	is_int(count_lines(text, "optout_partition_lag{"), METRICS_PARTITIONS,
	       "partitions still capped");
	has(text, "optout_partition_lag{partition=\"1027\"} 1");
	is_int(count_lines(text, "optout_partition_lag{partition=\"5\"}"), 0,
	       "revoked partition gone");
	free(text);

	/* Pause reasons of no known class are all "other". */
	for (i = 0; i < 20; i++) {
		snprintf(code, sizeof(code), "reason %d: x", i);
		metrics_set_paused(m, true, code);
	}
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	has(text, "optout_pipeline_paused_reason{reason=\"other\"} 1");
	free(text);
	metrics_set_paused(m, true, "reason 2: y");
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	has(text, "optout_pipeline_paused_reason{reason=\"other\"} 1");
	free(text);
	metrics_free(m);
}

/* Regions label outcomes and calls; the new counters count. */
static void test_regions_events(void)
{
	struct metrics *m = metrics_new();
	char region[32];
	char *text;
	int i;

	metrics_outcome(m, OUTCOME_DELETED, "us-east-1");
	metrics_outcome(m, OUTCOME_DELETED, "eu-west-2");
	metrics_outcome(m, OUTCOME_REJECTED, "");
	metrics_api_call(m, 200, "", "us-east-1", 0.01);
	metrics_api_call(m, 200, "", "eu-west-2", 0.01);
	metrics_api_call(m, 200, "", "eu-west-2", 0.01);
	metrics_dead_letter(m);
	metrics_produce_error(m, false);
	metrics_produce_error(m, true);
	metrics_produce_error(m, true);
	metrics_rebalance(m, true);
	metrics_rebalance(m, true);
	metrics_rebalance(m, false);
	metrics_reload(m, true);
	metrics_reload(m, false);
	metrics_pause(m, "endpoint unreachable: Timeout");
	metrics_pause(m, "endpoint unreachable: DnsError");
	metrics_pause(m, "results topic unavailable: x");
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	has(text, "optout_outcomes_total{outcome=\"deleted\","
		  "region=\"us-east-1\"} 1");
	has(text, "optout_outcomes_total{outcome=\"deleted\","
		  "region=\"eu-west-2\"} 1");
	has(text, "optout_outcomes_total{outcome=\"rejected\",region=\"\"} 1");
	has(text, "optout_outcomes_total{outcome=\"failed\","
		  "region=\"eu-west-2\"} 0");
	has(text, "optout_api_calls_total{status=\"200\",code=\"\","
		  "region=\"us-east-1\"} 1");
	has(text, "optout_api_calls_total{status=\"200\",code=\"\","
		  "region=\"eu-west-2\"} 2");
	has(text, "optout_dead_letters_total 1");
	has(text, "optout_produce_errors_total{topic=\"results\"} 1");
	has(text, "optout_produce_errors_total{topic=\"dead-letter\"} 2");
	has(text, "optout_rebalances_total{kind=\"assign\"} 2");
	has(text, "optout_rebalances_total{kind=\"revoke\"} 1");
	has(text, "optout_reloads_total{result=\"ok\"} 1");
	has(text, "optout_reloads_total{result=\"failed\"} 1");
	has(text, "optout_pauses_total{reason=\"endpoint unreachable\"} 2");
	has(text, "optout_pauses_total{reason=\"results topic "
		  "unavailable\"} 1");
	free(text);

	/* Bounded: regions past the table count as "other", pause reasons
	 * past theirs too. */
	for (i = 0; i < METRICS_REGIONS + 10; i++) {
		snprintf(region, sizeof(region), "xx-test-%d", i);
		metrics_outcome(m, OUTCOME_FAILED, region);
	}
	for (i = 0; i < 40; i++) {
		snprintf(region, sizeof(region), "reason %d: x", i);
		metrics_pause(m, region);
	}
	text = metrics_render(m);
	if (!text)
		text = strdup("");
	is_int(count_lines(text, "optout_outcomes_total{outcome=\"failed\""),
	       METRICS_REGIONS + 2, "outcomes: one series a region, capped, "
	       "plus \"\" and \"other\"");
	has(text, "optout_outcomes_total{outcome=\"failed\","
		  "region=\"other\"} 12");
	is_int(count_lines(text, "optout_pauses_total{"), 8,
	       "pauses: the fixed classes only");
	has(text, "optout_pauses_total{reason=\"other\"} 40");
	free(text);
	metrics_free(m);
}

/* A pause reason labels its class, one of a fixed set, and nothing of
 * its details: a list name or an AWS error in it may hold a phone
 * number.  The reasons are as breaker.c and pipeline.c word them, with
 * their text from outside unmasked (the label must not rely on it). */
static void test_pause_classes(void)
{
	static const struct {
		const char *reason, *label;
	} rows[] = {
		{"credentials rejected: +15550100123", "credentials rejected"},
		{"endpoint unreachable: 15550100123", "endpoint unreachable"},
		{"the endpoint answers without AWS request ids (HTTP 403): a "
		 "proxy?",
		 "answers not from AWS"},
		{"access denied for every request (AccessDeniedException for "
		 "list +15550100123, nothing allowed since)",
		 "access denied for every request"},
		{"access denied for every request (AccessDeniedException for "
		 "list 15550100123: x, nothing allowed since)",
		 "access denied for every request"},
		{"retry budget exhausted (AWS keeps failing: +15550100123)",
		 "retry budget exhausted"},
		{"results topic unavailable: Broker: +15550100123",
		 "results topic unavailable"},
		{"dead-letter topic unavailable: x", "dead-letter topic unavailable"},
		{"+15550100123: credentials rejected", "other"},
		{"", "other"},
	};
	char want[160];
	char *text;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct metrics *m = metrics_new();

		metrics_pause(m, rows[i].reason);
		metrics_set_paused(m, true, rows[i].reason);
		text = metrics_render(m);
		if (!text)
			text = strdup("");
		snprintf(want, sizeof(want),
			 "optout_pipeline_paused_reason{reason=\"%s\"} 1",
			 rows[i].label);
		ok(has_line(text, want), "paused for \"%s\": %s", rows[i].reason,
		   want);
		snprintf(want, sizeof(want),
			 "optout_pauses_total{reason=\"%s\"} 1", rows[i].label);
		ok(has_line(text, want), "counted: %s", want);
		ok(!strstr(text, "0100123"), "no number of \"%s\" shows",
		   rows[i].reason);
		free(text);
		metrics_free(m);
	}
}

static void test_null(void)
{
	metrics_outcome(NULL, OUTCOME_DELETED, NULL);
	metrics_api_call(NULL, 200, "", NULL, 0.1);
	metrics_retry(NULL, "auth");
	metrics_throttled(NULL);
	metrics_records_consumed(NULL);
	metrics_request_duration(NULL, 1);
	metrics_set_inflight(NULL, 1);
	metrics_set_partitions_stopped(NULL, 1);
	metrics_set_paused(NULL, true, "x");
	metrics_set_rate(NULL, "r", 1);
	metrics_dead_letter(NULL);
	metrics_produce_error(NULL, true);
	metrics_rebalance(NULL, true);
	metrics_reload(NULL, false);
	metrics_pause(NULL, "x");
	metrics_set_partition(NULL, 1, 1, 1);
	metrics_forget_partition(NULL, 1);
	metrics_set_credentials_expiry(NULL, 1);
	metrics_set_kafka_up(NULL, true);
	ok(metrics_render(NULL) == NULL, "NULL: render gives NULL");
	is_int(metrics_port(NULL), 0, "NULL: port 0");
	metrics_free(NULL);
	ok(1, "NULL metrics: every update is a no-op");
}

/* Concurrency: exact totals while a renderer reads. */
#define THREADS 8
#define ROUNDS 20000

struct worker {
	struct metrics *m;
	int id;
	pthread_t thread;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char code[16];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		snprintf(code, sizeof(code), "E%d", i % 10);
		metrics_outcome(w->m, (enum outcome_kind)(i % OUTCOME__COUNT), NULL);
		metrics_api_call(w->m, 400, code, NULL, 0.001);
		metrics_retry(w->m, "throttle");
		metrics_throttled(w->m);
		metrics_records_consumed(w->m);
		metrics_request_duration(w->m, 0.25);
		metrics_set_inflight(w->m, i);
		metrics_set_rate(w->m, i % 2 ? "r-odd" : "r-even", i);
		metrics_set_partition(w->m, w->id, i, ROUNDS - i - 1);
		if (i % 1000 == 0)
			metrics_set_paused(w->m, i % 2000 == 0, "busy: x");
	}
	return NULL;
}

static void *render_loop(void *arg)
{
	struct worker *w = arg;
	char *text;
	int i;

	for (i = 0; i < 200; i++) {
		text = metrics_render(w->m);
		free(text);
	}
	return NULL;
}

static void test_threads(void)
{
	struct worker w[THREADS], r;
	unsigned long long total = (unsigned long long)THREADS * ROUNDS;
	char want[200];
	char *text;
	int i, started = 0;
	bool ok_start = true;

	r.m = metrics_new();
	for (i = 0; i < THREADS; i++) {
		w[i].m = r.m;
		w[i].id = i;
	}
	if (pthread_create(&r.thread, NULL, render_loop, &r) != 0)
		ok_start = false;
	for (i = 0; i < THREADS && ok_start; i++) {
		if (pthread_create(&w[i].thread, NULL, hammer, &w[i]) != 0)
			ok_start = false;
		else
			started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	pthread_join(r.thread, NULL);
	ok(ok_start, "threads started");

	text = metrics_render(r.m);
	if (!text)
		text = strdup("");
	is_int(sum_lines(text, "optout_outcomes_total{"), total,
	       "threads: outcomes exact");
	snprintf(want, sizeof(want),
		 "optout_outcomes_total{outcome=\"deleted\",region=\"\"} %llu",
		 (unsigned long long)THREADS *
			 ((ROUNDS + OUTCOME__COUNT - 1) / OUTCOME__COUNT));
	has(text, want);
	is_int(count_lines(text, "optout_api_calls_total{"), 10,
	       "threads: one row per code, none twice");
	is_int(sum_lines(text, "optout_api_calls_total{"), total,
	       "threads: API calls exact");
	snprintf(want, sizeof(want),
		 "optout_api_calls_total{status=\"400\",code=\"E7\",region=\"\"} %llu",
		 total / 10);
	has(text, want);
	snprintf(want, sizeof(want), "optout_retries_total{reason=\"throttle\"} "
				     "%llu", total);
	has(text, want);
	snprintf(want, sizeof(want), "optout_throttled_total %llu", total);
	has(text, want);
	snprintf(want, sizeof(want), "optout_records_consumed_total %llu",
		 total);
	has(text, want);
	snprintf(want, sizeof(want),
		 "optout_request_duration_seconds_bucket{le=\"0.25\"} %llu",
		 total);
	has(text, want);
	snprintf(want, sizeof(want), "optout_request_duration_seconds_sum %llu",
		 total / 4);
	has(text, want);
	snprintf(want, sizeof(want),
		 "optout_api_call_duration_seconds_sum %llu", total / 1000);
	has(text, want);
	snprintf(want, sizeof(want), "optout_api_call_duration_seconds_count "
				     "%llu", total);
	has(text, want);
	is_int(count_lines(text, "optout_partition_lag{"), THREADS,
	       "threads: one row per partition");
	snprintf(want, sizeof(want), "optout_partition_committed_offset{"
				     "partition=\"%d\"} %d",
		 THREADS - 1, ROUNDS - 1);
	has(text, want);
	is_int(count_lines(text, "optout_rate_limit_calls_per_second{"), 2,
	       "threads: one row per region");
	free(text);
	metrics_free(r.m);
}

/* HTTP */

struct body {
	char *buf;
	size_t len;
};

static size_t body_write(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	char *nbuf;

	nbuf = realloc(b->buf, b->len + size * n + 1);
	if (!nbuf)
		return 0;
	b->buf = nbuf;
	memcpy(b->buf + b->len, data, size * n);
	b->len += size * n;
	b->buf[b->len] = '\0';
	return size * n;
}

/* Fetches http://HOST:PORT/PATH with @method; returns the status (0 on a
 * transport error); *@ret_body is malloc'd ("" at least). */
static long fetch(const char *host, int port, const char *path,
		  const char *method, char **ret_body, char *ctype,
		  size_t ctlen)
{
	struct body b = {NULL, 0};
	char url[256];
	const char *ct = NULL;
	long status = 0;
	CURL *c;

	snprintf(url, sizeof(url), "http://%s:%d%s", host, port, path);
	c = curl_easy_init();
	if (!c)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (ctype)
			snprintf(ctype, ctlen, "%s", ct ? ct : "");
	}
	curl_easy_cleanup(c);
out:
	*ret_body = b.buf ? b.buf : strdup("");
	return status;
}

static void test_listen_check(void)
{
	static const struct {
		const char *listen;
		int ok;
	} rows[] = {
		{"127.0.0.1:9464", 1},  {"127.0.0.1:0", 1},
		{"127.1.2.3:65535", 1}, {"localhost:9464", 1},
		{"[::1]:9464", 1},      {"::1:9464", 1},
		{"0.0.0.0:9464", 1},    {"192.168.1.10:9464", 1},
		{"[::]:9464", 1},       {"[fd00::1]:80", 1},
		{"::9464", 0},          {"fd00::1:80", 0},
		{"example.com:80", 0},  {"127.0.0.1", 0},
		{"127.0.0.1:", 0},      {":9464", 0},
		{"127.0.0.1:65536", 0}, {"127.0.0.1:-1", 0},
		{"127.0.0.1:94a", 0},   {"127.0.0.1:000009464", 0},
		{"[127.0.0.1]:80", 0},  {"[::1:80", 0},
		{"localhost.:80", 0},   {"", 0},
		{"127.0.0.1 :80", 0},   {"0.0.0.256:80", 0},
		{"[localhost]:80", 0},  {"10.0.0.1:9464x", 0},
	};
	char err[256];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		ret = metrics_listen_check(rows[i].listen, err, sizeof(err));
		if (rows[i].ok)
			is_int(ret, 0, "listen '%s' accepted (%s)",
			       rows[i].listen, err);
		else
			ok(ret == -EINVAL && strstr(err, "HOST:PORT"),
			   "listen '%s' refused (%s)", rows[i].listen, err);
	}
	ret = metrics_listen_check(NULL, NULL, 0);
	is_int(ret, -EINVAL, "listen NULL refused, no errbuf");
}

static void test_http(void)
{
	struct metrics *m = metrics_new(), *m2 = metrics_new();
	char err[512], ctype[128], hostport[64];
	char *body = NULL, *text = NULL;
	long status;
	int ret, port;

	ret = metrics_serve(m, "example.com:0", err, sizeof(err));
	ok(ret == -EINVAL && strstr(err, "metrics.listen"),
	   "serve refuses a host name (%s)", err);
	is_int(metrics_port(m), 0, "not serving: port 0");

	/* Any address the operator names: 0.0.0.0 answers on loopback too. */
	ret = metrics_serve(m2, "0.0.0.0:0", err, sizeof(err));
	is_int(ret, 0, "serve on 0.0.0.0:0 (%s)", err);
	status = fetch("127.0.0.1", metrics_port(m2), "/metrics", "GET",
		       &body, NULL, 0);
	is_int(status, 200, "0.0.0.0: GET /metrics over 127.0.0.1: 200");
	free(body);
	metrics_free(m2);
	m2 = metrics_new();

	ret = metrics_serve(m, "127.0.0.1:0", err, sizeof(err));
	is_int(ret, 0, "serve on 127.0.0.1:0 (%s)", err);
	port = metrics_port(m);
	ok(port > 0 && port < 65536, "kernel's port %d", port);
	ret = metrics_serve(m, "127.0.0.1:0", err, sizeof(err));
	is_int(ret, -EALREADY, "serve twice: -EALREADY");

	metrics_outcome(m, OUTCOME_CONFLICT, NULL);
	metrics_set_rate(m, "us-east-1", 10);
	status = fetch("127.0.0.1", port, "/metrics", "GET", &body, ctype,
		       sizeof(ctype));
	text = metrics_render(m);
	is_int(status, 200, "GET /metrics: 200");
	is_str(ctype, "text/plain; version=0.0.4; charset=utf-8",
	       "GET /metrics: content type");
	is_str(body, text, "GET /metrics: the rendered text");
	ok(has_line(body, "optout_outcomes_total{outcome=\"conflict\",region=\"\"} 1"),
	   "GET /metrics: counts seen");
	free(body);
	free(text);

	status = fetch("127.0.0.1", port, "/metrics", "HEAD", &body, ctype,
		       sizeof(ctype));
	is_int(status, 200, "HEAD /metrics: 200");
	is_str(body, "", "HEAD /metrics: no body");
	free(body);

	status = fetch("127.0.0.1", port, "/", "GET", &body, NULL, 0);
	is_int(status, 404, "GET /: 404");
	free(body);
	status = fetch("127.0.0.1", port, "/metrics/x", "GET", &body, NULL,
		       0);
	is_int(status, 404, "GET /metrics/x: 404");
	free(body);
	status = fetch("127.0.0.1", port, "/metrics", "POST", &body, NULL, 0);
	is_int(status, 405, "POST /metrics: 405");
	free(body);

	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", port);
	ret = metrics_serve(m2, hostport, err, sizeof(err));
	ok(ret == -EADDRINUSE || (ret < 0 && ret != -EINVAL),
	   "port in use: fails (%d)", ret);
	ok(strstr(err, "cannot listen on") != NULL,
	   "port in use: says so (%s)", err);
	is_int(metrics_port(m2), 0, "failed serve: port 0");

	ret = metrics_serve(m2, "localhost:0", err, sizeof(err));
	is_int(ret, 0, "serve on localhost:0 (%s)", err);
	status = fetch("127.0.0.1", metrics_port(m2), "/metrics", "GET",
		       &body, NULL, 0);
	is_int(status, 200, "localhost means 127.0.0.1");
	free(body);
	metrics_free(m2);
	metrics_free(m);

	/* IPv6 loopback, where the host has it. */
	m = metrics_new();
	ret = metrics_serve(m, "[::1]:0", err, sizeof(err));
	if (ret == -EADDRNOTAVAIL || ret == -EAFNOSUPPORT) {
		ok(1, "# SKIP no IPv6 loopback here (%s)", err);
		ok(1, "# SKIP no IPv6 loopback here");
	} else {
		is_int(ret, 0, "serve on [::1]:0 (%s)", err);
		status = fetch("[::1]", metrics_port(m), "/metrics", "GET",
			       &body, NULL, 0);
		is_int(status, 200, "GET over IPv6: 200");
		free(body);
	}
	metrics_free(m);
}

/* GETs @path of @m's listener: the status, the body in @body. */
static long get(struct metrics *m, const char *path, char *body, size_t len)
{
	char *b = NULL;
	long status;

	status = fetch("127.0.0.1", metrics_port(m), path, "GET", &b, NULL, 0);
	snprintf(body, len, "%s", b ? b : "");
	free(b);
	return status;
}

static void test_health(void)
{
	struct metrics *m = metrics_new();
	struct health *h = metrics_health(m);
	char err[256], body[256], ctype[128];
	char *b = NULL;
	long status;

	ok(h != NULL, "metrics own a health");
	ok(metrics_health(NULL) == NULL, "no metrics, no health");
	is_int(metrics_serve(m, "127.0.0.1:0", err, sizeof(err)), 0,
	       "serve (%s)", err);

	status = fetch("127.0.0.1", metrics_port(m), "/healthz", "GET", &b,
		       ctype, sizeof(ctype));
	is_int(status, 200, "starting: /healthz 200");
	is_str(b, "ok: starting\n", "starting: /healthz says so");
	is_str(ctype, "text/plain; charset=utf-8", "/healthz: plain text");
	free(b);
	is_int(get(m, "/readyz", body, sizeof(body)), 503,
	       "starting: /readyz 503");
	is_str(body, "not ready: starting\n", "starting: /readyz says why");

	health_beat(h, -1, 0, 1000);
	health_set_ready(h, NULL);
	is_int(get(m, "/healthz", body, sizeof(body)), 200, "beat: live");
	is_str(body, "ok\n", "live: ok");
	is_int(get(m, "/readyz", body, sizeof(body)), 200, "ready: 200");
	is_str(body, "ready\n", "ready: says so");
	status = fetch("127.0.0.1", metrics_port(m), "/readyz", "HEAD", &b,
		       NULL, 0);
	is_int(status, 200, "HEAD /readyz: 200");
	free(b);
	status = fetch("127.0.0.1", metrics_port(m), "/healthz", "POST", &b,
		       NULL, 0);
	is_int(status, 405, "POST /healthz: 405");
	free(b);

	health_set_ready(h, "paused: credentials rejected");
	is_int(get(m, "/readyz", body, sizeof(body)), 503, "paused: 503");
	is_str(body, "not ready: paused: credentials rejected\n",
	       "paused: /readyz names the reason");
	is_int(get(m, "/healthz", body, sizeof(body)), 200,
	       "paused: still live");

	/* A reason holding text from outside (librdkafka's error string, an
	 * AWS message): numbers masked, a newline escaped, as in the logs. */
	health_set_ready(h, "paused: results topic unavailable: "
			    "Topic +15550100123 unknown\nready: yes");
	is_int(get(m, "/readyz", body, sizeof(body)), 503,
	       "reason from outside: 503");
	is_str(body,
	       "not ready: paused: results topic unavailable: "
	       "Topic +1******0123 unknown\\x0aready: yes\n",
	       "reason from outside: the number masked, the newline escaped");

	health_beat(h, 3, 1500, 1000);
	is_int(get(m, "/healthz", body, sizeof(body)), 503,
	       "a worker stuck: 503");
	is_str(body,
	       "stuck: sender worker 3 (no loop for 1500 ms, bound 1000 ms)\n",
	       "a worker stuck: named, with its age and the bound");

	health_beat(h, -1, 0, 20);
	usleep(60 * 1000);
	is_int(get(m, "/healthz", body, sizeof(body)), 503,
	       "no beat within the bound: 503");
	ok(strncmp(body, "stuck: main loop", 16) == 0,
	   "the main loop stuck: named");
	health_beat(h, -1, 0, 1000);
	is_int(get(m, "/healthz", body, sizeof(body)), 200, "beats again: 200");

	/* NULL is fine for the main loop's calls. */
	health_beat(NULL, -1, 0, 1);
	health_set_ready(NULL, "x");
	is_int((int)health_check(NULL, true, body, sizeof(body)), 503,
	       "no health: not ready");
	metrics_free(m);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_fresh();
	test_updates();
	test_labels();
	test_caps();
	test_regions_events();
	test_pause_classes();
	test_null();
	test_threads();
	test_listen_check();
	test_http();
	test_health();
	curl_global_cleanup();
	return tap_done();
}
