/*
 * master.h — the node's supervising process: binds listeners, drops
 * privileges, forks and restarts workers, relays SIGHUP, drains on SIGTERM,
 * and tells systemd it is ready. It talks to no database and runs no event
 * loop: a plain sigtimedwait() loop is harder to break.
 */
#ifndef MASTER_H
#define MASTER_H

#include "config.h"

/* Returns the process exit status. */
int master_run(struct petrel_config *config);

#endif
