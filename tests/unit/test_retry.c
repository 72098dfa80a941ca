/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_retry.c - backoff bounds and jitter, class bases, retry-after hints,
 * attempt and time limits, and the retry budget's drain and refill.
 *
 * The jitter source is an argument, so exact cases pick it (0 gives the
 * lower bound, hi - lo the upper one) and the distribution checks draw it
 * from a seeded generator: no test depends on the clock or on luck.
 */
#include <limits.h>
#include <stdint.h>

#include "retry.h"
#include "tap.h"

static const struct retry_policy std_policy = {100, 20000, 0, 900};

/* xorshift64*: reproducible draws for the distribution checks. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

struct backoff_case {
	const char *name;
	unsigned base, cap;
	int attempt;
	enum api_retry cls;
	int64_t retry_after;
	uint64_t rnd;
	int64_t want;
};

static const struct backoff_case backoff_cases[] = {
	{"attempt 1, low end", 100, 20000, 1, API_RETRY_TRANSIENT, -1, 0, 0},
	{"attempt 1, top is base", 100, 20000, 1, API_RETRY_TRANSIENT, -1, 100,
	 100},
	{"attempt 1, range is inclusive (101 wraps to 0)", 100, 20000, 1,
	 API_RETRY_TRANSIENT, -1, 101, 0},
	{"attempt 1, middle", 100, 20000, 1, API_RETRY_TRANSIENT, -1, 37, 37},
	{"attempt 2 doubles", 100, 20000, 2, API_RETRY_TRANSIENT, -1, 200,
	 200},
	{"attempt 3", 100, 20000, 3, API_RETRY_TRANSIENT, -1, 400, 400},
	{"attempt 3, above top wraps", 100, 20000, 3, API_RETRY_TRANSIENT, -1,
	 401, 0},
	{"attempt 8: 12800", 100, 20000, 8, API_RETRY_TRANSIENT, -1, 12800,
	 12800},
	{"attempt 9 hits the cap", 100, 20000, 9, API_RETRY_TRANSIENT, -1,
	 20000, 20000},
	{"attempt 9: cap is the top (20001 wraps)", 100, 20000, 9,
	 API_RETRY_TRANSIENT, -1, 20001, 0},
	{"attempt 64 stays capped", 100, 20000, 64, API_RETRY_TRANSIENT, -1,
	 20000, 20000},
	{"attempt 1000000 stays capped", 100, 20000, 1000000,
	 API_RETRY_TRANSIENT, -1, 20000, 20000},
	{"attempt INT_MAX stays capped", 100, 20000, INT_MAX,
	 API_RETRY_TRANSIENT, -1, 20000, 20000},
	{"attempt INT_MAX, all-ones jitter", 100, 20000, INT_MAX,
	 API_RETRY_TRANSIENT, -1, UINT64_MAX, 594},
	{"attempt 0 counts as 1", 100, 20000, 0, API_RETRY_TRANSIENT, -1, 100,
	 100},
	{"negative attempt counts as 1", 100, 20000, -7, API_RETRY_TRANSIENT,
	 -1, 100, 100},
	{"NONE backs off like TRANSIENT", 100, 20000, 2, API_RETRY_NONE, -1,
	 200, 200},
	{"huge base and cap", UINT_MAX, UINT_MAX, 40, API_RETRY_TRANSIENT, -1,
	 UINT_MAX, UINT_MAX},
	{"cap below base", 100, 50, 1, API_RETRY_TRANSIENT, -1, 50, 50},
	{"zero base never grows", 0, 20000, 1000, API_RETRY_TRANSIENT, -1, 7,
	 0},
	{"zero cap", 100, 0, 3, API_RETRY_TRANSIENT, -1, 12345, 0},
	/* throttling: base raised to RETRY_THROTTLE_BASE_MS */
	{"throttle attempt 1 top is 500", 100, 20000, 1, API_RETRY_THROTTLE,
	 -1, 500, 500},
	{"throttle attempt 1, 501 wraps", 100, 20000, 1, API_RETRY_THROTTLE,
	 -1, 501, 0},
	{"throttle attempt 2 top is 1000", 100, 20000, 2, API_RETRY_THROTTLE,
	 -1, 1000, 1000},
	{"throttle attempt 6 capped at 16000", 100, 20000, 6,
	 API_RETRY_THROTTLE, -1, 16000, 16000},
	{"throttle attempt 7 capped", 100, 20000, 7, API_RETRY_THROTTLE, -1,
	 20000, 20000},
	{"throttle keeps a larger base", 800, 20000, 1, API_RETRY_THROTTLE, -1,
	 800, 800},
	{"throttle base above cap: cap wins", 100, 300, 1, API_RETRY_THROTTLE,
	 -1, 300, 300},
	{"throttle base above cap: 301 wraps", 100, 300, 1,
	 API_RETRY_THROTTLE, -1, 301, 0},
	/* auth: at least RETRY_AUTH_MIN_MS */
	{"auth attempt 1 is exactly 1000", 100, 20000, 1, API_RETRY_AUTH, -1,
	 0, 1000},
	{"auth attempt 1, any jitter", 100, 20000, 1, API_RETRY_AUTH, -1,
	 987654321, 1000},
	{"auth attempt 2 low end", 100, 20000, 2, API_RETRY_AUTH, -1, 0, 1000},
	{"auth attempt 2 top", 100, 20000, 2, API_RETRY_AUTH, -1, 1000, 2000},
	{"auth attempt 2, 1001 wraps to 1000", 100, 20000, 2, API_RETRY_AUTH,
	 -1, 1001, 1000},
	{"auth attempt 9 capped", 100, 20000, 9, API_RETRY_AUTH, -1, 19000,
	 20000},
	{"auth with a cap below 1000: the cap", 100, 500, 3, API_RETRY_AUTH,
	 -1, 99, 500},
	{"auth with zero cap", 100, 0, 1, API_RETRY_AUTH, -1, 99, 0},
	/* retry-after hints */
	{"hint above the range: exactly the hint", 100, 20000, 1,
	 API_RETRY_TRANSIENT, 3000, 0, 3000},
	{"hint above the range, any jitter", 100, 20000, 1,
	 API_RETRY_TRANSIENT, 3000, 777, 3000},
	{"hint inside the range: lower bound", 100, 20000, 3,
	 API_RETRY_TRANSIENT, 50, 0, 50},
	{"hint inside the range: top unchanged", 100, 20000, 3,
	 API_RETRY_TRANSIENT, 50, 350, 400},
	{"hint 0 is no constraint", 100, 20000, 2, API_RETRY_TRANSIENT, 0, 200,
	 200},
	{"hint above the cap wins over the cap", 100, 20000, 30,
	 API_RETRY_TRANSIENT, 60000, UINT64_MAX, 60000},
	{"hint on throttling", 100, 20000, 1, API_RETRY_THROTTLE, 2500, 5,
	 2500},
	{"hint below the auth floor", 100, 20000, 1, API_RETRY_AUTH, 200, 0,
	 1000},
	{"hint above the auth floor", 100, 20000, 1, API_RETRY_AUTH, 1500, 0,
	 1500},
	{"hint INT64_MAX does not overflow", 100, 20000, INT_MAX,
	 API_RETRY_TRANSIENT, INT64_MAX, UINT64_MAX, INT64_MAX},
};

