/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - Prometheus metrics: the registry, updated lock-free, and the
 * text they are rendered in.
 *
 * Every value is a C11 atomic that its updaters change with one relaxed
 * operation; a scrape reads them one by one, so it sees each value as it
 * was at some moment of the scrape (Prometheus asks no more).  The words
 * of the page (families, label values, numbers, histograms) are
 * metrics_text.c's.
 *
 * Label values that come from outside (API error codes, regions) live in
 * small append-only tables: a row, once published by a
 * release store of the table's length, never changes, so finding a row is a
 * lock-free scan; only adding one takes the mutex.  Every table has a fixed
 * capacity, so no caller can grow the output without bound.  Partitions
 * come and go with rebalances: their rows are claimed and released under
 * the mutex, while their values are plain atomics written by the one thread
 * that owns the offsets.  A pause reason labels nothing: the words our own
 * code begins it with pick one of a fixed set of classes (pause_classes[]),
 * as its rest may hold text from outside (an AWS error code, a list name,
 * Kafka's error), a phone number among them.
 *
 * The page is built in one capped buf (buf.h); its first failure sticks
 * and the scrape gets no page rather than a partial one.  The HTTP
 * listener is metrics_http.c, which calls metrics_render() on
 * libmicrohttpd's thread.
 *
 * Owner: the main thread creates, serves and frees (pipeline.c); any
 * thread updates (the main loop, the sender workers).
 */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h" /* PACKAGE_VERSION */
#include "buf.h"
#include "config_value.h"
#include "health.h"
#include "metrics_http.h"
#include "metrics_text.h"
#include "util.h"

/* API rows: the pairs, the folded ones (status, "other"). */
#define API_ROWS (METRICS_API_PAIRS + METRICS_API_FOLDS)

/* Region columns of the per-region counters: none (""), a region the
 * table had no room for ("other"), then the region table's rows. */
#define REGION_NONE 0
#define REGION_OTHER 1
#define REGION_COLS (METRICS_REGIONS + 2)

/* Fixed label values of the event counters. */
static const char *const topic_kinds[] = {"results", "dead-letter"};
static const char *const rebalance_kinds[] = {"assign", "revoke"};
static const char *const reload_results[] = {"ok", "failed"};

/* Retry reasons, in the order they are rendered. */
static const char *const retry_reasons[] = {"throttle", "transient", "auth",
					    "other"};
#define NREASONS (sizeof(retry_reasons) / sizeof(retry_reasons[0]))

/* Pause classes: how the reasons breaker.c, pipeline.c and status.c write
 * begin, and the label each class shows; any other reason is "other". */
static const struct {
	const char *prefix, *label;
} pause_classes[] = {
	{"credentials rejected", "credentials rejected"},
	{"endpoint unreachable", "endpoint unreachable"},
	{"the endpoint answers without AWS", "answers not from AWS"},
	{"access denied for every request", "access denied for every request"},
	{"retry budget exhausted", "retry budget exhausted"},
	{"results topic unavailable", "results topic unavailable"},
	{"dead-letter topic unavailable", "dead-letter topic unavailable"},
	{"", "other"},
};
#define NPAUSES (sizeof(pause_classes) / sizeof(pause_classes[0]))

/* One API call: from a few milliseconds to the 10 s default timeout. */
static const struct mtext_bucket api_buckets[] = {
	{0.005, "0.005"}, {0.01, "0.01"}, {0.025, "0.025"}, {0.05, "0.05"},
	{0.1, "0.1"},     {0.25, "0.25"}, {0.5, "0.5"},     {1, "1"},
	{2.5, "2.5"},     {5, "5"},       {10, "10"},
};

/* One request: from one quick call to retry.max_seconds (900) of retries,
 * plus the wait for the results topic. */
static const struct mtext_bucket request_buckets[] = {
	{0.01, "0.01"}, {0.05, "0.05"}, {0.1, "0.1"}, {0.25, "0.25"},
	{0.5, "0.5"},   {1, "1"},       {2.5, "2.5"}, {5, "5"},
	{10, "10"},     {30, "30"},     {60, "60"},   {120, "120"},
	{300, "300"},   {600, "600"},   {900, "900"},
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(NELEMS(api_buckets) <= MTEXT_BUCKETS_MAX &&
		       NELEMS(request_buckets) <= MTEXT_BUCKETS_MAX,
	       "MTEXT_BUCKETS_MAX too small");

/* A label value (and, for API calls, a status) of an append-only table. */
struct label {
	int num;
	char text[METRICS_LABEL_MAX];
};

struct table {
	struct label *rows;
	size_t cap;
	_Atomic size_t used; /* rows below are published and never change */
};

struct region {
	_Atomic uint64_t rate_bits; /* a double, as its bits */
	_Atomic bool has_rate;
};

struct partition {
	/* partition + 1; 0 = free.  Written under the mutex. */
	_Atomic int64_t key;
	_Atomic int64_t committed;
	_Atomic int64_t lag;
};

struct metrics {
	_Atomic uint64_t outcomes[OUTCOME__COUNT][REGION_COLS];
	_Atomic uint64_t retries[NREASONS];
	_Atomic uint64_t throttled;
	_Atomic uint64_t consumed;
	_Atomic uint64_t dead_letters;
	_Atomic uint64_t produce_errors[2];  /* topic_kinds */
	_Atomic uint64_t rebalances[2];      /* rebalance_kinds */
	_Atomic uint64_t reloads[2];         /* reload_results */
	_Atomic uint64_t pauses[NPAUSES]; /* by pause_classes[] */
	struct mtext_hist api_hist;
	struct mtext_hist request_hist;

	pthread_mutex_t lock; /* adds rows to the tables, (un)claims partitions */

	struct table api;
	struct label api_labels[API_ROWS];
	_Atomic uint64_t api_calls[API_ROWS];
	/* A row's num is its status + 1000 * its region column. */
	_Atomic uint64_t api_overflow; /* status, code and region "other" */

	struct table regions;
	struct label region_labels[METRICS_REGIONS];
	struct region region_values[METRICS_REGIONS];

	struct partition partitions[METRICS_PARTITIONS];
	_Atomic size_t partitions_used; /* rows below may be claimed */

	_Atomic int64_t inflight;
	_Atomic bool paused;
	_Atomic int pause_reason; /* row of pause_classes[] */
	_Atomic int64_t credentials_expiry_ms;
	_Atomic bool kafka_up;
	_Atomic int64_t partitions_stopped;
	int64_t start_ms;

	struct health *health;     /* /healthz, /readyz */
	struct metrics_http *http; /* NULL when not serving */
};

static uint64_t dbl_bits(double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return bits;
}

static double bits_dbl(uint64_t bits)
{
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* Copies @s (NULL = "") into @out, cut to fit, with control characters
 * but newline, DEL and non-ASCII bytes replaced: every label value is then
 * valid UTF-8 whatever a peer sent. */
static void label_copy(char out[METRICS_LABEL_MAX], const char *s)
{
	size_t i;

	for (i = 0; s && s[i] && i < METRICS_LABEL_MAX - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (c < 0x20 && c != '\n') || c >= 0x7f ? '?' : (char)c;
	}
	out[i] = '\0';
}

/* The row of (@num, @text) in @t, adding it while fewer than @limit rows
 * are used; -1 when it is not there and cannot be added. */
static int table_get(struct metrics *m, struct table *t, int num,
		     const char *text, size_t limit)
{
	char want[METRICS_LABEL_MAX];
	size_t i, used;
	int idx = -1;

	label_copy(want, text);
	used = atomic_load_explicit(&t->used, memory_order_acquire);
	for (i = 0; i < used; i++)
		if (t->rows[i].num == num && strcmp(t->rows[i].text, want) == 0)
			return (int)i;
	if (used >= limit)
		return -1;

	pthread_mutex_lock(&m->lock);
	/* Another thread may have added it, or others, meanwhile. */
	used = atomic_load_explicit(&t->used, memory_order_relaxed);
	for (i = 0; i < used; i++) {
		if (t->rows[i].num == num &&
		    strcmp(t->rows[i].text, want) == 0) {
			idx = (int)i;
			goto out;
		}
	}
	if (used < limit && used < t->cap) {
		t->rows[used].num = num;
		memcpy(t->rows[used].text, want, sizeof(want));
		atomic_store_explicit(&t->used, used + 1, memory_order_release);
		idx = (int)used;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return idx;
}

struct metrics *metrics_new(void)
{
	struct metrics *m;
	size_t i;

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->health = health_new();
	if (!m->health || pthread_mutex_init(&m->lock, NULL) != 0) {
		health_free(m->health);
		free(m);
		return NULL;
	}
	/* calloc's zero bytes are every atomic's zero on our targets; the
	 * ones that start elsewhere are set here. */
	for (i = 0; i < METRICS_PARTITIONS; i++)
		atomic_init(&m->partitions[i].lag, -1);
	mtext_hist_init(&m->api_hist, api_buckets,
		  sizeof(api_buckets) / sizeof(api_buckets[0]));
	mtext_hist_init(&m->request_hist, request_buckets,
		  sizeof(request_buckets) / sizeof(request_buckets[0]));
	m->api.rows = m->api_labels;
	m->api.cap = API_ROWS;
	m->regions.rows = m->region_labels;
	m->regions.cap = METRICS_REGIONS;
	m->start_ms = util_wall_ms();
	return m;
}

/* Counters ---------------------------------------------------------------- */

/* The region column of @region (NULL or "": REGION_NONE). */
static int region_col(struct metrics *m, const char *region)
{
	int idx;

	if (!region || !*region)
		return REGION_NONE;
	idx = table_get(m, &m->regions, 0, region, METRICS_REGIONS);
	return idx < 0 ? REGION_OTHER : idx + 2;
}

static const char *region_label(struct metrics *m, int col)
{
	if (col == REGION_NONE)
		return "";
	return col == REGION_OTHER ? "other" : m->region_labels[col - 2].text;
}

void metrics_outcome(struct metrics *m, enum outcome_kind kind,
		     const char *region)
{
	if (!m || (int)kind < 0 || kind >= OUTCOME__COUNT)
		return;
	atomic_fetch_add_explicit(&m->outcomes[kind][region_col(m, region)],
				  1, memory_order_relaxed);
}

void metrics_api_call(struct metrics *m, long http_status,
		      const char *error_code, const char *region,
		      double seconds)
{
	int status, idx;

	if (!m)
		return;
	status = http_status >= 0 && http_status <= 999 ? (int)http_status : 0;
	status += 1000 * region_col(m, region);
	idx = table_get(m, &m->api, status, error_code, METRICS_API_PAIRS);
	if (idx < 0)
		idx = table_get(m, &m->api, status, "other", API_ROWS);
	if (idx < 0)
		atomic_fetch_add_explicit(&m->api_overflow, 1,
					  memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&m->api_calls[idx], 1,
					  memory_order_relaxed);
	mtext_hist_observe(&m->api_hist, seconds);
}

void metrics_retry(struct metrics *m, const char *reason)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < NREASONS - 1; i++)
		if (reason && strcmp(reason, retry_reasons[i]) == 0)
			break;
	atomic_fetch_add_explicit(&m->retries[i], 1, memory_order_relaxed);
}

void metrics_throttled(struct metrics *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->throttled, 1,
					  memory_order_relaxed);
}

void metrics_records_consumed(struct metrics *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->consumed, 1,
					  memory_order_relaxed);
}

