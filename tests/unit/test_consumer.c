/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_consumer.c - the consumer's pure rules, as tables.
 *
 * The prefetch rule: librdkafka's queued.min.messages and
 * queued.max.messages.kbytes from sender.max_inflight and
 * requests.max_bytes (rounding, the cap, refused input).  That the consumer
 * really runs with them, and that the user's own values win, is checked
 * end to end by tests/integration/test_backlog.py from librdkafka's own
 * fetch debug lines.
 *
 * Which errors librdkafka returns in place of records stop a partition.
 * The rows follow librdkafka 2.0.2's sources: rdkafka_msgset_reader.c
 * reports a CRC mismatch of a v2 batch (_BAD_MSG), a batch that does not
 * decompress (_BAD_COMPRESSION) and an unsupported magic byte or codec
 * (_NOT_IMPLEMENTED) once, at the batch's first offset, for all of its
 * records; a record too large to fetch (MSG_SIZE_TOO_LARGE) keeps the
 * partition where it is; rdkafka_fetcher.c passes the broker's own errors
 * through.  None of them may become an outcome at its offset.  Errors
 * about the client, the group or a fetch that librdkafka retries by itself
 * only get logged.  (The integration test test_batch_errors.py feeds real
 * bad batches through the mock cluster.)
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

static const struct {
	rd_kafka_resp_err_t err;
	enum consumer_error want;
} rows[] = {
	/* the records from the offset on cannot be read */
	{RD_KAFKA_RESP_ERR__BAD_MSG, CONSUMER_ERROR_STOP},
	{RD_KAFKA_RESP_ERR__BAD_COMPRESSION, CONSUMER_ERROR_STOP},
	{RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, CONSUMER_ERROR_STOP},
	{RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, CONSUMER_ERROR_STOP},
	{RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, CONSUMER_ERROR_STOP},
	{RD_KAFKA_RESP_ERR_INVALID_MSG, CONSUMER_ERROR_STOP},
	{RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE, CONSUMER_ERROR_STOP},
	/* events: logged, librdkafka goes on by itself */
	{RD_KAFKA_RESP_ERR__PARTITION_EOF, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR__TRANSPORT, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR__FATAL, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, CONSUMER_ERROR_LOG},
	{RD_KAFKA_RESP_ERR_NO_ERROR, CONSUMER_ERROR_LOG},
};


static void test_error_rows(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		is_int(consumer_classify(rows[i].err), rows[i].want, "%s",
		       rd_kafka_err2name(rows[i].err));
}

int main(void)
{
	test_prefetch_cases();
	test_error_rows();
	return tap_done();
}
