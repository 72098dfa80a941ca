/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics_http.c - the HTTP listener of the metrics: libmicrohttpd on its
 * own thread, bound to the address metrics.listen names.
 *
 * There is no TLS and no authentication: the operator chooses the
 * exposure by the address (loopback in the sample; 0.0.0.0 or a private
 * interface's address for a scraper on another host).  The address is
 * parsed by config_value_listen(), the same rule as metrics.listen, so the
 * key and the listener never disagree.  Each
 * GET or HEAD /metrics calls the renderer it was given (metrics_render(),
 * from metrics.c, which owns the listener) on libmicrohttpd's thread and
 * hands the fresh text to libmicrohttpd, which frees it.  While starting,
 * libmicrohttpd's messages explain a failure; afterwards they are about
 * single scrapes and go to the debug log.
 *
 * Started and stopped by the owner's thread (main); answers on
 * libmicrohttpd's thread.
 */
#include "metrics_http.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "config_value.h"
#include "log.h"
#include "util.h"

/* A health answer is one short line. */
#define HEALTH_BODY_MAX 256

struct metrics_http {
	struct MHD_Daemon *daemon;
	int port;
	metrics_http_render_fn *render;
	metrics_http_check_fn *check;
	void *opaque;
	_Atomic bool serving; /* MHD's messages go to the log, not start_err */
	char start_err[256];
};

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics_http *h = cls;
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/* While starting, the last message explains a failure; afterwards
	 * they are about single scrapes (a client that went away, ...). */
	if (atomic_load_explicit(&h->serving, memory_order_acquire))
		log_debug("metrics: %s", msg);
	else
		snprintf(h->start_err, sizeof(h->start_err), "%s", msg);
}

/* @body (freed by libmicrohttpd when @owned); the exposition format's
 * content type when @page, else plain text. */
static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status,
			      char *body, bool owned, bool page)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	resp = MHD_create_response_from_buffer(
		strlen(body), body,
		owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (owned)
			free(body);
		goto out;
	}
	if (page)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4; "
					"charset=utf-8");
	else
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
out:
	return ret;
}

/* @locality libmicrohttpd's thread. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "Not Found: the metrics are at /metrics, "
				  "liveness at /healthz, readiness at "
				  "/readyz\n";
	static char not_allowed[] = "Method Not Allowed\n";
	static char no_memory[] = "Out of memory\n";
	struct metrics_http *h = cls;
	char *text;
	unsigned status;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed,
			      false, false);
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0) {
		text = malloc(HEALTH_BODY_MAX);
		if (!text)
			return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      no_memory, false, false);
		status = h->check(h->opaque, url[1] == 'r', text,
				  HEALTH_BODY_MAX);
		return answer(conn, status, text, true, false);
	}
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, MHD_HTTP_NOT_FOUND, not_found, false,
			      false);
	text = h->render(h->opaque);
	if (!text)
		return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, no_memory,
			      false, false);
	return answer(conn, MHD_HTTP_OK, text, true, true);
}

int metrics_http_start(const char *listen, metrics_http_render_fn *render,
		       metrics_http_check_fn *check, void *opaque,
		       struct metrics_http **ret_http, char *errbuf,
		       size_t errlen)
{
	struct metrics_http *h = NULL;
	struct sockaddr_storage sa;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	uint16_t port;
	int ret, err;

	ret = config_value_listen(listen, &sa);
	if (ret) {
		util_set_error(errbuf, errlen, "metrics.listen: %s",
			       CONFIG_VALUE_LISTEN_MSG);
		goto out;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		ret = -ENOMEM;
		util_set_error(errbuf, errlen, "metrics: out of memory");
		goto out;
	}
	h->render = render;
	h->check = check;
	h->opaque = opaque;
	port = ntohs(sa.ss_family == AF_INET
			     ? ((struct sockaddr_in *)&sa)->sin_port
			     : ((struct sockaddr_in6 *)&sa)->sin6_port);
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
		MHD_USE_ERROR_LOG;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	/* The logger first, so that start-up messages go to it. */
	h->daemon = MHD_start_daemon(
		flags, port, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (!h->daemon) {
		err = errno;
		ret = err > 0 ? -err : -EIO;
		util_set_error(errbuf, errlen,
			       "metrics: cannot listen on %s: %s", listen,
			       h->start_err[0] ? h->start_err
					       : "libmicrohttpd failed");
		goto out;
	}
	atomic_store_explicit(&h->serving, true, memory_order_release);
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	*ret_http = h;
	h = NULL;
out:
	metrics_http_free(h);
	return ret;
}

int metrics_http_port(const struct metrics_http *h)
{
	return h ? h->port : 0;
}

void metrics_http_free(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	free(h);
}
