/*
 * pop3-session.c — the core of POP3 sessions (RFC 1939, RFC 2449): the
 * connection callbacks, reading command lines (over-long ones are
 * discarded and answered, not fatal), the command table with its state
 * checks, replies, the bad-command limit, autologout and shutdown.
 * Commands live in pop3-cmd-auth.c (login, STLS, CAPA), pop3-cmd-maildrop.c
 * (the maildrop snapshot, STAT/LIST/UIDL/DELE/RSET/NOOP/QUIT) and
 * pop3-cmd-retr.c (RETR/TOP).
 */
#include "pop3-session-private.h"

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "policy-ban.h"
#include "sasl.h"
#include "settings.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Most input buffered before a line must be complete: room for the
   longest PASS/AUTH line and its CRLF. */
#define POP3_INPUT_MAX (POP3_LONG_LINE_MAX + 2)

#define POP3_STATE_BIT(s) (1u << (s))
#define POP3_AUTHORIZATION POP3_STATE_BIT(POP3_STATE_AUTHORIZATION)
#define POP3_TRANSACTION POP3_STATE_BIT(POP3_STATE_TRANSACTION)

struct pop3_command_def {
	enum pop3_verb verb;
	unsigned int states;
	void (*run)(struct pop3_session *s, const struct pop3_command *cmd);
};

static const struct pop3_command_def pop3_commands[] = {
	{ POP3_VERB_CAPA, POP3_AUTHORIZATION | POP3_TRANSACTION, pop3_cmd_capa },
	{ POP3_VERB_QUIT, POP3_AUTHORIZATION | POP3_TRANSACTION, pop3_cmd_quit },
	{ POP3_VERB_STLS, POP3_AUTHORIZATION, pop3_cmd_stls },
	{ POP3_VERB_USER, POP3_AUTHORIZATION, pop3_cmd_user },
	{ POP3_VERB_PASS, POP3_AUTHORIZATION, pop3_cmd_pass },
	{ POP3_VERB_AUTH, POP3_AUTHORIZATION, pop3_cmd_auth },
	{ POP3_VERB_STAT, POP3_TRANSACTION, pop3_cmd_stat },
	{ POP3_VERB_LIST, POP3_TRANSACTION, pop3_cmd_list },
	{ POP3_VERB_UIDL, POP3_TRANSACTION, pop3_cmd_uidl },
	{ POP3_VERB_RETR, POP3_TRANSACTION, pop3_cmd_retr },
	{ POP3_VERB_TOP, POP3_TRANSACTION, pop3_cmd_top },
	{ POP3_VERB_DELE, POP3_TRANSACTION, pop3_cmd_dele },
	{ POP3_VERB_RSET, POP3_TRANSACTION, pop3_cmd_rset },
	{ POP3_VERB_NOOP, POP3_TRANSACTION, pop3_cmd_noop },
};

long long pop3_setting(const struct pop3_session *s, const char *name)
{
	return settings_get_number(s->worker->settings, name, s->domain_id, s->account_id);
}

size_t pop3_output_max(const struct pop3_session *s)
{
	return (size_t)pop3_setting(s, "imap_output_buffer_max");
}

void pop3_wait_output(struct pop3_session *s, void (*pump)(void *ctx))
{
	conn_when_output_below(s->conn, pop3_output_max(s) / 2, pump);
	/* a client that stops reading is closed after the session timeout */
	conn_set_timeout(s->conn, (double)pop3_setting(s, "pop3_session_timeout"));
}

bool pop3_auth_allowed(const struct pop3_session *s)
{
	return auth_cleartext_allowed(s->worker, conn_is_tls(s->conn), s->ws.ip);
}

void pop3_send(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_write_vline(s->conn, fmt, ap);
	va_end(ap);
}

void pop3_close(struct pop3_session *s, const char *line)
{
	if (s->state == POP3_STATE_CLOSED)
		return;
	if (line != NULL)
		pop3_send(s, "%s", line);
	log_info("pop3", s->ws.id_str, "event=close reason=\"%s\"", line != NULL ? line : "-");
	s->state = POP3_STATE_CLOSED;
	conn_close(s->conn);
}

