/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_buf.c - the shared buffer: appends and NUL termination, the cap and
 * the sticky first error, take/free ownership, and wiping of a secret.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "tap.h"

int main(void)
{
	struct buf b;
	char *s, big[5000];
	size_t i;

	buf_init(&b, 0, 0);
	is_str(buf_str(&b), "", "empty reads as \"\"");
	is_int(buf_puts(&b, "abc"), 0, "puts");
	is_int(buf_putc(&b, '-'), 0, "putc");
	is_int(buf_printf(&b, "%d/%s", 42, "x"), 0, "printf");
	is_str(buf_str(&b), "abc-42/x", "contents");
	is_int(b.len, 8, "length");
	buf_truncate(&b, 3);
	is_str(buf_str(&b), "abc", "truncated");
	buf_truncate(&b, 10);
	is_str(buf_str(&b), "abc", "truncating longer is a no-op");
	memset(big, 'z', sizeof(big));
	is_int(buf_put(&b, big, sizeof(big)), 0, "grows past 4 KiB");
	is_int(b.len, 5003, "all bytes kept");
	ok(b.p[b.len] == '\0', "NUL-terminated after growth");
	is_int(buf_printf(&b, "%.*s", 600, big), 0, "long printf");
	is_int(b.len, 5603, "long printf appended whole");
	s = buf_take(&b);
	ok(s && strncmp(s, "abczzz", 6) == 0, "take hands the bytes over");
	ok(b.p == NULL && b.len == 0, "taken buffer is empty");
	free(s);
	s = buf_take(&b);
	is_str(s, "", "take of an empty buffer is \"\"");
	free(s);

	/* The cap: the put that would pass it fails whole and sticks. */
	buf_init(&b, 10, 0);
	is_int(buf_puts(&b, "0123456789"), 0, "exactly the cap fits");
	is_int(buf_putc(&b, 'x'), -E2BIG, "one more byte is E2BIG");
	is_int(buf_puts(&b, ""), -E2BIG, "the error sticks");
	is_int(buf_err(&b), -E2BIG, "buf_err reports it");
	is_str(buf_str(&b), "0123456789", "nothing of the failed put kept");
	ok(buf_take(&b) == NULL, "take after an error is NULL");
	ok(b.p == NULL && buf_err(&b) == 0, "and frees, clearing the error");
	is_int(buf_printf(&b, "%s", "01234567890"), -E2BIG,
	       "printf honours the cap");
	buf_free(&b);
	is_int(buf_puts(&b, "ok"), 0, "usable again after free");
	buf_free(&b);
	buf_free(NULL);

	/* Reserve: one allocation, then puts up to it do not move the bytes. */
	buf_init(&b, 100, 0);
	is_int(buf_reserve(&b, 80), 0, "reserve within the cap");
	ok(b.p && b.cap >= 81 && b.len == 0, "room for 80 and the NUL");
	s = b.p;
	for (i = 0; i < 80; i++)
		buf_putc(&b, 'r');
	ok(b.p == s && b.len == 80, "80 bytes put without growing");
	is_int(buf_reserve(&b, 101), -E2BIG, "reserve past the cap: E2BIG");
	is_int(buf_putc(&b, 'x'), -E2BIG, "and the error sticks");
	buf_free(&b);
	buf_init(&b, 0, BUF_SECRET);
	buf_puts(&b, "secret");
	is_int(buf_reserve(&b, 4096), 0, "a secret buffer reserves too");
	is_str(buf_str(&b), "secret", "its contents kept");
	buf_free(&b);

	/* A secret buffer grows without realloc and wipes what it drops. */
	buf_init(&b, 0, BUF_SECRET);
	for (i = 0; i < 100; i++)
		buf_puts(&b, "secret-");
	is_int(b.len, 700, "secret buffer grew");
	ok(strncmp(buf_str(&b), "secret-secret-", 14) == 0,
	   "secret contents kept across growth");
	buf_truncate(&b, 6);
	ok(memchr(b.p + 7, 's', b.cap - 7) == NULL,
	   "truncation wiped the dropped bytes");
	is_str(buf_str(&b), "secret", "secret truncated");
	buf_free(&b);

	/* Reading a descriptor to its end, and past the cap. */
	{
		int fds[2];
		char chunk[10000];

		memset(chunk, 'r', sizeof(chunk));
		ok(pipe(fds) == 0, "pipe");
		ok(write(fds[1], chunk, sizeof(chunk)) == sizeof(chunk),
		   "10000 bytes written");
		close(fds[1]);
		buf_init(&b, 0, 0);
		is_int(buf_read_all(&b, fds[0]), 0, "read to EOF");
		is_int(b.len, 10000, "every byte read");
		ok(b.p[b.len] == '\0', "NUL-terminated after reads");
		close(fds[0]);
		buf_free(&b);

		ok(pipe(fds) == 0, "pipe");
		ok(write(fds[1], chunk, 100) == 100, "100 bytes written");
		close(fds[1]);
		buf_init(&b, 100, 0);
		is_int(buf_read_all(&b, fds[0]), 0, "exactly the cap is fine");
		is_int(b.len, 100, "100 read");
		close(fds[0]);
		buf_free(&b);

		ok(pipe(fds) == 0, "pipe");
		ok(write(fds[1], chunk, 101) == 101, "101 bytes written");
		close(fds[1]);
		buf_init(&b, 100, BUF_SECRET);
		is_int(buf_read_all(&b, fds[0]), -E2BIG, "one past the cap");
		is_int(buf_err(&b), -E2BIG, "sticks");
		close(fds[0]);
		buf_free(&b);
	}
	return tap_done();
}
