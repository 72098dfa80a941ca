/* SPDX-License-Identifier: Apache-2.0 */
/*
 * breaker.c - the systemic-failure rules (see breaker.h for the rules).
 *
 * State: one record per region seen (its last AWS answer, its transport
 * streak, its hold and probe), the pipeline's pause with its probe, the
 * time spent paused (so that requests' clocks can leave it out), the
 * denial streak and the retry budget.  Pause kinds are bits, so "what lifts
 * what" is one mask per answer kind (lifts[]).  The sender pool calls
 * every function under its lock, from whichever worker thread saw the
 * answer; the breaker takes what it needs as arguments and calls nobody
 * but the pure logscrub.c: every reason is logged, sent as STATUS= and
 * shown on /readyz, so the text from outside in it (an AWS error code, a
 * list name as a request gave it) is masked where it enters (code_of(),
 * denied()): a phone number in it never reaches any of them.
 */
#include "breaker.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logscrub.h"

enum {
	KIND_AUTH = 1,
	KIND_TRANSPORT = 2,
	KIND_DENIED = 4,
	KIND_BUDGET = 8,
};

/* Which pauses an answer of each kind lifts (indexed by breaker_answer). */
static const int lifts[] = {
	[BREAKER_OK] = KIND_AUTH | KIND_TRANSPORT | KIND_DENIED | KIND_BUDGET,
	[BREAKER_BUSY] = KIND_TRANSPORT,
	[BREAKER_DENIED] = KIND_AUTH | KIND_TRANSPORT,
	[BREAKER_AUTH] = 0,
	[BREAKER_TRANSPORT] = 0,
};

enum breaker_answer breaker_answer_of(const struct api_result *res)
{
	switch (res->retry) {
	case API_RETRY_NONE:
		return res->outcome == OUTCOME_DENIED ? BREAKER_DENIED
						      : BREAKER_OK;
	case API_RETRY_AUTH:
		return BREAKER_AUTH;
	case API_RETRY_THROTTLE:
		return BREAKER_BUSY;
	case API_RETRY_TRANSIENT:
		break;
	}
	/* No answer, or one that is not from AWS (a proxy's page). */
	if (res->http_status == 0 || res->foreign)
		return BREAKER_TRANSPORT;
	return BREAKER_BUSY;
}

void breaker_init(struct breaker *b, const struct retry_policy *policy,
		  unsigned budget)
{
	memset(b, 0, sizeof(*b));
	b->policy = *policy;
	b->budget_capacity = budget;
	retry_budget_init(&b->budget, budget);
}

void breaker_reconfigure(struct breaker *b, const struct retry_policy *policy,
			 unsigned budget)
{
	b->policy = *policy;
	b->budget_capacity = budget;
	b->budget.capacity = budget;
	if (budget && b->budget.tokens > budget)
		b->budget.tokens = budget;
}

void breaker_clock_submitted(struct breaker_clock *c, int64_t now)
{
	memset(c, 0, sizeof(*c));
	c->submitted_ms = now;
}

static struct breaker_region *region_get(struct breaker *b, const char *name)
{
	struct breaker_region *r;
	int i;