struct pop3_session *pop3_session_from_ticket(struct session_ticket *ticket)
{
	struct pop3_session *s = (struct pop3_session *)session_ticket_redeem(ticket);

	return s == NULL || s->state == POP3_STATE_CLOSED ? NULL : s;
}

static void pop3_session_process(struct pop3_session *s);

/* The running command is over: read the next one. */
static void pop3_cmd_done(struct pop3_session *s)
{
	s->busy = false;
	if (s->state == POP3_STATE_CLOSED)
		return;
	conn_resume(s->conn);
	conn_set_timeout(s->conn, (double)pop3_setting(s, "pop3_session_timeout"));
	if (!s->processing)
		pop3_session_process(s);
}

void pop3_cmd_finish(struct pop3_session *s, bool ok, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	strbuf_append(&line, ok ? "+OK " : "-ERR ");
	va_start(ap, fmt);
	strbuf_vprintf(&line, fmt, ap);
	va_end(ap);
	log_debug("pop3", s->ws.id_str, "reply=\"%s\"", strbuf_cstr(&line));
	pop3_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
	pop3_cmd_done(s);
}

void pop3_cmd_finish_multiline(struct pop3_session *s)
{
	conn_write(s->conn, ".\r\n", 3);
	pop3_cmd_done(s);
}

/* A command was refused before it ran: count it against the limit. */
static void pop3_bad_command(struct pop3_session *s, const char *text)
{
	log_info("pop3", s->ws.id_str, "event=bad_command reason=\"%s\"", text);
	if (++s->bad_commands >= POP3_MAX_BAD_COMMANDS) {
		pop3_send(s, "-ERR %s", text);
		pop3_close(s, "-ERR Too many bad commands, closing");
		return;
	}
	pop3_cmd_finish(s, false, "%s", text);
}

static const struct pop3_command_def *pop3_command_find(enum pop3_verb verb)
{
	for (size_t i = 0; i < sizeof(pop3_commands) / sizeof(pop3_commands[0]); i++) {
		if (pop3_commands[i].verb == verb)
			return &pop3_commands[i];
	}
	return NULL;
}

static void pop3_execute(struct pop3_session *s, char *line, size_t len)
{
	const struct pop3_command_def *def;
	struct pop3_command cmd;
	const char *error;

	s->commands++;
	s->busy = true;
	if (pop3_command_parse(line, len, 0, &cmd, &error) < 0) {
		pop3_bad_command(s, error);
		return;
	}
	def = pop3_command_find(cmd.verb);
	if (def == NULL) {
		pop3_bad_command(s, cmd.verb == POP3_VERB_UTF8 ? "UTF8 is not supported" :
				 "Unknown command");
		return;
	}
	if ((def->states & POP3_STATE_BIT(s->state)) == 0) {
		pop3_bad_command(s, s->state == POP3_STATE_AUTHORIZATION ? "Not logged in" :
				 "Already logged in");
		return;
	}
	s->bad_commands = 0;
	log_debug("pop3", s->ws.id_str, "command=%s", pop3_verb_name(cmd.verb));
	def->run(s, &cmd);
}

/* Take one complete line from the input and act on it; false when no
   complete line is buffered yet. */
static bool pop3_read_line(struct pop3_session *s)
{
	struct buffer *in = conn_input(s->conn);
	const unsigned char *data = buffer_data(in);
	const unsigned char *lf = memchr(data, '\n', buffer_len(in));
	char *line;
	size_t len;

	if (lf == NULL) {
		if (buffer_len(in) >= POP3_INPUT_MAX) {
			/* drop what we have; the answer follows at the line's end */
			buffer_consume(in, buffer_len(in));
			s->skipping_line = true;
		}
		return false;
	}
	len = (size_t)(lf - data);
	if (s->skipping_line) {
		buffer_consume(in, len + 1);
		s->skipping_line = false;
		sasl_server_free(&s->sasl);   /* an over-long AUTH response ends it */
		s->busy = true;
		pop3_bad_command(s, "Command line too long");
		return true;
	}
	if (len > 0 && data[len - 1] == '\r')
		len--;
	line = xstrndup((const char *)data, len);
	buffer_consume(in, (size_t)(lf - data) + 1);
	if (s->sasl != NULL)
		pop3_auth_continue(s, line);
	else
		pop3_execute(s, line, len);
	/* may hold a password */
	explicit_bzero(line, len);
	free(line);
	return true;
}

