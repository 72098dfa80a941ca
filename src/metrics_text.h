/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics_text.h - the Prometheus text exposition format (0.0.4) and the
 * histogram the metrics keep: what a family, a label value, a number and
 * a histogram look like on the page.
 *
 * Every writer appends to a capped buf (buf.h), whose first failure
 * sticks; none of them knows which metrics exist.  A histogram's buckets
 * are counted lock-free (C11 atomics) by any thread and made cumulative
 * only when written.
 *
 * @locality any thread: a histogram is shared, everything else works on
 *           the caller's buf.
 */
#ifndef OPTOUT_METRICS_TEXT_H
#define OPTOUT_METRICS_TEXT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The longest histogram. */
#define MTEXT_BUCKETS_MAX 16

struct mtext_bucket {
	double le;
	const char *text; /* the le label, as written */
};

struct mtext_hist {
	const struct mtext_bucket *buckets;
	size_t nbuckets;
	_Atomic uint64_t counts[MTEXT_BUCKETS_MAX + 1]; /* last: above all */
	_Atomic uint64_t sum_ns;
};

/* @h counts into the @n buckets @b (at most MTEXT_BUCKETS_MAX, kept). */
void mtext_hist_init(struct mtext_hist *h, const struct mtext_bucket *b,
		     size_t n);

/* One observation; garbage (NaN, negative) counts as 0 s. */
void mtext_hist_observe(struct mtext_hist *h, double seconds);

/* "# HELP" and "# TYPE" lines of family @name. */
void mtext_family(struct buf *b, const char *name, const char *type,
		  const char *help);

/* A label value, escaped as the format wants (\\, \", \n). */
void mtext_value(struct buf *b, const char *s);

/* A float the way Prometheus spells it (NaN, +Inf, %.15g). */
void mtext_double(struct buf *b, double v);

/* @units of 10^-@digits, as a decimal without trailing zeros: exact where
 * a double would round. */
void mtext_fixed(struct buf *b, int64_t units, int digits);

/* A histogram family: its buckets (cumulative), +Inf, _sum and _count. */
void mtext_hist(struct buf *b, const char *name, const char *help,
		struct mtext_hist *h);

#endif
