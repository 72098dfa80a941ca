/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call.c - one attempt of the DeleteOptedOutNumber call (call.h).
 *
 * A call owns everything one attempt needs on the wire: the URL and body,
 * the signed header list, an easy handle pointing at them, a reference to
 * the credentials it was signed with, and what comes back (the body in a
 * capped buf, larger answers cut but read to the end; the few headers the
 * classification and the failure rules look at).  The worker thread that
 * made it (sender.c) drives the transfer on its multi handle; the
 * callbacks below run on that thread, inside curl_multi_perform().
 * Classification is api.c's; what to do with the answer is breaker.c's.
 *
 * Secrets: the header lines (Authorization, the security token) live in
 * one BUF_SECRET buffer of the call's, wiped when the call is done and
 * its room kept for the next attempt; the credentials stay referenced
 * (not copied) until the call is done.
 */
#include "call.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "buf.h"
#include "credprov.h"
#include "endpoint.h"
#include "http.h"
#include "request.h"
#include "retry.h"
#include "sigv4.h"
#include "util.h"

#define CALL_BODY_MAX (1024 * 1024 - 1) /* larger answers are cut */
#define CALL_REQ_MAX 8192 /* the request's body, with its NUL */
#define CALL_HEADERS 7    /* the most header lines sign() writes */
#define CALL_HEADERS_MAX 16384 /* their bytes (a session token is ~1 KiB) */

struct call {
	struct call *next_spare; /* in a call_cache */
	CURL *easy;
	long easy_connect_ms, easy_total_ms; /* what easy was set up with */
	const char *easy_ca_file;
	/* The header list libcurl reads: our own nodes over the lines in
	 * hlines (NUL-separated, wiped when the call is done), so a request
	 * allocates nothing for it.  libcurl only reads a CURLOPT_HTTPHEADER
	 * list; it never frees or changes it. */
	struct curl_slist *headers;
	struct curl_slist hnodes[CALL_HEADERS];
	struct buf hlines;
	struct creds *creds;
	void *opaque;
	int64_t started_ms;
	char url[1024];
	char host[512];
	char target[96]; /* X-Amz-Target */
	bool whole; /* another action: a success keeps the whole answer */
	char body[CALL_REQ_MAX];
	int body_len;
	/* The answer. */
	struct buf rbody;
	char error_type[256];
	char request_id[128];
	char content_type[128];
	char date[64];
	char retry_after[32];
};

/* ----------------------------------------------------------- the answer */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct call *c = userdata;
	size_t n = size * nmemb, room = c->rbody.max - c->rbody.len;

	/* Cut at the cap, but keep reading: the status still counts. */
	if (buf_put(&c->rbody, ptr, n < room ? n : room) < 0)
		return 0;
	return size * nmemb;
}

static void header_value(const char *line, size_t len, const char *name,
			 char *out, size_t outlen)
{
	size_t nl = strlen(name), vl;
	const char *v, *end = line + len;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	v = line + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vl = (size_t)(end - v);
	if (vl >= outlen)
		vl = outlen - 1;
	memcpy(out, v, vl);
	out[vl] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nmemb,
			void *userdata)
{
	struct call *c = userdata;
	size_t n = size * nmemb;

	header_value(line, n, "x-amzn-errortype", c->error_type,
		     sizeof(c->error_type));
	header_value(line, n, "x-amzn-requestid", c->request_id,
		     sizeof(c->request_id));
	header_value(line, n, "content-type", c->content_type,
		     sizeof(c->content_type));
	header_value(line, n, "date", c->date, sizeof(c->date));
	header_value(line, n, "x-amz-retry-after", c->retry_after,
		     sizeof(c->retry_after));
	return n;
}

static const char *transport_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return "Timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "DnsError";
	case CURLE_COULDNT_CONNECT:
		return "ConnectionError";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return "ConnectionReset";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return "TlsError";
	default:
		return "TransportError";
	}
}

/* ---------------------------------------------------------- the request */

/* Appends the line "@name: @value" ("@name:" when @value is NULL), with
 * its NUL; errors stick in hlines. */
