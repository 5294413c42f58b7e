/*
 * pop3-cmd-maildrop.c — the maildrop of a POP3 session (RFC 1939 5, 6):
 * the INBOX snapshot read at login (UIDs and sizes; message numbers stay
 * fixed for the session), STAT, LIST, UIDL, DELE, RSET, NOOP, and QUIT,
 * whose UPDATE state removes exactly the DELE'd messages and marks the
 * retrieved ones \Seen in one transaction. Closing without QUIT changes
 * nothing.
 */
#include "pop3-session-private.h"

#include "conn.h"
#include "imap-seqset.h"
#include "log.h"
#include "store-imap-mailbox.h"
#include "store-imap-message.h"
#include "store-pop3.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>

/* Messages whose sizes one query reads while the maildrop is opened. */
#define POP3_MAILDROP_BATCH 5000
/* The snapshot's UID ranges are not limited: a fragmented INBOX is fine. */
#define POP3_MAILDROP_MAX_RANGES 0xffffffffu

void pop3_maildrop_free(struct pop3_maildrop *drop)
{
	free(drop->msgs);
	free(drop->loading_uids);
	*drop = (struct pop3_maildrop){ 0 };
}

/* Opening the maildrop failed: the login does not count (RFC 1939 7:
   -ERR, back to AUTHORIZATION). */
static void pop3_maildrop_failed(struct pop3_session *s, const char *text)
{
	log_warning("pop3", s->ws.id_str, "event=maildrop_failed user=%s reason=\"%s\"",
		    s->user, text);
	pop3_maildrop_free(&s->drop);
	free(s->user);
	s->user = NULL;
	s->account_id = 0;
	s->domain_id = 0;
	pop3_cmd_finish(s, false, "[SYS/TEMP] Cannot open the maildrop: %s", text);
}

/* The maildrop is read: the login's +OK, and TRANSACTION begins. */
static void pop3_maildrop_ready(struct pop3_session *s)
{
	free(s->drop.loading_uids);
	s->drop.loading_uids = NULL;
	s->state = POP3_STATE_TRANSACTION;
	log_info("pop3", s->ws.id_str, "event=maildrop_open messages=%u", s->drop.count);
	pop3_cmd_finish(s, true, "Logged in, %u messages", s->drop.count);
}

static void pop3_maildrop_fetch_next(struct pop3_session *s, uint32_t after_uid);

static void pop3_maildrop_sizes(void *ctx, const char *error,
				const struct store_imap_message *rows, unsigned int count)
{
	struct pop3_session *s = pop3_session_from_ticket(ctx);
	struct pop3_maildrop *drop;

	if (s == NULL)
		return;
	drop = &s->drop;
	if (error != NULL) {
		pop3_maildrop_failed(s, "database error");
		return;
	}
	if (drop->count + count > drop->size) {
		drop->size = drop->count + count + drop->size;
		drop->msgs = xrealloc(drop->msgs, drop->size * sizeof(*drop->msgs));
	}
	for (unsigned int i = 0; i < count; i++)
		drop->msgs[drop->count++] = (struct pop3_message){ .uid = rows[i].uid,
								   .size = rows[i].size };
	if (count == POP3_MAILDROP_BATCH) {
		pop3_maildrop_fetch_next(s, rows[count - 1].uid);
		return;
	}
	pop3_maildrop_ready(s);
}

static void pop3_maildrop_fetch_next(struct pop3_session *s, uint32_t after_uid)
{
	store_imap_fetch(s->worker->pool, s->account_id, s->drop.mailbox_id,
			 s->drop.loading_uids, after_uid, POP3_MAILDROP_BATCH, 0, STORE_FETCH_BASIC,
			 pop3_maildrop_sizes, session_ticket_new(&s->ws));
}

static void pop3_maildrop_selected(void *ctx, const char *error,
				   const struct store_imap_select *info)
{
	struct pop3_session *s = pop3_session_from_ticket(ctx);
	struct imap_seqset uids = IMAP_SEQSET_INIT;
	const char *parse_error;

	if (s == NULL)
		return;
	if (error != NULL || info == NULL) {
		pop3_maildrop_failed(s, error != NULL ? "database error" : "no INBOX");
		return;
	}
	s->drop.mailbox_id = info->id;
	s->drop.uidvalidity = info->uidvalidity;
	if (info->uids[0] == '\0') {
		pop3_maildrop_ready(s);
		return;
	}
	if (imap_seqset_parse(info->uids, POP3_MAILDROP_MAX_RANGES, &uids, &parse_error) < 0) {
		pop3_maildrop_failed(s, parse_error);
		return;
	}
	s->drop.loading_uids = store_imap_uid_multirange(&uids);
	imap_seqset_free(&uids);
	pop3_maildrop_fetch_next(s, 0);
}

void pop3_maildrop_open(struct pop3_session *s)
{
	store_imap_select(s->worker->pool, s->account_id, "INBOX", pop3_maildrop_selected,
			  session_ticket_new(&s->ws));
}

struct pop3_message *pop3_message_arg(struct pop3_session *s, uint32_t msgnum)
{
	struct pop3_message *msg;

	if (msgnum == 0 || msgnum > s->drop.count) {
		pop3_cmd_finish(s, false, "No such message");
		return NULL;
	}
	msg = &s->drop.msgs[msgnum - 1];
	if (msg->deleted) {
		pop3_cmd_finish(s, false, "Message %u is deleted", msgnum);
		return NULL;
	}
	return msg;
}

