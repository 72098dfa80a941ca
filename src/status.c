/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.c - the main loop's report to systemd and to the metrics.
 *
 * Once a second the loop's state becomes one STATUS= line ("running",
 * "joining the consumer group", "waiting for Kafka" or "paused: why", the
 * regions held on their own, the partitions stopped, then the outcome
 * counts, requests in flight, the recent rate, each region's pacing rate
 * (this instance's share of the quota, or less while AWS throttles) and
 * the lag) and a set of gauges.  WATCHDOG=1 is its other report to
 * systemd.  The rate and the lag
 * are refreshed every 5 s only: the lag asks librdkafka for watermarks.
 * The same report says whether the daemon is ready (/readyz, health.h).
 * The loop comes round at least every status_period_ms() for these (it
 * sleeps otherwise: one wake-up a second when idle).
 * Every turn of the loop, status_watchdog() pings systemd's watchdog only
 * while every sender worker loops, and gives that verdict, with a beat of
 * the loop itself, to /healthz.  The inputs come as arguments (struct
 * status_input): this module keeps only its counts and clocks and knows
 * nothing of the loop's insides.
 *
 * Called by pipeline.c on the main thread.
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "consumer.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "producer.h"
#include "sender.h"
#include "util.h"

#define STATUS_PERIOD_MS 1000

void status_init(struct status *st)
{
	memset(st, 0, sizeof(*st));
	st->lag = -1;
}

void status_start(struct status *st)
{
	st->rate_at_ms = util_mono_ms();
	/* What READY=1 carries: subscribed, the group not formed yet. */
	notify_status("joining the consumer group");
}

void status_outcome(struct status *st, enum outcome_kind kind)
{
	st->done[kind]++;
	st->done_total++;
}

/* Each region's pacing rate, for the gauge and for STATUS=. */
struct pacing {
	struct metrics *metrics;
	char text[96];
};

static void region_rate(const char *region, double rate, void *opaque)
{
	struct pacing *p = opaque;
	size_t n = strlen(p->text);

	metrics_set_rate(p->metrics, region, rate);
	if (rate > 0)
		snprintf(p->text + n, sizeof(p->text) - n, "%s%s %.3g/s",
			 n ? ", " : "", region, rate);
	else
		snprintf(p->text + n, sizeof(p->text) - n, "%s%s unlimited",
			 n ? ", " : "", region);
}

static void report_metrics(const struct status_input *in, const char *paused,
			   size_t nstopped, struct pacing *pacing)
{
	metrics_set_inflight(in->metrics, (long)in->alive);
	metrics_set_paused(in->metrics, in->held || in->produce_held, paused);
	metrics_set_partitions_stopped(in->metrics, nstopped);
	metrics_set_kafka_up(in->metrics,
			     !consumer_waiting_for_kafka(in->consumer) &&
				     !producer_waiting_for_kafka(in->producer));
	metrics_set_credentials_expiry(in->metrics, in->creds_expire_ms);
	pacing->metrics = in->metrics;
	sender_foreach_region(in->sender, region_rate, pacing);
}

/* /readyz: joined, the producer connected, nothing paused. */
static void report_ready(const struct status_input *in, const char *paused)
{
	char why[256];

	if (in->held || in->produce_held)
		snprintf(why, sizeof(why), "paused: %s", paused);
	else if (producer_waiting_for_kafka(in->producer))
		snprintf(why, sizeof(why), "producer not connected to Kafka");
	else if (!consumer_joined(in->consumer))
		snprintf(why, sizeof(why), "consumer not in its group yet "
					   "(brokers unreachable or joining)");
	else
		why[0] = '\0';
	health_set_ready(metrics_health(in->metrics), why[0] ? why : NULL);
}

/* Where the loop stands with Kafka: "joining the consumer group" (the
 * brokers answer, the group has not assigned yet), "waiting for Kafka" or
 * "running". */
static const char *kafka_state(const struct status_input *in)
{
	if (!producer_waiting_for_kafka(in->producer) &&
	    consumer_joining(in->consumer))
		return "joining the consumer group";
	if (consumer_waiting_for_kafka(in->consumer) ||
	    producer_waiting_for_kafka(in->producer))
		return "waiting for Kafka";
	return "running";
}

/* The Kafka state, or "paused: why", with what is held or stopped on its
 * own. */