static void header_line(struct call *c, const char *name, const char *value)
{
	buf_puts(&c->hlines, name);
	buf_putc(&c->hlines, ':');
	if (value) {
		buf_putc(&c->hlines, ' ');
		buf_puts(&c->hlines, value);
	}
	buf_put(&c->hlines, "", 1);
}

/* Points the nodes at the lines written.  Returns 0 or hlines' error. */
static int link_headers(struct call *c)
{
	const char *p = c->hlines.p, *end = p + c->hlines.len;
	int n = 0, r = buf_err(&c->hlines);

	if (r)
		return r;
	for (; p < end && n < CALL_HEADERS; p += strlen(p) + 1, n++) {
		c->hnodes[n].data = (char *)p;
		c->hnodes[n].next = NULL;
		if (n)
			c->hnodes[n - 1].next = &c->hnodes[n];
	}
	c->headers = n ? &c->hnodes[0] : NULL;
	return p < end ? -ENOSPC : 0;
}

/* The lines wiped (the signature and session token among them), their
 * room kept for the next attempt. */
static void unlink_headers(struct call *c)
{
	buf_truncate(&c->hlines, 0);
	c->headers = NULL;
}

/* The path part of the URL (endpoint overrides may have one), "/" when
 * none. */
static const char *url_path(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 + strcspn(p + 3, "/?#") : NULL;
	return p && *p == '/' ? p : "/";
}

/* Signs the call for @region at @when and builds its header list.
 * Returns 0, -EINVAL when it cannot be signed, or -ENOMEM/-ENOSPC. */
static int sign(struct call *c, const char *region, time_t when,
		struct sigv4_key_cache *keys)
{
	const struct credentials *cr = &c->creds->c;
	struct sigv4_header sh[] = {
		{"Host", c->host},
		{"Content-Type", API_CONTENT_TYPE},
		{"X-Amz-Target", c->target},
	};
	struct sigv4_request sreq = {
		.method = "POST",
		.path = url_path(c->url),
		.headers = sh,
		.nheaders = sizeof(sh) / sizeof(sh[0]),
		.body = c->body,
		.body_len = (size_t)c->body_len,
	};
	struct sigv4_result sig = {0};
	int r;

	r = sigv4_sign(&sreq, cr, region, API_SIGNING_NAME, when, keys, &sig);
	if (r < 0) {
		sigv4_result_done(&sig);
		return -EINVAL;
	}
	unlink_headers(c);
	header_line(c, "Host", c->host);
	header_line(c, "X-Amz-Date", sig.amz_date);
	header_line(c, "Content-Type", API_CONTENT_TYPE);
	header_line(c, "X-Amz-Target", c->target);
	header_line(c, "Authorization", sig.authorization);
	if (cr->session_token)
		header_line(c, "X-Amz-Security-Token", cr->session_token);
	header_line(c, "Expect", NULL);
	r = link_headers(c);
	sigv4_result_done(&sig);
	return r;
}

static CURL *easy_make(const struct call_opts *opts, struct call *c);

/* The easy handle: TLS verified, no redirects, http(s) only, the
 * configured timeouts, the answer into the call.  A spare call's handle
 * keeps its options: only what differs between attempts is set again
 * (a new one when the options changed). */
static CURL *easy_new(const struct call_opts *opts, struct call *c)
{
	if (c->easy && c->easy_connect_ms == opts->connect_timeout_ms &&
	    c->easy_total_ms == opts->timeout_ms &&
	    c->easy_ca_file == opts->ca_file) {
		if (curl_easy_setopt(c->easy, CURLOPT_URL, c->url) != CURLE_OK)
			return NULL;
		curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE,
				 (long)c->body_len);
		return c->easy;
	}
	curl_easy_cleanup(c->easy);
	c->easy = easy_make(opts, c);
	c->easy_connect_ms = opts->connect_timeout_ms;
	c->easy_total_ms = opts->timeout_ms;
	c->easy_ca_file = opts->ca_file;
	return c->easy;
}

