/* SPDX-License-Identifier: Apache-2.0 */
/*
 * preflight.h - optout-eraserd --preflight: the online checklist.
 *
 * --check-config proves the file is well formed without leaving the host;
 * --preflight goes further and asks every party the daemon depends on:
 * the credential chain, the Kafka cluster (both topics, the group), each
 * region's endpoint (one harmless signed call), the files librdkafka
 * reads.  One line per check, "ok", "WARN" or "FAIL" and what was seen,
 * like "kcat -L" for this daemon.  Nothing is written anywhere: no
 * offsets committed, no records produced, no opt-out list changed.
 *
 * @locality main thread, after curl_global_init(), before any pipeline.
 */
#ifndef OPTOUT_PREFLIGHT_H
#define OPTOUT_PREFLIGHT_H

#include <stdio.h>

struct config;
struct credprov;

/*
 * Runs every check of the loaded @cfg (read from @path) and prints the
 * checklist to @out.  @cred is the resolved credential chain, or NULL
 * when it failed with @cred_err (then the signed calls are skipped and
 * reported as failed).  Returns the number of failed checks (0: the
 * daemon can start; warnings do not count).
 */
int preflight_run(const struct config *cfg, const char *path,
		  struct credprov *cred, const char *cred_err, FILE *out);

#endif
