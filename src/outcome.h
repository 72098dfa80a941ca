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
 *
 * Size: built from a struct request (request.c) and a struct api_result
 * (api.c), whose strings are bounded, an outcome's JSON is never longer than
 * OUTCOME_MAX_BYTES, whatever the request record and the API answer held
 * (test_outcome.c checks the worst case).  The producer sizes what it
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
};

/* Returns a malloc'd NUL-terminated JSON text (caller frees), or NULL when
 * out of memory or when @o is inconsistent (no error code on a failure). */
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
