/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.c - the SIGHUP reload.
 *
 * The file is read again, with the -o overrides of the command line (they
 * still win), into a new struct config; a file that no longer loads
 * leaves the running configuration as it is.  A good one is compared with
 * the running one key by key (config_diff()): what the configuration table
 * marks as reloadable (config_reloadable()) is applied (the log level,
 * the sender's rate and retry keys), the rest is named in a warning as
 * needing a restart.  Key files and systemd credentials are read again as
 * well, so that rotating them needs no restart.  The new configuration is
 * kept until the next reload or reload_done(): the sender points into it.
 *
 * Called by the main loop (pipeline.c) on the main thread.
 */
#include "reload.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "credprov.h"
#include "log.h"
#include "notify.h"
#include "sender.h"

struct report {
	char applied[512];
	char restart[512];
};

static void on_key_changed(const char *key, void *opaque)
{
	struct report *rr = opaque;
	char *list = config_reloadable(key) ? rr->applied : rr->restart;
	size_t len = strlen(list);

	snprintf(list + len, sizeof(rr->applied) - len, "%s%s",
		 len ? ", " : "", key);
}

void reload_init(struct reload *rl, const struct config *started,
		 const char *path, char *const *overrides, int noverrides)
{
	memset(rl, 0, sizeof(*rl));
	rl->started = started;
	rl->path = path;
	rl->overrides = overrides;
	rl->noverrides = noverrides;
}

int reload_run(struct reload *rl, struct sender *sender,
	       struct credprov *cred)
{
	const struct config *running = rl->loaded ? rl->loaded : rl->started;
	struct report rr = {{0}, {0}};
	struct config *next = calloc(1, sizeof(*next));
	char err[1024];
	int ret = -EINVAL;

	notify_reloading();
	log_notice("reloading %s", rl->path);
	if (!next || config_load(next, rl->path, rl->overrides,
				 rl->noverrides, err, sizeof(err)) < 0) {
		log_error("reload failed, the running configuration stays: %s",
			  next ? err : "out of memory");
		if (next)
			config_done(next);
		free(next);
		goto out;
	}
	config_diff(running, next, on_key_changed, &rr);
	log_set_level(next->log_level);
	sender_reconfigure(sender, next);
	/* Rotated key files or systemd credentials are read again. */
	credprov_reread(cred);
	reload_done(rl);
	rl->loaded = next;
	log_notice("reloaded: %s%s", rr.applied[0] ? "applied " : "nothing "
						   "to apply",
		   rr.applied);
	if (rr.restart[0])
		log_warning("reload: changed keys that need a restart to take "
			    "effect: %s",
			    rr.restart);
	ret = 0;
out:
	notify_ready();
	return ret;
}

void reload_done(struct reload *rl)
{
	if (!rl->loaded)
		return;
	config_done(rl->loaded);
	free(rl->loaded);
	rl->loaded = NULL;
}
