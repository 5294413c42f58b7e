/*
 * pg-listen.h — the dedicated LISTEN connection of a process.
 *
 * Cross-node signals travel as PostgreSQL NOTIFY: settings changes today,
 * mailbox changes for IMAP IDLE later. This is the only connection that
 * holds session state (its LISTENs), as PgBouncer's transaction mode allows
 * only on a direct connection. After every (re)connect the owner is told
 * with channel NULL: notifications may have been missed, reload state.
 */
#ifndef PG_LISTEN_H
#define PG_LISTEN_H

#include <ev.h>

struct pg_listener;

/* channel NULL: (re)connected and listening; reload whatever you cache. */
typedef void pg_notify_callback_t(void *ctx, const char *channel, const char *payload);

/* channels: NULL-terminated list of channel names (plain identifiers). */
struct pg_listener *pg_listener_new(struct ev_loop *loop, const char *conninfo,
				    const char *const *channels,
				    pg_notify_callback_t *callback, void *ctx);
void pg_listener_free(struct pg_listener **listener);

#endif
