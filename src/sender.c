/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender.c - the signer/sender worker pool.
 *
 * One mutex guards the pool's queues (todo, done) and the per-region token
 * buckets; one condition variable (on CLOCK_MONOTONIC) wakes workers for new
 * jobs, for stop, and ends their interruptible sleeps (backoff, pacing).
 * A worker holds its job without the lock while it signs and sends, so the
 * lock is only held for queue operations.
 *
 * Each worker owns a libcurl easy handle, reused for every call so that the
 * HTTPS connection stays open (keep-alive), and a SigV4 key cache.
 */
#include "autoconf.h" /* PACKAGE_VERSION */
#include "sender.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
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
#include "credentials.h"
#include "job.h"
#include "log.h"
#include "ratelimit.h"
#include "sigv4.h"
#include "util.h"

#define SENDER_BODY_MAX (1024 * 1024) /* larger answers are cut */
#define SENDER_REGIONS_MAX 64

struct region_bucket {
	char region[API_REGION_MAX];
	struct ratelimit rl;
};

struct worker {
	struct sender *s;
	pthread_t thread;
	int id;
	CURL *curl;
	struct sigv4_key_cache keys;
	/* Per-attempt capture of the answer. */
	char *body;
	size_t body_len, body_cap;
	char error_type[256];
	char request_id[128];
	char content_type[128];
};

struct sender {
	const struct config *cfg;
	const struct credentials *cred;
	int wake_fd;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *todo_head, *todo_tail;
	struct job *done_head, *done_tail;
	bool stopping;
	struct region_bucket buckets[SENDER_REGIONS_MAX];
	size_t nbuckets;

	atomic_size_t inflight;
	struct worker *workers;
	int nworkers;
};

