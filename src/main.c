/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - optout-eraserd: command line, start-up order, signals.
 *
 * Start-up errors are reported in one line and end the process with a
 * sysexits code; once the pipeline runs, errors travel back here and the
 * pipeline drains and stops in order.  Signal handlers only set a flag.
 */
#include "autoconf.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "credprov.h"
#include "log.h"
#include "notify.h"
#include "pipeline.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/optout-eraser/optout-eraser.conf"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: optout-eraserd [-c FILE] [-o key=value]... "
		"[--check-config] [--version] [--help]\n"
		"\n"
		"Consumes phone-number deletion requests from Kafka, deletes each\n"
		"number from its AWS End User Messaging SMS opt-out list\n"
		"(DeleteOptedOutNumber) and publishes one outcome per request.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -o KEY=VALUE        set a configuration key (wins over the file)\n"
		"  -t, --check-config  check the configuration, print "
		"\"configuration OK\"\n"
		"  -V, --version       print the version\n"
		"  -h, --help          print this help\n",
		DEFAULT_CONFIG);
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = DEFAULT_CONFIG;
	char **overrides = NULL;
	int noverrides = 0, check = 0, c, r, ex = EX_OK, curl_ready = 0;
	struct config cfg = {0};
	struct credprov *cred = NULL;
	struct pipeline_opts opts;
	char errbuf[1024];

	log_init();
	/* First, so that a stop requested during start-up is not lost. */
	if (install_signals() < 0)
		return EX_OSERR;
	overrides = calloc((size_t)argc + 1, sizeof(*overrides));
	if (!overrides)
		return EX_OSERR;
	while ((c = getopt_long(argc, argv, "c:o:tVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'o':
			overrides[noverrides++] = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'V':
			printf("optout-eraserd %s\n", PACKAGE_VERSION);
			goto out;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			ex = EX_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "optout-eraserd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		ex = EX_USAGE;
		goto out;
	}

	r = config_load(&cfg, path, overrides, noverrides, errbuf,
			sizeof(errbuf));
	if (r < 0) {
		fprintf(stderr, "%s\n", errbuf);
		ex = (r == -ENOENT || r == -EACCES) ? EX_NOINPUT : EX_CONFIG;
		goto out;
	}
	if (check) {
		printf("configuration OK\n");
		goto out;
	}
	log_set_level(cfg.log_level);
	notify_init();

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		log_error("cannot set up libcurl");
		ex = EX_OSERR;
		goto out;
	}
	curl_ready = 1;
	cred = credprov_new(&cfg, errbuf, sizeof(errbuf));
	if (!cred) {
		log_error("credentials: %s", errbuf);
		ex = EX_CONFIG;
		goto out;
	}
	log_notice("optout-eraserd %s starting (configuration %s)",
		   PACKAGE_VERSION, path);
	errbuf[0] = '\0';
	opts = (struct pipeline_opts){&stop_requested, &reload_requested, path,
				      overrides, noverrides};
	r = pipeline_run(&cfg, cred, &opts, errbuf, sizeof(errbuf));
	if (r < 0 && errbuf[0]) {
		log_error("%s", errbuf);
		ex = EX_UNAVAILABLE;
	} else if (r < 0) {
		ex = EX_SOFTWARE;
	}
out:
	credprov_free(cred);
	if (curl_ready)
		curl_global_cleanup();
	config_done(&cfg);
	free(overrides);
	return ex;
}
