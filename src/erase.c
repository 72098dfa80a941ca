/* SPDX-License-Identifier: Apache-2.0 */
/*
 * erase.c - erase everywhere: a "*" request fanned out to one
 * DeleteOptedOutNumber per opt-out list, and gathered back into one
 * outcome.
 *
 * Runs on the main loop; every call goes through the sender like any
 * other.  The lists come from listcache.c: the first "*" request starts
 * the listings (so a deployment that never erases everywhere never calls
 * DescribeOptOutLists), and erase_tick() keeps them fresh afterwards.  A
 * listing is a chain of page jobs (action_target set), each paced,
 * retried and paused by the sender on its region like a deletion.
 *
 * A "*" request (the parent) gets one part per list known at that moment:
 * a job of its own partition and offset, so that a revocation withdraws
 * the parts with the rest of the partition, naming one list and region.
 * Each part's answer is moved into the parent's entry; when the last is
 * back the parent goes to the pipeline, which publishes its one outcome
 * and only then marks its offset.  If a part was given back (shutdown,
 * revocation) the whole request is: it will be read again, and the lists
 * already done answer not_found then.  While the lists are not known yet,
 * parents wait here in arrival order.
 *
 * Accounts: DescribeOptOutLists lists the caller's own lists only, so each
 * region is listed once with the chain's credentials and once per
 * aws.role.ACCOUNT with that role's (the page job carries the account,
 * and the sender signs it with that account's provider).  A part of a
 * role account's list names the list by its ARN, which names the account:
 * the sender signs it with that role too, and judges its health apart
 * (job->health).  A list seen twice (the chain's account also given a
 * role) is one entry.
 *
 * Lists that cannot be known: a parent waits for every (region, account)
 * to be listed once, or to have failed (listcache_settled()), and at most
 * retry.max_seconds after its record was read.  Then it goes on with the
 * lists known, and each (region, account) never listed gets one entry
 * {"OptOutListName": "*", "Outcome": "failed", Error ListingFailed naming
 * the cause}: the request ends failed (the number may still be on a list
 * there), the other lists done.  No list anywhere: not_found, no entry,
 * Error NoOptOutLists.
 */
#include "erase.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config_fields.h"
#include "fanout.h"
#include "job.h"
#include "listcache.h"
#include "listpage.h"
#include "log.h"
#include "sender.h"
#include "util.h"

struct erase {
	const struct config *cfg;
	struct sender *sender;
	struct listcache *cache;
	struct job *waiting;  /* parents waiting for the lists, FIFO */
	struct job *finished; /* parents done, for the next erase_sort() */
	bool started;         /* the first "*" came: keep the lists fresh */
	int64_t wait_ms;      /* the longest a parent waits for the lists */
};

struct erase *erase_new(const struct config *cfg, struct sender *sender)
{
	struct erase *er = calloc(1, sizeof(*er));
	const struct config_prop *role;

	if (!er)
		return NULL;
	er->cfg = cfg;
	er->sender = sender;
	er->cache = listcache_new(cfg->erase_regions ? cfg->erase_regions
						     : cfg->aws_region,
				  cfg->erase_list_cache_seconds);
	if (!er->cache) {
		free(er);
		return NULL;
	}
	er->wait_ms = (int64_t)cfg->retry_max_seconds * 1000;
	for (role = cfg->aws_roles; role; role = role->next) {
		if (listcache_add_account(er->cache, role->name) == -ENOMEM) {
			erase_free(er);
			return NULL;
		}
	}
	return er;
}

void erase_free(struct erase *er)
{
	if (!er)
		return;
	listcache_free(er->cache);
	free(er);
}

/* Submits the page of @region's listing for @account that follows @token
 * (NULL: the first).  On failure the listing is marked failed (tried again
 * later). */
