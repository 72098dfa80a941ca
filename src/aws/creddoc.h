/* SPDX-License-Identifier: Apache-2.0 */
/*
 * creddoc.h - what the AWS credential sources answer in JSON, their times,
 * and when to ask them again.
 *
 * The parsers turn the bytes a source gave (a credential_process's stdout,
 * the container endpoint's or the instance metadata's JSON) into keys and
 * an expiry, or into a one-line reason.  Reasons name the member or the
 * error code the source sent, never a value that could be a secret.  The
 * two schedule functions hold the refresh rule of credprov.h.
 *
 * Every key a parser accepts is printable ASCII without spaces (the key id
 * alphanumeric), so it can go into an HTTP header as it is.
 *
 * Pure: no I/O, no threads, no logging.  Any thread.
 */
#ifndef OPTOUT_CREDDOC_H
#define OPTOUT_CREDDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "creds.h"

#define CREDDOC_KEY_ID_MAX 128
/* "2026-11-26T10:00:00Z" and a NUL. */
#define CREDDOC_TIME_MAX 21
/* Characters of a source's own error text kept in a message. */
#define CREDDOC_REASON_MAX 200

enum creddoc_format {
	CREDDOC_PROCESS,   /* {"Version": 1, "AccessKeyId", "SecretAccessKey",
			    *  "SessionToken", "Expiration"} */
	CREDDOC_CONTAINER, /* {"AccessKeyId", "SecretAccessKey", "Token",
			    *  "Expiration", ...}; errors {"code","message"} */
	CREDDOC_IMDS,      /* {"Code": "Success", "AccessKeyId", ...,
			    *  "Token", "Expiration"} */
};

/*
 * Parses the JSON answer @body (@len bytes, need not be NUL-terminated) of
 * a source of format @fmt.  Expiration is optional (absent: the keys do not
 * expire); the session token is optional.  Returns 0 and fills the keys and
 * expiry of @ret (not its source); -EINVAL when the answer is not what the
 * format says (reason in @errbuf: which member is missing or bad, or the
 * source's own error code and message); -ENOMEM.  The caller wipes @body.
 */
int creddoc_parse_json(enum creddoc_format fmt, const char *body,
		       size_t len, struct credentials *ret, char *errbuf,
		       size_t errlen);

/*
 * The first role name in the instance metadata's listing
 * (.../iam/security-credentials/), one name per line.  Returns 0;
 * -ENOENT when the listing is empty; -EINVAL for a name that is not
 * [A-Za-z0-9+=,.@_-] or does not fit @len bytes.
 */
int creddoc_imds_role(const char *body, size_t len, char *buf,
		      size_t buflen);

/*
 * Parses an ISO 8601 / RFC 3339 time "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)"
 * ('t', 'z' and a space separator also taken, offsets also as +HHMM or
 * +HH; years 1970-9999).  A time without a zone is refused: it would be
 * read in some local time.  Returns 0 and Unix ms, or -EINVAL.
 */
int creddoc_parse_time(const char *s, size_t len, int64_t *ret_ms);

/* Writes @ms as "YYYY-MM-DDTHH:MM:SSZ" (UTC).  Returns 0 or -EINVAL
 * (before 1970, after 9999, or @len below CREDDOC_TIME_MAX). */
int creddoc_format_time(int64_t ms, char *buf, size_t len);

/*
 * When to refresh keys that expire at @expires_ms, fetched at @now_ms (both
 * Unix ms): a point 5 to 15 minutes before the expiry picked by @rnd, but
 * not before half the remaining lifetime has passed nor within a second.
 * INT64_MAX when @expires_ms is 0.
 */
int64_t creddoc_refresh_at(int64_t now_ms, int64_t expires_ms, uint64_t rnd);

/*
 * When to retry after @failures (>= 1) failed refreshes in a row: after
 * 1, 2, 4 ... 30 s (the upper half of it, picked by @rnd), but, while the
 * keys are still valid, at the latest half-way to their expiry, and never
 * within a second.
 */
int64_t creddoc_retry_at(int64_t now_ms, int64_t expires_ms,
			 unsigned failures, uint64_t rnd);

/* The rules shared with stsdoc.c. */
enum creddoc_key { CREDDOC_KEY_ID, CREDDOC_KEY_SECRET };

/* 1 when @s (@len bytes) may be kept as a key of @kind. */
int creddoc_key_ok(enum creddoc_key kind, const char *s, size_t len);

/* 1 for a character IAM allows in role and session names. */
int creddoc_role_char(unsigned char c);

/* Copies at most CREDDOC_REASON_MAX characters of @src for a message, each
 * byte outside printable ASCII (and any line break) as '?'. */
void creddoc_clean_copy(char *dst, size_t dstlen, const char *src,
			size_t srclen);

#endif
