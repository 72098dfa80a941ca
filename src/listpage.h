/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listpage.h - one page of DescribeOptOutLists: the request body and the
 * answer's lists.
 *
 * The list cache (listcache.c) asks for a region's lists a page at a time
 * and follows NextToken; this module only writes the body of one page's
 * call and reads one page's 2xx answer.  Errors are classified by api.c
 * like every other answer: this module never sees them.
 *
 * Pure: no I/O, no threads, no logging.
 */
#ifndef OPTOUT_LISTPAGE_H
#define OPTOUT_LISTPAGE_H

#include <stddef.h>

struct cJSON;

#define LISTPAGE_TARGET "PinpointSMSVoiceV2.DescribeOptOutLists"

/* Lists asked for per page: the API's most. */
#define LISTPAGE_MAX_RESULTS 100

/* Longest NextToken accepted, and longest ARN (the API model's bound). */
#define LISTPAGE_TOKEN_MAX 1024
#define LISTPAGE_ARN_MAX 1024

/* One opt-out list as DescribeOptOutLists names it (owned). */
struct listpage_list {
	char *name; /* valid as a request's OptOutListName */
	char *arn;  /* or NULL when the answer gave none */
};

struct listpage {
	struct listpage_list *lists;
	size_t n;
	char *next_token; /* NULL on the last page */
};

/*
 * The body of a page's call: {"MaxResults":100} and, after the first page,
 * "NextToken" (@next_token, or NULL for the first page).  Returns a
 * malloc'd NUL-terminated text (caller frees), or NULL when out of memory.
 */
char *listpage_build_body(const char *next_token);

/*
 * Reads a 2xx answer's body: an object whose "OptOutLists" is an array of
 * objects with a valid "OptOutListName" (and an "OptOutListArn" string of
 * at most LISTPAGE_ARN_MAX bytes in the ARN alphabet, when there is one),
 * and an optional "NextToken" string of 1 to LISTPAGE_TOKEN_MAX bytes.
 * Any other member is ignored; a missing OptOutLists is an empty page.
 * Returns 0 with @ret_page filled (release it with listpage_done()),
 * -EBADMSG when the body breaks a rule (a page we cannot read whole must
 * not be taken for all of it: the caller keeps what it had), or -ENOMEM.
 */
int listpage_parse(const char *body, size_t len, struct listpage *ret_page);

/* listpage_parse() of an answer already parsed (@root may be NULL). */
int listpage_read(const struct cJSON *root, struct listpage *ret_page);

/* Frees what @page holds and empties it; NULL and an empty page are
 * fine. */
void listpage_done(struct listpage *page);

#endif
