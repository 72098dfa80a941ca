/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credprov.c - the current credentials snapshot and its refresher thread.
 *
 * credprov_new() walks the chain (chain.c) once, on the main thread, and
 * keeps the source that answered: refreshes ask that same source again
 * (the SDKs do the same, and it keeps the daemon's identity from silently
 * changing), and since the source holds all it needs, the refresher
 * thread never calls getenv().
 *
 * Snapshots: the current one is p->cur, replaced under p->lock; readers
 * take a reference under the lock and drop it with an atomic decrement
 * (creds.c), so a snapshot lives as long as the last request signed with
 * it.  The provider holds one reference to the current snapshot.
 *
 * The refresher thread sleeps on a CLOCK_MONOTONIC condition variable
 * until the next refresh is due (the schedule itself is in wall-clock time
 * because expiries are; it is converted at each wake-up, and no sleep is
 * longer than a minute, so a clock step or a suspend is noticed), until
 * credprov_invalidate() asks, or until credprov_free() stops it.  A fetch
 * runs without the lock; credprov_free() sets p->abort, which libcurl's
 * progress callback and the credential_process loop check every 100 ms.
 * Messages name the source, never a key (only its last four characters).
 *
 * The listener (credprov_set_listener()) is called by the refresher after
 * it published new keys, with p->lock released (the listener may take
 * its own locks, whose holders may call credprov_get()), under
 * p->listen_lock, which credprov_set_listener() takes too: once that
 * returns, the old listener is not running.  Keys fetched again and found
 * the same (a file read again after a rejection) are not news: telling
 * a paused sender would only make it try the rejected keys again.
 */
#include "credprov.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain.h"
#include "creddoc.h"
#include "log.h"
#include "util.h"

#define WAIT_MAX_MS 60000 /* longest sleep before the clocks are read again */

struct credprov {
	struct source src;

	pthread_mutex_t lock;
	pthread_cond_t cond;  /* CLOCK_MONOTONIC; wakes the refresher */
	struct creds *cur;    /* under lock; never NULL */
	bool stopping;        /* under lock */
	bool invalidated;     /* under lock: fetch again now */
	bool rejected;        /* under lock: ... because AWS said so */
	atomic_bool abort;    /* set by credprov_free: end a fetch now */

	pthread_mutex_t listen_lock; /* held while calling the listener */
	credprov_listener *listener; /* under listen_lock */
	void *listener_arg;

	bool have_thread;
	pthread_t thread;
	/* The refresher's own (under lock, read by nobody else). */
	int64_t next_wall;         /* next refresh, Unix ms; INT64_MAX = none */
	int64_t last_attempt_mono; /* for the once-a-second limit */
	unsigned failures;

	/* aws.role.ACCOUNT: a provider per account, whose source assumes
	 * the role with this one's keys; fixed after credprov_new(). */
	struct credprov_account {
		char account[13];
		struct credprov *prov;
	} *accounts;
	size_t naccounts;
};

static const char *key_tail(const struct creds *c)
{
	size_t n = strlen(c->c.access_key_id);

	return c->c.access_key_id + (n > 4 ? n - 4 : 0);
}

/* --------------------------------------------------------- the refresher */

/* Logs a new snapshot and schedules its refresh.  Under p->lock. */
static void schedule(struct credprov *p, const struct creds *s,
		     const char *why)
{
	char when[CREDDOC_TIME_MAX] = "";
	int64_t now = util_wall_ms();

	p->failures = 0;
	p->next_wall = creddoc_refresh_at(now, s->c.expires_ms,
					     util_random());
	if (!s->c.expires_ms) {
		log_info("credentials %s: %s, key ...%s, no expiry", why,
			 p->src.name, key_tail(s));
		return;
	}
	creddoc_format_time(s->c.expires_ms, when, sizeof(when));
	log_info("credentials %s: %s, key ...%s, expire %s (in %" PRId64
		 " s), refresh in %" PRId64 " s",
		 why, p->src.name, key_tail(s), when,
		 (s->c.expires_ms - now) / 1000, (p->next_wall - now) / 1000);
}

/* True when @a and @b hold the same keys (the expiry aside). */
static bool same_keys(const struct creds *a, const struct creds *b)
{
	const char *ta = a->c.session_token, *tb = b->c.session_token;

	return !strcmp(a->c.access_key_id, b->c.access_key_id) &&
	       !strcmp(a->c.secret_access_key, b->c.secret_access_key) &&
	       (ta && tb ? !strcmp(ta, tb) : ta == tb);
}

