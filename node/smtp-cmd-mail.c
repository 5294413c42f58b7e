/*
 * smtp-cmd-mail.c — MAIL FROM (RFC 5321 4.1.1.2) with the SIZE (RFC 1870),
 * BODY (RFC 6152), SMTPUTF8 (RFC 6531) and AUTH (RFC 4954 5) parameters;
 * and the transaction it opens. On submission (RFC 6409) the client must
 * have logged in, and an authenticated client may only use its own
 * addresses as sender unless submission_allow_send_as says otherwise.
 */
#include "smtp-session-private.h"

#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "store-submission.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void smtp_transaction_free(struct smtp_transaction **txp)
{
	struct smtp_transaction *tx = *txp;

	if (tx == NULL)
		return;
	*txp = NULL;
	free(tx->mail_from);
	for (unsigned int i = 0; i < tx->rcpt_count; i++)
		free(tx->rcpts[i]);
	free(tx->rcpts);
	free(tx->account_ids);
	free(tx->mailbox_ids);
	for (unsigned int i = 0; i < tx->remote_count; i++)
		free(tx->remote_rcpts[i]);
	free(tx->remote_rcpts);
	free(tx->pending_rcpt);
	smtp_policy_tx_free(&tx->policy);
	buffer_clear(&tx->body);
	free(tx->body.data);
	free(tx);
}

void smtp_transaction_reset(struct smtp_session *s)
{
	smtp_transaction_free(&s->tx);
	if (s->state != SMTP_STATE_HELO && s->state != SMTP_STATE_CLOSING)
		smtp_set_state(s, SMTP_STATE_READY);
}

/* Check the MAIL parameters; returns the error reply or NULL. */
static const char *smtp_mail_params(struct smtp_session *s, const struct smtp_command *cmd,
				    struct smtp_transaction *tx)
{
	for (unsigned int i = 0; i < cmd->param_count; i++) {
		const char *key = cmd->params[i].keyword, *value = cmd->params[i].value;

		if (strcmp(key, "SIZE") == 0) {
			char *end;

			if (value == NULL || *value == '\0')
				return "501 5.5.4 Syntax: SIZE=number";
			tx->declared_size = strtoull(value, &end, 10);
			if (*end != '\0')
				return "501 5.5.4 Syntax: SIZE=number";
			if (tx->declared_size > (uint64_t)smtp_setting(s, "message_size_limit"))
				return "552 5.3.4 Message size exceeds fixed limit";
		} else if (strcmp(key, "BODY") == 0) {
			if (value == NULL || (strcasecmp(value, "7BIT") != 0 &&
					      strcasecmp(value, "8BITMIME") != 0))
				return "501 5.5.4 Unsupported BODY type (7BIT and 8BITMIME are)";
		} else if (strcmp(key, "AUTH") == 0) {
			/* RFC 4954 5: a value from an untrusted client is ignored */
			if (value == NULL || *value == '\0')
				return "501 5.5.4 Syntax: AUTH=mailbox";
		} else if (strcmp(key, "SMTPUTF8") == 0) {
			if (value != NULL)
				return "501 5.5.4 Syntax: SMTPUTF8 takes no value";
			tx->utf8 = true;
		} else {
			return "555 5.5.4 Unsupported MAIL parameter";
		}
	}
	return NULL;
}

/* The MailFrom checks' verdict: the transaction opens, or is dropped
   with the refusal. */
static void smtp_mail_checked(struct smtp_session *s, enum smtp_verdict verdict,
			      const char *reply)
{
	struct smtp_transaction *tx = s->tx;

	if (smtp_verdict_refuses(verdict)) {
		smtp_reply(s, "%s", reply);
		smtp_transaction_reset(s);
		return;
	}
	smtp_set_state(s, SMTP_STATE_MAIL);
	log_info("smtp", s->ws.id_str, "event=mail queue_id=%s from=<%s> size=%llu",
		 tx->queue_id, tx->mail_from, (unsigned long long)tx->declared_size);
	smtp_reply(s, "250 2.1.0 Ok");
}

/* Open the transaction with its sender once the policy checks pass. */
static void smtp_mail_accept(struct smtp_session *s, struct smtp_transaction *tx)
{
	worker_new_queue_id(s->worker, tx->queue_id, sizeof(tx->queue_id));
	s->tx = tx;
	tx->policy.discard = s->policy.discard;
	smtp_policy_run(s, SMTP_STAGE_MAIL, smtp_mail_checked);
}

struct smtp_mail_check {
	struct session_ticket *ticket;
	struct smtp_transaction *tx;   /* owned here until accepted */
};

static void smtp_mail_sender_checked(void *ctx, bool owned, const char *error)
{
	struct smtp_mail_check *check = ctx;
	struct smtp_transaction *tx = check->tx;
	struct smtp_session *s = smtp_session_from_ticket(check->ticket);

	free(check);
	if (s == NULL) {
		smtp_transaction_free(&tx);
		return;
	}
	smtp_wait_end(s);     /* before smtp_mail_accept, which may wait again */
	if (error != NULL) {
		log_error("smtp", s->ws.id_str, "event=sender_lookup_failed error=\"%s\"", error);
		smtp_reply(s, "451 4.3.0 Temporary lookup failure");
		smtp_transaction_free(&tx);
	} else if (!owned) {
		log_info("smtp", s->ws.id_str, "event=sender_rejected user=%s from=<%s>",
			 s->user, tx->mail_from);
		metrics_count_reject(s->worker, s->ws.kind, METRICS_STAGE_MAIL, false);
		smtp_reply(s, "553 5.7.1 <%s>: Sender address rejected: not owned by user %s",
			   tx->mail_from, s->user);
		smtp_transaction_free(&tx);
	} else {
		smtp_mail_accept(s, tx);
	}
	smtp_session_process(s);
}

/* Whether the sender must be checked against the logged-in account. */
static bool smtp_mail_check_needed(const struct smtp_session *s, const struct smtp_transaction *tx)
{
	return s->user != NULL && tx->mail_from[0] != '\0' &&
	       !settings_get_bool(s->worker->settings, "submission_allow_send_as",
				  s->domain_id, s->account_id);
}

void smtp_cmd_mail(struct smtp_session *s, struct smtp_command *cmd)
{
	struct smtp_transaction *tx;
	char address[512];
	const char *error;

	if (s->submission && s->user == NULL) {
		smtp_reply(s, "530 5.7.0 Authentication required");
		return;
	}
	tx = xcalloc(1, sizeof(*tx));
	if (cmd->path == NULL) {
		smtp_reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		free(tx);
		return;
	}
	error = smtp_mail_params(s, cmd, tx);
	if (error != NULL ||
	    smtp_address_normalize(cmd->path, tx->utf8, true, true, address, sizeof(address),
				   &error) < 0) {
		smtp_reply(s, "%s", error);
		smtp_transaction_free(&tx);
		return;
	}
	tx->mail_from = xstrdup(address);
	if (!smtp_mail_check_needed(s, tx)) {
		smtp_mail_accept(s, tx);
		return;
	}
	struct smtp_mail_check *check = xmalloc(sizeof(*check));

	check->ticket = session_ticket_new(&s->ws);
	check->tx = tx;
	smtp_wait_begin(s);
	store_submission_sender_owned(s->worker->pool, s->account_id, tx->mail_from,
				      smtp_mail_sender_checked, check);
}
