/*
 * smtp-session.c — the core of inbound SMTP/LMTP sessions: connection
 * callbacks, line reading under the line-length limit, the command table
 * with its state checks, replies and the error/command/time limits.
 * Each command's work lives in smtp-cmd-*.c.
 */
#include "smtp-session-private.h"

#include "conn.h"
#include "log.h"
#include "settings.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMTP_ANY_COMMAND_STATE (SMTP_STATE_BIT(SMTP_STATE_HELO) | \
	SMTP_STATE_BIT(SMTP_STATE_READY) | SMTP_STATE_BIT(SMTP_STATE_MAIL) | \
	SMTP_STATE_BIT(SMTP_STATE_RCPT) | SMTP_STATE_BIT(SMTP_STATE_CHUNKING))

static const struct smtp_command_def smtp_commands[] = {
	{ SMTP_VERB_HELO, SMTP_ANY_COMMAND_STATE, smtp_cmd_helo },
	{ SMTP_VERB_EHLO, SMTP_ANY_COMMAND_STATE, smtp_cmd_helo },
	{ SMTP_VERB_LHLO, SMTP_ANY_COMMAND_STATE, smtp_cmd_helo },
	{ SMTP_VERB_STARTTLS, SMTP_STATE_BIT(SMTP_STATE_HELO) | SMTP_STATE_BIT(SMTP_STATE_READY),
	  smtp_cmd_starttls },
	{ SMTP_VERB_MAIL, SMTP_STATE_BIT(SMTP_STATE_READY), smtp_cmd_mail },
	{ SMTP_VERB_RCPT, SMTP_STATE_BIT(SMTP_STATE_MAIL) | SMTP_STATE_BIT(SMTP_STATE_RCPT),
	  smtp_cmd_rcpt },
	{ SMTP_VERB_DATA, SMTP_STATE_BIT(SMTP_STATE_RCPT), smtp_cmd_data },
	{ SMTP_VERB_BDAT, SMTP_STATE_BIT(SMTP_STATE_RCPT) | SMTP_STATE_BIT(SMTP_STATE_CHUNKING),
	  smtp_cmd_bdat },
	{ SMTP_VERB_RSET, SMTP_ANY_COMMAND_STATE, smtp_cmd_rset },
	{ SMTP_VERB_NOOP, SMTP_ANY_COMMAND_STATE, smtp_cmd_noop },
	{ SMTP_VERB_VRFY, SMTP_ANY_COMMAND_STATE, smtp_cmd_vrfy },
	{ SMTP_VERB_HELP, SMTP_ANY_COMMAND_STATE, smtp_cmd_help },
	{ SMTP_VERB_QUIT, SMTP_ANY_COMMAND_STATE, smtp_cmd_quit },
	{ SMTP_VERB_AUTH, SMTP_STATE_BIT(SMTP_STATE_READY), smtp_cmd_auth },
};

static const char *const smtp_state_names[] = {
	"helo", "ready", "mail", "rcpt", "data", "bdat", "chunking", "closing",
};

long long smtp_setting(const struct smtp_session *s, const char *name)
{
	return settings_get_number(s->worker->settings, name, 0, 0);
}

const char *smtp_hostname(const struct smtp_session *s)
{
	return worker_hostname(s->worker);
}

static void smtp_update_timeout(struct smtp_session *s)
{
	const char *name = s->state == SMTP_STATE_DATA || s->state == SMTP_STATE_BDAT ?
			   "smtp_data_timeout" : "smtp_command_timeout";

	conn_set_timeout(s->conn, s->waiting ? 0 : smtp_setting(s, name));
}

void smtp_set_state(struct smtp_session *s, enum smtp_state state)
{
	if (s->state == state)
		return;
	log_debug("smtp", s->ws.id_str, "event=state from=%s to=%s",
		  smtp_state_names[s->state], smtp_state_names[state]);
	s->state = state;
	if (state != SMTP_STATE_CLOSING)
		smtp_update_timeout(s);
}

void smtp_close_421(struct smtp_session *s, const char *code, const char *text)
{
	if (s->state == SMTP_STATE_CLOSING)
		return;
	conn_printf(s->conn, "421 %s %s %s\r\n", code, smtp_hostname(s), text);
	log_info("smtp", s->ws.id_str, "event=close code=421 reason=\"%s\"", text);
	smtp_set_state(s, SMTP_STATE_CLOSING);
	conn_close(s->conn);
}

void smtp_reply(struct smtp_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 3)
		len = sizeof(line) - 3;
	log_debug("smtp", s->ws.id_str, "reply=\"%.*s\"", len, line);
	memcpy(line + len, "\r\n", 2);
	conn_write(s->conn, line, len + 2);
	if (line[0] == '4' || line[0] == '5') {
		if (++s->errors >= smtp_setting(s, "smtp_hard_error_limit"))
			smtp_close_421(s, "4.7.0", "Error: too many errors");
	}
}

