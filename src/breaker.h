/* SPDX-License-Identifier: Apache-2.0 */
/*
 * breaker.h - the systemic-failure rules: who caused a fault, pause, probe,
 * resume, and how long a request may keep trying.
 *
 * Every answer to an attempt is reported here as one of five kinds
 * (enum breaker_answer); the breaker decides whether the request's answer
 * stands (final), is retried under the retry policy (its retry clock
 * running) or is held by a pause (its clock stopped).  The rules, in order:
 *
 *  - Attribution.  A fault seen in one region while another region answers
 *    (any AWS answer within BREAKER_RECENT_MS) is that region's: the region
 *    is held (a region the account has not enabled answers 403
 *    UnrecognizedClientException; a made-up endpoint does not resolve).  A
 *    held region sends one probe at a time; its requests keep their retry
 *    clocks running and end "failed" when retry.max_seconds is used up,
 *    while the other regions flow.  The same fault with no other region
 *    answering is the whole system's: the pipeline pauses, requests are held
 *    with their clocks stopped, consumption stops (breaker_paused()).
 *  - Credentials rejected (BREAKER_AUTH, not clock skew): the first one
 *    holds (region) or pauses (all).
 *  - Transport faults (no answer, or an answer that is not from AWS: a
 *    proxy's page): BREAKER_TRANSPORT_STREAK in a row in a region with no
 *    AWS answer in between hold or pause.
 *  - Access denied: a request denied while some call was allowed after its
 *    first denial is denied on its own (outcome "denied").  Otherwise the
 *    denial is not yet known to be the request's own: it is retried after
 *    BREAKER_DENIED_RETRY_MS, and BREAKER_DENIED_STREAK denials in a row
 *    with no allowed call since pause the pipeline ("access denied for
 *    every request"), whatever the number of lists in traffic.  Such a
 *    pause keeps consuming (breaker_holds_consumption()) so that a request
 *    of an allowed list can be the next probe and lift it.
 *  - Retry budget: a retry the budget cannot pay for pauses the pipeline.
 *  - Lifting: any final AWS answer (deleted, not_found, conflict,
 *    validation) lifts every pause and hold and refills the retry budget;
 *    an AccessDeniedException lifts credential and transport ones (AWS took
 *    the credentials); a throttle or a 5xx from AWS lifts transport ones
 *    (AWS is reachable), without refilling the budget (the service still
 *    fails: the budget decides).  Nothing else does.
 *  - Probes.  While paused (held) one probe at a time goes out, the oldest
 *    held request first, with backoff from BREAKER_PROBE_MIN_MS to
 *    BREAKER_PROBE_MAX_MS.  A probe that meets the fault again goes to the
 *    back (its next attempt waits for the backoff), its attempt counts
 *    against retry.max_attempts and its own clock runs for the time it was
 *    on the wire: no request probes for a pause with its clock stopped, and
 *    the probes rotate.  (Charging it the whole backoff would end requests
 *    as failed for an outage they only probed.)
 *  - New credentials.  While the pipeline is paused for credentials
 *    rejected, the credential provider publishing new keys
 *    (breaker_credentials_renewed()) makes the next probe due at once
 *    rather than at the end of its backoff, and a probe that was on the
 *    wire with the old keys then does not back off either.  Other pauses
 *    (and region holds) keep their backoff: new keys do not lift them.
 *  - Time paused does not count: a request's elapsed time is its wall time
 *    since its first attempt minus the time the pipeline was paused
 *    meanwhile (plus what its own probes were charged), and attempts that
 *    were held do not count against retry.max_attempts.
 *
 * Keys: "region" below is a health key (BREAKER_KEY_MAX): the region for
 * the credential chain's requests, "region/account" for those of an
 * account signed with its own role (aws.role.ACCOUNT), so that one
 * account's refused keys hold that account alone, as a region's would.
 *
 * Pure: no I/O, no threads, no logging.  The caller serialises every call
 * on one struct breaker (the sender pool calls it under its lock) and
 * reports pause changes (breaker_take_news()).
 */
#ifndef OPTOUT_BREAKER_H
#define OPTOUT_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "retry.h"

#define BREAKER_REGIONS_MAX 64
/* A region's name, or "region/account" where the requests of an account
 * with its own credentials (aws.role.ACCOUNT) are judged apart: every
 * "region" below is such a key. */
#define BREAKER_KEY_MAX 48
#define BREAKER_RECENT_MS 60000
#define BREAKER_TRANSPORT_STREAK 5
#define BREAKER_DENIED_STREAK 3
#define BREAKER_DENIED_RETRY_MS 1000
#define BREAKER_PROBE_MIN_MS 1000
#define BREAKER_PROBE_MAX_MS 30000
#define BREAKER_REASON_MAX 192

enum breaker_answer {
	BREAKER_OK,        /* a final answer from AWS */
	BREAKER_BUSY,      /* AWS answered, retryable: throttle, 5xx */
	BREAKER_DENIED,    /* AccessDeniedException */
	BREAKER_AUTH,      /* credentials or signature rejected */
	BREAKER_TRANSPORT, /* no answer, or not from AWS */
};

enum breaker_verdict {
	BREAKER_FINAL, /* the answer stands */
	BREAKER_RETRY, /* try again at *ret_not_before_ms, clock running */
	BREAKER_HOLD,  /* held by a pause: clock stopped */
};

enum breaker_admit {
	BREAKER_GO,      /* may start now (as a probe when *ret_probe) */
	BREAKER_WAIT,    /* not before *ret_wait_ms from now */
	BREAKER_EXPIRED, /* held too long: end it with the region's fault */
};

/* What the breaker keeps per request; embedded in the job, zeroed at
 * creation.  Owned by whoever holds the job. */