static void test_backoff_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(backoff_cases) / sizeof(backoff_cases[0]);
	     i++) {
		const struct backoff_case *c = &backoff_cases[i];
		struct retry_policy p = {c->base, c->cap, 0, 900};

		is_int(retry_backoff_ms(&p, c->attempt, c->cls,
					c->retry_after, c->rnd),
		       c->want, "backoff: %s", c->name);
	}
}

/* Bounds of the full-jitter range, worked out independently. */
static void expected_range(unsigned base, unsigned cap, int attempt,
			   enum api_retry cls, int64_t *ret_lo, int64_t *ret_hi)
{
	double b = base, hi;

	if (cls == API_RETRY_THROTTLE && b < RETRY_THROTTLE_BASE_MS)
		b = RETRY_THROTTLE_BASE_MS;
	if (cls == API_RETRY_AUTH && b < RETRY_AUTH_MIN_MS)
		b = RETRY_AUTH_MIN_MS;
	hi = b;
	while (attempt-- > 1 && hi < cap)
		hi *= 2;
	if (hi > cap)
		hi = cap;
	*ret_hi = (int64_t)hi;
	*ret_lo = cls == API_RETRY_AUTH ? (cap < 1000 ? cap : 1000) : 0;
}

/*
 * 10000 draws per (class, attempt): all inside [lo, hi], both ends
 * reached to within 1% of the range, the mean near the middle and every
 * tenth of the range hit about a tenth of the time.
 */
