/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fanout.h - the entries of an erase-everywhere request: one per list the
 * list cache knows, one per (region, account) it could not list, and the
 * worst of their answers.
 *
 * erase.c owns the request and the calls; this is the bookkeeping it does
 * around them, kept apart so that it can be tested alone: which entries a
 * request gets from the cache (a list listed under two accounts once, a
 * role account's list with its account), how a part's answer moves into
 * its entry, and the top-level outcome (DESIGN.md's order).
 *
 * Pure: no I/O, no threads, no logging.  @locality the caller's thread.
 */
#ifndef OPTOUT_FANOUT_H
#define OPTOUT_FANOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "outcome.h"

#define FANOUT_ACCOUNT_MAX 13 /* 12 digits and the NUL */

/* The Error code of an entry for a region (and account) whose lists could
 * not be listed. */
#define FANOUT_LISTING_FAILED "ListingFailed"

struct listcache;

/* One list of an erase-everywhere request and what its call answered. */
struct job_entry {
	char *list;
	char *arn; /* or NULL */
	char region[API_REGION_MAX];
	char account[FANOUT_ACCOUNT_MAX]; /* a role's account, or "" */
	bool unlisted; /* list "*": this region (account) was not listed */
	int attempts;
	struct api_result res;
};

/*
 * The entries for a request fanned out now: every list of every slot of
 * @lc listed whole (a list whose ARN came earlier is skipped), and for each
 * slot never listed one entry "*", unlisted, already answered: failed,
 * FANOUT_LISTING_FAILED, its message naming the region, the account and
 * the slot's fault (or no answer within retry.max_seconds).  Returns 0 and
 * the array (NULL when there is none; caller frees with
 * fanout_entries_free()) and its length, or -ENOMEM.
 */
int fanout_fill(const struct listcache *lc, struct job_entry **ret_entries,
		size_t *ret_n);

/* Frees @n entries and the array; NULL is fine. */
void fanout_entries_free(struct job_entry *entries, size_t n);

/* A part's answer (@res, taken: zeroed on return) and its @attempts into
 * @en. */
void fanout_answer(struct job_entry *en, struct api_result *res,
		   int attempts);

/* The worst outcome of the @n entries (outcome_worst()'s order);
 * OUTCOME_NOT_FOUND for none. */
enum outcome_kind fanout_worst(const struct job_entry *entries, size_t n);

#endif