struct breaker_clock {
	int64_t submitted_ms; /* when it reached the pool (monotonic) */
	int64_t start_ms;     /* its retry clock started; 0: not yet */
	int64_t paused_base_ms; /* pause time already spent at start_ms */
	int64_t charged_ms;   /* its probes' time on the wire */
	int64_t probe_started_ms; /* its probe attempt began */
	int counted;          /* attempts that count against max_attempts */
	unsigned budget_taken; /* cost of its last retry */
	int64_t first_denied_ms; /* its first denial; 0: never denied */
	bool holds_probe;     /* it is the probe on the wire */
};

/* One answer, as the sender saw it. */
struct breaker_event {
	const char *region;
	const char *list;  /* for the pause reason */
	enum breaker_answer answer;
	enum api_retry cls; /* for the backoff */
	const char *code;  /* error code or NULL */
	long http_status;
	bool foreign;      /* an answer, but not from AWS */
	int64_t retry_after_ms; /* AWS's hint, < 0 none */
	uint64_t rnd;      /* jitter source */
};

struct breaker_region {
	char name[BREAKER_KEY_MAX];
	int64_t last_answer_ms; /* last AWS answer of any kind */
	int transport_streak;
	bool held;
	int hold_kind;
	int64_t held_since_ms;
	char reason[BREAKER_REASON_MAX];
	char code[64]; /* the held region's fault, for expired requests */
	bool probe_busy;
	int64_t next_probe_ms;
	int64_t probe_backoff_ms;
};

struct breaker {
	struct retry_policy policy;
	unsigned budget_capacity;
	struct retry_budget budget;

	struct breaker_region regions[BREAKER_REGIONS_MAX];
	int nregions;

	/* The whole pipeline's pause. */
	bool paused;
	int pause_kind;
	char reason[BREAKER_REASON_MAX];
	bool probe_busy;
	int64_t next_probe_ms;
	int64_t probe_backoff_ms;
	int64_t paused_since_ms;
	int64_t paused_total_ms; /* closed pauses, summed */
	int64_t renewed_ms; /* new credentials during this pause; 0: none */

	int64_t last_allowed_ms; /* last answer that was not a denial */
	int denied_streak;
	bool news; /* a pause or hold began or ended */
};

/* The kind of answer a classified result (api.c) is, for these rules: a
 * final one, a denial, credentials rejected, AWS busy, or no answer from
 * AWS (none at all, or a foreign one). */
enum breaker_answer breaker_answer_of(const struct api_result *res);

/* Zeroed breaker with @policy and a full retry budget of @budget. */
void breaker_init(struct breaker *b, const struct retry_policy *policy,
		  unsigned budget);

/* A reload: new policy and budget size (the budget keeps its tokens, capped
 * at the new size). */
void breaker_reconfigure(struct breaker *b, const struct retry_policy *policy,
			 unsigned budget);

/* The job reached the pool at @now. */
void breaker_clock_submitted(struct breaker_clock *c, int64_t now);

/*
 * May a request of @region start an attempt at @now?  No side effect but
 * starting the clock of a request that waits in a held region.  BREAKER_GO
 * sets *ret_probe (it must then call breaker_started()); BREAKER_WAIT sets
 * *ret_wait_ms (> 0); BREAKER_EXPIRED: a held region's request whose time
 * is up: end it as failed with breaker_region_fault().
 */
enum breaker_admit breaker_admit(struct breaker *b, const char *region,
				 struct breaker_clock *c, int64_t now,
				 bool *ret_probe, int64_t *ret_wait_ms);

/* The attempt admitted with @probe started at @now (starts the request's
 * clock at its first attempt; takes the probe slot). */
void breaker_started(struct breaker *b, const char *region,
		     struct breaker_clock *c, bool probe, int64_t now);

/* An admitted attempt could not be started (local failure): frees the
 * probe slot it held. */
void breaker_abandoned(struct breaker *b, const char *region,
		       struct breaker_clock *c);

/*
 * The answer to the request's attempt arrived at @now.  Returns what happens to it; for
 * BREAKER_RETRY and for a held probe *ret_not_before_ms is when it may try
 * again; for other holds *ret_not_before_ms is 0 ("keep your place").
 */
enum breaker_verdict breaker_report(struct breaker *b,
				    const struct breaker_event *ev,
				    struct breaker_clock *c, int64_t now,
				    int64_t *ret_not_before_ms);

/* Milliseconds of retry time the request has used at @now. */
int64_t breaker_elapsed_ms(const struct breaker *b,
			   const struct breaker_clock *c, int64_t now);

/* True while the whole pipeline is paused; copies why to @reason. */
bool breaker_paused(const struct breaker *b, char *reason, size_t len);

/* True while the pause must also stop consumption: every pause but one for
 * denials.  While denials pause, requests keep being read (up to the
 * in-flight bound, held like the rest) so that one for another list can
 * show, as a probe, that the denial is a list's own rather than everyone's:
 * a lone request for a denied list must not stop the others for
 * retry.max_seconds. */
bool breaker_holds_consumption(const struct breaker *b);

/* The held region's fault: its error code and reason ("" when @region is
 * not held). */
void breaker_region_fault(const struct breaker *b, const char *region,
			  const char **ret_code, const char **ret_reason);

/* Writes the held regions, comma separated, to @buf; returns how many. */
int breaker_held_regions(const struct breaker *b, char *buf, size_t len);

/* The credential provider published new keys at @now: when the pipeline
 * is paused for credentials rejected, the probe is due at once (a probe on
 * the wire, signed before, will not back off when it fails).  Returns
 * true when it changed when the next probe may go; nothing otherwise. */
bool breaker_credentials_renewed(struct breaker *b, int64_t now);

/* True once after a pause or hold began or ended. */
bool breaker_take_news(struct breaker *b);

#endif
