/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h - what the fuzz targets in tests/fuzz/ share: failing a check
 * (abort(), which libFuzzer and replay.c both report as a finding) and
 * independent checks of texts (UTF-8, printable ASCII) written here from
 * the standards, not taken from the code under test.
 *
 * @locality the target's one thread.
 */
#ifndef OPTOUT_FUZZ_H
#define OPTOUT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports the broken property @what of target @target and aborts. */
__attribute__((noreturn)) static inline void fuzz_fail(const char *target,
						 const char *what)
{
	fprintf(stderr, "%s: property broken: %s\n", target, what);
	abort();
}

/* 1 when @s (@len bytes) is valid UTF-8 by RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF. */
static inline int fuzz_utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned long cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		else
			return 0;
		if (len - i < n)
			return 0;
		cp = s[i] & (0xff >> (n + 1));
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n;
	}
	return 1;
}

/* 1 when NUL-terminated @s is printable ASCII (space allowed or not). */
static inline int fuzz_printable(const char *s, int space_ok)
{
	for (; *s; s++)
		if ((unsigned char)*s < (space_ok ? 0x20 : 0x21) ||
		    (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* A scratch file for targets that read a file or write one (the input is
 * rewritten into it on every run): in /dev/shm when there is one, as a
 * file system on a disk makes each ftruncate() wait for it.  Its name goes
 * to @path (at least 64 bytes).  Returns the descriptor, or aborts. */
static inline int fuzz_scratch(const char *target, char *path)
{
	int fd;

	snprintf(path, 64, "%s/%s.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", target);
	fd = mkstemp(path);
	if (fd < 0)
		fuzz_fail(target, "no scratch file");
	return fd;
}

/* A NUL-terminated copy of @data (@size bytes), or abort. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		fuzz_fail("fuzz", "out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
