/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call.h - one attempt of the DeleteOptedOutNumber call: the request
 * built and signed, a libcurl easy handle set up to send it, the answer
 * collected and classified (api.c's table).
 *
 * The worker pool (sender.c) makes a call with call_new(), puts
 * call_easy() on its multi handle, and once libcurl says it is done, takes
 * it off again and lets call_finish() turn the answer (or the transport
 * failure) into an api_result.  A call knows nothing of jobs, queues or
 * the failure rules: it carries an opaque pointer for its owner, and
 * offers what the rules need to know (the retry-after hint, what AWS's
 * clock says, the credentials it was signed with).
 *
 * @locality a call belongs to the thread that made it (a worker); every
 * function may be called by that thread only.
 */
#ifndef OPTOUT_CALL_H
#define OPTOUT_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "sigv4.h"

struct api_result;
struct call;
struct creds;
struct endpoint_opts;
struct request;

/* What every call of a pool shares; must outlive the calls. */
struct call_opts {
	const struct endpoint_opts *endpoint;
	long connect_timeout_ms;
	long timeout_ms;
	const char *ca_file; /* NULL: the system's trust store */
};

/*
 * Builds the attempt for @req in @region, signed with @creds at @when
 * (seconds, already corrected for clock skew) using the thread's key
 * cache @keys, and sets up its easy handle (not yet added to any multi
 * handle).  Takes over the reference to @creds, also on failure.  Clears
 * @res first.  Returns 0 with the call in *ret_call, or a negative errno
 * with @res holding a local failure that retrying cannot fix (outcome
 * failed, retry none: ConfigurationError, SigningError, OutOfMemory).
 */
int call_new(const struct call_opts *opts, const char *region,
	     const struct request *req, struct creds *creds, time_t when,
	     struct sigv4_key_cache *keys, void *opaque,
	     struct api_result *res, struct call **ret_call);

/*
 * Like call_new(), for another action of the same API (@target, e.g.
 * "PinpointSMSVoiceV2.DescribeOptOutLists") with the JSON @body (under
 * 8 KiB): signed and sent the same way, the answer classified by the same
 * table, but a success keeps the whole answer object in res->response (not
 * only DeleteOptedOutNumber's members).  For --preflight's check and the
 * list cache's listings (listcache.c).
 */
int call_new_action(const struct call_opts *opts, const char *region,
		    const char *target, const char *body, struct creds *creds,
		    time_t when, struct sigv4_key_cache *keys, void *opaque,
		    struct api_result *res, struct call **ret_call);

/*
 * What one worker thread keeps between its calls: the signing-key cache,
 * and calls that are done but kept for the next attempt with their easy
 * handle (its options stay set: only the URL, the header list and the
 * body's length change) and their answer buffer, so that an attempt costs
 * neither a curl_easy_init() nor the call's allocation.  At most @max
 * spares.  Zero-initialise, then call_cache_init(); call_cache_done()
 * frees the spares and wipes the keys.
 */
struct call_cache {
	struct sigv4_key_cache keys;
	struct call *spare; /* a list through the calls */
	int nspare, max;
};

void call_cache_init(struct call_cache *cc, int max);
void call_cache_done(struct call_cache *cc);

/* call_new_action() when @target is not NULL, else call_new(): the
 * sender's one way to start a job's attempt; takes a spare call of @cc
 * when there is one. */
int call_new_job(const struct call_opts *opts, const char *region,
		 const struct request *req, const char *target,
		 const char *body, struct creds *creds, time_t when,
		 struct call_cache *cc, void *opaque,
		 struct api_result *res, struct call **ret_call);

/* Gives @c (off every multi handle) back to @cc for the next attempt:
 * its header list (the signature among it) is wiped and freed and its
 * credentials let go now, as call_free() would; call_free() instead when
 * @cc has @max spares. */
void call_recycle(struct call_cache *cc, struct call *c);

/* The easy handle to put on a multi handle; the call owns it. */
CURL *call_easy(const struct call *c);

/* The call whose easy handle is @easy (as libcurl's done message names
 * it). */
struct call *call_of(CURL *easy);

/* The owner's pointer given to call_new(). */
void *call_opaque(const struct call *c);

/* When the call was made (monotonic ms). */
int64_t call_started_ms(const struct call *c);

/* The credentials the call was signed with (the call keeps its
 * reference). */
const struct creds *call_creds(const struct call *c);

/*
 * libcurl finished the transfer with @rc: fills @res (which must hold
 * nothing) with the classified answer (api_parse_response()), or with a
 * transport failure named after @rc.
 */
void call_finish(struct call *c, CURLcode rc, struct api_result *res);

/* AWS's retry-after hint in ms, < 0 when it gave none. */
int64_t call_retry_after_ms(const struct call *c);

/*
 * True when @res (this call's answer) blames the request's time and the
 * answer's Date header says what AWS's clock reads: then *ret_skew_s is
 * AWS's clock minus ours, in seconds.
 */
bool call_clock_skew(const struct call *c, const struct api_result *res,
		     long long *ret_skew_s);

/* Frees the call, its easy handle (which must be off every multi handle)
 * and its credentials reference.  NULL is fine. */
void call_free(struct call *c);

#endif
