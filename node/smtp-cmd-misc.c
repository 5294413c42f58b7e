/*
 * smtp-cmd-misc.c — the small commands: RSET, NOOP, HELP, QUIT.
 */
#include "smtp-session-private.h"

#include "conn.h"

void smtp_cmd_rset(struct smtp_session *s, struct smtp_command *cmd)
{
	smtp_transaction_reset(s);
	smtp_reply(s, "250 2.0.0 Ok");
}

void smtp_cmd_noop(struct smtp_session *s, struct smtp_command *cmd)
{
	smtp_reply(s, "250 2.0.0 Ok");
}

void smtp_cmd_help(struct smtp_session *s, struct smtp_command *cmd)
{
	smtp_reply(s, "214 2.0.0 See RFC 5321 (SMTP) and RFC 2033 (LMTP)");
}

void smtp_cmd_quit(struct smtp_session *s, struct smtp_command *cmd)
{
	smtp_reply(s, "221 2.0.0 Bye");
	smtp_set_state(s, SMTP_STATE_CLOSING);
	conn_close(s->conn);
}
