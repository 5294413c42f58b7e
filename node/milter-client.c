/*
 * milter-client.c — an asynchronous connection to one external milter in
 * a worker's loop (see milter-client.h): connect, OPTNEG, then runs of
 * queued commands, each answered by the milter's final reply.
 *
 * States: CONNECTING (connect and OPTNEG outstanding), READY, FAILED.
 * While a command that the milter answers is out, `awaiting` holds its
 * command byte and the command timeout runs; otherwise no timer runs.
 */
#include "milter-client.h"

#include "conn.h"
#include "log.h"
#include "milter-proto.h"
#include "xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum milter_client_state { MILTER_CONNECTING, MILTER_READY, MILTER_FAILED };

struct milter_client {
	struct conn *conn;
	enum milter_client_state state;
	char spec[sizeof(((struct milter_target *)0)->spec)];
	char log_id[32];
	double connect_timeout, command_timeout;
	size_t max_edits;
	struct milter_negotiation neg;
	struct buffer queue;         /* encoded commands not yet sent */
	struct buffer edits;         /* modification packets of this run */
	struct buffer packet;        /* the reply being handled */
	char awaiting;               /* command whose answer is due, or 0 */
	bool skip_body;              /* the milter answered "skip" to a chunk */
	bool running;
	bool freeing;                /* freed by its user, QUIT being flushed */
	milter_client_callback_t *callback;
	void *ctx;
	char reason[160];
	char reply[512];
};

static void milter_client_destroy(struct milter_client *c)
{
	conn_free(&c->conn);
	buffer_clear(&c->queue);
	buffer_compact(&c->queue);
	buffer_clear(&c->edits);
	buffer_compact(&c->edits);
	buffer_clear(&c->packet);
	buffer_compact(&c->packet);
	free(c);
}

/* End the run with result. The callback comes last: it may free c. */
static void milter_client_report(struct milter_client *c, struct milter_result *result)
{
	milter_client_callback_t *callback = c->callback;

	c->running = false;
	c->awaiting = 0;
	buffer_clear(&c->queue);
	result->edits = &c->edits;
	callback(c->ctx, result);
}

static void milter_client_fail(struct milter_client *c, const char *reason)
{
	struct milter_result result = { .failed = true, .reason = c->reason };

	if (c->state != MILTER_FAILED) {
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
		log_warning("milter", c->log_id, "event=milter_failed milter=%s reason=\"%s\"",
			    c->spec, reason);
	}
	c->state = MILTER_FAILED;
	conn_free(&c->conn);
	if (c->freeing) {
		milter_client_destroy(c);
		return;
	}
	if (c->running)
		milter_client_report(c, &result);
}

/* Send queued commands until one needs an answer (0) or the queue is
   empty and the run reported (-1: c may be gone). */
static int milter_client_send(struct milter_client *c)
{
	struct milter_result result = { .code = SMFIR_CONTINUE };

	while (buffer_len(&c->queue) > 0) {
		const unsigned char *p = buffer_data(&c->queue);
		size_t len = milter_packet_size(p);
		char command = milter_packet_command(p);
		bool send = milter_step_sent(&c->neg, command) &&
			!(command == SMFIC_BODY && c->skip_body);

		if (send)
			conn_write(c->conn, p, len);
		buffer_consume(&c->queue, len);
		if (send && milter_step_replies(&c->neg, command)) {
			c->awaiting = command;
			conn_set_timeout(c->conn, c->command_timeout);
			return 0;
		}
	}
	conn_set_timeout(c->conn, 0);
	milter_client_report(c, &result);
	return -1;
}

/* Keep a modification that came before the final answer to end of body. */
static int milter_client_keep_edit(struct milter_client *c, const unsigned char *packet,
				   size_t len)
{
	if (c->awaiting != SMFIC_BODYEOB) {
		milter_client_fail(c, "modification before end of message");
		return -1;
	}
	if (buffer_len(&c->edits) + len > c->max_edits) {
		milter_client_fail(c, "modifications too large");
		return -1;
	}
	buffer_append(&c->edits, packet, len);
	return 0;
}

/* The answer to the OPTNEG we sent on connecting. */
static int milter_client_negotiated(struct milter_client *c, const struct milter_reply *r)
{
	const char *error;

	if (milter_negotiate(r, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL, &c->neg, &error) < 0) {
		milter_client_fail(c, error);
		return -1;
	}
	c->state = MILTER_READY;
	c->awaiting = 0;
	conn_set_timeout(c->conn, 0);
	return c->running ? milter_client_send(c) : 0;
}

/* A final reply to the command out. Returns -1 when the run ended. */
static int milter_client_final(struct milter_client *c, const struct milter_reply *r)
{
	struct milter_result result = { .code = r->code };

	if (r->code == SMFIR_CONTINUE || r->code == SMFIR_SKIP) {
		if (r->code == SMFIR_SKIP && c->awaiting == SMFIC_BODY)
			c->skip_body = true;
		c->awaiting = 0;
		return milter_client_send(c);
	}
	if (r->code == SMFIR_SHUTDOWN || r->code == SMFIR_CONN_FAIL) {
		milter_client_fail(c, "milter shut the connection down");
		return -1;
	}
	if (r->code == SMFIR_REPLYCODE) {
		snprintf(c->reply, sizeof(c->reply), "%s", r->text);
		result.reply = c->reply;
	}
	conn_set_timeout(c->conn, 0);
	milter_client_report(c, &result);
	return -1;
}

