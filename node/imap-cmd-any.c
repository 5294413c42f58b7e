/*
 * imap-cmd-any.c — commands valid in every state: CAPABILITY, NOOP (and
 * CHECK), LOGOUT, ID (RFC 2971), plus ENABLE (RFC 5161) and STARTTLS.
 */
#include "imap-session-private.h"

#include "conn.h"
#include "log.h"

#include <string.h>
#include <strings.h>

void imap_cmd_capability(struct imap_session *s, const struct imap_command *cmd)
{
	struct strbuf caps = STRBUF_INIT;

	imap_capabilities(s, &caps);
	imap_send(s, "* CAPABILITY %s", strbuf_cstr(&caps));
	strbuf_free(&caps);
	imap_cmd_finish(s, "OK", "Capability completed");
}

static void imap_noop_synced(struct imap_session *s)
{
	if (s != NULL)
		imap_cmd_finish(s, "OK", "%s completed", s->cmd->name);
}

void imap_cmd_noop(struct imap_session *s, const struct imap_command *cmd)
{
	/* NOOP and CHECK always look for changes: clients poll with them */
	if (s->sel != NULL) {
		imap_sync(s, true, imap_noop_synced);
		return;
	}
	imap_cmd_finish(s, "OK", "%s completed", s->cmd->name);
}

void imap_cmd_logout(struct imap_session *s, const struct imap_command *cmd)
{
	imap_send(s, "* BYE Logging out");
	/* logout state first: no untagged updates (and no sync query that
	   would hold the tagged OK back past the close) after the BYE */
	s->state = IMAP_STATE_LOGOUT;
	imap_cmd_finish(s, "OK", "Logout completed");
	conn_close(s->conn);
}

void imap_cmd_id(struct imap_session *s, const struct imap_command *cmd)
{
	const struct imap_arg *list;
	unsigned int count;

	if (cmd->arg_count != 1 || (cmd->args[0].type != IMAP_ARG_NIL &&
				    !imap_arg_get_list(&cmd->args[0], &list, &count))) {
		imap_cmd_finish(s, "BAD", "ID needs a parameter list or NIL");
		return;
	}
	imap_send(s, "* ID (\"name\" \"Petrel\" \"vendor\" \"Petrel\")");
	imap_cmd_finish(s, "OK", "ID completed");
}

void imap_cmd_enable(struct imap_session *s, const struct imap_command *cmd)
{
	struct strbuf enabled = STRBUF_INIT;

	if (cmd->arg_count == 0) {
		imap_cmd_finish(s, "BAD", "ENABLE needs capability names");
		return;
	}
	for (unsigned int i = 0; i < cmd->arg_count; i++) {
		const char *name;
		bool *flag = NULL;

		if (!imap_arg_get_atom(&cmd->args[i], &name)) {
			strbuf_free(&enabled);
			imap_cmd_finish(s, "BAD", "ENABLE takes atoms");
			return;
		}
		if (strcasecmp(name, "CONDSTORE") == 0)
			flag = &s->condstore;
		else if (strcasecmp(name, "QRESYNC") == 0)
			flag = &s->qresync;
		else if (strcasecmp(name, "UTF8=ACCEPT") == 0)
			flag = &s->utf8_enabled;
		else if (strcasecmp(name, "IMAP4rev2") == 0)
			flag = &s->imap4rev2;
		if (flag == NULL || *flag)
			continue;        /* unknown or already on: not listed (RFC 5161) */
		*flag = true;
		if (flag == &s->qresync)
			s->condstore = true;   /* QRESYNC implies CONDSTORE */
		strbuf_printf(&enabled, " %s", name);
	}
	imap_send(s, "* ENABLED%s", strbuf_cstr(&enabled));
	strbuf_free(&enabled);
	imap_cmd_finish(s, "OK", "Enabled");
}

void imap_cmd_starttls(struct imap_session *s, const struct imap_command *cmd)
{
	if (s->worker->tls == NULL || s->ws.kind != LISTENER_IMAP) {
		imap_cmd_finish(s, "NO", "STARTTLS is not available");
		return;
	}
	if (conn_is_tls(s->conn)) {
		imap_cmd_finish(s, "BAD", "TLS is already active");
		return;
	}
	imap_cmd_finish(s, "OK", "Begin TLS negotiation now");
	/* commands pipelined after STARTTLS are dropped by conn_start_tls() */
	imap_parser_reset(s->parser);
	conn_start_tls(s->conn, s->worker->tls);
}
