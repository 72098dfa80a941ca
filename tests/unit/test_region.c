/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_region.c - the partitions and the regions where sms-voice exists.
 *
 * Tables of regions -> partition, of full checks (ARN partition, region,
 * aws.extra_regions -> status), of aws.extra_regions lists, and of the
 * messages.  The built-in table is compared with the regions this test
 * expects, and, when botocore's endpoints.json is installed (path in
 * $BOTOCORE_ENDPOINTS, else Debian's python3-botocore), with its data:
 * every region of a partition there must fall in that partition here, and
 * every region it gives sms-voice must be in the table.  Without the file
 * those checks are skipped, the rest still runs.
 */
#include "region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tap.h"

#define BOTOCORE_ENDPOINTS \
	"/usr/lib/python3/dist-packages/botocore/data/endpoints.json"

struct partition_case {
	const char *region;
	const char *partition; /* NULL: none */
};

static void test_partition(void)
{
	static const struct partition_case rows[] = {
		{"us-east-1", "aws"},
		{"eu-west-2", "aws"},
		{"ap-southeast-7", "aws"},
		{"il-central-1", "aws"},
		{"mx-central-1", "aws"},
		{"af-south-1", "aws"},
		{"xx-future-1", NULL}, /* unlike endpoint.c: no default */
		{"cn-north-1", "aws-cn"},
		{"cn-northwest-1", "aws-cn"},
		{"us-gov-west-1", "aws-us-gov"},
		{"us-gov-east-1", "aws-us-gov"},
		{"us-iso-east-1", "aws-iso"},
		{"us-isob-east-1", "aws-iso-b"},
		{"eu-isoe-west-1", "aws-iso-e"},
		{"us-isof-south-1", "aws-iso-f"},
		{"eusc-de-east-1", "aws-eusc"},
		/* the pattern is PREFIX word '-' digits, nothing else */
		{"mars", NULL},
		{"mars-east-1", NULL},
		{"us-east", NULL},
		{"us-east-", NULL},
		{"us-east-1a", NULL},
		{"us--1", NULL},
		{"us-east-west-1", NULL},
		{"us-gov-1", "aws"}, /* "gov" is the word */
		{"us-isob-1", "aws"},
		{"eusc-fr-east-1", NULL},
		{"US-EAST-1", NULL},
		{"us_east_1", NULL},
		{"aws-global", NULL},
		{"", NULL},
		{"us-east-1 ", NULL},
		{"abcdefghijklmnopqrstuvwxyz-1234", NULL},
		{"us-abcdefghijklmnopqrstuvwxyz-1", "aws"}, /* 31 */
		{"us-abcdefghijklmnopqrstuvwxyz0-1", NULL}, /* 32 */
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		is_str(region_partition(rows[i].region), rows[i].partition,
		       "partition of \"%s\"", rows[i].region);
	is_str(region_partition(NULL), NULL, "partition of NULL");

	ok(region_partition_known("aws") && region_partition_known("aws-cn") &&
		   region_partition_known("aws-us-gov") &&
		   region_partition_known("aws-iso") &&
		   region_partition_known("aws-iso-b") &&
		   region_partition_known("aws-iso-e") &&
		   region_partition_known("aws-iso-f") &&
		   region_partition_known("aws-eusc"),
	   "every partition is known");
	ok(!region_partition_known("aws-mars") &&
		   !region_partition_known("AWS") &&
		   !region_partition_known("") && !region_partition_known(NULL),
	   "made-up partitions are not");
}

/* The table as this test knows it (AWS End User Messaging SMS user guide,
 * Regional availability). */
static const char *const expected[] = {
	"af-south-1",     "ap-east-2",      "ap-northeast-1", "ap-northeast-2",
	"ap-northeast-3", "ap-south-1",     "ap-south-2",     "ap-southeast-1",
	"ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-6",
	"ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",
	"eu-north-1",     "eu-south-1",     "eu-south-2",     "eu-west-1",
	"eu-west-2",      "eu-west-3",      "il-central-1",   "me-central-1",
	"me-south-1",     "sa-east-1",      "us-east-1",      "us-east-2",
	"us-west-1",      "us-west-2",      "us-gov-east-1",  "us-gov-west-1",
};

static void test_table(void)
{
	const size_t n = sizeof(expected) / sizeof(expected[0]);
	const char *r, *p;
	size_t i, count = 0, bad = 0;

	for (i = 0; i < n; i++) {
		ok(region_known(expected[i]), "%s is in the table",
		   expected[i]);
		is_int(region_check(NULL, expected[i], NULL), REGION_OK,
		       "%s checks OK", expected[i]);
	}
	for (i = 0; (r = region_table_entry(i)); i++) {
		count++;
		p = region_partition(r);
		/* the service is only in these two partitions */
		if (!p || (strcmp(p, "aws") != 0 && strcmp(p, "aws-us-gov") != 0)) {
			tap_diag("table entry %s: partition %s", r,
				 p ? p : "none");
			bad++;
		}
	}
	is_int(count, n, "the table has the %zu expected regions", n);
	is_int(bad, 0, "every table entry is in aws or aws-us-gov");

	ok(!region_known("ap-southeast-7") && !region_known("ap-east-1") &&
		   !region_known("cn-north-1") && !region_known("us-iso-east-1") &&
		   !region_known("mars") && !region_known("") &&
		   !region_known(NULL),
	   "regions without the service are not in the table");
}

struct check_case {
	const char *partition;
	const char *region;
	const char *extra;
	enum region_status want;
};

static void test_check(void)
{
	static const struct check_case rows[] = {
		{NULL, "us-east-1", NULL, REGION_OK},
		{"aws", "us-east-1", NULL, REGION_OK},
		{"aws", "eu-central-2", "", REGION_OK},
		{"aws-us-gov", "us-gov-west-1", NULL, REGION_OK},
		{NULL, "us-gov-east-1", NULL, REGION_OK},
		/* syntax first */
		{NULL, "", NULL, REGION_NOT_A_NAME},
		{NULL, NULL, NULL, REGION_NOT_A_NAME},
		{"aws", "US-EAST-1", NULL, REGION_NOT_A_NAME},
		{"aws", "-us-east-1", NULL, REGION_NOT_A_NAME},
		{"aws", "us-east-1-", NULL, REGION_NOT_A_NAME},
		{"aws", "us east 1", NULL, REGION_NOT_A_NAME},
		{"aws-mars", "US-EAST-1", NULL, REGION_NOT_A_NAME},
		/* then the ARN's partition */
		{"aws-mars", "us-east-1", NULL, REGION_UNKNOWN_PARTITION},
		{"", "us-east-1", NULL, REGION_UNKNOWN_PARTITION},
		{"AWS", "us-east-1", NULL, REGION_UNKNOWN_PARTITION},
		{"aws-mars", "mars", NULL, REGION_UNKNOWN_PARTITION},
		/* then the region's own */
		{NULL, "mars", NULL, REGION_NO_PARTITION},
		{"aws", "mars-east-1", NULL, REGION_NO_PARTITION},
		{NULL, "mars", "mars", REGION_NO_PARTITION},
		{"aws-cn", "us-east-1", NULL, REGION_OTHER_PARTITION},
		{"aws", "us-gov-west-1", NULL, REGION_OTHER_PARTITION},
		{"aws-us-gov", "us-east-1", NULL, REGION_OTHER_PARTITION},
		{"aws", "cn-north-1", "cn-north-1", REGION_OTHER_PARTITION},
		/* then the service */
		{NULL, "ap-southeast-7", NULL, REGION_NO_SERVICE},
		{"aws", "ap-east-1", NULL, REGION_NO_SERVICE},
		{"aws-cn", "cn-north-1", NULL, REGION_NO_SERVICE},
		{"aws-iso-b", "us-isob-east-1", NULL, REGION_NO_SERVICE},
		{NULL, "ap-southeast-7", "ap-southeast-77", REGION_NO_SERVICE},
		{NULL, "ap-southeast-7", "ap-southeast", REGION_NO_SERVICE},
		/* aws.extra_regions adds regions of known partitions */
		{NULL, "ap-southeast-7", "ap-southeast-7", REGION_OK},
		{"aws", "ap-southeast-7", "eu-west-9,ap-southeast-7", REGION_OK},
		{"aws", "ap-southeast-7", " eu-west-9 ap-southeast-7 ",
		 REGION_OK},
		{"aws", "ap-southeast-7", "eu-west-9,\tap-southeast-7,",
		 REGION_OK},
		{"aws-cn", "cn-north-1", "cn-north-1", REGION_OK},
		{NULL, "us-isob-east-1", "cn-north-1 us-isob-east-1", REGION_OK},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		is_int(region_check(rows[i].partition, rows[i].region,
				    rows[i].extra),
		       rows[i].want, "check %s / %s / extra %s",
		       rows[i].partition ? rows[i].partition : "-",
		       rows[i].region ? rows[i].region : "NULL",
		       rows[i].extra ? rows[i].extra : "NULL");
}

struct list_case {
	const char *list;
	enum region_status want;
	size_t entry; /* of the first bad one */
};

static void test_list(void)
{
	static const struct list_case rows[] = {
		{NULL, REGION_OK, 0},
		{"", REGION_OK, 0},
		{" , ,\t", REGION_OK, 0},
		{"ap-southeast-7", REGION_OK, 0},
		{"ap-southeast-7,eu-west-9", REGION_OK, 0},
		{"ap-southeast-7, eu-west-9 cn-north-2\tus-gov-north-1",
		 REGION_OK, 0},
		{"us-east-1", REGION_OK, 0}, /* already known: harmless */
		{"mars", REGION_NO_PARTITION, 1},
		{"ap-southeast-7,mars-east-1", REGION_NO_PARTITION, 2},
		{"ap-southeast-7 AP-EAST-9", REGION_NOT_A_NAME, 2},
		{"ap-southeast-7;eu-west-9", REGION_NOT_A_NAME, 1},
		{"a,b,-us-east-1", REGION_NO_PARTITION, 1},
		{"us-east-1,-us-east-1", REGION_NOT_A_NAME, 2},
		{"us-abcdefghijklmnopqrstuvwxyz0-1", REGION_NOT_A_NAME, 1},
		{"us-abcdefghijklmnopqrstuvwxyz-1", REGION_OK, 0},
	};
	size_t i, entry;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		entry = 0;
		is_int(region_check_list(rows[i].list, &entry), rows[i].want,
		       "list \"%s\"", rows[i].list ? rows[i].list : "NULL");
		is_int(entry, rows[i].entry, "list \"%s\": bad entry",
		       rows[i].list ? rows[i].list : "NULL");
	}

	ok(region_listed("a, b,c", "b") && region_listed("a, b,c", "c") &&
		   region_listed("a", "a"),
	   "listed: entries found");
	ok(!region_listed("ab, bc", "b") && !region_listed("a", "") &&
		   !region_listed(NULL, "a") && !region_listed("a", NULL) &&
		   !region_listed("", "a"),
	   "listed: no partial or empty matches");
}

struct explain_case {
	enum region_status st;
	const char *partition;
	const char *region;
	bool name_it;
	const char *want;
};

static void test_explain(void)
{
	static const struct explain_case rows[] = {
		{REGION_NO_PARTITION, NULL, "mars", true,
		 "region \"mars\" is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "mars", false,
		 "the region is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "mars-east-1", true,
		 "region \"mars-east-1\" is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "14155550100", true,
		 "the region is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "mars-4155", true,
		 "the region is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "m4rs-1", true,
		 "the region is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "mars-", true,
		 "the region is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "mars--east", true,
		 "the region is in no AWS partition"},
		{REGION_NO_PARTITION, NULL, "mars-1-east", true,
		 "the region is in no AWS partition"},
		{REGION_NOT_A_NAME, NULL, "US EAST", true,
		 "the region is not a region name (1 to 31 characters of a-z, "
		 "0-9 and '-', not starting or ending with '-')"},
		{REGION_UNKNOWN_PARTITION, "aws-mars", "us-east-1", true,
		 "partition \"aws-mars\" is not an AWS partition"},
		{REGION_UNKNOWN_PARTITION, "aws-mars", "us-east-1", false,
		 "the partition is not an AWS partition"},
		{REGION_UNKNOWN_PARTITION, "aws4155550100", "us-east-1", true,
		 "the partition is not an AWS partition"},
		{REGION_OTHER_PARTITION, "aws-cn", "us-east-1", true,
		 "region \"us-east-1\" is in partition aws, not in aws-cn"},
		{REGION_OTHER_PARTITION, "aws-cn", "us-east-1", false,
		 "the region is in partition aws, not in aws-cn"},
		{REGION_NO_SERVICE, NULL, "cn-north-1", true,
		 "sms-voice does not exist in region \"cn-north-1\" (partition "
		 "aws-cn) as far as this build knows; if AWS has launched it "
		 "there, add the region to aws.extra_regions"},
		{REGION_NO_SERVICE, "aws", "ap-southeast-7", false,
		 "sms-voice does not exist in the region (partition aws) as far "
		 "as this build knows; if AWS has launched it there, add the "
		 "region to aws.extra_regions"},
		{REGION_OK, NULL, "us-east-1", true,
		 "region \"us-east-1\" is one where sms-voice exists"},
	};
	char buf[256], small[12];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		region_explain(rows[i].st, rows[i].partition, rows[i].region,
			       rows[i].name_it, buf, sizeof(buf));
		is_str(buf, rows[i].want, "explain %d %s %s%s", rows[i].st,
		       rows[i].partition ? rows[i].partition : "-",
		       rows[i].region, rows[i].name_it ? "" : " (unnamed)");
	}
	region_explain(REGION_NO_PARTITION, NULL, "mars", true, small,
		       sizeof(small));
	is_str(small, "region \"mar", "explain: cut to the buffer");
	memcpy(small, "untouched", 10);
	region_explain(REGION_NO_PARTITION, NULL, "mars", true, small, 0);
	is_str(small, "untouched", "explain: nothing written to 0 bytes");
}

