/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ratelimit.c - the pacing bucket never lets more than `rate` calls
 * into any one-second window, and uses the rate fully; the adaptive mode
 * follows the CUBIC rules, and against a simulated API with a quota it
 * converges on the quota, recovers when the quota rises, and never
 * exceeds the ceiling.
 *
 * Time is simulated throughout: every function takes it as an argument.
 */
#include <math.h>

#include "ratelimit.h"
#include "tap.h"

/* Simulates callers that take a token as soon as one is there, for
 * @seconds, and returns the largest count seen in any 1000 ms window and
 * the total. */
static void simulate(double rate, int seconds, int *ret_max, int *ret_total)
{
	struct ratelimit rl;
	int64_t t = 1000000, end = t + (int64_t)seconds * 1000;
	int64_t *times = calloc((size_t)(rate * seconds) + 16, sizeof(*times));
	int n = 0, i, j = 0, max = 0;

	ratelimit_init(&rl, rate, t);
	while (t < end) {
		int64_t w = ratelimit_take(&rl, t);

		if (w == 0) {
			times[n++] = t;
			continue;
		}
		t += w;
	}
	for (i = 0; i < n; i++) {
		while (times[i] - times[j] >= 1000)
			j++;
		if (i - j + 1 > max)
			max = i - j + 1;
	}
	*ret_max = max;
	*ret_total = n;
	free(times);
}

static void test_pacing(void)
{
	static const double rates[] = {1, 3, 10, 25, 100, 0.5};
	struct ratelimit rl;
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		int max, total, want_max = rates[i] < 1 ? 1 : (int)rates[i];

		simulate(rates[i], 20, &max, &total);
		ok(max <= want_max, "rate %g: at most %d calls in any second "
		   "(saw %d)", rates[i], want_max, max);
		ok(total >= (int)(rates[i] * 20) - 1,
		   "rate %g: %d calls in 20 s uses the rate", rates[i], total);
	}
	ratelimit_init(&rl, 0, 0);
	for (i = 0; i < 1000; i++)
		if (ratelimit_take(&rl, 0) != 0)
			break;
	is_int(i, 1000, "rate 0 means no limit");
	ratelimit_init(&rl, INFINITY, 0);
	for (i = 0; i < 1000; i++)
		if (ratelimit_take(&rl, 0) != 0)
			break;
	is_int(i, 1000, "an infinite rate means no limit");
	ratelimit_init(&rl, 1e-300, 0);
	is_int(ratelimit_take(&rl, 0), 0, "rate 1e-300: first call at once");
	is_int(ratelimit_take(&rl, 0), 86400000,
	       "rate 1e-300: then a wait capped at a day");
	ratelimit_init(&rl, 10, 0);
	is_int(ratelimit_take(&rl, 0), 0, "first call at once");
	is_int(ratelimit_take(&rl, 0), 100, "next one after 100 ms at 10/s");
	is_int(ratelimit_take(&rl, 40), 60, "60 ms left after 40 ms");
	is_int(ratelimit_take(&rl, 100), 0, "token at 100 ms");
	is_int(ratelimit_take(&rl, 5000), 0, "after idling one call");
	ok(ratelimit_take(&rl, 5000) > 0, "idling does not bank a burst");
}

static bool near(double got, double want, double tol)
{
	return fabs(got - want) <= tol;
}

/* Takes calls every @step_ms from @from_ms to @to_ms (exclusive). */
static void send_every(struct ratelimit *rl, int64_t from_ms, int64_t to_ms,
		       int64_t step_ms)
{
	int64_t t;

	for (t = from_ms; t < to_ms; t += step_ms)
		(void)ratelimit_take(rl, t);
}

static void test_not_adaptive(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 10, 0);
	is_int(rl.adaptive, false, "not adaptive after init");
	send_every(&rl, 0, 1000, 100);
	ratelimit_throttled(&rl, 1000);
	ok(near(ratelimit_current(&rl), 10, 1e-9),
	   "not adaptive: a throttle changes nothing (%g)",
	   ratelimit_current(&rl));
	ratelimit_succeeded(&rl, 2000);
	ok(near(ratelimit_current(&rl), 10, 1e-9),
	   "not adaptive: a success changes nothing");
	ratelimit_init(&rl, 0, 0);
	ratelimit_throttled(&rl, 10);
	is_int(ratelimit_take(&rl, 10), 0,
	       "not adaptive, unlimited: still unlimited after a throttle");
	ok(ratelimit_current(&rl) == 0, "unlimited reads as 0");
}

