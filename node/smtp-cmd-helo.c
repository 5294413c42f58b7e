/*
 * smtp-cmd-helo.c — EHLO, HELO, LHLO (greeting and capabilities, AUTH
 * only where a password may be sent) and STARTTLS (RFC 3207).
 */
#include "smtp-session-private.h"

#include "conn.h"
#include "log.h"
#include "sasl.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define SMTP_HELO_MAX 255

/* The HELO checks' verdict: a refused greeting leaves the session waiting
   for another HELO/EHLO. */
static void smtp_helo_checked(struct smtp_session *s, enum smtp_verdict verdict,
			      const char *reply)
{
	if (smtp_verdict_refuses(verdict)) {
		smtp_set_state(s, SMTP_STATE_HELO);
		smtp_reply(s, "%s", reply);
		return;
	}
	smtp_set_state(s, SMTP_STATE_READY);
	if (!s->esmtp) {
		smtp_reply(s, "250 %s", smtp_hostname(s));
		return;
	}
	conn_printf(s->conn, "250-%s\r\n250-PIPELINING\r\n250-SIZE %lld\r\n"
		    "250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n%s%s"
		    "250 CHUNKING\r\n", smtp_hostname(s), smtp_setting(s, "message_size_limit"),
		    s->worker->tls != NULL && !conn_is_tls(s->conn) ? "250-STARTTLS\r\n" : "",
		    smtp_auth_allowed(s) ? "250-AUTH " SASL_SERVER_MECHANISMS "\r\n" : "");
}

void smtp_cmd_helo(struct smtp_session *s, struct smtp_command *cmd)
{
	const char *verb = cmd->verb == SMTP_VERB_HELO ? "HELO" :
			   cmd->verb == SMTP_VERB_EHLO ? "EHLO" : "LHLO";

	if (cmd->arg[0] == '\0' || strlen(cmd->arg) > SMTP_HELO_MAX) {
		smtp_reply(s, "501 5.5.4 Syntax: %s hostname", verb);
		return;
	}
	smtp_transaction_free(&s->tx);
	free(s->helo);
	s->helo = xstrdup(cmd->arg);
	s->esmtp = cmd->verb != SMTP_VERB_HELO;
	log_debug("smtp", s->ws.id_str, "event=helo name=\"%s\"", s->helo);
	smtp_policy_run(s, SMTP_STAGE_HELO, smtp_helo_checked);
}

void smtp_cmd_starttls(struct smtp_session *s, struct smtp_command *cmd)
{
	if (s->worker->tls == NULL) {
		smtp_reply(s, "454 4.7.0 TLS not available");
		return;
	}
	if (conn_is_tls(s->conn)) {
		smtp_reply(s, "554 5.5.1 Error: TLS already active");
		return;
	}
	if (cmd->arg[0] != '\0') {
		smtp_reply(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	smtp_reply(s, "220 2.0.0 Ready to start TLS");
	/* RFC 3207: forget everything learned before the handshake */
	conn_start_tls(s->conn, s->worker->tls);
	free(s->helo);
	s->helo = NULL;
	s->esmtp = false;
	smtp_auth_forget(s);
	smtp_set_state(s, SMTP_STATE_HELO);
}
