/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_breaker.c - the systemic-failure rules, driven by simulated time:
 * what lifts what (a table), attribution of faults to a region or to the
 * whole system, region holds that end their requests within
 * retry.max_seconds, the denial rule with one list and with several,
 * answers that are not from AWS, probes that rotate and are charged their
 * time on the wire, the
 * retry budget, and time paused that does not count.
 */
#include <string.h>

#include "breaker.h"
#include "tap.h"

static const struct retry_policy policy = {100, 20000, 0, 900};

static struct breaker_event ev(const char *region, enum breaker_answer a)
{
	struct breaker_event e = {
		.region = region,
		.list = "marketing",
		.answer = a,
		.cls = a == BREAKER_BUSY	? API_RETRY_THROTTLE
		       : a == BREAKER_AUTH	? API_RETRY_AUTH
		       : a == BREAKER_TRANSPORT ? API_RETRY_TRANSIENT
						: API_RETRY_NONE,
		.code = a == BREAKER_AUTH	 ? "UnrecognizedClientException"
			: a == BREAKER_TRANSPORT ? "ConnectionError"
			: a == BREAKER_DENIED	 ? "AccessDeniedException"
						 : NULL,
		.http_status = a == BREAKER_TRANSPORT ? 0 : 200,
		.retry_after_ms = -1,
		.rnd = 0,
	};
	return e;
}

/* Starts one attempt of @c at @now (admitted), and reports @e. */
static enum breaker_verdict attempt(struct breaker *b, struct breaker_clock *c,
				    const struct breaker_event *e, int64_t now,
				    int64_t *nb)
{
	bool probe = false;
	int64_t wait = 0;

	if (breaker_admit(b, e->region, c, now, &probe, &wait) != BREAKER_GO)
		return (enum breaker_verdict)-1;
	breaker_started(b, e->region, c, probe, now);
	return breaker_report(b, e, c, now, nb);
}

static void test_lift_table(void)
{
	/* pause cause x answer -> still paused? */
	static const struct {
		const char *name;
		enum breaker_answer cause, probe;
		bool lifted;
	} rows[] = {
		{"auth pause, OK lifts", BREAKER_AUTH, BREAKER_OK, true},
		{"auth pause, denial lifts (credentials taken)", BREAKER_AUTH,
		 BREAKER_DENIED, true},
		{"auth pause, throttle does not lift", BREAKER_AUTH,
		 BREAKER_BUSY, false},
		{"auth pause, transport does not lift", BREAKER_AUTH,
		 BREAKER_TRANSPORT, false},
		{"auth pause, auth does not lift", BREAKER_AUTH, BREAKER_AUTH,
		 false},
		{"transport pause, OK lifts", BREAKER_TRANSPORT, BREAKER_OK,
		 true},
		{"transport pause, 5xx from AWS lifts", BREAKER_TRANSPORT,
		 BREAKER_BUSY, true},
		{"transport pause, denial lifts", BREAKER_TRANSPORT,
		 BREAKER_DENIED, true},
		{"transport pause, transport does not lift", BREAKER_TRANSPORT,
		 BREAKER_TRANSPORT, false},
		{"denied pause, OK lifts", BREAKER_DENIED, BREAKER_OK, true},
		{"denied pause, denial does not lift", BREAKER_DENIED,
		 BREAKER_DENIED, false},
		{"denied pause, throttle does not lift", BREAKER_DENIED,
		 BREAKER_BUSY, false},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct breaker b;
		struct breaker_clock c[8];
		struct breaker_event e = ev("us-east-1", rows[i].cause);
		int64_t now = 1000, nb;
		int k, n = rows[i].cause == BREAKER_TRANSPORT
				   ? BREAKER_TRANSPORT_STREAK
			   : rows[i].cause == BREAKER_DENIED ? BREAKER_DENIED_STREAK
							     : 1;

		breaker_init(&b, &policy, 500);
		for (k = 0; k < 8; k++)
			breaker_clock_submitted(&c[k], now);
		for (k = 0; k < n; k++)
			attempt(&b, &c[k], &e, now += 10, &nb);
		ok(breaker_paused(&b, NULL, 0), "%s: paused first",
		   rows[i].name);
		e = ev("us-east-1", rows[i].probe);
		now += BREAKER_PROBE_MIN_MS;
		is_int(attempt(&b, &c[7], &e, now, &nb) >= 0, 1,
		       "%s: the probe is admitted", rows[i].name);
		is_int(breaker_paused(&b, NULL, 0), !rows[i].lifted, "%s",
		       rows[i].name);
	}
}

