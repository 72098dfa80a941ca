/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender.c - the signer/sender worker pool.
 *
 * Each worker thread owns a libcurl multi handle (its connection cache
 * keeps HTTPS connections alive between calls) and starts jobs from the
 * pool's queues (new, backing off, paced or held by a pause) as far as it
 * has room.  A job is on the wire as one `struct xfer`; its answer decides:
 * final (outcome), retry later, or hold.
 *
 * Shared state, all under the pool's one mutex: the done list, the per-region
 * token buckets and the systemic-failure rules (breaker.c: pauses, region
 * holds, probes, the retry budget and every request's retry clock).  The
 * lock is never held across curl or signing work.
 *
 * Order: the pool keeps one oldest-first queue (jobq.c) per region, shared
 * by the workers under the lock, so that the oldest waiting request of a
 * region is always the next to start whichever worker is free, and a region
 * that is paced or held never blocks another; a retried job takes its place
 * by its not-before time.  A pass looks at the queues' heads only: no
 * walk of the waiting jobs, one heap operation per job started.
 */
#include "autoconf.h" /* PACKAGE_VERSION */
#include "sender.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "breaker.h"
#include "config.h"
#include "credprov.h"
#include "endpoint.h"
#include "job.h"
#include "jobq.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "retry.h"
#include "sigv4.h"
#include "util.h"

#define SENDER_BODY_MAX (1024 * 1024) /* larger answers are cut */
#define SENDER_REGIONS_MAX BREAKER_REGIONS_MAX
#define SENDER_SKEW_S 240          /* AWS allows 5 minutes */
#define SENDER_POLL_MAX_MS 1000

struct region_bucket {
	char region[API_REGION_MAX];
	struct ratelimit rl;
};

struct worker;

/* One attempt on the wire. */
struct xfer {
	struct worker *w;
	struct job *job;
	CURL *easy;
	struct curl_slist *headers;
	struct creds *creds;
	bool probe;
	int64_t started_ms;
	char url[1024];
	char body[512];
	/* The answer. */
	char *rbody;
	size_t rlen, rcap;
	char error_type[256];
	char request_id[128];
	char content_type[128];
	char date[64];
	char retry_after[32];
};

/* The queue of one region's jobs waiting to start (under the lock). */
struct lane {
	char region[API_REGION_MAX];
	struct jobq q;
};

struct worker {
	struct sender *s;
	pthread_t thread;
	int id;
	CURLM *multi;
	atomic_int active;   /* transfers on the wire (written by it only) */
	int max_active;      /* this worker's share of http.max_connections */
	struct sigv4_key_cache keys;
	bool started;
	atomic_llong heartbeat_ms; /* monotonic time of its last loop */
};

struct sender {
	const struct config *cfg;
	struct credprov *cred;
	struct metrics *metrics;
	int wake_fd;
	struct endpoint_opts endpoint;

	/* What a reload may change: read and written under the lock. */
	double rate_limit;
	bool rate_adaptive;

	pthread_mutex_t lock;
	struct job *done_head, *done_tail;
	struct region_bucket buckets[SENDER_REGIONS_MAX];
	size_t nbuckets;
	struct breaker breaker;
	struct lane lanes[SENDER_REGIONS_MAX]; /* jobs waiting to start */
	int nlanes;
	bool logged_paused;      /* what the log last said */
	char logged_held[256];
	uint64_t next_seq;       /* main thread */

	atomic_llong clock_offset_s;
	atomic_bool stopping;
	atomic_bool withdrawn[SENDER_PARTITIONS_MAX];
	atomic_int nwithdrawn;
	atomic_size_t inflight;
	struct worker *workers;
	int nworkers;
};

static void wake_main(struct sender *s)
{
	char c = 's';
	ssize_t n;

	/* A full pipe already means "wake up". */
	n = write(s->wake_fd, &c, 1);
	(void)n;
}

/* ------------------------------------------------------------ shared state */

static struct ratelimit *bucket_locked(struct sender *s, const char *region)
{
	size_t i;

	for (i = 0; i < s->nbuckets; i++)
		if (strcmp(s->buckets[i].region, region) == 0)
			return &s->buckets[i].rl;
	if (s->nbuckets == SENDER_REGIONS_MAX)
		i = SENDER_REGIONS_MAX - 1; /* share the last one */
	else
		i = s->nbuckets++;
	snprintf(s->buckets[i].region, sizeof(s->buckets[i].region), "%s",
		 region);
	ratelimit_init(&s->buckets[i].rl, s->rate_limit, util_mono_ms());
	ratelimit_set_adaptive(&s->buckets[i].rl, s->rate_adaptive);
	return &s->buckets[i].rl;
}

/* Logs pause and region-hold changes the last breaker call made, and wakes
 * the main loop (it stops or resumes consumption). */
static void log_news_locked(struct sender *s)
{
	char reason[BREAKER_REASON_MAX], held[sizeof(s->logged_held)];
	bool paused;

	if (!breaker_take_news(&s->breaker))
		return;
	paused = breaker_paused(&s->breaker, reason, sizeof(reason));
	if (paused && !s->logged_paused)
		log_warning("pipeline paused: %s; probing every %d s at most",
			    reason, BREAKER_PROBE_MAX_MS / 1000);
	else if (!paused && s->logged_paused)
		log_notice("pipeline resumed: the fault has cleared");
	s->logged_paused = paused;
	breaker_held_regions(&s->breaker, held, sizeof(held));
	if (strcmp(held, s->logged_held) != 0) {
		if (held[0])
			log_warning("regions held (their requests wait for a "
				    "probe and end failed after "
				    "retry.max_seconds; the others flow): %s",
				    held);
		else
			log_notice("no region held any more");
		snprintf(s->logged_held, sizeof(s->logged_held), "%s", held);
	}
	wake_main(s);
}

static void finish_locked(struct sender *s, struct job *job)
{
	job->completed_at_ms = util_wall_ms();
	job->next = NULL;
	if (s->done_tail)
		s->done_tail->next = job;
	else
		s->done_head = job;
	s->done_tail = job;
}

static void finish(struct sender *s, struct job *job)
{
	pthread_mutex_lock(&s->lock);
	finish_locked(s, job);
	pthread_mutex_unlock(&s->lock);
	wake_main(s);
}

/* -------------------------------------------------------------- transfers */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb, room;

	if (x->rlen + n + 1 > x->rcap && x->rcap < SENDER_BODY_MAX) {
		size_t cap = x->rcap ? x->rcap : 1024;
		char *nb;

		while (cap < x->rlen + n + 1 && cap < SENDER_BODY_MAX)
			cap *= 2;
		nb = realloc(x->rbody, cap);
		if (!nb)
			return 0;
		x->rbody = nb;
		x->rcap = cap;
	}
	room = x->rcap - x->rlen - 1;
	if (n > room)
		n = room; /* cut, but keep reading */
	memcpy(x->rbody + x->rlen, ptr, n);
	x->rlen += n;
	x->rbody[x->rlen] = '\0';
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
	struct xfer *x = userdata;
	size_t n = size * nmemb;

	header_value(line, n, "x-amzn-errortype", x->error_type,
		     sizeof(x->error_type));
	header_value(line, n, "x-amzn-requestid", x->request_id,
		     sizeof(x->request_id));
	header_value(line, n, "content-type", x->content_type,
		     sizeof(x->content_type));
	header_value(line, n, "date", x->date, sizeof(x->date));
	header_value(line, n, "x-amz-retry-after", x->retry_after,
		     sizeof(x->retry_after));
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

static int append_header(struct curl_slist **list, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int append_header(struct curl_slist **list, const char *fmt, ...)
{
	char line[4096];
	struct curl_slist *n;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(line))
		return -ENOSPC;
	n = curl_slist_append(*list, line);
	OPENSSL_cleanse(line, sizeof(line));
	if (!n)
		return -ENOMEM;
	*list = n;
	return 0;
}

static CURL *easy_new(struct worker *w)
{
	const struct config *cfg = w->s->cfg;
	CURL *e = curl_easy_init();
	char ua[64];

	if (!e)
		return NULL;
	snprintf(ua, sizeof(ua), "optout-eraserd/%s", PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)cfg->http_connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->http_timeout_ms);
	if (cfg->aws_ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->aws_ca_file);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	return e;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy) {
		curl_multi_remove_handle(x->w->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	creds_unref(x->creds);
	free(x->rbody);
	free(x);
}

/* Signs and starts one attempt of @job.  Returns 0, or a negative errno
 * with job->res describing a local, final failure. */
static int start_attempt(struct worker *w, struct job *job, bool probe)
{
	struct sender *s = w->s;
	struct xfer *x = calloc(1, sizeof(*x));
	char host[512];
	struct sigv4_header sh[3];
	struct sigv4_request sreq;
	struct sigv4_credentials sc;
	struct sigv4_result sig = {0};
	const struct credentials *c;
	int blen, r;
	time_t when;

	api_result_done(&job->res);
	memset(&job->res, 0, sizeof(job->res));
	if (!x) {
		r = -ENOMEM;
		goto fail;
	}
	x->w = w;
	x->job = job;
	x->probe = probe;
	r = endpoint_url(&s->endpoint, job->region, x->url, sizeof(x->url));
	if (r == 0)
		r = endpoint_host(x->url, host, sizeof(host));
	blen = api_build_body(job->req.list, job->req.number, x->body,
			      sizeof(x->body));
	if (r < 0 || blen < 0) {
		r = -EINVAL;
		api_result_transport(&job->res, "ConfigurationError",
				     "the endpoint URL or body does not fit");
		goto fail_final;
	}
	x->creds = credprov_get(s->cred);
	c = &x->creds->c;
	sh[0] = (struct sigv4_header){"Host", host};
	sh[1] = (struct sigv4_header){"Content-Type", API_CONTENT_TYPE};
	sh[2] = (struct sigv4_header){"X-Amz-Target", API_TARGET};
	sreq = (struct sigv4_request){
		.method = "POST",
		.path = "/",
		.headers = sh,
		.nheaders = 3,
		.body = x->body,
		.body_len = (size_t)blen,
	};
	{
		const char *p = strstr(x->url, "://");

		p = p ? p + 3 + strcspn(p + 3, "/?#") : NULL;
		if (p && *p == '/')
			sreq.path = p;
	}
	sc = (struct sigv4_credentials){c->access_key_id, c->secret_access_key,
					c->session_token};
	when = time(NULL) + (time_t)atomic_load(&s->clock_offset_s);
	r = sigv4_sign(&sreq, &sc, job->region, API_SIGNING_NAME, when,
		       &w->keys, &sig);
	if (r < 0) {
		api_result_transport(&job->res, "SigningError",
				     "the request could not be signed");
		goto fail_final;
	}
	r = append_header(&x->headers, "Host: %s", host);
	if (!r)
		r = append_header(&x->headers, "X-Amz-Date: %s", sig.amz_date);
	if (!r)
		r = append_header(&x->headers, "Content-Type: %s",
				  API_CONTENT_TYPE);
	if (!r)
		r = append_header(&x->headers, "X-Amz-Target: %s", API_TARGET);
	if (!r)
		r = append_header(&x->headers, "Authorization: %s",
				  sig.authorization);
	if (!r && c->session_token)
		r = append_header(&x->headers, "X-Amz-Security-Token: %s",
				  c->session_token);
	if (!r)
		r = append_header(&x->headers, "Expect:");
	sigv4_result_done(&sig);
	if (r < 0)
		goto fail;
	x->easy = easy_new(w);
	if (!x->easy) {
		r = -ENOMEM;
		goto fail;
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE, (long)blen);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
		r = -ENOMEM;
		goto fail;
	}
	job->attempts++;
	job->xfer = x;
	x->started_ms = util_mono_ms();
	w->active++;
	return 0;
fail:
	api_result_done(&job->res);
	memset(&job->res, 0, sizeof(job->res));
	api_result_transport(&job->res, "OutOfMemory",
			     "out of memory starting the call");
fail_final:
	job->res.retry = API_RETRY_NONE;
	if (probe) {
		pthread_mutex_lock(&s->lock);
		breaker_abandoned(&s->breaker, job->region, &job->clock);
		pthread_mutex_unlock(&s->lock);
	}
	xfer_free(x);
	return r < 0 ? r : -EINVAL;
}