/* "(us|eu)" or "us\-gov" or "eusc\-(de)": the region prefixes a
 * partition's regionRegex allows, written to @out (each "PREFIX-"). */
#define PREFIX_MAX 320

static size_t regex_prefixes(const char *regex, char out[][PREFIX_MAX],
			     size_t max)
{
	char head[64], alts[128], tail[64];
	const char *p = regex, *open, *close;
	size_t n = 0, h = 0, t = 0;
	char *alt, *save = NULL;

	if (*p == '^')
		p++;
	/* unescape "\-" up to "\-\w+\-\d+$" */
	open = strstr(p, "\\-\\w+\\-\\d+$");
	if (!open)
		return 0;
	close = strchr(p, '(');
	if (close && close < open) {
		for (; p < close && h + 1 < sizeof(head); p++)
			if (*p != '\\')
				head[h++] = *p;
		head[h] = '\0';
		snprintf(alts, sizeof(alts), "%.*s",
			 (int)(strchr(close, ')') - close - 1), close + 1);
		p = strchr(close, ')') + 1;
	} else {
		head[0] = '\0';
		snprintf(alts, sizeof(alts), "%s", "");
	}
	for (; p < open && t + 1 < sizeof(tail); p++)
		if (*p != '\\')
			tail[t++] = *p;
	tail[t] = '\0';
	if (!alts[0]) {
		snprintf(out[n++], PREFIX_MAX, "%s%s-", head, tail);
		return n;
	}
	for (alt = strtok_r(alts, "|", &save); alt && n < max;
	     alt = strtok_r(NULL, "|", &save))
		snprintf(out[n++], PREFIX_MAX, "%s%s%s-", head, alt, tail);
	return n;
}

