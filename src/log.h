/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - levels, journald-friendly output on stderr, masking of phone numbers.
 *
 * Every line goes to stderr with an sd-daemon priority prefix ("<6>...") so
 * journald keeps the level (no prefix when stderr is a terminal), as one
 * JSON object with journald's field names (log.format = json), or straight
 * to the journal when stderr is the journal.  Each entry names its caller
 * (CODE_FILE, CODE_LINE, CODE_FUNC): the functions are called through the
 * macros below.  Nothing may log a secret or a full phone
 * number: callers pass numbers through log_mask_number() first.  Every
 * message and field then goes through logscrub() (logscrub.h): control,
 * C1 and bidi characters and bad UTF-8 escaped, '+' and 6 or more digits
 * masked.
 *
 * @locality any thread; each line is written with one write(2).
 */
#ifndef OPTOUT_LOG_H
#define OPTOUT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h> /* LOG_ERR ... LOG_DEBUG */

/*
 * Chooses the output once, at start-up: when stderr is the journal
 * (JOURNAL_STREAM names stderr's device and inode), lines are sent to
 * journald natively with structured fields; otherwise they are written to
 * stderr with priority prefixes, unless stderr is a terminal.
 */
void log_init(void);

enum { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Parses log.format: "text" or "json".  Returns LOG_FORMAT_* or -EINVAL. */
int log_format_parse(const char *name);

/* LOG_FORMAT_JSON: what is not sent to the journal goes to stderr as one
 * JSON object per line (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE,
 * CODE_LINE, CODE_FUNC, _SOURCE_REALTIME_TIMESTAMP and the structured
 * fields, every value a string, as "journalctl -o json" shows them). */
void log_set_format(int format);

/* A structured field for the journal ("REQUEST_ID", value); a NULL value
 * leaves the field out. */
struct log_field {
	const char *name;
	const char *value;
};

/*
 * Like log_msg(), plus @nfields structured fields which the journal keeps
 * (journalctl REQUEST_ID=... finds a request's story); the plain output
 * carries only the message.  Values are subject to the same rules as
 * messages: never a secret, numbers masked.
 */
void log_fields_at(const char *file, int line, const char *func, int prio,
		   const struct log_field *fields, size_t nfields,
		   const char *fmt, ...) __attribute__((format(printf, 7, 8)));
#define log_fields(...) \
	log_fields_at(__FILE__, __LINE__, __func__, __VA_ARGS__)

/* Messages above @level (a syslog priority) are dropped. */
void log_set_level(int level);

/* Whether a message at @prio would be logged: callers on hot paths test
 * it before they format fields for a message that would be dropped. */
bool log_enabled(int prio);

/* Parses "err", "warning", "notice", "info", "debug" (and syslog numbers
 * 0-7).  Returns the priority or -EINVAL. */
int log_level_parse(const char *name);

/* Logs at @prio from @file:@line in @func; call it through log_msg() and
 * the macros below, which pass the caller's place. */
void log_msg_at(const char *file, int line, const char *func, int prio,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define log_msg(...) log_msg_at(__FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Size of a buffer that always holds a masked number. */
#define LOG_MASK_MAX 32

/*
 * Writes a masked form of @number into @buf (at least LOG_MASK_MAX bytes):
 * the leading '+', the first digit and the last four digits stay, every other
 * character becomes '*' ("+14155550100" -> "+1******0100").  Short numbers
 * keep less (fewer than half of their digits are shown); NULL gives "-".
 * Overlong input is cut to LOG_MASK_MAX - 1 characters.  Returns @buf.
 * Pure: no I/O.
 */
const char *log_mask_number(const char *number, char *buf, size_t len);

/*
 * Copies @text to @buf (cut to @len) with every occurrence of @number's
 * digits masked, for messages that echo a number (API error messages).
 * Every logged line also has any '+' followed by six or more digits masked.
 * Returns @buf.  Pure.
 */
const char *log_redact_number(const char *text, const char *number, char *buf,
			      size_t len);

#endif
