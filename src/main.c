/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - optout-eraserd: command line, start-up order, signals.
 *
 * Start-up errors are reported in one line and end the process with a
 * sysexits code; once the pipeline runs, errors travel back here and the
 * pipeline drains and stops in order.  Signal handlers only set a flag,
 * which the main loop (pipeline.c) reads.  The order: signals, arguments,
 * no core dumps (before any secret is read), configuration
 * (--check-config and --dump-config stop there), logging, libcurl,
 * credentials (--preflight checks them and the rest online, then
 * stops), then the pipeline on this, the main thread.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "config_dump.h"
#include "credprov.h"
#include "log.h"
#include "notify.h"
#include "pipeline.h"
#include "preflight.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/optout-eraser/optout-eraser.conf"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
/* The pipe the main loop polls (pipeline_opts.wake): a signal wakes it at
 * once, whichever thread the kernel gave the signal to.  Never closed: a
 * signal may come until the process ends. */
static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
	if (signal_pipe[1] >= 0 && write(signal_pipe[1], "s", 1) < 0) {
		/* full: a wake-up is already waiting */
	}
	errno = saved;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: optout-eraserd [-c FILE] [-o key=value]... "
		"[--check-config | --dump-config | --preflight] [--version] [--help]\n"
		"\n"
		"Consumes phone-number deletion requests from Kafka, deletes each\n"
		"number from its AWS End User Messaging SMS opt-out list\n"
		"(DeleteOptedOutNumber) and publishes one outcome per request.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -o KEY=VALUE        set a configuration key (wins over the file)\n"
		"  -t, --check-config  check the configuration, print "
		"\"configuration OK\"\n"
		"      --dump-config   print every key, its value and where it "
		"came from\n"
		"                      (secrets masked), then exit\n"
		"      --preflight     check Kafka, the topics, the group, the\n"
		"                      credentials and the endpoint online\n"
		"  -V, --version       print the version\n"
		"  -h, --help          print this help\n",
		DEFAULT_CONFIG);
}

static int install_signals(void)
{
	struct sigaction sa;

	if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
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

/* Ours and the libraries' versions as linked at run time; libsystemd has
 * no call for it, so its version is the one built against. */
static void print_version(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("optout-eraserd %s\n", PACKAGE_VERSION);
	printf("librdkafka %s\n", rd_kafka_version_str());
	printf("libcurl %s (%s)\n", cv->version,
	       cv->ssl_version ? cv->ssl_version : "no TLS");
	printf("OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	printf("cJSON %s\n", cJSON_Version());
	printf("libsystemd %s (built against)\n", LIBSYSTEMD_VERSION);
}

#define CREDENTIALS_ROLES_MAX 256

/* The credential chain gets the aws.* settings, not the configuration. */
static struct credprov *credentials_start(const struct config *cfg,
					  char *errbuf, size_t errlen)
{
	const char *accounts[CREDENTIALS_ROLES_MAX], *arns[CREDENTIALS_ROLES_MAX];
	struct source_opts opts = {.profile = cfg->aws_profile,
				   .region = cfg->aws_region,
				   .ca_file = cfg->aws_ca_file,
				   .fips = cfg->aws_use_fips_endpoint,
				   .role_accounts = accounts,
				   .role_arns = arns};
	const struct config_prop *role;

	for (role = cfg->aws_roles; role; role = role->next) {
		if (opts.nroles == CREDENTIALS_ROLES_MAX) {
			snprintf(errbuf, errlen, "more than %d aws.role. keys",
				 CREDENTIALS_ROLES_MAX);
			errno = EINVAL;
			return NULL;
		}
		accounts[opts.nroles] = role->name;
		arns[opts.nroles++] = role->value;
	}
	return credprov_new(&opts, errbuf, errlen);
}

/* The files librdkafka will read (certificates, keys, keytabs): a missing
 * one is a configuration error, found before any client is made.
 * Returns 0 or a negative errno with the message in @errbuf. */
static int check_files(const struct config *cfg, char *errbuf, size_t errlen)
{
	int r;

	r = config_props_check_files(cfg->kafka, "kafka.", errbuf, errlen);
	if (!r)
		r = config_props_check_files(cfg->consumer, "consumer.",
					     errbuf, errlen);
	if (!r)
		r = config_props_check_files(cfg->producer, "producer.",
					     errbuf, errlen);
	return r;
}

struct args {
	const char *path;
	char **overrides; /* -o key=value, argv's strings */
	int noverrides;
	bool check;
	bool dump; /* --dump-config */
	bool preflight; /* --preflight */
};

/* Parses the command line into @a.  Returns -1 to go on, or the exit
 * status: EX_OK after --help or --version, EX_USAGE. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 't'},
		{"dump-config", no_argument, NULL, 'D'},
		{"preflight", no_argument, NULL, 'P'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:o:tVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->path = optarg;
			break;
		case 'o':
			a->overrides[a->noverrides++] = optarg;
			break;
		case 't':
			a->check = true;
			break;
		case 'D':
			a->dump = true;
			break;
		case 'P':
			a->preflight = true;
			break;
		case 'V':
			print_version();
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "optout-eraserd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define OPTOUT_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(OPTOUT_LSAN)
#define OPTOUT_LSAN 1
#endif

/* The memory holds AWS keys, Kafka passwords and phone numbers: no core
 * file (RLIMIT_CORE 0, also under kernel.suid_dumpable=2) and no dumpable
 * state, so that no core is written, other processes of the same user
 * cannot ptrace the daemon or read its /proc/PID/mem and environ, and its
 * /proc/PID files belong to root.  Always, right after the command line,
 * before any secret is read; except in a build with AddressSanitizer,
 * whose LeakSanitizer attaches to the process with ptrace at exit. */
static void no_core_dumps(void)
{
	const struct rlimit zero = {0, 0};

	if (setrlimit(RLIMIT_CORE, &zero) < 0)
		log_warning("cannot set RLIMIT_CORE to 0: %m");
#ifndef OPTOUT_LSAN
	if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) < 0)
		log_warning("cannot clear the dumpable flag: %m");
#endif
}