static void test_single_region_pauses(void)
{
	struct breaker b;
	struct breaker_clock c[6];
	struct breaker_event e = ev("us-east-1", BREAKER_TRANSPORT);
	char reason[BREAKER_REASON_MAX];
	int64_t now = 5000, nb = -1;
	int k;

	breaker_init(&b, &policy, 500);
	for (k = 0; k < 6; k++)
		breaker_clock_submitted(&c[k], now);
	for (k = 0; k < BREAKER_TRANSPORT_STREAK - 1; k++)
		is_int(attempt(&b, &c[k], &e, now, &nb), BREAKER_RETRY,
		       "transport failure %d is retried", k + 1);
	ok(!breaker_paused(&b, NULL, 0), "not paused before the streak");
	is_int(attempt(&b, &c[4], &e, now, &nb), BREAKER_HOLD,
	       "the streak's last failure is held");
	ok(breaker_paused(&b, reason, sizeof(reason)), "paused");
	ok(strstr(reason, "endpoint unreachable") != NULL, "reason: %s",
	   reason);
	is_int(nb, 0, "a held job keeps its place");

	breaker_init(&b, &policy, 500);
	breaker_clock_submitted(&c[0], now);
	e = ev("us-east-1", BREAKER_AUTH);
	is_int(attempt(&b, &c[0], &e, now, &nb), BREAKER_HOLD,
	       "credentials rejected with no other region answering: held");
	ok(breaker_paused(&b, reason, sizeof(reason)) &&
		   strstr(reason, "credentials rejected") != NULL,
	   "reason: %s", reason);
	ok(breaker_holds_consumption(&b), "and stops consumption");
}

