/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_value.c - the value parsers of the configuration keys: integers,
 * rates, booleans, Kafka topic names, regions, URLs, file names and the
 * HOST:PORT of metrics.listen.
 *
 * Each parser is strict (no sign, no blanks, no trailing garbage: what the
 * file says is what it means) and, where a person needs to know why, writes
 * a message without the value itself, which may be a secret.  The loader in
 * config.c calls them for every key of its table, defaults included;
 * metrics_http.c uses the HOST:PORT parser to bind, so that the key and
 * the listener can never disagree.  No state, no logging: any thread.
 */
#include "config_value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "region.h"

/* Kafka topic names: the broker's own rule. */
#define TOPIC_NAME_MAX 249

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims blanks at both ends of @s in place; returns the new start. */
char *config_value_trim(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	s[len] = '\0';
	return s;
}

/* Strict unsigned decimal: digits only, no sign, no blanks, no overflow. */
int config_value_uint(const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *ret_v)
{
	unsigned long long v;
	const char *p;
	char *end = NULL;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || !end || *end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret_v = v;
	return 0;
}

/* Strict non-negative decimal number: digits with at most one '.'. */
int config_value_rate(const char *s, double min, double max, double *ret_v)
{
	const char *p;
	char *end = NULL;
	int dots = 0, digits = 0;
	double v;

	for (p = s; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p >= '0' && *p <= '9')
			digits++;
		else
			return -EINVAL;
	}
	if (digits == 0 || dots > 1)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || !end || *end != '\0')
		return -EINVAL;
	if (!(v >= min && v <= max))
		return -ERANGE;
	*ret_v = v;
	return 0;
}

int config_value_bool(const char *v)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

static bool valid_topic(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n <= TOPIC_NAME_MAX;
}

static bool valid_region(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n <= REGION_NAME_MAX;
}

static bool has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

int config_value_topic(const char *s, char *msg, size_t msglen)
{
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		snprintf(msg, msglen, "must not be '.' or '..'");
		return -EINVAL;
	}
	if (!valid_topic(s)) {
		snprintf(msg, msglen,
			 "must be 1 to %d characters of A-Z, a-z, 0-9, '.', "
			 "'_' and '-'",
			 TOPIC_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

int config_value_region(const char *s, char *msg, size_t msglen)
{
	if (!valid_region(s)) {
		snprintf(msg, msglen,
			 "must be 1 to %d characters of a-z, 0-9 and '-'",
			 REGION_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

int config_value_name(const char *s, char *msg, size_t msglen)
{
	if (has_space_or_control(s) || strchr(s, '[') || strchr(s, ']')) {
		snprintf(msg, msglen,
			 "must not contain spaces, control characters or "
			 "brackets");
		return -EINVAL;
	}
	return 0;
}

int config_value_url(const char *s, char *msg, size_t msglen)
{
	const char *host, *p;

	if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		host = NULL;
	if (!host) {
		snprintf(msg, msglen, "must start with http:// or https://");
		return -EINVAL;
	}
	if (has_space_or_control(s)) {
		snprintf(msg, msglen,
			 "must not contain spaces or control characters");
		return -EINVAL;
	}
	if (*host == '\0' || *host == '/' || *host == ':') {
		snprintf(msg, msglen, "must name a host");
		return -EINVAL;
	}
	for (p = s; *p; p++) {
		if (*p == '{' && strncmp(p, "{region}", 8) == 0) {
			p += 7;
			continue;
		}
		if (*p == '{' || *p == '}') {
			snprintf(msg, msglen,
				 "only {region} may appear in braces");
			return -EINVAL;
		}
	}
	return 0;
}

/* A list of regions (aws.extra_regions): each a region name of a known
 * partition.  The entries are not repeated in the message (no value from
 * the file is); their position is. */
int config_value_regions(const char *s, char *msg, size_t msglen)
{
	size_t entry = 0;

	switch (region_check_list(s, &entry)) {
	case REGION_OK:
		return 0;
	case REGION_NOT_A_NAME:
		snprintf(msg, msglen,
			 "entry %zu is not a region name (1 to %d characters "
			 "of a-z, 0-9 and '-'; entries are separated by commas "
			 "or blanks)",
			 entry, REGION_NAME_MAX);
		return -EINVAL;
	default:
		snprintf(msg, msglen,
			 "entry %zu is not a region of any AWS partition "
			 "(names look like ap-southeast-7)",
			 entry);
		return -EINVAL;
	}
}

int config_value_file(const char *s, char *msg, size_t msglen)
{
	struct stat st;
	char tmp[128];

	if (access(s, R_OK) != 0 || stat(s, &st) != 0) {
		int err = errno;

		snprintf(msg, msglen, "cannot read: %s",
			 strerror_r(err, tmp, sizeof(tmp)));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "not a regular file");
		return -EINVAL;
	}
	return 0;
}

/* @s is HOST (no brackets) of at most 63 bytes; @sa gets the address.
 * An address literal of either family, or "localhost" (127.0.0.1, without
 * asking a resolver); without brackets an IPv6 address only as "::1". */
static int listen_host(const char *s, size_t n, bool bracketed,
		       struct sockaddr_storage *sa)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;
	char host[64];

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (!bracketed && strcmp(host, "localhost") == 0) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (!bracketed && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if ((bracketed || strcmp(host, "::1") == 0) &&
	    inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int config_value_listen(const char *s, struct sockaddr_storage *ret_sa)
{
	struct sockaddr_storage sa;
	const char *colon, *p;
	unsigned long port = 0;
	size_t n;

	memset(&sa, 0, sizeof(sa));
	colon = s ? strrchr(s, ':') : NULL;
	if (!colon || colon == s || !colon[1] || strlen(colon + 1) > 5)
		return -EINVAL;
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (listen_host(s + 1, n - 2, true, &sa) < 0)
			return -EINVAL;
	} else if (listen_host(s, n, false, &sa) < 0) {
		return -EINVAL;
	}
	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	if (ret_sa)
		*ret_sa = sa;
	return 0;
}
