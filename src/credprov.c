/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credprov.c - the AWS credential chain, its snapshots and their refresher.
 *
 * credprov_new() walks the chain of credprov.h once, on the main thread,
 * and remembers which source answered (struct source: its kind and the
 * few settings it needs, read from the environment and the files then and
 * never again, so the refresher thread never calls getenv()).  Refreshes
 * ask that same source again: the SDKs do the same, and it keeps the
 * daemon's identity from silently changing.
 *
 * Snapshots: the current one is p->cur, replaced under p->lock; readers
 * take a reference under the lock and drop it with an atomic decrement, so
 * a snapshot lives as long as the last request signed with it.  The
 * provider holds one reference to the current snapshot.
 *
 * The refresher thread sleeps on a CLOCK_MONOTONIC condition variable
 * until the next refresh is due (the schedule itself is in wall-clock time
 * because expiries are; it is converted at each wake-up, and no sleep is
 * longer than a minute, so a clock step or a suspend is noticed), until
 * credprov_invalidate() asks, or until credprov_free() stops it.  A fetch
 * runs without the lock; credprov_free() sets p->abort, which libcurl's
 * progress callback and the credential_process loop check every 100 ms.
 *
 * Sources are fetched with plain blocking code in the calling thread: a
 * libcurl easy handle per call (a refresh is rare; no connection is worth
 * keeping), posix_spawn() for credential_process.  Every buffer that held
 * a secret (answers, the STS form, token files, header lists) is wiped
 * before it is freed.  Messages name the source, HTTP statuses and the
 * sources' error codes, never a key or a token.
 */
#include "autoconf.h" /* PACKAGE_VERSION */
#include "credprov.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "credentials.h"
#include "credsource.h"
#include "log.h"
#include "util.h"

#define PROCESS_TIMEOUT_MS 30000
#define LOCAL_CONNECT_MS 1000 /* container, instance metadata */
#define LOCAL_TOTAL_MS 5000
#define STS_CONNECT_MS 2000
#define STS_TOTAL_MS 10000
#define STARTUP_ATTEMPTS 3
#define WAIT_MAX_MS 60000 /* longest sleep before the clocks are read again */
#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"
#define ECS_AGENT "http://169.254.170.2"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

enum kind {
	K_ENV,
	K_SYSTEMD,
	K_WEB_IDENTITY,
	K_CRED_FILE,
	K_PROCESS,
	K_CONFIG_FILE,
	K_CONTAINER,
	K_IMDS,
};

/* Which source answered, and what asking it again takes. */
struct source {
	enum kind kind;
	char name[64];         /* credprov_source() */
	char *profile;         /* file kinds, credential_process */
	char *path;            /* systemd directory, INI file, token file */
	char *command;         /* credential_process */
	char *role_arn;        /* web identity */
	char *session_name;    /* web identity */
	char *url;             /* STS, container, instance metadata base */
	bool local;            /* container on a local address: no proxy */
	char *auth_token;      /* container, from the environment (secret) */
	char *auth_token_file; /* container, read at each fetch */
};

struct credprov {
	struct source src;
	char *ca_file; /* aws.ca_file, for https */

	pthread_mutex_t lock;
	pthread_cond_t cond;  /* CLOCK_MONOTONIC; wakes the refresher */
	struct creds *cur;    /* under lock; never NULL */
	bool stopping;        /* under lock */
	bool invalidated;     /* under lock */
	atomic_bool abort;    /* set by credprov_free: end a fetch now */

	bool have_thread;
	pthread_t thread;
	/* The refresher's own (under lock, read by nobody else). */
	int64_t next_wall;         /* next refresh, Unix ms; INT64_MAX = none */
	int64_t last_attempt_mono; /* for the once-a-second limit */
	unsigned failures;
};


/* -------------------------------------------------------------- snapshots */

/* A snapshot holding @c's keys (moved out of @c) and one reference. */
static struct creds *creds_new(struct credentials *c, int64_t expires_ms)
{
	struct creds *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c = *c;
	memset(c, 0, sizeof(*c));
	s->expires_ms = expires_ms;
	atomic_init(&s->refs, 1);
	return s;
}

/* A snapshot from a source's answer (moved out of @k), named @source. */
static struct creds *creds_from_keys(struct credsource_keys *k,
				     const char *source)
{
	struct credentials c = {0};
	int64_t expires = k->expires_ms;
	struct creds *s;

	c.access_key_id = k->access_key_id;
	c.secret_access_key = k->secret_access_key;
	c.session_token = k->session_token;
	memset(k, 0, sizeof(*k));
	credentials_set_source(&c, source, NULL);
	s = creds_new(&c, expires);
	credentials_done(&c);
	return s;
}

void creds_unref(struct creds *c)
{
	if (!c)
		return;
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	credentials_done(&c->c);
	free(c);
}

static const char *key_tail(const struct creds *c)
{
	size_t n = strlen(c->c.access_key_id);

	return c->c.access_key_id + (n > 4 ? n - 4 : 0);
}

/* ------------------------------------------------------------------ HTTP */

struct http_req {
	const char *method; /* "GET", "PUT" (empty body) or "POST" */
	const char *url;
	struct curl_slist *headers;
	const char *body; /* POST */
	long connect_ms, total_ms;
	bool no_proxy;
	const char *ca_file;
};

struct http_resp {
	long status;
	char *body; /* CREDSOURCE_BODY_MAX + 1 bytes, NUL-terminated */
	size_t len;
	bool overflow;
};

static void http_resp_done(struct http_resp *resp)
{
	if (resp->body) {
		OPENSSL_cleanse(resp->body, CREDSOURCE_BODY_MAX + 1);
		free(resp->body);
	}
	memset(resp, 0, sizeof(*resp));
}