static void test_throttle_cut(void)
{
	struct ratelimit rl;
	double rl_before;
	int64_t t;

	ratelimit_init(&rl, 10, 0);
	ratelimit_set_adaptive(&rl, true);
	ok(near(ratelimit_current(&rl), 10, 1e-9),
	   "adaptive starts at the ceiling");
	/* 10 answered calls in the second before: measured 10/s. */
	for (t = 0; t < 1000; t += 100) {
		is_int(ratelimit_take(&rl, t), 0, "call at %d ms", (int)t);
		ratelimit_succeeded(&rl, t + 20);
	}
	ok(near(ratelimit_current(&rl), 10, 1e-9),
	   "successes before any throttle keep the ceiling");
	is_int(ratelimit_take(&rl, 1000), 0, "call at 1000 ms");
	ratelimit_throttled(&rl, 1020);
	ok(near(ratelimit_current(&rl), 7, 1e-9),
	   "a throttle cuts to 0.7 x min(measured, current) = 7 (%g)",
	   ratelimit_current(&rl));
	ok(near(rl.w_max, 10, 1e-9) && near(rl.k, cbrt(10 * 0.3 / 0.4), 1e-9),
	   "w_max 10, K = cbrt(w_max * 0.3 / 0.4) = %.3f s", rl.k);
	is_int(ratelimit_take(&rl, 1020), 115,
	       "time before the cut counts at the old rate: 20 ms at 10/s, "
	       "then 115 ms at 7/s");
	is_int(ratelimit_take(&rl, 1135), 0, "call at 1135 ms");
	ratelimit_throttled(&rl, 1155);
	ok(near(ratelimit_current(&rl), 4.9, 1e-9),
	   "a call sent after the cut and throttled cuts again: 4.9 (%g)",
	   ratelimit_current(&rl));
	/* A lull: one call after 5 s idle measures 1/s, yet its success
	 * does not drag the rate down to 2/s (demand fell, not the quota). */
	is_int(ratelimit_take(&rl, 1400), 0, "call at 1400 ms");
	ratelimit_succeeded(&rl, 1420);
	rl_before = ratelimit_current(&rl);
	is_int(ratelimit_take(&rl, 6400), 0, "one call after 5 s idle");
	ratelimit_succeeded(&rl, 6420);
	ok(near(ratelimit_current(&rl), rl_before, 1e-9),
	   "a success after a lull neither lowers the rate to 2 x measured "
	   "nor lets it grow (%g -> %g)",
	   rl_before, ratelimit_current(&rl));
	/* Nothing sent for a second: measured 0, cut from the current rate. */
	ratelimit_throttled(&rl, 8500);
	ok(near(ratelimit_current(&rl), rl_before * 0.7, 1e-9),
	   "nothing measured: the cut is from the current rate (%g)",
	   ratelimit_current(&rl));

	/* Half the ceiling in use: the cut is from what was really sent. */
	ratelimit_init(&rl, 20, 0);
	ratelimit_set_adaptive(&rl, true);
	send_every(&rl, 0, 2000, 200);
	ratelimit_throttled(&rl, 2000);
	ok(near(ratelimit_current(&rl), 3.5, 1e-9),
	   "5 calls/s sent under a 20/s ceiling: cut to 3.5 (%g)",
	   ratelimit_current(&rl));
	ratelimit_set_adaptive(&rl, false);
	ok(near(ratelimit_current(&rl), 20, 1e-9),
	   "adaptive off: back to the ceiling");
	ratelimit_throttled(&rl, 2100);
	ok(near(ratelimit_current(&rl), 20, 1e-9),
	   "adaptive off: throttles ignored again");
}

static void test_floor_and_ceiling(void)
{
	struct ratelimit rl;
	int i;

	ratelimit_init(&rl, 10, 0);
	ratelimit_set_adaptive(&rl, true);
	for (i = 0; i < 50; i++)
		ratelimit_throttled(&rl, 1000 + i);
	ok(near(ratelimit_current(&rl), RATELIMIT_MIN_RATE, 1e-9),
	   "50 throttles in a row: the floor %g/s (%g)", RATELIMIT_MIN_RATE,
	   ratelimit_current(&rl));
	ratelimit_init(&rl, 0.2, 0);
	ratelimit_set_adaptive(&rl, true);
	for (i = 0; i < 10; i++)
		ratelimit_throttled(&rl, 1000 + i);
	ok(near(ratelimit_current(&rl), 0.2, 1e-9),
	   "a ceiling below the floor wins (%g)", ratelimit_current(&rl));
}

