/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listcache.c - per region, the opt-out lists an erase-everywhere request
 * is fanned out to, and when to list them again.
 *
 * Where it runs: the main loop owns the cache; the calls go through the
 * sender pool.  A listing is a chain of page jobs, each a signed
 * DescribeOptOutLists (call_new_action()) that the sender paces, retries
 * and pauses exactly like a DeleteOptedOutNumber, on the region's own
 * token bucket and breaker; the main loop gets each page back with the
 * other finished jobs, hands it here and submits the next page.  So there
 * is one HTTP path and one set of rules, no thread of its own, and no lock:
 * only the main loop reads or writes this state.
 *
 * Refresh in the background: a region is listed again erase.list_cache_
 * seconds after its last whole listing while requests keep using the old
 * lists; the new ones replace them only when the last page is in (a
 * listing is never seen half done).  A failed listing keeps the old lists
 * and is tried again LISTCACHE_RETRY_MS later.
 *
 * Accounts: DescribeOptOutLists answers with the calling account's
 * lists only, so the cache keeps one slot per (region, account): the
 * chain's own account ("") and each account given a role
 * (listcache_add_account()), each listed with that account's credentials.
 * A slot whose listings have all failed keeps the fault of the last one
 * (listcache_fault()) until one succeeds, so that requests need not wait
 * for a region that does not answer (listcache_settled()).
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "listcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listpage.h"
#include "region.h"

struct lc_region {
	char name[REGION_NAME_MAX + 1];
	char account[LISTCACHE_ACCOUNT_MAX]; /* "": the chain's own */
	char fault[LISTCACHE_FAULT_MAX]; /* never listed: the last failure */
	struct listpage lists;   /* as last listed whole */
	struct listpage pending; /* pages of the listing under way */
	bool listed;             /* listed whole at least once */
	bool busy;               /* a listing is under way */
	int64_t due_ms;          /* when to list next */
};

struct listcache {
	struct lc_region *regions;
	size_t n;
	size_t nregions; /* slots per account */
	int64_t ttl_ms;
};

struct listcache *listcache_new(const char *regions, unsigned ttl_s)
{
	char name[REGION_NAME_MAX + 1];
	struct listcache *lc;
	size_t i, j, count = 0;

	while (region_list_entry(regions, count, name, sizeof(name)))
		count++;
	if (count == 0)
		return NULL;
	lc = calloc(1, sizeof(*lc));
	if (lc)
		lc->regions = calloc(count, sizeof(*lc->regions));
	if (!lc || !lc->regions) {
		free(lc);
		return NULL;
	}
	lc->ttl_ms = (int64_t)ttl_s * 1000;
	for (i = 0; i < count; i++) {
		region_list_entry(regions, i, name, sizeof(name));
		for (j = 0; j < lc->n; j++)
			if (strcmp(lc->regions[j].name, name) == 0)
				break;
		if (j == lc->n)
			memcpy(lc->regions[lc->n++].name, name, sizeof(name));
	}
	lc->nregions = lc->n;
	return lc;
}