/* Wipes the header values (a token may be among them) and frees. */
static void headers_free(struct curl_slist *h)
{
	struct curl_slist *i;

	for (i = h; i; i = i->next)
		OPENSSL_cleanse(i->data, strlen(i->data));
	curl_slist_free_all(h);
}

static int headers_add(struct curl_slist **h, const char *line)
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

	if (n > CREDSOURCE_BODY_MAX - resp->len) {
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
	struct credprov *p = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&p->abort) ? 1 : 0;
}

/*
 * Makes one HTTP call.  Returns 0 with resp->status set (any status);
 * -ECANCELED when credprov_free() stopped it; -EFBIG for an oversized
 * answer; -EHOSTUNREACH when no connection could be made; -EACCES for a
 * TLS peer that fails verification or a URL libcurl refuses; -EIO for any
 * other transport failure (curl's reason in @errbuf); -ENOMEM.
 */
static int http_do(struct credprov *p, const struct http_req *req,
		   struct http_resp *resp, char *errbuf, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	CURL *curl = NULL;
	CURLcode rc = CURLE_OK;
	int r = 0;

	memset(resp, 0, sizeof(*resp));
	resp->body = malloc(CREDSOURCE_BODY_MAX + 1);
	curl = curl_easy_init();
	if (!resp->body || !curl) {
		r = -ENOMEM;
		goto out;
	}
	resp->body[0] = '\0';
#define SET(opt, val)                                                        \
	do {                                                                 \
		if (rc == CURLE_OK)                                          \
			rc = curl_easy_setopt(curl, opt, val);               \
	} while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_CONNECTTIMEOUT_MS, req->connect_ms);
	SET(CURLOPT_TIMEOUT_MS, req->total_ms);
	SET(CURLOPT_HTTPHEADER, req->headers);
	SET(CURLOPT_USERAGENT, "optout-eraserd/" PACKAGE_VERSION);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, resp);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, p);
	SET(CURLOPT_ERRORBUFFER, cerr);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		SET(CURLOPT_CAINFO, req->ca_file);
	if (req->no_proxy)
		SET(CURLOPT_NOPROXY, "*");
	if (!strcmp(req->method, "PUT")) {
		SET(CURLOPT_CUSTOMREQUEST, "PUT");
		SET(CURLOPT_POSTFIELDS, "");
		SET(CURLOPT_POSTFIELDSIZE, 0L);
	} else if (!strcmp(req->method, "POST")) {
		SET(CURLOPT_POSTFIELDS, req->body);
		SET(CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	}
#undef SET
	if (rc != CURLE_OK) {
		util_set_error(errbuf, errlen, "libcurl: %s", curl_easy_strerror(rc));
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
			  CREDSOURCE_BODY_MAX);
		r = -EFBIG;
		goto out;
	}
	if (rc != CURLE_OK) {
		util_set_error(errbuf, errlen, "%s",
			  cerr[0] ? cerr : curl_easy_strerror(rc));
		if (rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_OPERATION_TIMEDOUT)
			r = -EHOSTUNREACH;
		else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
			 rc == CURLE_SSL_CACERT_BADFILE ||
			 rc == CURLE_SSL_CERTPROBLEM ||
			 rc == CURLE_UNSUPPORTED_PROTOCOL ||
			 rc == CURLE_URL_MALFORMAT)
			r = -EACCES; /* trying again will not help */
		else
			r = -EIO;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
out:
	curl_easy_cleanup(curl);
	return r;
}

/* -EAGAIN for a status worth retrying, -EACCES for another failure. */
static int status_error(long status)
{
	return status == 429 || status >= 500 ? -EAGAIN : -EACCES;
}

/* A header value from outside must not break the header apart. */
static bool header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

/* ------------------------------------------------------------ the sources */