/* One region not enabled for the account while another works. */
static void test_region_hold(void)
{
	struct breaker b;
	struct breaker_clock good, bad, later, waiter, busy;
	struct breaker_event ok_ev = ev("us-east-1", BREAKER_OK);
	struct breaker_event auth = ev("me-central-1", BREAKER_AUTH);
	const char *code, *reason;
	int64_t now = 10000, nb = 0, wait = 0, t;
	bool probe = false;
	enum breaker_admit a = BREAKER_GO;
	int probes = 0;

	breaker_init(&b, &policy, 500);
	breaker_clock_submitted(&good, now);
	breaker_clock_submitted(&bad, now);
	is_int(attempt(&b, &good, &ok_ev, now, &nb), BREAKER_FINAL,
	       "us-east-1 answers");
	now += 100;
	is_int(attempt(&b, &bad, &auth, now, &nb), BREAKER_RETRY,
	       "me-central-1 rejects: retried, clock running");
	ok(!breaker_paused(&b, NULL, 0), "the pipeline is not paused");
	breaker_region_fault(&b, "me-central-1", &code, &reason);
	is_str(code, "UnrecognizedClientException", "the region's fault");
	ok(strstr(reason, "me-central-1") != NULL, "reason: %s", reason);
	breaker_clock_submitted(&good, now);
	is_int(breaker_admit(&b, "us-east-1", &good, now, &probe, &wait),
	       BREAKER_GO, "us-east-1 flows");
	ok(!probe, "not as a probe");

	/* A request that arrives later in the held region uses up its time
	 * waiting and ends within retry.max_seconds; the probe goes out one
	 * at a time with growing backoff. */
	breaker_clock_submitted(&later, now);
	for (t = now; t < now + 1000 * 1000; t += 100) {
		a = breaker_admit(&b, "me-central-1", &later, t, &probe, &wait);
		if (a == BREAKER_EXPIRED)
			break;
		if (a != BREAKER_GO)
			continue;
		ok(probe, "admitted only as the probe");
		breaker_started(&b, "me-central-1", &later, probe, t);
		probes++;
		if (breaker_report(&b, &auth, &later, t, &nb) != BREAKER_RETRY)
			break;
	}
	/* 1, 2, 4, 8, 16, then every 30 s: about 35 probes in 900 s. */
	ok(probes >= 20 && probes <= 40, "probes with backoff: %d", probes);
	ok(t - now <= 900 * 1000, "the prober ends within retry.max_seconds "
				  "(%lld ms)", (long long)(t - now));

	/* A request that only waits (the probe slot busy) ends too. */
	breaker_clock_submitted(&waiter, now);
	breaker_clock_submitted(&busy, t);
	for (; breaker_admit(&b, "me-central-1", &busy, t, &probe, &wait) !=
	       BREAKER_GO;
	     t += 100)
		;
	breaker_started(&b, "me-central-1", &busy, probe, t);
	for (t = now; t < now + 2000 * 1000; t += 100) {
		a = breaker_admit(&b, "me-central-1", &waiter, t, &probe,
				  &wait);
		if (a != BREAKER_WAIT)
			break;
	}
	is_int(a, BREAKER_EXPIRED, "the waiting request ends");
	ok(t - now >= 900 * 1000 - 100 && t - now <= 900 * 1000 + 100,
	   "after retry.max_seconds (%lld ms)", (long long)(t - now));
	t += BREAKER_PROBE_MAX_MS;

	/* An answer from the region itself lifts the hold. */
	ok_ev.region = "me-central-1";
	ok(breaker_report(&b, &ok_ev, &busy, t, &nb) == BREAKER_FINAL,
	   "the region's probe gets an answer");
	breaker_region_fault(&b, "me-central-1", &code, &reason);
	is_str(code, "", "the hold is lifted");
}

static void test_denied(void)
{
	struct breaker b;
	struct breaker_clock c, other;
	struct breaker_event d = ev("us-east-1", BREAKER_DENIED);
	struct breaker_event okay = ev("us-east-1", BREAKER_OK);
	char reason[BREAKER_REASON_MAX];
	int64_t now = 1000, nb = 0;
	int k;

	/* One list in traffic, a broken policy: pause, never "denied". */
	breaker_init(&b, &policy, 500);
	breaker_clock_submitted(&c, now);
	for (k = 0; k < BREAKER_DENIED_STREAK - 1; k++) {
		is_int(attempt(&b, &c, &d, now, &nb), BREAKER_RETRY,
		       "denial %d of the only list: retried", k + 1);
		is_int(nb, now + BREAKER_DENIED_RETRY_MS, "after 1 s");
		now = nb;
	}
	is_int(attempt(&b, &c, &d, now, &nb), BREAKER_HOLD,
	       "denial streak with nothing allowed: held");
	ok(breaker_paused(&b, reason, sizeof(reason)) &&
		   strstr(reason, "access denied for every request"),
	   "reason: %s", reason);
	ok(!breaker_holds_consumption(&b),
	   "a denial pause keeps consuming (a new request may be the probe)");

	/* One list denied while others are allowed: denied on its own. */
	breaker_init(&b, &policy, 500);
	breaker_clock_submitted(&c, now);
	breaker_clock_submitted(&other, now);
	is_int(attempt(&b, &c, &d, now, &nb), BREAKER_RETRY,
	       "first denial: not known to be its own yet");
	is_int(attempt(&b, &other, &okay, now + 10, &nb), BREAKER_FINAL,
	       "another list is allowed");
	is_int(attempt(&b, &c, &d, now + BREAKER_DENIED_RETRY_MS, &nb),
	       BREAKER_FINAL, "denied again after an allowed call: final");
	ok(!breaker_paused(&b, NULL, 0), "no pause");
}

