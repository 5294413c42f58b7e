/*
 * smtp-cmd-mail.c — MAIL FROM (RFC 5321 4.1.1.2) with the SIZE (RFC 1870),
 * BODY (RFC 6152) and SMTPUTF8 (RFC 6531) parameters; and the transaction
 * it opens.
 */
#include "smtp-session-private.h"

#include "log.h"
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
	free(tx->pending_rcpt);
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

void smtp_cmd_mail(struct smtp_session *s, struct smtp_command *cmd)
{
	struct smtp_transaction *tx = xcalloc(1, sizeof(*tx));
	char address[512];
	const char *error;

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
	worker_new_queue_id(s->worker, tx->queue_id, sizeof(tx->queue_id));
	s->tx = tx;
	smtp_set_state(s, SMTP_STATE_MAIL);
	log_info("smtp", s->ws.id_str, "event=mail queue_id=%s from=<%s> size=%llu",
		 tx->queue_id, address, (unsigned long long)tx->declared_size);
	smtp_reply(s, "250 2.1.0 Ok");
}
