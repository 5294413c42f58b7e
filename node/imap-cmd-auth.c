/*
 * imap-cmd-auth.c — LOGIN and AUTHENTICATE (PLAIN, LOGIN, with SASL-IR,
 * RFC 4959): refused on an insecure connection unless a setting allows
 * it; the account is checked by node/auth.c.
 */
#include "imap-session-private.h"

#include "auth.h"
#include "log.h"
#include "sasl.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void imap_login_done(void *ctx, const struct auth_result *result)
{
	struct imap_session *s = imap_session_from_ticket(ctx);
	struct strbuf caps = STRBUF_INIT;

	if (s == NULL)
		return;
	sasl_server_free(&s->sasl);
	if (result->status == AUTH_TEMPFAIL) {
		imap_cmd_finish(s, "NO", "[UNAVAILABLE] Temporary authentication failure");
		return;
	}
	if (result->status != AUTH_OK) {
		imap_cmd_finish(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
		return;
	}
	s->account_id = result->account_id;
	s->domain_id = result->domain_id;
	s->user = xstrdup(result->address);
	s->state = IMAP_STATE_AUTH;
	log_info("imap", s->ws.id_str, "event=login user=%s", s->user);
	imap_capabilities(s, &caps);
	imap_cmd_finish(s, "OK", "[CAPABILITY %s] Logged in", strbuf_cstr(&caps));
	strbuf_free(&caps);
}

static void imap_login_start(struct imap_session *s, const char *user, const char *password)
{
	struct auth_login_request req = {
		.protocol = "imap",
		.client_ip = s->ws.ip,
		.username = user,
		.password = password,
	};

	auth_login(s->worker->auth, &req, imap_login_done, session_ticket_new(&s->ws));
}

void imap_cmd_login(struct imap_session *s, const struct imap_command *cmd)
{
	const char *user, *password;

	if (cmd->arg_count != 2 || !imap_arg_get_astring(&cmd->args[0], &user) ||
	    !imap_arg_get_astring(&cmd->args[1], &password)) {
		imap_cmd_finish(s, "BAD", "LOGIN needs a user name and a password");
		return;
	}
	if (!imap_auth_allowed(s)) {
		imap_cmd_finish(s, "NO", "[PRIVACYREQUIRED] Use STARTTLS or IMAPS to log in");
		return;
	}
	imap_login_start(s, user, password);
}

/* One step of the SASL exchange with the client's response (or NULL). */
static void imap_authenticate_step(struct imap_session *s, const char *response)
{
	const char *challenge, *error;
	int ret = sasl_server_step(s->sasl, response, &challenge, &error);

	if (ret == SASL_SERVER_CONTINUE) {
		imap_send(s, "+ %s", challenge);
		return;
	}
	if (ret != SASL_SERVER_DONE) {
		sasl_server_free(&s->sasl);
		imap_cmd_finish(s, "BAD", "%s", error);
		return;
	}
	if (!sasl_server_authzid_is_self(s->sasl)) {
		sasl_server_free(&s->sasl);
		imap_cmd_finish(s, "NO", "[AUTHORIZATIONFAILED] Use user*master to log in as "
				"another user");
		return;
	}
	/* input stays paused until the answer (the sasl stays set meanwhile) */
	s->busy = true;
	imap_login_start(s, sasl_server_authcid(s->sasl), sasl_server_password(s->sasl));
}

void imap_cmd_authenticate(struct imap_session *s, const struct imap_command *cmd)
{
	const char *mech, *initial = NULL;

	if (cmd->arg_count < 1 || cmd->arg_count > 2 || !imap_arg_get_atom(&cmd->args[0], &mech) ||
	    (cmd->arg_count == 2 && !imap_arg_get_atom(&cmd->args[1], &initial))) {
		imap_cmd_finish(s, "BAD", "AUTHENTICATE needs a mechanism");
		return;
	}
	if (!imap_auth_allowed(s)) {
		imap_cmd_finish(s, "NO", "[PRIVACYREQUIRED] Use STARTTLS or IMAPS to log in");
		return;
	}
	s->sasl = sasl_server_new(mech);
	if (s->sasl == NULL) {
		imap_cmd_finish(s, "NO", "[CANNOT] Unsupported authentication mechanism");
		return;
	}
	/* the exchange reads raw lines: the session is not busy meanwhile */
	s->busy = false;
	imap_authenticate_step(s, initial);
}

void imap_authenticate_continue(struct imap_session *s, const char *line)
{
	imap_authenticate_step(s, line);
}
