/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.c - request record JSON -> struct request, with validation.
 *
 * A record goes through three gates, and the first one it fails decides its
 * error code:
 *
 *   1. size: over max_bytes -> RequestTooLarge, nothing else is looked at;
 *   2. syntax: the whole record must be valid UTF-8 and exactly one strict
 *      RFC 8259 JSON value with nothing but JSON whitespace around it, and
 *      that value must be an object -> otherwise MalformedRequest;
 *   3. members: each known member present once, of the right type, matching
 *      its rule -> otherwise InvalidRequest naming the member and the rule.
 *
 * Gate 2 is our own scanner (json_scan) rather than cJSON's: cJSON is
 * lenient (it skips control bytes and a BOM as whitespace, takes "01" and
 * raw tabs in strings, never checks UTF-8) and a request that one parser
 * accepts and another rejects is exactly the ambiguity DESIGN.md forbids.
 * cJSON then only builds the tree of a text already known to be valid, so
 * if it fails, it ran out of memory.
 *
 * cJSON stops a decoded string at an escaped NUL ("\u0000"), which would
 * let "Opted\u0000x" read as "Opted".  The scanner counts such escapes; when
 * there are any, the tree is built from a copy in which each one is
 * replaced by the byte 0xFF, which can never occur in valid UTF-8, so every
 * string that held a NUL is recognisable after parsing and rejected.
 *
 * Values from the record are never copied into error messages: they may
 * hold phone numbers, and a truncated value could split a UTF-8 sequence.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "request.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "utf8.h"
#include "util.h"

/* A request is a flat object; deeper nesting can only be in members we
 * ignore, and is refused long before cJSON's own limit. */
#define REQUEST_DEPTH_MAX 32

/* Stands in for an escaped NUL in the copy handed to cJSON. */
#define NUL_MARK '\xff'

struct json_scan {
	const unsigned char *s;
	size_t len;
	size_t pos;
	size_t nul_escapes; /* "\u0000" inside strings */
	const char *why;    /* first syntax error */
};

