/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sts.h - the one STS call of the credential sources.
 *
 * sts.c (AssumeRoleWithWebIdentity) and assume.c (AssumeRole) post a form
 * to src->url with the same timeouts, headers and reading of the answer,
 * so a refusal, a throttle or a broken answer means the same for both.
 */
#ifndef OPTOUT_STS_H
#define OPTOUT_STS_H

#include <stddef.h>

#include <curl/curl.h>

#include "source.h"

/* The body's type; AssumeRole signs it. */
#define STS_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

/*
 * Posts @form (STS's @action) to src->url (src->ca_file, src->abort)
 * with the caller's @headers plus Content-Type, Accept and Expect
 * (appended to *@headers: the caller frees them with http_headers_free()).
 * Returns 0 with the keys and expiry in @ret; what stsdoc_parse_action()
 * or http_fetch() return otherwise (-EAGAIN for a status worth retrying,
 * -EACCES for a refusal), the reason in @errbuf (never a secret).  Any
 * thread.
 */
int sts_post(const struct source *src, const char *action, const char *form,
	     struct curl_slist **headers, struct credentials *ret,
	     char *errbuf, size_t errlen);

#endif
