/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credsource.c - parsers and builders for the AWS credential sources.
 *
 * The JSON answers go through cJSON; every string in the tree is wiped
 * before the tree is freed, since some of them are secrets.  The STS answer
 * is XML, read by a small scanner that knows just enough of XML 1.0 for
 * AWS's query-protocol answers: one root element, nested elements with
 * attributes, text with the five named and the numeric character
 * references, comments and processing instructions skipped.  Anything it
 * does not know (a DOCTYPE, CDATA where a value should be) makes the answer
 * malformed rather than being guessed at.  It keeps no tree: one pass finds
 * the text of the few element paths asked for, and checks that every tag is
 * closed in order.
 *
 * Keys are checked before they are kept: a key id is alphanumeric, a secret
 * and a session token are printable ASCII without spaces, so none of them
 * can smuggle a line break into an HTTP header.  Reasons for refusing an
 * answer name members and the source's error codes, and copy the source's
 * own error message only after replacing anything unprintable.
 *
 * Times are converted with the proleptic Gregorian day count, without the
 * C library's time zone machinery.
 *
 * Container URLs are taken apart by libcurl's own URL parser (curl_url()),
 * the one the transfer will use, so that the host that is checked is the
 * host that is reached: a second, hand-written parser would disagree with
 * it on some input ("http://127.0.0.1:80@evil.example/").
 *
 * Pure: no I/O, no threads, no logging (libcurl's URL API does none).
 */
#include "credsource.h"

#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#define XML_DEPTH_MAX 32
#define REASON_MAX 200 /* characters of a source's own error text kept */
#define MINUTE_MS (60 * 1000)


void credsource_keys_done(struct credsource_keys *k)
{
	if (!k)
		return;
	util_secret_free(k->access_key_id);
	util_secret_free(k->secret_access_key);
	util_secret_free(k->session_token);
	memset(k, 0, sizeof(*k));
}

/* Copies at most REASON_MAX characters of @src for a message, each byte
 * outside printable ASCII (and any line break) as '?'. */
static void clean_copy(char *dst, size_t dstlen, const char *src,
		       size_t srclen)
{
	size_t i, n = 0;

	if (!dstlen)
		return;
	for (i = 0; i < srclen && i < REASON_MAX && n + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

enum key_kind { KEY_ID, KEY_SECRET };

/* 1 when @s (@len bytes) may be kept as a key of @kind. */
static int key_ok(enum key_kind kind, const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	if (kind == KEY_ID && len > CREDSOURCE_KEY_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (kind == KEY_ID && !((c >= 'A' && c <= 'Z') ||
					(c >= 'a' && c <= 'z') ||
					(c >= '0' && c <= '9')))
			return 0;
		if (c < 0x21 || c > 0x7e)
			return 0;
	}
	return 1;
}

/* --------------------------------------------------------------- times */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* @n digits at @s as a number, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int credsource_parse_time(const char *s, size_t len, int64_t *ret_ms)
{
	int year, mon, day, hour, min, sec, frac = 0, oh = 0, om = 0;
	int64_t ms, scale = 100, offset = 0;
	size_t i;

	if (!s || len < 20)
		return -EINVAL;
	year = digits(s, 4);
	mon = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -EINVAL;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
	    day > month_days(year, mon) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return -EINVAL;
	i = 19;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -EINVAL;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (int)(scale * (s[i] - '0'));
			scale /= 10;
		}
	}
	if (i >= len)
		return -EINVAL; /* no zone */
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (len - i == 3) {
			oh = digits(s + i + 1, 2);
		} else if (len - i == 5) {
			oh = digits(s + i + 1, 2);
			om = digits(s + i + 3, 2);
		} else if (len - i == 6 && s[i + 3] == ':') {
			oh = digits(s + i + 1, 2);
			om = digits(s + i + 4, 2);
		} else {
			return -EINVAL;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -EINVAL;
		offset = (int64_t)(oh * 60 + om) * MINUTE_MS;
		if (s[i] == '-')
			offset = -offset;
		i = len;
	} else {
		return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	ms = days_from_civil(year, mon, day) * 86400;
	ms = (ms + hour * 3600 + min * 60 + sec) * 1000 + frac - offset;
	if (ms < 1)
		return -EINVAL; /* 0 would mean "does not expire" */
	*ret_ms = ms;
	return 0;
}

int credsource_format_time(int64_t ms, char *buf, size_t len)
{
	int64_t days, secs, y;
	int m, d;

	if (!buf || len < CREDSOURCE_TIME_MAX || ms < 0)
		return -EINVAL;
	days = ms / 86400000;
	secs = (ms / 1000) % 86400;
	civil_from_days(days, &y, &m, &d);
	if (y > 9999)
		return -EINVAL;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return 0;
}

/* ---------------------------------------------------------------- JSON */

static void json_wipe(cJSON *item)
{
	for (; item; item = item->next) {
		if (item->valuestring)
			OPENSSL_cleanse(item->valuestring,
					strlen(item->valuestring));
		json_wipe(item->child);
	}
}

static const char *json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/*
 * Copies the string member @name of @obj to *@ret when it is a valid key of
 * @kind.  Absent, null or "" gives NULL, which is an error when @required.
 */
static int take_key(const cJSON *obj, const char *name, enum key_kind kind,
		    bool required, char **ret, char *errbuf, size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t len;

	if (!item || cJSON_IsNull(item) ||
	    (cJSON_IsString(item) && !item->valuestring[0])) {
		if (!required)
			return 0;
		util_set_error(errbuf, errlen, "no %s", name);
		return -EINVAL;
	}
	if (!cJSON_IsString(item)) {
		util_set_error(errbuf, errlen, "%s is not a string", name);
		return -EINVAL;
	}
	len = strlen(item->valuestring);
	if (!key_ok(kind, item->valuestring, len) ||
	    (kind == KEY_SECRET && len > CREDSOURCE_BODY_MAX)) {
		util_set_error(errbuf, errlen, "%s has characters or a length that "
			  "a key cannot have", name);
		return -EINVAL;
	}
	*ret = strdup(item->valuestring);
	return *ret ? 0 : -ENOMEM;
}

static int take_expiration(const cJSON *obj, int64_t *ret, char *errbuf,
			   size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "Expiration");

	if (!item || cJSON_IsNull(item))
		return 0;
	if (!cJSON_IsString(item) ||
	    credsource_parse_time(item->valuestring,
				  strlen(item->valuestring), ret)) {
		util_set_error(errbuf, errlen, "Expiration is not an ISO 8601 time "
			  "with a zone");
		return -EINVAL;
	}
	return 0;
}

/* The source's own error, when the answer is one; 1 if it was. */
static int json_source_error(enum credsource_format fmt, const cJSON *root,
			     char *errbuf, size_t errlen)
{
	const char *code, *msg;
	char c[REASON_MAX + 1], m[REASON_MAX + 1];

	if (fmt == CREDSOURCE_IMDS) {
		code = json_string(root, "Code");
		msg = json_string(root, "Message");
		if (!code || !strcmp(code, "Success"))
			return 0;
	} else if (fmt == CREDSOURCE_CONTAINER) {
		code = json_string(root, "code");
		msg = json_string(root, "message");
		if ((!code && !msg) ||
		    cJSON_GetObjectItemCaseSensitive(root, "AccessKeyId"))
			return 0;
	} else {
		return 0;
	}
	clean_copy(c, sizeof(c), code ? code : "error",
		   strlen(code ? code : "error"));
	clean_copy(m, sizeof(m), msg ? msg : "", msg ? strlen(msg) : 0);
	util_set_error(errbuf, errlen, "%s%s%s", c, m[0] ? ": " : "", m);
	return 1;
}

int credsource_parse_json(enum credsource_format fmt, const char *body,
			  size_t len, struct credsource_keys *ret,
			  char *errbuf, size_t errlen)
{
	struct credsource_keys k = {0};
	const char *token_name = fmt == CREDSOURCE_PROCESS ? "SessionToken" :
							     "Token";
	const cJSON *version;
	cJSON *root = NULL;
	int r = -EINVAL;

	util_set_error(errbuf, errlen, "%s", "");
	if (!body || !len) {
		util_set_error(errbuf, errlen, "empty answer");
		goto out;
	}
	if (len > CREDSOURCE_BODY_MAX) {
		util_set_error(errbuf, errlen, "answer larger than %d bytes",
			  CREDSOURCE_BODY_MAX);
		goto out;
	}
	root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root)) {
		util_set_error(errbuf, errlen, "answer is not a JSON object");
		goto out;
	}
	if (json_source_error(fmt, root, errbuf, errlen))
		goto out;
	if (fmt == CREDSOURCE_PROCESS) {
		version = cJSON_GetObjectItemCaseSensitive(root, "Version");
		if (!cJSON_IsNumber(version) || version->valuedouble != 1.0) {
			util_set_error(errbuf, errlen, "%s", version ?
				  "Version is not 1" : "no Version");
			goto out;
		}
	}
	r = take_key(root, "AccessKeyId", KEY_ID, true, &k.access_key_id,
		     errbuf, errlen);
	if (!r)
		r = take_key(root, "SecretAccessKey", KEY_SECRET, true,
			     &k.secret_access_key, errbuf, errlen);
	if (!r)
		r = take_key(root, token_name, KEY_SECRET, false,
			     &k.session_token, errbuf, errlen);
	if (!r)
		r = take_expiration(root, &k.expires_ms, errbuf, errlen);
	if (r)
		goto out;
	*ret = k;
	memset(&k, 0, sizeof(k));
