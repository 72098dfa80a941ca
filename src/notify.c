/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.c - sd_notify wrapper.
 *
 * One module so that the protocol's rules live in one place: READY=1 and
 * RELOADING=1 carry a fresh STATUS=, RELOADING=1 carries MONOTONIC_USEC= (as
 * systemd 253+ wants for Type=notify-reload), pings are paced here.
 *
 * STATUS= text goes through logscrub() as a log line does: it shows pause
 * reasons and Kafka's and AWS's errors, so a phone number in them is
 * masked, and a control character escaped (a newline in it would start
 * another assignment of the notification, such as READY=1 or MAINPID=).
 */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "logscrub.h"
#include "util.h"

static uint64_t watchdog_usec;
static int64_t last_ping_ms;
static char last_status[512];

void notify_init(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		watchdog_usec = usec;
	else
		watchdog_usec = 0;
	last_ping_ms = util_mono_ms();
}

void notify_ready(void)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", last_status);
}

void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
		   (unsigned long long)ts.tv_sec * 1000000ULL +
			   (unsigned long long)ts.tv_nsec / 1000ULL);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: draining what is in flight");
}

void notify_status(const char *fmt, ...)
{
	char raw[sizeof(last_status)], text[sizeof(last_status)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Cut to the buffer; a NUL in an argument ends the text anyway. */
	logscrub(raw, strlen(raw), text, sizeof(text));
	if (strcmp(text, last_status) == 0)
		return;
	memcpy(last_status, text, sizeof(text));
	sd_notifyf(0, "STATUS=%s", last_status);
}

void notify_extend_timeout(uint64_t usec)
{
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)usec);
}

void notify_watchdog(bool healthy)
{
	int64_t now;

	if (!watchdog_usec)
		return;
	now = util_mono_ms();
	if ((uint64_t)(now - last_ping_ms) * 1000ULL < watchdog_usec / 2)
		return;
	if (!healthy) {
		log_debug("watchdog: not pinging, the pipeline shows no "
			  "progress");
		return;
	}
	sd_notify(0, "WATCHDOG=1");
	last_ping_ms = now;
}

uint64_t notify_watchdog_usec(void)
{
	return watchdog_usec;
}