static int fetch_container(struct credprov *p, struct credsource_keys *k,
			   char *errbuf, size_t errlen)
{
	const struct source *src = &p->src;
	struct http_req req = {.method = "GET", .url = src->url,
			       .connect_ms = LOCAL_CONNECT_MS,
			       .total_ms = LOCAL_TOTAL_MS,
			       .no_proxy = src->local, .ca_file = p->ca_file};
	struct http_resp resp = {0};
	char *token = NULL, *line = NULL, why[256];
	size_t n;
	int r;

	if (src->auth_token_file) {
		r = credentials_read_file(src->auth_token_file, &token, errbuf,
					  errlen);
		if (r == -ENOENT)
			util_set_error(errbuf, errlen, "%s: no such file",
				  src->auth_token_file);
		if (r)
			goto out;
	} else if (src->auth_token) {
		token = strdup(src->auth_token);
		if (!token) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = headers_add(&req.headers, "Accept: application/json");
	if (r)
		goto out;
	if (token) {
		if (!token[0] || !header_safe(token)) {
			util_set_error(errbuf, errlen, "the authorization token is "
				  "empty or has control characters");
			r = -EINVAL;
			goto out;
		}
		n = strlen(token) + sizeof("Authorization: ");
		line = malloc(n);
		if (!line) {
			r = -ENOMEM;
			goto out;
		}
		snprintf(line, n, "Authorization: %s", token);
		r = headers_add(&req.headers, line);
		if (r)
			goto out;
	}
	r = http_do(p, &req, &resp, errbuf, errlen);
	if (r)
		goto out;
	if (resp.status != 200) {
		why[0] = '\0';
		credsource_parse_json(CREDSOURCE_CONTAINER, resp.body, resp.len,
				      k, why, sizeof(why));
		credsource_keys_done(k);
		util_set_error(errbuf, errlen, "HTTP %ld%s%s", resp.status,
			  why[0] && strncmp(why, "answer", 6) ? ": " : "",
			  why[0] && strncmp(why, "answer", 6) ? why : "");
		r = status_error(resp.status);
		goto out;
	}
	r = credsource_parse_json(CREDSOURCE_CONTAINER, resp.body, resp.len, k,
				  errbuf, errlen);
out:
	http_resp_done(&resp);
	headers_free(req.headers);
	util_secret_free(line);
	util_secret_free(token);
	return r;
}

static int imds_get(struct credprov *p, const char *path, const char *header,
		    struct http_resp *resp, char *errbuf, size_t errlen)
{
	struct http_req req = {.method = header ? "GET" : "PUT",
			       .connect_ms = LOCAL_CONNECT_MS,
			       .total_ms = LOCAL_TOTAL_MS, .no_proxy = true};
	char url[1024];
	int r;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", p->src.url, path) >=
	    sizeof(url)) {
		util_set_error(errbuf, errlen, "instance metadata URL too long");
		return -ENAMETOOLONG;
	}
	req.url = url;
	r = headers_add(&req.headers,
			header ? header :
				 "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	if (!r)
		r = headers_add(&req.headers, "Content-Type:");
	if (!r)
		r = http_do(p, &req, resp, errbuf, errlen);
	headers_free(req.headers);
	return r;
}

/*
 * IMDSv2: a session token, the role's name, the role's credentials.
 * -EHOSTUNREACH when the service does not answer the first call.
 */
static int fetch_imds(struct credprov *p, struct credsource_keys *k,
		      char *errbuf, size_t errlen)
{
	struct http_resp resp = {0};
	char *header = NULL, role[128], path[256], why[256];
	size_t n;
	int r;

	r = imds_get(p, "/latest/api/token", NULL, &resp, errbuf, errlen);
	if (r)
		goto out;
	while (resp.len && strchr(" \t\r\n", resp.body[resp.len - 1]))
		resp.body[--resp.len] = '\0';
	if (resp.status != 200 || !resp.len || !header_safe(resp.body)) {
		util_set_error(errbuf, errlen, "token request: HTTP %ld",
			  resp.status);
		r = resp.status == 200 ? -EINVAL : status_error(resp.status);
		goto out;
	}
	n = resp.len + sizeof("X-aws-ec2-metadata-token: ");
	header = malloc(n);
	if (!header) {
		r = -ENOMEM;
		goto out;
	}
	snprintf(header, n, "X-aws-ec2-metadata-token: %s", resp.body);
	http_resp_done(&resp);

	r = imds_get(p, IMDS_ROLE_PATH, header, &resp, errbuf, errlen);
	if (r == -EHOSTUNREACH)
		r = -EIO; /* it answered a moment ago */
	if (r)
		goto out;
	if (resp.status == 404) {
		util_set_error(errbuf, errlen, "no IAM role attached to the "
			  "instance");
		r = -ENOENT;
		goto out;
	}
	if (resp.status != 200) {
		util_set_error(errbuf, errlen, "role name: HTTP %ld", resp.status);
		r = status_error(resp.status);
		goto out;
	}
	r = credsource_imds_role(resp.body, resp.len, role, sizeof(role));
	if (r) {
		util_set_error(errbuf, errlen, "%s", r == -ENOENT ?
			  "no IAM role attached to the instance" :
			  "malformed role name");
		goto out;
	}
	http_resp_done(&resp);

	snprintf(path, sizeof(path), "%s%s", IMDS_ROLE_PATH, role);
	r = imds_get(p, path, header, &resp, errbuf, errlen);
	if (r == -EHOSTUNREACH)
		r = -EIO;
	if (r)
		goto out;
	if (resp.status != 200) {
		util_set_error(errbuf, errlen, "role %s: HTTP %ld", role,
			  resp.status);
		r = status_error(resp.status);
		goto out;
	}
	r = credsource_parse_json(CREDSOURCE_IMDS, resp.body, resp.len, k, why,
				  sizeof(why));
	if (r)
		util_set_error(errbuf, errlen, "role %s: %s", role, why);
out:
	http_resp_done(&resp);
	util_secret_free(header);
	return r;
}

static int fetch_sts(struct credprov *p, struct credsource_keys *k,
		     char *errbuf, size_t errlen)
{
	const struct source *src = &p->src;
	struct http_req req = {.method = "POST", .url = src->url,
			       .connect_ms = STS_CONNECT_MS,
			       .total_ms = STS_TOTAL_MS,
			       .ca_file = p->ca_file};
	struct http_resp resp = {0};
	char *token = NULL, *form = NULL, why[256];
	int r;

	r = credentials_read_file(src->path, &token, errbuf, errlen);
	if (r == -ENOENT)
		util_set_error(errbuf, errlen, "%s: no such file", src->path);
	if (r)
		goto out;
	if (!token[0]) {
		util_set_error(errbuf, errlen, "%s is empty", src->path);
		r = -EINVAL;
		goto out;
	}
	r = credsource_sts_form(src->role_arn, src->session_name, token,
				&form);
	if (r == -EINVAL)
		util_set_error(errbuf, errlen, "role session name \"%s\" is not "
			  "2-64 of [A-Za-z0-9+=,.@_-]", src->session_name);
	if (r)
		goto out;
	req.body = form;
	r = headers_add(&req.headers, "Content-Type: application/"
			"x-www-form-urlencoded; charset=utf-8");
	if (!r)
		r = headers_add(&req.headers, "Accept: text/xml");
	if (!r)
		r = headers_add(&req.headers, "Expect:");
	if (!r)
		r = http_do(p, &req, &resp, errbuf, errlen);
	if (r)
		goto out;
	r = credsource_parse_sts(resp.body, resp.len, k, why, sizeof(why));
	if (r == -EINVAL && resp.status != 200) {
		util_set_error(errbuf, errlen, "HTTP %ld", resp.status);
		r = status_error(resp.status);
	} else if (r) {
		util_set_error(errbuf, errlen, "%s", why);
	} else if (resp.status != 200) {
		/* Credentials in a failure: believe the status. */
		credsource_keys_done(k);
		util_set_error(errbuf, errlen, "HTTP %ld", resp.status);
		r = status_error(resp.status);
	}
out:
	http_resp_done(&resp);
	headers_free(req.headers);
	if (form) {
		OPENSSL_cleanse(form, strlen(form));
		free(form);
	}
	util_secret_free(token);
	return r;
}

/* Waits for @pid, killing its process group first when @kill_it. */
static int reap(pid_t pid, bool kill_it)
{
	int status = 0;

	if (kill_it)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/*
 * Runs @command with /bin/sh -c, stdin and stderr on /dev/null, in its own
 * process group (so a timeout kills whatever it started too).  Returns 0
 * with its stdout in *@ret_out (@ret_len bytes; wipe it), or an error.
 */
static int run_process(struct credprov *p, const char *command,
		       char **ret_out, size_t *ret_len, char *errbuf,
		       size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	bool fa_ok = false, attr_ok = false, eof = false;
	int fds[2] = {-1, -1}, status = 0, r = 0;
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	int64_t deadline = util_mono_ms() + PROCESS_TIMEOUT_MS, now;
	struct pollfd pfd;
	sigset_t mask, def;
	char *out = NULL;
	size_t len = 0;
	pid_t pid = -1;
	ssize_t n;

	out = malloc(CREDSOURCE_BODY_MAX + 1);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = -errno;
		util_set_error(errbuf, errlen, "pipe: %s", strerror(-r));
		goto out;
	}
	r = posix_spawn_file_actions_init(&fa);
	fa_ok = !r;
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						     O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
						     O_WRONLY, 0);
	if (!r) {
		r = posix_spawnattr_init(&attr);
		attr_ok = !r;
	}
	sigemptyset(&mask);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE); /* ignored here; an ignore is inherited */
	if (!r)
		r = posix_spawnattr_setsigmask(&attr, &mask);
	if (!r)
		r = posix_spawnattr_setsigdefault(&attr, &def);
	if (!r)
		r = posix_spawnattr_setpgroup(&attr, 0);
	if (!r)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
							    POSIX_SPAWN_SETSIGDEF |
							    POSIX_SPAWN_SETPGROUP);
	if (!r)
		r = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	if (r) {
		util_set_error(errbuf, errlen, "cannot start /bin/sh: %s",
			  strerror(r));
		r = -r;
		pid = -1;
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;

	while (!eof) {
		now = util_mono_ms();
		if (atomic_load(&p->abort)) {
			util_set_error(errbuf, errlen, "stopped");
			r = -ECANCELED;
			goto out;
		}
		if (now >= deadline) {
			util_set_error(errbuf, errlen, "did not finish within %d s",
				  PROCESS_TIMEOUT_MS / 1000);
			r = -ETIMEDOUT;
			goto out;
		}
		pfd = (struct pollfd){.fd = fds[0], .events = POLLIN};
		if (poll(&pfd, 1, deadline - now < 100 ? (int)(deadline - now) :
							  100) <= 0)
			continue;
		n = read(fds[0], out + len, CREDSOURCE_BODY_MAX + 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			r = -errno;
			util_set_error(errbuf, errlen, "reading its output: %s",
				  strerror(-r));
			goto out;
		}
		eof = n == 0;
		len += (size_t)n;
		if (len > CREDSOURCE_BODY_MAX) {
			util_set_error(errbuf, errlen, "output larger than %d bytes",
				  CREDSOURCE_BODY_MAX);
			r = -EFBIG;
			goto out;
		}
	}
	/* Output closed: give it until the deadline to exit. */
	for (;;) {
		n = waitpid(pid, &status, WNOHANG);
		if (n == pid)
			break;
		if (n < 0 && errno != EINTR) {
			r = -errno;
			util_set_error(errbuf, errlen, "waitpid: %s", strerror(-r));
			goto out;
		}
		if (atomic_load(&p->abort) || util_mono_ms() >= deadline) {
			util_set_error(errbuf, errlen, "%s", atomic_load(&p->abort) ?
				  "stopped" : "did not exit after closing "
				  "its output");
			r = atomic_load(&p->abort) ? -ECANCELED : -ETIMEDOUT;
			goto out;
		}
		poll(NULL, 0, 20);
	}
	pid = -1;
	if (WIFSIGNALED(status)) {
		util_set_error(errbuf, errlen, "killed by signal %d",
			  WTERMSIG(status));
		r = -EIO;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		util_set_error(errbuf, errlen, "exited with status %d",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		r = -EIO;
		goto out;
	}
	out[len] = '\0';
	*ret_out = out;
	*ret_len = len;
	out = NULL;
out:
	if (pid > 0)
		reap(pid, true);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	if (out) {
		OPENSSL_cleanse(out, CREDSOURCE_BODY_MAX + 1);
		free(out);
	}
	return r;
}

static int fetch_process(struct credprov *p, struct credsource_keys *k,
			 char *errbuf, size_t errlen)
{
	char *out = NULL, why[256];
	size_t len = 0;
	int r;

	r = run_process(p, p->src.command, &out, &len, errbuf, errlen);
	if (r)
		return r;
	r = credsource_parse_json(CREDSOURCE_PROCESS, out, len, k, why,
				  sizeof(why));
	if (r)
		util_set_error(errbuf, errlen, "its output: %s", why);
	OPENSSL_cleanse(out, len);
	free(out);
	return r;
}

static int fetch_profile(const struct source *src, struct credentials *c,
			 char *errbuf, size_t errlen)
{
	struct credentials_profile f = {0};
	bool config = src->kind == K_CONFIG_FILE;
	int r;

	r = credentials_profile_read(src->path, src->profile, config, &f,
				     errbuf, errlen);
	if (!r)
		r = credentials_profile_keys(&f, src->path, src->profile,
					     config, c, errbuf, errlen);
	if (r == -ENOENT)
		util_set_error(errbuf, errlen, "%s: profile \"%s\" has no keys "
			  "any more", src->path, src->profile);
	credentials_profile_done(&f);
	return r;
}

static const char *kind_what(enum kind kind)
{
	switch (kind) {
	case K_ENV:
		return "environment";
	case K_SYSTEMD:
		return "systemd credentials";
	case K_WEB_IDENTITY:
		return "STS AssumeRoleWithWebIdentity";
	case K_CRED_FILE:
		return "shared credentials file";
	case K_PROCESS:
		return "credential_process";
	case K_CONFIG_FILE:
		return "config file";
	case K_CONTAINER:
		return "container credentials";
	case K_IMDS:
		return "instance metadata";
	}
	return "?";
}

/*
 * Asks the source once.  Returns 0 with a new snapshot in *@ret, or a
 * negative errno with "<what>: <reason>" in @errbuf.  -EAGAIN, -EIO and
 * -EHOSTUNREACH are worth another try.
 */
static int source_fetch(struct credprov *p, struct creds **ret, char *errbuf,
			size_t errlen)
{
	const struct source *src = &p->src;
	struct credsource_keys k = {0};
	struct credentials c = {0};
	char why[512] = "";
	struct creds *s = NULL;
	int r;

	switch (src->kind) {
	case K_ENV:
		r = credentials_from_env(&c, why, sizeof(why));
		break;
	case K_SYSTEMD:
		r = credentials_from_directory(src->path, &c, why, sizeof(why));
		if (r == -ENOENT)
			util_set_error(why, sizeof(why), "%s has no keys any more",
				  src->path);
		break;
	case K_CRED_FILE:
	case K_CONFIG_FILE:
		r = fetch_profile(src, &c, why, sizeof(why));
		break;
	case K_PROCESS:
		r = fetch_process(p, &k, why, sizeof(why));
		break;
	case K_WEB_IDENTITY:
		r = fetch_sts(p, &k, why, sizeof(why));
		break;
	case K_CONTAINER:
		r = fetch_container(p, &k, why, sizeof(why));
		break;
	case K_IMDS:
		r = fetch_imds(p, &k, why, sizeof(why));
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r) {
		if (r == -ENOMEM)
			util_set_error(why, sizeof(why), "out of memory");
		util_set_error(errbuf, errlen, "%s: %s", kind_what(src->kind), why);
		/* A source that was found and then failed is no absence. */
		if (r == -ENOENT)
			r = -EINVAL;
		goto out;
	}
	if (c.access_key_id) {
		credentials_set_source(&c, src->name, NULL);
		s = creds_new(&c, 0);
	} else {
		s = creds_from_keys(&k, src->name);
	}
	if (!s) {
		util_set_error(errbuf, errlen, "%s: out of memory",
			  kind_what(src->kind));
		r = -ENOMEM;
		goto out;
	}
	*ret = s;
out:
	credentials_done(&c);
	credsource_keys_done(&k);
	return r;
}

static bool transient(int r)
{
	return r == -EAGAIN || r == -EIO || r == -EHOSTUNREACH;
}

/* source_fetch(), tried again after a second when a network source fails
 * in a way that may pass. */
static int fetch_startup(struct credprov *p, struct creds **ret,
			 char *errbuf, size_t errlen)
{
	int attempt, r = -EIO;

	for (attempt = 1; attempt <= STARTUP_ATTEMPTS; attempt++) {
		r = source_fetch(p, ret, errbuf, errlen);
		/* Only a network source has moods; a process or a file that
		 * fails once fails again. */
		if (!transient(r) || attempt == STARTUP_ATTEMPTS ||
		    (p->src.kind != K_WEB_IDENTITY &&
		     p->src.kind != K_CONTAINER && p->src.kind != K_IMDS))
			break;
		/* An instance metadata service that never answered is
		 * absent, not failing. */
		if (p->src.kind == K_IMDS && r == -EHOSTUNREACH)
			break;
		log_debug("credentials: %s (attempt %d of %d)", errbuf,
			  attempt, STARTUP_ATTEMPTS);
		poll(NULL, 0, 1000);
	}
	return r;
}

/* ------------------------------------------------------- the chain itself */

static void source_done(struct source *src)
{
	free(src->profile);
	free(src->path);
	free(src->command);
	free(src->role_arn);
	free(src->session_name);
	free(src->url);
	util_secret_free(src->auth_token);
	free(src->auth_token_file);
	memset(src, 0, sizeof(*src));
}

static int dup_to(char **slot, const char *s)
{
	free(*slot);
	*slot = NULL;
	if (!s)
		return 0;
	*slot = strdup(s);
	return *slot ? 0 : -ENOMEM;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static const char *pick(const char *a, const char *b)
{
	return a ? a : b;
}

/* Chain state while credprov_new() walks it. */
struct chain {
	const struct config *cfg;
	const char *profile;
	bool named;
	char *cred_path, *conf_path;
	struct credentials_profile fc, fg; /* credentials / config file */
};

static void chain_done(struct chain *ch)
{
	free(ch->cred_path);
	free(ch->conf_path);
	credentials_profile_done(&ch->fc);
	credentials_profile_done(&ch->fg);
}

static int chain_files(struct chain *ch, char *errbuf, size_t errlen)
{
	int r;

	ch->profile = credentials_profile_name(ch->cfg->aws_profile,
					       &ch->named);
	r = credentials_paths(&ch->cred_path, &ch->conf_path);
	if (!r && ch->cred_path)
		r = credentials_profile_read(ch->cred_path, ch->profile, false,
					     &ch->fc, errbuf, errlen);
	if (!r && ch->conf_path)
		r = credentials_profile_read(ch->conf_path, ch->profile, true,
					     &ch->fg, errbuf, errlen);
	if (r)
		return r;
	if (ch->named && !ch->fc.found && !ch->fg.found) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\" not found (%s, %s)",
			  ch->profile,
			  ch->cred_path ? ch->cred_path : "no credentials file",
			  ch->conf_path ? ch->conf_path : "no config file");
		return -ENOENT;
	}
	/* role_arn without a web identity token is AssumeRole (the SDKs
	 * take it from source_profile or credential_source): refused rather
	 * than silently using another identity. */
	if (pick(ch->fc.role_arn, ch->fg.role_arn) &&
	    !pick(ch->fc.web_identity_token_file,
		  ch->fg.web_identity_token_file) &&
	    !env("AWS_WEB_IDENTITY_TOKEN_FILE")) {
		util_set_error(errbuf, errlen, "AWS profile \"%s\" assumes role "
			  "%s with AssumeRole (source_profile or "
			  "credential_source), which is not supported: use web "
			  "identity, credential_process or keys",
			  ch->profile, pick(ch->fc.role_arn, ch->fg.role_arn));
		return -EINVAL;
	}
	return 0;
}