/* --preflight: the checklist on stdout; EX_UNAVAILABLE when a check
 * failed. */
static int preflight(const struct config *cfg, const struct args *a)
{
	struct credprov *cred;
	char errbuf[1024];
	int fails;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		log_error("cannot set up libcurl");
		return EX_OSERR;
	}
	errbuf[0] = '\0';
	cred = credentials_start(cfg, errbuf, sizeof(errbuf));
	fails = preflight_run(cfg, a->path, cred, errbuf, stdout);
	credprov_free(cred);
	curl_global_cleanup();
	return fails ? EX_UNAVAILABLE : EX_OK;
}

/* Runs the daemon on the loaded @cfg until it stops; the exit status. */
static int run(const struct config *cfg, const struct args *a)
{
	struct credprov *cred = NULL;
	struct pipeline_opts opts;
	char errbuf[1024];
	int r, ex = EX_OK;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		log_error("cannot set up libcurl");
		return EX_OSERR;
	}
	notify_status("starting: resolving AWS credentials");
	cred = credentials_start(cfg, errbuf, sizeof(errbuf));
	if (!cred) {
		/* A source set up wrong is the configuration's fault; anything
		 * else may pass on retry (the metadata service or STS not up
		 * yet, a role not attached yet). */
		ex = errno == EINVAL ? EX_CONFIG : EX_TEMPFAIL;
		log_error("credentials: %s", errbuf);
		goto out;
	}
	log_notice("optout-eraserd %s starting (configuration %s)",
		   PACKAGE_VERSION, a->path);
	notify_status("starting: connecting to Kafka");
	errbuf[0] = '\0';
	opts = (struct pipeline_opts){&stop_requested, &reload_requested,
				      {signal_pipe[0], signal_pipe[1]},
				      a->path, a->overrides, a->noverrides};
	r = pipeline_run(cfg, cred, &opts, errbuf, sizeof(errbuf));
	if (r < 0 && errbuf[0]) {
		log_error("%s", errbuf);
		ex = EX_UNAVAILABLE;
	} else if (r < 0) {
		ex = EX_SOFTWARE;
	}
out:
	credprov_free(cred);
	curl_global_cleanup();
	return ex;
}

int main(int argc, char **argv)
{
	struct args a = {DEFAULT_CONFIG, NULL, 0, false, false, false};
	struct config cfg = {0};
	char errbuf[8192];
	int r, ex;

	log_init();
	/* First, so that a stop requested during start-up is not lost. */
	if (install_signals() < 0)
		return EX_OSERR;
	a.overrides = calloc((size_t)argc + 1, sizeof(*a.overrides));
	if (!a.overrides)
		return EX_OSERR;
	ex = parse_args(argc, argv, &a);
	if (ex >= 0)
		goto out;
	ex = EX_OK;
	no_core_dumps();
	r = config_load(&cfg, a.path, a.overrides, a.noverrides, errbuf,
			sizeof(errbuf));
	if (r < 0) {
		fprintf(stderr, "%s\n", errbuf);
		ex = (r == -ENOENT || r == -EACCES || r == -EISDIR) ?
			     EX_NOINPUT : EX_CONFIG;
		goto out;
	}
	if (cfg.warning)
		log_warning("%s", cfg.warning);
	if (a.dump) {
		ex = config_dump(&cfg, stdout) ? EX_IOERR : EX_OK;
		goto out;
	}
	if (!a.preflight && check_files(&cfg, errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "%s\n", errbuf);
		ex = EX_CONFIG;
		goto out;
	}
	if (a.check) {
		printf("configuration OK\n");
		goto out;
	}
	log_set_level(cfg.log_level);
	log_set_format(cfg.log_format);
	if (a.preflight) {
		ex = preflight(&cfg, &a);
		goto out;
	}
	notify_init();
	ex = run(&cfg, &a);
out:
	config_done(&cfg);
	free(a.overrides);
	return ex;
}
