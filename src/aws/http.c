/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - the one libcurl easy-handle policy, and one blocking call.
 *
 * Owns how this daemon talks HTTP with libcurl: http_easy_new() sets, on
 * every handle, TLS peer and host verification (aws.ca_file when given),
 * http and https as the only protocols (CURLOPT_PROTOCOLS_STR from libcurl
 * 7.85, CURLOPT_PROTOCOLS before), no signals, the timeouts, the user agent
 * and, for local addresses, no proxy.  http_fetch() is one blocking call
 * on such a handle whose answer is capped at CREDS_BODY_MAX bytes and wiped
 * when released, with an abort flag checked by libcurl's progress callback.
 * The container URL policy parses with libcurl's own URL parser
 * (curl_url()), the one the transfer will use, so that the host that is
 * checked is the host that is reached: a second, hand-written parser would
 * disagree with it on some input ("http://127.0.0.1:80@evil.example/").
 *
 * Called by the credential sources (sts.c, container.c, imds.c) on the main
 * thread at start-up and on credprov.c's refresher thread; any thread may
 * call, after curl_global_init().  Every buffer that held a secret (answers,
 * header lists) is wiped before it is freed.
 */
#include "autoconf.h" /* PACKAGE_VERSION */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "creds.h"
#include "util.h"

#define SET(opt, val)                                                        \
	do {                                                                 \
		if (rc == CURLE_OK)                                          \
			rc = curl_easy_setopt(curl, opt, val);               \
	} while (0)

CURL *http_easy_new(const struct http_opts *o)
{
	CURL *curl = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (!curl)
		return NULL;
	if (o->url)
		SET(CURLOPT_URL, o->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TCP_NODELAY, 1L);
	if (o->keepalive)
		SET(CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* CURLOPT_PROTOCOLS_STR: 7.85.0 */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
	SET(CURLOPT_TIMEOUT_MS, o->total_ms);
	SET(CURLOPT_USERAGENT, "optout-eraserd/" PACKAGE_VERSION);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		SET(CURLOPT_CAINFO, o->ca_file);
	if (o->no_proxy)
		SET(CURLOPT_NOPROXY, "*");
	if (o->errbuf)
		SET(CURLOPT_ERRORBUFFER, o->errbuf);
	if (rc != CURLE_OK) {
		curl_easy_cleanup(curl);
		return NULL;
	}
	return curl;
}

void http_resp_done(struct http_resp *resp)
{
	if (resp->body) {
		OPENSSL_cleanse(resp->body, CREDS_BODY_MAX + 1);
		free(resp->body);
	}
	memset(resp, 0, sizeof(*resp));
}

void http_headers_free(struct curl_slist *h)
{
	struct curl_slist *i;

	for (i = h; i; i = i->next)
		OPENSSL_cleanse(i->data, strlen(i->data));
	curl_slist_free_all(h);
}

int http_headers_add(struct curl_slist **h, const char *line)
{
	struct curl_slist *n = curl_slist_append(*h, line);

	if (!n)
		return -ENOMEM;
	*h = n;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_resp *resp = arg;
	size_t n = size * nmemb;

	if (n > CREDS_BODY_MAX - resp->len) {
		resp->overflow = true;
		return 0;
	}
	memcpy(resp->body + resp->len, data, n);
	resp->len += n;
	resp->body[resp->len] = '\0';
	return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_bool *abort_flag = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return abort_flag && atomic_load(abort_flag) ? 1 : 0;
}

/* What a failed transfer means to the caller. */
static int transfer_error(CURLcode rc)
{
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_OPERATION_TIMEDOUT)
		return -EHOSTUNREACH;
	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	    rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
		return -EACCES; /* trying again will not help */
	return -EIO;
}

int http_fetch(const struct http_req *req, struct http_resp *resp,
	       char *errbuf, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct http_opts o = req->opts;
	CURL *curl = NULL;
	CURLcode rc = CURLE_OK;
	int r = 0;

	memset(resp, 0, sizeof(*resp));
	o.errbuf = cerr;
	resp->body = malloc(CREDS_BODY_MAX + 1);
	curl = http_easy_new(&o);
	if (!resp->body || !curl) {
		r = -ENOMEM;
		goto out;
	}
	resp->body[0] = '\0';
	SET(CURLOPT_HTTPHEADER, req->headers);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, resp);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, (void *)req->abort);
	if (!strcmp(req->method, "PUT")) {
		SET(CURLOPT_CUSTOMREQUEST, "PUT");
		SET(CURLOPT_POSTFIELDS, "");
		SET(CURLOPT_POSTFIELDSIZE, 0L);
	} else if (!strcmp(req->method, "POST")) {
		SET(CURLOPT_POSTFIELDS, req->body);
		SET(CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	}
	if (rc != CURLE_OK) {
		util_set_error(errbuf, errlen, "libcurl: %s",
			       curl_easy_strerror(rc));
		r = -EINVAL;
		goto out;
	}
	rc = curl_easy_perform(curl);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		util_set_error(errbuf, errlen, "stopped");
		r = -ECANCELED;
		goto out;
	}
	if (resp->overflow) {
		util_set_error(errbuf, errlen, "answer larger than %d bytes",
			       CREDS_BODY_MAX);
		r = -EFBIG;
		goto out;
	}
	if (rc != CURLE_OK) {
		util_set_error(errbuf, errlen, "%s",
			       cerr[0] ? cerr : curl_easy_strerror(rc));
		r = transfer_error(rc);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
out:
	curl_easy_cleanup(curl);
	return r;
}
#undef SET

