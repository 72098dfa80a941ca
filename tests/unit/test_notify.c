/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_notify.c - what notify.c sends to the service manager, read from an
 * AF_UNIX datagram socket named by NOTIFY_SOCKET, as systemd would: the
 * STATUS= text is escaped and masked as a log line is (a phone number in
 * a pause reason or an error must not reach `systemctl status`, and a
 * newline must not start another assignment), it is sent only when it
 * changed, and READY=1 carries it as sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

static int fd = -1;

/* The next datagram, NUL-terminated, in @buf; "" when none is waiting. */
static const char *next_message(char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return setenv("NOTIFY_SOCKET", path, 1) < 0 ? -errno : 0;
}

static void test_status(void)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		{"paused: credentials rejected: +15550100123",
		 "STATUS=paused: credentials rejected: +1******0123"},
		{"paused: list +15550100123\nREADY=1",
		 "STATUS=paused: list +1******0123\\x0aREADY=1"},
		{"a\x1b[2Jb\tc", "STATUS=a\\x1b[2Jb\\x09c"},
		{"bidi \xe2\x80\xae!", "STATUS=bidi \\u202e!"},
		{"account 123456789012, lag 15550100123",
		 "STATUS=account 123456789012, lag 15550100123"},
	};
	char buf[1024];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		notify_status("%s", rows[i].text);
		is_str(next_message(buf, sizeof(buf)), rows[i].want,
		       "STATUS= of row %zu", i);
	}
	notify_status("%s", rows[4].text);
	is_str(next_message(buf, sizeof(buf)), "",
	       "the same text again: not sent");
	notify_status("%s", rows[1].text);
	next_message(buf, sizeof(buf));
	ok(buf[0] && !strchr(buf, '\n'),
	   "no newline of the text reaches the message");
	notify_ready();
	is_str(next_message(buf, sizeof(buf)),
	       "READY=1\nSTATUS=paused: list +1******0123\\x0aREADY=1",
	       "READY=1 carries the masked text");
}

int main(void)
{
	char dir[] = "/tmp/test_notify.XXXXXX", path[64];
	int r;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	r = listen_at(path);
	ok(r == 0, "listening at %s: %s", path, strerror(-r));
	if (r == 0)
		test_status();
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