static void test_distribution(void)
{
	static const enum api_retry classes[] = {
		API_RETRY_TRANSIENT, API_RETRY_THROTTLE, API_RETRY_AUTH};
	static const char *const names[] = {"transient", "throttle", "auth"};
	static const int attempts[] = {1, 2, 4, 7, 9, 12, 50};
	size_t ci, ai;

	for (ci = 0; ci < 3; ci++) {
		for (ai = 0; ai < sizeof(attempts) / sizeof(attempts[0]);
		     ai++) {
			int64_t lo, hi, min = INT64_MAX, max = -1;
			int deciles[10] = {0}, n = 10000, i, low_decile = n;
			double sum = 0, mid, range;
			bool inside = true;

			expected_range(std_policy.base_ms, std_policy.cap_ms,
				       attempts[ai], classes[ci], &lo, &hi);
			range = (double)(hi - lo);
			for (i = 0; i < n; i++) {
				int64_t d = retry_backoff_ms(
					&std_policy, attempts[ai], classes[ci],
					-1, rng());

				if (d < lo || d > hi)
					inside = false;
				if (d < min)
					min = d;
				if (d > max)
					max = d;
				sum += (double)d;
				if (range > 0) {
					int k = (int)((double)(d - lo) * 10 /
						      (range + 1));

					if (k >= 0 && k < 10)
						deciles[k]++;
				}
			}
			ok(inside, "%s attempt %d: 10000 draws in [%" PRId64
			   ", %" PRId64 "]",
			   names[ci], attempts[ai], lo, hi);
			if (range == 0) {
				ok(min == lo && max == hi,
				   "%s attempt %d: a single value", names[ci],
				   attempts[ai]);
				continue;
			}
			ok(min - lo <= range / 100 && hi - max <= range / 100,
			   "%s attempt %d: draws reach both ends (%" PRId64
			   "..%" PRId64 ")",
			   names[ci], attempts[ai], min, max);
			mid = (double)(lo + hi) / 2;
			ok(sum / n > mid - range * 0.03 &&
				   sum / n < mid + range * 0.03,
			   "%s attempt %d: mean %.0f near the middle %.0f",
			   names[ci], attempts[ai], sum / n, mid);
			for (i = 0; i < 10; i++)
				if (deciles[i] < low_decile)
					low_decile = deciles[i];
			ok(low_decile >= n / 10 * 8 / 10,
			   "%s attempt %d: every tenth of the range hit "
			   "(fewest %d of %d)",
			   names[ci], attempts[ai], low_decile, n);
		}
	}
}

/* Whatever the inputs, 0 <= delay <= max(cap, hint) and delay >= hint. */
static void test_bounds_fuzz(void)
{
	static const enum api_retry classes[] = {
		API_RETRY_NONE, API_RETRY_THROTTLE, API_RETRY_TRANSIENT,
		API_RETRY_AUTH};
	int i, bad = 0;

	for (i = 0; i < 200000; i++) {
		struct retry_policy p = {(unsigned)(rng() % 5000),
					 (unsigned)(rng() % 100000), 0, 900};
		int attempt = (int)(rng() % 4 == 0 ? rng() % INT_MAX
						   : rng() % 70);
		int64_t ra = rng() % 3 == 0
				     ? -1
				     : (int64_t)((rng() >> 1) >> (rng() % 63));
		int64_t d, top;

		d = retry_backoff_ms(&p, attempt, classes[rng() % 4], ra,
				     rng());
		top = ra > (int64_t)p.cap_ms ? ra : (int64_t)p.cap_ms;
		if (d < 0 || d > top || (ra >= 0 && d < ra)) {
			if (bad++ < 5)
				tap_diag("delay %" PRId64 " for base %u cap "
					 "%u attempt %d hint %" PRId64,
					 d, p.base_ms, p.cap_ms, attempt, ra);
		}
	}
	is_int(bad, 0, "200000 random inputs: 0 <= delay <= max(cap, hint), "
		       "delay >= hint");
}

struct allowed_case {
	const char *name;
	unsigned max_attempts, max_seconds;
	int attempts;
	int64_t elapsed, delay;
	bool want;
};