void smtp_wait_begin(struct smtp_session *s)
{
	s->waiting = true;
	conn_pause(s->conn);
	conn_set_timeout(s->conn, 0);
}

void smtp_wait_end(struct smtp_session *s)
{
	s->waiting = false;
	if (s->state == SMTP_STATE_CLOSING)
		return;
	conn_resume(s->conn);
	smtp_update_timeout(s);
}

struct smtp_session *smtp_session_from_ticket(struct session_ticket *ticket)
{
	return (struct smtp_session *)session_ticket_redeem(ticket);
}

/* Reply for a command that is valid but not now. */
static const char *smtp_wrong_state(const struct smtp_session *s, enum smtp_verb verb)
{
	if (s->state == SMTP_STATE_HELO)
		return s->lmtp ? "503 5.5.1 Error: send LHLO first" :
				 "503 5.5.1 Error: send HELO/EHLO first";
	if (s->state == SMTP_STATE_CHUNKING)
		return verb == SMTP_VERB_DATA ? "503 5.5.1 Error: DATA after BDAT" :
						"503 5.5.1 Error: BDAT transfer in progress";
	switch (verb) {
	case SMTP_VERB_STARTTLS:
		return "503 5.5.1 Error: STARTTLS only outside a mail transaction";
	case SMTP_VERB_MAIL:
		return "503 5.5.1 Error: nested MAIL command";
	case SMTP_VERB_AUTH:
		return "503 5.5.1 Error: AUTH not permitted during a mail transaction";
	case SMTP_VERB_RCPT:
		return "503 5.5.1 Error: need MAIL command";
	default:
		return s->state == SMTP_STATE_READY ? "503 5.5.1 Error: need MAIL command" :
						      "503 5.5.1 Error: need RCPT command";
	}
}

static bool smtp_verb_for_protocol(struct smtp_session *s, enum smtp_verb verb)
{
	if (s->lmtp && (verb == SMTP_VERB_HELO || verb == SMTP_VERB_EHLO)) {
		smtp_reply(s, "500 5.5.1 Error: use LHLO in LMTP");
		return false;
	}
	if (s->lmtp && verb == SMTP_VERB_AUTH) {
		smtp_reply(s, "502 5.5.1 Error: command not implemented");
		return false;
	}
	if (!s->lmtp && verb == SMTP_VERB_LHLO) {
		smtp_reply(s, "502 5.5.2 Error: command not recognized");
		return false;
	}
	return true;
}

static void smtp_execute(struct smtp_session *s, char *line, size_t len)
{
	struct smtp_command cmd;
	const char *error;

	if (++s->commands > smtp_setting(s, "smtp_max_commands")) {
		smtp_close_421(s, "4.7.0", "Error: too many commands");
		return;
	}
	if (smtp_command_parse(line, len, &cmd, &error) < 0) {
		smtp_reply(s, "%s", error);
		return;
	}
	if (cmd.verb == SMTP_VERB_UNKNOWN) {
		smtp_reply(s, "502 5.5.2 Error: command not recognized");
		return;
	}
	if (!smtp_verb_for_protocol(s, cmd.verb))
		return;
	for (size_t i = 0; i < sizeof(smtp_commands) / sizeof(smtp_commands[0]); i++) {
		const struct smtp_command_def *def = &smtp_commands[i];

		if (def->verb != cmd.verb)
			continue;
		if ((def->states & SMTP_STATE_BIT(s->state)) != 0) {
			def->proceed(s, &cmd);
			return;
		}
		smtp_reply(s, "%s", smtp_wrong_state(s, cmd.verb));
		/* RFC 3030: the chunk follows anyway; it must never be read as commands */
		if (cmd.verb == SMTP_VERB_BDAT)
			s->bdat_discard = cmd.bdat_size;
		return;
	}
	smtp_reply(s, "502 5.5.1 Error: command not implemented");
}

static void smtp_line_too_long(struct smtp_session *s)
{
	if (s->sasl != NULL)
		smtp_auth_abort_long_line(s);
	else
		smtp_reply(s, "500 5.5.2 Error: line too long");
}

/* Take one command line (or AUTH response) from the input; false when more
   input is needed. */
