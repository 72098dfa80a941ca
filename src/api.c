/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.c - the DeleteOptedOutNumber call's body, and its answer -> outcome.
 *
 * The answer is classified in two steps.  First the awsJson1_0 error code
 * is found: the X-Amzn-ErrorType header, else "__type", else "code" in the
 * body's top-level object; the part after the last '#' (the namespace is
 * dropped) and before the first ':' (a documentation URL some services
 * append) is kept.  Then one table, api_codes[], maps the code to an
 * outcome and a retry class.  The throttling and transient rows are the
 * codes botocore's standard retry mode retries (retries/standard.py and
 * data/_retry.json); the auth rows are the common AWS errors that mean the
 * credentials, the signature or the clock are wrong, which is the system's
 * fault and not the request's.  An answer without a known code falls back
 * on its HTTP status: 429 throttles, 408 and 5xx are transient, any other
 * status is final.  A 2xx whose body is not a JSON object is a broken
 * answer and is retried as transient.
 *
 * Before all that, an answer that cannot be from the service is set apart
 * as foreign: the service sends x-amzn-RequestId with every answer, so one
 * without it and without an AWS error type (the header, "__type", or a
 * "code" of the table) came from something in the way: a proxy's 407, a
 * WAF's 403 page, a captive portal's 200.  It says nothing about the
 * request, so it is never final: failed, transient, API_ERR_FOREIGN.  A
 * 2xx without a request id is foreign even with a JSON object, since
 * "deleted" is the one outcome nobody would retry.
 *
 * A list ARN's region is checked against region.h's tables before a call
 * is made (api_list_region()).
 *
 * Everything copied out of the answer ends up in the outcome JSON, so it
 * must be valid UTF-8: a body that is not valid UTF-8 is not parsed at all,
 * header values keep printable ASCII only, and long texts are cut on a
 * character boundary.  It must also stay small whatever the answer holds: a
 * success keeps only the members of the operation's output shape
 * (api_output[], from the API model), each of its modelled type and strings
 * of at most API_TEXT_MAX bytes; anything else in the body is dropped, as
 * the AWS SDKs drop what their model does not know.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "region.h"
#include "utf8.h"
#include "util.h"

#define API_CODE_MAX 128     /* error codes are short identifiers */
#define API_TOKEN_MAX 256    /* request ids */
#define API_TEXT_MAX 1024    /* messages, reasons, resource ids */
#define API_EXCERPT_MAX 200  /* raw body shown when there is no message */

/* DeleteOptedOutNumberResult in the API model (pinpoint-sms-voice-v2
 * 2022-03-31): the members a success copies into the outcome. */
static const struct api_member {
	const char *name;
	int type; /* cJSON type bits accepted */
} api_output[] = {
	{"OptOutListArn", cJSON_String},
	{"OptOutListName", cJSON_String},
	{"OptedOutNumber", cJSON_String},
	{"OptedOutTimestamp", cJSON_Number}, /* awsJson: epoch seconds */
	{"EndUserOptedOut", cJSON_True | cJSON_False},
};

struct api_code {
	const char *code;
	enum outcome_kind outcome;
	enum api_retry retry;
};

