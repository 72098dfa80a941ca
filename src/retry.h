/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retry.h - the retry policy: backoff, limits, and the pool-wide retry
 * budget.
 *
 * Which answers are retried is api.c's table (enum api_retry); this module
 * decides how long to wait and whether one more attempt is allowed:
 *  - capped exponential backoff with full jitter, delay uniform in
 *    [0, min(cap, base * 2^(attempt-1))]; throttling starts from
 *    max(base, RETRY_THROTTLE_BASE_MS), a rejected credential or signature
 *    from max(base, RETRY_AUTH_MIN_MS) and never waits less than that
 *    (hammering does not cure it); an x-amz-retry-after hint from AWS is
 *    honoured as a lower bound (the caller still caps the wait by the time
 *    left, see retry_allowed());
 *  - per-request limits: attempts (0 = no limit) and time
 *    (retry.max_seconds);
 *  - a retry budget shared by the whole pool, as the AWS SDKs' "standard"
 *    mode (botocore's RetryQuota): each retry takes RETRY_COST tokens
 *    (RETRY_TIMEOUT_COST after a timeout or connection error); a request
 *    that gets its final answer gives back the cost of its last retry, or
 *    RETRY_SUCCESS_REFUND when it was not retried; when the budget cannot
 *    pay, no retry may start, so an outage cannot become a retry storm.
 *
 * Pure: no I/O, no threads (the caller locks the budget), no logging.
 */
#ifndef OPTOUT_RETRY_H
#define OPTOUT_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"

#define RETRY_COST 5
#define RETRY_TIMEOUT_COST 10
#define RETRY_SUCCESS_REFUND 1
#define RETRY_THROTTLE_BASE_MS 500
#define RETRY_AUTH_MIN_MS 1000
/* A hint longer than a day is nonsense, not advice. */
#define RETRY_AFTER_MAX_MS 86400000

struct retry_policy {
	unsigned base_ms;      /* retry.base_ms */
	unsigned cap_ms;       /* retry.cap_ms */
	unsigned max_attempts; /* retry.max_attempts, 0 = no limit */
	unsigned max_seconds;  /* retry.max_seconds */
};

/*
 * Delay before the next attempt after attempt @attempt (1-based; values
 * below 1 count as 1, any large value is safe) failed with @cls.
 * @retry_after_ms is AWS's hint (< 0 when none).  @rnd is a random 64-bit
 * value (the jitter source).  The delay is uniform in [lo, hi]:
 *   hi = min(cap_ms, b * 2^(attempt-1)), b the class's base (above);
 *   lo = 0, or min(RETRY_AUTH_MIN_MS, cap_ms) for API_RETRY_AUTH;
 *   with a hint, lo = max(lo, hint) and hi = max(hi, lo).
 * So it is never negative and never above max(cap_ms, retry_after_ms).
 * API_RETRY_NONE is treated like API_RETRY_TRANSIENT.
 */
int64_t retry_backoff_ms(const struct retry_policy *p, int attempt,
			 enum api_retry cls, int64_t retry_after_ms,
			 uint64_t rnd);

/*
 * True when one more attempt may be made: @attempts made so far is below
 * max_attempts (0 = no limit) and @elapsed_ms + @delay_ms (since the first
 * attempt started; negative values count as 0) is at most max_seconds * 1000.
 * max_seconds 0 leaves no time for a retry that has to wait.
 */
bool retry_allowed(const struct retry_policy *p, int attempts,
		   int64_t elapsed_ms, int64_t delay_ms);

/* Parses an x-amz-retry-after header value: milliseconds, decimal digits,
 * optional blanks (space, tab, CR, LF) around them.  Returns it, or -1 when
 * @value is NULL, malformed (a sign, other characters, no digits) or
 * larger than RETRY_AFTER_MAX_MS. */
int64_t retry_after_parse(const char *value);

struct retry_budget {
	unsigned capacity; /* retry.budget; 0 = unlimited */
	unsigned tokens;   /* 0..capacity */
};

/* Starts full: @capacity tokens. */
void retry_budget_init(struct retry_budget *b, unsigned capacity);

/*
 * Takes the cost of one retry: RETRY_TIMEOUT_COST when @timeout (the
 * attempt timed out or could not connect), else RETRY_COST.  Returns the
 * cost taken, or 0 when fewer tokens are left (nothing taken; no retry may
 * start now).  With capacity 0 it returns the cost and takes nothing.
 */
unsigned retry_budget_take(struct retry_budget *b, bool timeout);

/*
 * A request got its final answer from the service (deleted, not_found,
 * conflict, ...: the service is healthy).  @last is what the request's last
 * successful retry_budget_take() returned, 0 when it was never retried.
 * Gives back @last, or RETRY_SUCCESS_REFUND when @last is 0; never above
 * the capacity.  As in botocore, only the last retry's cost comes back, so
 * a flaky service still drains the budget slowly.  Not called for answers
 * that end a request as failed.
 */
void retry_budget_refund(struct retry_budget *b, unsigned last);

#endif
