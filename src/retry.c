/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retry.c - backoff arithmetic, retry limits and the retry budget.
 *
 * The backoff ceiling doubles per attempt until it reaches the cap; the
 * doubling stops there, so no attempt number, however large, can overflow
 * it.  All sums are done in uint64_t over values bounded by INT64_MAX, and
 * the jitter maps the caller's random value onto [lo, hi] by remainder (the
 * bias is below range / 2^64: nothing a backoff can notice).
 *
 * The budget is botocore's RetryQuota with the cost rules of its standard
 * retry mode; the caller holds the lock.
 */
#include "retry.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int64_t retry_backoff_ms(const struct retry_policy *p, int attempt,
			 enum api_retry cls, int64_t retry_after_ms,
			 uint64_t rnd)
{
	uint64_t cap = p->cap_ms, base = p->base_ms, hi, lo = 0;
	int i;

	if (cls == API_RETRY_THROTTLE)
		base = max_u64(base, RETRY_THROTTLE_BASE_MS);
	if (cls == API_RETRY_AUTH) {
		base = max_u64(base, RETRY_AUTH_MIN_MS);
		lo = min_u64(RETRY_AUTH_MIN_MS, cap);
	}
	/* hi < cap <= UINT_MAX before each doubling: it cannot wrap, and it
	 * stops within 33 rounds (a zero base never grows). */
	hi = base;
	for (i = 1; i < attempt && hi > 0 && hi < cap; i++)
		hi *= 2;
	hi = min_u64(hi, cap);
	if (retry_after_ms >= 0) {
		lo = max_u64(lo, (uint64_t)retry_after_ms);
		hi = max_u64(hi, lo);
	}
	/* hi <= max(UINT_MAX, INT64_MAX): hi - lo + 1 cannot wrap. */
	return (int64_t)(lo + rnd % (hi - lo + 1));
}

bool retry_allowed(const struct retry_policy *p, int attempts,
		   int64_t elapsed_ms, int64_t delay_ms)
{
	uint64_t limit = (uint64_t)p->max_seconds * 1000, used;

	if (p->max_attempts > 0 && attempts >= 0 &&
	    (unsigned)attempts >= p->max_attempts)
		return false;
	if (elapsed_ms < 0)
		elapsed_ms = 0;
	if (delay_ms < 0)
		delay_ms = 0;
	/* Both below 2^63: the sum fits. */
	used = (uint64_t)elapsed_ms + (uint64_t)delay_ms;
	return used <= limit;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int64_t retry_after_parse(const char *value)
{
	const char *s = value;
	int64_t ms = 0;
	int digits = 0;

	if (!s)
		return -1;
	while (is_blank(*s))
		s++;
	while (*s >= '0' && *s <= '9') {
		ms = ms * 10 + (*s - '0');
		if (ms > RETRY_AFTER_MAX_MS)
			return -1;
		digits++;
		s++;
	}
	while (is_blank(*s))
		s++;
	if (digits == 0 || *s != '\0')
		return -1;
	return ms;
}

void retry_budget_init(struct retry_budget *b, unsigned capacity)
{
	b->capacity = capacity;
	b->tokens = capacity;
}

unsigned retry_budget_take(struct retry_budget *b, bool timeout)
{
	unsigned cost = timeout ? RETRY_TIMEOUT_COST : RETRY_COST;

	if (b->capacity == 0)
		return cost;
	if (b->tokens < cost)
		return 0;
	b->tokens -= cost;
	return cost;
}

void retry_budget_refund(struct retry_budget *b, unsigned last)
{
	unsigned amount = last ? last : RETRY_SUCCESS_REFUND, room;

	if (b->capacity == 0 || b->tokens >= b->capacity)
		return;
	room = b->capacity - b->tokens;
	b->tokens += amount < room ? amount : room;
}