static const struct api_code api_codes[] = {
	/* the operation's own errors */
	{"ResourceNotFoundException", OUTCOME_NOT_FOUND, API_RETRY_NONE},
	{"ConflictException", OUTCOME_CONFLICT, API_RETRY_NONE},
	{"ValidationException", OUTCOME_REJECTED, API_RETRY_NONE},
	{"AccessDeniedException", OUTCOME_DENIED, API_RETRY_NONE},

	/* throttling (botocore ThrottledRetryableChecker) */
	{"ThrottlingException", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"Throttling", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"ThrottledException", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"RequestThrottledException", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"TooManyRequestsException", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"ProvisionedThroughputExceededException", OUTCOME_FAILED,
	 API_RETRY_THROTTLE},
	{"TransactionInProgressException", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"RequestLimitExceeded", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"BandwidthLimitExceeded", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"LimitExceededException", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"RequestThrottled", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"SlowDown", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"PriorRequestNotComplete", OUTCOME_FAILED, API_RETRY_THROTTLE},
	{"EC2ThrottledException", OUTCOME_FAILED, API_RETRY_THROTTLE},

	/* transient server-side trouble */
	{"InternalServerException", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"InternalFailure", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"InternalError", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"ServiceUnavailable", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"ServiceUnavailableException", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"RequestTimeout", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"RequestTimeoutException", OUTCOME_FAILED, API_RETRY_TRANSIENT},
	{"IDPCommunicationError", OUTCOME_FAILED, API_RETRY_TRANSIENT},

	/* credentials, signature or clock rejected */
	{"UnrecognizedClientException", OUTCOME_FAILED, API_RETRY_AUTH},
	{"InvalidSignatureException", OUTCOME_FAILED, API_RETRY_AUTH},
	{"SignatureDoesNotMatch", OUTCOME_FAILED, API_RETRY_AUTH},
	{"IncompleteSignature", OUTCOME_FAILED, API_RETRY_AUTH},
	{"IncompleteSignatureException", OUTCOME_FAILED, API_RETRY_AUTH},
	{"MissingAuthenticationToken", OUTCOME_FAILED, API_RETRY_AUTH},
	{"MissingAuthenticationTokenException", OUTCOME_FAILED,
	 API_RETRY_AUTH},
	{"InvalidClientTokenId", OUTCOME_FAILED, API_RETRY_AUTH},
	{"ExpiredToken", OUTCOME_FAILED, API_RETRY_AUTH},
	{"ExpiredTokenException", OUTCOME_FAILED, API_RETRY_AUTH},
	{"RequestExpired", OUTCOME_FAILED, API_RETRY_AUTH},
	{"RequestTimeTooSkewed", OUTCOME_FAILED, API_RETRY_AUTH},
	{"InvalidAccessKeyId", OUTCOME_FAILED, API_RETRY_AUTH},
	{"AuthFailure", OUTCOME_FAILED, API_RETRY_AUTH},
};

static const struct api_code *api_code_find(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(api_codes) / sizeof(api_codes[0]); i++)
		if (strcmp(api_codes[i].code, code) == 0)
			return &api_codes[i];
	return NULL;
}

/* Appends @n bytes, always keeping room for the NUL. */
static int put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	if (*at + n >= len)
		return -ENOSPC;
	memcpy(buf + *at, s, n);
	*at += n;
	return 0;
}

/* The two-character escape of @cp ("\\n"), NULL when it has none. */
static const char *named_escape(unsigned long cp)
{
	static const char *const named[][2] = {
		{"\"", "\\\""}, {"\\", "\\\\"}, {"\b", "\\b"}, {"\f", "\\f"},
		{"\n", "\\n"},  {"\r", "\\r"},   {"\t", "\\t"},
	};
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (cp == (unsigned char)named[i][0][0])
			return named[i][1];
	return NULL;
}

/*
 * A JSON string as Python's json.dumps writes it (ensure_ascii): '"' and
 * '\\' escaped, \b \f \n \r \t by name, other bytes outside ' '..'~' as
 * \u00XX, and non-ASCII characters as \uXXXX (surrogate pairs above
 * U+FFFF).  Validated inputs are plain ASCII, so none of this but the
 * quotes happens in practice; a byte that is not UTF-8 becomes \ufffd.
 */
static int put_json_string(char *buf, size_t len, size_t *at, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, rest = strlen(s);
	const char *esc_named;
	unsigned long cp;
	char esc[16];
	int ret, w;

	ret = put(buf, len, at, "\"", 1);
	while (!ret && rest) {
		n = utf8_seq_len(p, rest);
		cp = n ? utf8_decode(p, n) : 0xfffd;
		if (n == 0)
			n = 1;
		esc_named = named_escape(cp);
		if (esc_named) {
			ret = put(buf, len, at, esc_named, 2);
		} else if (cp >= 0x20 && cp <= 0x7e) {
			ret = put(buf, len, at, (const char *)p, 1);
		} else {
			if (cp > 0xffff) {
				cp -= 0x10000;
				w = snprintf(esc, sizeof(esc),
					     "\\u%04lx\\u%04lx",
					     0xd800 + (cp >> 10),
					     0xdc00 + (cp & 0x3ff));
			} else {
				w = snprintf(esc, sizeof(esc), "\\u%04lx", cp);
			}
			ret = put(buf, len, at, esc, (size_t)w);
		}
		p += n;
		rest -= n;
	}
	if (!ret)
		ret = put(buf, len, at, "\"", 1);
	return ret;
}

