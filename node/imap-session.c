/*
 * imap-session.c — the core of IMAP4rev2/IMAP4rev1 sessions (RFC 9051,
 * RFC 3501): connection callbacks, feeding the incremental command parser
 * (lib-mail/imap-parser) with literal continuation requests, the command
 * table with its state checks, tagged replies, and the limits (line and
 * literal sizes, autologout, output a client does not read).
 * Each command's work lives in imap-cmd-*.c; the selected mailbox's view
 * and its untagged updates in imap-sync.c.
 */
#include "imap-session-private.h"

#include "auth.h"
#include "conn.h"
#include "imap-utf7.h"
#include "imap-quote.h"
#include "log.h"
#include "policy-ban.h"
#include "sasl.h"
#include "settings.h"
#include "store-imap-mailbox.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct imap_command_def imap_commands[] = {
	{ "CAPABILITY", IMAP_ANY_STATE, 0, imap_cmd_capability },
	{ "NOOP", IMAP_ANY_STATE, 0, imap_cmd_noop },
	{ "LOGOUT", IMAP_ANY_STATE, 0, imap_cmd_logout },
	{ "ID", IMAP_ANY_STATE, 0, imap_cmd_id },
	{ "STARTTLS", IMAP_STATE_BIT(IMAP_STATE_NOT_AUTH), 0, imap_cmd_starttls },
	{ "LOGIN", IMAP_STATE_BIT(IMAP_STATE_NOT_AUTH), 0, imap_cmd_login },
	{ "AUTHENTICATE", IMAP_STATE_BIT(IMAP_STATE_NOT_AUTH), 0, imap_cmd_authenticate },
	{ "ENABLE", IMAP_AUTHED, 0, imap_cmd_enable },
	{ "SELECT", IMAP_AUTHED, 0, imap_cmd_select },
	{ "EXAMINE", IMAP_AUTHED, 0, imap_cmd_select },
	{ "CREATE", IMAP_AUTHED, 0, imap_cmd_create },
	{ "DELETE", IMAP_AUTHED, 0, imap_cmd_delete },
	{ "RENAME", IMAP_AUTHED, 0, imap_cmd_rename },
	{ "SUBSCRIBE", IMAP_AUTHED, 0, imap_cmd_subscribe },
	{ "UNSUBSCRIBE", IMAP_AUTHED, 0, imap_cmd_subscribe },
	{ "LIST", IMAP_AUTHED, 0, imap_cmd_list },
	{ "LSUB", IMAP_AUTHED, 0, imap_cmd_lsub },
	{ "NAMESPACE", IMAP_AUTHED, 0, imap_cmd_namespace },
	{ "STATUS", IMAP_AUTHED, 0, imap_cmd_status },
	{ "GETQUOTAROOT", IMAP_AUTHED, 0, imap_cmd_getquotaroot },
	{ "GETQUOTA", IMAP_AUTHED, 0, imap_cmd_getquota },
	{ "SETQUOTA", IMAP_AUTHED, 0, imap_cmd_setquota },
	{ "APPEND", IMAP_AUTHED, 0, imap_cmd_append },
	{ "IDLE", IMAP_AUTHED, 0, imap_cmd_idle },
	{ "CHECK", IMAP_SELECTED, 0, imap_cmd_noop },
	{ "CLOSE", IMAP_SELECTED, 0, imap_cmd_close },
	{ "UNSELECT", IMAP_SELECTED, 0, imap_cmd_unselect },
	{ "EXPUNGE", IMAP_SELECTED, IMAP_CMD_FLAG_UID, imap_cmd_expunge },
	{ "FETCH", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_fetch },
	{ "STORE", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_store },
	{ "COPY", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_copy },
	{ "MOVE", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_copy },
	{ "SEARCH", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_search },
	{ "SORT", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_search },
	{ "THREAD", IMAP_SELECTED, IMAP_CMD_FLAG_SEQ_BASED | IMAP_CMD_FLAG_UID, imap_cmd_search },
};

static const char *const imap_state_names[] = {
	"not_authenticated", "authenticated", "selected", "logout",
};

long long imap_setting(const struct imap_session *s, const char *name)
{
	return settings_get_number(s->worker->settings, name, s->domain_id, s->account_id);
}

bool imap_auth_allowed(const struct imap_session *s)
{
	return auth_cleartext_allowed(s->worker, conn_is_tls(s->conn), s->ws.ip);
}

