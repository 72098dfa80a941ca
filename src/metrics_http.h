/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics_http.h - the HTTP listener that serves the metrics page.
 *
 * GET or HEAD /metrics answers what the renderer gives as
 * "text/plain; version=0.0.4; charset=utf-8" (500 when it gives NULL),
 * /healthz and /readyz what the checker says (a status, one plain line),
 * other paths 404, other methods 405.  The listener knows nothing of the
 * metrics themselves: metrics.c starts it with metrics_render().
 *
 * @locality start and free: the owner's thread (main); the renderer is
 *           called on libmicrohttpd's thread.
 */
#ifndef OPTOUT_METRICS_HTTP_H
#define OPTOUT_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct metrics_http;

/* Gives a malloc'd, NUL-terminated page (freed by the listener), or NULL
 * when out of memory.  Called on libmicrohttpd's thread. */
typedef char *metrics_http_render_fn(void *opaque);

/* Writes one line to @body and returns its HTTP status (200 or 503), for
 * /readyz when @ready, else /healthz.  Called on libmicrohttpd's thread. */
typedef unsigned metrics_http_check_fn(void *opaque, bool ready, char *body,
				       size_t len);

/*
 * Listens on @listen (config_value_listen(): HOST:PORT, port 0
 * for the kernel's choice) and serves @render(@opaque) and
 * @check(@opaque).  Returns 0 with
 * the listener in *@ret_http; -EINVAL for a bad @listen ("metrics.listen:
 * must be ..."), or another negative errno when it cannot start
 * (-EADDRINUSE, ...: "metrics: cannot listen on HOST:PORT: why"), with
 * that one-line message in @errbuf.
 */
int metrics_http_start(const char *listen, metrics_http_render_fn *render,
		       metrics_http_check_fn *check, void *opaque,
		       struct metrics_http **ret_http, char *errbuf,
		       size_t errlen);

/* The port it listens on; 0 for NULL. */
int metrics_http_port(const struct metrics_http *h);

/* Stops listening (waiting for libmicrohttpd's thread) and frees @h;
 * NULL is fine. */
void metrics_http_free(struct metrics_http *h);

#endif