int api_build_body(const char *list, const char *number, char *buf,
		   size_t len)
{
	size_t at = 0;
	int ret;

	ret = put(buf, len, &at, "{\"OptOutListName\": ", 19);
	if (ret)
		goto out;
	ret = put_json_string(buf, len, &at, list);
	if (ret)
		goto out;
	ret = put(buf, len, &at, ", \"OptedOutNumber\": ", 20);
	if (ret)
		goto out;
	ret = put_json_string(buf, len, &at, number);
	if (ret)
		goto out;
	ret = put(buf, len, &at, "}", 1);
	if (ret)
		goto out;
	if (at > (size_t)2147483647) {
		ret = -ENOSPC;
		goto out;
	}
	buf[at] = '\0';
	ret = (int)at;
out:
	return ret;
}

static int region_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * Splits an sms-voice ARN: the partition at *@ret_part (*@ret_plen bytes)
 * and the region at *@ret_region (*@ret_rlen bytes), both within @list.
 * -ENOENT for a plain name; -EINVAL for an ARN without a partition, of
 * another service, or without a region that can be a host name label.
 */
static int arn_split(const char *list, const char **ret_part, size_t *ret_plen,
		     const char **ret_region, size_t *ret_rlen)
{
	const char *field[5];
	const char *p = list;
	size_t n, rlen, i;

	if (strncmp(list, "arn:", 4) != 0)
		return -ENOENT;
	/* arn : partition : service : region : account : resource */
	for (n = 0; n < 5; n++) {
		p = strchr(p, ':');
		if (!p)
			return -EINVAL;
		field[n] = ++p;
	}
	/* a partition, and a list of this service */
	if (field[1] - field[0] < 2 || strncmp(field[1], "sms-voice:", 10) != 0)
		return -EINVAL;
	/* field[2] is the region, up to the colon that starts field[3] */
	rlen = (size_t)(field[3] - field[2]) - 1;
	if (rlen == 0 || rlen >= API_REGION_MAX)
		return -EINVAL;
	for (i = 0; i < rlen; i++)
		if (!region_char(field[2][i]))
			return -EINVAL;
	/* becomes a host name label: no leading or trailing '-' */
	if (field[2][0] == '-' || field[2][rlen - 1] == '-')
		return -EINVAL;
	*ret_part = field[0];
	*ret_plen = (size_t)(field[1] - field[0]) - 1;
	*ret_region = field[2];
	*ret_rlen = rlen;
	return 0;
}

int api_region_from_list(const char *list, char *ret_region, size_t len)
{
	const char *part, *region;
	size_t plen, rlen;
	int r;

	r = arn_split(list, &part, &plen, &region, &rlen);
	if (r)
		return r;
	if (rlen >= len)
		return -EINVAL;
	memcpy(ret_region, region, rlen);
	ret_region[rlen] = '\0';
	return 0;
}

int api_list_region(const char *list, const char *extra_regions,
		    char *ret_region, size_t len, char *errbuf, size_t errlen)
{
	char part[API_PARTITION_MAX], region[API_REGION_MAX], why[224];
	const char *pp, *rp;
	size_t plen, rlen;
	enum region_status st;
	int r;

	r = arn_split(list, &pp, &plen, &rp, &rlen);
	if (r == -ENOENT)
		return r;
	if (r) {
		util_set_error(errbuf, errlen, "%s",
			    "OptOutListName: an ARN must name an sms-voice "
			    "region");
		return r;
	}
	memcpy(region, rp, rlen);
	region[rlen] = '\0';
	/* A partition too long to be one is just not a known one. */
	if (plen >= sizeof(part))
		plen = 0;
	memcpy(part, pp, plen);
	part[plen] = '\0';
	st = region_check(part, region, extra_regions);
	if (st != REGION_OK) {
		region_explain(st, part, region, true, why, sizeof(why));
		util_set_error(errbuf, errlen, "OptOutListName: %s", why);
		return -EINVAL;
	}
	if (rlen >= len) {
		util_set_error(errbuf, errlen,
			    "OptOutListName: region longer than %zu", len - 1);
		return -EINVAL;
	}
	memcpy(ret_region, region, rlen + 1);
	return 0;
}