static void log_attempt(const struct job *job, const char *what, int prio)
{
	char masked[LOG_MASK_MAX], message[512], part[16], off[24], att[16],
		status[16];
	const struct api_result *res = &job->res;
	struct log_field f[] = {
		{"REQUEST_ID", job->req.request_id},
		{"PARTITION", part},
		{"OFFSET", off},
		{"ATTEMPT", att},
		{"HTTP_STATUS", status},
		{"ERROR_CODE", res->error_code},
		{"AWS_REQUEST_ID", res->aws_request_id},
	};

	snprintf(part, sizeof(part), "%d", (int)job->partition);
	snprintf(off, sizeof(off), "%" PRId64, job->offset);
	snprintf(att, sizeof(att), "%d", job->attempts);
	snprintf(status, sizeof(status), "%ld", res->http_status);
	log_fields(prio, f, sizeof(f) / sizeof(f[0]),
		   "%s: partition %d offset %" PRId64 " number %s attempt %d: "
		   "HTTP %ld %s%s%s",
		   what, (int)job->partition, job->offset,
		   log_mask_number(job->req.number, masked, sizeof(masked)),
		   job->attempts, res->http_status,
		   res->error_code ? res->error_code : "OK",
		   res->error_message ? ": " : "",
		   log_redact_number(res->error_message, job->req.number,
				     message, sizeof(message)));
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

/* AWS said the signature's time is off: when its Date says so, adopt the
 * offset.  Returns true when the offset changed (retry at once). */
static bool correct_clock(struct sender *s, const struct xfer *x)
{
	time_t server, local = time(NULL);
	long long skew, old;

	if (!x->date[0] || !clock_skew_code(x->job->res.error_code))
		return false;
	server = curl_getdate(x->date, NULL);
	if (server <= 0)
		return false;
	skew = (long long)(server - local);
	old = atomic_load(&s->clock_offset_s);
	if (llabs(skew - old) < SENDER_SKEW_S)
		return false;
	atomic_store(&s->clock_offset_s, skew);
	log_warning("clock skew: AWS's clock is %lld s %s ours; signing with "
		    "the corrected time",
		    llabs(skew), skew > 0 ? "ahead of" : "behind");
	return true;
}

/* What kind of answer an attempt got, for the failure rules. */
static enum breaker_answer answer_kind(const struct api_result *res)
{
	switch (res->retry) {
	case API_RETRY_NONE:
		return res->outcome == OUTCOME_DENIED ? BREAKER_DENIED
						      : BREAKER_OK;
	case API_RETRY_AUTH:
		return BREAKER_AUTH;
	case API_RETRY_THROTTLE:
		return BREAKER_BUSY;
	case API_RETRY_TRANSIENT:
		break;
	}
	/* No answer, or one that is not from AWS (a proxy's page). */
	if (res->http_status == 0 || res->foreign)
		return BREAKER_TRANSPORT;
	return BREAKER_BUSY;
}

/* Decides what happens to @job after the attempt in @x (breaker.c's
 * rules), under the lock.  Sets *ret_not_before_ms for a retry (0: a held
 * job keeps its place). */
static enum breaker_verdict judge(struct sender *s, struct xfer *x,
				  int64_t now, int64_t *ret_not_before_ms)
{
	struct job *job = x->job;
	struct api_result *res = &job->res;
	struct breaker_event ev = {
		.region = job->region,
		.list = job->req.list,
		.answer = answer_kind(res),
		.cls = res->retry,
		.code = res->error_code,
		.http_status = res->http_status,
		.foreign = res->foreign,
		.retry_after_ms = retry_after_parse(x->retry_after),
		.rnd = util_random(),
	};
	enum breaker_verdict v;

	pthread_mutex_lock(&s->lock);
	if (ev.answer == BREAKER_AUTH && correct_clock(s, x)) {
		/* Our clock, not the credentials: again at once. */
		breaker_abandoned(&s->breaker, job->region, &job->clock);
		*ret_not_before_ms = now;
		v = BREAKER_RETRY;
		goto out;
	}
	v = breaker_report(&s->breaker, &ev, &job->clock, now,
			   ret_not_before_ms);
	if (res->retry == API_RETRY_THROTTLE)
		ratelimit_throttled(bucket_locked(s, job->region), now);
	else
		ratelimit_succeeded(bucket_locked(s, job->region), now);
	if (ev.answer == BREAKER_AUTH)
		credprov_invalidate(s->cred, x->creds);
	log_news_locked(s);
out:
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void requeue(struct sender *s, struct job *job);

static void complete(struct worker *w, struct xfer *x, CURLcode rc)
{
	struct sender *s = w->s;
	struct job *job = x->job;
	struct api_http http = {0};
	long status = 0;
	int64_t now = util_mono_ms(), not_before = 0;
	enum breaker_verdict v;

	if (rc != CURLE_OK) {
		char msg[CURL_ERROR_SIZE + 64];

		snprintf(msg, sizeof(msg), "%s", curl_easy_strerror(rc));
		api_result_transport(&job->res, transport_code(rc), msg);
	} else {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		http.status = status;
		http.error_type = x->error_type[0] ? x->error_type : NULL;
		http.request_id = x->request_id[0] ? x->request_id : NULL;
		http.content_type = x->content_type[0] ? x->content_type : NULL;
		http.body = x->rbody ? x->rbody : "";
		http.body_len = x->rlen;
		if (api_parse_response(&http, &job->res) < 0) {
			api_result_done(&job->res);
			memset(&job->res, 0, sizeof(job->res));
			api_result_transport(&job->res, "OutOfMemory",
					     "out of memory reading the answer");
		}
	}
	job->xfer = NULL;
	atomic_fetch_sub(&w->active, 1);
	metrics_api_call(s->metrics, job->res.http_status, job->res.error_code,
			 (double)(now - x->started_ms) / 1000.0);
	if (job->res.retry == API_RETRY_THROTTLE)
		metrics_throttled(s->metrics);
	v = judge(s, x, now, &not_before);
	if (v == BREAKER_RETRY)
		metrics_retry(s->metrics,
			      job->res.retry == API_RETRY_THROTTLE ? "throttle"
			      : job->res.retry == API_RETRY_AUTH   ? "auth"
								   : "transient");
	xfer_free(x);
	switch (v) {
	case BREAKER_FINAL:
		log_attempt(job, job->res.retry != API_RETRY_NONE ? "giving up"
								: "answer",
			    job->res.retry != API_RETRY_NONE ? LOG_WARNING
							     : LOG_DEBUG);
		finish(s, job);
		break;
	case BREAKER_RETRY:
	case BREAKER_HOLD:
		log_attempt(job, v == BREAKER_RETRY ? "retrying" : "holding",
			    LOG_INFO);
		if (not_before)
			job->queue_key_ms = not_before;
		requeue(s, job);
		break;
	}
}

/* ------------------------------------------------------------------ worker */

static bool is_withdrawn(struct sender *s, const struct job *job)
{
	return atomic_load(&s->nwithdrawn) > 0 && job->partition >= 0 &&
	       job->partition < SENDER_PARTITIONS_MAX &&
	       atomic_load(&s->withdrawn[job->partition]);
}

static void give_back_locked(struct sender *s, struct job *job)
{
	job->given_back = true;
	finish_locked(s, job);
}

/* Fills @job's result with a local failure it cannot wait out. */
static void fail_local(struct job *job, const char *code, const char *message)
{
	api_result_done(&job->res);
	memset(&job->res, 0, sizeof(job->res));
	api_result_transport(&job->res, code, message);
	log_attempt(job, "giving up", LOG_WARNING);
}

static struct lane *lane_of_locked(struct sender *s, const char *region)
{
	struct lane *l;
	int i;

	for (i = 0; i < s->nlanes; i++)
		if (strcmp(s->lanes[i].region, region) == 0)
			return &s->lanes[i];
	if (s->nlanes == SENDER_REGIONS_MAX)
		return &s->lanes[SENDER_REGIONS_MAX - 1]; /* shared */
	l = &s->lanes[s->nlanes++];
	snprintf(l->region, sizeof(l->region), "%s", region);
	jobq_init(&l->q);
	return l;
}

/* Puts @job (new, or back from an attempt) in its region's queue; gives
 * it back instead when its partition was withdrawn or the pool stops.
 * Returns true when the job went to the done list instead. */
static bool queue_locked(struct sender *s, struct job *job)
{
	if (atomic_load(&s->stopping) || is_withdrawn(s, job)) {
		give_back_locked(s, job);
		return true;
	}
	if (jobq_push(&lane_of_locked(s, job->region)->q, job) < 0) {
		fail_local(job, "OutOfMemory", "out of memory queueing the call");
		finish_locked(s, job);
		return true;
	}
	return false;
}

static void requeue(struct sender *s, struct job *job)
{
	bool finished;

	pthread_mutex_lock(&s->lock);
	finished = queue_locked(s, job);
	pthread_mutex_unlock(&s->lock);
	if (finished)
		wake_main(s);
}

/* Ends @job, when it expired in a held region, with that region's fault. */
static void expire_locked(struct sender *s, struct job *job)
{
	const char *code, *reason;

	breaker_region_fault(&s->breaker, job->region, &code, &reason);
	if (job->attempts == 0)
		fail_local(job, code, reason);
	else
		log_attempt(job, "giving up", LOG_WARNING);
	finish_locked(s, job);
}

struct start {
	struct job *job;
	bool probe;
};

/* Takes from the head of @l the jobs that may start now (at most @room),
 * into @out; returns how many; lowers *next to when the head may. */
static int take_ready_locked(struct sender *s, struct lane *l, int64_t now,
			     struct start *out, int room, int64_t *next,
			     bool *finished)
{
	struct job *job;
	int n = 0;

	while (n < room && (job = jobq_peek(&l->q))) {
		enum breaker_admit a;
		int64_t wait = 0;
		bool probe = false;

		if (job->queue_key_ms > now) {
			if (job->queue_key_ms < *next)
				*next = job->queue_key_ms;
			break;
		}
		if (is_withdrawn(s, job)) {
			give_back_locked(s, jobq_pop(&l->q));
			*finished = true;
			continue;
		}
		a = breaker_admit(&s->breaker, l->region, &job->clock, now,
				  &probe, &wait);
		if (a == BREAKER_GO) {
			wait = ratelimit_take(bucket_locked(s, l->region), now);
			if (wait > 0)
				a = BREAKER_WAIT;
		}
		if (a == BREAKER_WAIT) {
			if (now + wait < *next)
				*next = now + wait;
			break;
		}
		jobq_pop(&l->q);
		if (a == BREAKER_EXPIRED) {
			expire_locked(s, job);
			*finished = true;
			continue;
		}
		breaker_started(&s->breaker, l->region, &job->clock, probe,
				now);
		out[n].job = job;
		out[n].probe = probe;
		n++;
	}
	return n;
}

/* Starts every job that may start, oldest first in each region, as far as
 * this worker has room; returns when the next one may (monotonic ms). */
static int64_t start_ready(struct worker *w, int64_t now)
{
	struct sender *s = w->s;
	int64_t next = now + SENDER_POLL_MAX_MS;
	struct start todo[64];
	bool finished = false;
	int room, n = 0, i;

	room = w->max_active - atomic_load(&w->active);
	if (room > (int)(sizeof(todo) / sizeof(todo[0])))
		room = (int)(sizeof(todo) / sizeof(todo[0]));
	if (room <= 0)
		return next;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nlanes && n < room; i++)
		n += take_ready_locked(s, &s->lanes[i], now, todo + n,
				       room - n, &next, &finished);
	pthread_mutex_unlock(&s->lock);
	if (finished)
		wake_main(s);
	for (i = 0; i < n; i++) {
		if (start_attempt(w, todo[i].job, todo[i].probe) < 0) {
			log_attempt(todo[i].job, "cannot send", LOG_ERR);
			finish(s, todo[i].job);
		}
	}
	/* More may be ready than there was room for: come back at once. */
	if (n == room)
		next = now;
	return next;
}

/* Test-only fault hook for the watchdog test: OPTOUT_TEST_HANG_WORKER=N
 * makes worker 0 hang for good N seconds after it started.  Read once. */
static void maybe_hang(struct worker *w, int64_t started_ms, long hang_after)
{
	if (w->id != 0 || hang_after < 0 ||
	    util_mono_ms() - started_ms < hang_after * 1000)
		return;
	log_warning("OPTOUT_TEST_HANG_WORKER: worker 0 hangs now (test)");
	for (;;)
		pause();
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sender *s = w->s;
	int64_t started_ms = util_mono_ms();
	const char *hang = getenv("OPTOUT_TEST_HANG_WORKER");
	long hang_after = hang ? strtol(hang, NULL, 10) : -1;

	for (;;) {
		CURLMsg *msg;
		int running = 0, left, timeout;
		int64_t now, next_ms;
		bool stopping;

		atomic_store(&w->heartbeat_ms, util_mono_ms());
		maybe_hang(w, started_ms, hang_after);
		stopping = atomic_load(&s->stopping);
		if (stopping && atomic_load(&w->active) == 0)
			break;
		now = util_mono_ms();
		next_ms = stopping ? now + 100 : start_ready(w, now);

		curl_multi_perform(w->multi, &running);
		while ((msg = curl_multi_info_read(w->multi, &left))) {
			struct xfer *x = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&x);
			complete(w, x, msg->data.result);
			next_ms = now; /* a retry may be due at once */
		}
		now = util_mono_ms();
		timeout = next_ms <= now ? 0 : (int)(next_ms - now);
		if (timeout > SENDER_POLL_MAX_MS)
			timeout = SENDER_POLL_MAX_MS;
		curl_multi_poll(w->multi, NULL, 0, timeout, NULL);
	}
	return NULL;
}

