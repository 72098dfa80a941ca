/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_consumer.c - which errors librdkafka returns in place of records stop
 * a partition.
 *
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
#include "consumer.h"

#include "tap.h"

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

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		is_int(consumer_classify(rows[i].err), rows[i].want, "%s",
		       rd_kafka_err2name(rows[i].err));
	return tap_done();
}