static void list_page(struct erase *er, const char *region,
		      const char *account, const char *token)
{
	struct job *job = job_new(-1, -1, NULL, 0);

	if (job)
		job->action_body = listpage_build_body(token);
	if (!job || !job->action_body) {
		job_free(job);
		listcache_failed(er->cache, region, account, util_mono_ms(),
				 "OutOfMemory");
		return;
	}
	job->action_target = LISTPAGE_TARGET;
	snprintf(job->region, sizeof(job->region), "%s", region);
	snprintf(job->account, sizeof(job->account), "%s", account);
	job->consumed_ms = util_mono_ms();
	sender_submit(er->sender, job);
}

static void fan_out_waiting(struct erase *er, bool all);

void erase_tick(struct erase *er)
{
	const char *region, *account = "";

	if (!er->started)
		return;
	for (region = listcache_due(er->cache, util_mono_ms(), &account);
	     region;
	     region = listcache_due(er->cache, util_mono_ms(), &account))
		list_page(er, region, account, NULL);
	fan_out_waiting(er, listcache_settled(er->cache));
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The part of @parent for its entry @i. */
static struct job *part_new(struct job *parent, size_t i)
{
	struct job_entry *en = &parent->entries[i];
	struct job *part = job_new(parent->partition, parent->offset, NULL, 0);

	if (!part)
		return NULL;
	/* A role account's list by its ARN: it names the account, whose
	 * role signs the call. */
	part->req.list = strdup(en->account[0] && en->arn ? en->arn
							  : en->list);
	part->req.number = strdup(parent->req.number);
	part->req.request_id = dup_or_null(parent->req.request_id);
	if (!part->req.list || !part->req.number ||
	    (parent->req.request_id && !part->req.request_id)) {
		job_free(part);
		return NULL;
	}
	memcpy(part->region, en->region, sizeof(part->region));
	memcpy(part->account, en->account, sizeof(part->account));
	part->parent = parent;
	part->part_index = i;
	part->consumed_ms = util_mono_ms();
	return part;
}

/* Gives @parent its entries and submits one part per entry; a failure
 * ends it as failed with a local error, at once. */
static struct job *fan_out(struct erase *er, struct job *parent)
{
	struct job *parts = NULL, *part, *next;
	size_t i;
	int r;

	r = fanout_fill(er->cache, &parent->entries, &parent->nentries);
	for (i = 0; r == 0 && i < parent->nentries; i++) {
		if (parent->entries[i].unlisted)
			continue;
		part = part_new(parent, i);
		if (!part) {
			r = -ENOMEM;
			break;
		}
		part->next = parts;
		parts = part;
	}
	if (r == 0 && !parts && parent->nentries) {
		/* Nothing was listed anywhere: every entry is a failed
		 * listing. */
		parent->res.outcome = fanout_worst(parent->entries,
						   parent->nentries);
		parent->completed_at_ms = util_wall_ms();
		return parent;
	}
	if (r < 0 || parent->nentries == 0) {
		for (; parts; parts = next) {
			next = parts->next;
			job_free(parts);
		}
		api_result_replace(&parent->res, r < 0 ? "OutOfMemory"
						       : "NoOptOutLists",
				   r < 0 ? "out of memory fanning out"
					 : "no opt-out list in erase.regions");
		parent->res.retry = API_RETRY_NONE;
		parent->res.outcome = r < 0 ? OUTCOME_FAILED : OUTCOME_NOT_FOUND;
		return parent;
	}
	for (; parts; parts = next) {
		next = parts->next;
		parts->next = NULL;
		parent->parts_pending++;
		sender_submit(er->sender, parts);
	}
	return NULL;
}

/* Appends @job to the list whose last link is *@tail. */
static void append(struct job ***tail, struct job *job)
{
	job->next = NULL;
	**tail = job;
	*tail = &job->next;
}

/* Fans out the waiting parents, in arrival order: all of them when @all
 * (the lists are settled), else those that waited their longest. */
static void fan_out_waiting(struct erase *er, bool all)
{
	struct job **at = &er->waiting, *job, *done, **tail = &er->finished;
	int64_t now = util_mono_ms();

	while (*tail)
		tail = &(*tail)->next;
	while ((job = *at)) {
		if (!all && now - job->consumed_ms < er->wait_ms) {
			at = &job->next;
			continue;
		}
		*at = job->next;
		job->next = NULL;
		done = fan_out(er, job);
		if (done)
			append(&tail, done);
	}
}

void erase_submit(struct erase *er, struct job *job)
{
	struct job **tail = &er->waiting;

	while (*tail)
		tail = &(*tail)->next;
	append(&tail, job);
	if (!er->started) {
		er->started = true;
		erase_tick(er);
	}
	if (listcache_settled(er->cache))
		fan_out_waiting(er, true);
}

/* A listing page is back: taken into the cache, and the next page asked
 * for; a failure keeps the lists the cache had. */
static void listing_done(struct erase *er, struct job *job)
{
	struct listpage page = {NULL, 0, NULL};
	char *token = NULL;
	bool more = false;
	int r = -EIO;

	if (!job->given_back && !job->res.error_code)
		r = listpage_read(job->res.response, &page);
	if (r == 0)
		r = listcache_page(er->cache, job->region, job->account, &page,
				   util_mono_ms(), &more, &token);
	listpage_done(&page);
	if (r < 0) {
		char fault[LISTCACHE_FAULT_MAX];

		snprintf(fault, sizeof(fault), "%s%s%s",
			 job->res.error_code ? job->res.error_code
			 : job->given_back  ? "stopped"
					    : "an answer we cannot read",
			 job->res.error_code && job->res.error_message ? ": "
								       : "",
			 job->res.error_code && job->res.error_message
				 ? job->res.error_message : "");
		log_warning("region %s%s%s: listing the opt-out lists failed "
			    "(%s); the lists known stay in use", job->region,
			    job->account[0] ? ", account " : "", job->account,
			    job->res.error_code ? job->res.error_code
			    : job->given_back  ? "stopped"
					       : "an answer we cannot read");
		listcache_failed(er->cache, job->region, job->account,
				 util_mono_ms(), fault);
		if (!job->given_back && listcache_settled(er->cache))
			fan_out_waiting(er, true);
	} else if (more) {
		list_page(er, job->region, job->account, token);
	} else if (listcache_settled(er->cache)) {
		fan_out_waiting(er, true);
	}
	free(token);
	job_free(job);
}

/* A part is back: its answer moves into its parent's entry.  Returns the
 * parent when this was its last part. */
static struct job *part_done(struct job *part)
{
	struct job *parent = part->parent;
	struct job_entry *en = &parent->entries[part->part_index];

	fanout_answer(en, &part->res, part->attempts);
	parent->attempts += part->attempts;
	if (part->given_back)
		parent->given_back = true;
	job_free(part);
	if (--parent->parts_pending)
		return NULL;
	parent->res.outcome = fanout_worst(parent->entries, parent->nentries);
	parent->completed_at_ms = util_wall_ms();
	return parent;
}

struct job *erase_sort(struct erase *er, struct job *list)
{
	struct job *out = NULL, **tail = &out, *job, *next, *parent;

	erase_tick(er);
	for (job = list; job; job = next) {
		next = job->next;
		job->next = NULL;
		if (job->parent) {
			parent = part_done(job);
			if (parent)
				append(&tail, parent);
		} else if (job->action_target) {
			listing_done(er, job);
		} else {
			append(&tail, job);
		}
	}
	for (job = er->finished; job; job = next) {
		next = job->next;
		append(&tail, job);
	}
	er->finished = NULL;
	return out;
}

struct job *erase_take_waiting(struct erase *er, int partition)
{
	struct job *out = NULL, **tail = &out, **at = &er->waiting, *job;

	if (partition < 0)
		er->started = false; /* shutdown: no listing starts any more */
	for (job = *at; job; job = *at) {
		if (partition >= 0 && job->partition != partition) {
			at = &job->next;
			continue;
		}
		*at = job->next;
		append(&tail, job);
	}
	return out;
}
