/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender.c - the signer/sender worker pool.
 *
 * Each worker thread owns a libcurl multi handle (its connection cache
 * keeps HTTPS connections alive between calls), an inbox filled by
 * sender_submit(), and a private list of jobs waiting to start an attempt
 * (new, backing off, paced or held by a pause).  A job is on the wire as one
 * `struct xfer`; its answer decides: final (outcome), retry later, or hold.
 *
 * Shared state, all under the pool's one mutex: the done list, the per-region
 * token buckets, the retry budget and the pause ("systemic failure") state.
 * The lock is never held across curl or signing work.
 *
 * Pause rules (a pause holds requests instead of failing them):
 *  - an authentication answer that is not clock skew: "credentials rejected";
 *  - SENDER_TRANSPORT_PAUSE transport failures in a row with no answer in
 *    between: "endpoint unreachable";
 *  - the retry budget cannot pay for a retry: "retry budget exhausted";
 *  - AccessDeniedException SENDER_DENIED_STREAK times in a row, for at least
 *    two lists, with no other answer in between: "access denied for every
 *    request".  A request denied on its own is retried until
 *    SENDER_DENIED_ATTEMPTS denials before it ends "denied", so that a
 *    denial of everything is recognised before anything is concluded.
 * While paused one probe at a time is sent, with backoff from 1 s to
 * SENDER_PROBE_MAX_MS; a final answer to a probe lifts the pause.
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
#include "config.h"
#include "credprov.h"
#include "endpoint.h"
#include "job.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "retry.h"
#include "sigv4.h"
#include "util.h"

#define SENDER_BODY_MAX (1024 * 1024) /* larger answers are cut */
#define SENDER_REGIONS_MAX 64
#define SENDER_TRANSPORT_PAUSE 5   /* transport failures in a row */
#define SENDER_PROBE_MIN_MS 1000
#define SENDER_PROBE_MAX_MS 30000
#define SENDER_DENIED_STREAK 4     /* denials in a row, 2+ lists: pause */
#define SENDER_DENIED_ATTEMPTS 3   /* denials of one job before "denied" */
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

struct worker {
	struct sender *s;
	pthread_t thread;
	int id;
	CURLM *multi;
	pthread_mutex_t lock; /* inbox only */
	struct job *inbox_head, *inbox_tail;
	atomic_int load; /* jobs held by this worker */
	/* Worker-private. */
	struct job *waiting; /* jobs waiting to start an attempt */
	int active;          /* transfers on the wire */
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
	struct retry_policy policy;
	double rate_limit;
	bool rate_adaptive;
	unsigned budget_capacity;

