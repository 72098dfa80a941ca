/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_call.c - one attempt without the network: a call is built and
 * signed for a good endpoint and refused, as a final local failure, for
 * one that cannot be; transport failures are named from libcurl's codes;
 * the answer's hints are absent when no answer came.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "call.h"
#include "credprov.h"
#include "endpoint.h"
#include "request.h"
#include "sigv4.h"
#include "tap.h"

static struct creds *creds_make(void)
{
	struct creds *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->c.access_key_id = strdup("AKIDEXAMPLE");
	c->c.secret_access_key = strdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	c->c.session_token = strdup("token");
	atomic_init(&c->refs, 1);
	return c;
}

static const struct {
	CURLcode rc;
	const char *code;
} transport_rows[] = {
	{CURLE_OPERATION_TIMEDOUT, "Timeout"},
	{CURLE_COULDNT_RESOLVE_HOST, "DnsError"},
	{CURLE_COULDNT_RESOLVE_PROXY, "DnsError"},
	{CURLE_COULDNT_CONNECT, "ConnectionError"},
	{CURLE_SEND_ERROR, "ConnectionReset"},
	{CURLE_RECV_ERROR, "ConnectionReset"},
	{CURLE_GOT_NOTHING, "ConnectionReset"},
	{CURLE_PARTIAL_FILE, "ConnectionReset"},
	{CURLE_SSL_CONNECT_ERROR, "TlsError"},
	{CURLE_PEER_FAILED_VERIFICATION, "TlsError"},
	{CURLE_SSL_CACERT_BADFILE, "TlsError"},
	{CURLE_WRITE_ERROR, "TransportError"},
};

static void test_transport(const struct call_opts *opts,
			   struct sigv4_key_cache *keys,
			   const struct request *req)
{
	struct api_result res = {0};
	struct call *c = NULL;
	long long skew = 0;
	size_t i;

	for (i = 0; i < sizeof(transport_rows) / sizeof(transport_rows[0]);
	     i++) {
		if (call_new(opts, "us-east-1", req, creds_make(), 1700000000,
			     keys, NULL, &res, &c) < 0)
			break;
		call_finish(c, transport_rows[i].rc, &res);
		is_str(res.error_code, transport_rows[i].code,
		       "transport: curl code %d", (int)transport_rows[i].rc);
		ok(res.outcome == OUTCOME_FAILED &&
			   res.retry == API_RETRY_TRANSIENT &&
			   res.http_status == 0,
		   "transport: %s is failed, transient, no status",
		   transport_rows[i].code);
		ok(res.error_message && res.error_message[0],
		   "transport: %s says what libcurl said",
		   transport_rows[i].code);
		ok(!call_clock_skew(c, &res, &skew),
		   "transport: no clock to correct");
		call_free(c);
		c = NULL;
		api_result_done(&res);
	}
	is_int(i, sizeof(transport_rows) / sizeof(transport_rows[0]),
	       "transport: every row ran");
}

/* A worker's cache: a recycled call comes back with its easy handle, its
 * reference to the credentials dropped on recycling; past the cap a call
 * is freed; a change of the options gives a fresh handle. */
static void test_cache(struct call_opts *opts, const struct request *req,
		       struct creds *creds)
{
	struct call_cache cc = {0};
	struct api_result res = {0};
	struct call *c = NULL, *d = NULL, *e = NULL;
	CURL *easy;
	int m1 = 1, m2 = 2, r;

