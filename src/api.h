/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h - the DeleteOptedOutNumber call's body, and its answer -> outcome.
 *
 * Classification is one table (api.c): an error code maps to an outcome and
 * to a retry class.  Error codes follow awsJson1_0: the X-Amzn-ErrorType
 * header if present, else "__type" (or "code") in the body's top-level
 * object; anything up to a '#' and from a ':' on is stripped.
 *
 * Pure: no I/O, no threads, no logging.
 */
#ifndef OPTOUT_API_H
#define OPTOUT_API_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

#define API_TARGET "PinpointSMSVoiceV2.DeleteOptedOutNumber"
#define API_CONTENT_TYPE "application/x-amz-json-1.0"
#define API_SIGNING_NAME "sms-voice"

/* Region names are short ("ap-southeast-2", "us-gov-west-1"), and so are
 * partition names ("aws-us-gov"); both sizes count the NUL. */
#define API_REGION_MAX 32
#define API_PARTITION_MAX 32

/* The error code of an answer that cannot be from the AWS service (see
 * struct api_result's foreign). */
#define API_ERR_FOREIGN "NotAnAwsAnswer"

enum api_retry {
	API_RETRY_NONE = 0, /* final answer: the outcome stands */
	API_RETRY_THROTTLE, /* throttled: back off and retry */
	API_RETRY_TRANSIENT, /* 5xx, InternalServerException, timeouts, resets */
	API_RETRY_AUTH, /* credentials/signature/clock rejected: the system's
			   fault, not the request's; retried with backoff */
};

/*
 * Writes the request body exactly as botocore does for this operation:
 *   {"OptOutListName": "<list>", "OptedOutNumber": "<number>"}
 * (json.dumps default separators; both inputs already validated, so no
 * escaping is needed, but '"' and '\\' are escaped anyway).  Returns the
 * length written (without NUL) or -ENOSPC.
 */
int api_build_body(const char *list, const char *number, char *buf,
		   size_t len);

/*
 * When @list is an ARN ("arn:<partition>:sms-voice:<region>:<account>:..."),
 * writes its region to @ret_region and returns 0; -ENOENT when @list is a
 * plain name; -EINVAL when it is an ARN without a usable region.  Syntax
 * only: api_list_region() also checks that the region exists.
 */
int api_region_from_list(const char *list, char *ret_region, size_t len);

/*
 * The region a request for @list goes to, checked: an ARN must name a known
 * partition and a region of that partition where sms-voice exists
 * (region_check(), with @extra_regions = aws.extra_regions or NULL).
 * Returns 0 with the region in @ret_region; -ENOENT when @list is a plain
 * name (the caller uses aws.region); -EINVAL when the ARN names no usable
 * region, with "OptOutListName: <why>" in @errbuf (naming the region only
 * when it has the shape of one, never anything that could be a number).
 */
int api_list_region(const char *list, const char *extra_regions,
		    char *ret_region, size_t len, char *errbuf, size_t errlen);

/* What the transport received. */
struct api_http {
	long status; /* HTTP status */
	const char *error_type;   /* X-Amzn-ErrorType header or NULL */
	const char *request_id;   /* x-amzn-RequestId header or NULL */
	const char *content_type; /* Content-Type header or NULL */
	const char *body;
	size_t body_len;
};

struct api_result {
	enum outcome_kind outcome;
	enum api_retry retry;
	/* The answer cannot be from the AWS service: no x-amzn-RequestId and
	 * no AWS error type (an HTML page from a proxy, a WAF or a captive
	 * portal).  Always outcome failed, retry transient, code
	 * API_ERR_FOREIGN: the way to the service is at fault, as with a
	 * connection error, and the answer says nothing about the request. */
	bool foreign;
	long http_status;
	char *error_code; /* stripped code, NULL on success */
	char *error_message;
	char *error_reason; /* "Reason" member when given */
	char *error_resource_type;
	char *error_resource_id;
	char *aws_request_id;
	/* On success (owned): the members of the operation's output shape
	 * (OptOutListArn, OptOutListName, OptedOutNumber, OptedOutTimestamp,
	 * EndUserOptedOut) that the answer gave with their modelled type,
	 * strings of at most 1024 bytes; nothing else of the body. */
	struct cJSON *response;
};

/*
 * Classifies an HTTP answer.  First: an answer without x-amzn-RequestId
 * and without an AWS error type (the X-Amzn-ErrorType header, a "__type"
 * member, or a "code" member naming a row of the table) is foreign,
 * whatever its status: failed, transient, code API_ERR_FOREIGN, status kept
 * in http_status.  Else: 2xx with a JSON object -> deleted (a 2xx is never
 * deleted without a request id), keeping only the output shape's members
 * (above), in one pass per member whatever the body's size.  Known error
 * codes -> their row of the table; a 429 without code -> throttle; 5xx or a
 * non-JSON body -> transient; other 4xx without a known code -> failed, not
 * retried.  Returns 0 or -ENOMEM; @res must be released with
 * api_result_done() either way.
 */
int api_parse_response(const struct api_http *http, struct api_result *res);

/*
 * Fills @res for a transport failure (no HTTP answer): outcome failed,
 * retry transient, code @code (e.g. "ConnectionError", "Timeout"),
 * message @message.  Returns 0 or -ENOMEM.
 */
int api_result_transport(struct api_result *res, const char *code,
			 const char *message);

/* api_result_transport() on a result that may hold an earlier answer:
 * releases that first. */
int api_result_replace(struct api_result *res, const char *code,
		       const char *message);

void api_result_done(struct api_result *res);

#endif
