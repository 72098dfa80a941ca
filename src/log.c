/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c - stderr logging with sd-daemon priority prefixes.
 *
 * One formatted line, one write(2): lines from different threads never
 * interleave.  Every message and field goes through logscrub(): control,
 * C1 and bidi characters and bad UTF-8 are escaped (a value taken from a
 * request cannot forge or reorder a log line) and E.164 numbers masked.  Three outputs, chosen at
 * start-up: the journal's native protocol (with the caller's CODE_FILE,
 * CODE_LINE and CODE_FUNC, which log.h's macros pass), one JSON object per
 * line with the same fields (log.format = json), or plain lines with a
 * "<N>" priority prefix, left out when stderr is a terminal.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "buf.h"
#include "logscrub.h"
#include "utf8.h"
#include "util.h"

#define LOG_FIELDS_MAX 16
#define LOG_FIELD_MAX 512
#define LOG_LINE_MAX 2048
#define LOG_JSON_MAX (LOG_LINE_MAX * 2 + LOG_FIELDS_MAX * LOG_FIELD_MAX * 2)
#define LOG_IDENT "optout-eraserd"
#define LOG_IDENT_FIELD "SYSLOG_IDENTIFIER=" LOG_IDENT

/* Where a message was logged from (log.h's macros fill it). */
struct log_loc {
	const char *file;
	int line;
	const char *func;
};

static atomic_int log_level = LOG_INFO;
static atomic_bool log_json;
static bool journal;
static bool on_tty;

void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal = false;
	on_tty = isatty(STDERR_FILENO) == 1;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return;
	journal = (unsigned long long)st.st_dev == dev &&
		  (unsigned long long)st.st_ino == ino;
}

void log_set_level(int level)
{
	atomic_store(&log_level, level);
}

bool log_enabled(int prio)
{
	return prio <= atomic_load(&log_level);
}

int log_format_parse(const char *name)
{
	if (strcmp(name, "text") == 0)
		return LOG_FORMAT_TEXT;
	if (strcmp(name, "json") == 0)
		return LOG_FORMAT_JSON;
	return -EINVAL;
}

void log_set_format(int format)
{
	atomic_store(&log_json, format == LOG_FORMAT_JSON);
}

int log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		int prio;
	} levels[] = {
		{"emerg", LOG_EMERG},   {"alert", LOG_ALERT},
		{"crit", LOG_CRIT},     {"err", LOG_ERR},
		{"error", LOG_ERR},     {"warning", LOG_WARNING},
		{"warn", LOG_WARNING},  {"notice", LOG_NOTICE},
		{"info", LOG_INFO},     {"debug", LOG_DEBUG},
	};
	size_t i;

	if (name[0] >= '0' && name[0] <= '7' && name[1] == '\0')
		return name[0] - '0';
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return levels[i].prio;
	return -EINVAL;
}

/* Formats, then escapes and masks (logscrub.h).  Returns the length of
 * the text in @line (NUL-terminated). */
static size_t format_line(char *line, size_t size, const char *fmt,
			  va_list ap)
	__attribute__((format(printf, 3, 0)));
static size_t format_line(char *line, size_t size, const char *fmt,
			  va_list ap)
{
	char raw[LOG_LINE_MAX];
	int m;
	size_t len;

	m = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (m < 0) {
		line[0] = '\0';
		return 0;
	}
	len = (size_t)m < sizeof(raw) ? (size_t)m : sizeof(raw) - 1;
	return logscrub(raw, len, line, size);
}

/* "NAME=value" of field @f in @buf, under the rules of messages (escaped,
 * numbers masked).  Returns the length, 0 for a field left out. */
static size_t field_line(const struct log_field *f, char *buf, size_t size)
{
	size_t l;

	if (!f->value)
		return 0;
	l = (size_t)snprintf(buf, size, "%s=", f->name);
	if (l >= size)
		return size - 1;
	return l + logscrub(f->value, strlen(f->value), buf + l, size - l);
}

/* Sends one entry to journald with the caller's location.  Returns what
 * sd_journal_sendv() returned. */
