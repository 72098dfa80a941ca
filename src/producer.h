/* SPDX-License-Identifier: Apache-2.0 */
/*
 * producer.h - the results producer: idempotent, acks=all.
 *
 * A job's outcome (job->payload, keyed by the request record's key) is
 * produced with the job as the message opaque; its delivery report hands the
 * job back through the @delivered callback, on the main thread, from
 * producer_poll().  The producer's queue wakes the main loop by writing to
 * @wake_fd.
 *
 * Sizes: librdkafka refuses a message whose key, value and headers, plus
 * its framing, exceed the producer's message.max.bytes (default 1000000),
 * while the brokers' default limit (1048588) lets larger request records
 * in.  So nothing is copied unbounded: a request key longer than
 * producer_key_max() is replaced by a stand-in (job_bound_key()) in the
 * outcome and the dead-letter copy alike, and a dead-letter copy that
 * would not fit loses the record's own headers and then the end of its
 * value, with headers saying so.  Outcomes themselves are never longer
 * than OUTCOME_MAX_BYTES.
 *
 * @locality main thread only.
 */
#ifndef OPTOUT_PRODUCER_H
#define OPTOUT_PRODUCER_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

struct config;
struct job;
struct producer;

/* Called once per produced message of a job: @what is JOB_SEND_OUTCOME or
 * JOB_SEND_DLQ; @err is 0 when the topic has acknowledged it.  The callee
 * owns @job again once no message of it is outstanding. */
typedef void(producer_delivered_cb)(void *opaque, struct job *job,
				    unsigned what, rd_kafka_resp_err_t err,
				    const char *errstr);

struct producer *producer_new(const struct config *cfg, int wake_fd,
			      producer_delivered_cb *delivered, void *opaque,
			      char *errbuf, size_t errlen);

/* Bytes one message may hold in key, value and headers together: the
 * producer's message.max.bytes less what librdkafka and a broker count
 * for the framing of a record and of its batch. */
size_t producer_room(const struct producer *p);

/* The longest request key copied as is: producer_room() less
 * OUTCOME_MAX_BYTES, so that an outcome and its key always fit. */
size_t producer_key_max(const struct producer *p);

/*
 * Produces @job's payload to results.topic, keyed by job->rec_key.
 * Returns 0 (the producer holds the job until its delivery report), or a
 * negative errno with the job still the caller's: -ENOBUFS when the local
 * queue is full (retry soon), -EIO when librdkafka refused the message
 * (the topic is unknown or not authorized, the producer failed for good,
 * ...), with librdkafka's reason in @errbuf.
 */
int producer_send(struct producer *p, struct job *job, char *errbuf,
		  size_t errlen);

/*
 * Produces @job's original record to dlq.topic: its value (dlq_value), its
 * key and its own headers, plus optout-error-code/-message and
 * optout-source-topic/-partition/-offset headers.  When it would not fit
 * in producer_room(): the record's own headers are left out if they do not
 * fit beside ours and the key (optout-headers-dropped: their number), then
 * the value is cut to what is left (optout-truncated: its original length
 * in bytes); a replaced key adds optout-key-truncated: the original key's
 * length.  Same returns as producer_send().
 */
int producer_send_dlq(struct producer *p, struct job *job, char *errbuf,
		      size_t errlen);

/* Blocks until a broker answers a metadata request (the producer can
 * deliver outcomes), or *@stop.  Returns 0 or -EINTR. */
int producer_wait_connected(struct producer *p, volatile sig_atomic_t *stop);

/* Serves delivery reports and events without blocking. */
void producer_poll(struct producer *p);

/* Waits up to @timeout_ms for every outcome to be acknowledged, serving
 * delivery reports.  Returns the number still outstanding. */
int producer_flush(struct producer *p, int timeout_ms);

/* Drops every outcome not yet acknowledged (shutdown): their delivery
 * reports arrive with a purge error at the next producer_poll(). */
void producer_purge(struct producer *p);

/* True when outcomes have waited 5 s for the results topic with no
 * acknowledgement at all meanwhile (its brokers are unreachable). */
bool producer_waiting_for_kafka(struct producer *p);

/* Outcomes produced and not yet reported. */
int producer_outstanding(struct producer *p);

/* True after a fatal error (idempotence broken): the message is in @errbuf. */
bool producer_fatal(struct producer *p, char *errbuf, size_t errlen);

void producer_free(struct producer *p);

#endif