int sender_endpoint_url(const char *endpoint, const char *region, char *buf,
			size_t len)
{
	const char *p;
	int n;

	if (!endpoint) {
		n = snprintf(buf, len, "https://sms-voice.%s.amazonaws.com/",
			     region);
		return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
	}
	p = strstr(endpoint, "{region}");
	if (!p)
		n = snprintf(buf, len, "%s", endpoint);
	else
		n = snprintf(buf, len, "%.*s%s%s", (int)(p - endpoint),
			     endpoint, region, p + strlen("{region}"));
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* host[:port] of @url, which starts with a scheme. */
static int url_host(const char *url, char *buf, size_t len)
{
	const char *h = strstr(url, "://"), *e;

	if (!h)
		return -EINVAL;
	h += 3;
	e = h + strcspn(h, "/?#");
	if (e == h || (size_t)(e - h) >= len)
		return -EINVAL;
	memcpy(buf, h, (size_t)(e - h));
	buf[e - h] = '\0';
	return 0;
}

/* URL path (at least "/") of @url. */
static const char *url_path(const char *url)
{
	const char *h = strstr(url, "://"), *p;

	if (!h)
		return "/";
	p = h + 3 + strcspn(h + 3, "/?#");
	return *p == '/' ? p : "/";
}

/* Waits until @deadline_ms (monotonic) or stop.  Lock held.  Returns true
 * when stopping. */
static bool sleep_until_locked(struct sender *s, int64_t deadline_ms)
{
	while (!s->stopping) {
		int64_t now = util_mono_ms();
		struct timespec ts;

		if (now >= deadline_ms)
			break;
		ts.tv_sec = deadline_ms / 1000;
		ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000;
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	return s->stopping;
}

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
	ratelimit_init(&s->buckets[i].rl, s->cfg->aws_rate_limit,
		       util_mono_ms());
	return &s->buckets[i].rl;
}

/* Waits for a call token of @region.  Returns false when stopping. */
static bool pace(struct sender *s, const char *region)
{
	bool ok = true;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct ratelimit *rl = bucket_locked(s, region);
		int64_t wait = ratelimit_take(rl, util_mono_ms());

		if (s->stopping) {
			ok = false;
			break;
		}
		if (wait == 0)
			break;
		if (sleep_until_locked(s, util_mono_ms() + wait)) {
			ok = false;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct worker *w = userdata;
	size_t n = size * nmemb, room;

	if (w->body_len + n + 1 > w->body_cap && w->body_cap < SENDER_BODY_MAX) {
		size_t cap = w->body_cap ? w->body_cap : 4096;
		char *nb;

		while (cap < w->body_len + n + 1 && cap < SENDER_BODY_MAX)
			cap *= 2;
		nb = realloc(w->body, cap);
		if (!nb)
			return 0;
		w->body = nb;
		w->body_cap = cap;
	}
	room = w->body_cap - w->body_len - 1;
	if (n > room)
		n = room; /* cut, but keep reading */
	memcpy(w->body + w->body_len, ptr, n);
	w->body_len += n;
	w->body[w->body_len] = '\0';
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
	struct worker *w = userdata;
	size_t n = size * nmemb;

	header_value(line, n, "x-amzn-errortype", w->error_type,
		     sizeof(w->error_type));
	header_value(line, n, "x-amzn-requestid", w->request_id,
		     sizeof(w->request_id));
	header_value(line, n, "content-type", w->content_type,
		     sizeof(w->content_type));
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

/* One signed call.  Fills job->res. */
static void call_once(struct worker *w, struct job *job)
{
	struct sender *s = w->s;
	const struct credentials *cred = s->cred;
	char url[1024], host[512], body[512], hdr[4][1024];
	char errtext[CURL_ERROR_SIZE] = "";
	struct sigv4_header sh[3];
	struct sigv4_request sreq;
	struct sigv4_credentials sc;
	struct sigv4_result sig = {0};
	struct curl_slist *headers = NULL, *h;
	struct api_http http = {0};
	char *auth_hdr = NULL, *token_hdr = NULL;
	size_t auth_len;
	int blen, r;
	long status = 0;
	CURLcode rc;

	api_result_done(&job->res);
	memset(&job->res, 0, sizeof(job->res));
	w->body_len = 0;
	w->error_type[0] = w->request_id[0] = w->content_type[0] = '\0';

	r = sender_endpoint_url(s->cfg->aws_endpoint, job->region, url,
				sizeof(url));
	if (r == 0)
		r = url_host(url, host, sizeof(host));
	blen = api_build_body(job->req.list, job->req.number, body,
			      sizeof(body));
	if (r < 0 || blen < 0) {
		api_result_transport(&job->res, "ConfigurationError",
				     "endpoint URL or body does not fit");
		job->res.retry = API_RETRY_NONE;
		goto out;
	}

	sh[0] = (struct sigv4_header){"Host", host};
	sh[1] = (struct sigv4_header){"Content-Type", API_CONTENT_TYPE};
	sh[2] = (struct sigv4_header){"X-Amz-Target", API_TARGET};
	sreq = (struct sigv4_request){
		.method = "POST",
		.path = url_path(url),
		.headers = sh,
		.nheaders = 3,
		.body = body,
		.body_len = (size_t)blen,
	};
	sc = (struct sigv4_credentials){cred->access_key_id,
					cred->secret_access_key,
					cred->session_token};
	r = sigv4_sign(&sreq, &sc, job->region, API_SIGNING_NAME, time(NULL),
		       &w->keys, &sig);
	if (r < 0) {
		api_result_transport(&job->res, "SigningError",
				     "could not sign the request");
		job->res.retry = API_RETRY_NONE;
		goto out;
	}

	snprintf(hdr[0], sizeof(hdr[0]), "Host: %s", host);
	snprintf(hdr[1], sizeof(hdr[1]), "X-Amz-Date: %s", sig.amz_date);
	snprintf(hdr[2], sizeof(hdr[2]), "Content-Type: %s", API_CONTENT_TYPE);
	snprintf(hdr[3], sizeof(hdr[3]), "X-Amz-Target: %s", API_TARGET);
	auth_len = strlen(sig.authorization) + sizeof("Authorization: ");
	auth_hdr = malloc(auth_len);
	if (!auth_hdr)
		goto nomem;
	snprintf(auth_hdr, auth_len, "Authorization: %s", sig.authorization);
	if (cred->session_token) {
		size_t tl = strlen(cred->session_token) +
			    sizeof("X-Amz-Security-Token: ");

		token_hdr = malloc(tl);
		if (!token_hdr)
			goto nomem;
		snprintf(token_hdr, tl, "X-Amz-Security-Token: %s",
			 cred->session_token);
	}
	for (r = 0; r < 4; r++) {
		h = curl_slist_append(headers, hdr[r]);
		if (!h)
			goto nomem;
		headers = h;
	}
	h = curl_slist_append(headers, auth_hdr);
	if (!h)
		goto nomem;
	headers = h;
	if (token_hdr) {
		h = curl_slist_append(headers, token_hdr);
		if (!h)
			goto nomem;
		headers = h;
	}
	h = curl_slist_append(headers, "Expect:");
	if (!h)
		goto nomem;
	headers = h;

	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)blen);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, errtext);
	rc = curl_easy_perform(w->curl);
	if (rc != CURLE_OK) {
		char msg[CURL_ERROR_SIZE + 64];

		snprintf(msg, sizeof(msg), "%s%s%s", curl_easy_strerror(rc),
			 errtext[0] ? ": " : "", errtext);
		api_result_transport(&job->res, transport_code(rc), msg);
		goto out;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	http.status = status;
	http.error_type = w->error_type[0] ? w->error_type : NULL;
	http.request_id = w->request_id[0] ? w->request_id : NULL;
	http.content_type = w->content_type[0] ? w->content_type : NULL;
	http.body = w->body ? w->body : "";
	http.body_len = w->body_len;
	if (api_parse_response(&http, &job->res) < 0)
		goto nomem;
	goto out;
nomem:
	api_result_done(&job->res);
	memset(&job->res, 0, sizeof(job->res));
	api_result_transport(&job->res, "OutOfMemory", "out of memory");
out:
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	free(auth_hdr);
	if (token_hdr) {
		OPENSSL_cleanse(token_hdr, strlen(token_hdr));
		free(token_hdr);
	}
	sigv4_result_done(&sig);
}

/* Capped exponential backoff with full jitter for attempt @n (1-based). */
static int64_t backoff_ms(const struct config *cfg, int n,
			  enum api_retry retry)
{
	uint64_t cap = cfg->retry_cap_ms, d = cfg->retry_base_ms;
	int i;

	for (i = 1; i < n && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	d = util_random() % (d + 1);
	/* A rejected signature or credential is not cured by hammering. */
	if (retry == API_RETRY_AUTH && d < 1000)
		d = 1000;
	return (int64_t)d;
}

static void log_attempt(const struct job *job, const char *what)
{
	char masked[LOG_MASK_MAX], message[512];
	const struct api_result *res = &job->res;

	log_msg(res->retry != API_RETRY_NONE ? LOG_WARNING : LOG_DEBUG,
		"%s: partition %d offset %" PRId64 " number %s attempt %d: "
		"HTTP %ld %s%s%s",
		what, (int)job->partition, job->offset,
		log_mask_number(job->req.number, masked, sizeof(masked)),
		job->attempts, res->http_status,
		res->error_code ? res->error_code : "OK",
		res->error_message ? ": " : "",
		log_redact_number(res->error_message, job->req.number, message,
				  sizeof(message)));
}

/* Runs @job to its final answer, or gives it back on stop. */
static void process(struct worker *w, struct job *job)
{
	struct sender *s = w->s;
	int64_t start = util_mono_ms();
	int64_t limit = (int64_t)s->cfg->retry_max_seconds * 1000;

	for (;;) {
		int64_t now, delay;
		bool stop;

		if (!pace(s, job->region)) {
			job->given_back = true;
			return;
		}
		job->attempts++;
		call_once(w, job);
		if (job->res.retry == API_RETRY_NONE) {
			log_attempt(job, "answer");
			return;
		}
		now = util_mono_ms();
		if (now - start >= limit) {
			log_attempt(job, "giving up");
			return;
		}
		log_attempt(job, "retrying");
		delay = backoff_ms(s->cfg, job->attempts, job->res.retry);
		if (now + delay > start + limit)
			delay = start + limit - now;
		pthread_mutex_lock(&s->lock);
		stop = sleep_until_locked(s, now + delay);
		pthread_mutex_unlock(&s->lock);
		if (stop) {
			job->given_back = true;
			return;
		}
	}
}

static void wake_main(struct sender *s)
{
	char c = 's';
	ssize_t n;

	/* A full pipe already means "wake up". */
	n = write(s->wake_fd, &c, 1);
	(void)n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sender *s = w->s;

	for (;;) {
		struct job *job;

		pthread_mutex_lock(&s->lock);
		while (!s->todo_head && !s->stopping)
			pthread_cond_wait(&s->cond, &s->lock);
		job = s->todo_head;
		if (!job) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		s->todo_head = job->next;
		if (!s->todo_head)
			s->todo_tail = NULL;
		job->next = NULL;
		pthread_mutex_unlock(&s->lock);

		if (s->stopping)
			job->given_back = true;
		else
			process(w, job);
		job->completed_at_ms = util_wall_ms();

		pthread_mutex_lock(&s->lock);
		if (s->done_tail)
			s->done_tail->next = job;
		else
			s->done_head = job;
		s->done_tail = job;
		pthread_mutex_unlock(&s->lock);
		wake_main(s);
	}
	return NULL;
}

static int worker_init(struct worker *w, struct sender *s, int id)
{
	const struct config *cfg = s->cfg;
	char ua[64];

	w->s = s;
	w->id = id;
	w->curl = curl_easy_init();
	if (!w->curl)
		return -ENOMEM;
	snprintf(ua, sizeof(ua), "optout-eraserd/%s", PACKAGE_VERSION);
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(w->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)cfg->http_connect_timeout_ms);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS,
			 (long)cfg->http_timeout_ms);
	if (cfg->aws_ca_file)
		curl_easy_setopt(w->curl, CURLOPT_CAINFO, cfg->aws_ca_file);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, w);
	return 0;
}