/* Messages and octets not DELE'd. */
static void pop3_maildrop_totals(const struct pop3_maildrop *drop, unsigned int *count_r,
				 uint64_t *octets_r)
{
	*count_r = 0;
	*octets_r = 0;
	for (unsigned int i = 0; i < drop->count; i++) {
		if (!drop->msgs[i].deleted) {
			(*count_r)++;
			*octets_r += drop->msgs[i].size;
		}
	}
}

void pop3_cmd_stat(struct pop3_session *s, const struct pop3_command *cmd)
{
	unsigned int count;
	uint64_t octets;

	(void)cmd;
	pop3_maildrop_totals(&s->drop, &count, &octets);
	pop3_cmd_finish(s, true, "%u %llu", count, (unsigned long long)octets);
}

/* The lines of a LIST or UIDL listing, as many as the output bound lets. */
static void pop3_listing_pump(void *ctx)
{
	struct pop3_session *s = ctx;
	size_t max = pop3_output_max(s);

	if (s->state == POP3_STATE_CLOSED)
		return;
	while (s->list_next < s->drop.count) {
		const struct pop3_message *msg = &s->drop.msgs[s->list_next++];

		if (msg->deleted)
			continue;
		if (s->list_uidl)
			pop3_send(s, "%u %u.%u", s->list_next, s->drop.uidvalidity, msg->uid);
		else
			pop3_send(s, "%u %u", s->list_next, msg->size);
		if (conn_output_len(s->conn) >= max) {
			pop3_wait_output(s, pop3_listing_pump);
			return;
		}
	}
	pop3_cmd_finish_multiline(s);
}

static void pop3_listing(struct pop3_session *s, const struct pop3_command *cmd, bool uidl)
{
	const struct pop3_message *msg;

	if (cmd->argc == 1) {
		msg = pop3_message_arg(s, cmd->msgnum);
		if (msg == NULL)
			return;
		if (uidl)
			pop3_cmd_finish(s, true, "%u %u.%u", cmd->msgnum, s->drop.uidvalidity,
					msg->uid);
		else
			pop3_cmd_finish(s, true, "%u %u", cmd->msgnum, msg->size);
		return;
	}
	if (uidl) {
		pop3_send(s, "+OK Unique-ID listing follows");
	} else {
		unsigned int count;
		uint64_t octets;

		pop3_maildrop_totals(&s->drop, &count, &octets);
		pop3_send(s, "+OK %u messages (%llu octets)", count, (unsigned long long)octets);
	}
	s->list_next = 0;
	s->list_uidl = uidl;
	pop3_listing_pump(s);
}

void pop3_cmd_list(struct pop3_session *s, const struct pop3_command *cmd)
{
	pop3_listing(s, cmd, false);
}

void pop3_cmd_uidl(struct pop3_session *s, const struct pop3_command *cmd)
{
	pop3_listing(s, cmd, true);
}

void pop3_cmd_dele(struct pop3_session *s, const struct pop3_command *cmd)
{
	struct pop3_message *msg = pop3_message_arg(s, cmd->msgnum);

	if (msg == NULL)
		return;
	msg->deleted = true;
	pop3_cmd_finish(s, true, "Message %u deleted", cmd->msgnum);
}

void pop3_cmd_rset(struct pop3_session *s, const struct pop3_command *cmd)
{
	unsigned int count;
	uint64_t octets;

	(void)cmd;
	for (unsigned int i = 0; i < s->drop.count; i++)
		s->drop.msgs[i].deleted = false;
	pop3_maildrop_totals(&s->drop, &count, &octets);
	pop3_cmd_finish(s, true, "%u messages (%llu octets)", count, (unsigned long long)octets);
}

void pop3_cmd_noop(struct pop3_session *s, const struct pop3_command *cmd)
{
	(void)cmd;
	pop3_cmd_finish(s, true, "Still here");
}

static void pop3_updated(void *ctx, const char *error, unsigned int removed)
{
	struct pop3_session *s = pop3_session_from_ticket(ctx);

	if (s == NULL)
		return;
	if (error != NULL) {
		log_warning("pop3", s->ws.id_str, "event=update_failed error=\"%s\"", error);
		pop3_close(s, "-ERR [SYS/TEMP] Deleted messages were not removed; try again");
		return;
	}
	log_info("pop3", s->ws.id_str, "event=update removed=%u", removed);
	pop3_close(s, "+OK Logging out, messages deleted");
}

/* The UIDs to remove (deleted true: the DELE'd messages) or to mark \Seen
   (the retrieved messages that stay); NULL when there are none. */
static char *pop3_update_uids(const struct pop3_maildrop *drop, bool deleted)
{
	struct imap_seqset uids = IMAP_SEQSET_INIT;
	char *range = NULL;

	for (unsigned int i = 0; i < drop->count; i++) {
		const struct pop3_message *msg = &drop->msgs[i];

		if (deleted ? msg->deleted : !msg->deleted && msg->retrieved)
			imap_seqset_add_range(&uids, msg->uid, msg->uid);
	}
	if (uids.count > 0)
		range = store_imap_uid_multirange(&uids);
	imap_seqset_free(&uids);
	return range;
}

void pop3_cmd_quit(struct pop3_session *s, const struct pop3_command *cmd)
{
	char *seen, *deleted;

	(void)cmd;
	if (s->state != POP3_STATE_TRANSACTION) {
		pop3_close(s, "+OK Bye");
		return;
	}
	seen = pop3_update_uids(&s->drop, false);
	deleted = pop3_update_uids(&s->drop, true);
	if (seen == NULL && deleted == NULL) {
		pop3_close(s, "+OK Logging out");
		return;
	}
	store_pop3_update(s->worker->pool, s->account_id, s->drop.mailbox_id, seen, deleted,
			  pop3_updated, session_ticket_new(&s->ws));
	free(seen);
	free(deleted);
}
