/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listcache.h - per region, the opt-out lists an erase-everywhere request
 * is fanned out to, and when to list them again.
 *
 * The cache decides; it does not call.  Its owner asks listcache_due() which
 * region to list now, sends DescribeOptOutLists a page at a time (signed
 * and paced like every call, see listcache.c) and hands each page back with
 * listcache_page(), or reports a failed listing with listcache_failed().
 * A region's lists are replaced only when its last page has arrived, so a
 * reader always sees one whole listing.
 *
 * Pure: no I/O, no threads, no logging; time comes in as arguments.
 * @locality one thread (the main loop).
 */
#ifndef OPTOUT_LISTCACHE_H
#define OPTOUT_LISTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct listpage;
struct listcache;

/* After a failed listing, the next try comes this much later. */
#define LISTCACHE_RETRY_MS 5000
#define LISTCACHE_ACCOUNT_MAX 13 /* 12 digits and the NUL */
#define LISTCACHE_FAULT_MAX 256  /* a failed listing's cause, cut */

/*
 * A cache for the regions of @regions (the erase.regions syntax: names
 * separated by commas or blanks, each at most 31 bytes; repeats count
 * once), each listed again @ttl_s seconds after its last listing.  NULL on
 * ENOMEM or when @regions names none.
 */
struct listcache *listcache_new(const char *regions, unsigned ttl_s);

void listcache_free(struct listcache *lc);

/* Adds a slot per region for @account (an aws.role account: its lists are
 * listed with its own credentials); the regions of the chain's own account
 * ("") come first.  Returns 0 (a repeat counts once), -EINVAL, -ENOMEM. */
int listcache_add_account(struct listcache *lc, const char *account);

/*
 * The next slot to list at @now_ms (monotonic, >= 0): one never listed,
 * or whose listing is older than the ttl, or whose last try failed
 * LISTCACHE_RETRY_MS ago, and that is not being listed.  Marks it being
 * listed and returns its region's name and sets *@ret_account (unless
 * NULL) to its account ("" for the chain's own; both owned by the cache);
 * NULL when none is due.
 */
const char *listcache_due(struct listcache *lc, int64_t now_ms,
			  const char **ret_account);

/*
 * A page of @region's listing arrived: takes its lists (@page is emptied).
 * Returns 0 and sets *@ret_more: true when the listing goes on with the
 * page's NextToken (moved to *@ret_token, caller frees), false when this
 * was the last page and the region's lists were replaced at @now_ms.
 * -ENOENT when @region is not being listed, -ENOMEM.
 */
int listcache_page(struct listcache *lc, const char *region,
		   const char *account, struct listpage *page, int64_t now_ms,
		   bool *ret_more, char **ret_token);

/* The listing of @region for @account (NULL or "": the chain's own) failed
 * at @now_ms because of @fault (a short text, NULL: "ListingFailed"): the
 * pages so far are dropped, the lists it had stay, and it is due again
 * LISTCACHE_RETRY_MS later.  A slot never listed keeps @fault until a
 * listing succeeds. */
void listcache_failed(struct listcache *lc, const char *region,
		      const char *account, int64_t now_ms, const char *fault);

/* True once every slot has been listed whole at least once. */
bool listcache_ready(const struct listcache *lc);

/* True once every slot has been listed whole or has failed: nothing more
 * to wait for before fanning out. */
bool listcache_settled(const struct listcache *lc);

/* The slots (0..n-1: region and account) and the lists of each, as last
 * listed whole; the strings belong to the cache and last until the slot's
 * next replacement.  listcache_fault(): NULL, or the last failure of a
 * slot never listed whole. */
size_t listcache_regions(const struct listcache *lc);
const char *listcache_region(const struct listcache *lc, size_t r);
const char *listcache_account(const struct listcache *lc, size_t r);
bool listcache_listed(const struct listcache *lc, size_t r);
const char *listcache_fault(const struct listcache *lc, size_t r);
size_t listcache_count(const struct listcache *lc, size_t r);
const char *listcache_name(const struct listcache *lc, size_t r, size_t i);
const char *listcache_arn(const struct listcache *lc, size_t r, size_t i);

#endif