/* Answers that are not from AWS are transport faults. */
static void test_foreign(void)
{
	struct breaker b;
	struct breaker_clock c[8];
	struct breaker_event f = ev("us-east-1", BREAKER_TRANSPORT);
	char reason[BREAKER_REASON_MAX];
	int64_t now = 1000, nb = 0;
	int k;

	f.foreign = true;
	f.http_status = 403;
	f.code = "NotAnAwsAnswer";
	breaker_init(&b, &policy, 500);
	for (k = 0; k < 8; k++)
		breaker_clock_submitted(&c[k], now);
	is_int(attempt(&b, &c[0], &f, now, &nb), BREAKER_RETRY,
	       "a proxy's 403 is retried");
	for (k = 1; k < BREAKER_TRANSPORT_STREAK; k++)
		attempt(&b, &c[k], &f, now, &nb);
	ok(breaker_paused(&b, reason, sizeof(reason)) &&
		   strstr(reason, "without AWS request ids"),
	   "persisting: paused, reason: %s", reason);
	is_int(attempt(&b, &c[6], &f, now + BREAKER_PROBE_MIN_MS, &nb),
	       BREAKER_HOLD, "a probe meeting the proxy again stays held");
	ok(breaker_paused(&b, NULL, 0), "and does not lift the pause");
}

/* Probes rotate and their clocks run; the others' clocks stop. */
static void test_probe_and_clocks(void)
{
	struct breaker b;
	struct breaker_clock waiting, probe_job;
	struct breaker_event auth = ev("us-east-1", BREAKER_AUTH);
	struct breaker_event thr = ev("us-east-1", BREAKER_BUSY);
	struct breaker_event okay = ev("us-east-1", BREAKER_OK);
	int64_t now = 1000, nb = 0, e0, e1;
	struct retry_policy p = {100, 20000, 3, 900};

	breaker_init(&b, &p, 500);
	breaker_clock_submitted(&waiting, now);
	breaker_clock_submitted(&probe_job, now);
	/* @waiting is throttled once (clock started), then an outage longer
	 * than retry.max_seconds pauses everything. */
	is_int(attempt(&b, &waiting, &thr, now, &nb), BREAKER_RETRY,
	       "throttled: retried");
	is_int(attempt(&b, &probe_job, &auth, now + 10, &nb), BREAKER_HOLD,
	       "credentials rejected: paused");
	e0 = breaker_elapsed_ms(&b, &waiting, now + 10);
	now += 2000 * 1000; /* 2000 s paused */
	e1 = breaker_elapsed_ms(&b, &waiting, now);
	is_int(e1, e0, "time paused does not count");
	/* The probe goes to the back; its own time on the wire counts (250 ms
	 * here), the backoff it waits for does not. */
	e0 = breaker_elapsed_ms(&b, &probe_job, now);
	{
		bool probe = false;
		int64_t wait = 0;

		is_int(breaker_admit(&b, "us-east-1", &probe_job, now, &probe,
				     &wait),
		       BREAKER_GO, "the probe is admitted");
		ok(probe, "as the probe");
		breaker_started(&b, "us-east-1", &probe_job, probe, now);
		is_int(breaker_report(&b, &auth, &probe_job, now + 250, &nb),
		       BREAKER_HOLD, "the probe meets the fault again");
	}
	ok(nb > now + 250, "the probe goes to the back (not before +%lld ms)",
	   (long long)(nb - now));
	is_int(breaker_elapsed_ms(&b, &probe_job, now + 250) - e0, 250,
	       "its clock ran for its time on the wire");
	is_int(breaker_elapsed_ms(&b, &probe_job, nb) - e0, 250,
	       "and not for the backoff");
	/* Recovery: the waiting job's throttle after the outage is retried,
	 * not failed, and held attempts did not use up max_attempts. */
	now = nb;
	is_int(attempt(&b, &probe_job, &okay, now, &nb), BREAKER_FINAL,
	       "the probe gets an answer");
	ok(!breaker_paused(&b, NULL, 0), "resumed");
	is_int(attempt(&b, &waiting, &thr, now + 1, &nb), BREAKER_RETRY,
	       "after an outage longer than retry.max_seconds: retried");
	is_int(attempt(&b, &waiting, &thr, now + 2, &nb), BREAKER_FINAL,
	       "the third counted attempt is the last (max_attempts 3)");
}

