/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outcome.h - the outcome message (results topic value) as JSON.
 *
 * Shape fixed by DESIGN.md:
 *   {"RequestId", "Outcome", "OptOutListName", "OptedOutNumber",
 *    <API response members on deleted>, "Error" (not on deleted),
 *    "Attempts", "AwsRequestId", "Source": {"Topic","Partition","Offset"},
 *    ["KeyTruncated": true, "KeyLength": N,]
 *    "CompletedAt": "YYYY-MM-DDTHH:MM:SS.mmmZ"}
 * KeyTruncated/KeyLength are there only when the request record's key was
 * too long to be the outcome's key and was replaced (outcome_bound_key()).
 * An erase-everywhere outcome (struct outcome's entries) has
 * "OptOutListName": "*" and, after OptedOutNumber, "Lists": one object per
 * list {"OptOutListName", "OptOutListArn", "Region", "Outcome",
 * <OptedOutTimestamp, EndUserOptedOut on deleted>, "Error" (not on
 * deleted), "AwsRequestId"}; its top-level Outcome is the worst of the
 * entries' (outcome_worst()) and its top-level Error that of the first
 * entry with that outcome.
 *
 * Size: built from a struct request (request.c) and a struct api_result
 * (api.c), whose strings are bounded, an outcome's JSON is never longer than
 * OUTCOME_MAX_BYTES, whatever the request record and the API answer held
 * (test_outcome.c checks the worst case); each entry of "Lists" adds at
 * most OUTCOME_ENTRY_MAX_BYTES (outcome_max_bytes()).  The producer sizes what it
 * copies around it.
 *
 * Pure: no I/O, no threads, no logging.
 */
#ifndef OPTOUT_OUTCOME_H
#define OPTOUT_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* The longest outcome JSON built from validated requests and parsed API
 * answers (see above). */
#define OUTCOME_MAX_BYTES 32768

/* What one entry of "Lists" adds at most (strings bounded as above). */
#define OUTCOME_ENTRY_MAX_BYTES 40960

/* At most this many members of an API response are copied in. */
#define OUTCOME_RESPONSE_MAX 32

/* A replaced key: its first OUTCOME_KEY_PREFIX bytes, "#sha256:" and the
 * SHA-256 of the whole key in lowercase hex. */
#define OUTCOME_KEY_PREFIX 64
#define OUTCOME_KEY_BOUND (OUTCOME_KEY_PREFIX + 8 + 64)

enum outcome_kind {
	OUTCOME_DELETED = 0,
	OUTCOME_NOT_FOUND,
	OUTCOME_CONFLICT,
	OUTCOME_REJECTED,
	OUTCOME_DENIED,
	OUTCOME_FAILED,
	OUTCOME__COUNT
};

/* "deleted", "not_found", ...; NULL for an out-of-range kind. */
const char *outcome_name(enum outcome_kind kind);

/* One list of an erase-everywhere request; everything is borrowed. */
struct outcome_entry {
	enum outcome_kind kind; /* never OUTCOME_REJECTED */
	const char *list;       /* the list's name (DescribeOptOutLists) */
	const char *arn;        /* its ARN, or NULL (left out) */
	const char *region;
	/* deleted: the API's response object; only OptedOutTimestamp and
	 * EndUserOptedOut are copied (and OptOutListArn when arn is NULL). */
	const struct cJSON *response;
	const char *error_code; /* required unless deleted */
	const char *error_message;
	const char *error_reason;
	const char *error_resource_type;
	const char *error_resource_id;
	const char *aws_request_id; /* NULL: written as null */
};

/*
 * The top-level outcome of an erase-everywhere request: the worst of its
 * @n entries in the order failed, denied, conflict, deleted, not_found
 * (DESIGN.md, "Erase everywhere").  OUTCOME_NOT_FOUND when @n is 0 (no
 * list held the number); a rejected entry counts as failed.
 */
enum outcome_kind outcome_worst(const struct outcome_entry *entries,
				size_t n);

/* The longest outcome JSON with @nentries entries in "Lists". */
size_t outcome_max_bytes(size_t nentries);

/* Everything is borrowed; NULL strings are written as JSON null
 * (RequestId, OptOutListName, OptedOutNumber, AwsRequestId) or left out
 * (the optional Error members). */
struct outcome {
	enum outcome_kind kind;
	const char *request_id;
	const char *list;   /* as requested (valid) */
	const char *number; /* as requested (valid) */
	/* deleted: the API's response object; its top-level members are copied
	 * in, the first OUTCOME_RESPONSE_MAX that do not clash (a member named
	 * like one of ours replaces list/number, others that would clash with
	 * our own names, and repeats, are skipped).  api.c keeps only the API
	 * model's members, each bounded. */
	const struct cJSON *response;
	const char *error_code;    /* required unless deleted */
	const char *error_message; /* may be NULL */
	const char *error_reason;
	const char *error_resource_type;
	const char *error_resource_id;
	int attempts; /* API calls made; 0 for requests rejected locally */
	const char *aws_request_id;
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t completed_at_ms; /* Unix time in milliseconds */
	/* The record's key was replaced by outcome_bound_key(): written as
	 * "KeyTruncated": true and "KeyLength": key_length (the original
	 * length in bytes). */
	bool key_truncated;
	size_t key_length;
	/* Erase everywhere: @nentries entries, written as "Lists".  Then kind
	 * must be outcome_worst() of them, list is "*", response is ignored,
	 * and error_code may be NULL: the Error written is the first entry's
	 * of that kind.  @everywhere with no entry (no opt-out list anywhere):
	 * "Lists": [], kind not_found, and error_code says why. */
	const struct outcome_entry *entries;
	size_t nentries;
	bool everywhere;
	/* not_found entries left out to keep the outcome within the
	 * producer's limit: written as "ListsOmitted" when not 0. */
	size_t lists_omitted;
};

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (CompletedAt's form) for Unix
 * milliseconds @ms to @buf (@len at least 25, the NUL included).  Returns
 * 0, or -ERANGE outside the years 0000..9999 that the format can express
 * or when @len is shorter. */
int outcome_format_ms(int64_t ms, char *buf, size_t len);

/* Returns a malloc'd NUL-terminated JSON text (caller frees), or NULL when
 * out of memory or when @o is inconsistent (no error code on a failure; an
 * entry without one, or a kind that is not the worst of the entries). */
char *outcome_to_json(const struct outcome *o);

/*
 * The bounded stand-in for a record key of @len bytes that is too long to be
 * copied: its first OUTCOME_KEY_PREFIX bytes, then "#sha256:" and the
 * lowercase hex SHA-256 of the whole key; the same key always gives the same
 * stand-in (so it still partitions and compacts consistently).  Writes
 * exactly OUTCOME_KEY_BOUND bytes (no NUL) to @ret_key, which must hold
 * them, and returns 0; -EINVAL when @len is not longer than
 * OUTCOME_KEY_BOUND (such a key needs no stand-in) or hashing fails.
 */
int outcome_bound_key(const void *key, size_t len, char *ret_key);

#endif
