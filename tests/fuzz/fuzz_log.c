/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_log.c - libFuzzer target for log.c: masking phone numbers and the
 * escaping of what is logged.
 *
 * Input: a flags byte (bit 0: JSON output, bits 1-3: how many structured
 * fields), then NUL-separated parts: a phone number (its bytes taken as
 * digits, an optional leading '+'), a message, and the field values.
 *
 * Checked on every input:
 *  - log_mask_number() only turns characters into '*', keeps the '+', and
 *    shows fewer than half of the digits;
 *  - log_redact_number() leaves no occurrence of the number's digits in
 *    the text;
 *  - a line logged (log_fields(), written to a scratch file in place of
 *    stderr) is one line; in JSON it parses with cJSON as an object of
 *    strings; it is valid UTF-8 (JSON always, text when the input was);
 *    it holds no control character, and no '+' followed by six or more
 *    digits (log.h: every logged line has those masked).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "log.h"

#define T "fuzz_log"
#define NPARTS 10

static void check_mask(const char *number)
{
	char buf[LOG_MASK_MAX];
	size_t i, n = strlen(number), shown = 0, digits = 0;

	log_mask_number(number, buf, sizeof(buf));
	if (n > LOG_MASK_MAX - 1)
		n = LOG_MASK_MAX - 1;
	if (strlen(buf) != n)
		fuzz_fail(T, "masked number of another length");
	for (i = 0; i < n; i++) {
		if (number[i] == '+' && i == 0) {
			if (buf[0] != '+')
				fuzz_fail(T, "leading '+' not kept");
			continue;
		}
		digits++;
		if (buf[i] != '*' && buf[i] != number[i])
			fuzz_fail(T, "masking changed a character");
		shown += buf[i] != '*';
	}
	if (digits && shown * 2 >= digits)
		fuzz_fail(T, "half of the digits or more shown");
}

static void check_redact(const char *text, const char *number)
{
	char buf[256];
	const char *digits = number[0] == '+' ? number + 1 : number;

	log_redact_number(text, number, buf, sizeof(buf));
	if (*digits && strstr(buf, digits))
		fuzz_fail(T, "redacted text still holds the number");
}

/* No '+' followed by six or more digits, no control character. */
static void check_text(const char *s, size_t n, const char *what)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fuzz_fail(T, what);
		if (s[i] != '+')
			continue;
		for (j = i + 1; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j - i - 1 >= 6)
			fuzz_fail(T, "a '+' and six digits or more logged");
	}
}

static void check_json(const char *line, size_t n)
{
	cJSON *root = cJSON_ParseWithLength(line, n);
	const cJSON *item;

	if (!cJSON_IsObject(root))
		fuzz_fail(T, "JSON line does not parse");
	cJSON_ArrayForEach(item, root) {
		if (!cJSON_IsString(item))
			fuzz_fail(T, "JSON member is not a string");
		check_text(item->valuestring, strlen(item->valuestring),
			   "control character in a JSON value");
	}
	cJSON_Delete(root);
}

/* Logs @msg and @fields to a scratch file; returns what was written. */
static char *log_to_file(bool json, const char *msg,
			 const struct log_field *fields, size_t nfields,
			 size_t *ret_len)
{
	static int scratch = -1, saved = -1;
	char *out;
	off_t end;

	if (scratch < 0) {
		char path[64];

		scratch = fuzz_scratch(T, path);
		saved = dup(STDERR_FILENO);
		if (saved < 0)
			fuzz_fail(T, "no standard error");
		unlink(path);
	}
	if (ftruncate(scratch, 0) < 0 || lseek(scratch, 0, SEEK_SET) < 0)
		fuzz_fail(T, "scratch file");
	log_set_format(json ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
	dup2(scratch, STDERR_FILENO);
	log_fields(LOG_ERR, fields, nfields, "%s", msg);
	dup2(saved, STDERR_FILENO);
	end = lseek(scratch, 0, SEEK_CUR);
	if (end < 0)
		fuzz_fail(T, "scratch file");
	out = malloc((size_t)end + 1);
	if (!out || pread(scratch, out, (size_t)end, 0) != end)
		fuzz_fail(T, "scratch file read");
	out[end] = '\0';
	*ret_len = (size_t)end;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"REQUEST_ID", "LIST", "NUMBER",
					    "AWS_MESSAGE", "KEY", "REGION",
					    "CODE"};
	struct log_field fields[7];
	const char *part[NPARTS];
	char *buf, *p, *number, *out;
	size_t nparts = 0, nfields, i, len, start = 0;
	bool json, utf8 = true;

	if (size < 1)
		return 0;
	json = data[0] & 1;
	nfields = (data[0] >> 1) & 7;
	buf = fuzz_strdup(data + 1, size - 1);
	for (p = buf; nparts < NPARTS && p <= buf + size - 1;
	     p += strlen(p) + 1)
		part[nparts++] = p;
	for (i = nparts; i < NPARTS; i++)
		part[i] = "";
	/* The number: digits, with the leading '+' when given. */
	number = strdup(part[0]);
	if (!number)
		fuzz_fail(T, "out of memory");
	for (i = number[0] == '+'; number[i]; i++)
		number[i] = (char)('0' + (unsigned char)number[i] % 10);
	check_mask(number);
	check_redact(part[1], number);
	if (nfields > 7)
		nfields = 7;
	for (i = 0; i < nfields; i++) {
		fields[i].name = names[i];
		fields[i].value = part[2 + i];
		utf8 &= fuzz_utf8_ok((const unsigned char *)part[2 + i],
				     strlen(part[2 + i]));
	}
	utf8 &= fuzz_utf8_ok((const unsigned char *)part[1], strlen(part[1]));
	out = log_to_file(json, part[1], fields, nfields, &len);
	if (len == 0 || out[len - 1] != '\n' || memchr(out, '\n', len - 1))
		fuzz_fail(T, "not exactly one line");
	if (!json && out[0] == '<')
		start = 3; /* "<3>" */
	if ((json || utf8) &&
	    !fuzz_utf8_ok((const unsigned char *)out, len - 1))
		fuzz_fail(T, "logged line is not UTF-8");
	if (json)
		check_json(out, len - 1);
	else
		check_text(out + start, len - 1 - start,
			   "control character in a text line");
	free(out);
	free(number);
	free(buf);
	return 0;
}