	for (i = 0; i < b->nregions; i++)
		if (strcmp(b->regions[i].name, name) == 0)
			return &b->regions[i];
	/* Regions are validated before they get here; past the table's end
	 * the last record is shared rather than anything failing. */
	if (b->nregions == BREAKER_REGIONS_MAX)
		return &b->regions[BREAKER_REGIONS_MAX - 1];
	r = &b->regions[b->nregions++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static const struct breaker_region *region_find(const struct breaker *b,
						const char *name)
{
	int i;

	for (i = 0; i < b->nregions; i++)
		if (strcmp(b->regions[i].name, name) == 0)
			return &b->regions[i];
	return NULL;
}

/* Pause time spent up to @now, closed pauses and the current one. */
static int64_t paused_acc(const struct breaker *b, int64_t now)
{
	return b->paused_total_ms + (b->paused ? now - b->paused_since_ms : 0);
}

int64_t breaker_elapsed_ms(const struct breaker *b,
			   const struct breaker_clock *c, int64_t now)
{
	int64_t e;

	if (!c->start_ms)
		return 0;
	e = now - c->start_ms - (paused_acc(b, now) - c->paused_base_ms) +
	    c->charged_ms;
	return e < 0 ? 0 : e;
}

static void start_clock(const struct breaker *b, struct breaker_clock *c,
			int64_t at, int64_t now)
{
	c->start_ms = at ? at : 1;
	c->paused_base_ms = paused_acc(b, now);
}

enum breaker_admit breaker_admit(struct breaker *b, const char *region,
				 struct breaker_clock *c, int64_t now,
				 bool *ret_probe, int64_t *ret_wait_ms)
{
	const struct breaker_region *r = region_find(b, region);
	int64_t left;

	if (b->paused) {
		if (b->probe_busy || now < b->next_probe_ms) {
			*ret_wait_ms = b->probe_busy ? 200
						     : b->next_probe_ms - now;
			return BREAKER_WAIT;
		}
		*ret_probe = true;
		return BREAKER_GO;
	}
	if (!r || !r->held) {
		*ret_probe = false;
		return BREAKER_GO;
	}
	/* A held region's requests use up their time waiting. */
	if (!c->start_ms)
		start_clock(b, c,
			    c->submitted_ms > r->held_since_ms ? c->submitted_ms
							       : r->held_since_ms,
			    now);
	left = (int64_t)b->policy.max_seconds * 1000 -
	       breaker_elapsed_ms(b, c, now);
	if (left <= 0)
		return BREAKER_EXPIRED;
	if (r->probe_busy || now < r->next_probe_ms) {
		*ret_wait_ms = r->probe_busy ? 200 : r->next_probe_ms - now;
		if (*ret_wait_ms > left)
			*ret_wait_ms = left;
		return BREAKER_WAIT;
	}
	*ret_probe = true;
	return BREAKER_GO;
}

void breaker_started(struct breaker *b, const char *region,
		     struct breaker_clock *c, bool probe, int64_t now)
{
	if (!c->start_ms)
		start_clock(b, c, now, now);
	if (!probe)
		return;
	c->holds_probe = true;
	c->probe_started_ms = now;
	if (b->paused)
		b->probe_busy = true;
	else
		region_get(b, region)->probe_busy = true;
}

static void release_probe(struct breaker *b, const char *region,
			  struct breaker_clock *c)
{
	const struct breaker_region *found = region_find(b, region);

	if (!c->holds_probe)
		return;
	c->holds_probe = false;
	/* Whichever slot it took (a pause may have begun or ended since). */
	b->probe_busy = false;
	if (found)
		region_get(b, region)->probe_busy = false;
}

void breaker_abandoned(struct breaker *b, const char *region,
		       struct breaker_clock *c)
{
	release_probe(b, region, c);
}

static void pause_all(struct breaker *b, int kind, int64_t now,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void pause_all(struct breaker *b, int kind, int64_t now,
		      const char *fmt, ...)
{
	va_list ap;

	if (b->paused)
		return;
	va_start(ap, fmt);
	vsnprintf(b->reason, sizeof(b->reason), fmt, ap);
	va_end(ap);
	b->paused = true;
	b->pause_kind = kind;
	b->paused_since_ms = now;
	b->probe_busy = false;
	b->probe_backoff_ms = BREAKER_PROBE_MIN_MS;
	b->next_probe_ms = now + b->probe_backoff_ms;
	b->renewed_ms = 0;
	b->news = true;
}

/* @ev's error code as a reason may show it: AWS's text, so its digit runs
 * that may be a phone number masked ("?" when there is none). */
static const char *code_of(const struct breaker_event *ev, char *out,
			   size_t size)
{
	return logscrub_digits(ev->code ? ev->code : "?", out, size);
}

static void hold_region(struct breaker *b, struct breaker_region *r, int kind,
			const char *code, int64_t now, const char *what)
{
	if (r->held)
		return;
	r->held = true;
	r->hold_kind = kind;
	r->held_since_ms = now;
	r->probe_busy = false;
	r->probe_backoff_ms = BREAKER_PROBE_MIN_MS;
	r->next_probe_ms = now + r->probe_backoff_ms;
	snprintf(r->code, sizeof(r->code), "%s", code);
	/* Truncation only shortens the message. */
	if (snprintf(r->reason, sizeof(r->reason),
		     "region %s: %s (%s) while other regions answer", r->name,
		     what, r->code) < 0)
		r->reason[0] = '\0';
	b->news = true;
}

/* True when a region other than @r gave an AWS answer lately. */
static bool others_answer(const struct breaker *b,
			  const struct breaker_region *r, int64_t now)
{
	int i;

	for (i = 0; i < b->nregions; i++) {
		const struct breaker_region *q = &b->regions[i];

		if (q != r && !q->held && q->last_answer_ms &&
		    now - q->last_answer_ms <= BREAKER_RECENT_MS)
			return true;
	}
	return false;
}

/* A fault of @kind in @r: the region's own when others answer, else the
 * whole system's. */
static void attribute(struct breaker *b, struct breaker_region *r, int kind,
		      const struct breaker_event *ev, int64_t now)
{
	char code[64];

	code_of(ev, code, sizeof(code));
	/* Already paused, or already the region's own: stays so (a held
	 * region's probe says nothing about the others). */
	if (b->paused || r->held)
		return;
	if (others_answer(b, r, now)) {
		hold_region(b, r, kind, code, now,
			    kind == KIND_AUTH ? "credentials not accepted "
						"(is the region enabled for "
						"the account?)"
			    : ev->foreign ? "answers that are not from AWS"
					  : "endpoint unreachable");
		return;
	}
	if (kind == KIND_AUTH)
		pause_all(b, kind, now, "credentials rejected: %s", code);
	else if (ev->foreign)
		pause_all(b, kind, now,
			  "the endpoint answers without AWS request ids "
			  "(HTTP %ld): a proxy?",
			  ev->http_status);
	else
		pause_all(b, kind, now, "endpoint unreachable: %s", code);
}

static void lift(struct breaker *b, struct breaker_region *r, int mask,
		 int64_t now)
{
	if (b->paused && (b->pause_kind & mask)) {
		b->paused_total_ms += now - b->paused_since_ms;
		b->paused = false;
		b->probe_busy = false;
		b->reason[0] = '\0';
		b->denied_streak = 0;
		if (mask == lifts[BREAKER_OK])
			retry_budget_init(&b->budget, b->budget_capacity);
		b->news = true;
	}
	if (r->held && (r->hold_kind & mask)) {
		r->held = false;
		r->probe_busy = false;
		r->reason[0] = '\0';
		r->transport_streak = 0;
		b->news = true;
	}
}

/* The probe met the fault again: the next one waits twice as long. */
static int64_t probe_failed(int64_t *backoff, int64_t *next, int64_t now)
{
	*backoff *= 2;
	if (*backoff > BREAKER_PROBE_MAX_MS)
		*backoff = BREAKER_PROBE_MAX_MS;
	*next = now + *backoff;
	return *backoff;
}

/* Held by the pipeline's pause: the clock stops, except for a probe, which
 * goes to the back, counts as an attempt and is charged its time on the
 * wire. */
static enum breaker_verdict hold(struct breaker *b, struct breaker_clock *c,
				 bool probe, int64_t now,
				 int64_t *ret_not_before_ms)
{
	if (!probe) {
		*ret_not_before_ms = 0;
		return BREAKER_HOLD;
	}
	probe_failed(&b->probe_backoff_ms, &b->next_probe_ms, now);
	/* Signed with the keys the provider has since replaced: the new ones
	 * are still untried. */
	if (b->pause_kind == KIND_AUTH && b->renewed_ms &&
	    c->probe_started_ms <= b->renewed_ms)
		b->next_probe_ms = now;
	if (c->probe_started_ms && now > c->probe_started_ms)
		c->charged_ms += now - c->probe_started_ms;
	c->counted++;
	*ret_not_before_ms = b->next_probe_ms;
	return BREAKER_HOLD;
}

/* Retry at @not_before when the request's limits allow it. */
static enum breaker_verdict retry_or_final(struct breaker *b,
					   struct breaker_clock *c,
					   int64_t delay, int64_t now,
					   int64_t *ret_not_before_ms)
{
	c->counted++;
	if (!retry_allowed(&b->policy, c->counted,
			   breaker_elapsed_ms(b, c, now), delay))
		return BREAKER_FINAL;
	*ret_not_before_ms = now + delay;
	return BREAKER_RETRY;
}

static enum breaker_verdict denied(struct breaker *b,
				   const struct breaker_event *ev,
				   struct breaker_clock *c, bool probe,
				   int64_t now, int64_t *ret_not_before_ms)
{
	char list[128];

	if (!c->first_denied_ms)
		c->first_denied_ms = now;
	else if (b->last_allowed_ms > c->first_denied_ms) {
		/* Others were allowed while this one was denied. */
		c->counted++;
		return BREAKER_FINAL;
	}
	if (++b->denied_streak >= BREAKER_DENIED_STREAK)
		pause_all(b, KIND_DENIED, now,
			  "access denied for every request "
			  "(AccessDeniedException for list %.100s, nothing "
			  "allowed since)",
			  logscrub_list(ev->list ? ev->list : "?", list,
					sizeof(list)));
	if (b->paused)
		return hold(b, c, probe, now, ret_not_before_ms);
	return retry_or_final(b, c, BREAKER_DENIED_RETRY_MS, now,
			      ret_not_before_ms);
}

enum breaker_verdict breaker_report(struct breaker *b,
				    const struct breaker_event *ev,
				    struct breaker_clock *c, int64_t now,
				    int64_t *ret_not_before_ms)
{
	struct breaker_region *r = region_get(b, ev->region);
	bool probe = c->holds_probe;
	bool transport = ev->answer == BREAKER_TRANSPORT;
	int64_t delay;
	unsigned cost;

	release_probe(b, ev->region, c);
	*ret_not_before_ms = 0;
	if (!transport && ev->answer != BREAKER_AUTH) {
		r->last_answer_ms = now;
		r->transport_streak = 0;
	}
	if (ev->answer == BREAKER_OK || ev->answer == BREAKER_BUSY) {
		b->last_allowed_ms = now;
		b->denied_streak = 0;
	}
	lift(b, r, lifts[ev->answer], now);

	switch (ev->answer) {
	case BREAKER_OK:
		retry_budget_refund(&b->budget, c->budget_taken);
		c->counted++;
		return BREAKER_FINAL;
	case BREAKER_DENIED:
		return denied(b, ev, c, probe, now, ret_not_before_ms);
	case BREAKER_AUTH:
		attribute(b, r, KIND_AUTH, ev, now);
		break;
	case BREAKER_TRANSPORT:
		if (++r->transport_streak >= BREAKER_TRANSPORT_STREAK)
			attribute(b, r, KIND_TRANSPORT, ev, now);
		break;
	case BREAKER_BUSY:
		break;
	}

	if (b->paused)
		return hold(b, c, probe, now, ret_not_before_ms);
	delay = retry_backoff_ms(&b->policy, c->counted + 1, ev->cls,
				 ev->retry_after_ms, ev->rnd);
	if (r->held) {
		/* The region's own fault: its clock runs, no budget spent
		 * (one dead region must not pause the others). */
		if (probe)
			probe_failed(&r->probe_backoff_ms, &r->next_probe_ms,
				     now);
		if (now + delay < r->next_probe_ms)
			delay = r->next_probe_ms - now;
		return retry_or_final(b, c, delay, now, ret_not_before_ms);
	}
	cost = retry_budget_take(&b->budget, transport);
	if (cost == 0) {
		char code[64];

		pause_all(b, KIND_BUDGET, now,
			  "retry budget exhausted (AWS keeps failing: %s)",
			  code_of(ev, code, sizeof(code)));
		return hold(b, c, probe, now, ret_not_before_ms);
	}
	c->budget_taken = cost;
	return retry_or_final(b, c, delay, now, ret_not_before_ms);
}

bool breaker_paused(const struct breaker *b, char *reason, size_t len)
{
	if (b->paused && len)
		snprintf(reason, len, "%s", b->reason);
	return b->paused;
}

bool breaker_holds_consumption(const struct breaker *b)
{
	return b->paused && b->pause_kind != KIND_DENIED;
}

void breaker_region_fault(const struct breaker *b, const char *region,
			  const char **ret_code, const char **ret_reason)
{
	const struct breaker_region *r = region_find(b, region);

	*ret_code = r && r->held ? r->code : "";
	*ret_reason = r && r->held ? r->reason : "";
}

int breaker_held_regions(const struct breaker *b, char *buf, size_t len)
{
	size_t used = 0;
	int i, n = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < b->nregions; i++) {
		int w;

		if (!b->regions[i].held)
			continue;
		w = snprintf(buf + used, len > used ? len - used : 0, "%s%s",
			     n ? ", " : "", b->regions[i].name);
		if (w > 0 && used + (size_t)w < len)
			used += (size_t)w;
		n++;
	}
	return n;
}

bool breaker_credentials_renewed(struct breaker *b, int64_t now)
{
	if (!b->paused || b->pause_kind != KIND_AUTH)
		return false;
	b->renewed_ms = now;
	if (b->probe_busy || b->next_probe_ms <= now)
		return false;
	b->next_probe_ms = now;
	return true;
}

bool breaker_take_news(struct breaker *b)
{
	bool news = b->news;

	b->news = false;
	return news;
}
