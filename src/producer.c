/* SPDX-License-Identifier: Apache-2.0 */
/*
 * producer.c - the results producer.
 *
 * The user's kafka.* and producer.* properties are applied first; the ones
 * the delivery guarantee rests on (idempotence, acks=all) are set last and
 * cannot be overridden (config.c refuses them anyway).
 *
 * Sizes follow librdkafka 2.x's own check (rd_kafka_msg_new0()): key +
 * value + serialized headers + RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD (36) must
 * not exceed message.max.bytes.  The room we use is smaller by a record
 * batch header (61 bytes) as well, so that a batch of one such message
 * also passes a broker or topic whose limit equals message.max.bytes.
 */
#include "producer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "job.h"
#include "kafka.h"
#include "log.h"
#include "notify.h"
#include "outcome.h"
#include "util.h"

#define PRODUCER_RECORD_OVERHEAD 36 /* RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD */
#define PRODUCER_BATCH_OVERHEAD 61  /* RecordBatch v2 header */
#define PRODUCER_VARINT_MAX 5       /* a header's name or value length */

struct producer {
	rd_kafka_t *rk;
	size_t max_bytes; /* message.max.bytes in effect */
	int64_t last_ack_ms;  /* monotonic: last delivery report */
	int64_t oldest_ms;    /* monotonic: outstanding since (0 = none) */
	const struct config *cfg;
	producer_delivered_cb *delivered;
	void *opaque;
	rd_kafka_queue_t *mainq;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
			void *opaque)
{
	struct producer *p = opaque;
	const char *topic = rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "";
	unsigned what = p->cfg->dlq_topic &&
				strcmp(topic, p->cfg->dlq_topic) == 0
			? JOB_SEND_DLQ
			: JOB_SEND_OUTCOME;

	(void)rk;
	if (!rkm->err)
		p->last_ack_ms = util_mono_ms();
	p->delivered(p->opaque, rkm->_private, what, rkm->err,
		     rkm->err ? rd_kafka_err2str(rkm->err) : NULL);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason,
		     void *opaque)
{
	(void)opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		log_error("results producer: fatal error: %s", reason);
	else
		log_warning("results producer: %s: %s",
			    rd_kafka_err2name((rd_kafka_resp_err_t)err),
			    reason);
	(void)rk;
}

struct producer *producer_new(const struct config *cfg, int wake_fd,
			      producer_delivered_cb *delivered, void *opaque,
			      char *errbuf, size_t errlen)
{
	static const struct kafka_prop fixed[] = {
		{"enable.idempotence", "true"},
		{"acks", "all"},
	};
	struct producer *p = calloc(1, sizeof(*p));
	rd_kafka_conf_t *conf = NULL;
	char value[64];
	size_t vlen = sizeof(value);

	if (!p) {
		util_set_error(errbuf, errlen, "producer: out of memory");
		goto fail;
	}
	p->cfg = cfg;
	p->delivered = delivered;
	p->opaque = opaque;
	conf = kafka_conf_new(cfg, false, "producer", NULL, 0, fixed,
			      sizeof(fixed) / sizeof(fixed[0]), errbuf,
			      errlen);
	if (!conf)
		goto fail;
	if (rd_kafka_conf_get(conf, "message.max.bytes", value, &vlen) !=
		    RD_KAFKA_CONF_OK ||
	    sscanf(value, "%zu", &p->max_bytes) != 1 ||
	    p->max_bytes < CONFIG_PROPS_MESSAGE_MIN) {
		util_set_error(errbuf, errlen,
			       "producer: message.max.bytes must be at least "
			       "%d (an outcome and its key must fit)",
			       CONFIG_PROPS_MESSAGE_MIN);
		goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	p->rk = kafka_new(RD_KAFKA_PRODUCER, conf, p, "producer", errbuf,
			  errlen);
	conf = NULL; /* kafka_new() took it */
	if (!p->rk)
		goto fail;
	p->mainq = rd_kafka_queue_get_main(p->rk);
	rd_kafka_queue_io_event_enable(p->mainq, wake_fd, "p", 1);
	return p;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	producer_free(p);
	return NULL;
}

size_t producer_room(const struct producer *p)
{
	return p->max_bytes - PRODUCER_RECORD_OVERHEAD -
	       PRODUCER_BATCH_OVERHEAD;
}

size_t producer_key_max(const struct producer *p)
{
	return producer_room(p) - OUTCOME_MAX_BYTES;
}

/* What a header counts for in a message, at most. */
static size_t header_size(const char *name, size_t value_len)
{
	return PRODUCER_VARINT_MAX + strlen(name) + PRODUCER_VARINT_MAX +
	       value_len;
}

static size_t headers_size(const rd_kafka_headers_t *hdrs, size_t *ret_count)
{
	const char *name;
	const void *value;
	size_t size, total = 0, i;

	for (i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR;
	     i++)
		total += header_size(name, size);
	*ret_count = i;
	return total;
}

static int refused(rd_kafka_resp_err_t err, char *errbuf, size_t errlen)
{
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return -ENOBUFS;
	util_set_error(errbuf, errlen, "%s", rd_kafka_err2str(err));
	return -EIO;
}

int producer_send(struct producer *p, struct job *job, char *errbuf,
		  size_t errlen)
{
	rd_kafka_resp_err_t err;

	err = rd_kafka_producev(
		p->rk, RD_KAFKA_V_TOPIC(p->cfg->results_topic),
		RD_KAFKA_V_KEY(job->rec_key, job->rec_key_len),
		RD_KAFKA_V_VALUE(job->payload, strlen(job->payload)),
		RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_OPAQUE(job),
		RD_KAFKA_V_END);
	if (!err)
		return 0;
	return refused(err, errbuf, errlen);
}

/* Adds "@name: @n" to @hdrs. */
static void header_add_size(rd_kafka_headers_t *hdrs, const char *name,
			    size_t n)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", n);
	rd_kafka_header_add(hdrs, name, -1, num, -1);
}

