/* SPDX-License-Identifier: Apache-2.0 */
/*
 * endpoint.h - the endpoint URL of a region: standard, FIPS and dual-stack
 * variants in every AWS partition, or the configured override.
 *
 * The hostnames follow the service's endpoint rule set (botocore's
 * pinpoint-sms-voice-v2 endpoint-rule-set-1.json) over the SDKs' partition
 * data: the region's partition is the one whose region pattern it matches
 * (PREFIX-word-digits, e.g. "us-gov-west-1" -> aws-us-gov; "<partition>-global"
 * names its partition), and any other region is taken to be in "aws", as
 * the SDKs do, so a region newer than this table still works.
 *
 *   partition   region prefixes                  dnsSuffix / dualStackDnsSuffix
 *   aws         us eu ap sa ca me af il mx       amazonaws.com / api.aws
 *   aws-cn      cn                               amazonaws.com.cn /
 *                                                api.amazonwebservices.com.cn
 *   aws-us-gov  us-gov                           amazonaws.com / api.aws
 *   aws-iso     us-iso                           c2s.ic.gov / -
 *   aws-iso-b   us-isob                          sc2s.sgov.gov / -
 *   aws-iso-e   eu-isoe                          cloud.adc-e.uk / -
 *   aws-iso-f   us-isof                          csp.hci.ic.gov / -
 *   aws-eusc    eusc-de                          amazonaws.eu / -
 *
 * All partitions have FIPS endpoints; "-" marks a partition without
 * dual-stack ones.
 *
 * Pure: no I/O, no threads, no logging.
 */
#ifndef OPTOUT_ENDPOINT_H
#define OPTOUT_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

struct endpoint_opts {
	const char *override; /* aws.endpoint or NULL; may contain {region} */
	bool fips;            /* aws.use_fips_endpoint */
	bool dualstack;       /* aws.use_dualstack_endpoint */
};

/*
 * Writes the URL (ending in '/' unless the override has a path) for @region
 * to @buf.  @o NULL means no override, no FIPS, no dual-stack.
 *
 * A region is 1-63 characters of [a-z0-9-], starting and ending with a
 * letter or digit (it becomes a DNS label and part of the signature's
 * scope); anything else is -EINVAL, with or without an override.
 *
 * With an override, "{region}" is replaced by the region (everywhere it
 * appears) and fips/dualstack are ignored.  The result must be an absolute
 * URL that endpoint_host() accepts, without spaces or control characters
 * (-EINVAL otherwise); when nothing follows its host[:port], '/' is added,
 * and when a query or fragment follows directly, '/' is put before it.
 *
 * Otherwise the host follows the region's partition (see above):
 *   https://sms-voice.REGION.amazonaws.com/        standard
 *   https://sms-voice-fips.REGION.amazonaws.com/   fips
 *   https://sms-voice.REGION.api.aws/              dualstack
 *   https://sms-voice-fips.REGION.api.aws/         fips + dualstack
 * with the partition's own DNS suffixes.  Dual-stack in a partition without
 * it is -ENOTSUP, as the rule set makes it an error.
 *
 * Returns 0, -EINVAL, -ENOTSUP or -ENOSPC (@buf too small).  On error
 * @buf holds "" (when @len > 0).
 */
int endpoint_url(const struct endpoint_opts *o, const char *region,
		 char *buf, size_t len);

/*
 * Writes host[:port] of @url (as sent in the Host header and signed) to
 * @buf, exactly as the URL spells it: no case folding, and an explicit port
 * is kept even when it is the scheme's default (the caller sends this very
 * string as the Host header, so what is signed is what is sent).
 *
 * @url must be "scheme://authority[/path][?query][#fragment]" with a
 * scheme of RFC 3986 characters.  The authority is a non-empty host
 * (a name of [A-Za-z0-9-._~%!$&'()*+,;=] or an IPv6 literal in brackets,
 * brackets kept) and an optional ":port" of 1-5 digits up to 65535.
 * Userinfo ("user@host"), an empty host or port, and spaces or control
 * characters are -EINVAL.
 *
 * Returns 0, -EINVAL or -ENOSPC (@buf untouched on error).
 */
int endpoint_host(const char *url, char *buf, size_t len);

#endif
