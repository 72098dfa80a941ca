/* SPDX-License-Identifier: Apache-2.0 */
/*
 * offsets.h - per-partition "commit up to the first gap" tracker.
 *
 * Every consumed request offset is tracked in consumption order; it is marked
 * done once its outcome is acknowledged by the results topic.  The offset
 * that may be committed is one past the longest prefix of done offsets:
 * completions may come in any order, the commit point only moves over a
 * contiguous run.  Memory is one small entry per tracked offset.
 *
 * Pure: no I/O, no threads, no logging.  @locality main thread.
 */
#ifndef OPTOUT_OFFSETS_H
#define OPTOUT_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

struct offsets;

struct offsets *offsets_new(void);
void offsets_free(struct offsets *o);

/*
 * Starts tracking @offset of @partition (partition >= 0).  Offsets of a
 * partition must be tracked in increasing order (gaps are fine: compacted
 * topics, transaction markers).  Returns 0, -EINVAL (not increasing) or
 * -ENOMEM.
 */
int offsets_track(struct offsets *o, int32_t partition, int64_t offset);

/* Marks a tracked offset done.  Returns 0, or -ENOENT when it is not tracked
 * (for instance its partition was dropped on revocation). */
int offsets_mark_done(struct offsets *o, int32_t partition, int64_t offset);

/*
 * Pops the done prefix of @partition.  When it moved, writes the offset to
 * commit (last done + 1) to @ret_offset and returns 1; returns 0 when
 * nothing new can be committed.
 */
int offsets_committable(struct offsets *o, int32_t partition,
			int64_t *ret_offset);

/* Offsets tracked and not yet popped for @partition (done or not). */
size_t offsets_pending(const struct offsets *o, int32_t partition);

/* Total over all partitions. */
size_t offsets_pending_total(const struct offsets *o);

/* Forgets @partition (revoked or lost): later marks are -ENOENT. */
void offsets_drop(struct offsets *o, int32_t partition);

#endif