static void worker_done(struct worker *w)
{
	if (w->curl)
		curl_easy_cleanup(w->curl);
	sigv4_key_cache_done(&w->keys);
	free(w->body);
}

struct sender *sender_new(const struct config *cfg,
			  const struct credentials *cred, int wake_fd,
			  char *errbuf, size_t errlen)
{
	struct sender *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int i, r;

	if (!s) {
		snprintf(errbuf, errlen, "sender: out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->cred = cred;
	s->wake_fd = wake_fd;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	s->workers = calloc(cfg->sender_workers, sizeof(*s->workers));
	if (!s->workers) {
		snprintf(errbuf, errlen, "sender: out of memory");
		goto fail;
	}
	for (i = 0; i < (int)cfg->sender_workers; i++) {
		r = worker_init(&s->workers[i], s, i);
		if (r == 0)
			r = -pthread_create(&s->workers[i].thread, NULL,
					    worker_main, &s->workers[i]);
		if (r < 0) {
			worker_done(&s->workers[i]);
			snprintf(errbuf, errlen,
				 "sender: cannot start worker %d: %s", i,
				 strerror(-r));
			goto fail;
		}
		s->nworkers++;
	}
	return s;
fail:
	sender_free(s);
	return NULL;
}

void sender_submit(struct sender *s, struct job *job)
{
	job->next = NULL;
	atomic_fetch_add(&s->inflight, 1);
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		/* Nothing new starts once stopping: straight back. */
		job->given_back = true;
		if (s->done_tail)
			s->done_tail->next = job;
		else
			s->done_head = job;
		s->done_tail = job;
		pthread_mutex_unlock(&s->lock);
		wake_main(s);
		return;
	}
	if (s->todo_tail)
		s->todo_tail->next = job;
	else
		s->todo_head = job;
	s->todo_tail = job;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
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

void sender_stop(struct sender *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void sender_free(struct sender *s)
{
	struct job *j, *n;
	int i;

	if (!s)
		return;
	sender_stop(s);
	for (i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i].thread, NULL);
	for (i = 0; i < s->nworkers; i++)
		worker_done(&s->workers[i]);
	for (j = s->done_head; j; j = n) {
		n = j->next;
		job_free(j);
	}
	for (j = s->todo_head; j; j = n) {
		n = j->next;
		job_free(j);
	}
	free(s->workers);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