/* Copy of a header value keeping printable ASCII (others become '?'),
 * without surrounding blanks, at most @max bytes; NULL for nothing left. */
static int dup_token(const char *s, size_t len, size_t max, char **ret)
{
	char *copy;
	size_t i;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -ENOENT;
	if (len > max)
		len = max;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		copy[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	copy[len] = '\0';
	*ret = copy;
	return 0;
}

/* An awsJson1_0 error code stripped of its namespace ("...#") and of
 * anything from the first ':' on.  -ENOENT when nothing is left. */
static int dup_code(const char *raw, char **ret)
{
	const char *end, *start, *hash;

	end = strchr(raw, ':');
	if (!end)
		end = raw + strlen(raw);
	start = raw;
	for (hash = raw; hash < end; hash++)
		if (*hash == '#')
			start = hash + 1;
	return dup_token(start, (size_t)(end - start), API_CODE_MAX, ret);
}

/* Copy of a valid UTF-8 string cut to at most @max bytes on a character
 * boundary. */
static int dup_text(const char *s, size_t max, char **ret)
{
	size_t len = strlen(s);
	char *copy;

	if (len > max) {
		len = max;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	*ret = copy;
	return 0;
}

/* A top-level string member of @obj, or NULL. */
static const char *member_string(const cJSON *obj, const char *name)
{
	const cJSON *item;

	if (!obj)
		return NULL;
	item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsString(item))
		return NULL;
	return item->valuestring;
}

/* Optional member copied into @ret (left NULL when absent). */
static int take_text(const cJSON *obj, const char *name, char **ret)
{
	const char *s = member_string(obj, name);

	if (!s)
		return 0;
	return dup_text(s, API_TEXT_MAX, ret);
}

/*
 * A readable excerpt of a body that carries no message (an HTML error page
 * from a proxy, a truncated answer): markup dropped when it looks like
 * HTML, control characters and runs of blanks folded into one space,
 * invalid UTF-8 shown as '?', at most API_EXCERPT_MAX bytes.  -ENOENT when
 * nothing printable is left.
 */
static int body_excerpt(const char *body, size_t len, char **ret)
{
	const unsigned char *s = (const unsigned char *)body;
	char out[API_EXCERPT_MAX + 4];
	size_t i = 0, o = 0, n, gap;
	int html = 0, in_tag = 0, space = 0, cut = 0;
	char *copy;

	while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	html = i < len && s[i] == '<';
	while (i < len) {
		if (html && s[i] == '<') {
			in_tag = 1;
			space = 1;
		}
		if (in_tag) {
			in_tag = s[i] != '>';
			i++;
			continue;
		}
		if (s[i] <= 0x20 || s[i] == 0x7f) {
			space = 1;
			i++;
			continue;
		}
		n = utf8_seq_len(s + i, len - i);
		gap = space && o ? 1 : 0;
		if (o + gap + (n ? n : 1) > API_EXCERPT_MAX) {
			cut = 1;
			break;
		}
		if (gap)
			out[o++] = ' ';
		space = 0;
		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			out[o++] = '?';
			i++;
		}
	}
	if (o == 0)
		return -ENOENT;
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	copy = malloc(o + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, out, o);
	copy[o] = '\0';
	*ret = copy;
	return 0;
}

