/* SPDX-License-Identifier: Apache-2.0 */
/*
 * region.h - the AWS partitions, and the regions where sms-voice exists.
 *
 * A request's region comes from its list ARN (or aws.region), becomes a
 * host name and the signature's scope, and is checked here before any call
 * is made: a region no partition has, or one where the service does not
 * exist, is the request's (or the configuration's) fault and is refused
 * locally, instead of ending as a DNS failure at call time.
 *
 * Two tables in region.c, both data:
 *   - the partitions with their region patterns (PREFIX-word-digits, the
 *     regionRegex of the SDKs' partitions.json);
 *   - the regions where the service (AWS End User Messaging SMS, API
 *     pinpoint-sms-voice-v2, endpoint prefix sms-voice) exists, from the
 *     service's "Regional availability" table in its user guide.
 *
 * The second table ages as AWS launches the service in more regions.  The
 * way out needs no new build: aws.extra_regions lists regions the operator
 * vouches for, each of which must still match a known partition's pattern
 * (so a typo is still caught, and the ARN partition check still holds).
 *
 * Pure: no I/O, no threads, no logging.
 */
#ifndef OPTOUT_REGION_H
#define OPTOUT_REGION_H

#include <stdbool.h>
#include <stddef.h>

/* Region names are short ("ap-southeast-2", "us-gov-west-1"): 1-31 of
 * [a-z0-9-], not starting or ending with '-'. */
#define REGION_NAME_MAX 31

enum region_status {
	REGION_OK = 0,
	REGION_NOT_A_NAME,         /* not 1-31 of [a-z0-9-], or '-' at an end */
	REGION_NO_PARTITION,       /* no AWS partition has a region like it */
	REGION_UNKNOWN_PARTITION,  /* the ARN's partition is not an AWS one */
	REGION_OTHER_PARTITION,    /* a region of another partition than the
				      ARN's (arn:aws-cn:...:us-east-1) */
	REGION_NO_SERVICE,         /* a region of its partition where sms-voice
				      does not exist (as far as the table and
				      aws.extra_regions know) */
};

/* The partition whose region pattern @region matches ("aws", "aws-cn",
 * "aws-us-gov", ...), a static string; NULL when none does. */
const char *region_partition(const char *region);

/* Whether @partition is the name of a partition of the table. */
bool region_partition_known(const char *partition);

/* True when @rest reads \w+-\d+ to its end (\w being [a-z0-9] here): what
 * follows a partition's prefix in a region name ("east-1" after "us-"). */
bool region_word_dash_digits(const char *rest);

/* Whether sms-voice exists in @region according to the built-in table. */
bool region_known(const char *region);

/* The @i-th region of the built-in table (0 for the first), NULL past
 * the end. */
const char *region_table_entry(size_t i);

/* Whether @region is an entry of @list: region names separated by commas
 * and/or blanks (the aws.extra_regions syntax); @list may be NULL. */
bool region_listed(const char *list, const char *region);

/* Copies the @i-th entry (0 for the first) of @list (the
 * aws.extra_regions syntax; may be NULL) to @buf.  Returns false past the
 * last entry, or when the entry does not fit @len bytes with its NUL. */
bool region_list_entry(const char *list, size_t i, char *buf, size_t len);

/*
 * The whole check of a region: its syntax; when @partition is not NULL (it
 * comes from an ARN), that it is a known partition and the region's own;
 * that the region is in a known partition; and that sms-voice exists there
 * (the table, or an entry of @extra, which is aws.extra_regions or NULL).
 * Returns the first rule broken, REGION_OK when none is.
 */
enum region_status region_check(const char *partition, const char *region,
				const char *extra);

/*
 * Checks a list in the aws.extra_regions syntax: every entry a region name
 * that matches a known partition's pattern.  Returns REGION_OK (also for an
 * empty list) or the status of the first bad entry, whose position (1 for
 * the first) goes to @ret_entry.
 */
enum region_status region_check_list(const char *list, size_t *ret_entry);

/*
 * Writes why @st refuses @region (of the ARN's @partition, or NULL) to
 * @buf, one line without a final period, e.g.
 *   region "mars-east-1" is in no AWS partition
 * With @name_it false, or when a value does not have the shape of a
 * region or partition name (lowercase words joined by '-', at most three
 * trailing digits: nothing that could hold a phone number), it is not
 * repeated ("the region", "the partition").  Always NUL-terminates (when
 * @len > 0), cutting the text if needed.
 */
void region_explain(enum region_status st, const char *partition,
		    const char *region, bool name_it, char *buf, size_t len);

#endif
