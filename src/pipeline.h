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

struct pipeline_opts {
	volatile sig_atomic_t *stop;   /* SIGTERM/SIGINT: drain and stop */
	volatile sig_atomic_t *reload; /* SIGHUP: re-read the configuration */
	int wake[2]; /* a non-blocking pipe the loop polls; the caller's
		      * signal handlers write to it too, and close it */
	const char *config_path;       /* for reloads */
	char *const *overrides;        /* -o key=value, kept over reloads */
	int noverrides;
};

/*
 * Runs until *opts->stop becomes non-zero or a fatal error.  Sends READY=1
 * once the consumer is subscribed and the producer reaches Kafka, keeps
 * STATUS= and the watchdog going, reloads on *opts->reload.  Returns 0
 * after an orderly stop (everything in flight finished or given back,
 * outcomes flushed, offsets committed), or a negative errno with the reason
 * logged (start-up errors in @errbuf).
 */
int pipeline_run(const struct config *cfg, struct credprov *cred,
		 const struct pipeline_opts *opts, char *errbuf,
		 size_t errlen);

#endif
