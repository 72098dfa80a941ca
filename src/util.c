/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c - clocks, byte copies, a per-thread jitter source, the error
 * setter and the secret wiper shared by every module.
 *
 * Pure and thread-safe: the only state is the jitter source's per-thread
 * seed.
 */
#include "util.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t util_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

char *util_memdup0(const void *buf, size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, buf, len);
	p[len] = '\0';
	return p;
}

int util_strdup_to(char **slot, const char *s)
{
	free(*slot);
	*slot = NULL;
	if (!s)
		return 0;
	*slot = strdup(s);
	return *slot ? 0 : -ENOMEM;
}

uint64_t util_random(void)
{
	static _Thread_local uint64_t state;
	struct timespec ts;

	if (state == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			(uint64_t)(uintptr_t)&state;
		if (state == 0)
			state = 0x9e3779b97f4a7c15ULL;
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

void util_vset_error(char *errbuf, size_t errlen, const char *fmt,
		     va_list ap)
{
	if (!errbuf || !errlen)
		return;
	vsnprintf(errbuf, errlen, fmt, ap);
}

void util_set_error(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_vset_error(errbuf, errlen, fmt, ap);
	va_end(ap);
}

void util_secret_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