int listcache_add_account(struct listcache *lc, const char *account)
{
	struct lc_region *grown;
	size_t i, j;

	if (!account || !*account || strlen(account) >= LISTCACHE_ACCOUNT_MAX)
		return -EINVAL;
	for (i = 0; i < lc->n; i++)
		if (!strcmp(lc->regions[i].account, account))
			return 0;
	grown = realloc(lc->regions, (lc->n + lc->nregions) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	lc->regions = grown;
	for (j = 0; j < lc->nregions; j++) {
		struct lc_region *r = &lc->regions[lc->n + j];

		memset(r, 0, sizeof(*r));
		memcpy(r->name, lc->regions[j].name, sizeof(r->name));
		memcpy(r->account, account, strlen(account) + 1);
	}
	lc->n += lc->nregions;
	return 0;
}

void listcache_free(struct listcache *lc)
{
	size_t i;

	if (!lc)
		return;
	for (i = 0; i < lc->n; i++) {
		listpage_done(&lc->regions[i].lists);
		listpage_done(&lc->regions[i].pending);
	}
	free(lc->regions);
	free(lc);
}

const char *listcache_due(struct listcache *lc, int64_t now_ms,
			  const char **ret_account)
{
	struct lc_region *r;
	size_t i;

	for (i = 0; i < lc->n; i++) {
		r = &lc->regions[i];
		if (r->busy || now_ms < r->due_ms)
			continue;
		r->busy = true;
		if (ret_account)
			*ret_account = r->account;
		return r->name;
	}
	return NULL;
}

static struct lc_region *find(struct listcache *lc, const char *region,
			      const char *account)
{
	size_t i;

	if (!account)
		account = "";
	for (i = 0; i < lc->n; i++)
		if (strcmp(lc->regions[i].name, region) == 0 &&
		    strcmp(lc->regions[i].account, account) == 0)
			return &lc->regions[i];
	return NULL;
}

/* Appends @page's lists to @to (both owned); @page keeps its token. */
static int append(struct listpage *to, struct listpage *page)
{
	struct listpage_list *grown;

	if (page->n == 0)
		return 0;
	grown = realloc(to->lists, (to->n + page->n) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memcpy(grown + to->n, page->lists, page->n * sizeof(*grown));
	to->lists = grown;
	to->n += page->n;
	free(page->lists);
	page->lists = NULL;
	page->n = 0;
	return 0;
}

int listcache_page(struct listcache *lc, const char *region,
		   const char *account, struct listpage *page, int64_t now_ms,
		   bool *ret_more, char **ret_token)
{
	struct lc_region *r = find(lc, region, account);
	int ret;

	if (!r || !r->busy)
		return -ENOENT;
	ret = append(&r->pending, page);
	if (ret)
		return ret;
	if (page->next_token) {
		*ret_token = page->next_token;
		page->next_token = NULL;
		*ret_more = true;
		return 0;
	}
	listpage_done(&r->lists);
	r->lists = r->pending;
	memset(&r->pending, 0, sizeof(r->pending));
	r->listed = true;
	r->fault[0] = '\0';
	r->busy = false;
	r->due_ms = now_ms + lc->ttl_ms;
	*ret_more = false;
	return 0;
}

void listcache_failed(struct listcache *lc, const char *region,
		      const char *account, int64_t now_ms, const char *fault)
{
	struct lc_region *r = find(lc, region, account);
	size_t n;

	if (!r)
		return;
	if (!r->listed) {
		n = strlen(fault && *fault ? fault : "ListingFailed");
		if (n >= sizeof(r->fault))
			n = sizeof(r->fault) - 1;
		memcpy(r->fault, fault && *fault ? fault : "ListingFailed", n);
		r->fault[n] = '\0';
	}
	listpage_done(&r->pending);
	r->busy = false;
	r->due_ms = now_ms + LISTCACHE_RETRY_MS;
}

bool listcache_ready(const struct listcache *lc)
{
	size_t i;

	for (i = 0; i < lc->n; i++)
		if (!lc->regions[i].listed)
			return false;
	return true;
}

bool listcache_settled(const struct listcache *lc)
{
	size_t i;

	for (i = 0; i < lc->n; i++)
		if (!lc->regions[i].listed && !lc->regions[i].fault[0])
			return false;
	return true;
}

size_t listcache_regions(const struct listcache *lc)
{
	return lc->n;
}

const char *listcache_account(const struct listcache *lc, size_t r)
{
	return r < lc->n ? lc->regions[r].account : NULL;
}

bool listcache_listed(const struct listcache *lc, size_t r)
{
	return r < lc->n && lc->regions[r].listed;
}

const char *listcache_fault(const struct listcache *lc, size_t r)
{
	return r < lc->n && lc->regions[r].fault[0] ? lc->regions[r].fault
						     : NULL;
}

const char *listcache_region(const struct listcache *lc, size_t r)
{
	return r < lc->n ? lc->regions[r].name : NULL;
}

size_t listcache_count(const struct listcache *lc, size_t r)
{
	return r < lc->n ? lc->regions[r].lists.n : 0;
}

const char *listcache_name(const struct listcache *lc, size_t r, size_t i)
{
	if (r >= lc->n || i >= lc->regions[r].lists.n)
		return NULL;
	return lc->regions[r].lists.lists[i].name;
}

const char *listcache_arn(const struct listcache *lc, size_t r, size_t i)
{
	if (r >= lc->n || i >= lc->regions[r].lists.n)
		return NULL;
	return lc->regions[r].lists.lists[i].arn;
}