/* One whole reply packet. Returns -1 once c must not be touched. */
static int milter_client_reply(struct milter_client *c, const struct milter_reply *r,
			       const unsigned char *packet, size_t len)
{
	if (c->awaiting == 0) {
		milter_client_fail(c, "reply without a command");
		return -1;
	}
	if (c->awaiting == SMFIC_OPTNEG)
		return milter_client_negotiated(c, r);
	if (r->code == SMFIR_PROGRESS)
		return 0;   /* the conn restarted the command timer on reading it */
	if (!milter_reply_is_final(r->code))
		return milter_client_keep_edit(c, packet, len);
	return milter_client_final(c, r);
}

static void milter_client_input(void *ctx)
{
	struct milter_client *c = ctx;

	for (;;) {
		struct buffer *in = conn_input(c->conn);
		struct milter_reply r;
		size_t consumed;
		const char *error;
		int ret = milter_reply_parse(buffer_data(in), buffer_len(in), MILTER_REPLY_MAX,
					     &r, &consumed, &error);

		if (ret == 0)
			return;
		if (ret < 0) {
			milter_client_fail(c, error);
			return;
		}
		/* handled from a copy: the input is consumed first, as the
		   reply may end the run and the callback free c */
		buffer_clear(&c->packet);
		buffer_append(&c->packet, buffer_data(in), consumed);
		buffer_consume(in, consumed);
		milter_reply_parse(buffer_data(&c->packet), consumed, MILTER_REPLY_MAX, &r,
				   &consumed, &error);
		if (milter_client_reply(c, &r, buffer_data(&c->packet), consumed) < 0)
			return;
	}
}

static void milter_client_timeout(void *ctx)
{
	struct milter_client *c = ctx;

	milter_client_fail(c, c->state == MILTER_CONNECTING ? "connect timeout" :
			   "command timeout");
}

static void milter_client_closed(void *ctx, const char *reason)
{
	struct milter_client *c = ctx;

	if (c->freeing && c->state == MILTER_READY && !c->running) {
		milter_client_destroy(c);   /* our QUIT was flushed */
		return;
	}
	milter_client_fail(c, reason != NULL ? reason : "connection closed");
}

static void milter_client_connected(void *ctx)
{
	struct milter_client *c = ctx;

	/* the OPTNEG reply must come within the connect timeout as well */
	conn_set_timeout(c->conn, c->connect_timeout);
}

static const struct conn_callbacks milter_client_callbacks = {
	.input = milter_client_input,
	.timeout = milter_client_timeout,
	.closed = milter_client_closed,
	.connected = milter_client_connected,
};

struct milter_client *milter_client_new(struct ev_loop *loop, const struct milter_target *target,
					double connect_timeout, double command_timeout,
					size_t max_edits, const char *log_id)
{
	struct milter_client *c = xcalloc(1, sizeof(*c));
	struct buffer optneg = { 0 };
	const char *error;

	memcpy(c->spec, target->spec, sizeof(c->spec));
	snprintf(c->log_id, sizeof(c->log_id), "%s", log_id);
	c->connect_timeout = connect_timeout;
	c->command_timeout = command_timeout;
	c->max_edits = max_edits;
	c->conn = conn_connect(loop, &target->addr, target->addr_len, &milter_client_callbacks, c,
			       &error);
	if (c->conn == NULL) {
		milter_client_fail(c, error);
		return c;
	}
	conn_set_max_input(c->conn, MILTER_REPLY_MAX + MILTER_LEN_BYTES);
	conn_set_timeout(c->conn, connect_timeout);
	milter_encode_optneg(&optneg, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL);
	conn_write(c->conn, buffer_data(&optneg), buffer_len(&optneg));
	buffer_clear(&optneg);
	buffer_compact(&optneg);
	c->awaiting = SMFIC_OPTNEG;
	return c;
}

struct buffer *milter_client_queue(struct milter_client *client)
{
	return &client->queue;
}

void milter_client_run(struct milter_client *c, milter_client_callback_t *callback, void *ctx)
{
	struct milter_result failed = { .failed = true, .reason = c->reason };

	assert(!c->running);
	c->running = true;
	c->callback = callback;
	c->ctx = ctx;
	c->skip_body = false;
	buffer_clear(&c->edits);
	if (c->state == MILTER_FAILED)
		milter_client_report(c, &failed);
	else if (c->state == MILTER_READY)
		(void)milter_client_send(c);
	/* else the negotiation's answer starts sending */
}

bool milter_client_busy(const struct milter_client *client)
{
	return client->running;
}

void milter_client_free(struct milter_client **clientp)
{
	struct milter_client *c = *clientp;
	struct buffer quit = { 0 };

	if (c == NULL)
		return;
	*clientp = NULL;
	assert(!c->running);
	if (c->state != MILTER_READY) {
		milter_client_destroy(c);
		return;
	}
	c->freeing = true;
	milter_encode_simple(&quit, SMFIC_QUIT);
	conn_write(c->conn, buffer_data(&quit), buffer_len(&quit));
	buffer_clear(&quit);
	buffer_compact(&quit);
	conn_close(c->conn);
}