out:
	if (root) {
		json_wipe(root);
		cJSON_Delete(root);
	}
	credsource_keys_done(&k);
	return r;
}

/* ----------------------------------------------------------------- XML */

struct xml_target {
	const char *const *path; /* element names from the root, NULL-ended */
	const char *text;        /* raw content of the first match */
	size_t len;
	bool found;
	bool complex; /* the match has child elements or CDATA */
};

struct xml_elem {
	const char *name;
	size_t nlen;
	size_t content; /* offset just past the start tag */
	bool complex;
};

static int name_char(unsigned char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static int xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Offset of @needle in @doc[@from..@len), or @len. */
static size_t find(const char *doc, size_t len, size_t from,
		   const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = from; i + n <= len; i++)
		if (!memcmp(doc + i, needle, n))
			return i;
	return len;
}

static int starts(const char *doc, size_t len, size_t i, const char *what)
{
	size_t n = strlen(what);

	return i + n <= len && !memcmp(doc + i, what, n);
}

/* Records the element closing at @end in every target it matches. */
static void xml_match(const char *doc, const struct xml_elem *stack,
		      size_t depth, size_t end, struct xml_target *t,
		      size_t nt)
{
	size_t i, d;

	for (i = 0; i < nt; i++) {
		if (t[i].found)
			continue;
		for (d = 0; d < depth && t[i].path[d]; d++)
			if (strlen(t[i].path[d]) != stack[d].nlen ||
			    memcmp(t[i].path[d], stack[d].name, stack[d].nlen))
				break;
		if (d != depth || t[i].path[d])
			continue;
		t[i].found = true;
		t[i].text = doc + stack[depth - 1].content;
		t[i].len = end - stack[depth - 1].content;
		t[i].complex = stack[depth - 1].complex;
	}
}

