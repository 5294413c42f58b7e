/*
 * smtp-client.c — the outbound SMTP client (see smtp-client.h).
 *
 * One struct smtp_client walks the hosts' addresses until one session
 * gets through greeting, EHLO/HELO, STARTTLS and AUTH ("the handshake"),
 * then sends the owner's messages one after another. A message is a
 * sequence of commands — MAIL, one RCPT per recipient, DATA — whose
 * replies arrive in order: with PIPELINING all are written at once, without
 * it the next is written when the previous reply arrived; either way the
 * same reply handler (client_message_reply) consumes them by index.
 *
 * A failure during the handshake moves on to the next address; a failure
 * once messages were handed out gives their open recipients a 4xx. Either
 * way, when the connection cannot continue, every message the owner still
 * wants is taken and deferred with the last reason, so the owner has one
 * path for all outcomes. Owner callbacks may arrive from inside conn
 * callbacks, so the client is freed only when the outermost entry point
 * returns (depth/ended).
 */
#include "smtp-client.h"

#include "base64.h"
#include "conn.h"
#include "log.h"
#include "net.h"
#include "smtp-reply.h"
#include "strbuf.h"
#include "xalloc.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Body bytes queued per refill, and the output level that asks for more:
   a slow server never makes the worker hold more than about this. */
#define CLIENT_BODY_HIGH (256 * 1024)
#define CLIENT_BODY_LOW (64 * 1024)
/* The polite wait for "221" after QUIT. */
#define CLIENT_QUIT_SECS 5.0
/* Code of locally made temporary results. */
#define CLIENT_LOCAL_CODE 451

enum client_state {
	CLIENT_CONNECTING,
	CLIENT_GREETING,
	CLIENT_EHLO,
	CLIENT_HELO,
	CLIENT_STARTTLS,
	CLIENT_AUTH,            /* AUTH PLAIN with initial response */
	CLIENT_AUTH_LOGIN_USER, /* AUTH LOGIN: the 334 asking for the user */
	CLIENT_AUTH_LOGIN_PASS,
	CLIENT_AUTH_LOGIN_DONE,
	CLIENT_RSET,
	CLIENT_MESSAGE,         /* MAIL/RCPT/DATA replies and the final one */
	CLIENT_QUIT,
};

struct client_host {
	char *name;
	struct sockaddr_storage *addrs;
	unsigned int addr_count;
};

/* The message being sent and where its command sequence stands. */
struct client_message {
	const struct smtp_client_message *msg;
	unsigned int sent;        /* commands written: MAIL, RCPTs, DATA */
	unsigned int replied;     /* their replies handled (+1: final reply) */
	bool mail_ok;
	bool mail_failed;
	bool body_sent;
	unsigned int accepted;    /* RCPTs answered 2xx */
	bool *accepted_rcpt;
	bool *has_result;
	size_t body_pos;
	bool body_bol;            /* the next body byte starts a line */
};

struct smtp_client {
	struct ev_loop *loop;
	struct smtp_client_params params;
	const struct smtp_client_callbacks *cb;
	void *ctx;
	struct client_host *hosts;
	unsigned int host_count;
	unsigned int host_idx, addr_idx;   /* the address being tried */
	char ip[64];

	struct conn *conn;
	ev_timer kick;                     /* the first connect, from the loop */
	enum client_state state;
	struct smtp_reply reply;
	struct smtp_ehlo ehlo;
	bool need_rset;
	bool messages_started;             /* on this connection */
	unsigned int messages_sent;        /* to this address, for the log */
	struct client_message cur;
	char last_error[600];              /* "4.4.1 connection to ... refused" */

	int depth;
	bool ended;
};

static void client_try_address(struct smtp_client *c);
static void client_next_message(struct smtp_client *c);
static void client_write_body(void *ctx);

static const char *client_host_name(const struct smtp_client *c)
{
	return c->hosts[c->host_idx].name;
}