static int worker_init(struct worker *w, struct sender *s, int id)
{
	w->s = s;
	w->id = id;
	w->max_active = ((int)s->cfg->http_max_connections + s->nworkers - 1) /
			s->nworkers;
	atomic_store(&w->heartbeat_ms, util_mono_ms());
	w->multi = curl_multi_init();
	if (!w->multi)
		return -ENOMEM;
	/* Connections are kept per multi handle and reused by every call. */
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->max_active);
	return 0;
}

static void worker_done(struct worker *w)
{
	if (w->multi)
		curl_multi_cleanup(w->multi);
	sigv4_key_cache_done(&w->keys);
}

static bool take_given_back(const struct job *job, void *opaque)
{
	struct sender *s = opaque;

	return atomic_load(&s->stopping) || is_withdrawn(s, job);
}

/* Gives back every queued job of a withdrawn partition (all of them when
 * stopping); calls on the wire finish. */
static void give_back_queued(struct sender *s)
{
	struct job *job, *next;
	int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nlanes; i++)
		for (job = jobq_extract(&s->lanes[i].q, take_given_back, s);
		     job; job = next) {
			next = job->next;
			give_back_locked(s, job);
		}
	pthread_mutex_unlock(&s->lock);
	wake_main(s);
}

/* ------------------------------------------------------------- public API */

