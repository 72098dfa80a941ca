/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h - clocks and small helpers shared by every module.
 *
 * Any thread may call these; none of them blocks or logs.
 */
#ifndef OPTOUT_UTIL_H
#define OPTOUT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC): for deadlines and rates. */
int64_t util_mono_ms(void);

/* Wall-clock milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t util_wall_ms(void);

/* malloc'd copy of @len bytes plus a NUL; NULL on ENOMEM. */
char *util_memdup0(const void *buf, size_t len);

/* Frees *@slot and puts a copy of @s there (NULL when @s is NULL).
 * Returns 0 or -ENOMEM (then *@slot is NULL).  Not for secrets. */
int util_strdup_to(char **slot, const char *s);

/* A fast per-thread pseudo-random number (xorshift64*, seeded from the
 * clock and the thread); for jitter only, never for secrets. */
uint64_t util_random(void);

/* vsnprintf into @errbuf (nothing when NULL or empty): the one way
 * modules write a message for a person. */
void util_set_error(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with a va_list, for modules that keep more than the text (the
 * first error's code, say) around the message. */
void util_vset_error(char *errbuf, size_t errlen, const char *fmt,
		     va_list ap) __attribute__((format(printf, 3, 0)));

/* Wipes (OPENSSL_cleanse) and frees a NUL-terminated secret; NULL is
 * fine. */
void util_secret_free(char *s);

#endif
