/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_log.c - phone masking, level parsing, and the line format on stderr.
 */
#include <fcntl.h>
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
	is_str(buf, "<6>hello 42\n<3>two?lines\n"
	       "<4>API said: +4*******0123 and +12 and offset 1234567\n",
	       "priority prefixes, debug filtered, newline neutralised, "
	       "E.164 numbers masked in any line");
	close(fd);
	unlink(path);
}

int main(void)
{
	test_mask();
	test_redact();
	test_levels();
	test_output();
	return tap_done();
}