/* Skips a start tag's attributes from @i; returns the offset of its '>'
 * (or of "/>"), or @len when it is malformed. */
static size_t skip_attributes(const char *doc, size_t len, size_t i)
{
	char quote;

	for (;;) {
		while (i < len && xml_space(doc[i]))
			i++;
		if (i >= len || doc[i] == '>' || starts(doc, len, i, "/>"))
			return i;
		if (!name_char((unsigned char)doc[i], true))
			return len;
		while (i < len && name_char((unsigned char)doc[i], false))
			i++;
		while (i < len && xml_space(doc[i]))
			i++;
		if (i >= len || doc[i] != '=')
			return len;
		i++;
		while (i < len && xml_space(doc[i]))
			i++;
		if (i >= len || (doc[i] != '"' && doc[i] != '\''))
			return len;
		quote = doc[i++];
		while (i < len && doc[i] != quote && doc[i] != '<')
			i++;
		if (i >= len || doc[i] != quote)
			return len;
		i++;
	}
}

/* One pass over @doc; 0 when it is well-formed as far as we read XML. */
static int xml_scan(const char *doc, size_t len, struct xml_target *t,
		    size_t nt)
{
	struct xml_elem stack[XML_DEPTH_MAX];
	size_t depth = 0, i = 0, j, nlen;
	bool root_seen = false;

	if (starts(doc, len, 0, "\xef\xbb\xbf"))
		i = 3;
	while (i < len) {
		if (doc[i] != '<') {
			if (!depth && !xml_space(doc[i]))
				return -EINVAL; /* text outside the root */
			i++;
			continue;
		}
		if (starts(doc, len, i, "<?")) {
			j = find(doc, len, i + 2, "?>");
			if (j >= len)
				return -EINVAL;
			i = j + 2;
		} else if (starts(doc, len, i, "<!--")) {
			j = find(doc, len, i + 4, "-->");
			if (j >= len)
				return -EINVAL;
			i = j + 3;
		} else if (starts(doc, len, i, "<![CDATA[")) {
			j = find(doc, len, i + 9, "]]>");
			if (!depth || j >= len)
				return -EINVAL;
			stack[depth - 1].complex = true;
			i = j + 3;
		} else if (starts(doc, len, i, "<!")) {
			return -EINVAL; /* DOCTYPE: no entities from anyone */
		} else if (starts(doc, len, i, "</")) {
			if (!depth)
				return -EINVAL;
			nlen = stack[depth - 1].nlen;
			if (i + 2 + nlen > len ||
			    memcmp(doc + i + 2, stack[depth - 1].name, nlen))
				return -EINVAL;
			j = i + 2 + nlen;
			while (j < len && xml_space(doc[j]))
				j++;
			if (j >= len || doc[j] != '>')
				return -EINVAL;
			xml_match(doc, stack, depth, i, t, nt);
			depth--;
			i = j + 1;
		} else {
			if ((!depth && root_seen) || depth == XML_DEPTH_MAX)
				return -EINVAL;
			j = i + 1;
			if (j >= len || !name_char((unsigned char)doc[j], true))
				return -EINVAL;
			while (j < len && name_char((unsigned char)doc[j], false))
				j++;
			if (depth)
				stack[depth - 1].complex = true;
			stack[depth].name = doc + i + 1;
			stack[depth].nlen = j - i - 1;
			stack[depth].complex = false;
			if (j < len && !xml_space(doc[j]) && doc[j] != '>' &&
			    doc[j] != '/')
				return -EINVAL;
			j = skip_attributes(doc, len, j);
			if (j >= len)
				return -EINVAL;
			root_seen = true;
			depth++;
			if (doc[j] == '/') {
				stack[depth - 1].content = j;
				xml_match(doc, stack, depth, j, t, nt);
				depth--;
				i = j + 2;
			} else {
				stack[depth - 1].content = j + 1;
				i = j + 1;
			}
		}
	}
	return depth || !root_seen ? -EINVAL : 0;
}