static CURL *easy_make(const struct call_opts *opts, struct call *c)
{
	const struct http_opts ho = {
		.url = c->url,
		.connect_ms = opts->connect_timeout_ms,
		.total_ms = opts->timeout_ms,
		.ca_file = opts->ca_file,
		.keepalive = true,
	};
	CURL *e = http_easy_new(&ho);

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)c->body_len);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	return e;
}

/* ------------------------------------------------------------ public API */

/* A spare call of @cc made ready for another attempt, or a new one. */
static struct call *call_get(struct call_cache *cc)
{
	struct call *c;

	if (!cc || !cc->spare)
		return calloc(1, sizeof(struct call));
	c = cc->spare;
	cc->spare = c->next_spare;
	cc->nspare--;
	c->next_spare = NULL;
	c->whole = false;
	c->error_type[0] = c->request_id[0] = c->content_type[0] = '\0';
	c->date[0] = c->retry_after[0] = '\0';
	if (buf_err(&c->rbody))
		buf_free(&c->rbody); /* its error would stick */
	else
		buf_truncate(&c->rbody, 0);
	return c;
}

/* call_new() and call_new_action(): @body_len < 0 when the body did not
 * fit in the caller's buffer. */
static int call_make(const struct call_opts *opts, const char *region,
		     const char *target, const char *body, int body_len,
		     struct creds *creds, time_t when,
		     struct sigv4_key_cache *keys, struct call_cache *cc,
		     void *opaque, struct api_result *res,
		     struct call **ret_call)
{
	struct call *c = call_get(cc);
	const char *code = "OutOfMemory";
	const char *why = "out of memory starting the call";
	int r = -ENOMEM;

	api_result_done(res);
	if (!c) {
		creds_unref(creds);
		goto fail;
	}
	c->creds = creds;
	c->opaque = opaque;
	if (!c->rbody.max) {
		buf_init(&c->rbody, CALL_BODY_MAX, 0);
		buf_init(&c->hlines, CALL_HEADERS_MAX, BUF_SECRET);
	}
	r = endpoint_url(opts->endpoint, region, c->url, sizeof(c->url));
	if (r == 0)
		r = endpoint_host(c->url, c->host, sizeof(c->host));
	c->body_len = body_len >= 0 && (size_t)body_len < sizeof(c->body) ?
			      body_len : -1;
	if (c->body_len >= 0)
		memcpy(c->body, body, (size_t)body_len);
	if (snprintf(c->target, sizeof(c->target), "%s", target) >=
	    (int)sizeof(c->target))
		c->body_len = -1;
	c->whole = strcmp(target, API_TARGET) != 0;
	if (r < 0 || c->body_len < 0) {
		r = -EINVAL;
		code = "ConfigurationError";
		why = "the endpoint URL or body does not fit";
		goto fail;
	}
	r = sign(c, region, when, keys);
	if (r == -EINVAL) {
		code = "SigningError";
		why = "the request could not be signed";
	}
	if (r < 0)
		goto fail;
	if (!easy_new(opts, c)) {
		r = -ENOMEM;
		goto fail;
	}
	c->started_ms = util_mono_ms();
	*ret_call = c;
	return 0;
fail:
	api_result_replace(res, code, why);
	res->retry = API_RETRY_NONE;
	call_recycle(cc, c);
	return r;
}

int call_new(const struct call_opts *opts, const char *region,
	     const struct request *req, struct creds *creds, time_t when,
	     struct sigv4_key_cache *keys, void *opaque,
	     struct api_result *res, struct call **ret_call)
{
	char body[CALL_REQ_MAX];
	int n = api_build_body(req->list, req->number, body, sizeof(body));

	return call_make(opts, region, API_TARGET, body, n, creds, when, keys,
			 NULL, opaque, res, ret_call);
}

int call_new_action(const struct call_opts *opts, const char *region,
		    const char *target, const char *body, struct creds *creds,
		    time_t when, struct sigv4_key_cache *keys, void *opaque,
		    struct api_result *res, struct call **ret_call)
{
	size_t n = strlen(body);

	return call_make(opts, region, target, body, n < CALL_REQ_MAX ? (int)n : -1,
			 creds, when, keys, NULL, opaque, res, ret_call);
}