void metrics_request_duration(struct metrics *m, double seconds)
{
	if (m)
		mtext_hist_observe(&m->request_hist, seconds);
}

static void bump(_Atomic uint64_t *v)
{
	atomic_fetch_add_explicit(v, 1, memory_order_relaxed);
}

void metrics_dead_letter(struct metrics *m)
{
	if (m)
		bump(&m->dead_letters);
}

void metrics_produce_error(struct metrics *m, bool dead_letter)
{
	if (m)
		bump(&m->produce_errors[dead_letter]);
}

void metrics_rebalance(struct metrics *m, bool assign)
{
	if (m)
		bump(&m->rebalances[!assign]);
}

void metrics_reload(struct metrics *m, bool ok)
{
	if (m)
		bump(&m->reloads[!ok]);
}

/* The row of pause_classes[] whose words begin @reason (the last one,
 * "other", begins every reason). */
static int reason_row(const char *reason)
{
	size_t i;

	reason = reason ? reason : "";
	for (i = 0; i + 1 < NPAUSES; i++)
		if (strncmp(reason, pause_classes[i].prefix,
			    strlen(pause_classes[i].prefix)) == 0)
			break;
	return (int)i;
}

void metrics_pause(struct metrics *m, const char *reason)
{
	int idx;

	if (!m)
		return;
	idx = reason_row(reason);
	bump(&m->pauses[idx]);
}