void imap_capabilities(const struct imap_session *s, struct strbuf *out)
{
	strbuf_append(out, "IMAP4rev1 IMAP4rev2");
	if (s->state == IMAP_STATE_NOT_AUTH) {
		if (!conn_is_tls(s->conn) && s->worker->tls != NULL &&
		    s->ws.kind == LISTENER_IMAP)
			strbuf_append(out, " STARTTLS");
		if (imap_auth_allowed(s))
			strbuf_append(out, " AUTH=PLAIN AUTH=LOGIN SASL-IR");
		else
			strbuf_append(out, " LOGINDISABLED");
		strbuf_append(out, " ID ENABLE LITERAL+");
		return;
	}
	strbuf_append(out, " LITERAL+ ID ENABLE IDLE UNSELECT UTF8=ACCEPT SASL-IR NAMESPACE"
		      " CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE STATUS=SIZE MULTIAPPEND"
		      " UIDPLUS MOVE BINARY CONDSTORE QRESYNC ESEARCH SEARCHRES SORT"
		      " THREAD=REFERENCES THREAD=ORDEREDSUBJECT QUOTA QUOTA=RES-STORAGE"
		      " QUOTA=RES-MESSAGE");
}

void imap_send_raw(struct imap_session *s, const void *data, size_t len)
{
	conn_write(s->conn, data, len);
}

void imap_send(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_write_vline(s->conn, fmt, ap);
	va_end(ap);
}

void imap_close(struct imap_session *s, const char *text)
{
	if (s->state == IMAP_STATE_LOGOUT)
		return;
	imap_send(s, "* BYE %s", text);
	log_info("imap", s->ws.id_str, "event=close reason=\"%s\"", text);
	s->state = IMAP_STATE_LOGOUT;
	ev_timer_stop(s->worker->loop, &s->keepalive);
	conn_close(s->conn);
}

struct imap_session *imap_session_from_ticket(struct session_ticket *ticket)
{
	struct imap_session *s = (struct imap_session *)session_ticket_redeem(ticket);

	return s == NULL || s->state == IMAP_STATE_LOGOUT ? NULL : s;
}

static void imap_set_timeout(struct imap_session *s)
{
	/* no autologout while a command runs or the client idles (keepalives) */
	conn_set_timeout(s->conn, s->busy || s->idling ? 0 :
			 (double)imap_setting(s, "imap_session_timeout"));
}

static void imap_write_tagged(struct imap_session *s, const char *line)
{
	log_debug("imap", s->ws.id_str, "reply=\"%s\"", line);
	imap_send(s, "%s", line);
	free(s->tag);
	s->tag = NULL;
	s->cmd = NULL;
	s->cmd_uid = false;
	s->busy = false;
	if (s->state == IMAP_STATE_LOGOUT)
		return;
	conn_resume(s->conn);
	imap_set_timeout(s);
}

static void imap_finish_after_sync(struct imap_session *s)
{
	char *line;

	if (s == NULL)
		return;
	line = s->finish_line;
	s->finish_line = NULL;
	imap_write_tagged(s, line);
	free(line);
	if (!s->processing)
		imap_session_process(s);
}

void imap_cmd_finish(struct imap_session *s, const char *status, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	strbuf_printf(&line, "%s %s ", s->tag != NULL ? s->tag : "*", status);
	va_start(ap, fmt);
	strbuf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (s->sel != NULL && s->sel->changed && s->state == IMAP_STATE_SELECTED &&
	    ((s->cmd == NULL || (s->cmd->flags & IMAP_CMD_FLAG_SEQ_BASED) == 0) || s->cmd_uid)) {
		s->finish_line = strbuf_steal(&line);
		imap_sync(s, true, imap_finish_after_sync);
		return;
	}
	imap_write_tagged(s, strbuf_cstr(&line));
	strbuf_free(&line);
	if (!s->processing)
		imap_session_process(s);
}

static const struct imap_command_def *imap_command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(imap_commands) / sizeof(imap_commands[0]); i++) {
		if (strcmp(imap_commands[i].name, name) == 0)
			return &imap_commands[i];
	}
	return NULL;
}

static const char *imap_wrong_state_text(const struct imap_session *s)
{
	switch (s->state) {
	case IMAP_STATE_NOT_AUTH:
		return "Not logged in";
	case IMAP_STATE_AUTH:
		return "No mailbox selected";
	default:
		return "Command not allowed now (already logged in)";
	}
}

