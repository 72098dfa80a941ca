/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config.c - libFuzzer target for the configuration loader.
 *
 * The input is a configuration file, optionally followed by a 0xff byte and
 * -o overrides, one per line, so that both the file parser and the override
 * path (and their interplay: later wins, duplicates only in the file) are
 * explored.  Besides the sanitizers' own checks, the target asserts the
 * loader's contract: success leaves every required value set, failure
 * returns a negative errno with one line per error, each naming its place.
 *
 * Built by ./configure --enable-fuzzing, replayed by make check (README,
 * "Fuzzing").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define FUZZ_NAME "fuzz.conf"
#define FUZZ_MAX_OVERRIDES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "contract broken: %s\n", what);
		abort();
	}
}

/* Splits @text (NUL-terminated, modified) into lines; returns how many. */
static int split_overrides(char *text, char **ov, int max)
{
	char *p = text, *nl;
	int n = 0;

	while (n < max && *p) {
		ov[n++] = p;
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t flen = sep ? (size_t)(sep - data) : size;
	char *ov[FUZZ_MAX_OVERRIDES];
	char *tail = NULL, *file = NULL, *line, *nl;
	struct config cfg;
	char err[512];
	size_t tlen;
	int nov = 0, ret;

	/* A copy of exactly flen bytes, so that ASan sees any over-read. */
	file = malloc(flen ? flen : 1);
	if (!file)
		goto out;
	memcpy(file, data, flen);
	if (sep) {
		tlen = size - flen - 1;
		tail = malloc(tlen + 1);
		if (!tail)
			goto out;
		memcpy(tail, sep + 1, tlen);
		tail[tlen] = '\0';
		nov = split_overrides(tail, ov, FUZZ_MAX_OVERRIDES);
	}

	err[0] = 'x';
	err[1] = '\0';
	ret = config_load_buffer(&cfg, FUZZ_NAME, file, flen, ov, nov, err,
				 sizeof(err));
	if (ret == 0) {
		check(err[0] == '\0', "success clears the message");
		check(cfg.requests_topic && cfg.results_topic &&
			      cfg.aws_region,
		      "required strings set");
		check(strcmp(cfg.requests_topic, cfg.results_topic) != 0,
		      "topics differ");
		check(cfg.retry_base_ms <= cfg.retry_cap_ms, "base <= cap");
		check(cfg.kafka || cfg.consumer, "brokers set");
		/* 0 (the default) is one worker per core. */
		check(cfg.sender_workers <= 256, "workers in range");
	} else {
		check(ret < 0, "negative errno");
		for (line = err; line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			check(strncmp(line, FUZZ_NAME, strlen(FUZZ_NAME)) == 0 ||
				      strncmp(line, "-o: ", 4) == 0,
			      "each line names its place");
		}
	}
	config_done(&cfg);
out:
	free(file);
	free(tail);
	return 0;
}
