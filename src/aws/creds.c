/* SPDX-License-Identifier: Apache-2.0 */
/*
 * creds.c - the key triple and its reference-counted snapshot.
 *
 * Owns the lifetime of every copy of a secret key: creds_done() wipes with
 * util_secret_free() (OPENSSL_cleanse), and creds_unref() does so when the
 * last reference goes.  Called by every credential source (to fill and
 * release a struct credentials), by credprov.c (to publish snapshots) and
 * by the senders' worker threads (to drop the snapshot a request was signed
 * with).  Pure and lock-free: the count is one atomic.
 */
#include "creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void creds_done(struct credentials *c)
{
	if (!c)
		return;
	util_secret_free(c->access_key_id);
	util_secret_free(c->secret_access_key);
	util_secret_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

void creds_set_source(struct credentials *c, const char *what,
		      const char *profile)
{
	if (profile)
		snprintf(c->source, sizeof(c->source), "%s:%s", what, profile);
	else
		snprintf(c->source, sizeof(c->source), "%s", what);
}

struct creds *creds_new(struct credentials *c)
{
	struct creds *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c = *c;
	memset(c, 0, sizeof(*c));
	atomic_init(&s->refs, 1);
	return s;
}

struct creds *creds_ref(struct creds *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void creds_unref(struct creds *s)
{
	if (!s)
		return;
	if (atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	creds_done(&s->c);
	free(s);
}
