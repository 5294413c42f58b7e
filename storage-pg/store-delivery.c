/*
 * store-delivery.c — statements that store accepted messages (see
 * store-delivery.h). The work happens in the petrel_deliver_batch() SQL
 * function (schema/003), set-based: the mailboxes are locked and updated
 * once per batch, and the rows go in with multi-row INSERTs.
 */
#include "store-delivery.h"

#include "strbuf.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_message_free(struct store_message **msgp)
{
	struct store_message *msg = *msgp;

	if (msg == NULL)
		return;
	*msgp = NULL;
	free(msg->helo);
	free(msg->mail_from);
	free(msg->keywords);
	for (unsigned int i = 0; i < msg->recipient_count; i++)
		free(msg->recipients[i]);
	free(msg->recipients);
	free(msg->account_ids);
	free(msg->mailbox_ids);
	for (unsigned int i = 0; i < msg->remote_count; i++)
		free(msg->remote_recipients[i]);
	free(msg->remote_recipients);
	store_content_clear(&msg->content);
	free(msg);
}

static void store_delivery_lock(struct pg_request *req, struct store_message *const *msgs,
				unsigned int count)
{
	unsigned int total = 0, n = 0;

	for (unsigned int i = 0; i < count; i++)
		total += msgs[i]->target_count;
	if (total == 0)         /* relayed mail only: no mailbox to lock */
		return;
	int64_t *accounts = xmalloc(total * sizeof(*accounts) + 1);
	int64_t *mailboxes = xmalloc(total * sizeof(*mailboxes) + 1);

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

/* Messages per petrel_deliver_batch() statement: 5 + 26 per message
   parameters stay far below PostgreSQL's 65535. */
#define STORE_DELIVERY_CHUNK 256
/* The per-message array arguments of petrel_deliver_batch(). */
static const char *const store_delivery_columns[] = {
	"text", "text", "text", "inet", "text", "text",   /* queue id .. mail from */
	STORE_CONTENT_PARAM_TYPES,
};
#define STORE_DELIVERY_PARAMS (sizeof(store_delivery_columns) / sizeof(store_delivery_columns[0]))

/* Parameters $1..$5 are the recipient and target arrays, message i's
   values are 6 + 26 i on. */
static char *store_delivery_sql(unsigned int count)
{
	struct strbuf sql = STRBUF_INIT;

	strbuf_append(&sql, "SELECT petrel_deliver_batch($1::int[], $2::text[], $3::int[], "
		      "$4::bigint[], $5::bigint[]");
	store_sql_param_arrays(&sql, store_delivery_columns, STORE_DELIVERY_PARAMS, 6, count);
	strbuf_append_c(&sql, ')');
	return strbuf_steal(&sql);
}

/* The recipients as (message, address) pairs and the targets as (message,
   account, mailbox) triples, messages numbered from 1. */
static void store_delivery_pairs(struct pg_request *req, struct store_message *const *msgs,
				 unsigned int count)
{
	unsigned int nrcpt = 0, ntarget = 0, r = 0, t = 0;

	for (unsigned int i = 0; i < count; i++) {
		nrcpt += msgs[i]->recipient_count;
		ntarget += msgs[i]->target_count;
	}
	int64_t *rcpt_msgs = xmalloc(nrcpt * sizeof(*rcpt_msgs) + 1);
	const char **rcpts = xmalloc(nrcpt * sizeof(*rcpts) + 1);
	int64_t *target_msgs = xmalloc(ntarget * sizeof(*target_msgs) + 1);
	int64_t *accounts = xmalloc(ntarget * sizeof(*accounts) + 1);
	int64_t *mailboxes = xmalloc(ntarget * sizeof(*mailboxes) + 1);

	for (unsigned int i = 0; i < count; i++) {
		for (unsigned int j = 0; j < msgs[i]->recipient_count; j++) {
			rcpt_msgs[r] = i + 1;
			rcpts[r++] = msgs[i]->recipients[j];
		}
		for (unsigned int j = 0; j < msgs[i]->target_count; j++) {
			target_msgs[t] = i + 1;
			accounts[t] = msgs[i]->account_ids[j];
			mailboxes[t++] = msgs[i]->mailbox_ids[j];
		}
	}
	pg_request_param_int64_array(req, rcpt_msgs, nrcpt);
	pg_request_param_text_array(req, rcpts, nrcpt);
	pg_request_param_int64_array(req, target_msgs, ntarget);
	pg_request_param_int64_array(req, accounts, ntarget);
	pg_request_param_int64_array(req, mailboxes, ntarget);
	free(rcpt_msgs);
	free(rcpts);
	free(target_msgs);
	free(accounts);
	free(mailboxes);
}

static void store_delivery_params(struct pg_request *req, const struct store_message *msg)
{
	pg_request_param_text(req, msg->queue_id);
	pg_request_param_text(req, msg->node_id);
	pg_request_param_text(req, msg->protocol);
	if (msg->client_ip[0] != '\0')
		pg_request_param_text(req, msg->client_ip);
	else
		pg_request_param_null(req);
	store_param_utf8(req, msg->helo != NULL ? msg->helo : "");
	store_param_utf8(req, msg->mail_from);
	store_content_params(req, &msg->content);
}

/* The content's SHA-256 as a bytea array element ("\\x..."), allocated. */
static char *store_delivery_sha_param(const struct store_message *msg)
{
	char *sha = xmalloc(2 + 2 * sizeof(msg->content.sha256) + 1);

	strcpy(sha, "\\x");
	for (unsigned int b = 0; b < sizeof(msg->content.sha256); b++)
		snprintf(sha + 2 + 2 * b, 3, "%02x", msg->content.sha256[b]);
	return sha;
}

/* petrel_queue_add() for the messages with remote recipients and the
   given queue lifetime (one statement per distinct lifetime, in practice
   one). The contents are stored by petrel_deliver_batch before it. */
static void store_delivery_queue(struct pg_request *req, struct store_message *const *msgs,
				 unsigned int count, int lifetime)
{
	const char **qids = xmalloc(count * sizeof(*qids));
	const char **senders = xmalloc(count * sizeof(*senders));
	char **sha = xmalloc(count * sizeof(*sha));
	int64_t *rcpt_msgs = NULL;
	const char **rcpts = NULL;
	unsigned int n = 0, nrcpt = 0;

	for (unsigned int i = 0; i < count; i++) {
		const struct store_message *msg = msgs[i];

		if (msg->remote_count == 0 || msg->queue_lifetime != lifetime)
			continue;
		qids[n] = msg->queue_id;
		senders[n] = msg->mail_from;
		sha[n] = store_delivery_sha_param(msg);
		n++;
		rcpts = xrealloc(rcpts, (nrcpt + msg->remote_count) * sizeof(*rcpts));
		rcpt_msgs = xrealloc(rcpt_msgs, (nrcpt + msg->remote_count) * sizeof(*rcpt_msgs));
		for (unsigned int r = 0; r < msg->remote_count; r++) {
			rcpt_msgs[nrcpt] = n;
			rcpts[nrcpt++] = msg->remote_recipients[r];
		}
	}
	pg_request_add(req, "SELECT petrel_queue_add($1, $2::int, $3::text[], $4::text[], "
		       "$5::bytea[], $6::int[], $7::text[])");
	pg_request_param_text(req, msgs[0]->node_id);
	pg_request_param_textf(req, "%d", lifetime);
	pg_request_param_text_array(req, qids, n);
	pg_request_param_text_array(req, senders, n);
	pg_request_param_text_array(req, (const char *const *)sha, n);
	pg_request_param_int64_array(req, rcpt_msgs, nrcpt);
	pg_request_param_text_array(req, rcpts, nrcpt);
	for (unsigned int i = 0; i < n; i++)
		free(sha[i]);
	free(sha);
	free(qids);
	free(senders);
	free(rcpts);
	free(rcpt_msgs);
}

/* petrel_deliver_mark() for the local copies of messages that delivery
   rules marked (flags, keywords); nothing when none did. */
static void store_delivery_mark(struct pg_request *req, struct store_message *const *msgs,
				unsigned int count)
{
	unsigned int n = 0;
	int64_t *accounts = NULL, *mailboxes = NULL, *flags = NULL;
	char **sha = NULL;
	const char **keywords = NULL;

	for (unsigned int i = 0; i < count; i++) {
		const struct store_message *msg = msgs[i];
		bool marked = msg->flags != 0 || (msg->keywords != NULL && msg->keywords[0] != '\0');

		for (unsigned int t = 0; marked && t < msg->target_count; t++, n++) {
			accounts = xrealloc(accounts, (n + 1) * sizeof(*accounts));
			mailboxes = xrealloc(mailboxes, (n + 1) * sizeof(*mailboxes));
			flags = xrealloc(flags, (n + 1) * sizeof(*flags));
			sha = xrealloc(sha, (n + 1) * sizeof(*sha));
			keywords = xrealloc(keywords, (n + 1) * sizeof(*keywords));
			accounts[n] = msg->account_ids[t];
			mailboxes[n] = msg->mailbox_ids[t];
			flags[n] = msg->flags;
			sha[n] = store_delivery_sha_param(msg);
			keywords[n] = msg->keywords != NULL ? msg->keywords : "";
		}
	}
	if (n > 0) {
		pg_request_add(req, "SELECT petrel_deliver_mark($1::bigint[], $2::bigint[], "
			       "$3::bytea[], $4::int[], $5::text[])");
		pg_request_param_int64_array(req, accounts, n);
		pg_request_param_int64_array(req, mailboxes, n);
		pg_request_param_text_array(req, (const char *const *)sha, n);
		pg_request_param_int64_array(req, flags, n);
		pg_request_param_text_array(req, keywords, n);
	}
	for (unsigned int i = 0; i < n; i++)
		free(sha[i]);
	free(sha);
	free(accounts);
	free(mailboxes);
	free(flags);
	free(keywords);
}

void store_delivery_add(struct pg_request *req, struct store_message *const *msgs,
			unsigned int count)
{
	store_delivery_lock(req, msgs, count);
	for (unsigned int first = 0; first < count; first += STORE_DELIVERY_CHUNK) {
		unsigned int n = count - first < STORE_DELIVERY_CHUNK ? count - first
								      : STORE_DELIVERY_CHUNK;

		pg_request_add_owned(req, store_delivery_sql(n));
		store_delivery_pairs(req, msgs + first, n);
		for (unsigned int i = 0; i < n; i++)
			store_delivery_params(req, msgs[first + i]);
	}
	store_delivery_mark(req, msgs, count);
	for (unsigned int i = 0; i < count; i++) {
		bool first_of_lifetime = msgs[i]->remote_count > 0;

		for (unsigned int j = 0; j < i && first_of_lifetime; j++)
			first_of_lifetime = msgs[j]->remote_count == 0 ||
				msgs[j]->queue_lifetime != msgs[i]->queue_lifetime;
		if (first_of_lifetime)
			store_delivery_queue(req, msgs, count, msgs[i]->queue_lifetime);
	}
}
