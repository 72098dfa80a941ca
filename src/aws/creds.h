/* SPDX-License-Identifier: Apache-2.0 */
/*
 * creds.h - AWS credentials: the key triple every source fills, and the
 * reference-counted snapshot the signer holds.
 *
 * struct credentials is the one place the access key id, the secret, the
 * session token and their expiry travel together: the sources fill it,
 * creds_new() moves it into a snapshot, creds_done() wipes it.  A snapshot
 * (struct creds) is read-only once made and lives until its last reference
 * is dropped, so a refresh never changes keys under a request in flight.
 *
 * Pure: no I/O, threads or logging.  Any thread; a struct credentials
 * belongs to one thread at a time, a snapshot may be shared.
 */
#ifndef OPTOUT_CREDS_H
#define OPTOUT_CREDS_H

#include <stdatomic.h>
#include <stdint.h>

/* Larger answers (and token files, process output) are refused. */
#define CREDS_BODY_MAX (64 * 1024)

struct credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL for long-term credentials */
	int64_t expires_ms;  /* Unix ms; 0 = does not expire */
	char source[64];     /* "environment", "shared-credentials-file:default" ... */
};

/* Wipes the secrets, frees and zeroes; @c may be zeroed or NULL. */
void creds_done(struct credentials *c);

/* Sets c->source to "@what" or "@what:@profile" (cut to fit). */
void creds_set_source(struct credentials *c, const char *what,
		      const char *profile);

/* A reference-counted snapshot.  Read-only; released with creds_unref(). */
struct creds {
	struct credentials c; /* keys, expiry, source */
	atomic_int refs;      /* owned by creds.c */
};

/* A snapshot holding @c's keys (moved out of @c: the caller's copy is
 * zeroed) and one reference; NULL on ENOMEM (then @c is left as it was). */
struct creds *creds_new(struct credentials *c);

/* Takes one more reference to @s and returns it. */
struct creds *creds_ref(struct creds *s);

/* Drops a reference; the last one wipes and frees.  Accepts NULL. */
void creds_unref(struct creds *s);

#endif
