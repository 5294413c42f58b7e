/*
 * pg-link.c — a self-reconnecting asynchronous libpq connection (see
 * pg-link.h).
 */
#include "pg-link.h"

#include "log.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define PG_LINK_BACKOFF_MIN 0.1
#define PG_LINK_BACKOFF_MAX 5.0

enum pg_link_state { PG_LINK_WAITING, PG_LINK_CONNECTING, PG_LINK_CONNECTED };

struct pg_link {
	struct ev_loop *loop;
	char *conninfo;
	char *name;
	const struct pg_link_callbacks *cb;
	void *ctx;
	PGconn *pg;
	enum pg_link_state state;
	ev_io io;
	ev_timer retry;
	double backoff;
};

static void pg_link_connect(struct pg_link *link);

static void pg_link_watch(struct pg_link *link, int events)
{
	int fd = PQsocket(link->pg);

	if (ev_is_active(&link->io) && (link->io.fd != fd || link->io.events != events))
		ev_io_stop(link->loop, &link->io);
	if (events == 0 || fd < 0)
		return;
	if (!ev_is_active(&link->io)) {
		ev_io_set(&link->io, fd, events);
		ev_io_start(link->loop, &link->io);
	}
}

static void pg_link_fail(struct pg_link *link, const char *error)
{
	char msg[512];

	/* libpq's message ends in a newline; keep the log to one line */
	snprintf(msg, sizeof(msg), "%s", error);
	msg[strcspn(msg, "\n")] = '\0';
	ev_io_stop(link->loop, &link->io);
	if (link->pg != NULL) {
		PQfinish(link->pg);
		link->pg = NULL;
	}
	link->state = PG_LINK_WAITING;
	ev_timer_set(&link->retry, link->backoff, 0);
	ev_timer_start(link->loop, &link->retry);
	log_warning("pg", link->name, "event=disconnected retry_in=%.1fs error=\"%s\"",
		    link->backoff, msg);
	link->backoff *= 2;
	if (link->backoff > PG_LINK_BACKOFF_MAX)
		link->backoff = PG_LINK_BACKOFF_MAX;
	link->cb->lost(link->ctx, msg);
}

static void pg_link_poll(struct pg_link *link)
{
	switch (PQconnectPoll(link->pg)) {
	case PGRES_POLLING_READING:
		pg_link_watch(link, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		pg_link_watch(link, EV_WRITE);
		break;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(link->pg, 1) != 0) {
			pg_link_fail(link, PQerrorMessage(link->pg));
			return;
		}
		ev_io_stop(link->loop, &link->io);
		link->state = PG_LINK_CONNECTED;
		link->backoff = PG_LINK_BACKOFF_MIN;
		log_debug("pg", link->name, "event=connected host=%s", PQhost(link->pg));
		link->cb->connected(link->ctx);
		break;
	default:
		pg_link_fail(link, PQerrorMessage(link->pg));
		break;
	}
}

static void pg_link_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pg_link *link = w->data;

	if (link->state == PG_LINK_CONNECTING)
		pg_link_poll(link);
	else if (link->state == PG_LINK_CONNECTED)
		link->cb->io(link->ctx, revents);
}

static void pg_link_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	pg_link_connect(w->data);
}

static void pg_link_connect(struct pg_link *link)
{
	link->pg = PQconnectStart(link->conninfo);
	if (link->pg == NULL) {
		pg_link_fail(link, "out of memory");
		return;
	}
	if (PQstatus(link->pg) == CONNECTION_BAD) {
		pg_link_fail(link, PQerrorMessage(link->pg));
		return;
	}
	link->state = PG_LINK_CONNECTING;
	pg_link_poll(link);
}

struct pg_link *pg_link_new(struct ev_loop *loop, const char *conninfo,
			    const struct pg_link_callbacks *callbacks, void *ctx,
			    const char *name)
{
	struct pg_link *link = xcalloc(1, sizeof(*link));

	link->loop = loop;
	link->conninfo = xstrdup(conninfo);
	link->name = xstrdup(name);
	link->cb = callbacks;
	link->ctx = ctx;
	link->backoff = PG_LINK_BACKOFF_MIN;
	ev_init(&link->io, pg_link_io_cb);
	ev_init(&link->retry, pg_link_retry_cb);
	link->io.data = link->retry.data = link;
	/* connect from the loop, so no callback runs before the owner has the link */
	ev_timer_set(&link->retry, 0, 0);
	ev_timer_start(loop, &link->retry);
	return link;
}

void pg_link_free(struct pg_link **linkp)
{
	struct pg_link *link = *linkp;

	if (link == NULL)
		return;
	*linkp = NULL;
	ev_io_stop(link->loop, &link->io);
	ev_timer_stop(link->loop, &link->retry);
	if (link->pg != NULL)
		PQfinish(link->pg);
	free(link->conninfo);
	free(link->name);
	free(link);
}

PGconn *pg_link_conn(const struct pg_link *link)
{
	return link->state == PG_LINK_CONNECTED ? link->pg : NULL;
}

void pg_link_want(struct pg_link *link, bool read, bool write)
{
	if (link->state == PG_LINK_CONNECTED)
		pg_link_watch(link, (read ? EV_READ : 0) | (write ? EV_WRITE : 0));
}

int pg_link_flush(struct pg_link *link)
{
	int flushed = PQflush(link->pg);

	if (flushed < 0) {
		pg_link_reset(link, PQerrorMessage(link->pg));
		return -1;
	}
	pg_link_want(link, true, flushed == 1);
	return 0;
}

void pg_link_reset(struct pg_link *link, const char *error)
{
	pg_link_fail(link, error);
}