static void test_budget(void)
{
	struct breaker b;
	struct breaker_clock c[4];
	struct breaker_event busy = ev("us-east-1", BREAKER_BUSY);
	struct breaker_event okay = ev("us-east-1", BREAKER_OK);
	char reason[BREAKER_REASON_MAX];
	int64_t now = 1000, nb = 0;
	int k;

	breaker_init(&b, &policy, 2 * RETRY_COST);
	for (k = 0; k < 4; k++)
		breaker_clock_submitted(&c[k], now);
	is_int(attempt(&b, &c[0], &busy, now, &nb), BREAKER_RETRY, "retry 1");
	is_int(attempt(&b, &c[1], &busy, now, &nb), BREAKER_RETRY, "retry 2");
	is_int(attempt(&b, &c[2], &busy, now, &nb), BREAKER_HOLD,
	       "no budget left: held");
	ok(breaker_paused(&b, reason, sizeof(reason)) &&
		   strstr(reason, "retry budget exhausted"),
	   "reason: %s", reason);
	is_int(attempt(&b, &c[3], &okay, now + BREAKER_PROBE_MIN_MS, &nb),
	       BREAKER_FINAL, "an answer");
	ok(!breaker_paused(&b, NULL, 0), "resumed");
	is_int(attempt(&b, &c[0], &busy, now + 2000, &nb), BREAKER_RETRY,
	       "the budget is full again");
}

/* A 5xx lifts a transport pause (AWS is reachable) but does not refill the
 * retry budget: an outage of 5xx mixed with proxy pages used to flap between
 * the two with a full budget each time, retrying with clocks running until
 * requests failed.  Only a final answer refills it. */
static void test_budget_flapping(void)
{
	struct breaker b;
	struct breaker_clock c[10];
	struct breaker_event busy = ev("us-east-1", BREAKER_BUSY);
	struct breaker_event page = ev("us-east-1", BREAKER_TRANSPORT);
	struct breaker_event okay = ev("us-east-1", BREAKER_OK);
	char reason[BREAKER_REASON_MAX];
	int64_t now = 1000, nb = 0;
	int k;

	page.foreign = true;
	page.http_status = 503;
	page.code = "NotAnAwsAnswer";
	/* Room for the transport retries before the streak, and one 5xx. */
	breaker_init(&b, &policy,
		     (BREAKER_TRANSPORT_STREAK - 1) * RETRY_TIMEOUT_COST +
			     RETRY_COST);
	for (k = 0; k < 10; k++)
		breaker_clock_submitted(&c[k], now);
	for (k = 0; k < BREAKER_TRANSPORT_STREAK - 1; k++)
		is_int(attempt(&b, &c[k], &page, now += 10, &nb),
		       BREAKER_RETRY, "proxy page %d: retried", k + 1);
	is_int(attempt(&b, &c[k], &page, now += 10, &nb), BREAKER_HOLD,
	       "proxy page %d: paused", k + 1);
	now += BREAKER_PROBE_MIN_MS;
	is_int(attempt(&b, &c[5], &busy, now, &nb), BREAKER_RETRY,
	       "a 5xx probe lifts the transport pause and is retried");
	ok(!breaker_paused(&b, NULL, 0), "resumed");
	is_int(attempt(&b, &c[6], &busy, now += 10, &nb), BREAKER_HOLD,
	       "the next 5xx finds the budget spent: held");
	ok(breaker_paused(&b, reason, sizeof(reason)) &&
		   strstr(reason, "retry budget exhausted"),
	   "reason: %s", reason);
	now += BREAKER_PROBE_MIN_MS;
	is_int(attempt(&b, &c[7], &busy, now, &nb), BREAKER_HOLD,
	       "a 5xx probe does not lift the budget pause");
	now = nb;
	is_int(attempt(&b, &c[8], &okay, now, &nb), BREAKER_FINAL,
	       "a final answer");
	ok(!breaker_paused(&b, NULL, 0), "resumed");
	for (k = 0; k < BREAKER_TRANSPORT_STREAK - 1; k++)
		is_int(attempt(&b, &c[k], &page, now += 10, &nb),
		       BREAKER_RETRY, "after it the budget is full again: "
				      "proxy page %d retried", k + 1);
}

