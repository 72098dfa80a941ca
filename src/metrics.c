/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - Prometheus metrics, updated lock-free, served by libmicrohttpd.
 *
 * Every value is a C11 atomic that its updaters change with one relaxed
 * operation; a scrape reads them one by one, so it sees each value as it
 * was at some moment of the scrape (Prometheus asks no more).  Histograms
 * keep per-bucket counts (made cumulative when rendered, with _count their
 * total, so "+Inf" always equals _count) and their sum in whole
 * nanoseconds, an integer that adds exactly and in one atomic step.
 *
 * Label values that come from outside (API error codes, regions, pause
 * reasons) live in small append-only tables: a row, once published by a
 * release store of the table's length, never changes, so finding a row is a
 * lock-free scan; only adding one takes the mutex.  Every table has a fixed
 * capacity, so no caller can grow the output without bound.  Partitions
 * come and go with rebalances: their rows are claimed and released under
 * the mutex, while their values are plain atomics written by the one thread
 * that owns the offsets.
 *
 * The HTTP server is libmicrohttpd's, on its own thread, bound to a
 * loopback address only (the metrics are not for the network, and there
 * is no TLS or authentication to make them so).  Each GET /metrics renders
 * a fresh text and hands it to libmicrohttpd, which frees it.
 *
 * Owner: the main thread creates, serves and frees; any thread updates.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "autoconf.h" /* PACKAGE_VERSION */
#include "log.h"
#include "util.h"

/* Pause reason classes we keep apart; later ones are shown as "other". */
#define REASONS_MAX 16
/* API rows: the pairs, the folded ones (status, "other"). */
#define API_ROWS (METRICS_API_PAIRS + METRICS_API_FOLDS)
/* The longest histogram. */
#define BUCKETS_MAX 16

#define LISTEN_MSG                                                             \
	"must be HOST:PORT with HOST a loopback address (127.0.0.1, [::1] "    \
	"or localhost) and PORT 0 to 65535"

/* Retry reasons, in the order they are rendered. */
static const char *const retry_reasons[] = {"throttle", "transient", "auth",
					    "other"};
#define NREASONS (sizeof(retry_reasons) / sizeof(retry_reasons[0]))

struct bucket {
	double le;
	const char *text; /* the le label, as written */
};

/* One API call: from a few milliseconds to the 10 s default timeout. */
static const struct bucket api_buckets[] = {
	{0.005, "0.005"}, {0.01, "0.01"}, {0.025, "0.025"}, {0.05, "0.05"},
	{0.1, "0.1"},     {0.25, "0.25"}, {0.5, "0.5"},     {1, "1"},
	{2.5, "2.5"},     {5, "5"},       {10, "10"},
};

/* One request: from one quick call to retry.max_seconds (900) of retries,
 * plus the wait for the results topic. */
static const struct bucket request_buckets[] = {
	{0.01, "0.01"}, {0.05, "0.05"}, {0.1, "0.1"}, {0.25, "0.25"},
	{0.5, "0.5"},   {1, "1"},       {2.5, "2.5"}, {5, "5"},
	{10, "10"},     {30, "30"},     {60, "60"},   {120, "120"},
	{300, "300"},   {600, "600"},   {900, "900"},
};

_Static_assert(sizeof(api_buckets) / sizeof(api_buckets[0]) <= BUCKETS_MAX &&
		       sizeof(request_buckets) / sizeof(request_buckets[0]) <=
			       BUCKETS_MAX,
	       "BUCKETS_MAX too small");

struct hist {
	const struct bucket *buckets;
	size_t nbuckets;
	_Atomic uint64_t counts[BUCKETS_MAX + 1]; /* last: above every le */
	_Atomic uint64_t sum_ns;
};

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
	_Atomic uint64_t rate_bits; /* doubles, as their bits */
	_Atomic uint64_t tokens_bits;
	_Atomic bool has_rate;
	_Atomic bool has_tokens;
};

struct partition {
	/* partition + 1; 0 = free.  Written under the mutex. */
	_Atomic int64_t key;
	_Atomic int64_t committed;
	_Atomic int64_t lag;
};