	call_cache_init(&cc, 1);
	atomic_fetch_add(&creds->refs, 1);
	r = call_new_job(opts, "us-east-1", req, NULL, NULL, creds,
			 1700000000, &cc, &m1, &res, &c);
	is_int(r, 0, "cache: built and signed");
	easy = c ? call_easy(c) : NULL;
	ok(cc.keys.valid, "cache: the signing key is kept");
	call_recycle(&cc, c);
	is_int(cc.nspare, 1, "cache: one spare");
	is_int(atomic_load(&creds->refs), 1,
	       "cache: recycling drops the credentials reference");
	atomic_fetch_add(&creds->refs, 1);
	r = call_new_job(opts, "eu-west-2", req, NULL, NULL, creds,
			 1700000000, &cc, &m2, &res, &d);
	is_int(r, 0, "cache: built again");
	ok(d == c && d && call_easy(d) == easy,
	   "cache: the spare call and its easy handle are reused");
	ok(d && call_of(call_easy(d)) == d && call_opaque(d) == &m2,
	   "cache: the reused call names its new owner");
	ok(d && call_creds(d) == creds && call_retry_after_ms(d) < 0,
	   "cache: the reused call holds the new reference, no old hint");
	is_int(cc.nspare, 0, "cache: no spare while it is in use");
	atomic_fetch_add(&creds->refs, 1);
	r = call_new_job(opts, "us-east-1", req, "Svc.Other", "{}", creds,
			 1700000000, &cc, NULL, &res, &e);
	ok(r == 0 && e && e != d, "cache: a second call is a new one");
	call_recycle(&cc, d);
	call_recycle(&cc, e); /* the cache is full: freed */
	is_int(cc.nspare, 1, "cache: at most max spares");
	is_int(atomic_load(&creds->refs), 1,
	       "cache: every reference dropped");
	opts->timeout_ms += 1;
	atomic_fetch_add(&creds->refs, 1);
	r = call_new_job(opts, "us-east-1", req, NULL, NULL, creds,
			 1700000000, &cc, NULL, &res, &c);
	ok(r == 0 && c && call_easy(c) && call_of(call_easy(c)) == c,
	   "cache: new options, a handle set up for them");
	opts->timeout_ms -= 1;
	call_recycle(&cc, c);
	call_cache_done(&cc);
	is_int(cc.nspare, 0, "cache: done frees the spares");
	ok(!cc.keys.valid, "cache: done wipes the key");
	is_int(atomic_load(&creds->refs), 1, "cache: no reference left");
	api_result_done(&res);
}

int main(void)
{
	struct endpoint_opts good = {"http://127.0.0.1:9/base", false, false};
	char huge[2000];
	struct endpoint_opts bad = {huge, false, false};
	struct call_opts opts = {&good, 1000, 2000, NULL};
	struct request req = {.list = (char *)"my-list",
			      .number = (char *)"+15555550100"};
	struct sigv4_key_cache keys = {0};
	struct api_result res = {0};
	struct creds *creds = creds_make();
	struct call *c = NULL;
	int marker = 0, r;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	atomic_fetch_add(&creds->refs, 1); /* ours, to look at afterwards */
	r = call_new(&opts, "us-east-1", &req, creds, 1700000000, &keys,
		     &marker, &res, &c);
	is_int(r, 0, "built and signed");
	ok(c && call_easy(c), "with an easy handle");
	ok(c && call_of(call_easy(c)) == c, "the easy handle names its call");
	ok(c && call_opaque(c) == &marker, "the owner's pointer");
	ok(c && call_creds(c) == creds, "the credentials it was signed with");
	ok(c && call_started_ms(c) > 0, "its start time");
	ok(c && call_retry_after_ms(c) < 0, "no retry-after hint yet");
	ok(res.error_code == NULL, "no failure");
	call_free(c);
	is_int(atomic_load(&creds->refs), 1, "freeing it drops its reference");

	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "https://", 8);
	huge[sizeof(huge) - 1] = '\0';
	opts.endpoint = &bad;
	c = NULL;
	atomic_fetch_add(&creds->refs, 1);
	r = call_new(&opts, "us-east-1", &req, creds, 1700000000, &keys,
		     NULL, &res, &c);
	ok(r < 0 && c == NULL, "an endpoint that does not fit: no call");
	is_str(res.error_code, "ConfigurationError",
	       "an endpoint that does not fit: ConfigurationError");
	ok(res.outcome == OUTCOME_FAILED && res.retry == API_RETRY_NONE,
	   "an endpoint that does not fit: failed, not retried");
	is_int(atomic_load(&creds->refs), 1,
	       "the reference is dropped on failure too");
	api_result_done(&res);

	opts.endpoint = &good;
	test_transport(&opts, &keys, &req);
	test_cache(&opts, &req, creds);
	creds_unref(creds);
	sigv4_key_cache_done(&keys);
	curl_global_cleanup();
	return tap_done();
}