/* Step 3: 0 with src filled, -ENOENT when web identity is not set up. */
static int chain_web_identity(struct chain *ch, struct source *src,
			      char *errbuf, size_t errlen)
{
	const char *file = pick(env("AWS_WEB_IDENTITY_TOKEN_FILE"),
				pick(ch->fc.web_identity_token_file,
				     ch->fg.web_identity_token_file));
	const char *arn = pick(env("AWS_ROLE_ARN"),
			       pick(ch->fc.role_arn, ch->fg.role_arn));
	const char *session = pick(env("AWS_ROLE_SESSION_NAME"),
				   pick(ch->fc.role_session_name,
					ch->fg.role_session_name));
	const char *sts = env("AWS_ENDPOINT_URL_STS");
	char url[256], name[64];
	int r;

	if (!file)
		return -ENOENT;
	if (!arn) {
		util_set_error(errbuf, errlen, "web identity token file %s is set "
			  "but no role ARN (AWS_ROLE_ARN or role_arn)", file);
		return -EINVAL;
	}
	if (!sts) {
		r = credsource_sts_url(ch->cfg->aws_region,
				       ch->cfg->aws_use_fips_endpoint, url,
				       sizeof(url));
		if (r) {
			util_set_error(errbuf, errlen, "aws.region \"%s\" makes no "
				  "STS endpoint", ch->cfg->aws_region);
			return -EINVAL;
		}
		sts = url;
	}
	if (!session) {
		snprintf(name, sizeof(name), "optout-eraserd-%ld",
			 (long)getpid());
		session = name;
	}
	src->kind = K_WEB_IDENTITY;
	snprintf(src->name, sizeof(src->name), "web-identity");
	r = dup_to(&src->path, file);
	if (!r)
		r = dup_to(&src->role_arn, arn);
	if (!r)
		r = dup_to(&src->session_name, session);
	if (!r)
		r = dup_to(&src->url, sts);
	return r;
}

