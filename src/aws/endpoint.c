/* SPDX-License-Identifier: Apache-2.0 */
/*
 * endpoint.c - region -> partition -> endpoint URL, and URL -> Host.
 *
 * The partition table is data, not code: one row per partition with its
 * region prefixes, DNS suffixes and what it supports.  The region patterns
 * of the SDKs' partition data all read ^PREFIX-\w+-\d+$, so matching one
 * is a prefix comparison followed by "word characters, a dash, digits";
 * since a valid region has no '_' or capitals, \w reduces to [a-z0-9].
 *
 * Output goes through a small bounded writer that remembers overflow, so
 * each function appends freely and checks once at the end.
 */
#include "endpoint.h"

#include "region.h"

#include <errno.h>
#include <string.h>

#define REGION_MAX 63 /* one DNS label */
#define PLACEHOLDER "{region}"

struct partition {
	const char *id;
	const char *prefixes[10]; /* "us-gov-" style, NULL-terminated */
	const char *dns;
	const char *dualstack_dns; /* NULL: no dual-stack endpoints */
};

/* The first row is the default for regions no pattern claims. */
static const struct partition partitions[] = {
	{"aws",
	 {"us-", "eu-", "ap-", "sa-", "ca-", "me-", "af-", "il-", "mx-",
	  NULL},
	 "amazonaws.com", "api.aws"},
	{"aws-cn", {"cn-", NULL}, "amazonaws.com.cn",
	 "api.amazonwebservices.com.cn"},
	{"aws-us-gov", {"us-gov-", NULL}, "amazonaws.com", "api.aws"},
	{"aws-iso", {"us-iso-", NULL}, "c2s.ic.gov", NULL},
	{"aws-iso-b", {"us-isob-", NULL}, "sc2s.sgov.gov", NULL},
	{"aws-iso-e", {"eu-isoe-", NULL}, "cloud.adc-e.uk", NULL},
	{"aws-iso-f", {"us-isof-", NULL}, "csp.hci.ic.gov", NULL},
	{"aws-eusc", {"eusc-de-", NULL}, "amazonaws.eu", NULL},
};

struct writer {
	char *buf;
	size_t len;
	size_t n;
	bool overflow;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->overflow || n >= w->len - w->n) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->n, s, n);
	w->n += n;
	w->buf[w->n] = '\0';
}

static void put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool region_valid(const char *region)
{
	size_t i, n;

	if (!region)
		return false;
	n = strlen(region);
	if (n == 0 || n > REGION_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!is_lower_alnum(region[i]) && region[i] != '-')
			return false;
	return region[0] != '-' && region[n - 1] != '-';
}

static const struct partition *partition_of(const char *region)
{
	size_t i, j;

	for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++) {
		const struct partition *pt = &partitions[i];
		size_t idlen = strlen(pt->id);

		/* The partition's pseudo-region, e.g. "aws-us-gov-global". */
		if (strncmp(region, pt->id, idlen) == 0 &&
		    strcmp(region + idlen, "-global") == 0)
			return pt;
		for (j = 0; pt->prefixes[j]; j++) {
			size_t plen = strlen(pt->prefixes[j]);

			if (strncmp(region, pt->prefixes[j], plen) == 0 &&
			    region_word_dash_digits(region + plen))
				return pt;
		}
	}
	return &partitions[0];
}

/* RFC 3986 reg-name characters (unreserved, sub-delims, '%'). */
static bool is_regname_char(char c)
{
	return is_alpha(c) || is_digit(c) ||
	       (c != '\0' && strchr("-._~%!$&'()*+,;=", c) != NULL);
}

/* Inside [...]: an IPv6 address, maybe with a %25-escaped zone id. */
static bool is_ipv6_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == ':' || c == '.' ||
	       c == '%' || c == '-' || c == '_' || c == '~';
}

static bool is_bad_char(char c)
{
	return (unsigned char)c <= 0x20 || (unsigned char)c == 0x7f;
}

