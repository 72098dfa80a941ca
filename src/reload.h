/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.h - SIGHUP: read the configuration again and apply what can
 * change while running.
 *
 * Which keys a reload applies is the configuration table's business
 * (config_reloadable()); this module reads the file with the same -o
 * overrides, applies the log level and the sender's keys, has the
 * credentials read again, and says which changed keys need a restart.
 *
 * @locality main thread (the main loop, when it sees the SIGHUP flag).
 */
#ifndef OPTOUT_RELOAD_H
#define OPTOUT_RELOAD_H

struct config;
struct credprov;
struct sender;

struct reload {
	const char *path;       /* the configuration file */
	char *const *overrides; /* -o key=value, kept over reloads */
	int noverrides;
	const struct config *started; /* the start-up configuration */
	struct config *loaded;        /* of the last good reload, or NULL */
};

/* Remembers where the configuration comes from; @started stays the
 * caller's. */
void reload_init(struct reload *rl, const struct config *started,
		 const char *path, char *const *overrides, int noverrides);

/* Re-reads the file and applies it to @sender and @cred, logging what was
 * applied and what needs a restart; on an error the running configuration
 * stays (logged).  Tells systemd RELOADING=1, then READY=1.  Returns 0
 * when applied, -EINVAL when the file was refused. */
int reload_run(struct reload *rl, struct sender *sender,
	       struct credprov *cred);

/* Frees the configuration of the last reload.  The sender must no longer
 * use it. */
void reload_done(struct reload *rl);

#endif
