/*
 * store-delivery.c — statements that store accepted messages (see
 * store-delivery.h). The work happens in the petrel_deliver() SQL function
 * (schema/), so one message costs one statement in the batch.
 */
#include "store-delivery.h"

#include "strbuf.h"
#include "utf8.h"
#include "xalloc.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void store_message_prepare(struct store_message *msg)
{
	SHA256(msg->raw, msg->size, msg->sha256);
	message_parse(msg->raw, msg->size, &msg->meta);
}

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
	free(msg->raw);
	message_meta_free(&msg->meta);
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

static void store_param_sent_date(struct pg_request *req, const struct message_meta *meta)
{
	struct tm tm;
	char text[64];

	if (!meta->sent_date_valid || gmtime_r(&meta->sent_date, &tm) == NULL ||
	    tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
		pg_request_param_null(req);
		return;
	}
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S+00", &tm);
	pg_request_param_text(req, text);
}

/* Text parameters derived from message bytes. The parsers already produce
   valid UTF-8; repairing here keeps one bad value from failing a whole
   batch should that ever break. */
static void store_param_utf8(struct pg_request *req, const char *text)
{
	size_t len = strlen(text);
	struct strbuf fixed = STRBUF_INIT;

	if (utf8_is_valid((const unsigned char *)text, len)) {
		pg_request_param_text(req, text);
		return;
	}
	utf8_append_sanitized(&fixed, (const unsigned char *)text, len);
	pg_request_param_text(req, strbuf_cstr(&fixed));
	strbuf_free(&fixed);
}

void store_delivery_add(struct pg_request *req, const struct store_message *msg)
{
	const struct message_meta *m = &msg->meta;

	pg_request_add(req, "SELECT petrel_deliver($1, $2, $3, $4::inet, $5, $6, $7::text[], "
		       "$8::bytea, $9::bytea, $10::int, $11, $12, $13, $14::timestamptz, "
		       "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, "
		       "$26::bigint[], $27::bigint[])");
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
	pg_request_param_binary_ref(req, msg->sha256, sizeof(msg->sha256));
	pg_request_param_binary_ref(req, msg->raw, msg->size);
	pg_request_param_textf(req, "%zu", m->header_size);
	store_param_utf8(req, m->envelope);
	store_param_utf8(req, m->bodystructure);
	store_param_utf8(req, m->body);
	store_param_sent_date(req, m);
	store_param_utf8(req, m->subject);
	store_param_utf8(req, m->from);
	store_param_utf8(req, m->to);
	store_param_utf8(req, m->cc);
	store_param_utf8(req, m->message_id);
	store_param_utf8(req, m->in_reply_to);
	store_param_utf8(req, m->references);
	store_param_utf8(req, m->sort_subject);
	store_param_utf8(req, m->sort_from);
	store_param_utf8(req, m->sort_to);
	store_param_utf8(req, m->sort_cc);
	pg_request_param_int64_array(req, msg->account_ids, msg->target_count);
	pg_request_param_int64_array(req, msg->mailbox_ids, msg->target_count);
}
