/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_dump.h - the effective configuration as --dump-config prints it.
 *
 * One line per key, "KEY = VALUE  # ORIGIN": every key of the table in the
 * table's order (an unset one with an empty value), then the librdkafka
 * properties in the order given (kafka.*, consumer.*, producer.*).  ORIGIN
 * is what config_origin_format() writes.  A secret (config_secret.h) is
 * printed as "<secret>", never its value.  The "  # " before the origin is
 * the last one on the line: a reader splits there.
 *
 * @locality main thread, after config_load().
 */
#ifndef OPTOUT_CONFIG_DUMP_H
#define OPTOUT_CONFIG_DUMP_H

#include <stdio.h>

#include "config.h"

/* What --dump-config prints instead of a secret. */
#define CONFIG_DUMP_SECRET "<secret>"

/* Writes @cfg to @out.  Returns 0 or -EIO. */
int config_dump(const struct config *cfg, FILE *out);

#endif
