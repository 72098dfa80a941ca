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
#include <string.h>
#include <strings.h>
#include <unistd.h>

static atomic_int log_level = LOG_INFO;

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

void log_msg(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n, m;
	size_t i, len;
	ssize_t w;

	if (prio > atomic_load(&log_level))
		return;
	n = snprintf(line, sizeof(line), "<%d>", prio);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	for (i = (size_t)n; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	mask_e164(line, len);
	line[len++] = '\n';
	w = write(STDERR_FILENO, line, len);
	(void)w;
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
