/*
 * pg-link.h — one non-blocking libpq connection in a libev loop that keeps
 * itself connected: asynchronous connect (PQconnectStart/PQconnectPoll,
 * following the socket as libpq moves between the hosts of a multi-host
 * conninfo), then socket readiness handed to the owner, and on failure a
 * reconnect with exponential back-off (0.1 s doubling to 5 s).
 *
 * The pool's connections and the LISTEN connection are both pg_links.
 */
#ifndef PG_LINK_H
#define PG_LINK_H

#include <ev.h>
#include <libpq-fe.h>
#include <stdbool.h>

struct pg_link;

struct pg_link_callbacks {
	/* The connection is up (non-blocking mode set). */
	void (*connected)(void *ctx);
	/* Socket readiness (EV_READ/EV_WRITE) while connected. */
	void (*io)(void *ctx, int revents);
	/* The connection failed or broke; the link reconnects by itself. */
	void (*lost)(void *ctx, const char *error);
};

struct pg_link *pg_link_new(struct ev_loop *loop, const char *conninfo,
			    const struct pg_link_callbacks *callbacks, void *ctx,
			    const char *name);
void pg_link_free(struct pg_link **link);
/* The libpq connection while connected, else NULL. */
PGconn *pg_link_conn(const struct pg_link *link);
/* Which readiness to report while connected. */
void pg_link_want(struct pg_link *link, bool read, bool write);
/* Send what libpq has buffered, then watch for reading (and for writing
   while output remains). Returns -1 when the connection broke (it has been
   reset). */
int pg_link_flush(struct pg_link *link);
/* Drop a broken connection: reports lost(error) and schedules a reconnect. */
void pg_link_reset(struct pg_link *link, const char *error);

#endif