static void set_error(struct request *req, const char *code,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records the first error only: later checks keep running so that valid
 * members are still kept, but the reason reported is the first found. */
static void set_error(struct request *req, const char *code,
		      const char *fmt, ...)
{
	va_list ap;

	if (req->error_code)
		return;
	req->error_code = code;
	va_start(ap, fmt);
	util_vset_error(req->error_message, sizeof(req->error_message), fmt,
			ap);
	va_end(ap);
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_json_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int scan_fail(struct json_scan *sc, size_t at, const char *why)
{
	sc->pos = at;
	sc->why = why;
	return -EINVAL;
}

/* Reads "\uXXXX" at @at; returns the code unit or -1. */
static long scan_u_escape(const struct json_scan *sc, size_t at)
{
	long v = 0;
	size_t i;
	int h;

	if (at + 6 > sc->len || sc->s[at] != '\\' || sc->s[at + 1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		h = hex_value(sc->s[at + i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* A string starting at the opening quote at sc->pos.  Raw bytes are
 * already known to be valid UTF-8.  Surrogate escapes must pair up, as
 * cJSON requires. */
static int scan_string(struct json_scan *sc)
{
	size_t i = sc->pos + 1;
	unsigned char c;
	long u, lo;

	while (i < sc->len) {
		c = sc->s[i];
		if (c == '"') {
			sc->pos = i + 1;
			return 0;
		}
		if (c < 0x20)
			return scan_fail(sc, i,
					 "control character in a string");
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= sc->len)
			break;
		switch (sc->s[i + 1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			i += 2;
			continue;
		case 'u':
			break;
		default:
			return scan_fail(sc, i, "invalid escape in a string");
		}
		u = scan_u_escape(sc, i);
		if (u < 0)
			return scan_fail(sc, i, "invalid \\u escape");
		if (u >= 0xdc00 && u <= 0xdfff)
			return scan_fail(sc, i, "unpaired surrogate escape");
		if (u >= 0xd800 && u <= 0xdbff) {
			lo = scan_u_escape(sc, i + 6);
			if (lo < 0xdc00 || lo > 0xdfff)
				return scan_fail(sc, i,
						 "unpaired surrogate escape");
			i += 6;
		}
		if (u == 0)
			sc->nul_escapes++;
		i += 6;
	}
	return scan_fail(sc, sc->len, "unterminated string");
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct json_scan *sc)
{
	size_t i = sc->pos;

	if (sc->s[i] == '-')
		i++;
	if (i >= sc->len || !is_digit(sc->s[i]))
		return scan_fail(sc, i, "invalid number");
	if (sc->s[i] == '0')
		i++;
	else
		while (i < sc->len && is_digit(sc->s[i]))
			i++;
	if (i < sc->len && sc->s[i] == '.') {
		i++;
		if (i >= sc->len || !is_digit(sc->s[i]))
			return scan_fail(sc, i, "invalid number");
		while (i < sc->len && is_digit(sc->s[i]))
			i++;
	}
	if (i < sc->len && (sc->s[i] == 'e' || sc->s[i] == 'E')) {
		i++;
		if (i < sc->len && (sc->s[i] == '+' || sc->s[i] == '-'))
			i++;
		if (i >= sc->len || !is_digit(sc->s[i]))
			return scan_fail(sc, i, "invalid number");
		while (i < sc->len && is_digit(sc->s[i]))
			i++;
	}
	sc->pos = i;
	return 0;
}

static int scan_literal(struct json_scan *sc)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		if (sc->len - sc->pos >= n &&
		    memcmp(sc->s + sc->pos, words[i], n) == 0) {
			sc->pos += n;
			return 0;
		}
	}
	return scan_fail(sc, sc->pos, "unexpected character");
}

/*
 * Checks that the buffer is exactly one JSON value surrounded by optional
 * whitespace.  An explicit stack of open brackets instead of recursion keeps
 * the depth bounded and the scanner safe on any input.
 */
static int json_scan_run(struct json_scan *sc)
{
	enum { WANT_VALUE, WANT_KEY, WANT_COLON, WANT_NEXT, WANT_END };
	unsigned char stack[REQUEST_DEPTH_MAX];
	size_t depth = 0;
	int want = WANT_VALUE;
	int can_close = 0; /* right after '{' or '[' */
	unsigned char c, top;
	int ret;

	for (;;) {
		while (sc->pos < sc->len && is_json_space(sc->s[sc->pos]))
			sc->pos++;
		if (sc->pos == sc->len)
			break;
		c = sc->s[sc->pos];
		top = depth ? stack[depth - 1] : 0;

		if (want == WANT_END)
			return scan_fail(sc, sc->pos,
					 "trailing data after the value");
		if (want == WANT_COLON) {
			if (c != ':')
				return scan_fail(sc, sc->pos, "expected ':'");
			sc->pos++;
			want = WANT_VALUE;
			continue;
		}
		if (want == WANT_NEXT && c == ',') {
			sc->pos++;
			want = top == '{' ? WANT_KEY : WANT_VALUE;
			can_close = 0;
			continue;
		}
		if ((want == WANT_NEXT || can_close) &&
		    c == (top == '{' ? '}' : ']')) {
			sc->pos++;
			depth--;
			want = depth ? WANT_NEXT : WANT_END;
			can_close = 0;
			continue;
		}
		if (want == WANT_NEXT)
			return scan_fail(sc, sc->pos,
					 top == '{' ? "expected ',' or '}'"
						    : "expected ',' or ']'");
		can_close = 0;

		if (want == WANT_KEY) {
			if (c != '"')
				return scan_fail(sc, sc->pos,
						 "expected a member name");
			ret = scan_string(sc);
			if (ret)
				return ret;
			want = WANT_COLON;
			continue;
		}

		/* WANT_VALUE */
		if (c == '{' || c == '[') {
			if (depth == REQUEST_DEPTH_MAX)
				return scan_fail(sc, sc->pos,
						 "nested too deeply");
			stack[depth++] = c;
			sc->pos++;
			want = c == '{' ? WANT_KEY : WANT_VALUE;
			can_close = 1;
			continue;
		}
		if (c == '"')
			ret = scan_string(sc);
		else if (c == '-' || is_digit(c))
			ret = scan_number(sc);
		else
			ret = scan_literal(sc);
		if (ret)
			return ret;
		want = depth ? WANT_NEXT : WANT_END;
	}
	if (want != WANT_END)
		return scan_fail(sc, sc->len, "unexpected end of the record");
	return 0;
}

/* Copy of a scanned record with each "\u0000" escape replaced by NUL_MARK.
 * Every backslash of a valid JSON text starts an escape, so walking escape
 * by escape finds exactly the NUL escapes. */
static char *mark_nul_escapes(const unsigned char *s, size_t len,
			      size_t *ret_len)
{
	char *copy;
	size_t i = 0, o = 0;

	copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	while (i < len) {
		if (s[i] != '\\') {
			copy[o++] = (char)s[i++];
		} else if (i + 6 <= len &&
			   memcmp(s + i, "\\u0000", 6) == 0) {
			copy[o++] = NUL_MARK;
			i += 6;
		} else {
			copy[o++] = (char)s[i++];
			if (i < len)
				copy[o++] = (char)s[i++];
		}
	}
	*ret_len = o;
	return copy;
}

static const char *json_type_name(const cJSON *item)
{
	static const struct {
		cJSON_bool (*is)(const cJSON *const item);
		const char *name;
	} types[] = {
		{cJSON_IsNull, "null"},     {cJSON_IsBool, "a boolean"},
		{cJSON_IsNumber, "a number"}, {cJSON_IsString, "a string"},
		{cJSON_IsArray, "an array"}, {cJSON_IsObject, "an object"},
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].is(item))
			return types[i].name;
	return "an unknown value";
}

/* Finds member @name (case-sensitive, as JSON names are); counts how many
 * times it is given, as cJSON keeps every duplicate. */
static const cJSON *find_member(const cJSON *root, const char *name,
				int *ret_count)
{
	const cJSON *item, *first = NULL;
	int count = 0;

	for (item = root->child; item; item = item->next) {
		if (!item->string || strcmp(item->string, name) != 0)
			continue;
		if (!first)
			first = item;
		count++;
	}
	*ret_count = count;
	return first;
}

int request_valid_list(const char *s)
{
	size_t n;
	char c;

	for (n = 0; s[n]; n++) {
		c = s[n];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == ':' ||
		      c == '/' || c == '-'))
			return 0;
	}
	return n >= 1 && n <= REQUEST_LIST_MAX;
}

/* OptOutListName: a list, or exactly "*" (erase everywhere). */
static int valid_list_or_everywhere(const char *s)
{
	return strcmp(s, REQUEST_EVERYWHERE) == 0 || request_valid_list(s);
}

bool request_everywhere(const struct request *req)
{
	return req->list && !req->error_code &&
	       strcmp(req->list, REQUEST_EVERYWHERE) == 0;
}

int request_valid_number(const char *s)
{
	size_t digits;

	if (*s == '+')
		s++;
	if (*s < '1' || *s > '9')
		return 0;
	for (digits = 0; s[digits]; digits++)
		if (!is_digit((unsigned char)s[digits]))
			return 0;
	/* [1-9] then 1..18 more digits */
	return digits >= 2 && digits <= 19;
}

/*
 * One required string member with a rule.  Returns 0 (valid or not: an
 * invalid member is an error on @req) or -ENOMEM.
 */
static int take_required(struct request *req, const cJSON *root,
			 const char *name, int (*valid)(const char *),
			 const char *rule, char **ret_value)
{
	const cJSON *item;
	char *value;
	int count;

	item = find_member(root, name, &count);
	if (count == 0) {
		set_error(req, REQUEST_ERR_INVALID,
			  "%s: required member is missing", name);
		return 0;
	}
	if (count > 1) {
		set_error(req, REQUEST_ERR_INVALID,
			  "%s: given more than once", name);
		return 0;
	}
	if (!cJSON_IsString(item) || !item->valuestring) {
		set_error(req, REQUEST_ERR_INVALID,
			  "%s: must be a string, got %s", name,
			  json_type_name(item));
		return 0;
	}
	if (strchr(item->valuestring, NUL_MARK)) {
		set_error(req, REQUEST_ERR_INVALID,
			  "%s: must not contain \\u0000 (NUL)", name);
		return 0;
	}
	if (!valid(item->valuestring)) {
		set_error(req, REQUEST_ERR_INVALID, "%s: %s", name, rule);
		return 0;
	}
	value = strdup(item->valuestring);
	if (!value)
		return -ENOMEM;
	*ret_value = value;
	return 0;
}

/* The optional RequestId: a string of at most REQUEST_ID_MAX characters,
 * or null.  Returns 0 or -ENOMEM. */
static int take_request_id(struct request *req, const cJSON *root)
{
	const cJSON *item;
	char *value;
	int count;

	item = find_member(root, "RequestId", &count);
	if (count == 0 || (count == 1 && cJSON_IsNull(item)))
		return 0;
	if (count > 1) {
		set_error(req, REQUEST_ERR_INVALID,
			  "RequestId: given more than once");
		return 0;
	}
	if (!cJSON_IsString(item) || !item->valuestring) {
		set_error(req, REQUEST_ERR_INVALID,
			  "RequestId: must be a string or null, got %s",
			  json_type_name(item));
		return 0;
	}
	if (strchr(item->valuestring, NUL_MARK)) {
		set_error(req, REQUEST_ERR_INVALID,
			  "RequestId: must not contain \\u0000 (NUL)");
		return 0;
	}
	if (utf8_chars(item->valuestring) > REQUEST_ID_MAX) {
		set_error(req, REQUEST_ERR_INVALID,
			  "RequestId: must be at most %d characters",
			  REQUEST_ID_MAX);
		return 0;
	}
	value = strdup(item->valuestring);
	if (!value)
		return -ENOMEM;
	req->request_id = value;
	return 0;
}

int request_parse(struct request *req, const void *buf, size_t len,
		  size_t max_bytes)
{
	struct json_scan sc;
	cJSON *root = NULL;
	char *marked = NULL;
	const char *text = buf;
	size_t text_len = len, at = 0;
	int ret;

	memset(req, 0, sizeof(*req));

	if (len > max_bytes) {
		set_error(req, REQUEST_ERR_TOO_LARGE,
			  "record is %zu bytes, larger than "
			  "requests.max_bytes (%zu)",
			  len, max_bytes);
		ret = -EINVAL;
		goto out;
	}
	if (len == 0) {
		set_error(req, REQUEST_ERR_MALFORMED, "empty record");
		ret = -EINVAL;
		goto out;
	}
	if (utf8_check(buf, len, &at)) {
		set_error(req, REQUEST_ERR_MALFORMED,
			  "invalid UTF-8 at byte %zu", at);
		ret = -EINVAL;
		goto out;
	}

	memset(&sc, 0, sizeof(sc));
	sc.s = buf;
	sc.len = len;
	if (json_scan_run(&sc)) {
		set_error(req, REQUEST_ERR_MALFORMED,
			  "not valid JSON: %s at byte %zu", sc.why, sc.pos);
		ret = -EINVAL;
		goto out;
	}

	if (sc.nul_escapes) {
		marked = mark_nul_escapes(buf, len, &text_len);
		if (!marked) {
			ret = -ENOMEM;
			goto out;
		}
		text = marked;
	}

	/* The text is valid JSON, so a failure here is cJSON running out of
	 * memory.  Whole-record consumption is already proven by the scan. */
	root = cJSON_ParseWithLengthOpts(text, text_len, NULL, 0);
	if (!root) {
		ret = -ENOMEM;
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		set_error(req, REQUEST_ERR_MALFORMED,
			  "not a JSON object (got %s)", json_type_name(root));
		ret = -EINVAL;
		goto out;
	}

	ret = take_required(req, root, "OptOutListName",
			    valid_list_or_everywhere,
			    "must be 1-256 characters of [A-Za-z0-9_:/-], or "
			    "\"*\"",
			    &req->list);
	if (ret)
		goto out;
	ret = take_required(req, root, "OptedOutNumber", request_valid_number,
			    "must match \\+?[1-9][0-9]{1,18}", &req->number);
	if (ret)
		goto out;
	ret = take_request_id(req, root);
	if (ret)
		goto out;

	/* Known members are clean, so a NUL is in a name or in a member we
	 * would otherwise ignore: still refused, strings must not hold one. */
	if (sc.nul_escapes)
		set_error(req, REQUEST_ERR_INVALID,
			  "member names and values must not contain "
			  "\\u0000 (NUL)");

	ret = req->error_code ? -EINVAL : 0;
out:
	cJSON_Delete(root);
	free(marked);
	return ret;
}

void request_done(struct request *req)
{
	if (!req)
		return;
	free(req->request_id);
	free(req->list);
	free(req->number);
	memset(req, 0, sizeof(*req));
}

char *request_order_key(const struct request *req)
{
	return strdup(req->number[0] == '+' ? req->number + 1 : req->number);
}
