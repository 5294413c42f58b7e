/*
 * smtp-cmd-data.c — DATA and BDAT (RFC 3030 CHUNKING): the message body is
 * read under the size limit, a Received: header is put in front, and the
 * finished message goes to the worker's group commit. The final reply
 * (250 with the queue id, or one reply per recipient in LMTP) is sent only
 * once PostgreSQL has committed it.
 */
#include "smtp-session-private.h"

#include "conn.h"
#include "delivery.h"
#include "dkim-sign.h"
#include "log.h"
#include "metrics.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Where decoded bytes go once a message is over the limit: counted, dropped. */
static unsigned char smtp_discard[SMTP_INPUT_MAX + 2];

static const char *smtp_protocol_name(const struct smtp_session *s, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", s->tx->utf8 ? "UTF8" : "",
		 s->lmtp ? "LMTP" : s->esmtp ? (s->tx->utf8 ? "SMTP" : "ESMTP") : "SMTP",
		 conn_is_tls(s->conn) ? "S" : "");
	return buf;
}

/* RFC 5321 4.4 trace header; "for" names the recipient only when it is one. */
static void smtp_body_begin(struct smtp_session *s)
{
	struct smtp_transaction *tx = s->tx;
	const char *tls = conn_tls_description(s->conn);
	char date[64], proto[16];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buffer_printf(&tx->body, "Received: from %s ([%s])\r\n", s->helo, s->ws.ip);
	if (tls != NULL)
		buffer_printf(&tx->body, "\t(using %s)\r\n", tls);
	buffer_printf(&tx->body, "\tby %s (Petrel) with %s id %s", smtp_hostname(s),
		      smtp_protocol_name(s, proto, sizeof(proto)), tx->queue_id);
	if (tx->rcpt_count == 1)
		buffer_printf(&tx->body, "\r\n\tfor <%s>", tx->rcpts[0]);
	buffer_printf(&tx->body, "; %s\r\n", date);
	tx->header_start = buffer_len(&tx->body);
	tx->body_started = true;
}

