/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sigv4.h - AWS Signature Version 4 (header signing) with OpenSSL.
 *
 * canonical request -> string to sign -> signature with the derived signing
 * key, as in AWS's documentation and test suite.  The signer adds the
 * x-amz-date header (and x-amz-security-token when the credentials carry a
 * token) to the signed headers itself; the caller must send the same
 * values (ret->amz_date, the token) on the wire.
 *
 * Pure: no I/O, no threads, no logging.  A key cache belongs to one thread.
 */
#ifndef OPTOUT_SIGV4_H
#define OPTOUT_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "creds.h"

struct sigv4_header {
	const char *name;  /* any case; repeated names are joined with ',' */
	const char *value; /* trimmed, inner runs of spaces collapsed */
};

struct sigv4_request {
	const char *method; /* "POST" */
	const char *path;   /* raw path as sent, e.g. "/" */
	const char *query;  /* raw query without '?', or NULL */
	/* Headers to sign; must include "host".  x-amz-date and
	 * x-amz-security-token are added by the signer. */
	const struct sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	bool normalize_path; /* remove "." ".." and empty segments */
	/* Token added after signing (not signed), as some services want;
	 * the test suite's omit_session_token. */
	bool omit_session_token;
};

/* Derived signing keys, cached per (date, region, service, key id).  Embed
 * one per thread; zero-initialise, release with sigv4_key_cache_done(). */
struct sigv4_key_cache {
	char date[9];
	char region[64];
	char service[64];
	char access_key_id[129];
	unsigned char key[32];
	bool valid;
};

/* Wipes the key (OPENSSL_cleanse). */
void sigv4_key_cache_done(struct sigv4_key_cache *cache);

struct sigv4_result {
	char amz_date[17];       /* "20150830T123600Z" */
	char signature[65];      /* lower-case hex */
	char *authorization;     /* Authorization header value */
	char *canonical_request; /* kept for tests and debugging */
	char *string_to_sign;
};

/*
 * Signs @req for @region/@service at time @when with @cred.  @cache may be
 * NULL.  Returns 0 and fills @ret (release with sigv4_result_done());
 * -EINVAL for unusable input (no host header, bad path, CR or LF in a
 * header, x-amz-date or x-amz-security-token among @req's headers, a
 * time outside years 1000-9999); -ENOMEM.
 */
int sigv4_sign(const struct sigv4_request *req,
	       const struct credentials *cred, const char *region,
	       const char *service, time_t when, struct sigv4_key_cache *cache,
	       struct sigv4_result *ret);

void sigv4_result_done(struct sigv4_result *res);

#endif