/* Step 6: 0 with src filled, -ENOENT when no container variable is set. */
static int chain_container(struct source *src, char *errbuf, size_t errlen)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char why[256];
	size_t n;
	int r;

	if (!rel && !full)
		return -ENOENT;
	src->kind = K_CONTAINER;
	snprintf(src->name, sizeof(src->name), "container");
	if (rel) {
		if (rel[0] != '/') {
			util_set_error(errbuf, errlen, "AWS_CONTAINER_CREDENTIALS_"
				  "RELATIVE_URI does not start with '/'");
			return -EINVAL;
		}
		n = strlen(ECS_AGENT) + strlen(rel) + 1;
		src->url = malloc(n);
		if (!src->url)
			return -ENOMEM;
		snprintf(src->url, n, "%s%s", ECS_AGENT, rel);
		src->local = true;
	} else {
		r = credsource_container_url(full, &src->local, why,
					     sizeof(why));
		if (r) {
			util_set_error(errbuf, errlen, "AWS_CONTAINER_CREDENTIALS_"
				  "FULL_URI: %s", why);
			return r;
		}
		r = dup_to(&src->url, full);
		if (r)
			return r;
	}
	r = dup_to(&src->auth_token_file,
		   env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	if (!r && !src->auth_token_file)
		r = dup_to(&src->auth_token,
			   env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	return r;
}

/* Step 7: 0 with src filled, -ENOENT when disabled. */
static int chain_imds(struct source *src, char *errbuf, size_t errlen)
{
	const char *disabled = env("AWS_EC2_METADATA_DISABLED");
	const char *url = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t n;

	if (disabled && !strcasecmp(disabled, "true"))
		return -ENOENT;
	if (!url)
		url = mode && !strcasecmp(mode, "IPv6") ? IMDS_DEFAULT_V6 :
							  IMDS_DEFAULT;
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		util_set_error(errbuf, errlen, "AWS_EC2_METADATA_SERVICE_ENDPOINT is "
			  "not an http:// or https:// URL");
		return -EINVAL;
	}
	src->kind = K_IMDS;
	snprintf(src->name, sizeof(src->name), "imds");
	src->local = true;
	src->url = strdup(url);
	if (!src->url)
		return -ENOMEM;
	n = strlen(src->url);
	while (n && src->url[n - 1] == '/')
		src->url[--n] = '\0';
	return 0;
}

