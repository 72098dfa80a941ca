/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.h - the one UTF-8 decoder: well-formedness (RFC 3629), code points
 * and character counts.
 *
 * request.c checks a whole record with it, api.c escapes the call's body
 * and cuts excerpts of answers at sequence boundaries with it.  "Well
 * formed" is the strict reading: no overlong forms, no surrogates, nothing
 * over U+10FFFF, no stray continuation bytes, no truncated sequence.
 *
 * Pure: no I/O, no state; any thread.
 */
#ifndef OPTOUT_UTF8_H
#define OPTOUT_UTF8_H

#include <stddef.h>

/* Length (1 to 4) of the well-formed sequence at @s, of which @n > 0
 * bytes are available; 0 when it is not well formed. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Code point of the well-formed sequence of @n bytes at @s (a length
 * utf8_seq_len() returned). */
unsigned long utf8_decode(const unsigned char *s, size_t n);

/* 0 when all @len bytes at @s are well formed, else -EILSEQ, with the
 * offset of the first bad sequence in *ret_at when @ret_at is not NULL. */
int utf8_check(const unsigned char *s, size_t len, size_t *ret_at);

/* Characters (code points) in the NUL-terminated well-formed @s. */
size_t utf8_chars(const char *s);

#endif
