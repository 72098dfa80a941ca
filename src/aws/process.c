/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.c - the credential_process source: a command whose stdout is the
 * JSON answer.
 *
 * Owns the chain's fifth row: the profile's credential_process, run by
 * /bin/sh -c with posix_spawn(), stdin and stderr on /dev/null, in its own
 * process group (so a timeout kills whatever it started too), with default
 * signal dispositions and an empty signal mask.  It has 30 s to write at
 * most CREDS_BODY_MAX bytes and exit 0; its output is creddoc.c's to parse.
 * A process that fails is an error, never an absence.
 *
 * process_detect() runs at start-up on the main thread (chain.c);
 * process_fetch() there and on credprov.c's refresher thread, which stops
 * it (the abort flag is polled every 100 ms) when the provider is freed.
 * The output buffer is wiped before it is freed.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "creddoc.h"
#include "util.h"

#define PROCESS_TIMEOUT_MS 30000

/* One run of the command. */
struct run {
	const atomic_bool *abort;
	int64_t deadline; /* monotonic ms */
	int fds[2];       /* the stdout pipe */
	pid_t pid;
	struct buf out;   /* at most CREDS_BODY_MAX bytes, wiped */
};

static bool stopped(const struct run *run)
{
	return run->abort && atomic_load(run->abort);
}

/* Waits for @pid, killing its process group first when @kill_it. */
static int reap(pid_t pid, bool kill_it)
{
	int status = 0;

	if (kill_it)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Starts /bin/sh -c @command with its stdout on the pipe's write end. */
static int spawn(struct run *run, const char *command, char *errbuf,
		 size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	bool fa_ok = false, attr_ok = false;
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	sigset_t mask, def;
	int r;

	r = posix_spawn_file_actions_init(&fa);
	fa_ok = !r;
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						     O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, run->fds[1], 1);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
						     O_WRONLY, 0);
	if (!r) {
		r = posix_spawnattr_init(&attr);
		attr_ok = !r;
	}
	sigemptyset(&mask);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE); /* ignored here; an ignore is inherited */
	if (!r)
		r = posix_spawnattr_setsigmask(&attr, &mask);
	if (!r)
		r = posix_spawnattr_setsigdefault(&attr, &def);
	if (!r)
		r = posix_spawnattr_setpgroup(&attr, 0);
	if (!r)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
							    POSIX_SPAWN_SETSIGDEF |
							    POSIX_SPAWN_SETPGROUP);
	if (!r)
		r = posix_spawn(&run->pid, "/bin/sh", &fa, &attr, argv,
				environ);
	if (r) {
		util_set_error(errbuf, errlen, "cannot start /bin/sh: %s",
			       strerror(r));
		run->pid = -1;
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	return -r;
}

/* Reads the command's stdout until it closes, the deadline or a stop. */
static int read_output(struct run *run, char *errbuf, size_t errlen)
{
	struct pollfd pfd;
	bool eof = false;
	int64_t now;
	long n;
	int r;

	while (!eof) {
		now = util_mono_ms();
		if (stopped(run)) {
			util_set_error(errbuf, errlen, "stopped");
			return -ECANCELED;
		}
		if (now >= run->deadline) {
			util_set_error(errbuf, errlen,
				       "did not finish within %d s",
				       PROCESS_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		pfd = (struct pollfd){.fd = run->fds[0], .events = POLLIN};
		if (poll(&pfd, 1, run->deadline - now < 100 ?
					  (int)(run->deadline - now) :
					  100) <= 0)
			continue;
		n = buf_read(&run->out, run->fds[0]);
		if (n == -EAGAIN)
			continue;
		if (n == -E2BIG) {
			util_set_error(errbuf, errlen,
				       "output larger than %d bytes",
				       CREDS_BODY_MAX);
			return -EFBIG;
		}
		if (n < 0) {
			r = (int)n;
			util_set_error(errbuf, errlen, "reading its output: %s",
				       strerror(-r));
			return r;
		}
		eof = n == 0;
	}
	return 0;
}

/* Output closed: gives the command until the deadline to exit 0. */
static int wait_exit(struct run *run, char *errbuf, size_t errlen)
{
	int status = 0, r;
	pid_t n;

	for (;;) {
		n = waitpid(run->pid, &status, WNOHANG);
		if (n == run->pid)
			break;
		if (n < 0 && errno != EINTR) {
			r = -errno;
			util_set_error(errbuf, errlen, "waitpid: %s",
				       strerror(-r));
			return r;
		}
		if (stopped(run) || util_mono_ms() >= run->deadline) {
			util_set_error(errbuf, errlen, "%s", stopped(run) ?
				       "stopped" : "did not exit after closing "
				       "its output");
			return stopped(run) ? -ECANCELED : -ETIMEDOUT;
		}
		poll(NULL, 0, 20);
	}
	run->pid = -1;
	if (WIFSIGNALED(status)) {
		util_set_error(errbuf, errlen, "killed by signal %d",
			       WTERMSIG(status));
		return -EIO;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		util_set_error(errbuf, errlen, "exited with status %d",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

/*
 * Runs @command.  Returns 0 with its stdout in *@ret_out (@ret_len bytes;
 * wipe it), or an error.
 */
static int run_process(const struct source *src, char **ret_out,
		       size_t *ret_len, char *errbuf, size_t errlen)
{
	struct run run = {.abort = src->abort, .fds = {-1, -1}, .pid = -1};
	int r;

	run.deadline = util_mono_ms() + PROCESS_TIMEOUT_MS;
	buf_init(&run.out, CREDS_BODY_MAX, BUF_SECRET);
	if (pipe2(run.fds, O_CLOEXEC) < 0) {
		r = -errno;
		util_set_error(errbuf, errlen, "pipe: %s", strerror(-r));
		goto out;
	}
	r = spawn(&run, src->command, errbuf, errlen);
	if (r)
		goto out;
	close(run.fds[1]);
	run.fds[1] = -1;
	r = read_output(&run, errbuf, errlen);
	if (!r)
		r = wait_exit(&run, errbuf, errlen);
	if (r)
		goto out;
	*ret_len = run.out.len;
	*ret_out = buf_take(&run.out);
	if (!*ret_out)
		r = -ENOMEM;
out:
	if (run.pid > 0)
		reap(run.pid, true);
	if (run.fds[0] >= 0)
		close(run.fds[0]);
	if (run.fds[1] >= 0)
		close(run.fds[1]);
	buf_free(&run.out);
	return r;
}

int process_detect(struct source_ctx *ctx, struct source *src,
		   struct credentials *ret, char *errbuf, size_t errlen)
{
	const char *command = profile_pick(ctx->fc.credential_process,
					   ctx->fg.credential_process);
	int r;

	(void)ret;
	(void)errbuf;
	(void)errlen;
	if (!command)
		return -ENOENT;
	snprintf(src->name, sizeof(src->name), "credential-process:%s",
		 ctx->profile);
	r = util_strdup_to(&src->command, command);
	if (!r)
		r = util_strdup_to(&src->profile, ctx->profile);
	return r;
}

int process_fetch(struct source *src, struct credentials *k, char *errbuf,
		  size_t errlen)
{
	char *out = NULL, why[256];
	size_t len = 0;
	int r;

	r = run_process(src, &out, &len, errbuf, errlen);
	if (r)
		return r;
	r = creddoc_parse_json(CREDDOC_PROCESS, out, len, k, why, sizeof(why));
	if (r)
		util_set_error(errbuf, errlen, "its output: %s", why);
	OPENSSL_cleanse(out, len);
	free(out);
	return r;
}