int call_new_job(const struct call_opts *opts, const char *region,
		 const struct request *req, const char *target,
		 const char *body, struct creds *creds, time_t when,
		 struct call_cache *cc, void *opaque,
		 struct api_result *res, struct call **ret_call)
{
	char own[CALL_REQ_MAX];
	int n;

	if (target) {
		size_t len = strlen(body);

		n = len < CALL_REQ_MAX ? (int)len : -1;
	} else {
		n = api_build_body(req->list, req->number, own, sizeof(own));
		body = own;
		target = API_TARGET;
	}
	return call_make(opts, region, target, body, n, creds, when,
			 &cc->keys, cc, opaque, res, ret_call);
}

void call_cache_init(struct call_cache *cc, int max)
{
	cc->max = max > 0 ? max : 0;
}

void call_cache_done(struct call_cache *cc)
{
	struct call *c;

	while ((c = cc->spare)) {
		cc->spare = c->next_spare;
		call_free(c);
	}
	cc->nspare = 0;
	sigv4_key_cache_done(&cc->keys);
}

void call_recycle(struct call_cache *cc, struct call *c)
{
	if (!c)
		return;
	if (!cc || cc->nspare >= cc->max || !c->easy) {
		call_free(c);
		return;
	}
	unlink_headers(c);
	creds_unref(c->creds);
	c->creds = NULL;
	c->opaque = NULL;
	/* A large answer's room is not kept for a small one. */
	if (c->rbody.cap > 16384)
		buf_free(&c->rbody);
	c->next_spare = cc->spare;
	cc->spare = c;
	cc->nspare++;
}

CURL *call_easy(const struct call *c)
{
	return c->easy;
}

struct call *call_of(CURL *easy)
{
	struct call *c = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&c);
	return c;
}

void *call_opaque(const struct call *c)
{
	return c->opaque;
}

int64_t call_started_ms(const struct call *c)
{
	return c->started_ms;
}

const struct creds *call_creds(const struct call *c)
{
	return c->creds;
}

void call_finish(struct call *c, CURLcode rc, struct api_result *res)
{
	struct api_http http = {0};
	long status = 0;

	if (rc != CURLE_OK) {
		api_result_transport(res, transport_code(rc),
				     curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	http.status = status;
	http.error_type = c->error_type[0] ? c->error_type : NULL;
	http.request_id = c->request_id[0] ? c->request_id : NULL;
	http.content_type = c->content_type[0] ? c->content_type : NULL;
	http.body = buf_str(&c->rbody);
	http.body_len = c->rbody.len;
	if (api_parse_response(&http, res) < 0) {
		api_result_replace(res, "OutOfMemory",
				   "out of memory reading the answer");
		return;
	}
	/* Another action's success: its reader wants the whole answer, not
	 * DeleteOptedOutNumber's members (a body cut at the cap does not
	 * parse and leaves no response). */
	if (c->whole && !res->error_code) {
		cJSON_Delete(res->response);
		res->response = cJSON_ParseWithLength(http.body, http.body_len);
	}
}

int64_t call_retry_after_ms(const struct call *c)
{
	return retry_after_parse(c->retry_after);
}

static bool clock_skew_code(const char *code)
{
	static const char *const codes[] = {
		"RequestTimeTooSkewed", "RequestExpired",
		"InvalidSignatureException", "SignatureDoesNotMatch",
		"AuthFailure", "RequestInTheFuture",
	};
	size_t i;

	for (i = 0; code && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

bool call_clock_skew(const struct call *c, const struct api_result *res,
		     long long *ret_skew_s)
{
	time_t server, local = time(NULL);

	if (!c->date[0] || !clock_skew_code(res->error_code))
		return false;
	server = curl_getdate(c->date, NULL);
	if (server <= 0)
		return false;
	*ret_skew_s = (long long)(server - local);
	return true;
}

void call_free(struct call *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->easy);
	buf_free(&c->hlines); /* wiped: the session token among them */
	creds_unref(c->creds);
	buf_free(&c->rbody);
	free(c);
}
