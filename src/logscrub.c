/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logscrub.c - escaping and number masking of logged text (the rules are
 * in logscrub.h).
 *
 * One pass over the input: a '+' that starts a run of at least six digits
 * emits the masked run; a byte or sequence that must not reach a log is
 * written as an escape; anything else is copied.  The UTF-8 decoding is
 * utf8.c's, so "well formed" means the same here as for a request.
 * log.c calls logscrub() on every message and structured field, and
 * results.c calls logscrub_digits() on RequestIds and logscrub_list() on
 * list names.  Pure: no I/O, no
 * state, any thread.
 */
#include "logscrub.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define E164_MIN_DIGITS 6

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True for a code point that must be written as \uXXXX. */
static bool cp_escaped(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	       cp == 0x2029;
}

/* Masks the @n digits at @d into @out as log_mask_number() does: the
 * first and the last four stay when fewer than half of all are shown. */
static void mask_run(const char *d, size_t n, char *out)
{
	size_t show = n > 0 ? (n - 1) / 2 : 0, head = 1, tail = 4, i;

	while (head + tail > show && tail > 0)
		tail--;
	if (head + tail > show)
		head = 0;
	for (i = 0; i < n; i++)
		out[i] = i < head || i >= n - tail ? d[i] : '*';
}

/* Appends @n bytes at @s to @out if they fit whole (keeping room for the
 * NUL).  Returns false when they do not. */
static bool put(char *out, size_t size, size_t *o, const char *s, size_t n)
{
	if (n >= size - *o)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	return true;
}

/* Emits the masked '+' run of @n digits at @d; false when full. */
static bool put_masked(char *out, size_t size, size_t *o, const char *d,
		       size_t n)
{
	if (n + 1 >= size - *o)
		return false;
	out[(*o)++] = '+';
	mask_run(d, n, out + *o);
	*o += n;
	return true;
}

size_t logscrub(const char *in, size_t inlen, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, k, j;
	char esc[8];
	bool fits = true;

	if (size == 0)
		return 0;
	while (i < inlen && fits) {
		if (p[i] == '+') {
			for (j = i + 1; j < inlen && is_digit(in[j]); j++)
				;
			if (j - i - 1 >= E164_MIN_DIGITS) {
				fits = put_masked(out, size, &o, in + i + 1,
						  j - i - 1);
				i = j;
				continue;
			}
		}
		k = utf8_seq_len(p + i, inlen - i);
		if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			fits = put(out, size, &o, esc, 4);
			i++;
		} else if (k > 1 && cp_escaped(utf8_decode(p + i, k))) {
			snprintf(esc, sizeof(esc), "\\u%04lx",
				 utf8_decode(p + i, k));
			fits = put(out, size, &o, esc, 6);
			i += k;
		} else {
			fits = put(out, size, &o, in + i, k);
			i += k;
		}
	}
	out[o] = '\0';
	return o;
}

const char *logscrub_digits(const char *in, char *out, size_t size)
{
	size_t i = 0, o = 0, j, n;

	if (size == 0)
		return out;
	if (!in) {
		snprintf(out, size, "-");
		return out;
	}
	while (in[i] && o + 1 < size) {
		if (!is_digit(in[i])) {
			out[o++] = in[i++];
			continue;
		}
		for (j = i; is_digit(in[j]); j++)
			;
		n = j - i;
		if (n > size - 1 - o)
			n = size - 1 - o;
		if (j - i < LOGSCRUB_BARE_MIN || j - i > LOGSCRUB_BARE_MAX)
			memcpy(out + o, in + i, n);
		else if (n == j - i)
			mask_run(in + i, n, out + o);
		else
			memset(out + o, '*', n); /* cut by the buffer */
		o += n;
		i = j;
	}
	out[o] = '\0';
	return out;
}

const char *logscrub_list(const char *list, char *out, size_t size)
{
	const char *slash;
	size_t n;

	if (size == 0)
		return out;
	slash = list && !strncmp(list, "arn:", 4) ? strrchr(list, '/') : NULL;
	if (!slash)
		return logscrub_digits(list, out, size);
	n = (size_t)(slash + 1 - list);
	if (n > size - 1)
		n = size - 1;
	memcpy(out, list, n);
	logscrub_digits(slash + 1, out + n, size - n);
	return out;
}