static int send_journal(const struct log_loc *loc, int prio, const char *line,
			const struct log_field *fields, size_t nfields)
{
	char msg[LOG_LINE_MAX + 8], pri[16], file[256], lno[32];
	char buf[LOG_FIELDS_MAX][LOG_FIELD_MAX];
	struct iovec iov[LOG_FIELDS_MAX + 3];
	size_t i, n = 0, l;

	snprintf(msg, sizeof(msg), "MESSAGE=%s", line);
	snprintf(pri, sizeof(pri), "PRIORITY=%d", prio);
	snprintf(file, sizeof(file), "CODE_FILE=%s", loc->file);
	snprintf(lno, sizeof(lno), "CODE_LINE=%d", loc->line);
	iov[n++] = (struct iovec){msg, strlen(msg)};
	iov[n++] = (struct iovec){pri, strlen(pri)};
	iov[n++] = (struct iovec){LOG_IDENT_FIELD, strlen(LOG_IDENT_FIELD)};
	for (i = 0; i < nfields && i < LOG_FIELDS_MAX; i++) {
		l = field_line(&fields[i], buf[i], sizeof(buf[i]));
		if (l)
			iov[n++] = (struct iovec){buf[i], l};
	}
	/* Not sd_journal_sendv(): that macro would name this very line. */
	return sd_journal_sendv_with_location(file, lno, loc->func, iov,
					      (int)n);
}

/* Appends "NAME":"value" (a JSON string member, preceded by a comma) to
 * @b; control characters are already gone, bytes that are not UTF-8
 * become '?'. */
static void json_member(struct buf *b, const char *name, const char *value,
			size_t vlen)
{
	size_t i = 0, k;

	buf_printf(b, ",\"%s\":\"", name);
	while (i < vlen) {
		const unsigned char *p = (const unsigned char *)value + i;

		k = utf8_seq_len(p, vlen - i);
		if (k == 0) {
			buf_put(b, "?", 1);
			i++;
		} else if (*p == '"' || *p == '\\') {
			buf_printf(b, "\\%c", *p);
			i++;
		} else if (*p < 0x20) {
			buf_printf(b, "\\u%04x", *p);
			i++;
		} else {
			buf_put(b, value + i, k);
			i += k;
		}
	}
	buf_put(b, "\"", 1);
}

/* One JSON object per line, with journald's field names and values (all
 * strings, as "journalctl -o json" shows them). */
static void write_json(const struct log_loc *loc, int prio, const char *line,
		       size_t len, const struct log_field *fields,
		       size_t nfields)
{
	char num[32], fl[LOG_FIELD_MAX];
	struct buf b;
	size_t i, l, eq;
	ssize_t w;

	buf_init(&b, LOG_JSON_MAX, 0);
	snprintf(num, sizeof(num), "%lld", (long long)util_wall_ms() * 1000);
	buf_printf(&b, "{\"_SOURCE_REALTIME_TIMESTAMP\":\"%s\"", num);
	snprintf(num, sizeof(num), "%d", prio);
	json_member(&b, "PRIORITY", num, strlen(num));
	json_member(&b, "SYSLOG_IDENTIFIER", LOG_IDENT, strlen(LOG_IDENT));
	json_member(&b, "MESSAGE", line, len);
	json_member(&b, "CODE_FILE", loc->file, strlen(loc->file));
	snprintf(num, sizeof(num), "%d", loc->line);
	json_member(&b, "CODE_LINE", num, strlen(num));
	json_member(&b, "CODE_FUNC", loc->func, strlen(loc->func));
	for (i = 0; i < nfields && i < LOG_FIELDS_MAX; i++) {
		l = field_line(&fields[i], fl, sizeof(fl));
		if (!l)
			continue;
		eq = strlen(fields[i].name);
		fl[eq] = '\0';
		json_member(&b, fl, fl + eq + 1, l - eq - 1);
	}
	buf_put(&b, "}\n", 2);
	/* One write: lines of different threads never interleave. */
	if (b.len && !buf_err(&b)) {
		w = write(STDERR_FILENO, buf_str(&b), b.len);
		(void)w;
	}
	buf_free(&b);
}