static int dup_printf(char **ret, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int dup_printf(char **ret, const char *fmt, ...)
{
	char tmp[384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	*ret = strdup(tmp);
	return *ret ? 0 : -ENOMEM;
}

/* The body as a JSON value when it is exactly one (valid UTF-8). */
static cJSON *parse_body(const char *body, size_t len)
{
	const char *end = NULL;
	cJSON *json;

	if (!body || len == 0 ||
	    utf8_check((const unsigned char *)body, len, NULL) < 0)
		return NULL;
	json = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!json)
		return NULL;
	while (end && end < body + len &&
	       (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != body + len) {
		cJSON_Delete(json);
		return NULL;
	}
	return json;
}

/* Where an error code came from.  The header and "__type" are awsJson's
 * own names; a bare "code" member is also what gateways and proxies send,
 * so only a code of the table makes it an AWS one. */
enum code_source {
	CODE_NONE = 0,
	CODE_HEADER, /* X-Amzn-ErrorType */
	CODE_TYPE,   /* "__type" */
	CODE_MEMBER, /* "code" */
};

/* The code of an error answer, from the first source that names one. */
static int error_code(const struct api_http *http, const cJSON *obj,
		      char **ret, enum code_source *ret_from)
{
	static const struct {
		const char *name;
		enum code_source from;
	} members[] = {{"__type", CODE_TYPE}, {"code", CODE_MEMBER}};
	const char *raw;
	size_t i;
	int r;

	if (http->error_type) {
		r = dup_code(http->error_type, ret);
		if (r != -ENOENT) {
			*ret_from = CODE_HEADER;
			return r;
		}
	}
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		raw = member_string(obj, members[i].name);
		if (!raw)
			continue;
		r = dup_code(raw, ret);
		if (r != -ENOENT) {
			*ret_from = members[i].from;
			return r;
		}
	}
	return -ENOENT;
}

/* Whether the code found (if any) is an AWS error type. */
static bool aws_error_type(const char *code, enum code_source from)
{
	return from == CODE_HEADER || from == CODE_TYPE ||
	       (from == CODE_MEMBER && code && api_code_find(code));
}

/* Fills @res for an answer that is not from the service. */
static int parse_foreign(const struct api_http *http, struct api_result *res)
{
	char *excerpt = NULL;
	int ret;

	res->foreign = true;
	res->outcome = OUTCOME_FAILED;
	res->retry = API_RETRY_TRANSIENT;
	ret = dup_printf(&res->error_code, "%s", API_ERR_FOREIGN);
	if (ret)
		goto out;
	ret = body_excerpt(http->body, http->body ? http->body_len : 0,
			   &excerpt);
	if (ret && ret != -ENOENT)
		goto out;
	ret = dup_printf(&res->error_message,
			 "HTTP %ld answered without an AWS request id (a "
			 "proxy or firewall in the way?)%s%s",
			 http->status, excerpt ? ": " : "",
			 excerpt ? excerpt : "");
out:
	free(excerpt);
	return ret;
}

/* Fills the failure side of @res from an error answer whose code (NULL:
 * none) is *@code; takes it over. */
static int parse_error(const struct api_http *http, const cJSON *body,
		       char **code, struct api_result *res)
{
	const cJSON *obj = cJSON_IsObject(body) ? body : NULL;
	const struct api_code *row = NULL;
	const char *msg;
	long status = http->status;
	int ret = 0;

	res->error_code = *code;
	*code = NULL;
	if (res->error_code)
		row = api_code_find(res->error_code);

	res->outcome = OUTCOME_FAILED;
	if (row) {
		res->outcome = row->outcome;
		res->retry = row->retry;
	} else if (status == 429) {
		res->retry = API_RETRY_THROTTLE;
	} else if (status == 408 || (status >= 500 && status <= 599)) {
		res->retry = API_RETRY_TRANSIENT;
	} else {
		res->retry = API_RETRY_NONE;
	}
	if (!res->error_code) {
		if (status == 429)
			ret = dup_printf(&res->error_code, "TooManyRequests");
		else
			ret = dup_printf(&res->error_code, "HTTP%ld", status);
		if (ret)
			goto out;
	}

	msg = member_string(obj, "message");
	if (!msg)
		msg = member_string(obj, "Message");
	if (msg)
		ret = dup_text(msg, API_TEXT_MAX, &res->error_message);
	else
		ret = body_excerpt(http->body, http->body ? http->body_len : 0,
				   &res->error_message);
	if (ret == -ENOENT)
		ret = dup_printf(&res->error_message,
				 "HTTP %ld without an error message", status);
	if (ret)
		goto out;

	ret = take_text(obj, "Reason", &res->error_reason);
	if (ret)
		goto out;
	ret = take_text(obj, "ResourceType", &res->error_resource_type);
	if (ret)
		goto out;
	ret = take_text(obj, "ResourceId", &res->error_resource_id);
out:
	return ret;
}

/*
 * The output shape's members of a success @body, moved into a new object
 * at @ret: for each modelled name the first member so named, when it has
 * the modelled type (strings: at most API_TEXT_MAX bytes).  One pass over
 * the body per modelled name.
 */
static int take_output(cJSON *body, cJSON **ret)
{
	cJSON *out = cJSON_CreateObject(), *item;
	size_t i;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < sizeof(api_output) / sizeof(api_output[0]); i++) {
		item = cJSON_GetObjectItemCaseSensitive(body,
							api_output[i].name);
		if (!item || !((item->type & 0xff) & api_output[i].type))
			continue;
		if (cJSON_IsString(item) &&
		    strlen(item->valuestring) > API_TEXT_MAX)
			continue;
		cJSON_DetachItemViaPointer(body, item);
		if (!cJSON_AddItemToObject(out, api_output[i].name, item)) {
			cJSON_Delete(item);
			cJSON_Delete(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

int api_parse_response(const struct api_http *http, struct api_result *res)
{
	enum code_source from = CODE_NONE;
	cJSON *body = NULL;
	char *code = NULL;
	bool success = http->status >= 200 && http->status <= 299;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	res->http_status = http->status;
	if (http->request_id) {
		ret = dup_token(http->request_id, strlen(http->request_id),
				API_TOKEN_MAX, &res->aws_request_id);
		if (ret == -ENOENT)
			ret = 0;
		if (ret)
			goto out;
	}

	body = parse_body(http->body, http->body_len);
	ret = error_code(http, cJSON_IsObject(body) ? body : NULL, &code,
			 &from);
	if (ret && ret != -ENOENT)
		goto out;
	ret = 0;

	/* The service sends a request id with every answer.  Without one, an
	 * AWS error type still shows an AWS answer; a success never does: it
	 * is the one answer that cannot be taken back. */
	if (!res->aws_request_id && (success || !aws_error_type(code, from))) {
		ret = parse_foreign(http, res);
		goto out;
	}

	if (success) {
		if (cJSON_IsObject(body)) {
			res->outcome = OUTCOME_DELETED;
			res->retry = API_RETRY_NONE;
			ret = take_output(body, &res->response);
			goto out;
		}
		/* a success we cannot read: ask again */
		res->outcome = OUTCOME_FAILED;
		res->retry = API_RETRY_TRANSIENT;
		ret = dup_printf(&res->error_code, "InvalidResponse");
		if (ret)
			goto out;
		ret = dup_printf(&res->error_message,
				 "HTTP %ld with a body that is not a JSON "
				 "object",
				 http->status);
		goto out;
	}

	ret = parse_error(http, body, &code, res);
out:
	free(code);
	cJSON_Delete(body);
	return ret;
}

int api_result_transport(struct api_result *res, const char *code,
			 const char *message)
{
	int ret = 0;

	memset(res, 0, sizeof(*res));
	res->outcome = OUTCOME_FAILED;
	res->retry = API_RETRY_TRANSIENT;
	res->error_code = strdup(code ? code : "TransportError");
	if (!res->error_code) {
		ret = -ENOMEM;
		goto out;
	}
	if (message) {
		res->error_message = strdup(message);
		if (!res->error_message)
			ret = -ENOMEM;
	}
out:
	return ret;
}

int api_result_replace(struct api_result *res, const char *code,
		       const char *message)
{
	api_result_done(res);
	return api_result_transport(res, code, message);
}

void api_result_done(struct api_result *res)
{
	if (!res)
		return;
	free(res->error_code);
	free(res->error_message);
	free(res->error_reason);
	free(res->error_resource_type);
	free(res->error_resource_id);
	free(res->aws_request_id);
	cJSON_Delete(res->response);
	memset(res, 0, sizeof(*res));
}