static void put_utf8(char *out, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* A character reference "&#...;" at @s (@len bytes up to the ';'). */
static int char_ref(const char *s, size_t len, unsigned long *ret)
{
	unsigned long cp = 0;
	size_t i = 2;
	int hex = len > 2 && (s[2] == 'x' || s[2] == 'X'), v;

	i += (size_t)hex;
	if (i >= len || len - i > 8)
		return -EINVAL;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			v = s[i] - 'A' + 10;
		else
			return -EINVAL;
		cp = cp * (hex ? 16 : 10) + (unsigned long)v;
	}
	if (!cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -EINVAL;
	*ret = cp;
	return 0;
}

/* The text content @s (@len bytes), references decoded and surrounding
 * whitespace trimmed, in *@ret (malloc'd). */
static int xml_text(const char *s, size_t len, char **ret)
{
	static const struct {
		const char *ref;
		char c;
	} named[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'},
		     {"&quot;", '"'}, {"&apos;", '\''}};
	unsigned long cp;
	size_t i, k, n = 0, end;
	char *buf;
	int r = -EINVAL;

	while (len && xml_space(*s)) {
		s++;
		len--;
	}
	while (len && xml_space(s[len - 1]))
		len--;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] != '&') {
			buf[n++] = s[i];
			continue;
		}
		for (end = i; end < len && s[end] != ';'; end++)
			;
		if (end >= len)
			goto out;
		if (s[i + 1] == '#') {
			if (char_ref(s + i, end - i, &cp))
				goto out;
			put_utf8(buf, &n, cp);
			i = end;
			continue;
		}
		for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
			if (strlen(named[k].ref) == end - i + 1 &&
			    !memcmp(named[k].ref, s + i, end - i + 1))
				break;
		if (k == sizeof(named) / sizeof(named[0]))
			goto out;
		buf[n++] = named[k].c;
		i = end;
	}
	buf[n] = '\0';
	*ret = buf;
	buf = NULL;
	r = 0;
