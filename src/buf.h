/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h - one growable byte buffer with a cap, for every module that builds
 * or collects bytes: canonical requests, response bodies, metric pages,
 * credential documents, configuration files.
 *
 * The buffer is always NUL-terminated once anything was put in it, so text
 * can be read in place.  The first failure sticks: a put after it does
 * nothing, and buf_err() (or buf_take()) reports it once at the end, so a
 * builder checks errors once instead of after every append (curl's dynbuf
 * idea).  A buffer made with BUF_SECRET wipes every byte it lets go of: on
 * growth (it never realloc()s), on truncation and on free.
 *
 * @locality any thread; a buffer belongs to one thread at a time.
 */
#ifndef OPTOUT_BUF_H
#define OPTOUT_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define BUF_SECRET 0x1 /* wipe whatever is let go of */

struct buf {
	char *p;    /* NULL until the first put */
	size_t len; /* bytes held, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* most bytes it may hold; 0 for SIZE_MAX / 2 */
	int err;    /* first failure: 0, -ENOMEM or -E2BIG */
	unsigned flags;
};

/* An empty buffer that will hold at most @max bytes (0: no cap but
 * memory).  No allocation happens here. */
void buf_init(struct buf *b, size_t max, unsigned flags);

/* Makes room for @n bytes (and the NUL) in one allocation, so a builder
 * that knows its size does not grow the buffer step by step.  Returns 0 or
 * the sticky error (-E2BIG past the cap, -ENOMEM). */
int buf_reserve(struct buf *b, size_t n);

/* Appends @n bytes.  Returns 0, or the buffer's sticky error: -E2BIG when
 * the cap would be passed (nothing of this put is kept), -ENOMEM. */
int buf_put(struct buf *b, const void *s, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One read(2) from @fd into the free space (growing as needed, up to the
 * cap).  Returns the bytes read, 0 at end of file, or a negative errno:
 * -EAGAIN for a non-blocking @fd with nothing to read, -E2BIG (sticky)
 * when the buffer is full at its cap and @fd still has data.  EINTR is
 * retried. */
long buf_read(struct buf *b, int fd);

/* buf_read() until end of file: 0, or the first negative errno. */
int buf_read_all(struct buf *b, int fd);

/* Shortens the contents to @len bytes (no-op when already shorter). */
void buf_truncate(struct buf *b, size_t len);

/* The sticky error, 0 when none. */
int buf_err(const struct buf *b);

/* The contents, NUL-terminated ("" when empty); valid until the next call
 * that changes @b. */
const char *buf_str(const struct buf *b);

/* Hands the NUL-terminated contents over to the caller (free() it, or
 * util_secret_free() for a secret) and leaves @b empty.  NULL when the
 * buffer failed (then it is freed as buf_free() would) or on ENOMEM. */
char *buf_take(struct buf *b);

/* Frees the contents (wiped first for BUF_SECRET) and leaves @b empty and
 * usable, keeping its cap and flags.  NULL is fine. */
void buf_free(struct buf *b);

#endif