/* A pause reason (and a held region's fault) is logged, sent as STATUS=
 * and shown on /readyz: a phone number in the list name or the AWS error
 * code it quotes comes out masked as logscrub.h says ("1******0123"). */
static void test_reasons_masked(void)
{
	static const struct {
		const char *name;
		enum breaker_answer answer;
		int times;
		const char *list, *code, *want;
	} rows[] = {
		{"credentials", BREAKER_AUTH, 1, "marketing",
		 "Expired+15550100123", "credentials rejected: "
					"Expired+1******0123"},
		{"transport", BREAKER_TRANSPORT, BREAKER_TRANSPORT_STREAK,
		 "marketing", "15550100123", "endpoint unreachable: 1******0123"},
		{"denied, a name", BREAKER_DENIED, BREAKER_DENIED_STREAK,
		 "+15550100123", "AccessDeniedException", "list +1******0123,"},
		{"denied, an ARN", BREAKER_DENIED, BREAKER_DENIED_STREAK,
		 "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/"
		 "15550100123",
		 "AccessDeniedException",
		 "123456789012:opt-out-list/1******0123,"},
		{"budget", BREAKER_BUSY, 3, "marketing", "Busy 15550100123",
		 "(AWS keeps failing: Busy 1******0123)"},
	};
	struct breaker b;
	struct breaker_clock c[BREAKER_TRANSPORT_STREAK];
	struct breaker_event e;
	char reason[BREAKER_REASON_MAX];
	const char *code, *why;
	int64_t now = 1000, nb = 0;
	size_t i;
	int k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* A small budget for the budget's row only. */
		breaker_init(&b, &policy,
			     rows[i].answer == BREAKER_BUSY ? 2 * RETRY_COST
							    : 500);
		e = ev("us-east-1", rows[i].answer);
		e.list = rows[i].list;
		e.code = rows[i].code;
		for (k = 0; k < rows[i].times; k++) {
			breaker_clock_submitted(&c[0], now);
			attempt(&b, &c[0], &e, now, &nb);
		}
		reason[0] = '\0';
		ok(breaker_paused(&b, reason, sizeof(reason)) &&
			   strstr(reason, rows[i].want) &&
			   !strstr(reason, "0100123"),
		   "%s: masked in \"%s\"", rows[i].name, reason);
	}

	/* A region's own fault: its code and reason, masked. */
	breaker_init(&b, &policy, 500);
	breaker_clock_submitted(&c[0], now);
	breaker_clock_submitted(&c[1], now);
	e = ev("eu-west-1", BREAKER_OK);
	attempt(&b, &c[0], &e, now, &nb);
	e = ev("us-east-1", BREAKER_AUTH);
	e.code = "+15550100123";
	attempt(&b, &c[1], &e, now, &nb);
	breaker_region_fault(&b, "us-east-1", &code, &why);
	is_str(code, "+1******0123", "held region: its code masked");
	ok(strstr(why, "(+1******0123)") && !strstr(why, "0100123"),
	   "held region: reason masked: %s", why);
}

/* New credentials while paused for rejected ones: the probe goes at once
 * instead of at the end of its backoff; a pause for anything else keeps
 * its backoff. */