out:
	if (buf) {
		OPENSSL_cleanse(buf, len + 1);
		free(buf);
	}
	return r;
}

static int sts_key(const struct xml_target *t, const char *name,
		   enum key_kind kind, bool required, char **ret,
		   char *errbuf, size_t errlen)
{
	char *text = NULL;
	int r;

	if (!t->found || !t->len) {
		if (!required)
			return 0;
		util_set_error(errbuf, errlen, "STS answer has no %s", name);
		return -EINVAL;
	}
	r = t->complex ? -EINVAL : xml_text(t->text, t->len, &text);
	if (r == -ENOMEM)
		return r;
	if (r || !key_ok(kind, text, strlen(text))) {
		util_set_error(errbuf, errlen, "STS answer has a malformed %s",
			  name);
		util_secret_free(text);
		return -EINVAL;
	}
	*ret = text;
	return 0;
}

static int sts_retryable(const char *code)
{
	static const char *const codes[] = {
		"IDPCommunicationError", "InvalidIdentityToken", "Throttling",
		"ThrottlingException",   "RequestLimitExceeded",
		"ServiceUnavailable",    "InternalFailure", "InternalError",
		"RequestTimeout",
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

static int sts_error(const struct xml_target *code_t,
		     const struct xml_target *msg_t, char *errbuf,
		     size_t errlen)
{
	char *code = NULL, *msg = NULL, c[REASON_MAX + 1], m[REASON_MAX + 1];
	int r;

	r = code_t->complex ? -EINVAL :
			      xml_text(code_t->text, code_t->len, &code);
	if (!r && msg_t->found && !msg_t->complex)
		r = xml_text(msg_t->text, msg_t->len, &msg);
	if (r == -ENOMEM)
		goto out;
	if (r || !code[0]) {
		util_set_error(errbuf, errlen, "STS answer has a malformed error");
		r = -EINVAL;
		goto out;
	}
	clean_copy(c, sizeof(c), code, strlen(code));
	clean_copy(m, sizeof(m), msg ? msg : "", msg ? strlen(msg) : 0);
	util_set_error(errbuf, errlen, "%s%s%s", c, m[0] ? ": " : "", m);
	r = sts_retryable(code) ? -EAGAIN : -EACCES;
out:
	free(code);
	free(msg);
	return r;
}

int credsource_parse_sts(const char *body, size_t len,
			 struct credsource_keys *ret, char *errbuf,
			 size_t errlen)
{
#define STS_CREDS "AssumeRoleWithWebIdentityResponse", \
		  "AssumeRoleWithWebIdentityResult", "Credentials"
	static const char *const p_id[] = {STS_CREDS, "AccessKeyId", NULL};
	static const char *const p_secret[] = {STS_CREDS, "SecretAccessKey",
					       NULL};
	static const char *const p_token[] = {STS_CREDS, "SessionToken", NULL};
	static const char *const p_exp[] = {STS_CREDS, "Expiration", NULL};
	static const char *const p_code[] = {"ErrorResponse", "Error", "Code",
					     NULL};
	static const char *const p_msg[] = {"ErrorResponse", "Error",
					    "Message", NULL};
#undef STS_CREDS
	struct xml_target t[] = {{.path = p_id},   {.path = p_secret},
				 {.path = p_token}, {.path = p_exp},
				 {.path = p_code}, {.path = p_msg}};
	struct credsource_keys k = {0};
	char *exp = NULL;
	int r = -EINVAL;

	util_set_error(errbuf, errlen, "%s", "");
	if (!body || !len || len > CREDSOURCE_BODY_MAX) {
		util_set_error(errbuf, errlen, "STS answer is empty or too large");
		goto out;
	}
	if (xml_scan(body, len, t, sizeof(t) / sizeof(t[0]))) {
		util_set_error(errbuf, errlen, "STS answer is not well-formed XML");
		goto out;
	}
	if (t[4].found) {
		r = sts_error(&t[4], &t[5], errbuf, errlen);
		goto out;
	}
	r = sts_key(&t[0], "AccessKeyId", KEY_ID, true, &k.access_key_id,
		    errbuf, errlen);
	if (!r)
		r = sts_key(&t[1], "SecretAccessKey", KEY_SECRET, true,
			    &k.secret_access_key, errbuf, errlen);
	if (!r)
		r = sts_key(&t[2], "SessionToken", KEY_SECRET, true,
			    &k.session_token, errbuf, errlen);
	if (!r && (!t[3].found || t[3].complex)) {
		util_set_error(errbuf, errlen, "STS answer has no Expiration");
		r = -EINVAL;
	}
	if (!r)
		r = xml_text(t[3].text, t[3].len, &exp);
	if (!r && credsource_parse_time(exp, strlen(exp), &k.expires_ms)) {
		util_set_error(errbuf, errlen, "STS answer has a malformed "
			  "Expiration");
		r = -EINVAL;
	}
	if (r)
		goto out;
	*ret = k;
	memset(&k, 0, sizeof(k));
out:
	free(exp);
	credsource_keys_done(&k);
	return r;
}

/* ------------------------------------------------------------- helpers */

static int role_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("+=,.@_-", c));
}

