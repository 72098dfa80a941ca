/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_hint.h - what to say about an unknown key: how to fix it.
 *
 * In this order: AWS keys (aws.access_key_id, ...) point to the credential
 * chain; a librdkafka property without its prefix says which prefix to
 * write (group.id: consumer., others: kafka.); a misspelt prefix or key
 * of the table is answered with the nearest one (edit distance, a typo or
 * two away); else plainly "unknown key".
 *
 * @locality start-up and reload (main thread).
 */
#ifndef OPTOUT_CONFIG_HINT_H
#define OPTOUT_CONFIG_HINT_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* Writes the message for the unknown @key to @msg ("unknown key ...",
 * without place or key).  *@scratch is a configuration librdkafka checks
 * names on, created on first use (the caller destroys it). */
void config_hint_unknown(const char *key, rd_kafka_conf_t **scratch,
			 char *msg, size_t msglen);

/* The optimal string alignment distance between @a and @b (edits,
 * adjacent swaps counting one), capped at 100. */
unsigned config_hint_distance(const char *a, const char *b);

#endif
