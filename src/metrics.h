/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.h - Prometheus metrics: counters, gauges and histograms that any
 * thread updates without a lock, rendered in the text exposition format
 * 0.0.4 and served on the address of metrics.listen (loopback unless the
 * operator names another) by libmicrohttpd's own thread.
 *
 * Metric families (all names prefixed "optout_"):
 *   outcomes_total{outcome,region}        counter  one per published outcome
 *   api_calls_total{status,code,region}   counter  one per API call answered
 *   api_call_duration_seconds             histogram  one API call
 *   retries_total{reason}                 counter  throttle|transient|auth|other
 *   throttled_total                       counter  throttling answers
 *   records_consumed_total                counter  request records consumed
 *   dead_letters_total                    counter  dead-letter copies delivered
 *   produce_errors_total{topic}           counter  results|dead-letter refusals
 *   rebalances_total{kind}                counter  assign|revoke
 *   reloads_total{result}                 counter  ok|failed
 *   pauses_total{reason}                  counter  pauses, by class of reason
 *   request_duration_seconds              histogram  consumed -> acknowledged
 *   requests_in_flight                    gauge
 *   pipeline_paused                       gauge 0/1
 *   pipeline_paused_reason{reason}        gauge 1, only while paused
 *   rate_limit_calls_per_second{region}   gauge  pacing rate (the share)
 *   partition_committed_offset{partition} gauge
 *   partition_lag{partition}              gauge  (left out while unknown)
 *   credentials_expiry_timestamp_seconds  gauge  (left out when none)
 *   kafka_connected                       gauge 0/1
 *   partitions_stopped                    gauge  partitions stopped by an
 *                                                 unreadable batch
 *   build_info{version}                   gauge 1
 *   start_time_seconds                    gauge
 *
 * Label sets that come from outside are bounded: at most METRICS_API_PAIRS
 * (status, code, region) rows, then further codes are counted as code="other"
 * (METRICS_API_FOLDS such rows; after those, status and region "other"
 * too); at most METRICS_REGIONS regions (validated ones: the built-in
 * table and aws.extra_regions; more count as region="other") and METRICS_PARTITIONS partitions (more are not
 * shown).  Label values taken from outside are cut to METRICS_LABEL_MAX - 1
 * bytes, with control characters other than newline and bytes outside
 * ASCII replaced by '?'; the renderer escapes backslash, double quote and
 * newline.
 *
 * @locality every update and metrics_render(): any thread, at any time
 *           between metrics_new() and metrics_free().  Updates are C11
 *           atomics; a mutex is taken only to add a new label value or to
 *           forget a partition.  metrics_serve()/metrics_free(): the thread
 *           that owns @m (main), once each.
 */
#ifndef OPTOUT_METRICS_H
#define OPTOUT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

#define METRICS_API_PAIRS 64
#define METRICS_API_FOLDS 16
#define METRICS_REGIONS 64
#define METRICS_PARTITIONS 1024
#define METRICS_LABEL_MAX 64

struct health;
struct metrics;

/* A new set of metrics, every value zero (start time: now).  NULL when out
 * of memory. */
struct metrics *metrics_new(void);

/*
 * Checks @listen, "HOST:PORT" where HOST is an address literal (IPv4, IPv6
 * in brackets) or "localhost", which means 127.0.0.1 without asking any
 * resolver (config_value_listen()), and PORT is 0 to 65535 (0: the kernel
 * picks one, see metrics_port()).  Pure.  Returns 0, or -EINVAL with a message
 * (without the key name) in @errbuf.
 */
int metrics_listen_check(const char *listen, char *errbuf, size_t errlen);

/*
 * Starts serving @m on @listen (see metrics_listen_check()) on a thread of
 * libmicrohttpd's: GET or HEAD /metrics answers metrics_render() as
 * "text/plain; version=0.0.4; charset=utf-8", /healthz and /readyz
 * health_check() (200 or 503 and one line), other paths 404, other
 * methods 405.  Returns 0; -EINVAL for a bad @listen ("metrics.listen:
 * must be ..."), -EALREADY when already serving, or another negative errno
 * when the server cannot start (-EADDRINUSE, ...: "metrics: cannot listen
 * on HOST:PORT: why"), with that one-line message in @errbuf.
 * @locality the owner's thread (main), before the metrics are scraped.
 */