int credsource_imds_role(const char *body, size_t len, char *buf,
			 size_t buflen)
{
	size_t i = 0, n;

	if (!body)
		return -ENOENT;
	while (i < len && xml_space(body[i]))
		i++;
	for (n = 0; i + n < len && body[i + n] != '\n' && body[i + n] != '\r';
	     n++)
		if (!role_char((unsigned char)body[i + n]) &&
		    body[i + n] != ' ' && body[i + n] != '\t')
			return -EINVAL;
	while (n && xml_space(body[i + n - 1]))
		n--;
	if (!n)
		return -ENOENT;
	if (n >= buflen || memchr(body + i, ' ', n) || memchr(body + i, '\t', n))
		return -EINVAL;
	memcpy(buf, body + i, n);
	buf[n] = '\0';
	return 0;
}

/* Appends @s percent-encoded (all but RFC 3986 unreserved characters). */
static void form_append(char *out, size_t *n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			out[(*n)++] = (char)c;
		} else {
			out[(*n)++] = '%';
			out[(*n)++] = hex[c >> 4];
			out[(*n)++] = hex[c & 15];
		}
	}
}

static void raw_append(char *out, size_t *n, const char *s)
{
	size_t len = strlen(s);

	memcpy(out + *n, s, len);
	*n += len;
}

int credsource_sts_form(const char *role_arn, const char *session_name,
			const char *token, char **ret)
{
	size_t n = 0, len, i, slen;
	char *out;

	if (!role_arn || !*role_arn || !session_name || !token || !*token)
		return -EINVAL;
	slen = strlen(session_name);
	if (slen < 2 || slen > 64)
		return -EINVAL;
	for (i = 0; i < slen; i++)
		if (!role_char((unsigned char)session_name[i]))
			return -EINVAL;
	len = 128 + 3 * (strlen(role_arn) + slen + strlen(token));
	out = malloc(len);
	if (!out)
		return -ENOMEM;
	raw_append(out, &n, "Action=AssumeRoleWithWebIdentity"
			    "&Version=2011-06-15&RoleArn=");
	form_append(out, &n, role_arn);
	raw_append(out, &n, "&RoleSessionName=");
	form_append(out, &n, session_name);
	raw_append(out, &n, "&WebIdentityToken=");
	form_append(out, &n, token);
	out[n] = '\0';
	*ret = out;
	return 0;
}