void smtp_cmd_data(struct smtp_session *s, struct smtp_command *cmd)
{
	if (cmd->arg[0] != '\0') {
		smtp_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	smtp_body_begin(s);
	smtp_data_decoder_init(&s->decoder);
	smtp_set_state(s, SMTP_STATE_DATA);
	smtp_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void smtp_body_stored(void *ctx, const char *error)
{
	struct smtp_session *s = smtp_session_from_ticket(ctx);
	struct smtp_transaction *tx;

	if (s == NULL)
		return;
	tx = s->tx;
	if (error == NULL)
		log_info("smtp", s->ws.id_str, "event=stored queue_id=%s size=%zu rcpts=%u "
			 "mailboxes=%u queued=%u", tx->queue_id, tx->body_size, tx->rcpt_count,
			 tx->target_count, tx->remote_count);
	if (error == NULL)
		metrics_count_stored(s->worker, s->ws.kind, tx->target_count);
	for (unsigned int i = 0; i < (s->lmtp ? tx->rcpt_count : 1); i++) {
		const char *rcpt = s->lmtp ? tx->rcpts[i] : NULL;

		if (error != NULL)
			smtp_reply(s, "451 4.3.0 %s%s%sError: temporary storage failure, try again",
				   rcpt != NULL ? "<" : "", rcpt != NULL ? rcpt : "",
				   rcpt != NULL ? "> " : "");
		else
			smtp_reply(s, "250 2.0.0 %s%s%sOk: queued as %s", rcpt != NULL ? "<" : "",
				   rcpt != NULL ? rcpt : "", rcpt != NULL ? "> " : "", tx->queue_id);
	}
	smtp_transaction_reset(s);
	smtp_wait_end(s);
	smtp_session_process(s);
}

static struct store_message *smtp_body_to_message(struct smtp_session *s)
{
	struct smtp_transaction *tx = s->tx;
	struct store_message *msg = xcalloc(1, sizeof(*msg));

	memcpy(msg->queue_id, tx->queue_id, sizeof(msg->queue_id));
	msg->node_id = s->worker->config->node_id;
	msg->protocol = s->lmtp ? "lmtp" : "smtp";
	snprintf(msg->client_ip, sizeof(msg->client_ip), "%s", s->ws.ip);
	msg->helo = xstrdup(s->helo);
	msg->mail_from = xstrdup(tx->mail_from);
	msg->recipients = xmalloc(sizeof(char *) * tx->rcpt_count);
	for (unsigned int i = 0; i < tx->rcpt_count; i++)
		msg->recipients[i] = xstrdup(tx->rcpts[i]);
	msg->recipient_count = tx->rcpt_count;
	msg->account_ids = xmalloc(sizeof(int64_t) * tx->target_count);
	msg->mailbox_ids = xmalloc(sizeof(int64_t) * tx->target_count);
	if (tx->target_count > 0) {    /* relayed mail may have no local copy */
		memcpy(msg->account_ids, tx->account_ids, sizeof(int64_t) * tx->target_count);
		memcpy(msg->mailbox_ids, tx->mailbox_ids, sizeof(int64_t) * tx->target_count);
	}
	msg->target_count = tx->target_count;
	msg->remote_recipients = xmalloc(sizeof(char *) * (tx->remote_count + 1));
	for (unsigned int i = 0; i < tx->remote_count; i++)
		msg->remote_recipients[i] = xstrdup(tx->remote_rcpts[i]);
	msg->remote_count = tx->remote_count;
	msg->queue_lifetime = (int)smtp_setting(s, "queue_max_lifetime");
	msg->flags = tx->policy.flags;
	msg->keywords = strbuf_steal(&tx->policy.keywords);
	msg->content.raw = buffer_steal(&tx->body, &msg->content.size);
	store_content_prepare(&msg->content, (size_t)smtp_setting(s, "search_text_max_bytes"),
			      msg->target_count > 0);
	return msg;
}

/* The DKIM signatures (if any) go right after our Received: field, then
   the message is stored. Signing trouble never holds mail back. */
static void smtp_body_signed(void *ctx, char *headers, const char *error)
{
	struct smtp_session *s = smtp_session_from_ticket(ctx);

	if (s == NULL) {
		free(headers);
		return;
	}
	if (error != NULL)
		log_warning("smtp", s->ws.id_str, "event=dkim_unsigned queue_id=%s error=\"%s\"",
			    s->tx->queue_id, error);
	if (headers != NULL) {
		smtp_submit_insert_header(s, headers);
		free(headers);
	}
	delivery_submit(s->worker->delivery, smtp_body_to_message(s), smtp_body_stored,
			session_ticket_new(&s->ws));
}

/* Sign (submitted mail) and store the finished message; the session is
   waiting. */
static void smtp_body_store(struct smtp_session *s)
{
	struct smtp_transaction *tx = s->tx;

	if (smtp_relay_allowed(s)) {
		/* submitted mail: complete its header, then sign it for our domain */
		smtp_submit_add_missing_headers(s);
		dkim_signer_sign(s->worker->dkim, buffer_data(&tx->body) + tx->header_start,
				 buffer_len(&tx->body) - tx->header_start, smtp_body_signed,
				 session_ticket_new(&s->ws));
		return;
	}
	delivery_submit(s->worker->delivery, smtp_body_to_message(s), smtp_body_stored,
			session_ticket_new(&s->ws));
}

/* The local copies go into the policy's folders, then the message is
   stored. */
static void smtp_body_file(struct smtp_session *s)
{
	smtp_filing_run(s, smtp_body_store);
}

/* A refused message; LMTP answers for each recipient (RFC 2033). */
static void smtp_body_refused(struct smtp_session *s, const char *reply)
{
	struct smtp_transaction *tx = s->tx;

	log_info("smtp", s->ws.id_str, "event=rejected queue_id=%s reason=policy reply=\"%s\"",
		 tx->queue_id, reply);
	for (unsigned int i = 0; i < (s->lmtp ? tx->rcpt_count : 1); i++)
		smtp_reply(s, "%s", reply);
	smtp_transaction_reset(s);
}

/* The Complete checks' verdict: refuse, throw away (DISCARD: the client
   hears 250 all the same), or apply the checks' changes and store. */
static void smtp_body_checked(struct smtp_session *s, enum smtp_verdict verdict,
			      const char *reply)
{
	struct smtp_transaction *tx = s->tx;

	if (smtp_verdict_refuses(verdict)) {
		smtp_body_refused(s, reply);
		return;
	}
	smtp_policy_apply_message(s);
	if (tx->policy.discard) {
		log_info("smtp", s->ws.id_str, "event=discarded queue_id=%s size=%zu",
			 tx->queue_id, tx->body_size);
		smtp_reply(s, "250 2.0.0 Ok: queued as %s", tx->queue_id);
		smtp_transaction_reset(s);
		return;
	}
	smtp_wait_begin(s);
	if (tx->policy.redirect_count > 0)
		smtp_redirect_resolve(s, smtp_body_file);
	else
		smtp_body_file(s);
}


static void smtp_body_headers_checked(struct smtp_session *s, enum smtp_verdict verdict,
				      const char *reply)
{
	if (smtp_verdict_refuses(verdict))
		smtp_body_refused(s, reply);
	else
		smtp_policy_run(s, SMTP_STAGE_COMPLETE, smtp_body_checked);
}

static void smtp_body_end(struct smtp_session *s)
{
	struct smtp_transaction *tx = s->tx;

	if (tx->too_big) {
		log_info("smtp", s->ws.id_str, "event=rejected queue_id=%s reason=too_big size=%zu",
			 tx->queue_id, tx->body_size);
		metrics_count_reject(s->worker, s->ws.kind, METRICS_STAGE_DATA, false);
		smtp_reply(s, "552 5.3.4 Error: message file too big");
		smtp_transaction_reset(s);
		return;
	}
	smtp_policy_run(s, SMTP_STAGE_HEADERS, smtp_body_headers_checked);
}

/* Account for len received bytes that are at dest (inside tx->body unless
   the message is already over the limit). */
static void smtp_body_received(struct smtp_session *s, size_t len)
{
	struct smtp_transaction *tx = s->tx;

	tx->body_size += len;
	if (tx->too_big)
		return;
	buffer_commit(&tx->body, len);
	if (tx->body_size > (size_t)smtp_setting(s, "message_size_limit")) {
		tx->too_big = true;
		buffer_consume(&tx->body, buffer_len(&tx->body));   /* free it now */
	}
}

static unsigned char *smtp_body_dest(struct smtp_session *s, size_t len)
{
	return s->tx->too_big ? smtp_discard : buffer_reserve(&s->tx->body, len);
}

static void smtp_bdat_chunk_done(struct smtp_session *s)
{
	if (s->bdat_last) {
		smtp_body_end(s);
	} else if (s->tx->too_big) {
		smtp_reply(s, "552 5.3.4 Error: message file too big");
		smtp_transaction_reset(s);
	} else {
		smtp_set_state(s, SMTP_STATE_CHUNKING);
		smtp_reply(s, "250 2.0.0 %zu octets received", s->tx->body_size);
	}
}

void smtp_cmd_bdat(struct smtp_session *s, struct smtp_command *cmd)
{
	if (!s->tx->body_started)
		smtp_body_begin(s);
	s->bdat_left = cmd->bdat_size;
	s->bdat_last = cmd->bdat_last;
	smtp_set_state(s, SMTP_STATE_BDAT);
	if (s->bdat_left == 0)
		smtp_bdat_chunk_done(s);
}

bool smtp_data_input(struct smtp_session *s)
{
	struct buffer *in = conn_input(s->conn);
	size_t avail = buffer_len(in);

	if (s->state == SMTP_STATE_BDAT) {
		size_t n = avail < s->bdat_left ? avail : s->bdat_left;

		memcpy(smtp_body_dest(s, n), buffer_data(in), n);
		smtp_body_received(s, n);
		buffer_consume(in, n);
		s->bdat_left -= n;
		if (s->bdat_left > 0)
			return false;
		smtp_bdat_chunk_done(s);
		return !s->waiting;
	}

	size_t out_len, consumed;
	int ret = smtp_data_decode(&s->decoder, buffer_data(in), avail,
				   smtp_body_dest(s, avail + 2), &out_len, &consumed);

	smtp_body_received(s, out_len);
	buffer_consume(in, consumed);
	if (ret == 0)
		return false;
	smtp_body_end(s);
	return !s->waiting;
}