/* A source that needs no HTTP: credentials read, source fixed. */
static int take_static(struct credprov *p, enum kind kind, const char *path,
		       const char *profile, struct credentials *c,
		       struct creds **ret)
{
	struct source *src = &p->src;
	int r;

	src->kind = kind;
	snprintf(src->name, sizeof(src->name), "%s", c->source);
	r = dup_to(&src->path, path);
	if (!r)
		r = dup_to(&src->profile, profile);
	if (r)
		return r;
	*ret = creds_new(c, 0);
	return *ret ? 0 : -ENOMEM;
}

/* Walks the chain; 0 with p->src set and the first snapshot in *@ret. */
static int resolve(struct credprov *p, const struct config *cfg,
		   struct creds **ret, char *errbuf, size_t errlen)
{
	bool explicit = cfg->aws_profile && *cfg->aws_profile;
	struct chain ch = {.cfg = cfg};
	struct credentials c = {0};
	const char *dir, *command;
	char imds_why[384] = "";
	int r;

	if (!explicit) {
		r = credentials_from_env(&c, errbuf, errlen);
		if (!r)
			r = take_static(p, K_ENV, NULL, NULL, &c, ret);
		if (r != -ENOENT)
			goto out;
		dir = env("CREDENTIALS_DIRECTORY");
		r = credentials_from_directory(dir, &c, errbuf, errlen);
		if (!r)
			r = take_static(p, K_SYSTEMD, dir, NULL, &c, ret);
		if (r != -ENOENT)
			goto out;
	}
	r = chain_files(&ch, errbuf, errlen);
	if (r)
		goto out;

