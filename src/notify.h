/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h - all talk with systemd's service manager (sd_notify).
 *
 * READY=1 once the daemon can do its job, STATUS= kept current, WATCHDOG=1
 * at half of WATCHDOG_USEC but only while the caller vouches that every part
 * of the pipeline shows recent progress, RELOADING=1 ... READY=1 around a
 * reload, STOPPING=1 and EXTEND_TIMEOUT_USEC= while a stop drains.  Without
 * NOTIFY_SOCKET every call is a cheap no-op.
 *
 * @locality main thread only.
 */
#ifndef OPTOUT_NOTIFY_H
#define OPTOUT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* Reads WATCHDOG_USEC (for this process) once. */
void notify_init(void);

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);

/* STATUS=<text>, the text escaped and masked as a log line is
 * (logscrub.h: control characters escaped, a '+' and six or more digits
 * masked); sent only when that changed. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Asks for @usec more time to stop (a drain still making progress). */
void notify_extend_timeout(uint64_t usec);

/*
 * Called often from the main loop: sends WATCHDOG=1 when half of the
 * watchdog interval has passed since the last ping and @healthy is true.
 * A wedged loop never calls it; an unhealthy pipeline does not ping; either
 * way systemd restarts the daemon when the interval runs out.
 */
void notify_watchdog(bool healthy);

/* The watchdog interval in microseconds, 0 when there is none. */
uint64_t notify_watchdog_usec(void);

#endif