/* Gauges ------------------------------------------------------------------ */

void metrics_set_inflight(struct metrics *m, long n)
{
	if (m)
		atomic_store_explicit(&m->inflight, (int64_t)n,
				      memory_order_relaxed);
}

void metrics_set_paused(struct metrics *m, bool paused, const char *reason)
{
	int idx;

	if (!m)
		return;
	if (paused) {
		idx = reason_row(reason);
		atomic_store_explicit(&m->pause_reason, idx,
				      memory_order_relaxed);
	}
	atomic_store_explicit(&m->paused, paused, memory_order_relaxed);
}

static struct region *region_get(struct metrics *m, const char *region)
{
	int idx;

	idx = table_get(m, &m->regions, 0, region, METRICS_REGIONS);
	return idx < 0 ? NULL : &m->region_values[idx];
}

void metrics_set_rate(struct metrics *m, const char *region,
		      double calls_per_s)
{
	struct region *r;

	if (!m || !region)
		return;
	r = region_get(m, region);
	if (!r)
		return;
	atomic_store_explicit(&r->rate_bits, dbl_bits(calls_per_s),
			      memory_order_relaxed);
	atomic_store_explicit(&r->has_rate, true, memory_order_release);
}

/* The row of @key (partition + 1) below @used, or NULL. */
static struct partition *partition_find(struct metrics *m, int64_t key,
					size_t used)
{
	size_t i;

	for (i = 0; i < used; i++)
		if (atomic_load_explicit(&m->partitions[i].key,
					 memory_order_acquire) == key)
			return &m->partitions[i];
	return NULL;
}