static const struct allowed_case allowed_cases[] = {
	{"first retry", 3, 10, 1, 0, 0, true},
	{"second retry", 3, 10, 2, 500, 200, true},
	{"attempt limit reached", 3, 10, 3, 500, 200, false},
	{"beyond the attempt limit", 3, 10, 4, 0, 0, false},
	{"max_attempts 1: no retry at all", 1, 10, 1, 0, 0, false},
	{"exactly at the time limit", 3, 10, 1, 9000, 1000, true},
	{"1 ms past the time limit", 3, 10, 1, 9000, 1001, false},
	{"already past the time limit", 3, 10, 1, 10001, 0, false},
	{"no attempt limit", 0, 900, 1000000, 1000, 1000, true},
	{"no attempt limit, INT_MAX attempts", 0, 900, INT_MAX, 0, 0, true},
	{"no attempt limit still has the time limit", 0, 900, 5, 899000, 1001,
	 false},
	{"negative delay counts as 0", 0, 10, 1, 10000, -5000, true},
	{"negative elapsed counts as 0", 0, 10, 1, -5000, 10000, true},
	{"huge elapsed and delay do not wrap", 0, 900, 1, INT64_MAX,
	 INT64_MAX, false},
	{"huge delay", 0, 900, 1, 0, INT64_MAX, false},
	{"largest max_seconds", 0, UINT_MAX, 1, (int64_t)UINT_MAX * 1000 - 1,
	 1, true},
	{"largest max_seconds, 1 ms past", 0, UINT_MAX, 1,
	 (int64_t)UINT_MAX * 1000, 1, false},
	{"max_seconds 0, no wait", 0, 0, 1, 0, 0, true},
	{"max_seconds 0, any wait", 0, 0, 1, 0, 1, false},
};

static void test_allowed(void)
{
	size_t i;

	for (i = 0; i < sizeof(allowed_cases) / sizeof(allowed_cases[0]);
	     i++) {
		const struct allowed_case *c = &allowed_cases[i];
		struct retry_policy p = {100, 20000, c->max_attempts,
					 c->max_seconds};

		is_int(retry_allowed(&p, c->attempts, c->elapsed, c->delay),
		       c->want, "allowed: %s", c->name);
	}
}

struct after_case {
	const char *value;
	int64_t want;
};

static const struct after_case after_cases[] = {
	{"1500", 1500},
	{"0", 0},
	{"007", 7},
	{" 250", 250},
	{"250\r\n", 250},
	{"\t 42 \t", 42},
	{"86400000", RETRY_AFTER_MAX_MS},
	{"86400001", -1},
	{"99999999999999999999999999", -1},
	{"", -1},
	{"   ", -1},
	{NULL, -1},
	{"-5", -1},
	{"+5", -1},
	{"1.5", -1},
	{"12abc", -1},
	{"abc", -1},
	{"1 2", -1},
	{"0x10", -1},
	{"Thu, 01 Jan 2026 00:00:00 GMT", -1},
};