/*
 * After a throttle at 20/s (ceiling 100), a greedy caller reports a
 * success after each call: the rate is back near w_max around K seconds
 * later, on the concave part of the curve before that, then keeps
 * climbing, never falls, and stops at the ceiling.
 */
static void test_cubic_recovery(void)
{
	struct ratelimit rl;
	int64_t t = 0, throttle_at = 2000;
	double at_half_k = 0, at_k = 0, prev = 0, k;
	bool monotonic = true, over = false;
	int64_t reached_ceiling = -1;

	ratelimit_init(&rl, 100, 0);
	ratelimit_set_adaptive(&rl, true);
	send_every(&rl, 0, throttle_at, 50);
	ratelimit_throttled(&rl, throttle_at);
	k = rl.k;
	ok(near(ratelimit_current(&rl), 14, 1e-9), "cut from 20/s to 14/s");
	prev = ratelimit_current(&rl);
	for (t = throttle_at; t < throttle_at + 60000;) {
		int64_t w = ratelimit_take(&rl, t);
		double now_rate;

		if (w > 0) {
			t += w;
			continue;
		}
		ratelimit_succeeded(&rl, t);
		now_rate = ratelimit_current(&rl);
		if (now_rate < prev - 1e-9)
			monotonic = false;
		if (now_rate > 100 + 1e-9)
			over = true;
		prev = now_rate;
		if (at_half_k == 0 && t - throttle_at >= (int64_t)(k * 500))
			at_half_k = now_rate;
		if (at_k == 0 && t - throttle_at >= (int64_t)(k * 1000))
			at_k = now_rate;
		if (reached_ceiling < 0 && now_rate >= 100 - 1e-9)
			reached_ceiling = t - throttle_at;
	}
	tap_diag("after the cut: %.2f/s at K/2, %.2f/s at K = %.2f s, "
		 "ceiling after %.1f s",
		 at_half_k, at_k, k, (double)reached_ceiling / 1000);
	ok(at_half_k > 14 && at_half_k < 20,
	   "at K/2 between the cut and w_max (%.2f)", at_half_k);
	ok(at_half_k > 14 + (20 - 14) * 0.5,
	   "concave: more than half way back at K/2 (%.2f)", at_half_k);
	ok(near(at_k, 20, 1.0), "at K the rate is back near w_max (%.2f)",
	   at_k);
	ok(monotonic, "successes never lower the rate");
	ok(!over, "never above the ceiling");
	ok(reached_ceiling > 0 && reached_ceiling < 15000,
	   "reaches the ceiling within 15 s (%.1f s)",
	   (double)reached_ceiling / 1000);
}

static void test_unlimited_adaptive(void)
{
	struct ratelimit rl;
	int i, taken = 0;
	int64_t t;

	ratelimit_init(&rl, 0, 0);
	ratelimit_set_adaptive(&rl, true);
	for (i = 0; i < 200; i++)
		if (ratelimit_take(&rl, 100) == 0)
			taken++;
	is_int(taken, 200, "unlimited adaptive: no pacing before a throttle");
	ok(ratelimit_current(&rl) == 0, "unlimited reads as 0");
	ratelimit_throttled(&rl, 150);
	ok(near(ratelimit_current(&rl), 140, 1e-9),
	   "throttled: pacing starts at 0.7 x measured (200 -> %g)",
	   ratelimit_current(&rl));
	ok(ratelimit_take(&rl, 150) > 0,
	   "the next call waits (the bucket starts empty)");
	ratelimit_throttled(&rl, 151);
	ratelimit_throttled(&rl, 152);
	ok(near(ratelimit_current(&rl), 140, 1e-9),
	   "throttles answering calls sent before the cut do not cut again "
	   "(%g)", ratelimit_current(&rl));
	for (i = 0; i < 197; i++)
		ratelimit_succeeded(&rl, 153);
	ok(ratelimit_current(&rl) >= 140 && ratelimit_current(&rl) < 140.5,
	   "their successes hardly move it (%g)", ratelimit_current(&rl));
	ratelimit_throttled(&rl, 154);
	ok(near(ratelimit_current(&rl), 140 * 0.7, 0.4),
	   "once all 200 are answered, a throttle cuts again (%g)",
	   ratelimit_current(&rl));
	/* Recovery: successes let it grow, bounded by twice what is sent. */
	for (t = 200; t < 20200;) {
		int64_t w = ratelimit_take(&rl, t);

		if (w > 0) {
			t += w;
			continue;
		}
		ratelimit_succeeded(&rl, t);
		t += 5; /* a caller that cannot go above 200/s */
	}
	ok(ratelimit_current(&rl) > 140 && ratelimit_current(&rl) <= 2 * 201,
	   "recovers beyond the cut, within 2 x the 200/s sent (%g)",
	   ratelimit_current(&rl));

	ratelimit_init(&rl, 0, 0);
	ratelimit_set_adaptive(&rl, true);
	for (i = 0; i < 100; i++)
		(void)ratelimit_take(&rl, 0);
	ratelimit_throttled(&rl, 10);
	ratelimit_throttled(&rl, 1009);
	ok(near(ratelimit_current(&rl), 70, 1e-9),
	   "unanswered calls hold the next cut back for up to %d ms",
	   RATELIMIT_WINDOW_MS);
	ratelimit_throttled(&rl, 1010);
	ok(near(ratelimit_current(&rl), 49, 1e-9),
	   "and no longer (%g)", ratelimit_current(&rl));
}

