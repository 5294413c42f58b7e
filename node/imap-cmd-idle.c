/*
 * imap-cmd-idle.c — IDLE (RFC 2177): the client waits for untagged updates,
 * which the session sends as soon as a NOTIFY says the selected mailbox
 * changed (on any node). "* OK Still here" every imap_idle_keepalive keeps
 * NAT boxes from dropping the connection; DONE ends it.
 */
#include "imap-session-private.h"

#include <strings.h>

static void imap_idle_keepalive_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct imap_session *s = t->data;

	imap_send(s, "* OK Still here");
}

void imap_cmd_idle(struct imap_session *s, const struct imap_command *cmd)
{
	double every = (double)imap_setting(s, "imap_idle_keepalive");

	if (cmd->arg_count != 0) {
		imap_cmd_finish(s, "BAD", "IDLE takes no arguments");
		return;
	}
	imap_send(s, "+ idling");
	s->idling = true;
	s->busy = false;          /* input is read as lines until DONE */
	ev_timer_init(&s->keepalive, imap_idle_keepalive_cb, every, every);
	s->keepalive.data = s;
	ev_timer_start(s->worker->loop, &s->keepalive);
	if (s->sel != NULL && s->sel->changed)
		imap_sync(s, true, NULL);
}

void imap_idle_input(struct imap_session *s, const char *line)
{
	s->idling = false;
	ev_timer_stop(s->worker->loop, &s->keepalive);
	s->busy = true;
	if (strcasecmp(line, "DONE") != 0) {
		imap_cmd_finish(s, "BAD", "Expected DONE");
		return;
	}
	imap_cmd_finish(s, "OK", "Idle completed");
}
