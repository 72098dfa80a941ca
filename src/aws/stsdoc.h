/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stsdoc.h - STS AssumeRoleWithWebIdentity and AssumeRole: the requests
 * they take and the XML answers they give.
 *
 * The form body and the regional endpoint of the call sts.c makes, and the
 * parser of what STS answers.  Messages carry STS's error code and message
 * (cleaned), never a key or the token.
 *
 * Pure: no I/O, no threads, no logging.  Any thread.
 */
#ifndef OPTOUT_STSDOC_H
#define OPTOUT_STSDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "creds.h"

/*
 * Parses STS's answer to AssumeRoleWithWebIdentity (any HTTP status: the
 * body says whether it is a result or an <ErrorResponse>).  Returns 0 and
 * fills the keys and expiry of @ret (Expiration is required here); -EAGAIN
 * for an error worth retrying (IDPCommunicationError, InvalidIdentityToken
 * - the SDKs retry it, an identity provider's clock may lag -, Throttling,
 * and the service's own failures); -EACCES for any other error response;
 * -EINVAL when the body is neither.  The error code and message go to
 * @errbuf.
 */
int stsdoc_parse(const char *body, size_t len, struct credentials *ret,
		 char *errbuf, size_t errlen);

/*
 * The form body of an AssumeRoleWithWebIdentity call (Version 2011-06-15)
 * in *@ret (malloc'd; it holds the token: wipe before freeing).  Returns
 * 0, -EINVAL for an empty argument or a session name that STS would refuse
 * (2-64 of [A-Za-z0-9+=,.@_-]), -ENOMEM.
 */
int stsdoc_form(const char *role_arn, const char *session_name,
		const char *token, char **ret);

/*
 * The regional STS endpoint: https://sts.REGION.amazonaws.com/ (".com.cn"
 * for the China regions, "sts-fips." with @fips; without a region the
 * global https://sts.amazonaws.com/).  Returns 0, -EINVAL for a region
 * that is not [a-z0-9-], -ENOSPC.
 */
int stsdoc_url(const char *region, bool fips, char *buf, size_t len);

/*
 * stsdoc_parse() for the answer to @action ("AssumeRole" or
 * "AssumeRoleWithWebIdentity": the root is <ACTIONResponse>).  AccessDenied
 * and the other refusals are -EACCES.
 */
int stsdoc_parse_action(const char *action, const char *body, size_t len,
			struct credentials *ret, char *errbuf, size_t errlen);

/*
 * The form body of an AssumeRole call in *@ret (malloc'd): @external_id
 * may be NULL, @duration_s 0 (not sent).  Returns 0, -EINVAL for a role
 * ARN that stsdoc_role_arn() refuses, a session name STS would refuse,
 * an external id that is not 2-1224 of [A-Za-z0-9+=,.@:/_-], a duration
 * outside 900..43200; -ENOMEM.
 */
int stsdoc_assume_form(const char *role_arn, const char *session_name,
		       const char *external_id, long duration_s, char **ret);

/*
 * Whether @arn is an IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/PATH
 * (PARTITION aws or aws-*, ACCOUNT 12 digits, PATH 1-512 of
 * [A-Za-z0-9+=,.@_/-]); its account in @ret_account when not NULL.
 */
bool stsdoc_role_arn(const char *arn, char ret_account[13]);

#endif