struct sender *sender_new(const struct config *cfg, struct credprov *cred,
			  struct metrics *metrics, int wake_fd, char *errbuf,
			  size_t errlen)
{
	struct sender *s = calloc(1, sizeof(*s));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int i, r, n;

	if (!s) {
		snprintf(errbuf, errlen, "sender: out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->cred = cred;
	s->metrics = metrics;
	s->wake_fd = wake_fd;
	breaker_init(&s->breaker,
		     &(struct retry_policy){cfg->retry_base_ms, cfg->retry_cap_ms,
					    cfg->retry_max_attempts,
					    cfg->retry_max_seconds},
		     cfg->retry_budget);
	s->endpoint = (struct endpoint_opts){cfg->aws_endpoint,
					     cfg->aws_use_fips_endpoint,
					     cfg->aws_use_dualstack_endpoint};
	s->rate_limit = cfg->aws_rate_limit;
	s->rate_adaptive = cfg->aws_rate_adaptive;
	pthread_mutex_init(&s->lock, NULL);
	n = cfg->sender_workers ? (int)cfg->sender_workers
				: (int)(cores > 0 ? cores : 1);
	s->workers = calloc((size_t)n, sizeof(*s->workers));
	if (!s->workers) {
		snprintf(errbuf, errlen, "sender: out of memory");
		goto fail;
	}
	s->nworkers = n;
	for (i = 0; i < n; i++) {
		r = worker_init(&s->workers[i], s, i);
		if (r == 0)
			r = -pthread_create(&s->workers[i].thread, NULL,
					    worker_main, &s->workers[i]);
		if (r < 0) {
			snprintf(errbuf, errlen,
				 "sender: cannot start worker %d: %s", i,
				 strerror(-r));
			goto fail;
		}
		s->workers[i].started = true;
	}
	return s;
fail:
	sender_free(s);
	return NULL;
}

void sender_submit(struct sender *s, struct job *job)
{
	struct worker *w = &s->workers[0];
	bool finished;
	int i;

	job->next = NULL;
	/* Its place: when its record was read, then the order it came in. */
	job->queue_key_ms = job->consumed_ms;
	job->seq = s->next_seq++;
	breaker_clock_submitted(&job->clock, util_mono_ms());
	atomic_fetch_add(&s->inflight, 1);
	pthread_mutex_lock(&s->lock);
	finished = queue_locked(s, job);
	pthread_mutex_unlock(&s->lock);
	if (finished)
		wake_main(s);
	/* The least busy worker looks first; any free one may start it. */
	for (i = 1; i < s->nworkers; i++)
		if (atomic_load(&s->workers[i].active) < atomic_load(&w->active))
			w = &s->workers[i];
	curl_multi_wakeup(w->multi);
}

struct job *sender_take_done(struct sender *s)
{
	struct job *list, *j;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	list = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	for (j = list; j; j = j->next)
		n++;
	atomic_fetch_sub(&s->inflight, n);
	return list;
}

size_t sender_inflight(const struct sender *s)
{
	return atomic_load(&s->inflight);
}

bool sender_paused(struct sender *s, char *reason, size_t len)
{
	bool paused;

	pthread_mutex_lock(&s->lock);
	paused = breaker_paused(&s->breaker, reason, len);
	pthread_mutex_unlock(&s->lock);
	return paused;
}

bool sender_consumption_held(struct sender *s)
{
	bool held;

	pthread_mutex_lock(&s->lock);
	held = breaker_holds_consumption(&s->breaker);
	pthread_mutex_unlock(&s->lock);
	return held;
}

void sender_withdraw(struct sender *s, int partition)
{
	if (partition < 0 || partition >= SENDER_PARTITIONS_MAX ||
	    atomic_exchange(&s->withdrawn[partition], true))
		return;
	atomic_fetch_add(&s->nwithdrawn, 1);
	give_back_queued(s);
}

void sender_readmit(struct sender *s, int partition)
{
	if (partition < 0 || partition >= SENDER_PARTITIONS_MAX ||
	    !atomic_exchange(&s->withdrawn[partition], false))
		return;
	atomic_fetch_sub(&s->nwithdrawn, 1);
}

bool sender_healthy(struct sender *s, int64_t max_age_ms)
{
	int64_t now = util_mono_ms();
	int i;

	for (i = 0; i < s->nworkers; i++)
		if (now - atomic_load(&s->workers[i].heartbeat_ms) > max_age_ms)
			return false;
	return true;
}

void sender_reconfigure(struct sender *s, const struct config *cfg)
{
	int64_t now = util_mono_ms();
	size_t i;

	pthread_mutex_lock(&s->lock);
	s->rate_limit = cfg->aws_rate_limit;
	s->rate_adaptive = cfg->aws_rate_adaptive;
	breaker_reconfigure(&s->breaker,
			    &(struct retry_policy){cfg->retry_base_ms,
						   cfg->retry_cap_ms,
						   cfg->retry_max_attempts,
						   cfg->retry_max_seconds},
			    cfg->retry_budget);
	for (i = 0; i < s->nbuckets; i++) {
		ratelimit_set_max(&s->buckets[i].rl, cfg->aws_rate_limit, now);
		ratelimit_set_adaptive(&s->buckets[i].rl,
				       cfg->aws_rate_adaptive);
	}
	pthread_mutex_unlock(&s->lock);
}

int sender_held_regions(struct sender *s, char *buf, size_t len)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = breaker_held_regions(&s->breaker, buf, len);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void sender_foreach_region(struct sender *s,
			   void (*fn)(const char *region, double rate,
				      void *opaque),
			   void *opaque)
{
	struct region_bucket copy[SENDER_REGIONS_MAX];
	double rates[SENDER_REGIONS_MAX];
	size_t i, n;

	pthread_mutex_lock(&s->lock);
	n = s->nbuckets;
	for (i = 0; i < n; i++) {
		copy[i] = s->buckets[i];
		rates[i] = ratelimit_current(&s->buckets[i].rl);
	}
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++)
		fn(copy[i].region, rates[i], opaque);
}

int sender_workers(const struct sender *s)
{
	return s->nworkers;
}

void sender_stop(struct sender *s)
{
	int i;

	atomic_store(&s->stopping, true);
	give_back_queued(s);
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].multi)
			curl_multi_wakeup(s->workers[i].multi);
}

void sender_free(struct sender *s)
{
	struct job *j, *n;
	int i;

	if (!s)
		return;
	sender_stop(s);
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	for (i = 0; i < s->nworkers; i++)
		worker_done(&s->workers[i]);
	for (i = 0; i < s->nlanes; i++) {
		while ((j = jobq_pop(&s->lanes[i].q)))
			job_free(j);
		jobq_done(&s->lanes[i].q);
	}
	for (j = s->done_head; j; j = n) {
		n = j->next;
		job_free(j);
	}
	free(s->workers);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
