/* SPDX-License-Identifier: Apache-2.0 */
/*
 * urlpolicy.h - where plain http may go: the endpoint policy checked at
 * start-up for every URL an operator can point the daemon at.
 *
 * TLS verification is never optional (http.c sets peer and host
 * verification on every handle, and no key or variable turns it off), so
 * the only way to talk to AWS without TLS is an http:// URL.  That is
 * refused unless the host is a loopback address (localhost, 127.0.0.0/8,
 * ::1: a local test endpoint or a local proxy that does TLS itself) or the
 * operator sets aws.allow_plain_http = true.  The URLs are aws.endpoint
 * (also from AWS_ENDPOINT_URL*, a profile's endpoint_url), the STS
 * endpoint (AWS_ENDPOINT_URL_STS) and an instance metadata override
 * (AWS_EC2_METADATA_SERVICE_ENDPOINT, for which the metadata addresses
 * 169.254.169.254 and fd00:ec2::254 count as local, as they are by
 * design).  The container credential URL has its own, stricter policy
 * (http_container_url()).  The URL is parsed by libcurl's URL API, the
 * parser the transfer uses.  No I/O; any thread.
 */
#ifndef OPTOUT_URLPOLICY_H
#define OPTOUT_URLPOLICY_H

#include <stdbool.h>
#include <stddef.h>

/* The key that lets plain http reach a host that is not local. */
#define URLPOLICY_KEY "aws.allow_plain_http"

/*
 * Checks @url ("{region}" in it stands for a region name): 0 for https,
 * for http to a loopback host (or, with @imds, to a metadata address), or
 * when @allow_plain; -EPERM with the reason (naming URLPOLICY_KEY) in
 * @why; -EINVAL for a URL libcurl cannot parse or without a host;
 * -ENOMEM.
 */
int urlpolicy_check(const char *url, bool imds, bool allow_plain, char *why,
		    size_t whylen);

#endif