int producer_send_dlq(struct producer *p, struct job *job, char *errbuf,
		      size_t errlen)
{
	static const char *const notes[] = {"optout-headers-dropped",
					    "optout-truncated",
					    "optout-key-truncated"};
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_resp_err_t err;
	char num[32];
	const char *code = job->req.error_code ? job->req.error_code : "";
	const char *msg = job->req.error_message;
	size_t room = producer_room(p), used, theirs = 0, count = 0, i;
	size_t value_len = job->dlq_len;
	bool keep_theirs;

	/* Ours first, counting the notes we may add at their longest. */
	snprintf(num, sizeof(num), "%lld", (long long)job->offset);
	used = job->rec_key_len + header_size("optout-error-code", strlen(code)) +
	       header_size("optout-error-message", strlen(msg)) +
	       header_size("optout-source-topic",
			   strlen(p->cfg->requests_topic)) +
	       header_size("optout-source-partition", 11) +
	       header_size("optout-source-offset", strlen(num));
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		used += header_size(notes[i], 20);
	if (job->dlq_headers)
		theirs = headers_size(job->dlq_headers, &count);
	keep_theirs = job->dlq_headers && used + theirs <= room;
	if (keep_theirs) {
		hdrs = rd_kafka_headers_copy(job->dlq_headers);
		used += theirs;
	} else {
		hdrs = rd_kafka_headers_new(8);
	}
	if (!hdrs)
		return -ENOBUFS;
	rd_kafka_header_add(hdrs, "optout-error-code", -1, code, -1);
	rd_kafka_header_add(hdrs, "optout-error-message", -1, msg, -1);
	rd_kafka_header_add(hdrs, "optout-source-topic", -1,
			    p->cfg->requests_topic, -1);
	snprintf(num, sizeof(num), "%d", (int)job->partition);
	rd_kafka_header_add(hdrs, "optout-source-partition", -1, num, -1);
	snprintf(num, sizeof(num), "%lld", (long long)job->offset);
	rd_kafka_header_add(hdrs, "optout-source-offset", -1, num, -1);
	if (!keep_theirs && count)
		header_add_size(hdrs, "optout-headers-dropped", count);
	if (used + value_len > room) {
		value_len = room > used ? room - used : 0;
		header_add_size(hdrs, "optout-truncated", job->dlq_len);
	}
	if (job->key_length)
		header_add_size(hdrs, "optout-key-truncated", job->key_length);
	err = rd_kafka_producev(
		p->rk, RD_KAFKA_V_TOPIC(p->cfg->dlq_topic),
		RD_KAFKA_V_KEY(job->rec_key, job->rec_key_len),
		RD_KAFKA_V_VALUE(job->dlq_value, value_len),
		RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_MSGFLAGS(0),
		RD_KAFKA_V_OPAQUE(job), RD_KAFKA_V_END);
	if (!err)
		return 0; /* the headers belong to the message now */
	rd_kafka_headers_destroy(hdrs);
	return refused(err, errbuf, errlen);
}

int producer_wait_connected(struct producer *p,
			    volatile sig_atomic_t *stop)
{
	const struct rd_kafka_metadata *md = NULL;
	bool said = false;

	while (!*stop) {
		rd_kafka_resp_err_t err =
			rd_kafka_metadata(p->rk, 0, NULL, &md, 1000);

		if (!err) {
			rd_kafka_metadata_destroy(md);
			return 0;
		}
		if (!said) {
			log_notice("waiting for Kafka: %s",
				   rd_kafka_err2str(err));
			notify_status("starting: waiting for Kafka: %s",
				      rd_kafka_err2str(err));
		}
		said = true;
	}
	return -EINTR;
}

void producer_poll(struct producer *p)
{
	rd_kafka_poll(p->rk, 0);
	if (rd_kafka_outq_len(p->rk) == 0)
		p->oldest_ms = 0;
	else if (p->oldest_ms == 0)
		p->oldest_ms = util_mono_ms();
}

bool producer_waiting_for_kafka(struct producer *p)
{
	int64_t now = util_mono_ms();

	/* Outcomes waiting for 5 s with no acknowledgement in that time. */
	return p->oldest_ms && now - p->oldest_ms > 5000 &&
	       now - p->last_ack_ms > 5000;
}

int producer_flush(struct producer *p, int timeout_ms)
{
	rd_kafka_flush(p->rk, timeout_ms);
	return rd_kafka_outq_len(p->rk);
}

void producer_purge(struct producer *p)
{
	rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

int producer_outstanding(struct producer *p)
{
	return rd_kafka_outq_len(p->rk);
}

bool producer_fatal(struct producer *p, char *errbuf, size_t errlen)
{
	return rd_kafka_fatal_error(p->rk, errbuf, errlen) !=
	       RD_KAFKA_RESP_ERR_NO_ERROR;
}

void producer_free(struct producer *p)
{
	if (!p)
		return;
	if (p->mainq)
		rd_kafka_queue_destroy(p->mainq);
	if (p->rk)
		rd_kafka_destroy(p->rk);
	free(p);
}
