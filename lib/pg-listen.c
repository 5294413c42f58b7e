/*
 * pg-listen.c — LISTEN/NOTIFY over a pg_link (see pg-listen.h).
 *
 * On connect it sends one "LISTEN a; LISTEN b" batch — channel names are
 * identifiers fixed in the code, checked to be [a-z_]+ — then reads
 * notifications whenever the socket is readable.
 */
#include "pg-listen.h"

#include "buffer.h"
#include "log.h"
#include "pg-link.h"
#include "xalloc.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct pg_listener {
	struct pg_link *link;
	char *listen_sql;
	bool listening;       /* LISTEN acknowledged */
	pg_notify_callback_t *callback;
	void *ctx;
};

static void pg_listener_read(struct pg_listener *l)
{
	PGconn *pg = pg_link_conn(l->link);
	PGnotify *n;

	if (PQconsumeInput(pg) == 0) {
		pg_link_reset(l->link, PQerrorMessage(pg));
		return;
	}
	while (!l->listening && !PQisBusy(pg)) {
		PGresult *res = PQgetResult(pg);

		if (res == NULL) {
			l->listening = true;
			l->callback(l->ctx, NULL, NULL);
			break;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("pg", "listen", "event=listen_failed error=\"%s\"",
				  PQresultErrorMessage(res));
		}
		PQclear(res);
	}
	while ((n = PQnotifies(pg)) != NULL) {
		l->callback(l->ctx, n->relname, n->extra);
		PQfreemem(n);
	}
}

static void pg_listener_io(void *ctx, int revents)
{
	struct pg_listener *l = ctx;

	if ((revents & EV_WRITE) != 0 && pg_link_flush(l->link) < 0)
		return;
	if ((revents & EV_READ) != 0)
		pg_listener_read(l);
}

static void pg_listener_connected(void *ctx)
{
	struct pg_listener *l = ctx;
	PGconn *pg = pg_link_conn(l->link);

	l->listening = false;
	if (PQsendQuery(pg, l->listen_sql) == 0) {
		pg_link_reset(l->link, PQerrorMessage(pg));
		return;
	}
	pg_link_flush(l->link);
}

static void pg_listener_lost(void *ctx, const char *error)
{
	struct pg_listener *l = ctx;

	l->listening = false;
}

static const struct pg_link_callbacks pg_listener_callbacks = {
	.connected = pg_listener_connected,
	.io = pg_listener_io,
	.lost = pg_listener_lost,
};

struct pg_listener *pg_listener_new(struct ev_loop *loop, const char *conninfo,
				    const char *const *channels,
				    pg_notify_callback_t *callback, void *ctx)
{
	struct pg_listener *l = xcalloc(1, sizeof(*l));
	struct buffer sql = { 0 };
	size_t len;

	for (unsigned int i = 0; channels[i] != NULL; i++) {
		/* channel names are code constants: [a-z_]+ only */
		for (const char *p = channels[i]; *p != '\0'; p++) {
			if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
				abort();
		}
		buffer_printf(&sql, "LISTEN %s;", channels[i]);
	}
	l->listen_sql = (char *)buffer_steal(&sql, &len);
	l->callback = callback;
	l->ctx = ctx;
	l->link = pg_link_new(loop, conninfo, &pg_listener_callbacks, l, "listen");
	return l;
}

void pg_listener_free(struct pg_listener **lp)
{
	struct pg_listener *l = *lp;

	if (l == NULL)
		return;
	*lp = NULL;
	pg_link_free(&l->link);
	free(l->listen_sql);
	free(l);
}