int metrics_serve(struct metrics *m, const char *listen, char *errbuf,
		  size_t errlen);

/* The liveness and readiness /healthz and /readyz answer from (health.h),
 * owned by @m; NULL for NULL. */
struct health *metrics_health(struct metrics *m);

/* The port metrics_serve() listens on (the kernel's choice when it was
 * given port 0), 0 when not serving. */
int metrics_port(const struct metrics *m);

/* Stops the server (waiting for its thread), then frees @m.  NULL is
 * fine.  No update may run concurrently or after. */
void metrics_free(struct metrics *m);

/* The exposition text, malloc'd and NUL-terminated (the caller frees it);
 * NULL when out of memory. */
char *metrics_render(struct metrics *m);

/* Counters.  Every function accepts a NULL @m and then does nothing, so
 * callers need not test whether metrics are enabled. */

/* One outcome of @kind was published for a request of @region (NULL or
 * "": none, region=""); out-of-range kinds are ignored. */
void metrics_outcome(struct metrics *m, enum outcome_kind kind,
		     const char *region);

/*
 * One API call ended after @seconds: @http_status is the HTTP status, 0 when
 * there was no answer (outside 0..999 counts as 0); @error_code is the AWS
 * error code or our transport code ("Timeout", ...), NULL or "" on success;
 * @region the region it was sent to.
 */
void metrics_api_call(struct metrics *m, long http_status,
		      const char *error_code, const char *region,
		      double seconds);

/* One retry was scheduled; @reason is "throttle", "transient" or "auth"
 * (anything else counts as "other"). */
void metrics_retry(struct metrics *m, const char *reason);

/* AWS throttled one call. */
void metrics_throttled(struct metrics *m);

/* One request record was consumed. */
void metrics_records_consumed(struct metrics *m);

/* One request took @seconds from being consumed to its outcome being
 * acknowledged by the results topic. */
void metrics_request_duration(struct metrics *m, double seconds);

/* A dead-letter copy was delivered. */
void metrics_dead_letter(struct metrics *m);

/* The results topic (or the dead-letter topic, @dead_letter) refused a
 * message, when produced or in its delivery report. */
void metrics_produce_error(struct metrics *m, bool dead_letter);

/* Partitions were assigned (@assign) or revoked. */
void metrics_rebalance(struct metrics *m, bool assign);

/* A reload ended, applied (@ok) or refused. */
void metrics_reload(struct metrics *m, bool ok);

/* Consumption or the calls paused for @reason (its class, as for
 * metrics_set_paused(), labels the count; every class is shown, 0 or
 * not). */
void metrics_pause(struct metrics *m, const char *reason);

/* Gauges. */

void metrics_set_inflight(struct metrics *m, long n);

/* Paused or not.  While paused, the class of @reason labels
 * optout_pipeline_paused_reason: one of a fixed set, picked by the words
 * the reason begins with ("credentials rejected", "endpoint unreachable",
 * "answers not from AWS", "access denied for every request", "retry
 * budget exhausted", "results topic unavailable", "dead-letter topic
 * unavailable"), else "other".  Nothing else of the reason shows: its
 * details would make a new series each time and may hold text from
 * outside (a list name, an AWS or Kafka error).  NULL is fine. */
void metrics_set_paused(struct metrics *m, bool paused, const char *reason);

/* The current pacing rate of @region, in calls per second (0: not
 * pacing). */
void metrics_set_rate(struct metrics *m, const char *region,
		      double calls_per_s);

/*
 * The committed offset of @partition (negative: none yet, left out) and its
 * lag (-1: unknown, left out).  Updates of one partition must come from
 * one thread (the offsets' owner), as must metrics_forget_partition().
 */
void metrics_set_partition(struct metrics *m, int32_t partition,
			   int64_t committed, int64_t lag);

/* @partition was revoked: its series disappear. */
void metrics_forget_partition(struct metrics *m, int32_t partition);

/* When the credentials expire, Unix time in milliseconds; 0: they do not
 * (the gauge is left out). */
void metrics_set_credentials_expiry(struct metrics *m, int64_t unix_ms);

void metrics_set_kafka_up(struct metrics *m, bool up);

/* Partitions of the requests topic that stopped because records could not
 * be read (see consumer.h). */
void metrics_set_partitions_stopped(struct metrics *m, size_t n);

#endif