struct metrics {
	_Atomic uint64_t outcomes[OUTCOME__COUNT];
	_Atomic uint64_t retries[NREASONS];
	_Atomic uint64_t throttled;
	_Atomic uint64_t consumed;
	struct hist api_hist;
	struct hist request_hist;

	pthread_mutex_t lock; /* adds rows to the tables, (un)claims partitions */

	struct table api;
	struct label api_labels[API_ROWS];
	_Atomic uint64_t api_calls[API_ROWS];
	_Atomic uint64_t api_overflow; /* status="other", code="other" */

	struct table regions;
	struct label region_labels[METRICS_REGIONS];
	struct region region_values[METRICS_REGIONS];

	struct table reasons;
	struct label reason_labels[REASONS_MAX];

	struct partition partitions[METRICS_PARTITIONS];
	_Atomic size_t partitions_used; /* rows below may be claimed */

	_Atomic int64_t inflight;
	_Atomic bool paused;
	_Atomic int pause_reason; /* row of reasons, -1 = "other" */
	_Atomic int64_t credentials_expiry_ms;
	_Atomic bool kafka_up;
	_Atomic int64_t partitions_stopped;
	int64_t start_ms;

	struct MHD_Daemon *daemon;
	int port;
	_Atomic bool serving; /* MHD's messages go to the log, not start_err */
	char start_err[256];
};

static void hist_init(struct hist *h, const struct bucket *b, size_t n)
{
	h->buckets = b;
	h->nbuckets = n;
}

static void hist_observe(struct hist *h, double seconds)
{
	size_t i;

	/* Garbage in (a clock stepping back, NaN) is counted as 0 s, not
	 * dropped: the count still says how many there were. */
	if (!(seconds >= 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	for (i = 0; i < h->nbuckets; i++)
		if (seconds <= h->buckets[i].le)
			break;
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)llround(seconds * 1e9),
				  memory_order_relaxed);
}

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
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return NULL;
	}
	/* calloc's zero bytes are every atomic's zero on our targets; the
	 * ones that start elsewhere are set here. */
	for (i = 0; i < METRICS_PARTITIONS; i++)
		atomic_init(&m->partitions[i].lag, -1);
	atomic_init(&m->pause_reason, -1);
	hist_init(&m->api_hist, api_buckets,
		  sizeof(api_buckets) / sizeof(api_buckets[0]));
	hist_init(&m->request_hist, request_buckets,
		  sizeof(request_buckets) / sizeof(request_buckets[0]));
	m->api.rows = m->api_labels;
	m->api.cap = API_ROWS;
	m->regions.rows = m->region_labels;
	m->regions.cap = METRICS_REGIONS;
	m->reasons.rows = m->reason_labels;
	m->reasons.cap = REASONS_MAX;
	m->start_ms = util_wall_ms();
	return m;
}

/* Counters ---------------------------------------------------------------- */

void metrics_outcome(struct metrics *m, enum outcome_kind kind)
{
	if (!m || (int)kind < 0 || kind >= OUTCOME__COUNT)
		return;
	atomic_fetch_add_explicit(&m->outcomes[kind], 1, memory_order_relaxed);
}