static bool smtp_read_command(struct smtp_session *s)
{
	static char line[SMTP_LINE_HARD_MAX + 2];
	struct buffer *in = conn_input(s->conn);
	size_t max = smtp_setting(s, "smtp_max_line_length");
	size_t avail = buffer_len(in), len;
	const unsigned char *data = buffer_data(in);
	const unsigned char *lf = memchr(data, '\n', avail);

	if (lf == NULL) {
		if (avail > max + 1) {
			if (!s->skipping_line)
				smtp_line_too_long(s);
			s->skipping_line = true;
			buffer_consume(in, avail);
		}
		return false;
	}
	len = lf - data;
	if (s->skipping_line || len > max + 1) {
		if (!s->skipping_line)
			smtp_line_too_long(s);
		s->skipping_line = false;
		buffer_consume(in, len + 1);
		return true;
	}
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (len > max) {
		buffer_consume(in, lf - data + 1);
		smtp_line_too_long(s);
		return true;
	}
	memcpy(line, data, len);
	line[len] = '\0';
	buffer_consume(in, lf - data + 1);
	if (s->sasl != NULL)
		smtp_auth_continue(s, line);
	else
		smtp_execute(s, line, len);
	/* may hold a password (AUTH PLAIN's initial response or a reply) */
	explicit_bzero(line, len);
	return true;
}

void smtp_session_process(struct smtp_session *s)
{
	while (!s->waiting && s->state != SMTP_STATE_CLOSING) {
		if (s->draining && s->state != SMTP_STATE_DATA && s->state != SMTP_STATE_BDAT) {
			smtp_close_421(s, "4.3.2", "Service shutting down, closing transmission channel");
			return;
		}
		if (buffer_len(conn_input(s->conn)) == 0)
			return;
		/* checked on every input, so a client trickling DATA is bounded too */
		if (ev_now(s->worker->loop) - s->started > smtp_setting(s, "smtp_session_timeout")) {
			smtp_close_421(s, "4.4.2", "Error: session time limit exceeded");
			return;
		}
		if (s->bdat_discard > 0) {
			struct buffer *in = conn_input(s->conn);
			size_t n = buffer_len(in) < s->bdat_discard ? buffer_len(in) : s->bdat_discard;

			buffer_consume(in, n);
			s->bdat_discard -= n;
			continue;
		}
		if (s->state == SMTP_STATE_DATA || s->state == SMTP_STATE_BDAT) {
			if (!smtp_data_input(s))
				return;
		} else if (!smtp_read_command(s)) {
			return;
		}
	}
}

static void smtp_session_input(void *ctx)
{
	smtp_session_process(ctx);
}

static void smtp_session_timeout(void *ctx)
{
	struct smtp_session *s = ctx;

	smtp_close_421(s, "4.4.2", "Error: timeout exceeded");
}

static void smtp_session_closed(void *ctx, const char *reason)
{
	struct smtp_session *s = ctx;

	log_info("smtp", s->ws.id_str, "event=disconnect reason=\"%s\" commands=%u",
		 reason, s->commands);
	worker_session_unregister(&s->ws);
	smtp_transaction_free(&s->tx);
	smtp_policy_session_free(s);
	smtp_auth_forget(s);
	conn_free(&s->conn);
	free(s->helo);
	free(s);
}

static void smtp_session_drain(struct worker_session *ws)
{
	struct smtp_session *s = (struct smtp_session *)ws;

	s->draining = true;
	if (!s->waiting)
		smtp_session_process(s);
}

/* The greeting once the Connect checks have passed; a refused client
   hears why and is disconnected (RFC 5321 3.1: 554 instead of 220). */
static void smtp_session_greet(struct smtp_session *s, enum smtp_verdict verdict,
			       const char *reply)
{
	if (smtp_verdict_refuses(verdict)) {
		conn_printf(s->conn, "%s\r\n", reply);
		smtp_set_state(s, SMTP_STATE_CLOSING);
		conn_close(s->conn);
		return;
	}
	conn_printf(s->conn, "220 %s %s Petrel\r\n", smtp_hostname(s), s->lmtp ? "LMTP" : "ESMTP");
	smtp_update_timeout(s);
}

static const struct conn_callbacks smtp_conn_callbacks = {
	.input = smtp_session_input,
	.timeout = smtp_session_timeout,
	.closed = smtp_session_closed,
};

static const struct worker_session_vfuncs smtp_session_vfuncs = {
	.drain = smtp_session_drain,
};

void smtp_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	worker_session_register(worker, &s->ws, kind, ip, &smtp_session_vfuncs);
	s->worker = worker;
	s->lmtp = kind == LISTENER_LMTP;
	s->submission = kind == LISTENER_SUBMISSION || kind == LISTENER_SMTPS;
	s->started = ev_now(worker->loop);
	s->state = SMTP_STATE_HELO;
	s->conn = conn_new(worker->loop, fd, &smtp_conn_callbacks, s);
	conn_set_max_input(s->conn, SMTP_INPUT_MAX);
	/* RFC 8314: implicit TLS, the greeting already goes through it */
	if (kind == LISTENER_SMTPS && worker->tls != NULL)
		conn_start_tls(s->conn, worker->tls);
	log_info("smtp", s->ws.id_str, "event=connect ip=%s listener=%s", ip,
		 config_listener_name(kind));
	smtp_policy_session_init(s);
	smtp_policy_run(s, SMTP_STAGE_CONNECT, smtp_session_greet);
}
