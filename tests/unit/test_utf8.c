/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_utf8.c - the one UTF-8 decoder: every boundary of RFC 3629's table
 * of well-formed sequences, one row each, then decoding, whole-string
 * checks with the offset of the first bad byte, and character counts.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

struct seq_row {
	const char *name;
	const char *bytes;
	size_t avail;       /* bytes available; 0: strlen(bytes) */
	size_t want_len;    /* 0: not well formed */
	unsigned long want_cp;
};

static const struct seq_row seq_rows[] = {
	{"ASCII", "A", 0, 1, 0x41},
	{"DEL", "\x7f", 0, 1, 0x7f},
	{"lowest two-byte", "\xc2\x80", 0, 2, 0x80},
	{"highest two-byte", "\xdf\xbf", 0, 2, 0x7ff},
	{"overlong two-byte (c0)", "\xc0\x80", 0, 0, 0},
	{"overlong two-byte (c1)", "\xc1\xbf", 0, 0, 0},
	{"lowest three-byte", "\xe0\xa0\x80", 0, 3, 0x800},
	{"overlong three-byte", "\xe0\x9f\xbf", 0, 0, 0},
	{"last before surrogates", "\xed\x9f\xbf", 0, 3, 0xd7ff},
	{"high surrogate", "\xed\xa0\x80", 0, 0, 0},
	{"low surrogate", "\xed\xbf\xbf", 0, 0, 0},
	{"first after surrogates", "\xee\x80\x80", 0, 3, 0xe000},
	{"replacement character", "\xef\xbf\xbd", 0, 3, 0xfffd},
	{"highest three-byte", "\xef\xbf\xbf", 0, 3, 0xffff},
	{"lowest four-byte", "\xf0\x90\x80\x80", 0, 4, 0x10000},
	{"overlong four-byte", "\xf0\x8f\xbf\xbf", 0, 0, 0},
	{"U+10FFFF", "\xf4\x8f\xbf\xbf", 0, 4, 0x10ffff},
	{"over U+10FFFF", "\xf4\x90\x80\x80", 0, 0, 0},
	{"lead f5", "\xf5\x80\x80\x80", 0, 0, 0},
	{"lead ff", "\xff", 0, 0, 0},
	{"stray continuation", "\x80", 0, 0, 0},
	{"two-byte cut short", "\xc3", 0, 0, 0},
	{"three-byte cut short", "\xe2\x82", 0, 0, 0},
	{"four-byte cut by avail", "\xf0\x9f\x98\x80", 3, 0, 0},
	{"bad third byte", "\xe2\x28\xa1", 0, 0, 0},
	{"bad fourth byte", "\xf0\x9f\x98\x28", 0, 0, 0},
	{"emoji", "\xf0\x9f\x98\x80", 0, 4, 0x1f600},
	{"euro sign, more after", "\xe2\x82\xac" "abc", 0, 3, 0x20ac},
};

struct check_row {
	const char *name;
	const char *bytes;
	int want;
	size_t want_at;
};

static const struct check_row check_rows[] = {
	{"empty", "", 0, 0},
	{"ASCII", "hello", 0, 0},
	{"mixed", "a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80", 0, 0},
	{"bad at start", "\x80" "abc", -EILSEQ, 0},
	{"bad in the middle", "ab\xed\xa0\x80" "cd", -EILSEQ, 2},
	{"cut at the end", "abc\xe2\x82", -EILSEQ, 3},
	{"after a good sequence", "\xc3\xa9\xc0\xaf", -EILSEQ, 2},
};

int main(void)
{
	size_t i, at, avail, n;

	for (i = 0; i < sizeof(seq_rows) / sizeof(seq_rows[0]); i++) {
		const struct seq_row *r = &seq_rows[i];
		const unsigned char *s = (const unsigned char *)r->bytes;

		avail = r->avail ? r->avail : strlen(r->bytes);
		n = utf8_seq_len(s, avail);
		is_int(n, r->want_len, "seq_len: %s", r->name);
		if (r->want_len && n == r->want_len)
			is_int(utf8_decode(s, n), r->want_cp, "decode: %s",
			       r->name);
	}
	for (i = 0; i < sizeof(check_rows) / sizeof(check_rows[0]); i++) {
		const struct check_row *r = &check_rows[i];

		at = 12345;
		is_int(utf8_check((const unsigned char *)r->bytes,
				  strlen(r->bytes), &at),
		       r->want, "check: %s", r->name);
		is_int(at, r->want ? r->want_at : 12345,
		       "check: %s: offset (untouched when good)", r->name);
	}
	is_int(utf8_check((const unsigned char *)"\xff", 1, NULL), -EILSEQ,
	       "check: no offset wanted");
	is_int(utf8_check((const unsigned char *)"a\0b", 3, NULL), 0,
	       "check: a NUL byte is well formed");
	is_int(utf8_chars(""), 0, "chars: empty");
	is_int(utf8_chars("abc"), 3, "chars: ASCII");
	is_int(utf8_chars("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4,
	       "chars: one of each length");
	return tap_done();
}
