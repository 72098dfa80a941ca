/* SPDX-License-Identifier: Apache-2.0 */
/*
 * region.c - the AWS partitions, and the regions where sms-voice exists.
 *
 * Sources (checked 2025; tests/unit/test_region.c cross-checks both tables
 * against the installed botocore's endpoints.json when there is one):
 *   partitions  the SDKs' partitions.json: "regionRegex" of each partition,
 *               all of the form ^PREFIX-\w+-\d+$.  Since a valid region has
 *               no capitals or '_', \w reduces to [a-z0-9], and matching is
 *               a prefix comparison then "word, dash, digits" to the end:
 *               exactly one word, so "us-gov-west-1" is not an "aws" region
 *               by the "us-" prefix, and the partitions never overlap.
 *   regions     AWS End User Messaging SMS User Guide, "Regional
 *               availability" (docs.aws.amazon.com/sms-voice/latest/
 *               userguide/what-is-sms-mms.html#sms-regions): 32 regions, 30
 *               in aws and 2 in aws-us-gov; none in aws-cn or the isolated
 *               partitions.
 *
 * A region launched after this table is added by the operator with
 * aws.extra_regions (region.h); the table itself changes only here.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "region.h"

#include <stdio.h>
#include <string.h>

struct partition {
	const char *id;
	const char *prefixes[10]; /* region = PREFIX word '-' digits */
};

static const struct partition partitions[] = {
	{"aws",
	 {"us-", "eu-", "ap-", "sa-", "ca-", "me-", "af-", "il-", "mx-",
	  NULL}},
	{"aws-cn", {"cn-", NULL}},
	{"aws-us-gov", {"us-gov-", NULL}},
	{"aws-iso", {"us-iso-", NULL}},
	{"aws-iso-b", {"us-isob-", NULL}},
	{"aws-iso-e", {"eu-isoe-", NULL}},
	{"aws-iso-f", {"us-isof-", NULL}},
	{"aws-eusc", {"eusc-de-", NULL}},
};

/* Where sms-voice exists, by partition, each in name order. */
static const char *const service_regions[] = {
	/* aws */
	"af-south-1",     "ap-east-2",      "ap-northeast-1", "ap-northeast-2",
	"ap-northeast-3", "ap-south-1",     "ap-south-2",     "ap-southeast-1",
	"ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-6",
	"ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",
	"eu-north-1",     "eu-south-1",     "eu-south-2",     "eu-west-1",
	"eu-west-2",      "eu-west-3",      "il-central-1",   "me-central-1",
	"me-south-1",     "sa-east-1",      "us-east-1",      "us-east-2",
	"us-west-1",      "us-west-2",
	/* aws-us-gov */
	"us-gov-east-1", "us-gov-west-1",
};

#define NPARTITIONS (sizeof(partitions) / sizeof(partitions[0]))
#define NREGIONS (sizeof(service_regions) / sizeof(service_regions[0]))

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool name_valid(const char *region)
{
	size_t n;

	if (!region)
		return false;
	for (n = 0; region[n]; n++)
		if (!is_lower(region[n]) && !is_digit(region[n]) &&
		    region[n] != '-')
			return false;
	return n >= 1 && n <= REGION_NAME_MAX && region[0] != '-' &&
	       region[n - 1] != '-';
}

bool region_word_dash_digits(const char *rest)
{
	const char *p = rest;

	while (is_lower(*p) || is_digit(*p))
		p++;
	if (p == rest || *p != '-')
		return false;
	rest = ++p;
	while (is_digit(*p))
		p++;
	return p != rest && *p == '\0';
}

const char *region_partition(const char *region)
{
	size_t i, j, n;

	if (!name_valid(region))
		return NULL;
	for (i = 0; i < NPARTITIONS; i++) {
		for (j = 0; partitions[i].prefixes[j]; j++) {
			n = strlen(partitions[i].prefixes[j]);
			if (strncmp(region, partitions[i].prefixes[j], n) == 0 &&
			    region_word_dash_digits(region + n))
				return partitions[i].id;
		}
	}
	return NULL;
}

bool region_partition_known(const char *partition)
{
	size_t i;

	if (!partition)
		return false;
	for (i = 0; i < NPARTITIONS; i++)
		if (strcmp(partitions[i].id, partition) == 0)
			return true;
	return false;
}

bool region_known(const char *region)
{
	size_t i;

	if (!region)
		return false;
	for (i = 0; i < NREGIONS; i++)
		if (strcmp(service_regions[i], region) == 0)
			return true;
	return false;
}

const char *region_table_entry(size_t i)
{
	return i < NREGIONS ? service_regions[i] : NULL;
}

static bool is_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/* The next entry of @list at or after *@pos: its start and length; false
 * at the end. */