int http_status_error(long status)
{
	return status == 429 || status >= 500 ? -EAGAIN : -EACCES;
}

bool http_header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

/* @host as libcurl's URL parser gives it: IPv4 numbers already in dotted
 * decimal, an IPv6 address in brackets. */
static bool host_is_local(const char *host)
{
	static const unsigned char agent6[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0,
						 0,    0,    0,    0,    0, 0,
						 0,    0,    0,    0x23};
	unsigned char a[16];
	char v6[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 ||
		       (a[0] == 169 && a[1] == 254 && a[2] == 170 &&
			(a[3] == 2 || a[3] == 23));
	if (n < 2 || n - 2 >= sizeof(v6) || host[0] != '[' ||
	    host[n - 1] != ']')
		return false;
	memcpy(v6, host + 1, n - 2);
	v6[n - 2] = '\0';
	if (inet_pton(AF_INET6, v6, a) == 1)
		return !memcmp(a, &in6addr_loopback, 16) ||
		       !memcmp(a, agent6, 16);
	return false;
}

/* libcurl decodes "%XX" in a host and only then gives it, without reading
 * it again: "2%31%33%30706433" gives "2130706433", which the resolver (and
 * libcurl, read again) take as 127.0.0.1.  True when @host is printable
 * ASCII and libcurl reads it back as itself, so the host checked is the
 * one connected to. */
static bool host_settled(const char *host)
{
	char url[300], *again = NULL;
	const char *p;
	CURLU *u;
	bool same = false;

	for (p = host; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '%')
			return false;
	if ((size_t)snprintf(url, sizeof(url), "https://%s/", host) >=
	    sizeof(url))
		return false;
	u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &again, 0) == CURLUE_OK)
		same = !strcmp(again, host);
	curl_free(again);
	curl_url_cleanup(u);
	return same;
}

/* True when the URL in @u has any user-info part, even an empty one
 * ("http://@host/"): libcurl would send it, or it hides the real host from
 * a reader ("http://127.0.0.1:80@evil.example/"). */
static bool has_userinfo(CURLU *u)
{
	static const CURLUPart parts[] = {CURLUPART_USER, CURLUPART_PASSWORD,
					  CURLUPART_OPTIONS};
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *v = NULL;
		CURLUcode rc = curl_url_get(u, parts[i], &v, 0);

		curl_free(v);
		if (rc == CURLUE_OK)
			return true;
	}
	return false;
}

int http_container_url(const char *url, bool *ret_local, char *errbuf,
			     size_t errlen)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL;
	const char *p;
	bool https, local;
	CURLUcode rc;
	int r = -EINVAL;

	if (!url || !*url) {
		util_set_error(errbuf, errlen, "empty URL");
		goto out;
	}
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			util_set_error(errbuf, errlen, "URL has a space, a control "
				  "or a non-ASCII character");
			goto out;
		}
	/* The very parser the transfer uses: what is checked here is the
	 * host libcurl connects to. */
	u = curl_url();
	if (!u) {
		r = -ENOMEM;
		util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
#if LIBCURL_VERSION_NUM >= 0x075000 /* curl_url_strerror(): 7.80.0 */
		util_set_error(errbuf, errlen, "malformed URL (%s)",
			       curl_url_strerror(rc));
#else
		util_set_error(errbuf, errlen, "malformed URL (libcurl URL "
			       "error %d)", (int)rc);
#endif
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		util_set_error(errbuf, errlen, "URL has no scheme");
		goto out;
	}
	if (!strcasecmp(scheme, "https")) {
		https = true;
	} else if (!strcasecmp(scheme, "http")) {
		https = false;
	} else {
		util_set_error(errbuf, errlen, "URL is neither http:// nor https://");
		goto out;
	}
	if (has_userinfo(u)) {
		util_set_error(errbuf, errlen, "user information in URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		util_set_error(errbuf, errlen, "URL has no host");
		goto out;
	}
	if (!host_settled(host)) {
		util_set_error(errbuf, errlen, "URL host has escapes that make "
			       "another host, a blank, a control or a non-ASCII "
			       "character");
		goto out;
	}
	local = host_is_local(host);
	if (!https && !local) {
		util_set_error(errbuf, errlen, "plain http is allowed only to a "
			  "loopback host or to 169.254.170.2, 169.254.170.23, "
			  "[fd00:ec2::23]");
		goto out;
	}
	*ret_local = local;
	r = 0;
out:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