void metrics_set_partition(struct metrics *m, int32_t partition,
			   int64_t committed, int64_t lag)
{
	struct partition *p;
	int64_t key = (int64_t)partition + 1;
	size_t used, i;

	if (!m || partition < 0)
		return;
	if (lag < 0)
		lag = -1;
	used = atomic_load_explicit(&m->partitions_used, memory_order_acquire);
	p = partition_find(m, key, used);
	if (p) {
		atomic_store_explicit(&p->committed, committed,
				      memory_order_relaxed);
		atomic_store_explicit(&p->lag, lag, memory_order_relaxed);
		return;
	}

	pthread_mutex_lock(&m->lock);
	used = atomic_load_explicit(&m->partitions_used, memory_order_relaxed);
	for (i = 0; i < used; i++)
		if (atomic_load_explicit(&m->partitions[i].key,
					 memory_order_relaxed) == 0)
			break;
	if (i < METRICS_PARTITIONS) {
		p = &m->partitions[i];
		/* Values first, then the key that makes them visible. */
		atomic_store_explicit(&p->committed, committed,
				      memory_order_relaxed);
		atomic_store_explicit(&p->lag, lag, memory_order_relaxed);
		atomic_store_explicit(&p->key, key, memory_order_release);
		if (i == used)
			atomic_store_explicit(&m->partitions_used, used + 1,
					      memory_order_release);
	}
	pthread_mutex_unlock(&m->lock);
}

void metrics_forget_partition(struct metrics *m, int32_t partition)
{
	struct partition *p;
	size_t used;

	if (!m || partition < 0)
		return;
	pthread_mutex_lock(&m->lock);
	used = atomic_load_explicit(&m->partitions_used, memory_order_relaxed);
	p = partition_find(m, (int64_t)partition + 1, used);
	if (p)
		atomic_store_explicit(&p->key, 0, memory_order_release);
	pthread_mutex_unlock(&m->lock);
}

void metrics_set_credentials_expiry(struct metrics *m, int64_t unix_ms)
{
	if (m)
		atomic_store_explicit(&m->credentials_expiry_ms,
				      unix_ms > 0 ? unix_ms : 0,
				      memory_order_relaxed);
}

void metrics_set_partitions_stopped(struct metrics *m, size_t n)
{
	if (m)
		atomic_store_explicit(&m->partitions_stopped, (int64_t)n,
				      memory_order_relaxed);
}

void metrics_set_kafka_up(struct metrics *m, bool up)
{
	if (m)
		atomic_store_explicit(&m->kafka_up, up, memory_order_relaxed);
}

