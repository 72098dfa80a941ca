/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.h - request record JSON -> struct request, with validation.
 *
 * The rules are DESIGN.md's: a JSON object (UTF-8) with string members
 * OptOutListName (1-256 of [A-Za-z0-9_:/-]), OptedOutNumber
 * (\+?[1-9][0-9]{1,18}) and optional RequestId (string of at most 256
 * characters, or null = absent).  Unknown members are ignored; a member given
 * twice, a mistyped member, trailing data, invalid UTF-8 or a record larger
 * than the limit makes the request invalid.  The rule on a list ARN's
 * region (a known partition, a region of it where sms-voice exists) needs
 * the configuration (aws.extra_regions) and is applied by api_list_region().
 *
 * Pure: no I/O, no threads, no logging.
 */
#ifndef OPTOUT_REQUEST_H
#define OPTOUT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define REQUEST_LIST_MAX 256
#define REQUEST_NUMBER_MAX 20
#define REQUEST_ID_MAX 256

/* Error codes of invalid requests (the outcome's Error.Code). */
#define REQUEST_ERR_TOO_LARGE "RequestTooLarge"   /* over max_bytes */
#define REQUEST_ERR_MALFORMED "MalformedRequest"  /* not JSON / not an object / bad UTF-8 */
#define REQUEST_ERR_INVALID "InvalidRequest"      /* a member breaks a rule */

struct request {
	char *request_id; /* NULL when absent, null, or not a valid string */
	char *list;       /* OptOutListName; set only when valid */
	char *number;     /* OptedOutNumber; set only when valid */
	const char *error_code; /* NULL when valid, else a REQUEST_ERR_* */
	char error_message[256]; /* human text naming the member and the rule */
};

/*
 * Parses and validates the record value @buf of @len bytes (not
 * NUL-terminated; may be NULL when @len is 0).  Records over @max_bytes are
 * invalid without being parsed.
 *
 * Returns 0 when the request is valid; -EINVAL when it is invalid, with
 * error_code/error_message set and whatever members were valid kept (a valid
 * RequestId is always kept so it can be echoed); -ENOMEM.  In every case
 * @req must be released with request_done().
 */
int request_parse(struct request *req, const void *buf, size_t len,
		  size_t max_bytes);

/* Frees the members; @req may be zeroed or NULL. */
void request_done(struct request *req);

/*
 * The key that orders requests: the phone number without its optional '+'
 * (both forms name one phone), whatever list the request names, so an
 * erasure request and a later one for the same phone never overtake each
 * other.  malloc'd; NULL on ENOMEM.
 */
char *request_order_key(const struct request *req);

/* OptOutListName of an erase-everywhere request (DESIGN.md). */
#define REQUEST_EVERYWHERE "*"

/* Whether @req is valid and asks to erase everywhere. */
bool request_everywhere(const struct request *req);

/* Rule checks on their own (NUL-terminated input); 1 = valid; "*" is not
 * a list. */
int request_valid_list(const char *s);
int request_valid_number(const char *s);

#endif
