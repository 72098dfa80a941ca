/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credsource.h - what the AWS credential sources answer, and when to ask
 * them again.
 *
 * The parsers turn the bytes a source gave (a credential_process's stdout,
 * the container endpoint's or the instance metadata's JSON, STS's
 * AssumeRoleWithWebIdentity XML) into keys and an expiry, or into a
 * one-line reason.  Reasons name the member or the error code the source
 * sent, never a value that could be a secret.  The builders make the STS
 * request and check container URLs; the two schedule functions hold the
 * refresh rule of credprov.h.
 *
 * Every key a parser accepts is printable ASCII without spaces (the key id
 * alphanumeric), so it can go into an HTTP header as it is.
 *
 * Pure: no I/O, no threads, no logging (container URLs go through libcurl's
 * URL parser, which does none).  Any thread.
 */
#ifndef OPTOUT_CREDSOURCE_H
#define OPTOUT_CREDSOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Larger answers (and token files, process output) are refused. */
#define CREDSOURCE_BODY_MAX (64 * 1024)
#define CREDSOURCE_KEY_ID_MAX 128
#define CREDSOURCE_SECRET_MAX 1024
/* "2026-11-26T10:00:00Z" and a NUL. */
#define CREDSOURCE_TIME_MAX 21

struct credsource_keys {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL when the source gave none */
	int64_t expires_ms;  /* Unix ms; 0 = does not expire */
};

/* Wipes the secrets, frees and zeroes; @k may be zeroed or NULL. */
void credsource_keys_done(struct credsource_keys *k);

enum credsource_format {
	CREDSOURCE_PROCESS,   /* {"Version": 1, "AccessKeyId", "SecretAccessKey",
			       *  "SessionToken", "Expiration"} */
	CREDSOURCE_CONTAINER, /* {"AccessKeyId", "SecretAccessKey", "Token",
			       *  "Expiration", ...}; errors {"code","message"} */
	CREDSOURCE_IMDS,      /* {"Code": "Success", "AccessKeyId", ...,
			       *  "Token", "Expiration"} */
};

/*
 * Parses the JSON answer @body (@len bytes, need not be NUL-terminated) of
 * a source of format @fmt.  Expiration is optional (absent: the keys do not
 * expire); the session token is optional.  Returns 0 and fills @ret;
 * -EINVAL when the answer is not what the format says (reason in @errbuf:
 * which member is missing or bad, or the source's own error code and
 * message); -ENOMEM.  The caller wipes @body.
 */
int credsource_parse_json(enum credsource_format fmt, const char *body,
			  size_t len, struct credsource_keys *ret,
			  char *errbuf, size_t errlen);

/*
 * Parses STS's answer to AssumeRoleWithWebIdentity (any HTTP status: the
 * body says whether it is a result or an <ErrorResponse>).  Returns 0 and
 * fills @ret (Expiration is required here); -EAGAIN for an error worth
 * retrying (IDPCommunicationError, InvalidIdentityToken - the SDKs retry
 * it, an identity provider's clock may lag -, Throttling, and the service's
 * own failures); -EACCES for any other error response; -EINVAL when the body
 * is neither.  The error code and message go to @errbuf.
 */
int credsource_parse_sts(const char *body, size_t len,
			 struct credsource_keys *ret, char *errbuf,
			 size_t errlen);

/*
 * The first role name in the instance metadata's listing
 * (.../iam/security-credentials/), one name per line.  Returns 0;
 * -ENOENT when the listing is empty; -EINVAL for a name that is not
 * [A-Za-z0-9+=,.@_-] or does not fit @len bytes.
 */
int credsource_imds_role(const char *body, size_t len, char *buf,
			 size_t buflen);

/*
 * Parses an ISO 8601 / RFC 3339 time "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)"
 * ('t', 'z' and a space separator also taken, offsets also as +HHMM or
 * +HH; years 1970-9999).  A time without a zone is refused: it would be
 * read in some local time.  Returns 0 and Unix ms, or -EINVAL.
 */
int credsource_parse_time(const char *s, size_t len, int64_t *ret_ms);

/* Writes @ms as "YYYY-MM-DDTHH:MM:SSZ" (UTC).  Returns 0 or -EINVAL
 * (before 1970, after 9999, or @len below CREDSOURCE_TIME_MAX). */
int credsource_format_time(int64_t ms, char *buf, size_t len);

/*
 * The form body of an AssumeRoleWithWebIdentity call (Version 2011-06-15)
 * in *@ret (malloc'd; it holds the token: wipe before freeing).  Returns
 * 0, -EINVAL for an empty argument or a session name that STS would refuse
 * (2-64 of [A-Za-z0-9+=,.@_-]), -ENOMEM.
 */
int credsource_sts_form(const char *role_arn, const char *session_name,
			const char *token, char **ret);

/*
 * The regional STS endpoint: https://sts.REGION.amazonaws.com/ (".com.cn"
 * for the China regions, "sts-fips." with @fips; without a region the
 * global https://sts.amazonaws.com/).  Returns 0, -EINVAL for a region
 * that is not [a-z0-9-], -ENOSPC.
 */
int credsource_sts_url(const char *region, bool fips, char *buf, size_t len);

/*
 * Checks a container credentials URL (AWS_CONTAINER_CREDENTIALS_FULL_URI)
 * as the SDKs do: https to any host; plain http only to a loopback host
 * (localhost, 127.0.0.0/8, ::1) or the ECS/EKS agents (169.254.170.2,
 * 169.254.170.23, fd00:ec2::23).  The URL is parsed by libcurl's URL API,
 * so the host checked is the one libcurl connects to; a URL with any
 * user-info part ("user@", "user:pass@", even an empty "@") is refused,
 * as are spaces, control and non-ASCII characters.  Returns 0 and whether
 * the host is local (no proxy must be used) in *@ret_local; -EINVAL with
 * the reason; -ENOMEM.  Any thread.
 */
int credsource_container_url(const char *url, bool *ret_local, char *errbuf,
			     size_t errlen);

/*
 * When to refresh keys that expire at @expires_ms, fetched at @now_ms (both
 * Unix ms): a point 5 to 15 minutes before the expiry picked by @rnd, but
 * not before half the remaining lifetime has passed nor within a second.
 * INT64_MAX when @expires_ms is 0.
 */
int64_t credsource_refresh_at(int64_t now_ms, int64_t expires_ms,
			      uint64_t rnd);

/*
 * When to retry after @failures (>= 1) failed refreshes in a row: after
 * 1, 2, 4 ... 30 s (the upper half of it, picked by @rnd), but, while the
 * keys are still valid, at the latest half-way to their expiry, and never
 * within a second.
 */
int64_t credsource_retry_at(int64_t now_ms, int64_t expires_ms,
			    unsigned failures, uint64_t rnd);

#endif
