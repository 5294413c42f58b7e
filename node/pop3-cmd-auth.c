/*
 * pop3-cmd-auth.c — the AUTHORIZATION state: CAPA (RFC 2449), STLS
 * (RFC 2595), USER/PASS (RFC 1939 7) and AUTH with SASL PLAIN and LOGIN
 * (RFC 5034, initial response allowed). Passwords are refused on an
 * insecure connection unless a setting allows them; the account is checked
 * by node/auth.c, which records failures (protocol "pop3") and delays
 * their answer. A successful login then reads the maildrop before its +OK.
 */
#include "pop3-session-private.h"

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "sasl.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define POP3_PRIVACY_TEXT "[AUTH] Plaintext authentication disallowed on non-secure connections; " \
	"use STLS or POP3S"

static bool pop3_stls_available(const struct pop3_session *s)
{
	return s->worker->tls != NULL && s->ws.kind == LISTENER_POP3 && !conn_is_tls(s->conn);
}

void pop3_cmd_capa(struct pop3_session *s, const struct pop3_command *cmd)
{
	(void)cmd;
	pop3_send(s, "+OK Capability list follows");
	pop3_send(s, "TOP");
	pop3_send(s, "UIDL");
	pop3_send(s, "RESP-CODES");
	pop3_send(s, "AUTH-RESP-CODE");
	pop3_send(s, "PIPELINING");
	if (s->state == POP3_STATE_AUTHORIZATION) {
		if (pop3_stls_available(s))
			pop3_send(s, "STLS");
		if (pop3_auth_allowed(s)) {
			pop3_send(s, "USER");
			pop3_send(s, "SASL %s", SASL_SERVER_MECHANISMS);
		}
	}
	pop3_send(s, "IMPLEMENTATION Petrel");
	pop3_cmd_finish_multiline(s);
}

void pop3_cmd_stls(struct pop3_session *s, const struct pop3_command *cmd)
{
	(void)cmd;
	if (conn_is_tls(s->conn)) {
		pop3_cmd_finish(s, false, "TLS is already active");
		return;
	}
	if (!pop3_stls_available(s)) {
		pop3_cmd_finish(s, false, "STLS is not available");
		return;
	}
	/* RFC 2595 4: nothing from before the handshake counts */
	free(s->user_arg);
	s->user_arg = NULL;
	pop3_cmd_finish(s, true, "Begin TLS negotiation now");
	/* commands pipelined after STLS are dropped by conn_start_tls() */
	conn_start_tls(s->conn, s->worker->tls);
}

void pop3_cmd_user(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (!pop3_auth_allowed(s)) {
		pop3_cmd_finish(s, false, POP3_PRIVACY_TEXT);
		return;
	}
	free(s->user_arg);
	s->user_arg = xstrdup(cmd->argv[0]);
	/* whether the name exists is not told (RFC 1939 7 allows either) */
	pop3_cmd_finish(s, true, "Send your password");
}

static void pop3_login_done(void *ctx, const struct auth_result *result)
{
	struct pop3_session *s = pop3_session_from_ticket(ctx);

	if (s == NULL)
		return;
	sasl_server_free(&s->sasl);
	if (result->status == AUTH_TEMPFAIL) {
		pop3_cmd_finish(s, false, "[SYS/TEMP] Temporary authentication failure");
		return;
	}
	if (result->status != AUTH_OK) {
		pop3_cmd_finish(s, false, "[AUTH] Authentication failed");
		return;
	}
	s->account_id = result->account_id;
	s->domain_id = result->domain_id;
	s->user = xstrdup(result->address);
	log_info("pop3", s->ws.id_str, "event=login user=%s", s->user);
	pop3_maildrop_open(s);
}

static void pop3_login_start(struct pop3_session *s, const char *user, const char *password)
{
	struct auth_login_request req = {
		.protocol = "pop3",
		.client_ip = s->ws.ip,
		.username = user,
		.password = password,
	};

	auth_login(s->worker->auth, &req, pop3_login_done, session_ticket_new(&s->ws));
}

void pop3_cmd_pass(struct pop3_session *s, const struct pop3_command *cmd)
{
	char *user = s->user_arg;

	if (user == NULL) {
		pop3_cmd_finish(s, false, "Send USER first");
		return;
	}
	if (!pop3_auth_allowed(s)) {
		pop3_cmd_finish(s, false, POP3_PRIVACY_TEXT);
		return;
	}
	/* a failed PASS needs a new USER (RFC 1939 7) */
	s->user_arg = NULL;
	pop3_login_start(s, user, cmd->argv[0]);
	free(user);
}

/* One step of the SASL exchange with the client's response (or NULL). */
static void pop3_auth_step(struct pop3_session *s, const char *response)
{
	const char *challenge, *error;
	int ret = sasl_server_step(s->sasl, response, &challenge, &error);

	if (ret == SASL_SERVER_CONTINUE) {
		pop3_send(s, "+ %s", challenge);
		return;
	}
	if (ret != SASL_SERVER_DONE) {
		sasl_server_free(&s->sasl);
		s->busy = true;
		pop3_cmd_finish(s, false, "%s", error);
		return;
	}
	if (!sasl_server_authzid_is_self(s->sasl)) {
		sasl_server_free(&s->sasl);
		s->busy = true;
		pop3_cmd_finish(s, false, "[AUTH] Use user*master to log in as another user");
		return;
	}
	/* input stays paused until the answer (the sasl stays set meanwhile) */
	s->busy = true;
	conn_pause(s->conn);
	pop3_login_start(s, sasl_server_authcid(s->sasl), sasl_server_password(s->sasl));
}

/* AUTH without arguments: the mechanism list (RFC 1734 clients ask so). */
static void pop3_auth_list(struct pop3_session *s)
{
	const char *mechs = SASL_SERVER_MECHANISMS;

	pop3_send(s, "+OK Mechanisms follow");
	while (*mechs != '\0') {
		size_t n = strcspn(mechs, " ");

		pop3_send(s, "%.*s", (int)n, mechs);
		mechs += n + (mechs[n] == ' ');
	}
	pop3_cmd_finish_multiline(s);
}

void pop3_cmd_auth(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (!pop3_auth_allowed(s)) {
		pop3_cmd_finish(s, false, POP3_PRIVACY_TEXT);
		return;
	}
	if (cmd->argc == 0) {
		pop3_auth_list(s);
		return;
	}
	s->sasl = sasl_server_new(cmd->argv[0]);
	if (s->sasl == NULL) {
		pop3_cmd_finish(s, false, "Unsupported authentication mechanism");
		return;
	}
	/* the exchange reads raw lines: the session is not busy meanwhile */
	s->busy = false;
	pop3_auth_step(s, cmd->argc == 2 ? cmd->argv[1] : NULL);
}

void pop3_auth_continue(struct pop3_session *s, const char *line)
{
	pop3_auth_step(s, line);
}
