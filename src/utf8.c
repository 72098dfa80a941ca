/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.c - the one UTF-8 decoder (utf8.h).
 *
 * Table-free: the lead byte gives the length, and the only second bytes
 * with a narrower range than 0x80..0xbf are those that would make an
 * overlong form (after 0xe0, 0xf0), a surrogate (after 0xed) or a code
 * point over U+10FFFF (after 0xf4); every later byte is a plain
 * continuation byte.  Called by request.c and api.c on any thread.
 *
 * Pure: no I/O, no threads, no logging.
 */
#include "utf8.h"

#include <errno.h>

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0; /* continuation byte, overlong lead, or too large */
	if (c < 0xe0) {
		need = 2;
	} else if (c < 0xf0) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else {
		need = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* over U+10FFFF */
	}
	if (n < need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

unsigned long utf8_decode(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t i;

	if (n == 1)
		return s[0];
	cp = s[0] & (0xffu >> (n + 1));
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3fu);
	return cp;
}

int utf8_check(const unsigned char *s, size_t len, size_t *ret_at)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len(s + i, len - i);
		if (n == 0) {
			if (ret_at)
				*ret_at = i;
			return -EILSEQ;
		}
		i += n;
	}
	return 0;
}

size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}
