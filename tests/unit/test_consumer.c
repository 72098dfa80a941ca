/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_consumer.c - the prefetch rule: librdkafka's queued.min.messages and
 * queued.max.messages.kbytes from sender.max_inflight and
 * requests.max_bytes (rounding, the cap, refused input).  That the consumer
 * really runs with them, and that the user's own values win, is checked
 * end to end by tests/integration/test_backlog.py from librdkafka's own
 * fetch debug lines.
 */
#include <errno.h>

#include "consumer.h"
#include "tap.h"

struct prefetch_case {
	const char *name;
	unsigned max_inflight;
	size_t max_bytes;
	int want_r;
	unsigned want_msgs, want_kb;
};

static const struct prefetch_case prefetch_cases[] = {
	{"the defaults: 256 x 64 KiB", 256, 65536, 0, 256, 16384},
	{"a small bound", 16, 65536, 0, 16, 1024},
	{"the smallest: 1 x 64 bytes rounds up to 1 KiB", 1, 64, 0, 1, 1},
	{"rounds up", 3, 1000, 0, 3, 3},
	{"exactly at librdkafka's default", 1024, 65536, 0, 1024, 65536},
	{"capped at librdkafka's default", 1025, 65536, 0, 1025, 65536},
	{"the largest config values, capped", 100000, 16777216, 0, 100000,
	 65536},
	{"no bound is refused", 0, 65536, -EINVAL, 7, 7},
	{"no record size is refused", 16, 0, -EINVAL, 7, 7},
};

static void test_prefetch_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(prefetch_cases) / sizeof(prefetch_cases[0]);
	     i++) {
		const struct prefetch_case *c = &prefetch_cases[i];
		unsigned msgs = 7, kb = 7;
		int r = consumer_prefetch(c->max_inflight, c->max_bytes, &msgs,
					  &kb);

		is_int(r, c->want_r, "%s: returns %d", c->name, c->want_r);
		is_int(msgs, c->want_msgs, "%s: queued.min.messages %u",
		       c->name, c->want_msgs);
		is_int(kb, c->want_kb, "%s: queued.max.messages.kbytes %u",
		       c->name, c->want_kb);
	}
	ok(CONSUMER_PREFETCH_KBYTES_MAX == 65536,
	   "the cap is librdkafka's own default of 65536 KiB");
}

int main(void)
{
	test_prefetch_cases();
	return tap_done();
}