/* @s with CR, LF and TAB spelled out, so a TAP line stays one line. */
static const char *visible(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (!s)
		return "(null)";
	for (; *s && n + 3 < len; s++) {
		char c = *s == '\r'   ? 'r'
			 : *s == '\n' ? 'n'
			 : *s == '\t' ? 't'
				      : 0;

		if (c) {
			buf[n++] = '\\';
			buf[n++] = c;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void test_after_parse(void)
{
	char shown[64];
	size_t i;

	for (i = 0; i < sizeof(after_cases) / sizeof(after_cases[0]); i++)
		is_int(retry_after_parse(after_cases[i].value),
		       after_cases[i].want, "retry-after \"%s\"",
		       visible(after_cases[i].value, shown, sizeof(shown)));
}

/* Steps of a budget scenario: take (timeout or not) or refund. */
enum step_kind { TAKE, TAKE_TIMEOUT, REFUND };

struct budget_step {
	enum step_kind kind;
	unsigned arg;       /* REFUND: @last */
	unsigned want_ret;  /* TAKE*: cost returned */
	unsigned want_left; /* tokens after the step */
};

struct budget_case {
	const char *name;
	unsigned capacity;
	struct budget_step steps[10];
	int nsteps;
};

static const struct budget_case budget_cases[] = {
	{"costs",
	 500,
	 {{TAKE, 0, 5, 495}, {TAKE_TIMEOUT, 0, 10, 485}, {TAKE, 0, 5, 480}},
	 3},
	{"refunds: last cost, or 1 when not retried",
	 500,
	 {{TAKE, 0, 5, 495},
	  {TAKE, 0, 5, 490},
	  {TAKE_TIMEOUT, 0, 10, 480},
	  {REFUND, 10, 0, 490},
	  {REFUND, 0, 0, 491},
	  {REFUND, 5, 0, 496}},
	 6},
	{"refund never exceeds the capacity",
	 500,
	 {{TAKE, 0, 5, 495},
	  {REFUND, 10, 0, 500},
	  {REFUND, 0, 0, 500},
	  {REFUND, 5, 0, 500}},
	 4},
	{"cannot pay a timeout, can pay a plain retry",
	 17,
	 {{TAKE_TIMEOUT, 0, 10, 7},
	  {TAKE_TIMEOUT, 0, 0, 7},
	  {TAKE, 0, 5, 2},
	  {TAKE, 0, 0, 2},
	  {REFUND, 0, 0, 3},
	  {REFUND, 0, 0, 4},
	  {REFUND, 0, 0, 5},
	  {TAKE, 0, 5, 0},
	  {TAKE, 0, 0, 0}},
	 9},
	{"capacity below one retry",
	 3,
	 {{TAKE, 0, 0, 3}, {TAKE_TIMEOUT, 0, 0, 3}, {REFUND, 0, 0, 3}},
	 3},
	{"capacity 0 is unlimited and keeps no tokens",
	 0,
	 {{TAKE, 0, 5, 0},
	  {TAKE_TIMEOUT, 0, 10, 0},
	  {TAKE, 0, 5, 0},
	  {REFUND, 5, 0, 0},
	  {REFUND, 0, 0, 0}},
	 5},
};

static void test_budget_cases(void)
{
	size_t i;
	int j;

	for (i = 0; i < sizeof(budget_cases) / sizeof(budget_cases[0]); i++) {
		const struct budget_case *c = &budget_cases[i];
		struct retry_budget b;

		retry_budget_init(&b, c->capacity);
		is_int(b.tokens, c->capacity, "budget %s: starts full",
		       c->name);
		for (j = 0; j < c->nsteps; j++) {
			const struct budget_step *s = &c->steps[j];
			bool timeout = s->kind == TAKE_TIMEOUT;

			if (s->kind == REFUND)
				retry_budget_refund(&b, s->arg);
			else
				is_int(retry_budget_take(&b, timeout),
				       s->want_ret, "budget %s: step %d cost",
				       c->name, j + 1);
			is_int(b.tokens, s->want_left,
			       "budget %s: step %d leaves %u", c->name, j + 1,
			       s->want_left);
		}
	}
}

/*
 * An outage: every call fails, each failure wants a retry.  The default
 * budget lets exactly 100 retries through (500 / 5) and then none; once
 * the service answers again, each first-try success gives back 1 token,
 * so 5 of them pay for one retry.
 */
static void test_budget_outage(void)
{
	struct retry_budget b;
	unsigned taken = 0, refused = 0, got;
	int i;

	retry_budget_init(&b, 500);
	for (i = 0; i < 1000; i++) {
		if (retry_budget_take(&b, false))
			taken++;
		else
			refused++;
	}
	is_int(taken, 100, "outage: 100 retries paid by a 500 budget");
	is_int(refused, 900, "outage: the other 900 refused");
	is_int(b.tokens, 0, "outage: budget empty");
	for (i = 0; i < 4; i++)
		retry_budget_refund(&b, 0);
	is_int(retry_budget_take(&b, false), 0,
	       "4 successes do not pay for a retry");
	retry_budget_refund(&b, 0);
	got = retry_budget_take(&b, false);
	is_int(got, RETRY_COST, "the 5th success pays for one");
	retry_budget_refund(&b, got);
	is_int(b.tokens, RETRY_COST,
	       "the retried request's success gives its cost back");
	for (i = 0; i < 1000; i++)
		retry_budget_refund(&b, 0);
	is_int(b.tokens, 500, "recovery refills up to the capacity only");
}

int main(void)
{
	test_backoff_cases();
	test_distribution();
	test_bounds_fuzz();
	test_allowed();
	test_after_parse();
	test_budget_cases();
	test_budget_outage();
	return tap_done();
}