/* Rendering --------------------------------------------------------------- */

/* The page has bounded label sets: this is far above its largest. */
#define PAGE_MAX (8u * 1024 * 1024)

static uint64_t load_u64(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_counters(struct buf *b, struct metrics *m)
{
	size_t i, col, used;

	mtext_family(b, "optout_records_consumed_total", "counter",
		   "Request records consumed from the requests topic.");
	buf_printf(b, "optout_records_consumed_total %" PRIu64 "\n",
		   load_u64(&m->consumed));

	mtext_family(b, "optout_outcomes_total", "counter",
		     "Outcomes published to the results topic, by outcome and "
		     "region (\"\": none, as for requests rejected unread).");
	used = atomic_load_explicit(&m->regions.used, memory_order_acquire);
	for (i = 0; i < OUTCOME__COUNT; i++) {
		for (col = 0; col < used + 2; col++) {
			uint64_t v = load_u64(&m->outcomes[i][col]);

			if (col == REGION_OTHER && v == 0)
				continue;
			buf_printf(b, "optout_outcomes_total{outcome=\"%s\","
				   "region=\"", outcome_name((enum outcome_kind)i));
			mtext_value(b, region_label(m, (int)col));
			buf_printf(b, "\"} %" PRIu64 "\n", v);
		}
	}

	mtext_family(b, "optout_api_calls_total", "counter",
		     "DeleteOptedOutNumber calls by HTTP status (0: no answer), "
		     "error code and region.");
	used = atomic_load_explicit(&m->api.used, memory_order_acquire);
	for (i = 0; i < used; i++) {
		buf_printf(b, "optout_api_calls_total{status=\"%d\",code=\"",
			   m->api_labels[i].num % 1000);
		mtext_value(b, m->api_labels[i].text);
		buf_puts(b, "\",region=\"");
		mtext_value(b, region_label(m, m->api_labels[i].num / 1000));
		buf_printf(b, "\"} %" PRIu64 "\n", load_u64(&m->api_calls[i]));
	}
	if (load_u64(&m->api_overflow))
		buf_printf(b, "optout_api_calls_total{status=\"other\","
			   "code=\"other\",region=\"other\"} %" PRIu64 "\n",
			   load_u64(&m->api_overflow));

	mtext_hist(b, "optout_api_call_duration_seconds",
		 "Time one DeleteOptedOutNumber call took.", &m->api_hist);

	mtext_family(b, "optout_retries_total", "counter",
		   "API calls retried, by reason.");
	for (i = 0; i < NREASONS; i++) {
		if (i == NREASONS - 1 && load_u64(&m->retries[i]) == 0)
			continue;
		buf_printf(b, "optout_retries_total{reason=\"%s\"} %" PRIu64
			   "\n", retry_reasons[i], load_u64(&m->retries[i]));
	}

	mtext_family(b, "optout_throttled_total", "counter",
		   "API calls AWS answered with throttling.");
	buf_printf(b, "optout_throttled_total %" PRIu64 "\n",
		   load_u64(&m->throttled));

	mtext_hist(b, "optout_request_duration_seconds",
		 "Time from consuming a request to its outcome being "
		 "acknowledged.",
		 &m->request_hist);
}

static void render_paused(struct buf *b, struct metrics *m)
{
	bool paused = atomic_load_explicit(&m->paused, memory_order_relaxed);
	int reason;

	mtext_family(b, "optout_requests_in_flight", "gauge",
		   "Requests consumed whose outcome is not yet acknowledged.");
	buf_printf(b, "optout_requests_in_flight %" PRId64 "\n",
		   atomic_load_explicit(&m->inflight, memory_order_relaxed));

	mtext_family(b, "optout_pipeline_paused", "gauge",
		   "1 while a systemic failure holds consumption, else 0.");
	buf_printf(b, "optout_pipeline_paused %d\n", paused ? 1 : 0);
	mtext_family(b, "optout_pipeline_paused_reason", "gauge",
		   "1 for the class of reason consumption is paused for, "
		   "while it is.");
	if (paused) {
		reason = atomic_load_explicit(&m->pause_reason,
					      memory_order_relaxed);
		buf_printf(b, "optout_pipeline_paused_reason{reason=\"%s\"} 1\n",
			   pause_classes[reason].label);
	}
}

/* A counter family with one label of fixed values. */
static void render_fixed(struct buf *b, const char *name, const char *label,
			 const char *const *values, _Atomic uint64_t *counts,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label,
			   values[i], load_u64(&counts[i]));
}