static bool skip_endpoint(const char *name, const cJSON *spec)
{
	return strncmp(name, "fips-", 5) == 0 || strstr(name, "-fips") ||
	       strstr(name, "-global") ||
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec,
							     "deprecated"));
}

static void test_botocore(void)
{
	const char *path = getenv("BOTOCORE_ENDPOINTS");
	const cJSON *parts, *part, *id, *regions, *r, *svc, *eps, *ep, *rx;
	char prefixes[16][PREFIX_MAX], probe[PREFIX_MAX + 16];
	size_t n, i, bad_part = 0, bad_region = 0, bad_service = 0;
	size_t seen = 0, served = 0;
	cJSON *root = NULL;
	char *text = NULL;
	FILE *f;
	long len;

	if (!path || !*path)
		path = BOTOCORE_ENDPOINTS;
	f = fopen(path, "rb");
	if (!f) {
		printf("ok %d - botocore cross-check # SKIP no %s\n",
		       ++tap_count, path);
		return;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = malloc((size_t)len + 1);
		if (text && fread(text, 1, (size_t)len, f) == (size_t)len) {
			text[len] = '\0';
			root = cJSON_Parse(text);
		}
	}
	fclose(f);
	free(text);
	parts = cJSON_GetObjectItemCaseSensitive(root, "partitions");
	ok(cJSON_IsArray(parts), "botocore: %s has partitions", path);

	cJSON_ArrayForEach(part, parts) {
		id = cJSON_GetObjectItemCaseSensitive(part, "partition");
		if (!cJSON_IsString(id))
			continue;
		if (!region_partition_known(id->valuestring)) {
			tap_diag("botocore partition %s is not in region.c",
				 id->valuestring);
			bad_part++;
			continue;
		}
		rx = cJSON_GetObjectItemCaseSensitive(part, "regionRegex");
		n = cJSON_IsString(rx) ? regex_prefixes(rx->valuestring,
							prefixes, 16)
				       : 0;
		if (n == 0) {
			tap_diag("botocore partition %s: regionRegex not "
				 "understood",
				 id->valuestring);
			bad_part++;
		}
		for (i = 0; i < n; i++) {
			snprintf(probe, sizeof(probe), "%.300sprobe-1",
				 prefixes[i]);
			if (!region_partition(probe) ||
			    strcmp(region_partition(probe), id->valuestring)) {
				tap_diag("botocore: %s (%s) is not a region of "
					 "%s here",
					 probe, rx->valuestring,
					 id->valuestring);
				bad_part++;
			}
		}
		regions = cJSON_GetObjectItemCaseSensitive(part, "regions");
		cJSON_ArrayForEach(r, regions) {
			const char *p = region_partition(r->string);

			seen++;
			if (!p || strcmp(p, id->valuestring) != 0) {
				tap_diag("botocore: region %s of %s is in %s "
					 "here",
					 r->string, id->valuestring,
					 p ? p : "no partition");
				bad_region++;
			}
		}
		svc = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(part, "services"),
			"sms-voice");
		eps = cJSON_GetObjectItemCaseSensitive(svc, "endpoints");
		cJSON_ArrayForEach(ep, eps) {
			if (skip_endpoint(ep->string, ep))
				continue;
			served++;
			if (region_check(id->valuestring, ep->string, NULL) !=
			    REGION_OK) {
				tap_diag("botocore: sms-voice is in %s, "
					 "missing from region.c",
					 ep->string);
				bad_service++;
			}
		}
	}
	is_int(bad_part, 0, "botocore: every partition and its patterns "
			    "known");
	ok(seen > 0, "botocore: %zu regions looked at", seen);
	is_int(bad_region, 0, "botocore: every region in its partition");
	ok(served > 0, "botocore: %zu sms-voice regions looked at", served);
	is_int(bad_service, 0, "botocore: every sms-voice region known");
	cJSON_Delete(root);
}

/* region_list_entry(): the i-th entry, copied; false past the end or
 * when it does not fit. */
static void test_list_entry(void)
{
	char buf[16];

	ok(region_list_entry(" us-east-1,\teu-west-2 ,", 0, buf, sizeof(buf)),
	   "entry 0 found");
	is_str(buf, "us-east-1", "entry 0");
	ok(region_list_entry(" us-east-1,\teu-west-2 ,", 1, buf, sizeof(buf)),
	   "entry 1 found");
	is_str(buf, "eu-west-2", "entry 1 (blanks and commas skipped)");
	ok(!region_list_entry(" us-east-1,\teu-west-2 ,", 2, buf, sizeof(buf)),
	   "past the last entry");
	ok(!region_list_entry(NULL, 0, buf, sizeof(buf)), "NULL list: none");
	ok(!region_list_entry("", 0, buf, sizeof(buf)), "empty list: none");
	ok(!region_list_entry("ap-southeast-7", 0, buf, 14),
	   "an entry that does not fit");
	ok(region_list_entry("ap-southeast-7", 0, buf, 15), "one that just fits");
}

int main(void)
{
	test_list_entry();
	test_partition();
	test_table();
	test_check();
	test_list();
	test_explain();
	test_botocore();
	return tap_done();
}
