/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c - stderr logging with sd-daemon priority prefixes.
 *
 * One formatted line, one write(2): lines from different threads never
 * interleave.  Control characters in messages are replaced so that a value
 * taken from a request cannot forge a log line.
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

#define LOG_FIELDS_MAX 16

static atomic_int log_level = LOG_INFO;
static bool journal;

void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal = false;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return;
	journal = (unsigned long long)st.st_dev == dev &&
		  (unsigned long long)st.st_ino == ino;
}

bool log_to_journal(void)
{
	return journal;
}

void log_set_level(int level)
{
	atomic_store(&log_level, level);
}

int log_get_level(void)
{
	return atomic_load(&log_level);
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

/* Masks, in place, every '+' followed by six or more digits: a safety net
 * for E.164 numbers inside texts we do not control (API messages). */
static void mask_e164(char *s, size_t len)
{
	char masked[LOG_MASK_MAX];
	size_t i = 0, j, n;

	while (i < len) {
		if (s[i] != '+') {
			i++;
			continue;
		}
		for (j = i + 1; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			;
		n = j - i;
		if (n >= 7 && n < LOG_MASK_MAX) {
			char num[LOG_MASK_MAX];

			memcpy(num, s + i, n);
			num[n] = '\0';
			log_mask_number(num, masked, sizeof(masked));
			memcpy(s + i, masked, n);
		}
		i = j;
	}
}

/* Formats, neutralises control characters and masks numbers.  Returns the
 * length of the text in @line (NUL-terminated). */
static size_t format_line(char *line, size_t size, const char *fmt,
			  va_list ap)
	__attribute__((format(printf, 3, 0)));
static size_t format_line(char *line, size_t size, const char *fmt,
			  va_list ap)
{
	int m;
	size_t i, len;

	m = vsnprintf(line, size, fmt, ap);
	if (m < 0) {
		line[0] = '\0';
		return 0;
	}
	len = (size_t)m < size ? (size_t)m : size - 1;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	mask_e164(line, len);
	return len;
}

static void vlog(int prio, const struct log_field *fields, size_t nfields,
		 const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void vlog(int prio, const struct log_field *fields, size_t nfields,
		 const char *fmt, va_list ap)
{
	char line[2048], head[8], pri[16], buf[LOG_FIELDS_MAX][512];
	struct iovec iov[LOG_FIELDS_MAX + 3];
	size_t len, i, n = 0;
	ssize_t w;

	if (prio > atomic_load(&log_level))
		return;
	if (journal) {
		char msg[2048 + 8];

		len = format_line(line, sizeof(line), fmt, ap);
		snprintf(msg, sizeof(msg), "MESSAGE=%s", line);
		snprintf(pri, sizeof(pri), "PRIORITY=%d", prio);
		iov[n++] = (struct iovec){msg, strlen(msg)};
		iov[n++] = (struct iovec){pri, strlen(pri)};
		iov[n++] = (struct iovec){"SYSLOG_IDENTIFIER=optout-eraserd",
					  strlen("SYSLOG_IDENTIFIER=optout-eraserd")};
		for (i = 0; i < nfields && i < LOG_FIELDS_MAX; i++) {
			size_t l;

			if (!fields[i].value)
				continue;
			l = (size_t)snprintf(buf[i], sizeof(buf[i]), "%s=%s",
					     fields[i].name, fields[i].value);
			if (l >= sizeof(buf[i]))
				l = sizeof(buf[i]) - 1;
			/* Same rules as messages: one line, numbers masked. */
			for (size_t j = strlen(fields[i].name) + 1; j < l; j++)
				if ((unsigned char)buf[i][j] < 0x20)
					buf[i][j] = '?';
			mask_e164(buf[i], l);
			iov[n++] = (struct iovec){buf[i], l};
		}
		if (sd_journal_sendv(iov, (int)n) >= 0)
			return;
		/* The journal is gone: fall back to stderr. */
	} else {
		len = format_line(line, sizeof(line), fmt, ap);
	}
	snprintf(head, sizeof(head), "<%d>", prio);
	iov[0] = (struct iovec){head, strlen(head)};
	iov[1] = (struct iovec){line, len};
	iov[2] = (struct iovec){"\n", 1};
	/* One writev: lines of different threads never interleave. */
	w = writev(STDERR_FILENO, iov, 3);
	(void)w;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_fields(int prio, const struct log_field *fields, size_t nfields,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fields, nfields, fmt, ap);
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
	char masked[LOG_MASK_MAX];
	const char *digits, *p;
	size_t o = 0, dl, ml;

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
	return buf;
}