/*
 * Finds the authority of @url and checks it.  Returns 0 with
 * [*ret_start, *ret_end) the host[:port], or -EINVAL.
 */
static int url_authority(const char *url, const char **ret_start,
			 const char **ret_end)
{
	const char *p = url, *start, *end, *host_end;
	unsigned long port = 0;
	int digits = 0;

	if (!url || !is_alpha(*p))
		return -EINVAL;
	while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' ||
	       *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return -EINVAL;
	start = p + 3;
	end = start + strcspn(start, "/?#");
	if (end == start)
		return -EINVAL;
	if (*start == '[') {
		p = start + 1;
		while (p < end && is_ipv6_char(*p))
			p++;
		if (p == end || *p != ']' || p == start + 1 ||
		    !memchr(start, ':', (size_t)(p - start)))
			return -EINVAL;
		host_end = p + 1;
	} else {
		p = start;
		while (p < end && is_regname_char(*p))
			p++;
		if (p == start)
			return -EINVAL;
		host_end = p;
	}
	if (host_end < end) {
		if (*host_end != ':')
			return -EINVAL; /* '@' (userinfo) or a stray byte */
		for (p = host_end + 1; p < end; p++) {
			if (!is_digit(*p) || digits == 5)
				return -EINVAL;
			digits++;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (digits == 0 || port > 65535)
			return -EINVAL;
	}
	*ret_start = start;
	*ret_end = end;
	return 0;
}

int endpoint_host(const char *url, char *buf, size_t len)
{
	const char *start = NULL, *end = NULL;
	size_t n;
	int r;

	r = url_authority(url, &start, &end);
	if (r < 0)
		goto out;
	n = (size_t)(end - start);
	if (n >= len) {
		r = -ENOSPC;
		goto out;
	}
	memcpy(buf, start, n);
	buf[n] = '\0';
out:
	return r;
}

/* @override with every {region} replaced, then checked and given a path. */
static int override_url(const char *override, const char *region,
			struct writer *w)
{
	const char *p = override, *start = NULL, *end = NULL, *url;
	size_t i;
	int r;

	for (;;) {
		const char *hit = strstr(p, PLACEHOLDER);

		if (!hit)
			break;
		put(w, p, (size_t)(hit - p));
		put_str(w, region);
		p = hit + strlen(PLACEHOLDER);
	}
	put_str(w, p);
	if (w->overflow)
		return -ENOSPC;
	url = w->buf;
	for (i = 0; url[i]; i++)
		if (is_bad_char(url[i]))
			return -EINVAL;
	r = url_authority(url, &start, &end);
	if (r < 0)
		return r;
	if (*end != '/') {
		/* Splice '/' in at @end, moving any query/fragment up. */
		size_t at = (size_t)(end - url), tail = w->n - at;

		if (w->n + 1 >= w->len)
			return -ENOSPC;
		memmove(w->buf + at + 1, w->buf + at, tail + 1);
		w->buf[at] = '/';
		w->n++;
	}
	return 0;
}

int endpoint_url(const struct endpoint_opts *o, const char *region,
		 char *buf, size_t len)
{
	struct writer w = {buf, len, 0, false};
	const struct partition *pt;
	int r = 0;

	if (len > 0)
		buf[0] = '\0';
	if (!region_valid(region)) {
		r = -EINVAL;
		goto out;
	}
	if (o && o->override) {
		r = override_url(o->override, region, &w);
		goto out;
	}
	pt = partition_of(region);
	if (o && o->dualstack && !pt->dualstack_dns) {
		r = -ENOTSUP;
		goto out;
	}
	put_str(&w, o && o->fips ? "https://sms-voice-fips."
				 : "https://sms-voice.");
	put_str(&w, region);
	put_str(&w, ".");
	put_str(&w, o && o->dualstack ? pt->dualstack_dns : pt->dns);
	put_str(&w, "/");
	if (w.overflow)
		r = -ENOSPC;
out:
	if (r < 0 && len > 0)
		buf[0] = '\0';
	return r;
}