static void pop3_session_process(struct pop3_session *s)
{
	bool outer = !s->processing;

	/* a command finishing inside this loop must not start another one */
	s->processing = true;
	while (!s->busy && s->state != POP3_STATE_CLOSED) {
		if (s->draining && s->sasl == NULL) {
			pop3_close(s, "-ERR Server shutting down");
			break;
		}
		if (buffer_len(conn_input(s->conn)) == 0 || !pop3_read_line(s))
			break;
	}
	if (s->busy && s->state != POP3_STATE_CLOSED)
		conn_pause(s->conn);
	if (outer)
		s->processing = false;
}

static void pop3_session_input(void *ctx)
{
	struct pop3_session *s = ctx;

	if (!s->busy)
		pop3_session_process(s);
}

static void pop3_session_timeout(void *ctx)
{
	struct pop3_session *s = ctx;

	/* while busy the timer runs only during a RETR/TOP the client does not
	   read (re-armed per batch) */
	pop3_close(s, s->busy ? NULL : "-ERR Disconnected for inactivity");
}

static void pop3_session_closed(void *ctx, const char *reason)
{
	struct pop3_session *s = ctx;

	log_info("pop3", s->ws.id_str, "event=disconnect reason=\"%s\" commands=%u user=%s",
		 reason, s->commands, s->user != NULL ? s->user : "-");
	worker_session_unregister(&s->ws);
	sasl_server_free(&s->sasl);
	pop3_maildrop_free(&s->drop);
	pop3_retr_free(&s->retr);
	conn_free(&s->conn);
	free(s->user_arg);
	free(s->user);
	free(s);
}

static void pop3_session_drain(struct worker_session *ws)
{
	struct pop3_session *s = (struct pop3_session *)ws;

	s->draining = true;
	if (!s->busy && s->sasl == NULL)
		pop3_close(s, "-ERR Server shutting down");
}

static const struct conn_callbacks pop3_conn_callbacks = {
	.input = pop3_session_input,
	.timeout = pop3_session_timeout,
	.closed = pop3_session_closed,
};

static const struct worker_session_vfuncs pop3_session_vfuncs = {
	.drain = pop3_session_drain,
};

/* Greet the client, or refuse it when its address is banned. */
static void pop3_session_greet(struct worker_session *ws, const char *banned)
{
	struct pop3_session *s = (struct pop3_session *)ws;

	if (s->state == POP3_STATE_CLOSED)
		return;
	if (banned != NULL) {
		pop3_close(s, "-ERR Your address is banned for failed logins, try later");
		return;
	}
	pop3_send(s, "+OK Petrel POP3 ready");
	conn_resume(s->conn);
}

void pop3_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip)
{
	struct pop3_session *s = xcalloc(1, sizeof(*s));

	worker_session_register(worker, &s->ws, kind, ip, &pop3_session_vfuncs);
	s->worker = worker;
	s->state = POP3_STATE_AUTHORIZATION;
	s->conn = conn_new(worker->loop, fd, &pop3_conn_callbacks, s);
	conn_set_max_input(s->conn, POP3_INPUT_MAX);
	log_info("pop3", s->ws.id_str, "event=connect ip=%s listener=%s", ip,
		 config_listener_name(kind));
	if (kind == LISTENER_POP3S && worker->tls != NULL)
		conn_start_tls(s->conn, worker->tls);
	conn_set_timeout(s->conn, (double)pop3_setting(s, "pop3_session_timeout"));
	/* no command before the greeting: a banned client must not log in */
	conn_pause(s->conn);
	policy_ban_check(worker, &s->ws, pop3_session_greet);
}
