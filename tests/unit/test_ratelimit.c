/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ratelimit.c - the pacing bucket never lets more than `rate` calls
 * into any one-second window, and uses the rate fully.
 */
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

int main(void)
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
	ratelimit_init(&rl, 10, 0);
	is_int(ratelimit_take(&rl, 0), 0, "first call at once");
	is_int(ratelimit_take(&rl, 0), 100, "next one after 100 ms at 10/s");
	is_int(ratelimit_take(&rl, 40), 60, "60 ms left after 40 ms");
	is_int(ratelimit_take(&rl, 100), 0, "token at 100 ms");
	is_int(ratelimit_take(&rl, 5000), 0, "after idling one call");
	ok(ratelimit_take(&rl, 5000) > 0, "idling does not bank a burst");
	return tap_done();
}
