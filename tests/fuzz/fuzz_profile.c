/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_profile.c - libFuzzer target for the shared credentials and config
 * files (profile_file.c): profile_read(), profile_read_services() and
 * profile_keys() on a file whose text is the input.
 *
 * Input: a flags byte (bit 0: read as the config file; bits 1-2: which
 * profile, "default", "dev", "a b" or "p"), then the file's text, written
 * to a scratch file.
 *
 * Checked on every input:
 *  - the reader answers 0, -EINVAL or -ENOMEM; a refusal names the file
 *    and a line number and no text of the file (it could be a secret):
 *    after "PATH:N: " only a fixed phrase of lower-case words (and
 *    "NUL");
 *  - every value kept is non-empty, has no surrounding blanks and no line
 *    break, and is found verbatim in the file; a profile not found keeps
 *    nothing;
 *  - the same text with CRLF line ends reads the same (botocore reads
 *    both), with the same verdict and line number;
 *  - profile_keys() takes the keys exactly when both are there, and its
 *    refusal names the file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "fuzz.h"
#include "profile_file.h"

#define T "fuzz_profile"

static char path[64];
static int fd = -1;

static void remove_file(void)
{
	unlink(path);
}

static void write_file(const char *text, size_t len)
{
	if (fd < 0) {
		fd = fuzz_scratch(T, path);
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
		fuzz_fail(T, "cannot write the scratch file");
}

/* The profile's values in a fixed order, NULL when absent. */
static size_t values(const struct profile *f, const char **v)
{
	size_t n = 0, i;

	v[n++] = f->keys.access_key_id;
	v[n++] = f->keys.secret_access_key;
	v[n++] = f->keys.session_token;
	v[n++] = f->credential_process;
	v[n++] = f->role_arn;
	v[n++] = f->web_identity_token_file;
	v[n++] = f->role_session_name;
	v[n++] = f->source_profile;
	v[n++] = f->credential_source;
	v[n++] = f->external_id;
	v[n++] = f->duration_seconds;
	for (i = 0; i < PROFILE_NSETTINGS; i++)
		v[n++] = f->settings[i];
	return n;
}

#define NVALUES (11 + PROFILE_NSETTINGS)

static void check_refusal(const char *err)
{
	size_t pl = strlen(path);
	const char *p;

	if (strncmp(err, path, pl) || err[pl] != ':')
		fuzz_fail(T, "refusal does not name the file");
	p = err + pl + 1;
	if (*p < '1' || *p > '9')
		fuzz_fail(T, "refusal does not name the line");
	p += strspn(p, "0123456789");
	if (strncmp(p, ": ", 2))
		fuzz_fail(T, "refusal is not \"FILE:LINE: reason\"");
	for (p += 2; *p; p++) {
		if (!strncmp(p, " NUL ", 5)) /* the one upper-case word */
			p += 3;
		else if (!((*p >= 'a' && *p <= 'z') || *p == ' ' ||
			   *p == '"' || *p == '='))
			fuzz_fail(T, "refusal quotes the file's text");
	}
}

static void check_profile(const struct profile *f, const char *text,
			  size_t len)
{
	const char *v[NVALUES];
	size_t n = values(f, v), i, vl;

	for (i = 0; i < n; i++) {
		if (!v[i])
			continue;
		if (!f->found && i != NVALUES - 1)
			fuzz_fail(T, "a value from a profile not found");
		vl = strlen(v[i]);
		if (!vl || strchr(" \t\r\n", v[i][0]) ||
		    strchr(" \t\r\n", v[i][vl - 1]) || strchr(v[i], '\n'))
			fuzz_fail(T, "value empty, untrimmed or multi-line");
		if (!memmem(text, len, v[i], vl))
			fuzz_fail(T, "a value that is not in the file");
	}
}

static int read_all(const char *text, size_t len, const char *name,
		    bool config, struct profile *f, char *err, size_t errlen)
{
	int r;

	write_file(text, len);
	err[0] = '\0';
	r = profile_read(path, name, config, f, err, errlen);
	if (r == 0 && config)
		r = profile_read_services(path, f, err, errlen);
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		fuzz_fail(T, "unexpected return");
	return r;
}

static void same(const struct profile *a, const struct profile *b)
{
	const char *va[NVALUES], *vb[NVALUES];
	size_t i, n = values(a, va);

	values(b, vb);
	if (a->found != b->found)
		fuzz_fail(T, "CRLF changes whether the profile is found");
	for (i = 0; i < n; i++)
		if ((va[i] == NULL) != (vb[i] == NULL) ||
		    (va[i] && strcmp(va[i], vb[i])))
			fuzz_fail(T, "CRLF changes a value");
}

/* @text with every "\n" written "\r\n". */
static char *crlf(const char *text, size_t len, size_t *ret_len)
{
	char *out = malloc(len * 2 + 1);
	size_t i, o = 0;

	if (!out)
		fuzz_fail(T, "out of memory");
	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			out[o++] = '\r';
		out[o++] = text[i];
	}
	*ret_len = o;
	return out;
}

static void check_keys(const struct profile *f, bool config, const char *name)
{
	struct credentials c = {0};
	char err[512] = "";
	int r;

	r = profile_keys(f, path, name, config, &c, err, sizeof(err));
	if (f->keys.access_key_id && f->keys.secret_access_key) {
		if (r != 0 || strcmp(c.access_key_id, f->keys.access_key_id) ||
		    strcmp(c.secret_access_key, f->keys.secret_access_key))
			fuzz_fail(T, "both keys there but not taken as given");
	} else if (f->keys.access_key_id || f->keys.secret_access_key) {
		if (r != -EINVAL || strncmp(err, path, strlen(path)))
			fuzz_fail(T, "one key alone not refused by file");
	} else if (r != -ENOENT) {
		fuzz_fail(T, "no keys but not -ENOENT");
	}
	creds_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"default", "dev", "a b", "p"};
	struct profile f = {0}, g = {0};
	char err[1024], err2[1024], *text, *text2;
	const char *name;
	size_t len, len2;
	bool config;
	int r, r2;

	if (size < 1)
		return 0;
	config = data[0] & 1;
	name = names[(data[0] >> 1) & 3];
	len = size - 1;
	text = fuzz_strdup(data + 1, len);
	r = read_all(text, len, name, config, &f, err, sizeof(err));
	if (r == -EINVAL)
		check_refusal(err);
	else if (r == 0)
		check_profile(&f, text, len);
	text2 = crlf(text, len, &len2);
	r2 = read_all(text2, len2, name, config, &g, err2, sizeof(err2));
	if (r2 != r || (r == -EINVAL && strcmp(err, err2)))
		fuzz_fail(T, "CRLF changes the verdict");
	if (r == 0) {
		same(&f, &g);
		check_keys(&f, config, name);
	}
	profile_done(&f);
	profile_done(&g);
	free(text2);
	free(text);
	return 0;
}