	r = chain_web_identity(&ch, &p->src, errbuf, errlen);
	if (!r)
		r = fetch_startup(p, ret, errbuf, errlen);
	if (r != -ENOENT)
		goto out;
	source_done(&p->src);

	if (ch.cred_path) {
		r = credentials_profile_keys(&ch.fc, ch.cred_path, ch.profile,
					     false, &c, errbuf, errlen);
		if (!r)
			r = take_static(p, K_CRED_FILE, ch.cred_path,
					ch.profile, &c, ret);
		if (r != -ENOENT)
			goto out;
	}
	command = pick(ch.fc.credential_process, ch.fg.credential_process);
	if (command) {
		p->src.kind = K_PROCESS;
		snprintf(p->src.name, sizeof(p->src.name),
			 "credential-process:%s", ch.profile);
		r = dup_to(&p->src.command, command);
		if (!r)
			r = dup_to(&p->src.profile, ch.profile);
		if (!r)
			r = fetch_startup(p, ret, errbuf, errlen);
		goto out; /* a process that fails is an error, not absence */
	}
	if (ch.conf_path) {
		r = credentials_profile_keys(&ch.fg, ch.conf_path, ch.profile,
					     true, &c, errbuf, errlen);
		if (!r)
			r = take_static(p, K_CONFIG_FILE, ch.conf_path,
					ch.profile, &c, ret);
		if (r != -ENOENT)
			goto out;
	}

	r = chain_container(&p->src, errbuf, errlen);
	if (!r)
		r = fetch_startup(p, ret, errbuf, errlen);
	if (r != -ENOENT)
		goto out;
	source_done(&p->src);

	/* As the SDKs: whatever goes wrong with the instance metadata
	 * means that there are no credentials (the reason is kept). */
	r = chain_imds(&p->src, errbuf, errlen);
	if (!r)
		r = fetch_startup(p, ret, imds_why, sizeof(imds_why));
	if (!r || r == -ENOMEM || (r != -ENOENT && !imds_why[0]))
		goto out;
	source_done(&p->src);
	util_set_error(errbuf, errlen, "no AWS credentials found (environment, "
		  "systemd credentials, %s, %s, container, instance "
		  "metadata%s%s)",
		  ch.cred_path ? ch.cred_path : "no credentials file",
		  ch.conf_path ? ch.conf_path : "no config file",
		  imds_why[0] ? ": " : "", imds_why);
	r = -ENOENT;
out:
	credentials_done(&c);
	chain_done(&ch);
	return r;
}

/* --------------------------------------------------------- the refresher */

/* Logs a new snapshot and schedules its refresh.  Under p->lock. */
static void schedule(struct credprov *p, const struct creds *s,
		     const char *why)
{
	char when[CREDSOURCE_TIME_MAX] = "";
	int64_t now = util_wall_ms();

	p->failures = 0;
	p->next_wall = credsource_refresh_at(now, s->expires_ms,
					     util_random());
	if (!s->expires_ms) {
		log_info("credentials %s: %s, key ...%s, no expiry", why,
			 p->src.name, key_tail(s));
		return;
	}
	credsource_format_time(s->expires_ms, when, sizeof(when));
	log_info("credentials %s: %s, key ...%s, expire %s (in %" PRId64
		 " s), refresh in %" PRId64 " s",
		 why, p->src.name, key_tail(s), when,
		 (s->expires_ms - now) / 1000, (p->next_wall - now) / 1000);
}