static void imap_execute(struct imap_session *s, const struct imap_command *parsed)
{
	struct imap_command cmd = *parsed;
	const struct imap_command_def *def;
	const char *name = cmd.name;

	s->commands++;
	s->tag = xstrdup(cmd.tag);
	s->busy = true;
	conn_set_timeout(s->conn, 0);
	if (strcmp(name, "UID") == 0) {
		if (cmd.arg_count == 0 || !imap_arg_get_atom(&cmd.args[0], &name)) {
			imap_cmd_finish(s, "BAD", "UID needs a command");
			return;
		}
		s->cmd_uid = true;
		cmd.args++;
		cmd.arg_count--;
	}
	char upper[32];

	snprintf(upper, sizeof(upper), "%s", name);
	for (char *p = upper; *p != '\0'; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	cmd.name = upper;
	def = imap_command_find(upper);
	if (def == NULL || (s->cmd_uid && (def->flags & IMAP_CMD_FLAG_UID) == 0)) {
		imap_cmd_finish(s, "BAD", "Unknown command");
		return;
	}
	if ((def->states & IMAP_STATE_BIT(s->state)) == 0) {
		imap_cmd_finish(s, "BAD", "%s", imap_wrong_state_text(s));
		return;
	}
	s->cmd = def;
	log_debug("imap", s->ws.id_str, "command=%s%s state=%s", s->cmd_uid ? "UID " : "",
		  upper, imap_state_names[s->state]);
	def->run(s, &cmd);
}

/* The parser reported a syntax error or an exceeded limit. */
static void imap_parse_error(struct imap_session *s)
{
	enum imap_parser_error kind;
	const char *tag;
	const char *text = imap_parser_error_text(s->parser, &kind, &tag);

	log_info("imap", s->ws.id_str, "event=bad_command reason=\"%s\"", text);
	if (tag != NULL)
		imap_send(s, "%s BAD %s", tag, text);
	else
		imap_send(s, "* BAD %s", text);
}

/* A synchronizing literal was announced: invite it (the parser has
   already refused one over the limit). */
static void imap_literal_announced(struct imap_session *s)
{
	uint64_t size;
	bool sync;

	if (!imap_parser_literal_pending(s->parser, &size, &sync) || !sync)
		return;
	imap_send(s, "+ OK");
}

/* A line of an AUTHENTICATE exchange or of IDLE: not parsed as a command. */
static bool imap_read_raw_line(struct imap_session *s)
{
	struct buffer *in = conn_input(s->conn);
	const unsigned char *data = buffer_data(in);
	const unsigned char *lf = memchr(data, '\n', buffer_len(in));
	char *line;
	size_t len;

	if (lf == NULL) {
		if (buffer_len(in) >= IMAP_INPUT_MAX)
			imap_close(s, "Line too long");
		return false;
	}
	len = (size_t)(lf - data);
	if (len > 0 && data[len - 1] == '\r')
		len--;
	line = xstrndup((const char *)data, len);
	buffer_consume(in, (size_t)(lf - data) + 1);
	if (s->idling)
		imap_idle_input(s, line);
	else
		imap_authenticate_continue(s, line);
	explicit_bzero(line, len);
	free(line);
	return true;
}

/* Feed buffered input to the parser: 1 with a complete command, 0 when
   more is needed (an announced literal is invited), -1 after a bad
   command was answered. */
static int imap_feed_parser(struct imap_session *s)
{
	struct buffer *in = conn_input(s->conn);
	size_t consumed = 0;
	int ret = imap_parser_feed(s->parser, buffer_data(in), buffer_len(in), &consumed);

	buffer_consume(in, consumed);
	if (ret < 0) {
		imap_parse_error(s);
		return -1;
	}
	if (ret == 0)
		imap_literal_announced(s);
	return ret;
}

static bool imap_feed(struct imap_session *s)
{
	int ret = imap_feed_parser(s);

	if (ret == 1)
		imap_execute(s, imap_parser_command(s->parser));
	return ret != 0 || buffer_len(conn_input(s->conn)) > 0;
}

const struct imap_command *imap_session_parse_next(struct imap_session *s)
{
	int ret;

	/* the parser stops after each literal announcement */
	do
		ret = imap_feed_parser(s);
	while (ret == 0 && buffer_len(conn_input(s->conn)) > 0);
	return ret == 1 ? imap_parser_command(s->parser) : NULL;
}

void imap_session_process(struct imap_session *s)
{
	bool outer = !s->processing;

	/* a command finishing inside this loop must not start another one */
	s->processing = true;
	while (!s->busy && s->state != IMAP_STATE_LOGOUT) {
		if (s->draining && s->sasl == NULL) {
			imap_close(s, "Server shutting down");
			break;
		}
		if (buffer_len(conn_input(s->conn)) == 0)
			break;
		if (s->idling || s->sasl != NULL ? !imap_read_raw_line(s) : !imap_feed(s))
			break;
	}
	if (s->busy && s->state != IMAP_STATE_LOGOUT)
		conn_pause(s->conn);
	if (outer)
		s->processing = false;
}

static void imap_parser_name(struct imap_parser *parser, const char *name, void *context)
{
	struct imap_session *s = context;

	if (strcmp(name, "APPEND") == 0)
		imap_parser_set_literal_limit(parser, (uint64_t)imap_setting(s, "imap_append_max_size"));
}

static void imap_session_input(void *ctx)
{
	struct imap_session *s = ctx;

	if (!s->busy || s->idling)
		imap_session_process(s);
}

static void imap_session_timeout(void *ctx)
{
	struct imap_session *s = ctx;

	/* during a command the timer runs only while output waits for the
	   client (imap_output_stall_timeout) */
	imap_close(s, s->busy ? "Client does not read its output" :
		   "Autologout; idle for too long");
}

static void imap_session_closed(void *ctx, const char *reason)
{
	struct imap_session *s = ctx;

	log_info("imap", s->ws.id_str, "event=disconnect reason=\"%s\" commands=%u user=%s",
		 reason, s->commands, s->user != NULL ? s->user : "-");
	imap_fetch_abort(s);
	imap_select_close(s);
	worker_session_unregister(&s->ws);
	ev_timer_stop(s->worker->loop, &s->keepalive);
	imap_parser_free(&s->parser);
	sasl_server_free(&s->sasl);
	conn_free(&s->conn);
	free(s->tag);
	free(s->finish_line);
	free(s->user);
	free(s);
}

static void imap_session_drain(struct worker_session *ws)
{
	struct imap_session *s = (struct imap_session *)ws;

	s->draining = true;
	if (!s->busy || s->idling)
		imap_close(s, "Server shutting down");
}

static const struct conn_callbacks imap_conn_callbacks = {
	.input = imap_session_input,
	.timeout = imap_session_timeout,
	.closed = imap_session_closed,
};

static const struct worker_session_vfuncs imap_session_vfuncs = {
	.drain = imap_session_drain,
};

/* Greet the client, or refuse it when its address is banned. */
static void imap_session_greet(struct worker_session *ws, const char *banned)
{
	struct imap_session *s = (struct imap_session *)ws;
	struct strbuf caps = STRBUF_INIT;

	if (s->state == IMAP_STATE_LOGOUT)
		return;
	if (banned != NULL) {
		imap_close(s, "Your address is banned for failed logins, try later");
		return;
	}
	imap_capabilities(s, &caps);
	imap_send(s, "* OK [CAPABILITY %s] Petrel ready", strbuf_cstr(&caps));
	strbuf_free(&caps);
	conn_resume(s->conn);
}

void imap_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct imap_parser_limits limits = { 0 };

	worker_session_register(worker, &s->ws, kind, ip, &imap_session_vfuncs);
	s->worker = worker;
	s->started = ev_now(worker->loop);
	s->state = IMAP_STATE_NOT_AUTH;
	s->conn = conn_new(worker->loop, fd, &imap_conn_callbacks, s);
	conn_set_max_input(s->conn, IMAP_INPUT_MAX);
	limits.max_line_length = (size_t)imap_setting(s, "imap_max_line_length");
	limits.max_literal_size = (uint64_t)imap_setting(s, "imap_max_literal_size");
	limits.max_depth = (unsigned int)imap_setting(s, "imap_max_depth");
	s->parser = imap_parser_new(&limits);
	imap_parser_set_name_callback(s->parser, imap_parser_name, s);
	log_info("imap", s->ws.id_str, "event=connect ip=%s listener=%s", ip,
		 config_listener_name(kind));
	if (kind == LISTENER_IMAPS && worker->tls != NULL)
		conn_start_tls(s->conn, worker->tls);
	imap_set_timeout(s);
	/* no command before the greeting: a banned client must not log in */
	conn_pause(s->conn);
	policy_ban_check(worker, &s->ws, imap_session_greet);
}
