/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_log.c - phone masking, level parsing, and the line format on stderr:
 * "<N>" prefixes on a pipe or file, none on a terminal, one JSON object per
 * line with journald's fields (the caller's place among them).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static const struct {
	const char *in, *want;
} masks[] = {
	{"+14155550100", "+1******0100"},
	{"14155550100", "1******0100"},
	{"+1234567890123456789", "+1**************6789"},
	{"+447700900123", "+4*******0123"},
	{"+12", "+**"},
	{"+123", "+1**"},
	{"+1234", "+1***"},
	{"+123456", "+1****6"},
	{"+12345678", "+1*****78"},
	{"+1234567890", "+1******890"},
	{"", ""},
	{NULL, "-"},
};

static void test_mask(void)
{
	char buf[LOG_MASK_MAX];
	size_t i;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
		is_str(log_mask_number(masks[i].in, buf, sizeof(buf)),
		       masks[i].want, "mask %s", masks[i].in ? masks[i].in
							    : "NULL");
	log_mask_number("+14155550100", buf, 5);
	is_str(buf, "+1**", "a short buffer is cut, NUL-terminated");
}

static void test_redact(void)
{
	char buf[128];

	is_str(log_redact_number("Phone number +14155550100 is not in list",
				 "+14155550100", buf, sizeof(buf)),
	       "Phone number +1******0100 is not in list", "redact with +");
	is_str(log_redact_number("number 14155550100 twice 14155550100",
				 "+14155550100", buf, sizeof(buf)),
	       "number 1******0100 twice 1******0100",
	       "redact without +, every occurrence");
	is_str(log_redact_number("nothing here", "+14155550100", buf,
				 sizeof(buf)),
	       "nothing here", "text without the number unchanged");
	is_str(log_redact_number(NULL, "+1", buf, sizeof(buf)), "",
	       "NULL text gives an empty string");
	/* fuzz_log: the tail of one masked copy and the digits after it
	 * made the number again. */
	log_redact_number("x 555555555555555555 y", "+55555555555", buf,
			  sizeof(buf));
	ok(!strstr(buf, "55555555555"), "no copy of the number left by "
	   "masking next to digits: %s", buf);
	log_redact_number("x 14155550100 y", "14155550100", buf, 6);
	is_str(buf, "x 1**", "cut to the buffer");
}

static void test_levels(void)
{
	is_int(log_level_parse("debug"), LOG_DEBUG, "debug");
	is_int(log_level_parse("INFO"), LOG_INFO, "INFO");
	is_int(log_level_parse("warning"), LOG_WARNING, "warning");
	is_int(log_level_parse("err"), LOG_ERR, "err");
	is_int(log_level_parse("3"), 3, "numeric 3");
	ok(log_level_parse("loud") < 0, "unknown level refused");
	ok(log_level_parse("8") < 0, "8 refused");
	ok(log_level_parse("") < 0, "empty refused");
}

static void test_output(void)
{
	char path[] = "/tmp/test_log.XXXXXX", buf[512] = "";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	dup2(fd, STDERR_FILENO);
	log_set_level(LOG_INFO);
	log_info("hello %d", 42);
	log_debug("hidden");
	log_error("two\nlines");
	log_warning("API said: +447700900123 and +12 and offset 1234567");
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "<6>hello 42\n<3>two\\x0alines\n"
	       "<4>API said: +4*******0123 and +12 and offset 1234567\n",
	       "priority prefixes, debug filtered, newline neutralised, "
	       "E.164 numbers masked in any line");
	close(fd);
	unlink(path);
}

/* A '+' and any run of digits is masked, however long (fuzz_log found
 * runs of 31 digits and more logged whole); a line cut at its limit ends
 * on a whole UTF-8 character (fuzz_log: a 2-byte character cut in two). */
static void test_limits(void)
{
	char path[] = "/tmp/test_log.XXXXXX", buf[8192] = "", msg[4000];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	size_t i;
	ssize_t n;

	dup2(fd, STDERR_FILENO);
	log_error("run +%s end", "1415555010012345678901234567890123456789");
	for (i = 0; i + 2 < sizeof(msg); i += 2)
		memcpy(msg + i, "\xc3\xa9", 2);
	msg[i] = '\0';
	log_error("%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	is_str(strtok(buf, "\n"),
	       "<3>run +1" "***********************************6789 end",
	       "a '+' and 40 digits: masked like a number, the first and "
	       "last four kept (no 15-digit run is left whole)");
	n = (ssize_t)strcspn(buf + strlen(buf) + 1, "\n");
	ok(n > 1000 && n % 2 == 1, "a long line of 2-byte characters cut "
	   "between two of them (%zd bytes with \"<3>\")", n);
	close(fd);
	unlink(path);
}

/* Runs @fn with stderr on a temporary file; its text in @buf. */
static void capture(void (*fn)(void), char *buf, size_t len)
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

static int json_line; /* where log_json_lines() logged from */

static void log_json_lines(void)
{
	const struct log_field f[] = {{"REQUEST_ID", "r\"1"},
				      {"OUTCOME", NULL},
				      {"NUMBER", "+14155550100"}};

	log_set_format(LOG_FORMAT_JSON);
	json_line = __LINE__ + 1;
	log_fields(LOG_NOTICE, f, 3, "done \\ %s", "ok\tx");
	log_set_format(LOG_FORMAT_TEXT);
}

static void test_json(void)
{
	char buf[2048], want[256];

	capture(log_json_lines, buf, sizeof(buf));
	ok(strncmp(buf, "{\"_SOURCE_REALTIME_TIMESTAMP\":\"", 31) == 0,
	   "json: an object, the time first: %s", buf);
	ok(strstr(buf, "\"PRIORITY\":\"5\",\"SYSLOG_IDENTIFIER\":"
		       "\"optout-eraserd\",\"MESSAGE\":\"done \\\\ ok\\\\x09x\"") !=
		   NULL,
	   "json: priority, identifier, message escaped and neutralised");
	snprintf(want, sizeof(want),
		 "\"CODE_FILE\":\"%s\",\"CODE_LINE\":\"%d\","
		 "\"CODE_FUNC\":\"log_json_lines\"",
		 __FILE__, json_line);
	ok(strstr(buf, want) != NULL, "json: the caller's file, line and "
				       "function, not log.c's");
	ok(strstr(buf, "\"REQUEST_ID\":\"r\\\"1\",\"NUMBER\":"
		       "\"+1******0100\"}\n") != NULL,
	   "json: fields escaped, masked, a NULL one left out, one line");
	ok(strchr(buf, '\n') == buf + strlen(buf) - 1, "json: one line");
}

/* On a terminal the "<N>" prefixes are noise: log_init() leaves them out
 * when stderr is one. */
static void test_tty(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave = -1, saved;
	char buf[256] = "";
	ssize_t n;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0) {
		ok(1, "# SKIP no pseudo-terminal");
		return;
	}
	saved = dup(STDERR_FILENO);
	dup2(slave, STDERR_FILENO);
	log_init();
	log_notice("plain %d", 1);
	dup2(saved, STDERR_FILENO);
	close(saved);
	log_init();
	n = read(master, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "plain 1\r\n", "a terminal: no <N> prefix");
	close(slave);
	close(master);
}

int main(void)
{
	test_mask();
	test_redact();
	test_levels();
	test_output();
	test_limits();
	test_json();
	test_tty();
	return tap_done();
}