static void mono_to_timespec(int64_t ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
}

/* When the next fetch is due on the monotonic clock.  Under p->lock. */
static int64_t due_mono(const struct credprov *p, int64_t now_mono)
{
	int64_t due = INT64_MAX, now_wall;

	if (p->next_wall != INT64_MAX) {
		now_wall = util_wall_ms();
		due = now_mono + (p->next_wall - now_wall);
	}
	if (p->invalidated && p->last_attempt_mono + 1000 < due)
		due = p->last_attempt_mono + 1000;
	return due;
}

static void *refresher(void *arg)
{
	struct credprov *p = arg;
	struct creds *fresh, *old;
	int64_t now, due;
	struct timespec ts;
	char errbuf[512];
	bool asked;
	int r;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		now = util_mono_ms();
		due = due_mono(p, now);
		if (due > now) {
			mono_to_timespec(now + (due - now < WAIT_MAX_MS ?
							due - now :
							WAIT_MAX_MS),
					 &ts);
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
			continue;
		}
		asked = p->invalidated;
		p->invalidated = false;
		p->last_attempt_mono = now;
		pthread_mutex_unlock(&p->lock);

		if (asked)
			log_info("credentials: AWS rejected the current ones, "
				 "asking %s again", p->src.name);
		fresh = NULL;
		r = source_fetch(p, &fresh, errbuf, sizeof(errbuf));

		pthread_mutex_lock(&p->lock);
		if (p->stopping) {
			creds_unref(fresh);
			break;
		}
		if (!r) {
			old = p->cur;
			p->cur = fresh;
			schedule(p, fresh, "refreshed");
			creds_unref(old);
			continue;
		}
		p->failures++;
		if (p->cur->expires_ms)
			p->next_wall = credsource_retry_at(util_wall_ms(),
							   p->cur->expires_ms,
							   p->failures,
							   util_random());
		else
			p->next_wall = INT64_MAX; /* until asked again */
		if (p->cur->expires_ms &&
		    p->cur->expires_ms <= util_wall_ms())
			log_error("credentials: refresh failed (%s); the "
				  "current ones have expired, retrying in "
				  "%" PRId64 " s", errbuf,
				  (p->next_wall - util_wall_ms()) / 1000);
		else
			log_warning("credentials: refresh failed (%s)%s", errbuf,
				    p->cur->expires_ms ?
					    "; keeping the current ones, "
					    "retrying" :
					    "; keeping the current ones");
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ------------------------------------------------------------ public API */

struct credprov *credprov_new(const struct config *cfg, char *errbuf,
			      size_t errlen)
{
	struct credprov *p = NULL, *ret = NULL;
	pthread_condattr_t ca;
	struct creds *first = NULL;
	bool lock_ok = false, cond_ok = false;
	int r;

	util_set_error(errbuf, errlen, "%s", "");
	p = calloc(1, sizeof(*p));
	if (!p) {
		util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	atomic_init(&p->abort, false);
	p->next_wall = INT64_MAX;
	lock_ok = !pthread_mutex_init(&p->lock, NULL);
	if (!pthread_condattr_init(&ca)) {
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		cond_ok = !pthread_cond_init(&p->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (!lock_ok || !cond_ok) {
		util_set_error(errbuf, errlen, "cannot create a lock");
		goto out;
	}
	if (dup_to(&p->ca_file, cfg->aws_ca_file)) {
		util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	r = resolve(p, cfg, &first, errbuf, errlen);
	if (r) {
		if (r == -ENOMEM)
			util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	p->cur = first;
	pthread_mutex_lock(&p->lock);
	schedule(p, first, "loaded");
	pthread_mutex_unlock(&p->lock);
	if (p->src.kind != K_ENV) {
		r = pthread_create(&p->thread, NULL, refresher, p);
		if (r) {
			util_set_error(errbuf, errlen, "cannot start the "
				  "credentials refresher: %s", strerror(r));
			goto out;
		}
		p->have_thread = true;
	}
	ret = p;
	p = NULL;
out:
	if (p) {
		creds_unref(p->cur);
		source_done(&p->src);
		free(p->ca_file);
		if (cond_ok)
			pthread_cond_destroy(&p->cond);
		if (lock_ok)
			pthread_mutex_destroy(&p->lock);
		free(p);
	}
	return ret;
}

struct creds *credprov_get(struct credprov *p)
{
	struct creds *c;

	pthread_mutex_lock(&p->lock);
	c = p->cur;
	atomic_fetch_add(&c->refs, 1);
	pthread_mutex_unlock(&p->lock);
	return c;
}

void credprov_invalidate(struct credprov *p, const struct creds *c)
{
	if (!p || !p->have_thread)
		return;
	pthread_mutex_lock(&p->lock);
	if (!c || c == p->cur) {
		p->invalidated = true;
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}

const char *credprov_source(struct credprov *p)
{
	return p->src.name;
}

int64_t credprov_expires_ms(struct credprov *p)
{
	int64_t e;

	pthread_mutex_lock(&p->lock);
	e = p->cur->expires_ms;
	pthread_mutex_unlock(&p->lock);
	return e;
}

void credprov_free(struct credprov *p)
{
	if (!p)
		return;
	if (p->have_thread) {
		pthread_mutex_lock(&p->lock);
		p->stopping = true;
		atomic_store(&p->abort, true);
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	creds_unref(p->cur);
	source_done(&p->src);
	free(p->ca_file);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