static void test_set_max(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 10, 0);
	ratelimit_set_max(&rl, 25, 0);
	ok(near(ratelimit_current(&rl), 25, 1e-9),
	   "not adaptive: the rate is the new ceiling");
	ratelimit_set_max(&rl, 0, 0);
	ok(ratelimit_current(&rl) == 0, "ceiling 0: unlimited");
	is_int(ratelimit_take(&rl, 1), 0, "unlimited: at once");
	is_int(ratelimit_take(&rl, 1), 0, "unlimited: at once again");
	ratelimit_set_max(&rl, 10, 2);
	is_int(ratelimit_take(&rl, 2), 0,
	       "paced again: the first call at once");
	is_int(ratelimit_take(&rl, 2), 100, "paced again: then 100 ms");

	ratelimit_init(&rl, 10, 0);
	ratelimit_set_adaptive(&rl, true);
	send_every(&rl, 0, 1000, 100);
	ratelimit_throttled(&rl, 1000);
	ratelimit_set_max(&rl, 5, 1000);
	ok(near(ratelimit_current(&rl), 5, 1e-9),
	   "backed off at 7, ceiling lowered to 5: 5");
	ratelimit_set_max(&rl, 50, 1000);
	ok(near(ratelimit_current(&rl), 5, 1e-9),
	   "ceiling raised to 50: the learnt rate stays");
	ratelimit_set_max(&rl, 0, 1000);
	ok(near(ratelimit_current(&rl), 5, 1e-9),
	   "ceiling removed: still paced at the learnt rate");
	ratelimit_init(&rl, 10, 0);
	ratelimit_set_adaptive(&rl, true);
	ratelimit_set_max(&rl, 30, 0);
	ok(near(ratelimit_current(&rl), 30, 1e-9),
	   "adaptive, never throttled: the new ceiling");
}

/* ---- this instance's share of the account's quota ---- */

