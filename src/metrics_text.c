/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics_text.c - the Prometheus text exposition format: family headers,
 * escaped label values, numbers spelled as Prometheus spells them, and the
 * lock-free histogram with its rendering.
 *
 * Nothing here knows which metrics the daemon has (metrics.c does); these
 * are the words the page is written in.  A histogram keeps a count per
 * bucket, made cumulative only when written (so "+Inf" always equals
 * _count), and its sum in whole nanoseconds, an integer that adds exactly
 * and in one atomic step.  Updates from any thread; writing works on the
 * caller's buf, on the thread that renders (libmicrohttpd's).
 */
#include "metrics_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void mtext_hist_init(struct mtext_hist *h, const struct mtext_bucket *b,
		     size_t n)
{
	h->buckets = b;
	h->nbuckets = n;
}

void mtext_hist_observe(struct mtext_hist *h, double seconds)
{
	size_t i;

	/* Garbage in (a clock stepping back, NaN) is counted as 0 s, not
	 * dropped: the count still says how many there were. */
	if (!(seconds >= 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	for (i = 0; i < h->nbuckets; i++)
		if (seconds <= h->buckets[i].le)
			break;
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)llround(seconds * 1e9),
				  memory_order_relaxed);
}

void mtext_value(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		if (*s != '\\' && *s != '"' && *s != '\n')
			continue;
		buf_put(b, run, (size_t)(s - run));
		buf_putc(b, '\\');
		buf_putc(b, *s == '\n' ? 'n' : *s);
		run = s + 1;
	}
	buf_puts(b, run);
}

void mtext_family(struct buf *b, const char *name, const char *type,
		  const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void mtext_double(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else
		buf_printf(b, "%.15g", v);
}

void mtext_fixed(struct buf *b, int64_t units, int digits)
{
	char frac[24];
	int64_t scale = 1;
	int i, n;

	for (i = 0; i < digits; i++)
		scale *= 10;
	if (units < 0) {
		buf_putc(b, '-');
		units = -units;
	}
	buf_printf(b, "%" PRId64, units / scale);
	if (units % scale == 0)
		return;
	snprintf(frac, sizeof(frac), "%0*" PRId64, digits, units % scale);
	n = (int)strlen(frac);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	buf_printf(b, ".%s", frac);
}

static uint64_t load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void mtext_hist(struct buf *b, const char *name, const char *help,
		struct mtext_hist *h)
{
	uint64_t cum = 0;
	size_t i;

	mtext_family(b, name, "histogram", help);
	for (i = 0; i < h->nbuckets; i++) {
		cum += load(&h->counts[i]);
		buf_printf(b, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
			   h->buckets[i].text, cum);
	}
	cum += load(&h->counts[h->nbuckets]);
	buf_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	buf_printf(b, "%s_sum ", name);
	mtext_fixed(b, (int64_t)load(&h->sum_ns), 9);
	buf_printf(b, "\n%s_count %" PRIu64 "\n", name, cum);
}