static bool next_entry(const char *list, size_t *pos, const char **ret,
		       size_t *ret_len)
{
	size_t at = *pos, start;

	while (list[at] && is_separator(list[at]))
		at++;
	if (!list[at])
		return false;
	start = at;
	while (list[at] && !is_separator(list[at]))
		at++;
	*ret = list + start;
	*ret_len = at - start;
	*pos = at;
	return true;
}

bool region_listed(const char *list, const char *region)
{
	size_t pos = 0, n, rlen;
	const char *entry;

	if (!list || !region)
		return false;
	rlen = strlen(region);
	while (next_entry(list, &pos, &entry, &n))
		if (n == rlen && strncmp(entry, region, n) == 0)
			return true;
	return false;
}

bool region_list_entry(const char *list, size_t i, char *buf, size_t len)
{
	const char *entry;
	size_t pos = 0, n, k = 0;

	while (list && next_entry(list, &pos, &entry, &n)) {
		if (k++ != i)
			continue;
		if (n >= len)
			return false;
		memcpy(buf, entry, n);
		buf[n] = '\0';
		return true;
	}
	return false;
}

enum region_status region_check(const char *partition, const char *region,
				const char *extra)
{
	const char *home;

	if (!name_valid(region))
		return REGION_NOT_A_NAME;
	if (partition && !region_partition_known(partition))
		return REGION_UNKNOWN_PARTITION;
	home = region_partition(region);
	if (!home)
		return REGION_NO_PARTITION;
	if (partition && strcmp(home, partition) != 0)
		return REGION_OTHER_PARTITION;
	if (region_known(region) || region_listed(extra, region))
		return REGION_OK;
	return REGION_NO_SERVICE;
}

enum region_status region_check_list(const char *list, size_t *ret_entry)
{
	char name[REGION_NAME_MAX + 1];
	size_t pos = 0, n, i = 0;
	const char *entry;
	enum region_status st;

	if (!list)
		return REGION_OK;
	while (next_entry(list, &pos, &entry, &n)) {
		i++;
		st = REGION_NOT_A_NAME;
		if (n < sizeof(name)) {
			memcpy(name, entry, n);
			name[n] = '\0';
			if (name_valid(name))
				st = region_partition(name)
					     ? REGION_OK
					     : REGION_NO_PARTITION;
		}
		if (st != REGION_OK) {
			*ret_entry = i;
			return st;
		}
	}
	return REGION_OK;
}

/* Lowercase words joined by single '-', at most three trailing digits
 * after a last '-': the shape of region and partition names, which cannot
 * hold a phone number. */
static bool nameable(const char *s)
{
	const char *p = s;
	size_t digits = 0;

	if (!s || !is_lower(*p))
		return false;
	for (;;) {
		while (is_lower(*p))
			p++;
		if (*p == '\0')
			return p - s <= REGION_NAME_MAX;
		if (*p != '-')
			return false;
		p++;
		if (is_lower(*p))
			continue;
		while (is_digit(*p) && digits < 4) {
			p++;
			digits++;
		}
		return digits >= 1 && digits <= 3 && *p == '\0' &&
		       p - s <= REGION_NAME_MAX;
	}
}

void region_explain(enum region_status st, const char *partition,
		    const char *region, bool name_it, char *buf, size_t len)
{
	char r[REGION_NAME_MAX + 16], p[REGION_NAME_MAX + 16];
	const char *home = region_partition(region);

	if (len == 0)
		return;
	if (name_it && nameable(region))
		snprintf(r, sizeof(r), "region \"%s\"", region);
	else
		snprintf(r, sizeof(r), "the region");
	if (name_it && nameable(partition))
		snprintf(p, sizeof(p), "partition \"%s\"", partition);
	else
		snprintf(p, sizeof(p), "the partition");

	switch (st) {
	case REGION_OK:
		snprintf(buf, len, "%s is one where sms-voice exists", r);
		return;
	case REGION_NOT_A_NAME:
		snprintf(buf, len,
			 "the region is not a region name (1 to %d characters "
			 "of a-z, 0-9 and '-', not starting or ending with "
			 "'-')",
			 REGION_NAME_MAX);
		return;
	case REGION_NO_PARTITION:
		snprintf(buf, len, "%s is in no AWS partition", r);
		return;
	case REGION_UNKNOWN_PARTITION:
		snprintf(buf, len, "%s is not an AWS partition", p);
		return;
	case REGION_OTHER_PARTITION:
		/* Both partitions are known ones here: safe to name. */
		snprintf(buf, len, "%s is in partition %s, not in %s", r,
			 home ? home : "?", partition ? partition : "?");
		return;
	case REGION_NO_SERVICE:
		snprintf(buf, len,
			 "sms-voice does not exist in %s (partition %s) as far "
			 "as this build knows; if AWS has launched it there, "
			 "add the region to aws.extra_regions",
			 r, home ? home : "?");
		return;
	}
	snprintf(buf, len, "%s is refused", r);
}