static void render_events(struct buf *b, struct metrics *m)
{
	size_t i;

	mtext_family(b, "optout_dead_letters_total", "counter",
		     "Copies of rejected records delivered to dlq.topic.");
	buf_printf(b, "optout_dead_letters_total %" PRIu64 "\n",
		   load_u64(&m->dead_letters));
	mtext_family(b, "optout_produce_errors_total", "counter",
		     "Messages the results or dead-letter topic refused "
		     "(each try), by topic.");
	render_fixed(b, "optout_produce_errors_total", "topic", topic_kinds,
		     m->produce_errors, 2);
	mtext_family(b, "optout_rebalances_total", "counter",
		     "Partitions of the requests topic assigned or revoked, "
		     "by kind (one per rebalance event).");
	render_fixed(b, "optout_rebalances_total", "kind", rebalance_kinds,
		     m->rebalances, 2);
	mtext_family(b, "optout_reloads_total", "counter",
		     "Configuration reloads (SIGHUP), by result.");
	render_fixed(b, "optout_reloads_total", "result", reload_results,
		     m->reloads, 2);
	mtext_family(b, "optout_pauses_total", "counter",
		     "Times consumption or calls paused for a systemic "
		     "failure, by class of reason.");
	for (i = 0; i < NPAUSES; i++)
		buf_printf(b, "optout_pauses_total{reason=\"%s\"} %" PRIu64 "\n",
			   pause_classes[i].label, load_u64(&m->pauses[i]));
}

/* The pacing rate of every region that has one. */
static void render_rates(struct buf *b, struct metrics *m)
{
	size_t i, used;

	used = atomic_load_explicit(&m->regions.used, memory_order_acquire);
	mtext_family(b, "optout_rate_limit_calls_per_second", "gauge",
		     "Calls per second this instance paces the region at now: "
		     "its share of aws.rate_limit by partitions, less while "
		     "AWS throttles (0: not paced).");
	for (i = 0; i < used; i++) {
		struct region *r = &m->region_values[i];

		if (!atomic_load_explicit(&r->has_rate, memory_order_acquire))
			continue;
		buf_puts(b, "optout_rate_limit_calls_per_second{region=\"");
		mtext_value(b, m->region_labels[i].text);
		buf_puts(b, "\"} ");
		mtext_double(b, bits_dbl(atomic_load_explicit(
					&r->rate_bits, memory_order_relaxed)));
		buf_putc(b, '\n');
	}
}

struct part_snap {
	int32_t partition;
	int64_t committed, lag;
};

static int part_cmp(const void *a, const void *b)
{
	const struct part_snap *x = a, *y = b;

	return (x->partition > y->partition) - (x->partition < y->partition);
}

/* The claimed partitions, sorted; *@ret_n of them.  NULL when out of
 * memory. */
static struct part_snap *snap_partitions(struct metrics *m, size_t *ret_n)
{
	struct part_snap *snap;
	size_t i, used, n = 0;
	int64_t key;

	pthread_mutex_lock(&m->lock);
	used = atomic_load_explicit(&m->partitions_used, memory_order_relaxed);
	snap = calloc(used ? used : 1, sizeof(*snap));
	if (!snap)
		goto out;
	for (i = 0; i < used; i++) {
		key = atomic_load_explicit(&m->partitions[i].key,
					   memory_order_acquire);
		if (key == 0)
			continue;
		snap[n].partition = (int32_t)(key - 1);
		snap[n].committed = atomic_load_explicit(
			&m->partitions[i].committed, memory_order_relaxed);
		snap[n].lag = atomic_load_explicit(&m->partitions[i].lag,
						   memory_order_relaxed);
		n++;
	}
out:
	pthread_mutex_unlock(&m->lock);
	if (snap)
		qsort(snap, n, sizeof(*snap), part_cmp);
	*ret_n = n;
	return snap;
}

