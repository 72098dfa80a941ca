/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - the one libcurl easy-handle policy, and one blocking call for
 * the credential sources.
 *
 * http_easy_new() is the only place a libcurl easy handle gets its TLS,
 * protocol, timeout, proxy and user-agent settings; http_fetch() makes one
 * blocking call on such a handle with a capped, wiped answer.  The small
 * helpers build and free header lists that may hold tokens, map statuses
 * and check the container credentials URL.
 *
 * @locality any thread, after curl_global_init().
 */
#ifndef OPTOUT_HTTP_H
#define OPTOUT_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

struct http_opts {
	const char *url;      /* NULL: the caller sets CURLOPT_URL */
	long connect_ms;      /* CURLOPT_CONNECTTIMEOUT_MS */
	long total_ms;        /* CURLOPT_TIMEOUT_MS */
	const char *ca_file;  /* NULL: the system's CA store */
	bool no_proxy;        /* a local address: never through a proxy */
	bool keepalive;       /* a pooled connection: TCP keep-alive probes */
	char *errbuf;         /* CURL_ERROR_SIZE bytes, or NULL */
};

/*
 * A new easy handle with the policy above and @o applied; the caller owns
 * it (curl_easy_cleanup()).  @o's strings must outlive the handle.  NULL
 * on ENOMEM or when libcurl refuses an option.
 */
CURL *http_easy_new(const struct http_opts *o);

struct http_req {
	struct http_opts opts;      /* opts.errbuf is http_fetch()'s own */
	const char *method;         /* "GET", "PUT" (empty body) or "POST" */
	struct curl_slist *headers; /* not taken */
	const char *body;           /* POST */
	const atomic_bool *abort;   /* ends the call when set; may be NULL */
};

struct http_resp {
	long status;
	char *body; /* CREDS_BODY_MAX + 1 bytes, NUL-terminated */
	size_t len;
	bool overflow;
};

/*
 * Makes one HTTP call.  Returns 0 with resp->status set (any status);
 * -ECANCELED when req->abort was set; -EFBIG for an oversized answer;
 * -EHOSTUNREACH when no connection could be made; -EACCES for a TLS peer
 * that fails verification or a URL libcurl refuses; -EIO for any other
 * transport failure (curl's reason in @errbuf); -ENOMEM.  Release @resp
 * with http_resp_done() in every case.
 */
int http_fetch(const struct http_req *req, struct http_resp *resp,
	       char *errbuf, size_t errlen);

/* Wipes and frees the answer and zeroes @resp. */
void http_resp_done(struct http_resp *resp);

/* Appends @line to *@h.  Returns 0 or -ENOMEM (then *@h is unchanged). */
int http_headers_add(struct curl_slist **h, const char *line);

/* Wipes the header values (a token may be among them) and frees. */
void http_headers_free(struct curl_slist *h);

/* -EAGAIN for a status worth retrying (429, 5xx), -EACCES for another. */
int http_status_error(long status);

/* A header value from outside must not break the header apart: true when
 * @s has no control characters. */
bool http_header_safe(const char *s);

/*
 * Checks a container credentials URL (AWS_CONTAINER_CREDENTIALS_FULL_URI)
 * as the SDKs do: https to any host; plain http only to a loopback host
 * (localhost, 127.0.0.0/8, ::1) or the ECS/EKS agents (169.254.170.2,
 * 169.254.170.23, fd00:ec2::23).  The URL is parsed by libcurl's URL API,
 * so the host checked is the one libcurl connects to; a URL with any
 * user-info part ("user@", "user:pass@", even an empty "@") is refused,
 * as are spaces, control and non-ASCII characters, and a host whose "%XX"
 * escapes libcurl decodes into such characters or into a host it would
 * read differently ("2%31%33%30706433" is 127.0.0.1).  Returns 0 and whether
 * the host is local (no proxy must be used) in *@ret_local; -EINVAL with
 * the reason; -ENOMEM.  Does no I/O.
 */
int http_container_url(const char *url, bool *ret_local, char *errbuf,
		       size_t errlen);

#endif
