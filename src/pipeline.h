/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline.h - the main loop: consumer -> validation -> dispatcher ->
 * sender pool -> results producer -> offset tracker -> offset store.
 *
 * @locality main thread.  Signal handlers only set *stop; the loop notices
 * within one poll interval and drains in order.
 */
#ifndef OPTOUT_PIPELINE_H
#define OPTOUT_PIPELINE_H

#include <signal.h>
#include <stddef.h>

struct config;
struct credprov;

/*
 * Runs until *@stop becomes non-zero or a fatal error.  Returns 0 after an
 * orderly stop (everything in flight finished or given back, outcomes
 * flushed, offsets committed), or a negative errno with the reason logged
 * (start-up errors in @errbuf).
 */
int pipeline_run(const struct config *cfg, struct credprov *cred,
		 volatile sig_atomic_t *stop, char *errbuf, size_t errlen);

#endif