/* Returns 0, or -ENOMEM when the partitions could not be taken. */
static int render_partitions(struct buf *b, struct metrics *m)
{
	struct part_snap *snap;
	size_t i, n = 0;

	snap = snap_partitions(m, &n);
	if (!snap)
		return -ENOMEM;
	mtext_family(b, "optout_partition_committed_offset", "gauge",
		   "Offset committed on the requests topic partition.");
	for (i = 0; i < n; i++)
		if (snap[i].committed >= 0)
			buf_printf(b,
				   "optout_partition_committed_offset{"
				   "partition=\"%" PRId32 "\"} %" PRId64 "\n",
				   snap[i].partition, snap[i].committed);
	mtext_family(b, "optout_partition_lag", "gauge",
		   "Records of the requests topic partition not yet "
		   "committed.");
	for (i = 0; i < n; i++)
		if (snap[i].lag >= 0)
			buf_printf(b,
				   "optout_partition_lag{partition=\"%" PRId32
				   "\"} %" PRId64 "\n",
				   snap[i].partition, snap[i].lag);
	free(snap);
	return 0;
}

static void render_process(struct buf *b, struct metrics *m)
{
	int64_t expiry;

	mtext_family(b, "optout_credentials_expiry_timestamp_seconds", "gauge",
		   "When the AWS credentials in use expire, Unix time.");
	expiry = atomic_load_explicit(&m->credentials_expiry_ms,
				      memory_order_relaxed);
	if (expiry > 0) {
		buf_puts(b, "optout_credentials_expiry_timestamp_seconds ");
		mtext_fixed(b, expiry, 3);
		buf_putc(b, '\n');
	}

	mtext_family(b, "optout_kafka_connected", "gauge",
		   "1 while the Kafka clients reach the brokers, else 0.");
	buf_printf(b, "optout_kafka_connected %d\n",
		   atomic_load_explicit(&m->kafka_up, memory_order_relaxed)
			   ? 1
			   : 0);

	mtext_family(b, "optout_partitions_stopped", "gauge",
		   "Requests partitions stopped at records that cannot be "
		   "read, waiting for an operator.");
	buf_printf(b, "optout_partitions_stopped %" PRId64 "\n",
		   atomic_load_explicit(&m->partitions_stopped,
					memory_order_relaxed));

	mtext_family(b, "optout_build_info", "gauge",
		   "The running optout-eraserd's version.");
	buf_puts(b, "optout_build_info{version=\"");
	mtext_value(b, PACKAGE_VERSION);
	buf_puts(b, "\"} 1\n");

	mtext_family(b, "optout_start_time_seconds", "gauge",
		   "When optout-eraserd started, Unix time.");
	buf_puts(b, "optout_start_time_seconds ");
	mtext_fixed(b, m->start_ms, 3);
	buf_putc(b, '\n');
}

char *metrics_render(struct metrics *m)
{
	struct buf b;

	if (!m)
		return NULL;
	buf_init(&b, PAGE_MAX, 0);
	render_counters(&b, m);
	render_events(&b, m);
	render_paused(&b, m);
	render_rates(&b, m);
	if (render_partitions(&b, m) < 0) {
		buf_free(&b);
		return NULL;
	}
	render_process(&b, m);
	return buf_take(&b);
}

/* The listener (metrics_http.c) ------------------------------------------ */

static char *render_cb(void *opaque)
{
	return metrics_render(opaque);
}

static unsigned check_cb(void *opaque, bool ready, char *body, size_t len)
{
	return health_check(((struct metrics *)opaque)->health, ready, body,
			    len);
}

struct health *metrics_health(struct metrics *m)
{
	return m ? m->health : NULL;
}

int metrics_listen_check(const char *listen, char *errbuf, size_t errlen)
{
	if (config_value_listen(listen, NULL) < 0) {
		util_set_error(errbuf, errlen, "%s", CONFIG_VALUE_LISTEN_MSG);
		return -EINVAL;
	}
	return 0;
}

int metrics_serve(struct metrics *m, const char *listen, char *errbuf,
		  size_t errlen)
{
	if (errbuf && errlen > 0)
		errbuf[0] = '\0';
	if (m->http) {
		util_set_error(errbuf, errlen, "metrics: already serving");
		return -EALREADY;
	}
	return metrics_http_start(listen, render_cb, check_cb, m, &m->http,
				  errbuf, errlen);
}

int metrics_port(const struct metrics *m)
{
	return m ? metrics_http_port(m->http) : 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	metrics_http_free(m->http);
	health_free(m->health);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