static void test_share(void)
{
	static const struct {
		double quota;
		int assigned, total;
		double want;
		const char *what;
	} cases[] = {
		{20, 0, 12, 20.0 / 12, "no partitions: one partition's share"},
		{20, 12, 12, 20, "all partitions: the whole quota"},
		{20, 4, 12, 20.0 / 3, "4 of 12: a third"},
		{20, 5, 12, 20.0 * 5 / 12, "5 of 12 (uneven): 5/12"},
		{20, 3, 12, 5, "3 of 12: a quarter"},
		{10, 1, 1, 10, "a single instance: the whole quota"},
		{10, 1, 3, 10.0 / 3, "1 of 3"},
		{20, 14, 12, 20, "more than the topic had: the whole quota"},
		{20, 3, 0, 20, "the topic's size unknown: the whole quota"},
		{20, 0, 0, 20, "nothing known: the whole quota"},
		{0, 4, 12, 0, "no limit stays no limit"},
		{-5, 4, 12, 0, "a negative quota is no limit"},
		{INFINITY, 4, 12, 0, "an infinite quota is no limit"},
		{0.5, 1, 12, 0.5 / 12, "a share below the floor is kept"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = ratelimit_share(cases[i].quota, cases[i].assigned,
					     cases[i].total);

		ok(near(got, cases[i].want, 1e-9), "share of %g, %d of %d: "
		   "%s (%g)", cases[i].quota, cases[i].assigned,
		   cases[i].total, cases[i].what, got);
	}
	/* Unbalanced but complete: the shares add up to the quota. */
	ok(near(ratelimit_share(20, 5, 12) + ratelimit_share(20, 4, 12) +
			ratelimit_share(20, 3, 12),
		20, 1e-9),
	   "5 + 4 + 3 of 12: the shares add up to the quota");
}

/* Greedy callers on @rl over [@from_ms, @to_ms): the calls taken. */
static int take_all(struct ratelimit *rl, int64_t from_ms, int64_t to_ms)
{
	int64_t t = from_ms;
	int n = 0;

	while (t < to_ms) {
		int64_t w = ratelimit_take(rl, t);

		if (w == 0)
			n++;
		else
			t += w;
	}
	return n;
}

/* A rebalance changes the share: the pace follows at once, both ways. */
static void test_share_rebalance(void)
{
	struct ratelimit rl;
	int n;

	ratelimit_init(&rl, ratelimit_share(12, 4, 12), 0);
	ok(near(ratelimit_current(&rl), 4, 1e-9), "4 of 12 of 12/s: 4/s");
	n = take_all(&rl, 0, 10000);
	ok(n >= 39 && n <= 41, "4/s for 10 s: %d calls", n);
	/* An instance left: its partitions come to this one. */
	ratelimit_set_max(&rl, ratelimit_share(12, 6, 12), 10000);
	ok(near(ratelimit_current(&rl), 6, 1e-9), "6 of 12 after a rebalance");
	n = take_all(&rl, 10000, 20000);
	ok(n >= 59 && n <= 61, "6/s for 10 s: %d calls", n);
	/* Revoked down to 3: the next call waits for the new pace. */
	ratelimit_set_max(&rl, ratelimit_share(12, 3, 12), 20000);
	ok(near(ratelimit_current(&rl), 3, 1e-9), "3 of 12 after a revoke");
	n = take_all(&rl, 20000, 30000);
	ok(n >= 29 && n <= 31, "3/s for 10 s: %d calls", n);
	/* Everything revoked: one partition's share, never unlimited. */
	ratelimit_set_max(&rl, ratelimit_share(12, 0, 12), 30000);
	ok(near(ratelimit_current(&rl), 1, 1e-9),
	   "no partitions: paced at one partition's share");
}

/* Adaptive: the share is the ceiling CUBIC grows towards, never above. */
static void test_share_adaptive(void)
{
	struct ratelimit rl;
	int64_t t;
	double top = 0;

	ratelimit_init(&rl, ratelimit_share(30, 4, 12), 0);
	ratelimit_set_adaptive(&rl, true);
	ok(near(ratelimit_current(&rl), 10, 1e-9),
	   "adaptive, not throttled: paced at the share");
	send_every(&rl, 0, 1000, 100);
	ratelimit_throttled(&rl, 1000);
	ok(near(ratelimit_current(&rl), 7, 1e-9),
	   "throttled at the share: cut to 70%% of it (%g)",
	   ratelimit_current(&rl));
	/* More partitions: the learnt rate stays and grows to the new
	 * share, never above it. */
	ratelimit_set_max(&rl, ratelimit_share(30, 6, 12), 1000);
	ok(near(ratelimit_current(&rl), 7, 1e-9),
	   "a larger share: the learnt rate stays (%g)",
	   ratelimit_current(&rl));
	for (t = 1000; t < 60000; t += 20) {
		if (ratelimit_take(&rl, t) == 0)
			ratelimit_succeeded(&rl, t + 10);
		if (ratelimit_current(&rl) > top)
			top = ratelimit_current(&rl);
	}
	ok(near(top, 15, 1e-9), "and grows to the new share, 15/s, never "
	   "above it (top %g)", top);
	/* Fewer partitions: lowered to the smaller share at once. */
	ratelimit_set_max(&rl, ratelimit_share(30, 2, 12), 60000);
	ok(near(ratelimit_current(&rl), 5, 1e-9),
	   "a smaller share: lowered to it (%g)", ratelimit_current(&rl));
}

/* ---- simulation against a fake API with a quota ---- */

/* The API's quota: a token bucket of one second's worth, in milli-calls
 * so that integer time gives exact answers. */
struct fake_api {
	int64_t quota; /* calls/s */
	int64_t tokens; /* milli-calls */
	int64_t last_ms;
};

static void api_refill(struct fake_api *api, int64_t now_ms)
{
	api->tokens += (now_ms - api->last_ms) * api->quota;
	if (api->tokens > api->quota * 1000)
		api->tokens = api->quota * 1000;
	api->last_ms = now_ms;
}

static bool api_call(struct fake_api *api, int64_t now_ms)
{
	api_refill(api, now_ms);
	if (api->tokens < 1000)
		return false;
	api->tokens -= 1000;
	return true;
}

static void api_set_quota(struct fake_api *api, int64_t quota, int64_t now_ms)
{
	api_refill(api, now_ms);
	api->quota = quota;
	if (api->tokens > quota * 1000)
		api->tokens = quota * 1000;
}

struct scenario {
	const char *name;
	double ceiling;
	bool adaptive;
	int64_t quota, quota2; /* quota2 from change_s on */
	int change_s;
	int workers;
	int latency_ms;
	int seconds;
};

struct sim_stats {
	int sent, ok, throttled;
	int max_per_second; /* most calls in any 1000 ms window */
	int ok_per_s[200];  /* successes per simulated second */
	int thr_per_s[200]; /* throttles per simulated second */
};

#define SIM_WORKERS_MAX 16

/*
 * Greedy workers: each takes a token as soon as the limiter allows, the
 * API decides on arrival, the answer comes back @latency_ms later and is
 * reported to the limiter; then the worker wants the next token at once.
 */
static void run_scenario(const struct scenario *sc, struct sim_stats *st)
{
	struct ratelimit rl;
	struct fake_api api = {sc->quota, sc->quota * 1000, 0};
	int64_t next[SIM_WORKERS_MAX], end = (int64_t)sc->seconds * 1000;
	bool waiting[SIM_WORKERS_MAX] = {false}, answer[SIM_WORKERS_MAX];
	int64_t *times = calloc((size_t)end + 1, sizeof(*times));
	bool changed = sc->change_s <= 0;
	int i, j = 0;

	memset(st, 0, sizeof(*st));
	ratelimit_init(&rl, sc->ceiling, 0);
	ratelimit_set_adaptive(&rl, sc->adaptive);
	for (i = 0; i < sc->workers; i++)
		next[i] = 0;
	for (;;) {
		int w = 0;
		int64_t t;

		for (i = 1; i < sc->workers; i++)
			if (next[i] < next[w])
				w = i;
		t = next[w];
		if (t >= end)
			break;
		if (!changed && t >= (int64_t)sc->change_s * 1000) {
			api_set_quota(&api, sc->quota2, t);
			changed = true;
		}
		if (waiting[w]) {
			if (answer[w]) {
				ratelimit_succeeded(&rl, t);
			} else {
				ratelimit_throttled(&rl, t);
			}
			waiting[w] = false;
			continue;
		}
		{
			int64_t wait = ratelimit_take(&rl, t);

			if (wait > 0) {
				next[w] = t + wait;
				continue;
			}
		}
		answer[w] = api_call(&api, t);
		times[st->sent++] = t;
		if (answer[w]) {
			st->ok++;
			st->ok_per_s[t / 1000]++;
		} else {
			st->throttled++;
			st->thr_per_s[t / 1000]++;
		}
		waiting[w] = true;
		next[w] = t + sc->latency_ms;
	}
	for (i = 0; i < st->sent; i++) {
		while (times[i] - times[j] >= 1000)
			j++;
		if (i - j + 1 > st->max_per_second)
			st->max_per_second = i - j + 1;
	}
	free(times);
}

/* Successes and throttles per second over [from_s, to_s). */
static void window_rates(const struct sim_stats *st, int from_s, int to_s,
			 double *ret_ok, double *ret_thr_frac)
{
	int i, okc = 0, thr = 0;

	for (i = from_s; i < to_s; i++) {
		okc += st->ok_per_s[i];
		thr += st->thr_per_s[i];
	}
	*ret_ok = (double)okc / (to_s - from_s);
	*ret_thr_frac = okc + thr ? (double)thr / (okc + thr) : 0;
}

/*
 * The throttled share a CUBIC sawtooth costs: about one throttle per cycle,
 * and with the SDKs' constants (scale 0.4 calls/s per s^3) a cycle holds
 * about Q^(4/3) calls, so small quotas see a larger share.  At the 10/s
 * default quota and above it stays under 10%; at 3-5/s under 20%.
 */
static double throttle_bound(int64_t quota)
{
	return quota >= 10 ? 0.10 : 0.20;
}

/* Ceiling above the quota: the rate settles near the quota. */
static void test_sim_converges(void)
{
	static const struct scenario scs[] = {
		{"Q=10, ceiling 25, 1 caller", 25, true, 10, 10, 0, 1, 2, 120},
		{"Q=10, unlimited, 1 caller", 0, true, 10, 10, 0, 1, 2, 120},
		{"Q=10, ceiling 25, 8 callers, 150 ms answers", 25, true, 10,
		 10, 0, 8, 150, 120},
		{"Q=10, unlimited, 8 callers, 150 ms answers", 0, true, 10, 10,
		 0, 8, 150, 120},
		{"Q=50, ceiling 200, 16 callers, 40 ms answers", 200, true, 50,
		 50, 0, 16, 40, 120},
		{"Q=3, unlimited, 4 callers, 80 ms answers", 0, true, 3, 3, 0,
		 4, 80, 120},
	};
	size_t i;

	for (i = 0; i < sizeof(scs) / sizeof(scs[0]); i++) {
		const struct scenario *sc = &scs[i];
		struct sim_stats st;
		double tput, frac, late_tput, late_frac;

		run_scenario(sc, &st);
		tput = (double)st.ok / sc->seconds;
		frac = st.sent ? (double)st.throttled / st.sent : 1;
		window_rates(&st, 20, sc->seconds, &late_tput, &late_frac);
		tap_diag("%s: %d calls, %.2f ok/s (%.0f%% of quota), %.1f%% "
			 "throttled; from 20 s on %.2f ok/s, %.1f%% throttled; "
			 "busiest second %d",
			 sc->name, st.sent, tput, 100 * tput / sc->quota,
			 100 * frac, late_tput, 100 * late_frac,
			 st.max_per_second);
		ok(tput >= 0.85 * sc->quota, "%s: throughput >= 85%% of quota",
		   sc->name);
		ok(frac <= throttle_bound(sc->quota),
		   "%s: at most %.0f%% of calls throttled", sc->name,
		   100 * throttle_bound(sc->quota));
		ok(late_tput >= 0.85 * sc->quota &&
			   late_frac <= throttle_bound(sc->quota),
		   "%s: steady state alike", sc->name);
		if (sc->ceiling > 0)
			ok(st.max_per_second <= (int)ceil(sc->ceiling),
			   "%s: never above the ceiling in any second",
			   sc->name);
	}
}

/* Ceiling at or below the quota: no throttle ever, the ceiling is used. */
static void test_sim_under_quota(void)
{
	static const struct scenario scs[] = {
		{"Q=10, ceiling 10, adaptive", 10, true, 10, 10, 0, 1, 2, 120},
		{"Q=10, ceiling 7, adaptive", 7, true, 10, 10, 0, 1, 2, 120},
		{"Q=25, ceiling 25, adaptive, 8 callers", 25, true, 25, 25, 0,
		 8, 150, 120},
		{"Q=10, ceiling 10, not adaptive", 10, false, 10, 10, 0, 1, 2,
		 120},
		{"Q=10, ceiling 3, not adaptive, 4 callers", 3, false, 10, 10,
		 0, 4, 100, 120},
	};
	size_t i;

	for (i = 0; i < sizeof(scs) / sizeof(scs[0]); i++) {
		const struct scenario *sc = &scs[i];
		struct sim_stats st;
		int want = (int)(sc->ceiling * sc->seconds);

		run_scenario(sc, &st);
		tap_diag("%s: %d calls, %d ok, %d throttled", sc->name,
			 st.sent, st.ok, st.throttled);
		is_int(st.throttled, 0, "%s: never throttled", sc->name);
		ok(st.ok >= want && st.ok <= want + 1,
		   "%s: %d calls in %d s is the ceiling", sc->name, st.ok,
		   sc->seconds);
		ok(st.max_per_second <= (int)ceil(sc->ceiling),
		   "%s: never above the ceiling in any second", sc->name);
	}
}

/* Without adaptive mode a ceiling above the quota gets throttled all the
 * time: the simulation does tell the difference. */
static void test_sim_not_adaptive(void)
{
	static const struct scenario sc = {
		"Q=10, ceiling 25, not adaptive", 25, false, 10, 10, 0, 1, 2,
		120};
	struct sim_stats st;
	double frac;

	run_scenario(&sc, &st);
	frac = (double)st.throttled / st.sent;
	tap_diag("%s: %d calls, %.1f%% throttled", sc.name, st.sent,
		 100 * frac);
	ok(frac > 0.5, "%s: more than half throttled", sc.name);
}

/* The quota changes at 60 s: the rate follows it up and down. */
static void test_sim_quota_change(void)
{
	static const struct scenario scs[] = {
		{"Q 5 -> 20, ceiling 25", 25, true, 5, 20, 60, 1, 2, 120},
		{"Q 5 -> 20, unlimited", 0, true, 5, 20, 60, 1, 2, 120},
		{"Q 5 -> 20, ceiling 25, 8 callers", 25, true, 5, 20, 60, 8,
		 150, 120},
		{"Q 20 -> 5, ceiling 25", 25, true, 20, 5, 60, 1, 2, 120},
		{"Q 20 -> 5, unlimited, 8 callers", 0, true, 20, 5, 60, 8, 150,
		 120},
	};
	size_t i;

	for (i = 0; i < sizeof(scs) / sizeof(scs[0]); i++) {
		const struct scenario *sc = &scs[i];
		struct sim_stats st;
		double before, before_thr, after, after_thr;
		int s, climb = -1;

		run_scenario(sc, &st);
		window_rates(&st, 20, 60, &before, &before_thr);
		window_rates(&st, 70, 120, &after, &after_thr);
		/* First second after the change at 85% of the new quota. */
		for (s = 60; s < 120 && climb < 0; s++)
			if (st.ok_per_s[s] >= 0.85 * sc->quota2)
				climb = s - 60;
		tap_diag("%s: before %.2f ok/s (%.1f%% throttled), after "
			 "%.2f ok/s (%.1f%% throttled), 85%% of the new quota "
			 "%d s after the change",
			 sc->name, before, 100 * before_thr, after,
			 100 * after_thr, climb);
		ok(before >= 0.85 * sc->quota &&
			   before_thr <= throttle_bound(sc->quota),
		   "%s: first quota used, few throttles", sc->name);
		ok(after >= 0.85 * sc->quota2 &&
			   after_thr <= throttle_bound(sc->quota2),
		   "%s: new quota used within 10 s, few throttles", sc->name);
		if (sc->quota2 > sc->quota)
			ok(climb >= 0 && climb <= 10,
			   "%s: climbs to the new quota within 10 s (%d)",
			   sc->name, climb);
	}
}

/*
 * Three instances of one group, each given its share of the quota by its
 * partitions (4, 4 and 4 of 12, then 6, 3 and 3 after a rebalance), greedy
 * against one API with that quota: nothing is throttled and the quota is
 * used.  With each pacing at the whole quota (the old rule) most calls
 * would be throttled: that is the e2e test's baseline.
 */
static void test_sim_group_shares(void)
{
	static const int split[2][3] = {{4, 4, 4}, {6, 3, 3}};
	struct fake_api api = {20, 20 * 1000, 0};
	struct ratelimit rl[3];
	int64_t next[3] = {0, 0, 0}, t;
	int sent = 0, okc = 0, i, phase;

	for (i = 0; i < 3; i++) {
		ratelimit_init(&rl[i], ratelimit_share(20, split[0][i], 12), 0);
		ratelimit_set_adaptive(&rl[i], true);
	}
	for (phase = 0; phase < 2; phase++) {
		int64_t end = (phase + 1) * 30000;

		for (i = 0; phase && i < 3; i++)
			ratelimit_set_max(&rl[i],
					  ratelimit_share(20, split[1][i], 12),
					  30000);
		for (;;) {
			int w = 0;
			int64_t wait;

			for (i = 1; i < 3; i++)
				if (next[i] < next[w])
					w = i;
			t = next[w];
			if (t >= end)
				break;
			wait = ratelimit_take(&rl[w], t);
			if (wait > 0) {
				next[w] = t + wait;
				continue;
			}
			sent++;
			if (api_call(&api, t)) {
				okc++;
				ratelimit_succeeded(&rl[w], t);
			} else {
				ratelimit_throttled(&rl[w], t);
			}
		}
	}
	tap_diag("three instances sharing 20/s for 60 s: %d calls, %d ok, "
		 "%.2f%% throttled", sent, okc, 100.0 * (sent - okc) / sent);
	ok(sent - okc <= sent / 100, "group shares: at most 1%% throttled");
	ok(okc >= 0.95 * 20 * 60, "group shares: at least 95%% of the quota");
}

int main(void)
{
	test_pacing();
	test_not_adaptive();
	test_throttle_cut();
	test_floor_and_ceiling();
	test_cubic_recovery();
	test_unlimited_adaptive();
	test_set_max();
	test_sim_converges();
	test_sim_under_quota();
	test_sim_not_adaptive();
	test_sim_quota_change();
	test_share();
	test_share_rebalance();
	test_share_adaptive();
	test_sim_group_shares();
	return tap_done();
}