static void vlog(const struct log_loc *loc, int prio,
		 const struct log_field *fields, size_t nfields,
		 const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static void vlog(const struct log_loc *loc, int prio,
		 const struct log_field *fields, size_t nfields,
		 const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], head[8];
	struct iovec iov[3];
	size_t len, n = 0;
	ssize_t w;

	if (prio > atomic_load(&log_level))
		return;
	len = format_line(line, sizeof(line), fmt, ap);
	/* The journal gone: the lines go to stderr. */
	if (journal && send_journal(loc, prio, line, fields, nfields) >= 0)
		return;
	if (atomic_load(&log_json)) {
		write_json(loc, prio, line, len, fields, nfields);
		return;
	}
	/* journald (and systemd's stderr capture) reads "<N>"; a person at a
	 * terminal would only see noise. */
	if (!on_tty) {
		snprintf(head, sizeof(head), "<%d>", prio);
		iov[n++] = (struct iovec){head, strlen(head)};
	}
	iov[n++] = (struct iovec){line, len};
	iov[n++] = (struct iovec){"\n", 1};
	/* One writev: lines of different threads never interleave. */
	w = writev(STDERR_FILENO, iov, (int)n);
	(void)w;
}

void log_msg_at(const char *file, int line, const char *func, int prio,
		const char *fmt, ...)
{
	const struct log_loc loc = {file, line, func};
	va_list ap;

	va_start(ap, fmt);
	vlog(&loc, prio, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_fields_at(const char *file, int line, const char *func, int prio,
		   const struct log_field *fields, size_t nfields,
		   const char *fmt, ...)
{
	const struct log_loc loc = {file, line, func};
	va_list ap;

	va_start(ap, fmt);
	vlog(&loc, prio, fields, nfields, fmt, ap);
	va_end(ap);
}

const char *log_mask_number(const char *number, char *buf, size_t len)
{
	size_t n, digits = 0, i, o = 0, head, tail, show, seen = 0;

	if (len == 0)
		return buf;
	if (!number) {
		snprintf(buf, len, "-");
		return buf;
	}
	n = strlen(number);
	if (n > LOG_MASK_MAX - 1)
		n = LOG_MASK_MAX - 1;
	for (i = 0; i < n; i++)
		if (number[i] != '+')
			digits++;
	/* First digit and last four, always fewer than half of the digits. */
	show = digits > 0 ? (digits - 1) / 2 : 0;
	head = 1;
	tail = 4;
	while (head + tail > show && tail > 0)
		tail--;
	if (head + tail > show)
		head = 0;
	for (i = 0; i < n && o + 1 < len; i++) {
		if (number[i] == '+' && i == 0) {
			buf[o++] = '+';
			continue;
		}
		if (seen < head || seen >= digits - tail)
			buf[o++] = number[i];
		else
			buf[o++] = '*';
		seen++;
	}
	buf[o] = '\0';
	return buf;
}

const char *log_redact_number(const char *text, const char *number, char *buf,
			      size_t len)
{
	char masked[LOG_MASK_MAX], *q;
	const char *digits, *p;
	size_t o = 0, dl, ml, pass;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (!text)
		return buf;
	if (!number || !*number) {
		snprintf(buf, len, "%s", text);
		return buf;
	}
	digits = number[0] == '+' ? number + 1 : number;
	dl = strlen(digits);
	log_mask_number(digits, masked, sizeof(masked));
	ml = strlen(masked);
	for (p = text; *p && o + 1 < len;) {
		if (dl > 0 && strncmp(p, digits, dl) == 0) {
			size_t n = ml < len - 1 - o ? ml : len - 1 - o;

			memcpy(buf + o, masked, n);
			o += n;
			p += dl;
			continue;
		}
		buf[o++] = *p++;
	}
	buf[o] = '\0';
	/* A masked copy keeps digits at its ends, which with the text's own
	 * digits beside it can spell the number again ("5555" + "5555555");
	 * mask those too (each pass adds a '*', so at most @o passes). */
	for (pass = 0; dl > 0 && pass < o && (q = strstr(buf, digits)); pass++) {
		memcpy(q, masked, ml < dl ? ml : dl);
		if (ml < dl)
			memset(q + ml, '*', dl - ml);
	}
	return buf;
}
