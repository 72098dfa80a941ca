/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logscrub.h - what every logged text goes through: control and invisible
 * characters escaped, phone numbers masked.
 *
 * A log line (and every journald field) may carry text from outside: a
 * request's RequestId and list name, AWS error messages and request ids,
 * librdkafka's and libcurl's error strings.  Such text must not split a
 * line, hide or reorder what a reader sees, or leak a phone number.
 *
 * Escapes (the output is printable UTF-8 on one line):
 *   C0 controls and DEL (U+0000-U+001F, U+007F)  \xNN   (newline: \x0a)
 *   bytes that are not well-formed UTF-8         \xNN   (each byte)
 *   C1 controls (U+0080-U+009F)                  \u0085
 *   bidi controls U+061C, U+200E, U+200F,
 *     U+202A-U+202E, U+2066-U+2069, and the
 *     line/paragraph separators U+2028, U+2029   \u202e
 * A backslash is kept as it is: an escape can be forged by the text, but
 * it cannot split or reorder a line.
 *
 * Masking, the rule (documented in README.md, "Security"):
 *   '+' followed by 6 or more digits is a phone number in E.164 form, the
 *   form requests carry: its digits are masked as log_mask_number() does
 *   (the first digit and the last four stay when there are eleven or more;
 *   fewer than half of the digits ever stay), whatever its length.
 * Bare digit runs are left alone in whole lines (an AWS account id has 12
 * digits, an epoch time in ms 13, Kafka offsets and byte counts are
 * numbers too); logscrub_digits() masks them in the strings that are
 * identifiers from outside (a RequestId, an opt-out list's name), where a
 * long bare run may well be a phone number.
 *
 * Pure: no I/O, no state; any thread.
 */
#ifndef OPTOUT_LOGSCRUB_H
#define OPTOUT_LOGSCRUB_H

#include <stddef.h>

/* Bare digit runs this long are masked by logscrub_digits(): the lengths
 * of a national or international number without its '+' (E.164 numbers
 * have at most 15 digits). */
#define LOGSCRUB_BARE_MIN 10
#define LOGSCRUB_BARE_MAX 15

/*
 * Writes @in (@inlen bytes, NULs included) escaped and masked as above
 * into @out (@size > 0 bytes, always NUL-terminated).  The output is cut
 * before an escape or a masked number that would not fit whole.  Returns
 * the length written.
 */
size_t logscrub(const char *in, size_t inlen, char *out, size_t size);

/*
 * Copies the NUL-terminated @in to @out (@size > 0) with every run of
 * LOGSCRUB_BARE_MIN to LOGSCRUB_BARE_MAX digits masked as above, a '+'
 * before it or not; shorter and longer runs are copied.  NULL gives "-".  Returns @out.
 */
const char *logscrub_digits(const char *in, char *out, size_t size);

/*
 * logscrub_digits() for an opt-out list as a request names it: a plain
 * name whole; an ARN only after its last '/' (the list's name), so that
 * the account id (12 digits) stays readable.  NULL gives "-".  Returns
 * @out.
 */
const char *logscrub_list(const char *list, char *out, size_t size);

#endif
