/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fanout.c - the entries of an erase-everywhere request: one per list the
 * list cache knows, one per (region, account) it could not list, and the
 * worst of their answers.
 *
 * The entries are filled in one pass over the cache's slots, in its order
 * (the chain's account first, then each role's; regions in erase.regions
 * order), so that an outcome lists them the same way every time.  An ARN
 * seen before is skipped: the chain's own account given a role too would
 * otherwise list every list twice.  A slot never listed is not silently
 * left out: its entry says so and makes the request failed, because the
 * number may still be on a list there.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "fanout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listcache.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* True when @arn is among the first @n of @e. */
static bool seen(const struct job_entry *e, size_t n, const char *arn)
{
	size_t i;

	for (i = 0; arn && i < n; i++)
		if (e[i].arn && !strcmp(e[i].arn, arn))
			return true;
	return false;
}

/* @en: slot @r of @lc was never listed. */
static int unlisted(const struct listcache *lc, size_t r,
		    struct job_entry *en)
{
	const char *account = listcache_account(lc, r);
	const char *fault = listcache_fault(lc, r);
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "the opt-out lists of %s%s%s could not be listed "
		 "(DescribeOptOutLists: %s): the number may still be on a "
		 "list there",
		 listcache_region(lc, r), account[0] ? " in account " : "",
		 account, fault ? fault : "no answer within retry.max_seconds");
	en->list = strdup("*");
	en->unlisted = true;
	if (!en->list ||
	    api_result_replace(&en->res, FANOUT_LISTING_FAILED, msg) < 0)
		return -ENOMEM;
	en->res.outcome = OUTCOME_FAILED;
	en->res.retry = API_RETRY_NONE;
	return 0;
}

/* Fills @e (room for every entry) from @lc; *@ret_n: how many. */
static int fill(const struct listcache *lc, struct job_entry *e,
		size_t *ret_n)
{
	size_t r, i, k = 0;
	const char *arn;

	for (r = 0; r < listcache_regions(lc); r++) {
		size_t n = listcache_listed(lc, r) ? listcache_count(lc, r) : 1;

		for (i = 0; i < n; i++) {
			struct job_entry *en = &e[k];

			arn = listcache_listed(lc, r) ? listcache_arn(lc, r, i)
						      : NULL;
			if (seen(e, k, arn))
				continue;
			*ret_n = ++k;
			snprintf(en->region, sizeof(en->region), "%s",
				 listcache_region(lc, r));
			snprintf(en->account, sizeof(en->account), "%s",
				 listcache_account(lc, r));
			if (!listcache_listed(lc, r)) {
				if (unlisted(lc, r, en))
					return -ENOMEM;
				continue;
			}
			en->list = strdup(listcache_name(lc, r, i));
			en->arn = dup_or_null(arn);
			if (!en->list || (arn && !en->arn))
				return -ENOMEM;
		}
	}
	return 0;
}

int fanout_fill(const struct listcache *lc, struct job_entry **ret_entries,
		size_t *ret_n)
{
	struct job_entry *e;
	size_t r, room = 0, n = 0;
	int ret;

	for (r = 0; r < listcache_regions(lc); r++)
		room += listcache_listed(lc, r) ? listcache_count(lc, r) : 1;
	if (room == 0) {
		*ret_entries = NULL;
		*ret_n = 0;
		return 0;
	}
	e = calloc(room, sizeof(*e));
	if (!e)
		return -ENOMEM;
	ret = fill(lc, e, &n);
	if (ret < 0) {
		fanout_entries_free(e, n);
		return ret;
	}
	*ret_entries = e;
	*ret_n = n;
	return 0;
}

void fanout_entries_free(struct job_entry *entries, size_t n)
{
	size_t i;

	if (!entries)
		return;
	for (i = 0; i < n; i++) {
		free(entries[i].list);
		free(entries[i].arn);
		api_result_done(&entries[i].res);
	}
	free(entries);
}

void fanout_answer(struct job_entry *en, struct api_result *res,
		   int attempts)
{
	api_result_done(&en->res);
	en->res = *res;
	memset(res, 0, sizeof(*res));
	en->attempts = attempts;
}

enum outcome_kind fanout_worst(const struct job_entry *entries, size_t n)
{
	enum outcome_kind worst = OUTCOME_NOT_FOUND;
	size_t i;

	for (i = 0; i < n; i++) {
		struct outcome_entry two[2] = {{.kind = worst},
					       {.kind = entries[i].res.outcome}};

		worst = outcome_worst(two, 2);
	}
	return worst;
}