/* Tells the listener that new keys are out.  Without p->lock. */
static void tell_listener(struct credprov *p)
{
	pthread_mutex_lock(&p->listen_lock);
	if (p->listener)
		p->listener(p->listener_arg);
	pthread_mutex_unlock(&p->listen_lock);
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

/* Asks the source again: 0 with a new snapshot in *@ret, or an error. */
static int refresh_fetch(struct credprov *p, struct creds **ret,
			 char *errbuf, size_t errlen)
{
	struct credentials c = {0};
	int r;

	r = chain_fetch(&p->src, &c, errbuf, errlen);
	if (r)
		return r;
	*ret = creds_new(&c);
	if (*ret)
		return 0;
	creds_done(&c);
	util_set_error(errbuf, errlen, "%s: out of memory", p->src.name);
	return -ENOMEM;
}

static void *refresher(void *arg)
{
	struct credprov *p = arg;
	struct creds *fresh, *old;
	int64_t now, due;
	struct timespec ts;
	char errbuf[512];
	bool asked, news;
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
		asked = p->rejected;
		p->invalidated = false;
		p->rejected = false;
		p->last_attempt_mono = now;
		pthread_mutex_unlock(&p->lock);

		if (asked)
			log_info("credentials: AWS rejected the current ones, "
				 "asking %s again", p->src.name);
		fresh = NULL;
		r = refresh_fetch(p, &fresh, errbuf, sizeof(errbuf));

		pthread_mutex_lock(&p->lock);
		if (p->stopping) {
			creds_unref(fresh);
			break;
		}
		if (!r) {
			old = p->cur;
			news = !same_keys(old, fresh);
			p->cur = fresh;
			schedule(p, fresh, "refreshed");
			creds_unref(old);
			if (news) {
				pthread_mutex_unlock(&p->lock);
				tell_listener(p);
				pthread_mutex_lock(&p->lock);
			}
			continue;
		}
		p->failures++;
		if (p->cur->c.expires_ms)
			p->next_wall = creddoc_retry_at(util_wall_ms(),
							   p->cur->c.expires_ms,
							   p->failures,
							   util_random());
		else
			p->next_wall = INT64_MAX; /* until asked again */
		if (p->cur->c.expires_ms &&
		    p->cur->c.expires_ms <= util_wall_ms())
			log_error("credentials: refresh failed (%s); the "
				  "current ones have expired, retrying in "
				  "%" PRId64 " s", errbuf,
				  (p->next_wall - util_wall_ms()) / 1000);
		else
			log_warning("credentials: refresh failed (%s)%s", errbuf,
				    p->cur->c.expires_ms ?
					    "; keeping the current ones, "
					    "retrying" :
					    "; keeping the current ones");
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ------------------------------------------------------------ public API */

/* A per-account role's base: the keys the chain's provider holds now. */
static int base_from_chain(struct source *src, struct credentials *ret,
			   char *errbuf, size_t errlen)
{
	struct creds *s = credprov_get(src->opaque);
	struct credentials c = {.expires_ms = s->c.expires_ms};
	int r = 0;

	if (util_strdup_to(&c.access_key_id, s->c.access_key_id) ||
	    util_strdup_to(&c.secret_access_key, s->c.secret_access_key) ||
	    util_strdup_to(&c.session_token, s->c.session_token)) {
		util_set_error(errbuf, errlen, "out of memory");
		r = -ENOMEM;
	}
	creds_unref(s);
	if (!r)
		*ret = c;
	else
		creds_done(&c);
	return r;
}

/* A provider: the chain's (@role_arn NULL) or @account's role assumed
 * with @base's keys. */
static struct credprov *prov_new(const struct source_opts *opts,
				 const char *account, const char *role_arn,
				 struct credprov *base, char *errbuf,
				 size_t errlen)
{
	struct credprov *p = NULL, *ret = NULL;
	struct credentials c = {0};
	pthread_condattr_t ca;
	struct creds *first = NULL;
	bool lock_ok = false, cond_ok = false, listen_ok = false;
	int r = -ENOMEM;

	util_set_error(errbuf, errlen, "%s", "");
	p = calloc(1, sizeof(*p));
	if (!p) {
		util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	atomic_init(&p->abort, false);
	p->next_wall = INT64_MAX;
	lock_ok = !pthread_mutex_init(&p->lock, NULL);
	listen_ok = !pthread_mutex_init(&p->listen_lock, NULL);
	if (!pthread_condattr_init(&ca)) {
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		cond_ok = !pthread_cond_init(&p->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (!lock_ok || !cond_ok || !listen_ok) {
		util_set_error(errbuf, errlen, "cannot create a lock");
		goto out;
	}
	if (role_arn) {
		char name[64];

		snprintf(name, sizeof(name), "aws.role.%s", account);
		r = chain_role(opts, role_arn, name, base_from_chain, base,
			       &p->src, &c, errbuf, errlen);
	} else {
		r = chain_resolve(opts, &p->src, &c, errbuf, errlen);
	}
	if (!r) {
		first = creds_new(&c);
		r = first ? 0 : -ENOMEM;
	}
	if (r) {
		if (r == -ENOMEM)
			util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	p->src.abort = &p->abort;
	p->cur = first;
	pthread_mutex_lock(&p->lock);
	schedule(p, first, "loaded");
	pthread_mutex_unlock(&p->lock);
	if (chain_refreshes(&p->src)) {
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
	creds_done(&c);
	if (p) {
		creds_unref(p->cur);
		chain_source_done(&p->src);
		if (cond_ok)
			pthread_cond_destroy(&p->cond);
		if (lock_ok)
			pthread_mutex_destroy(&p->lock);
		if (listen_ok)
			pthread_mutex_destroy(&p->listen_lock);
		free(p);
	}
	if (!ret)
		errno = r < 0 ? -r : EAGAIN;
	return ret;
}

struct credprov *credprov_new(const struct source_opts *opts, char *errbuf,
			      size_t errlen)
{
	struct credprov *p;
	size_t i;
	int e;

	p = prov_new(opts, NULL, NULL, NULL, errbuf, errlen);
	if (!p || !opts->nroles)
		return p;
	p->accounts = calloc(opts->nroles, sizeof(*p->accounts));
	if (!p->accounts) {
		util_set_error(errbuf, errlen, "out of memory");
		credprov_free(p);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < opts->nroles; i++) {
		struct credprov_account *a = &p->accounts[p->naccounts];

		snprintf(a->account, sizeof(a->account), "%s",
			 opts->role_accounts[i]);
		a->prov = prov_new(opts, a->account, opts->role_arns[i], p,
				   errbuf, errlen);
		if (!a->prov) {
			e = errno;
			credprov_free(p);
			errno = e;
			return NULL;
		}
		p->naccounts++;
	}
	return p;
}

/* The per-account role entry for the account @list's ARN names, or NULL. */
static const struct credprov_account *account_of(const struct credprov *p,
						 const char *list)
{
	const char *acct = list;
	size_t i, f;

	/* The fast path: no roles, or a list named by name. */
	if (!p->naccounts || !list || strncmp(list, "arn:", 4))
		return NULL;
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:... */
	for (f = 0; f < 4 && acct; f++) {
		acct = strchr(acct, ':');
		if (acct)
			acct++;
	}
	if (!acct || strlen(acct) < 13 || acct[12] != ':')
		return NULL;
	for (i = 0; i < p->naccounts; i++)
		if (!strncmp(p->accounts[i].account, acct, 12))
			return &p->accounts[i];
	return NULL;
}

struct credprov *credprov_for_list(struct credprov *p, const char *list)
{
	const struct credprov_account *a = account_of(p, list);

	return a ? a->prov : p;
}

const char *credprov_role_account(const struct credprov *p, const char *list)
{
	const struct credprov_account *a = account_of(p, list);

	return a ? a->account : NULL;
}

struct credprov *credprov_for_account(struct credprov *p,
				      const char *account)
{
	size_t i;

	if (!account || !*account)
		return p;
	for (i = 0; i < p->naccounts; i++)
		if (!strcmp(p->accounts[i].account, account))
			return p->accounts[i].prov;
	return p;
}

size_t credprov_role_accounts(const struct credprov *p)
{
	return p->naccounts;
}

const char *credprov_role_account_at(const struct credprov *p, size_t i)
{
	return i < p->naccounts ? p->accounts[i].account : NULL;
}

struct creds *credprov_get(struct credprov *p)
{
	struct creds *c;

	pthread_mutex_lock(&p->lock);
	c = p->cur;
	creds_ref(c);
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
		p->rejected = true;
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}

void credprov_reread(struct credprov *p)
{
	if (!p || !p->have_thread)
		return;
	pthread_mutex_lock(&p->lock);
	p->invalidated = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void credprov_set_listener(struct credprov *p, credprov_listener *cb,
			   void *arg)
{
	size_t i;

	if (!p)
		return;
	pthread_mutex_lock(&p->listen_lock);
	p->listener = cb;
	p->listener_arg = arg;
	pthread_mutex_unlock(&p->listen_lock);
	for (i = 0; i < p->naccounts; i++)
		credprov_set_listener(p->accounts[i].prov, cb, arg);
}

const char *credprov_source(struct credprov *p)
{
	return p->src.name;
}

int64_t credprov_expires_ms(struct credprov *p)
{
	int64_t e;

	pthread_mutex_lock(&p->lock);
	e = p->cur->c.expires_ms;
	pthread_mutex_unlock(&p->lock);
	return e;
}

void credprov_free(struct credprov *p)
{
	size_t i;

	if (!p)
		return;
	/* The accounts' refreshers read this one's keys: they go first. */
	for (i = 0; i < p->naccounts; i++)
		credprov_free(p->accounts[i].prov);
	free(p->accounts);
	if (p->have_thread) {
		pthread_mutex_lock(&p->lock);
		p->stopping = true;
		atomic_store(&p->abort, true);
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	creds_unref(p->cur);
	chain_source_done(&p->src);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->listen_lock);
	free(p);
}