	pthread_mutex_t lock;
	struct job *done_head, *done_tail;
	struct region_bucket buckets[SENDER_REGIONS_MAX];
	size_t nbuckets;
	struct retry_budget budget;
	bool paused;
	char pause_reason[192];
	bool probe_busy;
	int64_t next_probe_ms;
	int64_t probe_backoff_ms;
	int transport_failures;
	char denied_list[2][REQUEST_LIST_MAX + 1];
	int ndenied;
	int denied_streak;

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

static void pause_locked(struct sender *s, int64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pause_locked(struct sender *s, int64_t now, const char *fmt, ...)
{
	va_list ap;

	if (s->paused)
		return;
	va_start(ap, fmt);
	vsnprintf(s->pause_reason, sizeof(s->pause_reason), fmt, ap);
	va_end(ap);
	s->paused = true;
	s->probe_busy = false;
	s->probe_backoff_ms = SENDER_PROBE_MIN_MS;
	s->next_probe_ms = now + s->probe_backoff_ms;
	log_warning("pipeline paused: %s; probing every %d s at most",
		    s->pause_reason, SENDER_PROBE_MAX_MS / 1000);
	wake_main(s);
}

static void resume_locked(struct sender *s)
{
	if (!s->paused)
		return;
	log_notice("pipeline resumed: %s has cleared", s->pause_reason);
	s->paused = false;
	s->probe_busy = false;
	s->pause_reason[0] = '\0';
	s->transport_failures = 0;
	s->ndenied = 0;
	s->denied_streak = 0;
	retry_budget_init(&s->budget, s->budget_capacity);
	wake_main(s);
}

/* The probe met the fault again: wait twice as long for the next one. */
static void probe_failed_locked(struct sender *s, int64_t now)
{
	s->probe_backoff_ms *= 2;
	if (s->probe_backoff_ms > SENDER_PROBE_MAX_MS)
		s->probe_backoff_ms = SENDER_PROBE_MAX_MS;
	s->next_probe_ms = now + s->probe_backoff_ms;
}

enum admit { ADMIT_GO, ADMIT_WAIT };

/* May @job start an attempt now?  Takes a pacing token (and the probe slot
 * while paused).  On ADMIT_WAIT *ret_wait_ms says how long to wait. */
static enum admit admit(struct sender *s, struct job *job, int64_t now,
			bool *ret_probe, int64_t *ret_wait_ms)
{
	enum admit a = ADMIT_GO;
	bool probe = false;
	int64_t wait;

	pthread_mutex_lock(&s->lock);
	if (s->paused) {
		if (s->probe_busy || now < s->next_probe_ms) {
			*ret_wait_ms = s->probe_busy ? 200
						     : s->next_probe_ms - now;
			a = ADMIT_WAIT;
			goto out;
		}
		probe = true;
	}
	wait = ratelimit_take(bucket_locked(s, job->region), now);
	if (wait > 0) {
		*ret_wait_ms = wait;
		a = ADMIT_WAIT;
		goto out;
	}
	if (probe)
		s->probe_busy = true;
	*ret_probe = probe;
out:
	pthread_mutex_unlock(&s->lock);
	return a;
}

static void finish(struct sender *s, struct job *job)
{
	job->completed_at_ms = util_wall_ms();
	job->next = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->done_tail)
		s->done_tail->next = job;
	else
		s->done_head = job;
	s->done_tail = job;
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

static bool is_timeout_code(const char *code)
{
	return code && (strcmp(code, "Timeout") == 0 ||
			strcmp(code, "ConnectionError") == 0 ||
			strcmp(code, "ConnectionReset") == 0 ||
			strcmp(code, "DnsError") == 0 ||
			strcmp(code, "TlsError") == 0 ||
			strcmp(code, "TransportError") == 0);
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
		s->probe_busy = false;
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

enum verdict { V_FINAL, V_RETRY, V_HOLD };

/* Decides what happens to @job after the attempt in @x, updating the
 * shared state.  Sets job->not_before_ms for V_RETRY/V_HOLD. */
static enum verdict judge(struct sender *s, struct xfer *x, int64_t now)
{
	struct job *job = x->job;
	struct api_result *res = &job->res;
	enum verdict v = V_FINAL;
	bool transport = res->http_status == 0 && is_timeout_code(res->error_code);
	int64_t delay;
	unsigned cost;

	pthread_mutex_lock(&s->lock);
	if (x->probe)
		s->probe_busy = false;
	if (res->retry == API_RETRY_AUTH && correct_clock(s, x)) {
		job->not_before_ms = now;
		v = V_RETRY;
		goto out;
	}
	/* A region nobody resolves (an ARN naming a made-up region) is the
	 * request's fault, not the endpoint's. */
	if (transport && strcmp(res->error_code, "DnsError") == 0 &&
	    strcmp(job->region, s->cfg->aws_region) != 0 &&
	    !s->cfg->aws_endpoint)
		goto out;

	if (res->retry == API_RETRY_NONE && res->outcome == OUTCOME_DENIED) {
		int i, known = 0;

		/* Denials since the last answer that was not one: several
		 * lists denied and nothing allowed in between is the
		 * credentials' fault, not the lists'. */
		s->denied_streak++;
		for (i = 0; i < s->ndenied; i++)
			known |= strcmp(s->denied_list[i], job->req.list) == 0;
		if (!known && s->ndenied < 2)
			snprintf(s->denied_list[s->ndenied++],
				 sizeof(s->denied_list[0]), "%s",
				 job->req.list);
		if (s->ndenied >= 2 &&
		    s->denied_streak >= SENDER_DENIED_STREAK)
			pause_locked(s, now,
				     "access denied for every request "
				     "(AccessDeniedException for lists %s, "
				     "%s and more, nothing allowed since)",
				     s->denied_list[0], s->denied_list[1]);
		if (x->probe && s->paused)
			probe_failed_locked(s, now);
		if (s->paused || job->attempts < SENDER_DENIED_ATTEMPTS) {
			/* Not yet known to be this request's own fault. */
			v = V_HOLD;
			job->not_before_ms =
				now + (s->paused ? 100 : SENDER_PROBE_MIN_MS);
			if (s->paused)
				job->deadline_ms =
					now +
					(int64_t)s->policy.max_seconds * 1000;
		}
		goto out;
	}
	if (res->retry == API_RETRY_NONE) {
		/* An answer: the service works for us. */
		s->transport_failures = 0;
		s->ndenied = 0;
		s->denied_streak = 0;
		retry_budget_refund(&s->budget, job->budget_taken);
		ratelimit_succeeded(bucket_locked(s, job->region), now);
		resume_locked(s);
		goto out;
	}

	/* Retryable. */
	if (res->retry == API_RETRY_THROTTLE)
		ratelimit_throttled(bucket_locked(s, job->region), now);
	else
		ratelimit_succeeded(bucket_locked(s, job->region), now);
	if (res->retry == API_RETRY_AUTH) {
		credprov_invalidate(s->cred, x->creds);
		pause_locked(s, now, "credentials rejected: %s",
			     res->error_code ? res->error_code : "?");
	} else if (transport) {
		if (++s->transport_failures >= SENDER_TRANSPORT_PAUSE)
			pause_locked(s, now, "endpoint unreachable: %s: %.100s",
				     res->error_code,
				     res->error_message ? res->error_message
							: "");
	} else {
		s->transport_failures = 0;
	}
	if (!s->paused) {
		cost = retry_budget_take(&s->budget, transport);
		if (cost == 0)
			pause_locked(s, now,
				     "retry budget exhausted (AWS keeps "
				     "failing: %s)",
				     res->error_code ? res->error_code : "?");
		else
			job->budget_taken = cost; /* the last retry's cost */
	}
	if (s->paused) {
		/* Held: the outage does not use up the request's time. */
		if (x->probe)
			probe_failed_locked(s, now);
		job->deadline_ms = now + (int64_t)s->policy.max_seconds * 1000;
		job->not_before_ms = now + 100;
		v = V_HOLD;
		goto out;
	}
	delay = retry_backoff_ms(&s->policy, job->attempts, res->retry,
				 retry_after_parse(x->retry_after),
				 util_random());
	if (retry_allowed(&s->policy, job->attempts,
			  now - (job->deadline_ms -
				 (int64_t)s->policy.max_seconds * 1000),
			  delay)) {
		job->not_before_ms = now + delay;
		v = V_RETRY;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void complete(struct worker *w, struct xfer *x, CURLcode rc)
{
	struct sender *s = w->s;
	struct job *job = x->job;
	struct api_http http = {0};
	long status = 0;
	int64_t now = util_mono_ms();
	enum verdict v;

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
	w->active--;
	metrics_api_call(s->metrics, job->res.http_status, job->res.error_code,
			 (double)(now - x->started_ms) / 1000.0);
	if (job->res.retry == API_RETRY_THROTTLE)
		metrics_throttled(s->metrics);
	v = judge(s, x, now);
	if (v == V_RETRY)
		metrics_retry(s->metrics,
			      job->res.retry == API_RETRY_THROTTLE ? "throttle"
			      : job->res.retry == API_RETRY_AUTH   ? "auth"
								   : "transient");
	xfer_free(x);
	switch (v) {
	case V_FINAL:
		log_attempt(job, job->res.retry != API_RETRY_NONE ? "giving up"
								: "answer",
			    job->res.retry != API_RETRY_NONE ? LOG_WARNING
							     : LOG_DEBUG);
		atomic_fetch_sub(&w->load, 1);
		finish(s, job);
		break;
	case V_RETRY:
	case V_HOLD:
		log_attempt(job, v == V_RETRY ? "retrying" : "holding",
			    LOG_INFO);
		job->next = w->waiting;
		w->waiting = job;
		break;
	}
}

/* ------------------------------------------------------------------ worker */

static void give_back(struct worker *w, struct job *job)
{
	job->given_back = true;
	atomic_fetch_sub(&w->load, 1);
	finish(w->s, job);
}

/* Starts every waiting job that may start; returns the time (monotonic ms)
 * at which the next one may. */
static int64_t start_ready(struct worker *w, int64_t now)
{
	struct sender *s = w->s;
	struct job **jp = &w->waiting, *job;
	int64_t next = now + SENDER_POLL_MAX_MS;

	while (*jp && w->active < w->max_active) {
		int64_t wait = 0;
		bool probe = false;

		job = *jp;
		if (job->not_before_ms > now) {
			if (job->not_before_ms < next)
				next = job->not_before_ms;
			jp = &job->next;
			continue;
		}
		if (admit(s, job, now, &probe, &wait) == ADMIT_WAIT) {
			job->not_before_ms = now + wait;
			if (job->not_before_ms < next)
				next = job->not_before_ms;
			jp = &job->next;
			continue;
		}
		*jp = job->next;
		job->next = NULL;
		if (job->attempts == 0) {
			pthread_mutex_lock(&s->lock);
			job->deadline_ms =
				now + (int64_t)s->policy.max_seconds * 1000;
			pthread_mutex_unlock(&s->lock);
		}
		if (start_attempt(w, job, probe) < 0) {
			log_attempt(job, "cannot send", LOG_ERR);
			atomic_fetch_sub(&w->load, 1);
			finish(s, job);
		}
	}
	return next;
}

static bool is_withdrawn(struct sender *s, const struct job *job)
{
	return atomic_load(&s->nwithdrawn) > 0 && job->partition >= 0 &&
	       job->partition < SENDER_PARTITIONS_MAX &&
	       atomic_load(&s->withdrawn[job->partition]);
}

/* Gives back the waiting jobs of withdrawn partitions. */
static void give_back_withdrawn(struct worker *w)
{
	struct job **jp = &w->waiting, *job;

	if (atomic_load(&w->s->nwithdrawn) == 0)
		return;
	while (*jp) {
		job = *jp;
		if (!is_withdrawn(w->s, job)) {
			jp = &job->next;
			continue;
		}
		*jp = job->next;
		give_back(w, job);
	}
}

/* Test-only fault hook for the watchdog test: OPTOUT_TEST_HANG_WORKER=N
 * makes worker 0 hang for good N seconds after it started. */
static void maybe_hang(struct worker *w, int64_t started_ms)
{
	static const char *hang;
	long after;

	if (w->id != 0)
		return;
	hang = getenv("OPTOUT_TEST_HANG_WORKER");
	if (!hang)
		return;
	after = strtol(hang, NULL, 10);
	if (util_mono_ms() - started_ms < after * 1000)
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

	for (;;) {
		struct job *in, *job, *next;
		CURLMsg *msg;
		int running = 0, left, timeout;
		int64_t now, next_ms;
		bool stopping;

		atomic_store(&w->heartbeat_ms, util_mono_ms());
		maybe_hang(w, started_ms);
		pthread_mutex_lock(&w->lock);
		in = w->inbox_head;
		w->inbox_head = w->inbox_tail = NULL;
		pthread_mutex_unlock(&w->lock);
		for (job = in; job; job = next) {
			next = job->next;
			job->next = w->waiting;
			w->waiting = job;
		}
		stopping = atomic_load(&s->stopping);
		give_back_withdrawn(w);
		if (stopping) {
			for (job = w->waiting; job; job = next) {
				next = job->next;
				give_back(w, job);
			}
			w->waiting = NULL;
			if (w->active == 0)
				break;
		}
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
	pthread_mutex_init(&w->lock, NULL);
	w->multi = curl_multi_init();
	if (!w->multi)
		return -ENOMEM;
	/* Connections are kept per multi handle and reused by every call. */
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->max_active);
	return 0;
}

static void worker_done(struct worker *w)
{
	struct job *job, *next;

	for (job = w->waiting; job; job = next) {
		next = job->next;
		job_free(job);
	}
	for (job = w->inbox_head; job; job = next) {
		next = job->next;
		job_free(job);
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
	sigv4_key_cache_done(&w->keys);
	pthread_mutex_destroy(&w->lock);
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
	s->policy = (struct retry_policy){cfg->retry_base_ms, cfg->retry_cap_ms,
					  cfg->retry_max_attempts,
					  cfg->retry_max_seconds};
	s->endpoint = (struct endpoint_opts){cfg->aws_endpoint,
					     cfg->aws_use_fips_endpoint,
					     cfg->aws_use_dualstack_endpoint};
	s->rate_limit = cfg->aws_rate_limit;
	s->rate_adaptive = cfg->aws_rate_adaptive;
	s->budget_capacity = cfg->retry_budget;
	retry_budget_init(&s->budget, cfg->retry_budget);
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
	int i;

	/* The least loaded worker gets it. */
	for (i = 1; i < s->nworkers; i++)
		if (atomic_load(&s->workers[i].load) < atomic_load(&w->load))
			w = &s->workers[i];
	job->next = NULL;
	job->not_before_ms = 0;
	atomic_fetch_add(&s->inflight, 1);
	atomic_fetch_add(&w->load, 1);
	pthread_mutex_lock(&w->lock);
	if (w->inbox_tail)
		w->inbox_tail->next = job;
	else
		w->inbox_head = job;
	w->inbox_tail = job;
	pthread_mutex_unlock(&w->lock);
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
	paused = s->paused;
	if (paused && len)
		snprintf(reason, len, "%s", s->pause_reason);
	pthread_mutex_unlock(&s->lock);
	return paused;
}

void sender_withdraw(struct sender *s, int partition)
{
	int i;

	if (partition < 0 || partition >= SENDER_PARTITIONS_MAX ||
	    atomic_exchange(&s->withdrawn[partition], true))
		return;
	atomic_fetch_add(&s->nwithdrawn, 1);
	for (i = 0; i < s->nworkers; i++)
		curl_multi_wakeup(s->workers[i].multi);
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
	s->budget_capacity = cfg->retry_budget;
	s->policy = (struct retry_policy){cfg->retry_base_ms, cfg->retry_cap_ms,
					  cfg->retry_max_attempts,
					  cfg->retry_max_seconds};
	s->budget.capacity = cfg->retry_budget;
	if (s->budget.tokens > cfg->retry_budget && cfg->retry_budget)
		s->budget.tokens = cfg->retry_budget;
	for (i = 0; i < s->nbuckets; i++) {
		ratelimit_set_max(&s->buckets[i].rl, cfg->aws_rate_limit, now);
		ratelimit_set_adaptive(&s->buckets[i].rl,
				       cfg->aws_rate_adaptive);
	}
	pthread_mutex_unlock(&s->lock);
}

double sender_rate(struct sender *s, const char *region)
{
	double rate = -1;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nbuckets; i++)
		if (strcmp(s->buckets[i].region, region) == 0)
			rate = ratelimit_current(&s->buckets[i].rl);
	pthread_mutex_unlock(&s->lock);
	return rate;
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
	for (j = s->done_head; j; j = n) {
		n = j->next;
		job_free(j);
	}
	free(s->workers);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
