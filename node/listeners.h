/*
 * listeners.h — the node's listening sockets.
 *
 * The master binds every configured listener this build serves, once per
 * worker slot with SO_REUSEPORT: the kernel spreads connections across
 * workers, and a restarted worker takes over its slot's socket (connections
 * queued on it meanwhile wait instead of being refused). Listener names
 * the build does not serve yet are logged and skipped.
 */
#ifndef LISTENERS_H
#define LISTENERS_H

#include "config.h"

#include <stdbool.h>

struct listeners {
	unsigned int workers;
	int *fds;   /* fds[worker * LISTENER_COUNT + kind], -1 when not listening */
};

/* Whether this build has a protocol session for the listener. */
bool listeners_supported(enum listener_kind kind);
int listeners_open(const struct petrel_config *config, struct listeners *listeners_r,
		   const char **error_r);
int listeners_fd(const struct listeners *listeners, unsigned int worker,
		 enum listener_kind kind);
/* Close every socket except the given worker's (worker = -1: all). */
void listeners_close_others(struct listeners *listeners, int worker);

#endif
