/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap.h - a tiny Test Anything Protocol producer for the unit tests.
 *
 * Each check prints "ok N - ..." or "not ok N - ..." with the place it
 * failed; tap_done() prints the plan.  A test that cannot run (reference
 * data absent) calls tap_skip_all(), which prints "1..0 # SKIP why" and
 * exits 77, the automake convention; tests/tap-run turns that into a skip.
 */
#ifndef OPTOUT_TAP_H
#define OPTOUT_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failures;

__attribute__((format(printf, 4, 5), unused)) static int
tap_result(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* String equality; NULL equals only NULL.  Prints both on failure. */
#define is_str(got, want, ...)                                                 \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                 \
	tap_is_int((intmax_t)(got), (intmax_t)(want), __FILE__, __LINE__,      \
		   __VA_ARGS__)

__attribute__((format(printf, 5, 6), unused)) static int
tap_is_str(const char *got, const char *want, const char *file, int line,
	   const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int pass;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pass = (!got && !want) || (got && want && strcmp(got, want) == 0);
	tap_result(pass, file, line, "%s", msg);
	if (!pass)
		printf("#        got: %s\n#   expected: %s\n", got ? got : "(null)",
		       want ? want : "(null)");
	return pass;
}

__attribute__((format(printf, 5, 6), unused)) static int
tap_is_int(intmax_t got, intmax_t want, const char *file, int line,
	   const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int pass;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pass = got == want;
	tap_result(pass, file, line, "%s", msg);
	if (!pass)
		printf("#        got: %jd\n#   expected: %jd\n", got, want);
	return pass;
}

static void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), unused));
static void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

__attribute__((noreturn, unused)) static void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(77);
}

/* Prints the plan; returns the process exit status (0 also on failures:
 * the "not ok" lines are what the driver counts). */
__attribute__((unused)) static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failures)
		printf("# %d of %d checks failed\n", tap_failures, tap_count);
	return tap_failures ? 1 : 0;
}

#endif
