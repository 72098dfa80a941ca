/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_request.c - request record parsing and validation.
 *
 * One table of records, each with everything request_parse() must answer:
 * the return value, the error code, the members kept, and a word the error
 * message must contain (the member it names, or what is malformed).
 * Records that are too long to write by hand (limits, nesting) are built by
 * the generated cases below the table.
 */
#include "request.h"

#include <errno.h>
#include <stdbool.h>

#include "tap.h"

#define L "\"OptOutListName\": \"marketing\""
#define N "\"OptedOutNumber\": \"+14155550100\""
#define LIST "marketing"
#define NUM "+14155550100"
#define ARN "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/marketing"

#define TOO_LARGE REQUEST_ERR_TOO_LARGE
#define MALFORMED REQUEST_ERR_MALFORMED
#define INVALID REQUEST_ERR_INVALID

struct req_case {
	const char *name;
	const char *in;
	size_t len;       /* 0: strlen(in) */
	const char *code; /* NULL: valid */
	const char *list;
	const char *number;
	const char *id;
	const char *word; /* the message must contain it */
};

static const struct req_case cases[] = {
	/* valid */
	{"minimal", "{" L ", " N "}", 0, NULL, LIST, NUM, NULL, NULL},
	{"with RequestId",
	 "{\"RequestId\": \"erasure-2026-0001\", " L ", " N "}", 0, NULL,
	 LIST, NUM, "erasure-2026-0001", NULL},
	{"RequestId null", "{\"RequestId\": null, " L ", " N "}", 0, NULL,
	 LIST, NUM, NULL, NULL},
	{"RequestId empty", "{\"RequestId\": \"\", " L ", " N "}", 0, NULL,
	 LIST, NUM, "", NULL},
	{"RequestId escapes",
	 "{\"RequestId\": \"\\u00e9\\ud83d\\ude00\\n\\\"\", " L ", " N "}", 0,
	 NULL, LIST, NUM, "\xc3\xa9\xf0\x9f\x98\x80\n\"", NULL},
	{"RequestId raw UTF-8",
	 "{\"RequestId\": \"\xe2\x82\xac-\xf0\x9f\x98\x80\", " L ", " N "}",
	 0, NULL, LIST, NUM, "\xe2\x82\xac-\xf0\x9f\x98\x80", NULL},
	{"escaped backslash then u0000 is text",
	 "{\"RequestId\": \"\\\\u0000\", " L ", " N "}", 0, NULL, LIST, NUM,
	 "\\u0000", NULL},
	{"members reordered", "{" N ", " L "}", 0, NULL, LIST, NUM, NULL, NULL},
	{"unknown members ignored",
	 "{\"Extra\": {\"a\": [1, -2.5e+3, {\"b\": null}], \"c\": true}, " L
	 ", \"x\": false, " N ", \"y\": \"\"}",
	 0, NULL, LIST, NUM, NULL, NULL},
	{"names are case-sensitive: unknown ones ignored",
	 "{\"optoutlistname\": 1, \"OPTEDOUTNUMBER\": 2, " L ", " N "}", 0,
	 NULL, LIST, NUM, NULL, NULL},
	{"whitespace around and inside",
	 " \t\r\n{\n\t" L " ,\r\n " N "\n}\r\n\t ", 0, NULL, LIST, NUM, NULL,
	 NULL},
	{"number without plus",
	 "{" L ", \"OptedOutNumber\": \"14155550100\"}", 0, NULL, LIST,
	 "14155550100", NULL, NULL},
	{"number 2 digits", "{" L ", \"OptedOutNumber\": \"12\"}", 0, NULL,
	 LIST, "12", NULL, NULL},
	{"number +12", "{" L ", \"OptedOutNumber\": \"+12\"}", 0, NULL, LIST,
	 "+12", NULL, NULL},
	{"number 19 digits with plus",
	 "{" L ", \"OptedOutNumber\": \"+1234567890123456789\"}", 0, NULL, LIST,
	 "+1234567890123456789", NULL, NULL},
	{"number 19 digits",
	 "{" L ", \"OptedOutNumber\": \"9234567890123456789\"}", 0, NULL, LIST,
	 "9234567890123456789", NULL, NULL},
	{"list ARN", "{\"OptOutListName\": \"" ARN "\", " N "}", 0, NULL, ARN,
	 NUM, NULL, NULL},
	{"list every allowed char",
	 "{\"OptOutListName\": \"AZaz09_:/-\", " N "}", 0, NULL, "AZaz09_:/-",
	 NUM, NULL, NULL},
	{"list 1 char", "{\"OptOutListName\": \"a\", " N "}", 0, NULL, "a",
	 NUM, NULL, NULL},
	{"list via escapes", "{\"OptOutListName\": \"mark\\u0065t\\/ing\", " N
	 "}", 0, NULL, "market/ing", NUM, NULL, NULL},
	{"long number in an unknown member",
	 "{\"n\": 1234567890123456789012345678901234567890123456789012345678"
	 "901234567890.5e-3, " L ", " N "}",
	 0, NULL, LIST, NUM, NULL, NULL},

	/* malformed: not JSON, not an object, bad UTF-8 */
	{"empty", "", 0, MALFORMED, NULL, NULL, NULL, "empty"},
	{"only whitespace", " \n\t ", 0, MALFORMED, NULL, NULL, NULL, "JSON"},
	{"not JSON", "hello", 0, MALFORMED, NULL, NULL, NULL, "JSON"},
	{"array", "[{" L ", " N "}]", 0, MALFORMED, NULL, NULL, NULL, "object"},
	{"empty array", "[]", 0, MALFORMED, NULL, NULL, NULL, "array"},
	{"string", "\"marketing\"", 0, MALFORMED, NULL, NULL, NULL, "string"},
	{"number", "42", 0, MALFORMED, NULL, NULL, NULL, "number"},
	{"true", "true", 0, MALFORMED, NULL, NULL, NULL, "boolean"},
	{"null", "null", 0, MALFORMED, NULL, NULL, NULL, "null"},
	{"truncated in a value", "{" L ", \"OptedOutNumber\": \"+1415", 0,
	 MALFORMED, NULL, NULL, NULL, "unterminated"},
	{"truncated after colon", "{\"OptOutListName\":", 0, MALFORMED, NULL,
	 NULL, NULL, "end"},
	{"truncated before close", "{" L ", " N, 0, MALFORMED, NULL, NULL,
	 NULL, "end"},
	{"trailing garbage", "{" L ", " N "} x", 0, MALFORMED, NULL, NULL, NULL,
	 "trailing"},
	{"two objects", "{" L ", " N "}{}", 0, MALFORMED, NULL, NULL, NULL,
	 "trailing"},
	{"trailing comma", "{" L ", " N ",}", 0, MALFORMED, NULL, NULL, NULL,
	 "member name"},
	{"missing comma", "{" L " " N "}", 0, MALFORMED, NULL, NULL, NULL,
	 "','"},
	{"missing colon", "{\"OptOutListName\" \"x\"}", 0, MALFORMED, NULL,
	 NULL, NULL, "':'"},
	{"single quotes", "{'OptOutListName': 'x'}", 0, MALFORMED, NULL, NULL,
	 NULL, "member name"},
	{"comment", "{" L ", " N "} /* c */", 0, MALFORMED, NULL, NULL, NULL,
	 "trailing"},
	{"UTF-8 BOM", "\xef\xbb\xbf{" L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "JSON"},
	{"leading control byte", "\x01{" L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "JSON"},
	{"NUL byte after the object", "{" L ", " N "}\0",
	 sizeof("{" L ", " N "}\0") - 1, MALFORMED, NULL, NULL, NULL,
	 "trailing"},
	{"raw tab in a string", "{\"OptOutListName\": \"mark\tet\", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "control"},
	{"raw newline in a string", "{\"RequestId\": \"a\nb\", " L ", " N "}",
	 0, MALFORMED, NULL, NULL, NULL, "control"},
	{"leading zero", "{\"x\": 01, " L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "','"},
	{"plus sign", "{\"x\": +1, " L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "unexpected"},
	{"bare fraction", "{\"x\": .5, " L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "unexpected"},
	{"dot without digits", "{\"x\": 1., " L ", " N "}", 0, MALFORMED, NULL,
	 NULL, NULL, "number"},
	{"exponent without digits", "{\"x\": 1e, " L ", " N "}", 0, MALFORMED,
	 NULL, NULL, NULL, "number"},
	{"minus alone", "{\"x\": -, " L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "number"},
	{"NaN", "{\"x\": NaN, " L ", " N "}", 0, MALFORMED, NULL, NULL, NULL,
	 "unexpected"},
	{"bad literal", "{\"x\": tru, " L ", " N "}", 0, MALFORMED, NULL, NULL,
	 NULL, "unexpected"},
	{"invalid escape", "{\"RequestId\": \"\\x41\", " L ", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "escape"},
	{"short \\u escape", "{\"RequestId\": \"\\u12\", " L ", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "escape"},
	{"lone high surrogate", "{\"RequestId\": \"\\ud800\", " L ", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "surrogate"},
	{"lone low surrogate", "{\"RequestId\": \"\\udc00x\", " L ", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "surrogate"},
	{"reversed surrogates",
	 "{\"RequestId\": \"\\ude00\\ud83d\", " L ", " N "}", 0, MALFORMED,
	 NULL, NULL, NULL, "surrogate"},
	{"UTF-8 stray continuation", "{\"RequestId\": \"\x80\", " L ", " N "}",
	 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 overlong 2-byte '/'", "{\"RequestId\": \"\xc0\xaf\", " L ", " N
	 "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 overlong 3-byte", "{\"RequestId\": \"\xe0\x80\xaf\", " L ", " N
	 "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 overlong 4-byte", "{\"RequestId\": \"\xf0\x80\x80\xaf\", " L
	 ", " N "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 surrogate D800", "{\"RequestId\": \"\xed\xa0\x80\", " L ", " N
	 "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 above U+10FFFF", "{\"RequestId\": \"\xf4\x90\x80\x80\", " L
	 ", " N "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 truncated sequence", "{\"RequestId\": \"\xe2\x82\", " L ", " N
	 "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 byte FF", "{\"RequestId\": \"\xff\", " L ", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 5-byte form", "{\"RequestId\": \"\xf8\x88\x80\x80\x80\", " L
	 ", " N "}", 0, MALFORMED, NULL, NULL, NULL, "UTF-8"},
	{"UTF-8 Latin-1 in a name", "{\"Caf\xe9\": 1, " L ", " N "}", 0,
	 MALFORMED, NULL, NULL, NULL, "UTF-8"},

	/* invalid: OptOutListName */
	{"list missing", "{" N "}", 0, INVALID, NULL, NUM, NULL,
	 "OptOutListName: required"},
	{"both missing", "{}", 0, INVALID, NULL, NULL, NULL, "OptOutListName"},
	{"list null", "{\"OptOutListName\": null, " N "}", 0, INVALID, NULL,
	 NUM, NULL, "OptOutListName: must be a string, got null"},
	{"list number", "{\"OptOutListName\": 12, " N "}", 0, INVALID, NULL,
	 NUM, NULL, "OptOutListName: must be a string, got a number"},
	{"list bool", "{\"OptOutListName\": true, " N "}", 0, INVALID, NULL,
	 NUM, NULL, "OptOutListName: must be a string, got a boolean"},
	{"list object", "{\"OptOutListName\": {}, " N "}", 0, INVALID, NULL,
	 NUM, NULL, "OptOutListName: must be a string, got an object"},
	{"list array", "{\"OptOutListName\": [\"marketing\"], " N "}", 0,
	 INVALID, NULL, NUM, NULL,
	 "OptOutListName: must be a string, got an array"},
	{"list empty", "{\"OptOutListName\": \"\", " N "}", 0, INVALID, NULL,
	 NUM, NULL,
	 "OptOutListName: must be 1-256 characters of [A-Za-z0-9_:/-]"},
	{"list space", "{\"OptOutListName\": \"mark eting\", " N "}", 0,
	 INVALID, NULL, NUM, NULL, "OptOutListName: must be 1-256"},
	{"list dot", "{\"OptOutListName\": \"mark.eting\", " N "}", 0, INVALID,
	 NULL, NUM, NULL, "OptOutListName: must be 1-256"},
	{"list non-ASCII", "{\"OptOutListName\": \"m\xc3\xa4rketing\", " N "}",
	 0, INVALID, NULL, NUM, NULL, "OptOutListName: must be 1-256"},
	{"list twice", "{" L ", " N ", " L "}", 0, INVALID, NULL, NUM, NULL,
	 "OptOutListName: given more than once"},
	{"list twice, different values",
	 "{\"OptOutListName\": \"a\", " N ", \"OptOutListName\": \"b\"}", 0,
	 INVALID, NULL, NUM, NULL, "OptOutListName: given more than once"},
	{"list with \\u0000", "{\"OptOutListName\": \"mark\\u0000eting\", " N
	 "}", 0, INVALID, NULL, NUM, NULL, "OptOutListName: must not contain"},

	/* invalid: OptedOutNumber */
	{"number missing", "{" L "}", 0, INVALID, LIST, NULL, NULL,
	 "OptedOutNumber: required"},
	{"number null", "{" L ", \"OptedOutNumber\": null}", 0, INVALID, LIST,
	 NULL, NULL, "OptedOutNumber: must be a string, got null"},
	{"number as JSON number", "{" L ", \"OptedOutNumber\": 14155550100}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must be a string, got a "
	 "number"},
	{"number bool", "{" L ", \"OptedOutNumber\": false}", 0, INVALID, LIST,
	 NULL, NULL, "OptedOutNumber: must be a string, got a boolean"},
	{"number object", "{" L ", \"OptedOutNumber\": {\"n\": \"+1\"}}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must be a string, got an "
	 "object"},
	{"number array", "{" L ", \"OptedOutNumber\": [\"+14155550100\"]}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must be a string, got an "
	 "array"},
	{"number +0...", "{" L ", \"OptedOutNumber\": \"+04155550100\"}", 0,
	 INVALID, LIST, NULL, NULL,
	 "OptedOutNumber: must match \\+?[1-9][0-9]{1,18}"},
	{"number 0...", "{" L ", \"OptedOutNumber\": \"04155550100\"}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number +1 too short", "{" L ", \"OptedOutNumber\": \"+1\"}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number 1 too short", "{" L ", \"OptedOutNumber\": \"1\"}", 0, INVALID,
	 LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number empty", "{" L ", \"OptedOutNumber\": \"\"}", 0, INVALID, LIST,
	 NULL, NULL, "OptedOutNumber: must match"},
	{"number plus alone", "{" L ", \"OptedOutNumber\": \"+\"}", 0, INVALID,
	 LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number double plus", "{" L ", \"OptedOutNumber\": \"++14155550100\"}",
	 0, INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number 20 digits",
	 "{" L ", \"OptedOutNumber\": \"+12345678901234567890\"}", 0, INVALID,
	 LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number 20 digits no plus",
	 "{" L ", \"OptedOutNumber\": \"12345678901234567890\"}", 0, INVALID,
	 LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number letters", "{" L ", \"OptedOutNumber\": \"+1415555010a\"}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number spaces", "{" L ", \"OptedOutNumber\": \"+1 415 555 0100\"}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number leading space",
	 "{" L ", \"OptedOutNumber\": \" +14155550100\"}", 0, INVALID, LIST,
	 NULL, NULL, "OptedOutNumber: must match"},
	{"number trailing newline",
	 "{" L ", \"OptedOutNumber\": \"+14155550100\\n\"}", 0, INVALID, LIST,
	 NULL, NULL, "OptedOutNumber: must match"},
	{"number minus", "{" L ", \"OptedOutNumber\": \"-14155550100\"}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number dashes", "{" L ", \"OptedOutNumber\": \"+1-415-555-0100\"}", 0,
	 INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number fullwidth digits",
	 "{" L ", \"OptedOutNumber\": "
	 "\"+\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\"}",
	 0, INVALID, LIST, NULL, NULL, "OptedOutNumber: must match"},
	{"number twice", "{" N ", " L ", " N "}", 0, INVALID, LIST, NULL, NULL,
	 "OptedOutNumber: given more than once"},
	{"number with \\u0000",
	 "{" L ", \"OptedOutNumber\": \"+1415555\\u00000100\"}", 0, INVALID,
	 LIST, NULL, NULL, "OptedOutNumber: must not contain"},

	/* invalid: RequestId (kept when it is itself valid) */
	{"RequestId kept when number missing",
	 "{\"RequestId\": \"r-1\", " L "}", 0, INVALID, LIST, NULL, "r-1",
	 "OptedOutNumber"},
	{"RequestId kept when list bad",
	 "{\"RequestId\": \"r-2\", \"OptOutListName\": \"a b\", " N "}", 0,
	 INVALID, NULL, NUM, "r-2", "OptOutListName"},
	{"RequestId kept on a duplicate list",
	 "{\"RequestId\": \"r-3\", " L ", " L ", " N "}", 0, INVALID, NULL, NUM,
	 "r-3", "OptOutListName"},
	{"RequestId kept with unknown member NUL",
	 "{\"RequestId\": \"r-4\", \"x\": \"a\\u0000\", " L ", " N "}", 0,
	 INVALID, LIST, NUM, "r-4", "\\u0000"},
	{"RequestId number", "{\"RequestId\": 7, " L ", " N "}", 0, INVALID,
	 LIST, NUM, NULL, "RequestId: must be a string or null, got a number"},
	{"RequestId bool", "{\"RequestId\": true, " L ", " N "}", 0, INVALID,
	 LIST, NUM, NULL, "RequestId: must be a string or null, got a boolean"},
	{"RequestId object", "{\"RequestId\": {}, " L ", " N "}", 0, INVALID,
	 LIST, NUM, NULL, "RequestId: must be a string or null, got an object"},
	{"RequestId array", "{\"RequestId\": [\"a\"], " L ", " N "}", 0,
	 INVALID, LIST, NUM, NULL,
	 "RequestId: must be a string or null, got an array"},
	{"RequestId twice",
	 "{\"RequestId\": \"a\", " L ", " N ", \"RequestId\": \"a\"}", 0,
	 INVALID, LIST, NUM, NULL, "RequestId: given more than once"},
	{"RequestId twice, one null",
	 "{\"RequestId\": null, " L ", " N ", \"RequestId\": \"a\"}", 0,
	 INVALID, LIST, NUM, NULL, "RequestId: given more than once"},
	{"RequestId with \\u0000 not kept",
	 "{\"RequestId\": \"abc\\u0000def\", " L ", " N "}", 0, INVALID, LIST,
	 NUM, NULL, "RequestId: must not contain \\u0000"},
	{"RequestId only \\u0000", "{\"RequestId\": \"\\u0000\", " L ", " N "}",
	 0, INVALID, LIST, NUM, NULL, "RequestId: must not contain"},

	/* NUL in member names: cJSON would read a truncated name */
	{"name with \\u0000 does not alias a member",
	 "{" L ", \"OptedOutNumber\\u0000x\": \"+14155550100\"}", 0, INVALID,
	 LIST, NULL, NULL, "OptedOutNumber: required"},
	{"name with \\u0000 next to valid members",
	 "{" L ", " N ", \"OptOutListName\\u0000\": \"x\"}", 0, INVALID, LIST,
	 NUM, NULL, "\\u0000"},
	{"nested \\u0000 in an unknown member",
	 "{" L ", " N ", \"x\": [{\"y\": \"\\u0000\"}]}", 0, INVALID, LIST, NUM,
	 NULL, "\\u0000"},
	{"escaped NUL pattern after escaped backslash",
	 "{\"RequestId\": \"\\\\\\u0000\", " L ", " N "}", 0, INVALID, LIST,
	 NUM, NULL, "RequestId: must not contain"},
};

static void check(const char *name, const void *buf, size_t len,
		  size_t max_bytes, const struct req_case *c)
{
	struct request req;
	int ret;

	ret = request_parse(&req, buf, len, max_bytes);
	is_int(ret, c->code ? -EINVAL : 0, "%s: return", name);
	is_str(req.error_code, c->code, "%s: error code", name);
	is_str(req.list, c->list, "%s: list", name);
	is_str(req.number, c->number, "%s: number", name);
	is_str(req.request_id, c->id, "%s: RequestId", name);
	if (c->word)
		ok(strstr(req.error_message, c->word) != NULL,
		   "%s: message \"%s\" contains \"%s\"", name,
		   req.error_message, c->word);
	else
		is_str(req.error_message, "", "%s: no message", name);
	request_done(&req);
	ok(req.list == NULL && req.number == NULL && req.request_id == NULL &&
		   req.error_code == NULL,
	   "%s: request_done clears", name);
}

static void test_table(void)
{
	const struct req_case *c;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = c->len ? c->len : strlen(c->in);
		check(c->name, c->in, len, 65536, c);
	}
}

/* Appends @n copies of @unit to @buf at @at. */
static size_t repeat(char *buf, size_t at, const char *unit, size_t n)
{
	size_t u = strlen(unit), i;

	for (i = 0; i < n; i++, at += u)
		memcpy(buf + at, unit, u);
	buf[at] = '\0';
	return at;
}

/* A record with the given list name and RequestId text repeated. */
static size_t build(char *buf, size_t size, const char *list_unit,
		    size_t list_n, const char *id_unit, size_t id_n)
{
	size_t at;

	(void)size;
	at = repeat(buf, 0, "{\"RequestId\": \"", 1);
	at = repeat(buf, at, id_unit, id_n);
	at = repeat(buf, at, "\", \"OptOutListName\": \"", 1);
	at = repeat(buf, at, list_unit, list_n);
	at = repeat(buf, at, "\", " N "}", 1);
	return at;
}

static void test_limits(void)
{
	static char buf[8192], list[1024], id[2048];
	struct req_case c;
	size_t len;

	memset(&c, 0, sizeof(c));

	/* list name length */
	len = build(buf, sizeof(buf), "a", 256, "r", 1);
	repeat(list, 0, "a", 256);
	c = (struct req_case){"list 256 chars", buf, 0, NULL, list, NUM, "r",
			      NULL};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "a", 257, "r", 1);
	c = (struct req_case){"list 257 chars", buf, 0, INVALID, NULL, NUM,
			      "r", "OptOutListName: must be 1-256"};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "a:", 128, "r", 1);
	repeat(list, 0, "a:", 128);
	c = (struct req_case){"list 256 chars with colons", buf, 0, NULL, list,
			      NUM, "r", NULL};
	check(c.name, buf, len, 65536, &c);

	/* RequestId length counts characters, not bytes */
	len = build(buf, sizeof(buf), "m", 1, "x", 256);
	repeat(id, 0, "x", 256);
	c = (struct req_case){"RequestId 256 chars", buf, 0, NULL, "m", NUM,
			      id, NULL};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "m", 1, "x", 257);
	c = (struct req_case){"RequestId 257 chars", buf, 0, INVALID, "m", NUM,
			      NULL, "RequestId: must be at most 256"};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "m", 1, "\xc3\xa9", 256);
	repeat(id, 0, "\xc3\xa9", 256);
	c = (struct req_case){"RequestId 256 two-byte chars", buf, 0, NULL, "m",
			      NUM, id, NULL};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "m", 1, "\xf0\x9f\x98\x80", 256);
	repeat(id, 0, "\xf0\x9f\x98\x80", 256);
	c = (struct req_case){"RequestId 256 four-byte chars", buf, 0, NULL,
			      "m", NUM, id, NULL};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "m", 1, "\xc3\xa9", 257);
	c = (struct req_case){"RequestId 257 two-byte chars", buf, 0, INVALID,
			      "m", NUM, NULL, "RequestId: must be at most"};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "m", 1, "\\u00e9", 256);
	repeat(id, 0, "\xc3\xa9", 256);
	c = (struct req_case){"RequestId 256 escaped chars", buf, 0, NULL, "m",
			      NUM, id, NULL};
	check(c.name, buf, len, 65536, &c);
	len = build(buf, sizeof(buf), "m", 1, "\\ud83d\\ude00", 257);
	c = (struct req_case){"RequestId 257 escaped pairs", buf, 0, INVALID,
			      "m", NUM, NULL, "RequestId: must be at most"};
	check(c.name, buf, len, 65536, &c);

	/* max_bytes: checked before anything else */
	len = build(buf, sizeof(buf), "m", 1, "r", 1);
	c = (struct req_case){"record exactly max_bytes", buf, 0, NULL, "m",
			      NUM, "r", NULL};
	check(c.name, buf, len, len, &c);
	c = (struct req_case){"record one byte over max_bytes", buf, 0,
			      TOO_LARGE, NULL, NULL, NULL,
			      "requests.max_bytes"};
	check(c.name, buf, len, len - 1, &c);
	c = (struct req_case){"garbage over max_bytes is too large", "\xff\xff",
			      0, TOO_LARGE, NULL, NULL, NULL, "larger"};
	check(c.name, "\xff\xff", 2, 1, &c);
	c = (struct req_case){"empty record with NULL buffer", NULL, 0,
			      MALFORMED, NULL, NULL, NULL, "empty"};
	check(c.name, NULL, 0, 65536, &c);
}

static void test_nesting(void)
{
	static char buf[512];
	struct req_case c;
	size_t at, len;

	/* the object itself is level 1; 31 arrays inside make 32 */
	at = repeat(buf, 0, "{" L ", " N ", \"x\": ", 1);
	at = repeat(buf, at, "[", 31);
	at = repeat(buf, at, "]", 31);
	len = repeat(buf, at, "}", 1);
	c = (struct req_case){"nesting 32 levels", buf, 0, NULL, LIST, NUM,
			      NULL, NULL};
	check(c.name, buf, len, 65536, &c);

	at = repeat(buf, 0, "{" L ", " N ", \"x\": ", 1);
	at = repeat(buf, at, "[", 32);
	at = repeat(buf, at, "]", 32);
	len = repeat(buf, at, "}", 1);
	c = (struct req_case){"nesting 33 levels", buf, 0, MALFORMED, NULL,
			      NULL, NULL, "deeply"};
	check(c.name, buf, len, 65536, &c);

	len = repeat(buf, 0, "[", 400);
	c = (struct req_case){"400 open brackets", buf, 0, MALFORMED, NULL,
			      NULL, NULL, "deeply"};
	check(c.name, buf, len, 65536, &c);
}

struct rule_case {
	const char *s;
	int valid;
};

static void test_rules(void)
{
	static const struct rule_case lists[] = {
		{"a", 1},  {"marketing", 1}, {ARN, 1},   {"A_b-c:d/e", 1},
		{"", 0},   {"a b", 0},       {"a.b", 0}, {"a\tb", 0},
		{"a+b", 0}, {"\xc3\xa4", 0}, {"a\"b", 0}, {"a\\b", 0},
	};
	static const struct rule_case numbers[] = {
		{"+14155550100", 1},
		{"14155550100", 1},
		{"12", 1},
		{"+12", 1},
		{"+1234567890123456789", 1},
		{"1234567890123456789", 1},
		{"+12345678901234567890", 0},
		{"", 0},
		{"+", 0},
		{"+1", 0},
		{"1", 0},
		{"+0123", 0},
		{"0123", 0},
		{"++123", 0},
		{"+12a", 0},
		{"12 ", 0},
		{" 12", 0},
		{"-12", 0},
		{"1+2", 0},
	};
	char big[REQUEST_LIST_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		is_int(request_valid_list(lists[i].s), lists[i].valid,
		       "request_valid_list(\"%s\")", lists[i].s);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		is_int(request_valid_number(numbers[i].s), numbers[i].valid,
		       "request_valid_number(\"%s\")", numbers[i].s);
	repeat(big, 0, "z", REQUEST_LIST_MAX);
	is_int(request_valid_list(big), 1, "request_valid_list: 256 chars");
	repeat(big, 0, "z", REQUEST_LIST_MAX + 1);
	is_int(request_valid_list(big), 0, "request_valid_list: 257 chars");
}

static void test_done(void)
{
	struct request req;

	memset(&req, 0, sizeof(req));
	request_done(&req);
	request_done(NULL);
	ok(1, "request_done accepts a zeroed request and NULL");
}

/* One order key per phone, whatever the list: "+1..." and "1..." name one
 * phone. */
static void test_order_key(void)
{
	static const struct {
		const char *a, *b;
		bool same;
	} rows[] = {
		{"{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"+14155550100\"}",
		 "{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"14155550100\"}",
		 true},
		{"{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"+14155550100\"}",
		 "{\"OptOutListName\":\"m\",\"OptedOutNumber\":\"+14155550100\"}",
		 true},
		{"{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"+14155550100\"}",
		 "{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"+14155550101\"}",
		 false},
		{"{\"OptOutListName\":\"l1\",\"OptedOutNumber\":\"+2345678901\"}",
		 "{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"+12345678901\"}",
		 false},
		{"{\"OptOutListName\":\"arn:aws:sms-voice:us-east-1:123456789012:"
		 "opt-out-list/l\",\"OptedOutNumber\":\"14155550100\"}",
		 "{\"OptOutListName\":\"l\",\"OptedOutNumber\":\"+14155550100\"}",
		 true},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct request a, b;
		char *ka = NULL, *kb = NULL;

		if (request_parse(&a, rows[i].a, strlen(rows[i].a), 4096) == 0)
			ka = request_order_key(&a);
		if (request_parse(&b, rows[i].b, strlen(rows[i].b), 4096) == 0)
			kb = request_order_key(&b);
		ok(ka && kb && (strcmp(ka, kb) == 0) == rows[i].same,
		   "order key %zu: %s", i, rows[i].same ? "same" : "different");
		free(ka);
		free(kb);
		request_done(&a);
		request_done(&b);
	}
}

/* "*" (erase everywhere) is accepted exactly: nothing else with a '*'. */
static void test_everywhere(void)
{
	static const struct {
		const char *text;
		int ret;
		bool everywhere;
	} rows[] = {
		{"{\"OptOutListName\":\"*\",\"OptedOutNumber\":\"+14155550100\"}",
		 0, true},
		{"{\"OptOutListName\":\"marketing\",\"OptedOutNumber\":"
		 "\"+14155550100\"}", 0, false},
		{"{\"OptOutListName\":\"**\",\"OptedOutNumber\":\"+14155550100\"}",
		 -EINVAL, false},
		{"{\"OptOutListName\":\"a*\",\"OptedOutNumber\":\"+14155550100\"}",
		 -EINVAL, false},
		{"{\"OptOutListName\":\" *\",\"OptedOutNumber\":\"+14155550100\"}",
		 -EINVAL, false},
		{"{\"OptedOutNumber\":\"+14155550100\"}", -EINVAL, false},
		{"{\"OptOutListName\":\"*\",\"OptedOutNumber\":\"0\"}", -EINVAL,
		 false},
	};
	struct request req;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&req, 0, sizeof(req));
		is_int(request_parse(&req, rows[i].text, strlen(rows[i].text),
				     4096),
		       rows[i].ret, "everywhere %zu: parsed", i);
		ok(request_everywhere(&req) == rows[i].everywhere,
		   "everywhere %zu: %s", i,
		   rows[i].everywhere ? "erase everywhere" : "not everywhere");
		request_done(&req);
	}
	ok(!request_valid_list("*"), "\"*\" is not a list name");
}

int main(void)
{
	test_everywhere();
	test_order_key();
	test_table();
	test_limits();
	test_nesting();
	test_rules();
	test_done();
	return tap_done();
}
