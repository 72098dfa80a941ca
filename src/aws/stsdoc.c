/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stsdoc.c - STS AssumeRoleWithWebIdentity and AssumeRole: the requests
 * they take and the XML answers they give.
 *
 * The answer is read by a small scanner that knows just enough of XML 1.0
 * for AWS's query-protocol answers: one root element, nested elements with
 * attributes, text with the five named and the numeric character
 * references, comments and processing instructions skipped.  Anything it
 * does not know (a DOCTYPE, CDATA where a value should be) makes the answer
 * malformed rather than being guessed at.  It keeps no tree: one pass finds
 * the text of the few element paths asked for, and checks that every tag is
 * closed in order.  Keys are checked with creddoc.c's rules.
 *
 * Called by sts.c (the web identity source) on the main thread at start-up
 * and on credprov.c's refresher thread.  Pure: no I/O, no threads, no
 * logging; any thread.
 */
#include "stsdoc.h"

#include "creddoc.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define XML_DEPTH_MAX 32

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
		   enum creddoc_key kind, bool required, char **ret,
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
	if (r || !creddoc_key_ok(kind, text, strlen(text))) {
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
	char *code = NULL, *msg = NULL, c[CREDDOC_REASON_MAX + 1], m[CREDDOC_REASON_MAX + 1];
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
	creddoc_clean_copy(c, sizeof(c), code, strlen(code));
	creddoc_clean_copy(m, sizeof(m), msg ? msg : "", msg ? strlen(msg) : 0);
	util_set_error(errbuf, errlen, "%s%s%s", c, m[0] ? ": " : "", m);
	r = sts_retryable(code) ? -EAGAIN : -EACCES;
out:
	free(code);
	free(msg);
	return r;
}

int stsdoc_parse(const char *body, size_t len,
			 struct credentials *ret, char *errbuf,
			 size_t errlen)
{
	return stsdoc_parse_action("AssumeRoleWithWebIdentity", body, len, ret,
				   errbuf, errlen);
}

int stsdoc_parse_action(const char *action, const char *body, size_t len,
			struct credentials *ret, char *errbuf, size_t errlen)
{
	char resp[64], res[64];
	const char *const p_id[] = {resp, res, "Credentials", "AccessKeyId",
				    NULL};
	const char *const p_secret[] = {resp, res, "Credentials",
					"SecretAccessKey", NULL};
	const char *const p_token[] = {resp, res, "Credentials",
				       "SessionToken", NULL};
	const char *const p_exp[] = {resp, res, "Credentials", "Expiration",
				     NULL};
	static const char *const p_code[] = {"ErrorResponse", "Error", "Code",
					     NULL};
	static const char *const p_msg[] = {"ErrorResponse", "Error",
					    "Message", NULL};
	struct xml_target t[] = {{.path = p_id},   {.path = p_secret},
				 {.path = p_token}, {.path = p_exp},
				 {.path = p_code}, {.path = p_msg}};
	struct credentials k = {0};
	char *exp = NULL;
	int r = -EINVAL;

	util_set_error(errbuf, errlen, "%s", "");
	snprintf(resp, sizeof(resp), "%sResponse", action);
	snprintf(res, sizeof(res), "%sResult", action);
	if (!body || !len || len > CREDS_BODY_MAX) {
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
	r = sts_key(&t[0], "AccessKeyId", CREDDOC_KEY_ID, true, &k.access_key_id,
		    errbuf, errlen);
	if (!r)
		r = sts_key(&t[1], "SecretAccessKey", CREDDOC_KEY_SECRET, true,
			    &k.secret_access_key, errbuf, errlen);
	if (!r)
		r = sts_key(&t[2], "SessionToken", CREDDOC_KEY_SECRET, true,
			    &k.session_token, errbuf, errlen);
	if (!r && (!t[3].found || t[3].complex)) {
		util_set_error(errbuf, errlen, "STS answer has no Expiration");
		r = -EINVAL;
	}
	if (!r)
		r = xml_text(t[3].text, t[3].len, &exp);
	if (!r && creddoc_parse_time(exp, strlen(exp), &k.expires_ms)) {
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
	creds_done(&k);
	return r;
}

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

/* STS's patterns: @min..@max characters of [\w+=,.@-], and ':' '/' too
 * when @path (ExternalId). */
static bool sts_name_ok(const char *s, size_t min, size_t max, bool path)
{
	size_t i, len = s ? strlen(s) : 0;

	if (len < min || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (!creddoc_role_char((unsigned char)s[i]) &&
		    !(path && (s[i] == ':' || s[i] == '/')))
			return false;
	return true;
}

int stsdoc_form(const char *role_arn, const char *session_name,
			const char *token, char **ret)
{
	size_t n = 0, len;
	char *out;

	if (!role_arn || !*role_arn || !token || !*token ||
	    !sts_name_ok(session_name, 2, 64, false))
		return -EINVAL;
	len = 128 + 3 * (strlen(role_arn) + strlen(session_name) +
			 strlen(token));
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

int stsdoc_assume_form(const char *role_arn, const char *session_name,
			const char *external_id, long duration_s, char **ret)
{
	size_t n = 0, len;
	char *out, num[24];

	if (!stsdoc_role_arn(role_arn, NULL) ||
	    !sts_name_ok(session_name, 2, 64, false) ||
	    (external_id && !sts_name_ok(external_id, 2, 1224, true)) ||
	    (duration_s && (duration_s < 900 || duration_s > 43200)))
		return -EINVAL;
	len = 128 + 3 * (strlen(role_arn) + strlen(session_name) +
			 (external_id ? strlen(external_id) : 0));
	out = malloc(len);
	if (!out)
		return -ENOMEM;
	raw_append(out, &n, "Action=AssumeRole&Version=2011-06-15&RoleArn=");
	form_append(out, &n, role_arn);
	raw_append(out, &n, "&RoleSessionName=");
	form_append(out, &n, session_name);
	if (external_id) {
		raw_append(out, &n, "&ExternalId=");
		form_append(out, &n, external_id);
	}
	if (duration_s) {
		snprintf(num, sizeof(num), "&DurationSeconds=%ld", duration_s);
		raw_append(out, &n, num);
	}
	out[n] = '\0';
	*ret = out;
	return 0;
}

bool stsdoc_role_arn(const char *arn, char ret_account[13])
{
	const char *p = arn, *part;
	size_t i;

	if (!p || strncmp(p, "arn:aws", 7))
		return false;
	/* The partition: "aws", or "aws-" and a name (aws-cn, aws-us-gov). */
	p += 7;
	if (*p == '-') {
		if (!((p[1] >= 'a' && p[1] <= 'z') || p[1] == '-'))
			return false;
		for (p++; (*p >= 'a' && *p <= 'z') || *p == '-'; p++)
			;
	}
	if (strncmp(p, ":iam::", 6))
		return false;
	part = p + 6;
	for (i = 0; i < 12; i++)
		if (part[i] < '0' || part[i] > '9')
			return false;
	if (strncmp(part + 12, ":role/", 6))
		return false;
	/* The path takes '/' but not ':'. */
	if (!sts_name_ok(part + 18, 1, 512, true) || strchr(part + 18, ':'))
		return false;
	if (ret_account) {
		memcpy(ret_account, part, 12);
		ret_account[12] = '\0';
	}
	return true;
}

int stsdoc_url(const char *region, bool fips, char *buf, size_t len)
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
