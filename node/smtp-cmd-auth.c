/*
 * smtp-cmd-auth.c — SMTP AUTH (RFC 4954) with SASL PLAIN and LOGIN
 * (lib/sasl.h), initial response allowed. Refused on an insecure
 * connection unless a setting allows it (auth_cleartext_allowed(), the
 * rule IMAP and POP3 follow); the account is checked by node/auth.c, which
 * records failures (protocol "smtp" or "submission") and delays their
 * answer. Once logged in the session remembers the account, so MAIL can
 * check the sender (smtp-cmd-mail.c).
 */
#include "smtp-session-private.h"

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "sasl.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

bool smtp_auth_allowed(const struct smtp_session *s)
{
	return !s->lmtp && auth_cleartext_allowed(s->worker, conn_is_tls(s->conn), s->ws.ip);
}

void smtp_auth_forget(struct smtp_session *s)
{
	sasl_server_free(&s->sasl);
	free(s->user);
	s->user = NULL;
	s->account_id = 0;
	s->domain_id = 0;
}

void smtp_auth_abort_long_line(struct smtp_session *s)
{
	sasl_server_free(&s->sasl);
	smtp_reply(s, "500 5.5.6 Authentication exchange line is too long");
}

static void smtp_login_done(void *ctx, const struct auth_result *result)
{
	struct smtp_session *s = smtp_session_from_ticket(ctx);

	if (s == NULL)
		return;
	if (result->status == AUTH_TEMPFAIL) {
		smtp_reply(s, "454 4.7.0 Temporary authentication failure");
	} else if (result->status != AUTH_OK) {
		smtp_reply(s, "535 5.7.8 Authentication credentials invalid");
	} else {
		s->account_id = result->account_id;
		s->domain_id = result->domain_id;
		s->user = xstrdup(result->address);
		log_info("smtp", s->ws.id_str, "event=login user=%s", s->user);
		smtp_reply(s, "235 2.7.0 Authentication successful");
	}
	smtp_wait_end(s);
	smtp_session_process(s);
}

/* Hand the credentials to node/auth.c (it copies them) and wait. */
static void smtp_login_start(struct smtp_session *s, const char *user, const char *password)
{
	struct auth_login_request req = {
		.protocol = s->submission ? "submission" : "smtp",
		.client_ip = s->ws.ip,
		.username = user,
		.password = password,
	};

	smtp_wait_begin(s);
	auth_login(s->worker->auth, &req, smtp_login_done, session_ticket_new(&s->ws));
}

/* One step of the SASL exchange with the client's response (or NULL). */
static void smtp_auth_step(struct smtp_session *s, const char *response)
{
	const char *challenge, *error;
	int ret = sasl_server_step(s->sasl, response, &challenge, &error);

	if (ret == SASL_SERVER_CONTINUE) {
		/* a challenge is not an error: it must not count towards the limit */
		conn_printf(s->conn, "334 %s\r\n", challenge);
		return;
	}
	if (ret == SASL_SERVER_CANCELLED) {
		sasl_server_free(&s->sasl);
		smtp_reply(s, "501 5.0.0 Authentication cancelled");
		return;
	}
	if (ret != SASL_SERVER_DONE) {
		sasl_server_free(&s->sasl);
		smtp_reply(s, "501 5.5.2 %s", error);
		return;
	}
	if (!sasl_server_authzid_is_self(s->sasl)) {
		sasl_server_free(&s->sasl);
		smtp_reply(s, "535 5.7.8 Use user*master to log in as another user");
		return;
	}
	smtp_login_start(s, sasl_server_authcid(s->sasl), sasl_server_password(s->sasl));
	sasl_server_free(&s->sasl);
}

void smtp_cmd_auth(struct smtp_session *s, struct smtp_command *cmd)
{
	char *mech = cmd->arg, *initial;

	if (s->user != NULL) {
		smtp_reply(s, "503 5.5.1 Error: already authenticated");
		return;
	}
	if (!s->esmtp) {
		smtp_reply(s, "503 5.5.1 Error: send EHLO first");
		return;
	}
	if (!smtp_auth_allowed(s)) {
		smtp_reply(s, "538 5.7.11 Encryption required for requested authentication "
			   "mechanism");
		return;
	}
	initial = mech + strcspn(mech, " ");
	if (*initial != '\0')
		*initial++ = '\0';
	if (*mech == '\0' || strchr(initial, ' ') != NULL) {
		smtp_reply(s, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
		return;
	}
	s->sasl = sasl_server_new(mech);
	if (s->sasl == NULL) {
		smtp_reply(s, "504 5.5.4 Unsupported authentication mechanism");
		return;
	}
	smtp_auth_step(s, *initial != '\0' ? initial : NULL);
}

void smtp_auth_continue(struct smtp_session *s, const char *line)
{
	smtp_auth_step(s, line);
}