void metrics_api_call(struct metrics *m, long http_status,
		      const char *error_code, double seconds)
{
	int status, idx;

	if (!m)
		return;
	status = http_status >= 0 && http_status <= 999 ? (int)http_status : 0;
	idx = table_get(m, &m->api, status, error_code, METRICS_API_PAIRS);
	if (idx < 0)
		idx = table_get(m, &m->api, status, "other", API_ROWS);
	if (idx < 0)
		atomic_fetch_add_explicit(&m->api_overflow, 1,
					  memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&m->api_calls[idx], 1,
					  memory_order_relaxed);
	hist_observe(&m->api_hist, seconds);
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
		hist_observe(&m->request_hist, seconds);
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
	char cls[METRICS_LABEL_MAX];
	const char *colon;
	size_t n;
	int idx = -1;

	if (!m)
		return;
	if (paused) {
		reason = reason ? reason : "";
		colon = strchr(reason, ':');
		n = colon ? (size_t)(colon - reason) : strlen(reason);
		if (n > sizeof(cls) - 1)
			n = sizeof(cls) - 1;
		memcpy(cls, reason, n);
		cls[n] = '\0';
		idx = table_get(m, &m->reasons, 0, cls, REASONS_MAX);
		/* Release: the row's text is visible where idx is. */
		atomic_store_explicit(&m->pause_reason, idx,
				      memory_order_release);
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

void metrics_set_rate_tokens(struct metrics *m, const char *region,
			     double tokens)
{
	struct region *r;

	if (!m || !region)
		return;
	r = region_get(m, region);
	if (!r)
		return;
	atomic_store_explicit(&r->tokens_bits, dbl_bits(tokens),
			      memory_order_relaxed);
	atomic_store_explicit(&r->has_tokens, true, memory_order_release);
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

/* A growing text; after a failed allocation every append is a no-op and
 * out_take() gives NULL. */
struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static bool out_reserve(struct out *o, size_t more)
{
	size_t ncap;
	char *nbuf;

	if (o->failed)
		return false;
	if (o->len + more + 1 <= o->cap)
		return true;
	ncap = o->cap ? o->cap : 4096;
	while (ncap < o->len + more + 1)
		ncap *= 2;
	nbuf = realloc(o->buf, ncap);
	if (!nbuf) {
		o->failed = true;
		return false;
	}
	o->buf = nbuf;
	o->cap = ncap;
	return true;
}

static void out_add(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (!out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

__attribute__((format(printf, 2, 3))) static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->failed = true;
		return;
	}
	if (!out_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

/* A label value, escaped as the text format wants. */
static void out_value(struct out *o, const char *s)
{
	char esc[3] = {'\\', 0, 0};
	const char *run = s;

	for (; *s; s++) {
		if (*s != '\\' && *s != '"' && *s != '\n')
			continue;
		if (!out_reserve(o, (size_t)(s - run)))
			return;
		memcpy(o->buf + o->len, run, (size_t)(s - run));
		o->len += (size_t)(s - run);
		o->buf[o->len] = '\0';
		esc[1] = *s == '\n' ? 'n' : *s;
		out_add(o, esc);
		run = s + 1;
	}
	out_add(o, run);
}

static void out_family(struct out *o, const char *name, const char *type,
		       const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A float the way Prometheus spells it. */
static void out_double(struct out *o, double v)
{
	if (isnan(v))
		out_add(o, "NaN");
	else if (isinf(v))
		out_add(o, v > 0 ? "+Inf" : "-Inf");
	else
		out_printf(o, "%.15g", v);
}

/* @units of 10^-@digits, as a decimal without trailing zeros: exact where
 * a double would round. */
static void out_fixed(struct out *o, int64_t units, int digits)
{
	char frac[24];
	int64_t scale = 1;
	int i, n;

	for (i = 0; i < digits; i++)
		scale *= 10;
	if (units < 0) {
		out_add(o, "-");
		units = -units;
	}
	out_printf(o, "%" PRId64, units / scale);
	if (units % scale == 0)
		return;
	snprintf(frac, sizeof(frac), "%0*" PRId64, digits, units % scale);
	n = (int)strlen(frac);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	out_printf(o, ".%s", frac);
}

static uint64_t load_u64(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void out_hist(struct out *o, const char *name, const char *help,
		     struct hist *h)
{
	uint64_t cum = 0;
	size_t i;

	out_family(o, name, "histogram", help);
	for (i = 0; i < h->nbuckets; i++) {
		cum += load_u64(&h->counts[i]);
		out_printf(o, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
			   h->buckets[i].text, cum);
	}
	cum += load_u64(&h->counts[h->nbuckets]);
	out_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	out_printf(o, "%s_sum ", name);
	out_fixed(o, (int64_t)load_u64(&h->sum_ns), 9);
	out_printf(o, "\n%s_count %" PRIu64 "\n", name, cum);
}

static void render_counters(struct out *o, struct metrics *m)
{
	size_t i, used;

	out_family(o, "optout_records_consumed_total", "counter",
		   "Request records consumed from the requests topic.");
	out_printf(o, "optout_records_consumed_total %" PRIu64 "\n",
		   load_u64(&m->consumed));

	out_family(o, "optout_outcomes_total", "counter",
		   "Outcomes published to the results topic, by outcome.");
	for (i = 0; i < OUTCOME__COUNT; i++)
		out_printf(o, "optout_outcomes_total{outcome=\"%s\"} %" PRIu64
			   "\n", outcome_name((enum outcome_kind)i),
			   load_u64(&m->outcomes[i]));

	out_family(o, "optout_api_calls_total", "counter",
		   "DeleteOptedOutNumber calls by HTTP status (0: no answer) "
		   "and error code.");
	used = atomic_load_explicit(&m->api.used, memory_order_acquire);
	for (i = 0; i < used; i++) {
		out_printf(o, "optout_api_calls_total{status=\"%d\",code=\"",
			   m->api_labels[i].num);
		out_value(o, m->api_labels[i].text);
		out_printf(o, "\"} %" PRIu64 "\n", load_u64(&m->api_calls[i]));
	}
	if (load_u64(&m->api_overflow))
		out_printf(o, "optout_api_calls_total{status=\"other\","
			   "code=\"other\"} %" PRIu64 "\n",
			   load_u64(&m->api_overflow));

	out_hist(o, "optout_api_call_duration_seconds",
		 "Time one DeleteOptedOutNumber call took.", &m->api_hist);

	out_family(o, "optout_retries_total", "counter",
		   "API calls retried, by reason.");
	for (i = 0; i < NREASONS; i++) {
		if (i == NREASONS - 1 && load_u64(&m->retries[i]) == 0)
			continue;
		out_printf(o, "optout_retries_total{reason=\"%s\"} %" PRIu64
			   "\n", retry_reasons[i], load_u64(&m->retries[i]));
	}

	out_family(o, "optout_throttled_total", "counter",
		   "API calls AWS answered with throttling.");
	out_printf(o, "optout_throttled_total %" PRIu64 "\n",
		   load_u64(&m->throttled));

	out_hist(o, "optout_request_duration_seconds",
		 "Time from consuming a request to its outcome being "
		 "acknowledged.",
		 &m->request_hist);
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

/* The claimed partitions, sorted; *@ret_n of them (0 when out of memory:
 * the families are then rendered empty, and out marked failed). */
static struct part_snap *snap_partitions(struct out *o, struct metrics *m,
					 size_t *ret_n)
{
	struct part_snap *snap;
	size_t i, used, n = 0;
	int64_t key;

	*ret_n = 0;
	pthread_mutex_lock(&m->lock);
	used = atomic_load_explicit(&m->partitions_used, memory_order_relaxed);
	snap = calloc(used ? used : 1, sizeof(*snap));
	if (!snap) {
		o->failed = true;
		goto out;
	}
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

static void render_gauges(struct out *o, struct metrics *m)
{
	struct part_snap *snap = NULL;
	size_t i, used, n = 0;
	int64_t expiry;
	int reason;

	out_family(o, "optout_requests_in_flight", "gauge",
		   "Requests consumed whose outcome is not yet acknowledged.");
	out_printf(o, "optout_requests_in_flight %" PRId64 "\n",
		   atomic_load_explicit(&m->inflight, memory_order_relaxed));

	out_family(o, "optout_pipeline_paused", "gauge",
		   "1 while a systemic failure holds consumption, else 0.");
	out_printf(o, "optout_pipeline_paused %d\n",
		   atomic_load_explicit(&m->paused, memory_order_relaxed) ? 1
									  : 0);
	out_family(o, "optout_pipeline_paused_reason", "gauge",
		   "1 for the class of reason consumption is paused for, "
		   "while it is.");
	if (atomic_load_explicit(&m->paused, memory_order_relaxed)) {
		reason = atomic_load_explicit(&m->pause_reason,
					      memory_order_acquire);
		out_add(o, "optout_pipeline_paused_reason{reason=\"");
		out_value(o, reason >= 0 ? m->reason_labels[reason].text
					 : "other");
		out_add(o, "\"} 1\n");
	}

	used = atomic_load_explicit(&m->regions.used, memory_order_acquire);
	out_family(o, "optout_rate_limit_calls_per_second", "gauge",
		   "Calls per second the region is paced at now (0: not "
		   "paced).");
	for (i = 0; i < used; i++) {
		struct region *r = &m->region_values[i];

		if (!atomic_load_explicit(&r->has_rate, memory_order_acquire))
			continue;
		out_add(o, "optout_rate_limit_calls_per_second{region=\"");
		out_value(o, m->region_labels[i].text);
		out_add(o, "\"} ");
		out_double(o, bits_dbl(atomic_load_explicit(
				      &r->rate_bits, memory_order_relaxed)));
		out_add(o, "\n");
	}
	out_family(o, "optout_rate_limit_tokens", "gauge",
		   "Tokens in the region's pacing bucket.");
	for (i = 0; i < used; i++) {
		struct region *r = &m->region_values[i];

		if (!atomic_load_explicit(&r->has_tokens,
					  memory_order_acquire))
			continue;
		out_add(o, "optout_rate_limit_tokens{region=\"");
		out_value(o, m->region_labels[i].text);
		out_add(o, "\"} ");
		out_double(o, bits_dbl(atomic_load_explicit(
				      &r->tokens_bits, memory_order_relaxed)));
		out_add(o, "\n");
	}

	snap = snap_partitions(o, m, &n);
	out_family(o, "optout_partition_committed_offset", "gauge",
		   "Offset committed on the requests topic partition.");
	for (i = 0; i < n; i++)
		if (snap[i].committed >= 0)
			out_printf(o,
				   "optout_partition_committed_offset{"
				   "partition=\"%" PRId32 "\"} %" PRId64 "\n",
				   snap[i].partition, snap[i].committed);
	out_family(o, "optout_partition_lag", "gauge",
		   "Records of the requests topic partition not yet "
		   "committed.");
	for (i = 0; i < n; i++)
		if (snap[i].lag >= 0)
			out_printf(o,
				   "optout_partition_lag{partition=\"%" PRId32
				   "\"} %" PRId64 "\n",
				   snap[i].partition, snap[i].lag);
	free(snap);

	out_family(o, "optout_credentials_expiry_timestamp_seconds", "gauge",
		   "When the AWS credentials in use expire, Unix time.");
	expiry = atomic_load_explicit(&m->credentials_expiry_ms,
				      memory_order_relaxed);
	if (expiry > 0) {
		out_add(o, "optout_credentials_expiry_timestamp_seconds ");
		out_fixed(o, expiry, 3);
		out_add(o, "\n");
	}

	out_family(o, "optout_kafka_connected", "gauge",
		   "1 while the Kafka clients reach the brokers, else 0.");
	out_printf(o, "optout_kafka_connected %d\n",
		   atomic_load_explicit(&m->kafka_up, memory_order_relaxed)
			   ? 1
			   : 0);

	out_family(o, "optout_partitions_stopped", "gauge",
		   "Requests partitions stopped at records that cannot be "
		   "read, waiting for an operator.");
	out_printf(o, "optout_partitions_stopped %" PRId64 "\n",
		   atomic_load_explicit(&m->partitions_stopped,
					memory_order_relaxed));

	out_family(o, "optout_build_info", "gauge",
		   "The running optout-eraserd's version.");
	out_add(o, "optout_build_info{version=\"");
	out_value(o, PACKAGE_VERSION);
	out_add(o, "\"} 1\n");

	out_family(o, "optout_start_time_seconds", "gauge",
		   "When optout-eraserd started, Unix time.");
	out_add(o, "optout_start_time_seconds ");
	out_fixed(o, m->start_ms, 3);
	out_add(o, "\n");
}

char *metrics_render(struct metrics *m)
{
	struct out o = {NULL, 0, 0, false};

	if (!m)
		return NULL;
	render_counters(&o, m);
	render_gauges(&o, m);
	if (o.failed || !o.buf) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

/* The HTTP server ---------------------------------------------------------- */

/* Parses @listen into @ret_sa (port in network order); -EINVAL with a
 * message otherwise. */
static int listen_parse(const char *listen, struct sockaddr_storage *ret_sa,
			char *errbuf, size_t errlen)
{
	struct sockaddr_storage sa;
	struct sockaddr_in *sin = (struct sockaddr_in *)&sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;
	char host[64];
	const char *colon, *p;
	unsigned long port = 0;
	size_t n;

	memset(&sa, 0, sizeof(sa));
	colon = listen ? strrchr(listen, ':') : NULL;
	if (!colon || colon == listen || !colon[1] || strlen(colon + 1) > 5)
		goto bad;
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		goto bad;
	n = (size_t)(colon - listen);
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
		listen++;
		n -= 2;
		if (n == 0 || n >= sizeof(host))
			goto bad;
		memcpy(host, listen, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
	} else {
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, listen, n);
		host[n] = '\0';
		if (strcmp(host, "localhost") == 0) {
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		} else if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
		} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
		} else {
			goto bad;
		}
	}
	if (sin->sin_family == AF_INET) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			goto bad;
		sin->sin_port = htons((uint16_t)port);
	} else {
		sin6->sin6_family = AF_INET6;
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			goto bad;
		sin6->sin6_port = htons((uint16_t)port);
	}
	if (ret_sa)
		*ret_sa = sa;
	return 0;
bad:
	if (errbuf && errlen > 0)
		snprintf(errbuf, errlen, "%s", LISTEN_MSG);
	return -EINVAL;
}

int metrics_listen_check(const char *listen, char *errbuf, size_t errlen)
{
	return listen_parse(listen, NULL, errbuf, errlen);
}

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics *m = cls;
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/* While starting, the last message explains a failure; afterwards
	 * they are about single scrapes (a client that went away, ...). */
	if (atomic_load_explicit(&m->serving, memory_order_acquire))
		log_debug("metrics: %s", msg);
	else
		snprintf(m->start_err, sizeof(m->start_err), "%s", msg);
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status,
			      char *body, bool owned)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	resp = MHD_create_response_from_buffer(
		strlen(body), body,
		owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (owned)
			free(body);
		goto out;
	}
	if (status == MHD_HTTP_OK)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4; "
					"charset=utf-8");
	else
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
out:
	return ret;
}

/* @locality libmicrohttpd's thread. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "Not Found: the metrics are at /metrics\n";
	static char not_allowed[] = "Method Not Allowed\n";
	static char no_memory[] = "Out of memory\n";
	struct metrics *m = cls;
	char *text;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed,
			      false);
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, MHD_HTTP_NOT_FOUND, not_found, false);
	text = metrics_render(m);
	if (!text)
		return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, no_memory,
			      false);
	return answer(conn, MHD_HTTP_OK, text, true);
}

int metrics_serve(struct metrics *m, const char *listen, char *errbuf,
		  size_t errlen)
{
	struct sockaddr_storage sa;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	uint16_t port;
	int ret, err;

	if (errbuf && errlen > 0)
		errbuf[0] = '\0';
	if (m->daemon) {
		ret = -EALREADY;
		if (errbuf && errlen > 0)
			snprintf(errbuf, errlen, "metrics: already serving");
		goto out;
	}
	ret = listen_parse(listen, &sa, NULL, 0);
	if (ret) {
		if (errbuf && errlen > 0)
			snprintf(errbuf, errlen, "metrics.listen: %s",
				 LISTEN_MSG);
		goto out;
	}
	port = ntohs(sa.ss_family == AF_INET
			     ? ((struct sockaddr_in *)&sa)->sin_port
			     : ((struct sockaddr_in6 *)&sa)->sin6_port);

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
		MHD_USE_ERROR_LOG;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->start_err[0] = '\0';
	errno = 0;
	/* The logger first, so that start-up messages go to it. */
	m->daemon = MHD_start_daemon(
		flags, port, NULL, NULL, handle, m, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (!m->daemon) {
		err = errno;
		ret = err > 0 ? -err : -EIO;
		if (errbuf && errlen > 0)
			snprintf(errbuf, errlen,
				 "metrics: cannot listen on %s: %s", listen,
				 m->start_err[0] ? m->start_err
						 : "libmicrohttpd failed");
		goto out;
	}
	atomic_store_explicit(&m->serving, true, memory_order_release);
	info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : 0;
out:
	return ret;
}

int metrics_port(const struct metrics *m)
{
	return m && m->daemon ? m->port : 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->daemon)
		MHD_stop_daemon(m->daemon);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
