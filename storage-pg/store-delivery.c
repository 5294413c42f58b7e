/*
 * store-delivery.c — statements that store accepted messages (see
 * store-delivery.h). The work happens in the petrel_deliver() SQL function
 * (schema/), so one message costs one statement in the batch.
 */
#include "store-delivery.h"

#include "xalloc.h"

#include <stdlib.h>

void store_message_free(struct store_message **msgp)
{
	struct store_message *msg = *msgp;

	if (msg == NULL)
		return;
	*msgp = NULL;
	free(msg->helo);
	free(msg->mail_from);
	for (unsigned int i = 0; i < msg->recipient_count; i++)
		free(msg->recipients[i]);
	free(msg->recipients);
	free(msg->account_ids);
	free(msg->mailbox_ids);
	store_content_clear(&msg->content);
	free(msg);
}

void store_delivery_lock(struct pg_request *req, struct store_message *const *msgs,
			 unsigned int count)
{
	unsigned int total = 0, n = 0;

	for (unsigned int i = 0; i < count; i++)
		total += msgs[i]->target_count;
	int64_t *accounts = xmalloc(total * sizeof(*accounts));
	int64_t *mailboxes = xmalloc(total * sizeof(*mailboxes));

	for (unsigned int i = 0; i < count; i++) {
		for (unsigned int j = 0; j < msgs[i]->target_count; j++) {
			accounts[n] = msgs[i]->account_ids[j];
			mailboxes[n++] = msgs[i]->mailbox_ids[j];
		}
	}
	pg_request_add(req, "SELECT petrel_lock_mailboxes($1::bigint[], $2::bigint[])");
	pg_request_param_int64_array(req, accounts, total);
	pg_request_param_int64_array(req, mailboxes, total);
	free(accounts);
	free(mailboxes);
}

void store_delivery_add(struct pg_request *req, const struct store_message *msg)
{
	pg_request_add(req, "SELECT petrel_deliver($1, $2, $3, $4::inet, $5, $6, $7::text[], "
		       "$8::bytea, $9::bytea, $10::int, $11, $12, $13, $14::timestamptz, "
		       "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, "
		       "$28::bigint[], $29::bigint[])");
	pg_request_param_text(req, msg->queue_id);
	pg_request_param_text(req, msg->node_id);
	pg_request_param_text(req, msg->protocol);
	if (msg->client_ip[0] != '\0')
		pg_request_param_text(req, msg->client_ip);
	else
		pg_request_param_null(req);
	store_param_utf8(req, msg->helo != NULL ? msg->helo : "");
	store_param_utf8(req, msg->mail_from);
	pg_request_param_text_array(req, (const char *const *)msg->recipients,
				    msg->recipient_count);
	store_content_params(req, &msg->content);
	pg_request_param_int64_array(req, msg->account_ids, msg->target_count);
	pg_request_param_int64_array(req, msg->mailbox_ids, msg->target_count);
}