static void test_credentials_renewed(void)
{
	struct breaker b;
	struct breaker_clock c[4];
	struct breaker_event auth = ev("us-east-1", BREAKER_AUTH);
	struct breaker_event net = ev("us-east-1", BREAKER_TRANSPORT);
	struct breaker_event okay = ev("eu-west-1", BREAKER_OK);
	int64_t now = 10000, nb = 0, wait = 0;
	bool probe = false;
	int k;

	breaker_init(&b, &policy, 500);
	ok(!breaker_credentials_renewed(&b, now), "not paused: nothing to do");
	for (k = 0; k < 4; k++)
		breaker_clock_submitted(&c[k], now);
	is_int(attempt(&b, &c[0], &auth, now, &nb), BREAKER_HOLD,
	       "credentials rejected: paused");
	/* Three probes meet the fault: the backoff is 8 s now. */
	for (k = 0; k < 3; k++) {
		now = b.next_probe_ms;
		is_int(attempt(&b, &c[0], &auth, now, &nb), BREAKER_HOLD,
		       "probe %d rejected", k + 1);
	}
	is_int(nb - now, 8 * BREAKER_PROBE_MIN_MS, "next probe in 8 s");
	now += 100;
	is_int(breaker_admit(&b, "us-east-1", &c[1], now, &probe, &wait),
	       BREAKER_WAIT, "before new keys: wait");
	is_int(wait, 8 * BREAKER_PROBE_MIN_MS - 100, "for the backoff");
	ok(breaker_credentials_renewed(&b, now), "new keys: the probe moved");
	probe = false;
	is_int(breaker_admit(&b, "us-east-1", &c[1], now, &probe, &wait),
	       BREAKER_GO, "after new keys: the probe is due now");
	ok(probe, "as a probe");
	ok(!breaker_credentials_renewed(&b, now),
	   "the same keys told twice: nothing more to move");

	/* A probe on the wire when the keys change: its failure (old keys)
	 * does not push the next one back. */
	breaker_started(&b, "us-east-1", &c[1], true, now);
	ok(attempt(&b, &c[2], &auth, now + 1, &nb) ==
		   (enum breaker_verdict)-1,
	   "one probe at a time");
	ok(!breaker_credentials_renewed(&b, now + 5),
	   "renewed during the probe: nothing to move yet");
	is_int(breaker_report(&b, &auth, &c[1], now + 10, &nb), BREAKER_HOLD,
	       "the probe signed before is rejected");
	is_int(nb, now + 10, "the next probe may go at once");
	is_int(attempt(&b, &c[1], &auth, now + 10, &nb), BREAKER_HOLD,
	       "that one (new keys) is rejected too");
	is_int(nb, now + 10 + BREAKER_PROBE_MAX_MS,
	       "and the backoff goes on from there (16 s doubled, capped)");

	/* Paused for something else: the keys change nothing. */
	breaker_init(&b, &policy, 500);
	now = 10000;
	for (k = 0; k < BREAKER_TRANSPORT_STREAK; k++) {
		breaker_clock_submitted(&c[0], now);
		attempt(&b, &c[0], &net, now, &nb);
	}
	ok(breaker_paused(&b, NULL, 0), "endpoint unreachable: paused");
	nb = b.next_probe_ms;
	ok(!breaker_credentials_renewed(&b, now + 10),
	   "another pause: new keys change nothing");
	is_int(b.next_probe_ms, nb, "its probe keeps its time");
	is_int(breaker_admit(&b, "us-east-1", &c[1], now + 10, &probe, &wait),
	       BREAKER_WAIT, "and waits");

	/* A region held for credentials (others answer): no pause to move. */
	breaker_init(&b, &policy, 500);
	breaker_clock_submitted(&c[0], now);
	breaker_clock_submitted(&c[1], now);
	attempt(&b, &c[0], &okay, now, &nb);
	attempt(&b, &c[1], &auth, now, &nb);
	ok(!breaker_paused(&b, NULL, 0) &&
		   breaker_held_regions(&b, NULL, 0) == 1,
	   "a region held, no pause");
	ok(!breaker_credentials_renewed(&b, now + 10),
	   "a region's hold: unchanged");
}

int main(void)
{
	test_lift_table();
	test_single_region_pauses();
	test_region_hold();
	test_denied();
	test_foreign();
	test_probe_and_clocks();
	test_budget();
	test_budget_flapping();
	test_reasons_masked();
	test_credentials_renewed();
	return tap_done();
}