static void describe(const struct status_input *in, const char *paused,
		     size_t nstopped, const char *stopped, char *state,
		     size_t len)
{
	size_t n;

	if (in->held || in->produce_held)
		snprintf(state, len, "paused: %s", paused);
	else
		snprintf(state, len, "%s", kafka_state(in));
	n = strlen(state);
	if (!in->held) {
		char regions[160];

		/* A region at fault on its own is held; the others flow. */
		if (sender_held_regions(in->sender, regions, sizeof(regions)))
			snprintf(state + n, len - n, " (regions held: %s)",
				 regions);
	}
	n = strlen(state);
	if (nstopped)
		snprintf(state + n, len - n, ", %s", stopped);
}

/* Logs each change of the Kafka state once, so that the log tells of an
 * outage and of its end by itself, whatever librdkafka reports (its
 * error events are logged too, but not every outage yields one). */
static void log_kafka_state(struct status *st, const struct status_input *in)
{
	const char *now = kafka_state(in);

	if (st->kafka_state == now)
		return;
	if (st->kafka_state || strcmp(now, "joining the consumer group") != 0)
		log_notice("kafka: %s (was %s)", now,
			   st->kafka_state ? st->kafka_state : "starting");
	st->kafka_state = now;
}

void status_report(struct status *st, const struct status_input *in)
{
	int64_t now = util_mono_ms();
	char state[512], paused[256] = "", stopped[192] = "", lag[24];
	struct pacing pacing = {NULL, ""};
	size_t nstopped;

	if (now - st->status_at_ms < STATUS_PERIOD_MS)
		return;
	st->status_at_ms = now;
	if (now - st->rate_at_ms >= 5000) {
		st->rate = (double)(st->done_total - st->rate_base) * 1000.0 /
			   (double)(now - st->rate_at_ms);
		st->rate_base = st->done_total;
		st->rate_at_ms = now;
	}
	if (now - st->lag_at_ms >= 5000) {
		st->lag = consumer_lag(in->consumer);
		st->lag_at_ms = now;
	}
	if (in->held)
		snprintf(paused, sizeof(paused), "%s", in->held_reason);
	else if (in->produce_held)
		snprintf(paused, sizeof(paused), "%s topic unavailable: %s",
			 in->produce_held, in->produce_reason);
	nstopped = consumer_stopped(in->consumer, stopped, sizeof(stopped));
	report_metrics(in, paused, nstopped, &pacing);
	report_ready(in, paused);
	describe(in, paused, nstopped, stopped, state, sizeof(state));
	log_kafka_state(st, in);
	if (st->lag < 0)
		snprintf(lag, sizeof(lag), "unknown");
	else
		snprintf(lag, sizeof(lag), "%" PRId64, st->lag);
	notify_status("%s; deleted %" PRIu64 ", not_found %" PRIu64
		      ", conflict %" PRIu64 ", rejected %" PRIu64
		      ", denied %" PRIu64 ", failed %" PRIu64
		      "; %zu in flight; %.1f/s%s%s; lag %s",
		      state, st->done[OUTCOME_DELETED],
		      st->done[OUTCOME_NOT_FOUND], st->done[OUTCOME_CONFLICT],
		      st->done[OUTCOME_REJECTED], st->done[OUTCOME_DENIED],
		      st->done[OUTCOME_FAILED], in->alive, st->rate,
		      pacing.text[0] ? "; pacing " : "", pacing.text, lag);
}

void status_watchdog(struct sender *sender, struct metrics *metrics)
{
	uint64_t wd = notify_watchdog_usec();
	int64_t max_age = wd ? (int64_t)(wd / 2000) : 10000;
	int64_t age = 0;
	int stuck;

	if (max_age < 5000)
		max_age = 5000;
	stuck = sender_stuck(sender, max_age, &age);
	health_beat(metrics_health(metrics), stuck, age, max_age);
	notify_watchdog(stuck < 0);
}

int status_period_ms(void)
{
	uint64_t wd_ms = notify_watchdog_usec() / 4000;

	if (!notify_watchdog_usec() || wd_ms >= STATUS_PERIOD_MS)
		return STATUS_PERIOD_MS;
	return wd_ms ? (int)wd_ms : 1;
}

void status_log_stopped(const struct status *st)
{
	log_notice("stopped: deleted %" PRIu64 ", not_found %" PRIu64
		   ", conflict %" PRIu64 ", rejected %" PRIu64
		   ", denied %" PRIu64 ", failed %" PRIu64
		   ", given back %" PRIu64,
		   st->done[OUTCOME_DELETED], st->done[OUTCOME_NOT_FOUND],
		   st->done[OUTCOME_CONFLICT], st->done[OUTCOME_REJECTED],
		   st->done[OUTCOME_DENIED], st->done[OUTCOME_FAILED],
		   st->given_back);
}
