/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_logscrub.c - hostile text through logscrub(): C0, C1, bidi and
 * line-separator characters and bad UTF-8 escaped, E.164 numbers masked
 * at any length, ordinary log content (offsets, ports, times, account
 * ids) untouched, and output cut only between whole escapes; bare digit
 * runs masked by logscrub_digits().
 */
#include <string.h>

#include "logscrub.h"
#include "tap.h"

static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
} rows[] = {
	{"plain text, offset 1234567 port 8443", 0,
	 "plain text, offset 1234567 port 8443"},
	{"two\nlines\r\n", 0, "two\\x0alines\\x0d\\x0a"},
	{"tab\there, esc\x1b[31m, del\x7f", 0,
	 "tab\\x09here, esc\\x1b[31m, del\\x7f"},
	{"nul\0inside", 10, "nul\\x00inside"},
	{"rlo \xe2\x80\xae gnp.exe", 0, "rlo \\u202e gnp.exe"},
	{"lrm\xe2\x80\x8e rlm\xe2\x80\x8f alm\xd8\x9c", 0,
	 "lrm\\u200e rlm\\u200f alm\\u061c"},
	{"lre\xe2\x80\xaa pdf\xe2\x80\xac lri\xe2\x81\xa6 pdi\xe2\x81\xa9", 0,
	 "lre\\u202a pdf\\u202c lri\\u2066 pdi\\u2069"},
	{"ls\xe2\x80\xa8ps\xe2\x80\xa9", 0, "ls\\u2028ps\\u2029"},
	{"c1 nel\xc2\x85 csi\xc2\x9b", 0, "c1 nel\\u0085 csi\\u009b"},
	{"bad \xff\xfe utf8 \xc3", 0, "bad \\xff\\xfe utf8 \\xc3"},
	{"overlong \xc0\xaf", 0, "overlong \\xc0\\xaf"},
	{"fine: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\x8b", 0,
	 "fine: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\x8b"},
	{"number +14155550100 is opted out", 0,
	 "number +1******0100 is opted out"},
	{"+447700900123,+12,+123456", 0, "+4*******0123,+12,+1****6"},
	{"+1234567890123456789012345678901234567890", 0,
	 "+1***********************************7890"},
	{"x+14155550100y", 0, "x+1******0100y"},
	{"arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/x", 0,
	 "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/x"},
	{"at 2026-12-05T11:53:11Z, 1733400000000 ms, 10.0.0.1:9092", 0,
	 "at 2026-12-05T11:53:11Z, 1733400000000 ms, 10.0.0.1:9092"},
	{"back\\slash stays", 0, "back\\slash stays"},
	{"", 0, ""},
};

static void test_rows(void)
{
	char out[256];
	size_t i, len, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		len = rows[i].len ? rows[i].len : strlen(rows[i].in);
		n = logscrub(rows[i].in, len, out, sizeof(out));
		is_str(out, rows[i].want, "row %zu", i);
		is_int((int)n, (int)strlen(rows[i].want), "row %zu length", i);
	}
}

/* Whatever the input, the output is one line of printable text. */
static void test_every_byte(void)
{
	char in[256 * 2], out[256 * 8];
	size_t i, n;
	int bad = 0;

	for (i = 0; i < 256; i++) {
		in[2 * i] = (char)i;
		in[2 * i + 1] = 'a';
	}
	n = logscrub(in, sizeof(in), out, sizeof(out));
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f ||
		    (unsigned char)out[i] >= 0x80)
			bad++;
	is_int(bad, 0, "every byte value: no control or non-ASCII byte left");
	is_int((int)strlen(out), (int)n, "no NUL inside the output");
}

static void test_cut(void)
{
	char out[8];

	is_int((int)logscrub("ab\ncd", 5, out, 6), 2, "an escape that does "
	       "not fit whole is left out");
	is_str(out, "ab", "cut before the escape");
	logscrub("a+14155550100", 13, out, sizeof(out));
	is_str(out, "a", "a masked number that does not fit is left out, "
	       "never shown in part");
	is_int((int)logscrub("abc", 3, out, 1), 0, "size 1: empty");
	is_str(out, "", "size 1: NUL only");
}

static void test_digits(void)
{
	char out[64];

	is_str(logscrub_digits("erase-14155550100-x", out, sizeof(out)),
	       "erase-1******0100-x", "a bare 11-digit run is masked");
	is_str(logscrub_digits("id 123456789 and 4155550100", out,
			       sizeof(out)),
	       "id 123456789 and 4******100", "nine digits stay, ten do not");
	is_str(logscrub_digits("+14155550100", out, sizeof(out)),
	       "+1******0100", "with its +");
	is_str(logscrub_digits("a 123456789012345 b 1234567890123456", out,
			       sizeof(out)),
	       "a 1**********2345 b 1234567890123456",
	       "15 digits masked, 16 are no phone number");
	is_str(logscrub_digits(NULL, out, sizeof(out)), "-", "NULL: -");
	logscrub_digits("x14155550100", out, 6);
	is_str(out, "x****", "a run cut by the buffer is all masked");
}

static void test_list(void)
{
	char out[128];

	is_str(logscrub_list("list-14155550100", out, sizeof(out)),
	       "list-1******0100", "a plain list name: bare run masked");
	is_str(logscrub_list("arn:aws:sms-voice:us-east-1:123456789012:"
			     "opt-out-list/l14155550100", out, sizeof(out)),
	       "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/"
	       "l1******0100", "an ARN: the account id stays, the name is "
			       "masked");
	is_str(logscrub_list("marketing", out, sizeof(out)), "marketing",
	       "an ordinary name unchanged");
	is_str(logscrub_list(NULL, out, sizeof(out)), "-", "NULL: -");
	logscrub_list("arn:aws:x:y:123456789012:opt-out-list/n", out, 8);
	is_str(out, "arn:aws", "cut to the buffer");
}

int main(void)
{
	test_list();
	test_rows();
	test_every_byte();
	test_cut();
	test_digits();
	return tap_done();
}