static void client_command(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void client_command(struct smtp_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_write_vline(c->conn, fmt, ap);
	va_end(ap);
}

static void client_enter(struct smtp_client *c)
{
	c->depth++;
}

static void client_free(struct smtp_client *c)
{
	for (unsigned int i = 0; i < c->host_count; i++) {
		free(c->hosts[i].name);
		free(c->hosts[i].addrs);
	}
	free(c->hosts);
	free(c->cur.accepted_rcpt);
	free(c->cur.has_result);
	smtp_reply_free(&c->reply);
	ev_timer_stop(c->loop, &c->kick);
	conn_free(&c->conn);
	free(c);
}

/* Leave an entry point; the client is freed here once it has ended. */
static void client_leave(struct smtp_client *c)
{
	if (--c->depth == 0 && c->ended)
		client_free(c);
}

static void client_log_connection(struct smtp_client *c, const char *outcome)
{
	const char *tls = c->conn != NULL ? conn_tls_description(c->conn) : NULL;

	log_info("smtp-client", NULL,
		 "event=connection host=%s ip=%s port=%u tls=\"%s\" messages=%u result=\"%s\"",
		 client_host_name(c), c->ip, c->params.port, tls != NULL ? tls : "no",
		 c->messages_sent, outcome);
}

static void client_result(struct smtp_client *c, unsigned int rcpt, int code, const char *text)
{
	if (c->cur.has_result[rcpt])
		return;
	c->cur.has_result[rcpt] = true;
	c->cb->result(c->ctx, c->cur.msg, rcpt, code, text);
}

/* The reply as result text: "5.1.1 text" when it had an enhanced code. */
static const char *client_reply_text(struct smtp_client *c, struct strbuf *buf)
{
	strbuf_truncate(buf, 0);
	if (c->reply.enhanced[0] != '\0')
		strbuf_printf(buf, "%s ", c->reply.enhanced);
	strbuf_append(buf, strbuf_cstr(&c->reply.text));
	return strbuf_cstr(buf);
}

/* Every open recipient of the current message gets code/text. */
static void client_result_all(struct smtp_client *c, int code, const char *text)
{
	for (unsigned int i = 0; c->cur.msg != NULL && i < c->cur.msg->rcpt_count; i++)
		client_result(c, i, code, text);
}

static void client_message_begin(struct smtp_client *c, const struct smtp_client_message *msg)
{
	free(c->cur.accepted_rcpt);
	free(c->cur.has_result);
	memset(&c->cur, 0, sizeof(c->cur));
	c->cur.msg = msg;
	c->cur.accepted_rcpt = xcalloc(msg->rcpt_count + 1, sizeof(bool));
	c->cur.has_result = xcalloc(msg->rcpt_count + 1, sizeof(bool));
	c->cur.body_bol = true;
}

static void client_message_end(struct smtp_client *c)
{
	c->cur.msg = NULL;
}

/* The connection cannot go on: close it, defer the open recipients and
   every message the owner still wants with reason, report done(). */
static void client_end(struct smtp_client *c, const char *error)
{
	const struct smtp_client_message *msg;

	conn_free(&c->conn);
	if (error != NULL) {
		client_result_all(c, CLIENT_LOCAL_CODE, c->last_error);
		client_message_end(c);
		while ((msg = c->cb->next(c->ctx)) != NULL) {
			client_message_begin(c, msg);
			client_result_all(c, CLIENT_LOCAL_CODE, c->last_error);
			client_message_end(c);
		}
	}
	c->ended = true;
	c->cb->done(c->ctx, error);
}

/* This connection failed with reason (enhanced code first). Before any
   message was handed out the next address gets its turn. */
static void client_fail(struct smtp_client *c, const char *reason)
{
	snprintf(c->last_error, sizeof(c->last_error), "%s", reason);
	client_log_connection(c, reason);
	conn_free(&c->conn);
	if (c->messages_started) {
		client_end(c, c->last_error);
		return;
	}
	c->addr_idx++;
	client_try_address(c);
}

static void client_failf(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void client_failf(struct smtp_client *c, const char *fmt, ...)
{
	char reason[sizeof(c->last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	client_fail(c, reason);
}

/* A reply that ends the handshake at this address. */
static void client_fail_reply(struct smtp_client *c, const char *what)
{
	struct strbuf text = STRBUF_INIT;

	client_failf(c, "4.4.0 %s [%s] answered %s with: %u %s", client_host_name(c), c->ip,
		     what, c->reply.code, client_reply_text(c, &text));
	strbuf_free(&text);
}

static void client_quit(struct smtp_client *c)
{
	c->state = CLIENT_QUIT;
	client_command(c, "QUIT");
	conn_set_timeout(c->conn, c->params.command_timeout < CLIENT_QUIT_SECS ?
			 c->params.command_timeout : CLIENT_QUIT_SECS);
}

static void client_finish_quit(struct smtp_client *c)
{
	client_log_connection(c, "ok");
	client_end(c, NULL);
}

static void client_send_ehlo(struct smtp_client *c)
{
	c->state = CLIENT_EHLO;
	client_command(c, "EHLO %s", c->params.ehlo_name);
}

/* AUTH PLAIN (RFC 4616) with the initial response, or AUTH LOGIN. */
static void client_send_auth(struct smtp_client *c)
{
	struct strbuf line = STRBUF_INIT;

	if (c->ehlo.auth & SMTP_AUTH_PLAIN) {
		size_t ulen = strlen(c->params.auth_user), plen = strlen(c->params.auth_password);
		char *raw = xmalloc(ulen + plen + 2);

		raw[0] = '\0';
		memcpy(raw + 1, c->params.auth_user, ulen);
		raw[ulen + 1] = '\0';
		memcpy(raw + ulen + 2, c->params.auth_password, plen);
		strbuf_append(&line, "AUTH PLAIN ");
		base64_encode(&line, raw, ulen + plen + 2);
		explicit_bzero(raw, ulen + plen + 2);
		free(raw);
		c->state = CLIENT_AUTH;
	} else {
		strbuf_append(&line, "AUTH LOGIN");
		c->state = CLIENT_AUTH_LOGIN_USER;
	}
	strbuf_append(&line, "\r\n");
	conn_write(c->conn, strbuf_cstr(&line), line.len);
	explicit_bzero(line.data, line.len);
	strbuf_free(&line);
}

static void client_send_base64(struct smtp_client *c, const char *value)
{
	struct strbuf line = STRBUF_INIT;

	base64_encode(&line, value, strlen(value));
	strbuf_append(&line, "\r\n");
	conn_write(c->conn, strbuf_cstr(&line), line.len);
	explicit_bzero(line.data, line.len);
	strbuf_free(&line);
}

/* EHLO/HELO (after TLS too) is done: STARTTLS, AUTH, or the messages. */
static void client_after_ehlo(struct smtp_client *c)
{
	bool tls = conn_is_tls(c->conn);
	bool want_tls = c->params.tls != SMTP_CLIENT_TLS_NONE && c->params.tls_ctx != NULL;

	if (!tls && want_tls && c->ehlo.starttls) {
		c->state = CLIENT_STARTTLS;
		client_command(c, "STARTTLS");
		return;
	}
	if (!tls && c->params.tls == SMTP_CLIENT_TLS_ENCRYPT) {
		client_failf(c, "4.7.4 %s [%s] does not offer STARTTLS, which is required",
			     client_host_name(c), c->ip);
		return;
	}
	if (c->params.auth_user != NULL && (c->ehlo.auth & (SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN))) {
		if (!tls && !net_ip_is_loopback(c->ip)) {
			client_failf(c, "4.7.4 credentials not sent to %s [%s] without TLS",
				     client_host_name(c), c->ip);
			return;
		}
		client_send_auth(c);
		return;
	}
	conn_set_timeout(c->conn, c->params.command_timeout);
	client_next_message(c);
}

/* A 220 to STARTTLS: handshake, then EHLO again (sent once it is done). */
static void client_begin_tls(struct smtp_client *c)
{
	const char *error;

	if (conn_start_tls_client(c->conn, c->params.tls_ctx, client_host_name(c), &error) < 0)
		client_failf(c, "4.7.0 TLS with %s [%s] failed: %s", client_host_name(c), c->ip,
			     error);
	else
		client_send_ehlo(c);
}

static void client_handshake_reply(struct smtp_client *c)
{
	bool ok = c->reply.code / 100 == 2;

	if (c->state == CLIENT_EHLO && c->reply.code / 100 == 5 && !conn_is_tls(c->conn)) {
		c->state = CLIENT_HELO;
		client_command(c, "HELO %s", c->params.ehlo_name);
	} else if (c->state == CLIENT_STARTTLS && c->reply.code == 220) {
		client_begin_tls(c);
	} else if (c->state == CLIENT_STARTTLS && c->params.tls != SMTP_CLIENT_TLS_ENCRYPT) {
		/* MAY: go on in plaintext, and do not ask again */
		c->ehlo.starttls = false;
		client_after_ehlo(c);
	} else if (!ok || c->state == CLIENT_STARTTLS) {
		client_fail_reply(c, c->state == CLIENT_GREETING ? "the connection" :
				  c->state == CLIENT_EHLO ? "EHLO" :
				  c->state == CLIENT_HELO ? "HELO" : "STARTTLS");
	} else if (c->state == CLIENT_GREETING) {
		client_send_ehlo(c);
	} else {
		if (c->state == CLIENT_HELO)
			memset(&c->ehlo, 0, sizeof(c->ehlo));
		client_after_ehlo(c);
	}
}

static void client_auth_reply(struct smtp_client *c)
{
	unsigned int code = c->reply.code;

	if (c->state == CLIENT_AUTH_LOGIN_USER && code == 334) {
		c->state = CLIENT_AUTH_LOGIN_PASS;
		client_send_base64(c, c->params.auth_user);
	} else if (c->state == CLIENT_AUTH_LOGIN_PASS && code == 334) {
		c->state = CLIENT_AUTH_LOGIN_DONE;
		client_send_base64(c, c->params.auth_password);
	} else if (code != 235 || c->state == CLIENT_AUTH_LOGIN_USER ||
		   c->state == CLIENT_AUTH_LOGIN_PASS) {
		if (code == 334)   /* a challenge we cannot answer: cancel it */
			conn_write(c->conn, "*\r\n", 3);
		client_fail_reply(c, "AUTH");
	} else {
		conn_set_timeout(c->conn, c->params.command_timeout);
		client_next_message(c);
	}
}

/* Refuse a message locally when the server cannot take it; true if so. */
static bool client_refuse_locally(struct smtp_client *c)
{
	const struct smtp_client_message *msg = c->cur.msg;
	char text[400];

	if (msg->smtputf8 && !c->ehlo.smtputf8) {
		snprintf(text, sizeof(text), "5.6.7 SMTPUTF8 not supported by %s [%s]",
			 client_host_name(c), c->ip);
		client_result_all(c, 550, text);
		return true;
	}
	if (c->ehlo.size && c->ehlo.size_max > 0 && msg->size > c->ehlo.size_max) {
		snprintf(text, sizeof(text),
			 "5.3.4 message size %zu exceeds the limit %llu of %s [%s]", msg->size,
			 (unsigned long long)c->ehlo.size_max, client_host_name(c), c->ip);
		client_result_all(c, 552, text);
		return true;
	}
	return false;
}

/* Write command number n of the message: MAIL, RCPT 0..k-1, DATA. */
static void client_send_command(struct smtp_client *c, unsigned int n)
{
	const struct smtp_client_message *msg = c->cur.msg;

	if (n == 0) {
		struct strbuf line = STRBUF_INIT;

		strbuf_printf(&line, "MAIL FROM:<%s>", msg->sender);
		if (c->ehlo.size)
			strbuf_printf(&line, " SIZE=%zu", msg->size);
		if (msg->eightbit && c->ehlo.eightbitmime)
			strbuf_append(&line, " BODY=8BITMIME");
		if (msg->smtputf8)
			strbuf_append(&line, " SMTPUTF8");
		client_command(c, "%s", strbuf_cstr(&line));
		strbuf_free(&line);
	} else if (n <= msg->rcpt_count) {
		client_command(c, "RCPT TO:<%s>", msg->rcpts[n - 1]);
	} else {
		client_command(c, "DATA");
	}
	c->cur.sent = n + 1;
}

static void client_send_message(struct smtp_client *c)
{
	unsigned int total = c->cur.msg->rcpt_count + 2;

	c->state = CLIENT_MESSAGE;
	c->need_rset = false;
	c->messages_sent++;
	conn_set_timeout(c->conn, c->params.command_timeout);
	if (!c->ehlo.pipelining) {
		client_send_command(c, 0);
		return;
	}
	for (unsigned int n = 0; n < total; n++)
		client_send_command(c, n);
}

/* Ask the owner for the next message (and RSET first when a transaction
   may be open); QUIT when there is none. */
static void client_next_message(struct smtp_client *c)
{
	const struct smtp_client_message *msg;

	for (;;) {
		msg = c->cb->next(c->ctx);
		if (msg == NULL || c->ended)
			break;
		c->messages_started = true;
		client_message_begin(c, msg);
		if (!client_refuse_locally(c))
			break;
		client_message_end(c);
	}
	if (c->ended)
		return;
	if (msg == NULL) {
		client_quit(c);
	} else if (c->need_rset) {
		c->state = CLIENT_RSET;
		client_command(c, "RSET");
	} else {
		client_send_message(c);
	}
}

/* The message is over (every recipient has its result). */
static void client_message_done(struct smtp_client *c)
{
	c->need_rset = c->cur.mail_ok && !c->cur.body_sent;
	client_message_end(c);
	client_next_message(c);
}

/* DATA refused, or the reply to the final ".": it is the result of every
   accepted recipient, and the message is over. */
static void client_data_result(struct smtp_client *c, const char *text)
{
	for (unsigned int i = 0; i < c->cur.msg->rcpt_count; i++) {
		if (c->cur.accepted_rcpt[i])
			client_result(c, i, c->reply.code, text);
	}
	conn_set_timeout(c->conn, c->params.command_timeout);
	client_message_done(c);
}

/* The reply to DATA (command rcpts + 1). */
static void client_data_reply(struct smtp_client *c, const char *text)
{
	struct client_message *m = &c->cur;

	if (c->reply.code == 354 && m->accepted == 0) {
		/* RFC 2920 3.1: DATA accepted with no recipient — send an empty
		   message, whose reply is then ignored. */
		m->body_sent = true;
		conn_write(c->conn, ".\r\n", 3);
	} else if (c->reply.code == 354 && !m->mail_failed) {
		conn_set_timeout(c->conn, c->params.command_timeout);
		client_write_body(c);
	} else if (m->accepted == 0 || m->mail_failed) {
		client_message_done(c);
	} else {
		client_data_result(c, text);
	}
}

/* The reply to MAIL (n = 0) or RCPT n - 1. */
static void client_envelope_reply(struct smtp_client *c, unsigned int n, const char *text)
{
	struct client_message *m = &c->cur;
	bool ok = c->reply.code / 100 == 2;

	if (n == 0) {
		m->mail_ok = ok;
		m->mail_failed = !ok;
		if (!ok)
			client_result_all(c, c->reply.code, text);
	} else if (!m->mail_failed && ok) {
		m->accepted_rcpt[n - 1] = true;
		m->accepted++;
	} else if (!m->mail_failed) {
		client_result(c, n - 1, c->reply.code, text);
	}
	if (c->ehlo.pipelining)
		return;
	/* one at a time: after MAIL refused, or the last RCPT with nobody
	   accepted, DATA is not sent at all */
	if (m->mail_failed || (n == m->msg->rcpt_count && m->accepted == 0))
		client_message_done(c);
	else
		client_send_command(c, n + 1);
}

/* The reply to command number n of the current message: MAIL, the RCPTs,
   DATA, then (n = rcpts + 2) the final ".". */
static void client_message_reply(struct smtp_client *c, unsigned int n, const char *text)
{
	unsigned int rcpts = c->cur.msg->rcpt_count;

	if (n <= rcpts)
		client_envelope_reply(c, n, text);
	else if (n == rcpts + 1)
		client_data_reply(c, text);
	else if (c->cur.accepted == 0)
		client_message_done(c);
	else
		client_data_result(c, text);
}

/* Write body bytes up to the high-water mark, dot-stuffed; the rest when
   the output has drained below the low-water mark. */
static void client_write_body(void *ctx)
{
	struct smtp_client *c = ctx;
	struct client_message *m = &c->cur;
	const unsigned char *data = m->msg->data;
	size_t size = m->msg->size;

	while (m->body_pos < size && conn_output_len(c->conn) < CLIENT_BODY_HIGH) {
		const unsigned char *p = data + m->body_pos;
		const unsigned char *nl = memchr(p, '\n', size - m->body_pos);
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 : size - m->body_pos;

		if (m->body_bol && p[0] == '.')
			conn_write(c->conn, ".", 1);
		conn_write(c->conn, p, n);
		m->body_bol = nl != NULL;
		m->body_pos += n;
	}
	if (m->body_pos < size) {
		conn_set_timeout(c->conn, c->params.command_timeout);
		conn_when_output_below(c->conn, CLIENT_BODY_LOW, client_write_body);
		return;
	}
	if (!m->body_bol)
		conn_write(c->conn, "\r\n", 2);
	conn_write(c->conn, ".\r\n", 3);
	m->body_sent = true;
	conn_set_timeout(c->conn, c->params.data_timeout);
}

static void client_dispatch(struct smtp_client *c)
{
	struct strbuf text = STRBUF_INIT;

	switch (c->state) {
	case CLIENT_GREETING:
	case CLIENT_EHLO:
	case CLIENT_HELO:
	case CLIENT_STARTTLS:
		client_handshake_reply(c);
		break;
	case CLIENT_AUTH:
	case CLIENT_AUTH_LOGIN_USER:
	case CLIENT_AUTH_LOGIN_PASS:
	case CLIENT_AUTH_LOGIN_DONE:
		client_auth_reply(c);
		break;
	case CLIENT_RSET:
		/* whatever RSET got, the message taken before it goes now */
		client_send_message(c);
		break;
	case CLIENT_MESSAGE:
		client_message_reply(c, c->cur.replied++, client_reply_text(c, &text));
		break;
	case CLIENT_QUIT:
		client_finish_quit(c);
		break;
	case CLIENT_CONNECTING:
		break;
	}
	strbuf_free(&text);
}

/* A reply is due only while a command is outstanding. */
static bool client_expects_reply(const struct smtp_client *c)
{
	if (c->state != CLIENT_MESSAGE)
		return true;
	return c->cur.replied < c->cur.sent || (c->cur.body_sent && c->cur.msg != NULL);
}

static void client_input(void *ctx)
{
	struct smtp_client *c = ctx;
	struct buffer *in = conn_input(c->conn);
	const char *error;
	size_t consumed;
	int ret;

	client_enter(c);
	while (!c->ended && c->conn != NULL && buffer_len(in) > 0) {
		if (!client_expects_reply(c)) {
			client_failf(c, "4.5.0 %s [%s] sent an unexpected reply",
				     client_host_name(c), c->ip);
			break;
		}
		ret = smtp_reply_parse(buffer_data(in), buffer_len(in), c->params.max_reply_size,
				       &c->reply, &consumed, &error);
		if (ret == 0)
			break;
		if (ret < 0) {
			client_failf(c, "4.5.0 %s [%s] sent a bad reply: %s", client_host_name(c),
				     c->ip, error);
			break;
		}
		/* EHLO keywords are read from the raw reply before it goes */
		if (c->state == CLIENT_EHLO && c->reply.code / 100 == 2)
			smtp_ehlo_parse(buffer_data(in), consumed, &c->ehlo);
		buffer_consume(in, consumed);
		client_dispatch(c);
		/* STARTTLS or a new address may have replaced the conn */
		if (c->conn != NULL)
			in = conn_input(c->conn);
	}
	client_leave(c);
}

static void client_timeout(void *ctx)
{
	struct smtp_client *c = ctx;

	client_enter(c);
	if (c->state == CLIENT_QUIT)
		client_finish_quit(c);
	else
		client_failf(c, "4.4.%d connection to %s [%s] timed out%s",
			     c->state == CLIENT_CONNECTING ? 1 : 2, client_host_name(c), c->ip,
			     c->state == CLIENT_CONNECTING ? " while connecting" : "");
	client_leave(c);
}

static void client_closed(void *ctx, const char *reason)
{
	struct smtp_client *c = ctx;

	client_enter(c);
	if (c->state == CLIENT_QUIT)
		client_finish_quit(c);
	else
		client_failf(c, "4.4.%d connection to %s [%s] %s: %s",
			     c->state == CLIENT_CONNECTING ? 1 : 2, client_host_name(c), c->ip,
			     c->state == CLIENT_CONNECTING ? "failed" : "lost", reason);
	client_leave(c);
}

static void client_connected(void *ctx)
{
	struct smtp_client *c = ctx;

	c->state = CLIENT_GREETING;
	conn_set_timeout(c->conn, c->params.helo_timeout);
}

static const struct conn_callbacks client_conn_callbacks = {
	.input = client_input,
	.timeout = client_timeout,
	.closed = client_closed,
	.connected = client_connected,
};

/* Connect to the current address, or the next one that takes a connect;
   when none is left, the client ends with the last error. */
static void client_try_address(struct smtp_client *c)
{
	const char *error;

	for (; c->host_idx < c->host_count; c->host_idx++, c->addr_idx = 0) {
		struct client_host *host = &c->hosts[c->host_idx];

		for (; c->addr_idx < host->addr_count; c->addr_idx++) {
			struct sockaddr_storage *addr = &host->addrs[c->addr_idx];
			socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								     : sizeof(struct sockaddr_in);

			net_ip_string(addr, c->ip, sizeof(c->ip));
			c->state = CLIENT_CONNECTING;
			c->messages_sent = 0;
			memset(&c->ehlo, 0, sizeof(c->ehlo));
			c->conn = conn_connect(c->loop, addr, len, &client_conn_callbacks, c, &error);
			if (c->conn != NULL) {
				conn_set_max_input(c->conn, c->params.max_reply_size);
				conn_set_timeout(c->conn, c->params.connect_timeout);
				return;
			}
			snprintf(c->last_error, sizeof(c->last_error),
				 "4.4.1 connection to %s [%s] failed: %s", host->name, c->ip, error);
			client_log_connection(c, c->last_error);
		}
	}
	if (c->last_error[0] == '\0')
		snprintf(c->last_error, sizeof(c->last_error), "4.4.4 no mail host has an address");
	client_end(c, c->last_error);
}

static void client_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct smtp_client *c = w->data;

	(void)loop;
	(void)revents;
	client_enter(c);
	client_try_address(c);
	client_leave(c);
}

struct smtp_client *smtp_client_start(struct ev_loop *loop, const struct dns_mail_host *hosts,
				      unsigned int host_count,
				      const struct smtp_client_params *params,
				      const struct smtp_client_callbacks *callbacks, void *ctx)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->params = *params;
	c->cb = callbacks;
	c->ctx = ctx;
	c->hosts = xcalloc(host_count + 1, sizeof(*c->hosts));
	c->host_count = host_count;
	for (unsigned int i = 0; i < host_count; i++) {
		struct client_host *host = &c->hosts[i];

		host->name = xstrdup(hosts[i].name);
		host->addr_count = hosts[i].addr_count;
		host->addrs = xcalloc(host->addr_count + 1, sizeof(*host->addrs));
		for (unsigned int j = 0; j < host->addr_count; j++) {
			host->addrs[j] = hosts[i].addrs[j];
			if (host->addrs[j].ss_family == AF_INET6)
				((struct sockaddr_in6 *)&host->addrs[j])->sin6_port = htons(params->port);
			else
				((struct sockaddr_in *)&host->addrs[j])->sin_port = htons(params->port);
		}
	}
	ev_timer_init(&c->kick, client_kick, 0, 0);
	c->kick.data = c;
	ev_timer_start(loop, &c->kick);
	return c;
}

void smtp_client_abort(struct smtp_client **clientp)
{
	struct smtp_client *c = *clientp;

	if (c == NULL)
		return;
	*clientp = NULL;
	client_free(c);
}
