/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.c - the capped, sticky-error, optionally wiping byte buffer of buf.h.
 *
 * Growth doubles the allocation from 64 bytes up to the cap.  A secret
 * buffer grows by malloc, copy and wipe instead of realloc(), because
 * realloc() may leave an unwiped copy behind in freed memory.
 */
#include "buf.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_MIN_ALLOC 64

void buf_init(struct buf *b, size_t max, unsigned flags)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX / 2;
	b->flags = flags;
}

static void wipe_free(struct buf *b, char *p, size_t cap)
{
	if (!p)
		return;
	if (b->flags & BUF_SECRET)
		OPENSSL_cleanse(p, cap);
	free(p);
}

static int grow(struct buf *b, size_t need)
{
	size_t ncap = b->cap ? b->cap : BUF_MIN_ALLOC;
	char *np;

	while (ncap < need)
		ncap = ncap > SIZE_MAX / 4 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if (b->flags & BUF_SECRET) {
		np = malloc(ncap);
		if (np && b->p) {
			memcpy(np, b->p, b->len + 1);
			wipe_free(b, b->p, b->cap);
		}
	} else {
		np = realloc(b->p, ncap);
	}
	if (!np)
		return -ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	if (b->err)
		return b->err;
	if (n > b->max) {
		b->err = -E2BIG;
		return b->err;
	}
	if (n + 1 > b->cap)
		b->err = grow(b, n + 1);
	return b->err;
}

int buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->err)
		return b->err;
	if (n > b->max - b->len) {
		b->err = -E2BIG;
		return b->err;
	}
	if (b->len + n + 1 > b->cap) {
		b->err = grow(b, b->len + n + 1);
		if (b->err)
			return b->err;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	/* The common case without buf_put()'s checks and memcpy(): room
	 * for the byte and the NUL (cap is never above max + 1). */
	if (!b->err && b->len + 2 <= b->cap) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return 0;
	}
	return buf_put(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	char *big = NULL;
	va_list ap;
	int n, ret;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return b->err;
	}
	if ((size_t)n < sizeof(small)) {
		ret = buf_put(b, small, (size_t)n);
		goto out;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		b->err = -ENOMEM;
		ret = b->err;
		goto out;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ret = buf_put(b, big, (size_t)n);
out:
	if (b->flags & BUF_SECRET) {
		OPENSSL_cleanse(small, sizeof(small));
		if (big)
			OPENSSL_cleanse(big, (size_t)n + 1);
	}
	free(big);
	return ret;
}

#define BUF_READ_CHUNK 4096

long buf_read(struct buf *b, int fd)
{
	size_t room;
	ssize_t n;
	char probe;

	if (b->err)
		return b->err;
	if (b->len == b->max) {
		/* Full at the cap: a byte more is an error, EOF is not. */
		do
			n = read(fd, &probe, 1);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		b->err = -E2BIG;
		return b->err;
	}
	if (b->cap < b->len + 1 + BUF_READ_CHUNK && b->cap < b->max + 1) {
		b->err = grow(b, b->len + 1 + BUF_READ_CHUNK);
		if (b->err)
			return b->err;
	}
	room = b->cap - b->len - 1;
	do
		n = read(fd, b->p + b->len, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	b->len += (size_t)n;
	b->p[b->len] = '\0';
	return (long)n;
}

int buf_read_all(struct buf *b, int fd)
{
	long n;

	do
		n = buf_read(b, fd);
	while (n > 0);
	return (int)n;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (!b->p || len >= b->len)
		return;
	if (b->flags & BUF_SECRET)
		OPENSSL_cleanse(b->p + len, b->len - len);
	b->len = len;
	b->p[len] = '\0';
}

int buf_err(const struct buf *b)
{
	return b->err;
}

const char *buf_str(const struct buf *b)
{
	return b->p ? b->p : "";
}

char *buf_take(struct buf *b)
{
	char *s;

	if (!b->err && !b->p)
		buf_put(b, "", 0);
	if (b->err) {
		buf_free(b);
		return NULL;
	}
	s = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	wipe_free(b, b->p, b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}
