/*
 * store-pop3.c — POP3's UPDATE state (see store-pop3.h): the schema's flag
 * and expunge functions run as statements of one request, so PostgreSQL
 * commits the \Seen flags, the \Deleted flags and the removal together.
 */
#include "store-pop3.h"

#include "store-private.h"

#include <stdlib.h>

/* Flag bits of messages.flags (store-imap-message.h) and the mode "add"
   of petrel_store_flags(). */
#define STORE_POP3_FLAG_SEEN "1"
#define STORE_POP3_FLAG_DELETED "8"
#define STORE_POP3_MODE_ADD "1"

static void store_pop3_update_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_pop3_update_callback_t *cb = (store_pop3_update_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	unsigned int removed = 0;

	/* the expunge is the last statement */
	if (error == NULL && reply->count > 0)
		removed = (unsigned int)store_get_int64(reply->results[reply->count - 1], 0, 0);
	cb(call->ctx, error, removed);
	free(call);
}

static void store_pop3_add_flag(struct pg_request *req, int64_t account_id, int64_t mailbox_id,
				const char *uids, const char *flag)
{
	pg_request_add(req, "SELECT count(*) FROM petrel_store_flags($1, $2, $3::int8multirange, "
		       "$4::int, $5::smallint, '{}'::text[], NULL)");
	pg_request_param_textf(req, "%lld", (long long)account_id);
	pg_request_param_textf(req, "%lld", (long long)mailbox_id);
	pg_request_param_text(req, uids);
	pg_request_param_text(req, STORE_POP3_MODE_ADD);
	pg_request_param_text(req, flag);
}

void store_pop3_update(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		       const char *seen_uids, const char *deleted_uids,
		       store_pop3_update_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_pop3_update_reply,
						STORE_CALL(callback, ctx));

	if (seen_uids != NULL)
		store_pop3_add_flag(req, account_id, mailbox_id, seen_uids, STORE_POP3_FLAG_SEEN);
	if (deleted_uids != NULL) {
		store_pop3_add_flag(req, account_id, mailbox_id, deleted_uids,
				    STORE_POP3_FLAG_DELETED);
		/* only the DELE'd messages: others may carry \Deleted from IMAP */
		pg_request_add(req, "SELECT count(*) FROM petrel_expunge($1, $2, "
			       "$3::int8multirange)");
		pg_request_param_textf(req, "%lld", (long long)account_id);
		pg_request_param_textf(req, "%lld", (long long)mailbox_id);
		pg_request_param_text(req, deleted_uids);
	} else {
		pg_request_add(req, "SELECT 0");
	}
	pg_pool_submit(pool, req);
}