int credsource_sts_url(const char *region, bool fips, char *buf, size_t len)
{
	const char *p;
	int n;

	if (!region || !*region) {
		n = snprintf(buf, len, "https://sts%s.amazonaws.com/",
			     fips ? "-fips" : "");
		return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
	}
	for (p = region; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return -EINVAL;
	n = snprintf(buf, len, "https://sts%s.%s.amazonaws.com%s/",
		     fips ? "-fips" : "", region,
		     strncmp(region, "cn-", 3) ? "" : ".cn");
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* @host as libcurl's URL parser gives it: IPv4 numbers already in dotted
 * decimal, an IPv6 address in brackets. */
static bool host_is_local(const char *host)
{
	static const unsigned char agent6[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0,
						 0,    0,    0,    0,    0, 0,
						 0,    0,    0,    0x23};
	unsigned char a[16];
	char v6[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 ||
		       (a[0] == 169 && a[1] == 254 && a[2] == 170 &&
			(a[3] == 2 || a[3] == 23));
	if (n < 2 || n - 2 >= sizeof(v6) || host[0] != '[' ||
	    host[n - 1] != ']')
		return false;
	memcpy(v6, host + 1, n - 2);
	v6[n - 2] = '\0';
	if (inet_pton(AF_INET6, v6, a) == 1)
		return !memcmp(a, &in6addr_loopback, 16) ||
		       !memcmp(a, agent6, 16);
	return false;
}

/* True when the URL in @u has any user-info part, even an empty one
 * ("http://@host/"): libcurl would send it, or it hides the real host from
 * a reader ("http://127.0.0.1:80@evil.example/"). */
static bool has_userinfo(CURLU *u)
{
	static const CURLUPart parts[] = {CURLUPART_USER, CURLUPART_PASSWORD,
					  CURLUPART_OPTIONS};
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *v = NULL;
		CURLUcode rc = curl_url_get(u, parts[i], &v, 0);

		curl_free(v);
		if (rc == CURLUE_OK)
			return true;
	}
	return false;
}

int credsource_container_url(const char *url, bool *ret_local, char *errbuf,
			     size_t errlen)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL;
	const char *p;
	bool https, local;
	CURLUcode rc;
	int r = -EINVAL;

	if (!url || !*url) {
		util_set_error(errbuf, errlen, "empty URL");
		goto out;
	}
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			util_set_error(errbuf, errlen, "URL has a space, a control "
				  "or a non-ASCII character");
			goto out;
		}
	/* The very parser the transfer uses: what is checked here is the
	 * host libcurl connects to. */
	u = curl_url();
	if (!u) {
		r = -ENOMEM;
		util_set_error(errbuf, errlen, "out of memory");
		goto out;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
#if LIBCURL_VERSION_NUM >= 0x075000 /* curl_url_strerror(): 7.80.0 */
		util_set_error(errbuf, errlen, "malformed URL (%s)",
			       curl_url_strerror(rc));
#else
		util_set_error(errbuf, errlen, "malformed URL (libcurl URL "
			       "error %d)", (int)rc);
#endif
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		util_set_error(errbuf, errlen, "URL has no scheme");
		goto out;
	}
	if (!strcasecmp(scheme, "https")) {
		https = true;
	} else if (!strcasecmp(scheme, "http")) {
		https = false;
	} else {
		util_set_error(errbuf, errlen, "URL is neither http:// nor https://");
		goto out;
	}
	if (has_userinfo(u)) {
		util_set_error(errbuf, errlen, "user information in URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		util_set_error(errbuf, errlen, "URL has no host");
		goto out;
	}
	local = host_is_local(host);
	if (!https && !local) {
		util_set_error(errbuf, errlen, "plain http is allowed only to a "
			  "loopback host or to 169.254.170.2, 169.254.170.23, "
			  "[fd00:ec2::23]");
		goto out;
	}
	*ret_local = local;
	r = 0;
out:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

/* ------------------------------------------------------------ schedule */

int64_t credsource_refresh_at(int64_t now_ms, int64_t expires_ms,
			      uint64_t rnd)
{
	int64_t at, half;

	if (!expires_ms)
		return INT64_MAX;
	at = expires_ms - 5 * MINUTE_MS - (int64_t)(rnd % (10 * MINUTE_MS + 1));
	half = now_ms + (expires_ms - now_ms) / 2;
	if (at < half)
		at = half;
	if (at < now_ms + 1000)
		at = now_ms + 1000;
	return at;
}

int64_t credsource_retry_at(int64_t now_ms, int64_t expires_ms,
			    unsigned failures, uint64_t rnd)
{
	int64_t base, delay;

	base = (int64_t)1000 << (failures > 6 ? 5 : (failures ? failures - 1 : 0));
	if (base > 30000)
		base = 30000;
	delay = base / 2 + (int64_t)(rnd % (uint64_t)(base / 2 + 1));
	if (expires_ms > now_ms && delay > (expires_ms - now_ms) / 2)
		delay = (expires_ms - now_ms) / 2;
	if (delay < 1000)
		delay = 1000;
	return now_ms + delay;
}
