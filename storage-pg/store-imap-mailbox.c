/*
 * store-imap-mailbox.c — mailbox-level queries for IMAP and POP3 (see
 * store-imap-mailbox.h).
 */
#include "store-imap-mailbox.h"

#include "store-private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum store_imap_error store_imap_error_code(const char *error)
{
	static const struct {
		const char *sqlstate;
		enum store_imap_error code;
	} codes[] = {
		{ "PTNMB", STORE_IMAP_ERR_NONEXISTENT },
		{ "PTQTA", STORE_IMAP_ERR_OVERQUOTA },
		{ "PTEXI", STORE_IMAP_ERR_ALREADYEXISTS },
		{ "PTCHL", STORE_IMAP_ERR_HASCHILDREN },
		{ "PTINV", STORE_IMAP_ERR_CANNOT },
	};
	char buf[6];

	if (error == NULL)
		return STORE_IMAP_ERR_NONE;
	store_error_sqlstate(error, buf);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (strcmp(buf, codes[i].sqlstate) == 0)
			return codes[i].code;
	}
	return STORE_IMAP_ERR_OTHER;
}

static void store_imap_mailboxes_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_mailboxes_callback_t *cb = (store_imap_mailboxes_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];
	unsigned int count = error == NULL ? (unsigned int)PQntuples(res) : 0;
	struct store_imap_mailbox *boxes = xcalloc(count + 1, sizeof(*boxes));

	for (unsigned int i = 0; i < count; i++) {
		boxes[i] = (struct store_imap_mailbox){
			.id = store_get_int64(res, i, 0),
			.name = store_get_text(res, i, 1),
			.special_use = store_get_text(res, i, 2),
			.subscribed = store_get_bool(res, i, 3),
			.messages = (uint32_t)store_get_int64(res, i, 4),
			.uidnext = (uint32_t)store_get_int64(res, i, 5),
			.uidvalidity = (uint32_t)store_get_int64(res, i, 6),
			.highestmodseq = (uint64_t)store_get_int64(res, i, 7),
			.bytes = (uint64_t)store_get_int64(res, i, 8),
			.unseen = (uint32_t)store_get_int64(res, i, 9),
			.deleted = (uint32_t)store_get_int64(res, i, 10),
		};
	}
	cb(call->ctx, error, boxes, count);
	free(boxes);
	free(call);
}

void store_imap_mailboxes(struct pg_pool *pool, int64_t account_id, const char *name,
			  unsigned int counts, store_imap_mailboxes_callback_t *callback,
			  void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_mailboxes_reply,
		STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT mb.id, mb.name, coalesce(mb.special_use, ''), mb.subscribed, "
		       "mb.messages, mb.uidnext, mb.uidvalidity, mb.highestmodseq, mb.bytes, "
		       "CASE WHEN $3 THEN (SELECT count(*) FROM messages m "
		       "  WHERE m.account_id = mb.account_id AND m.mailbox_id = mb.id "
		       "    AND (m.flags & 1) = 0) ELSE 0 END, "
		       "CASE WHEN $4 THEN (SELECT count(*) FROM messages m "
		       "  WHERE m.account_id = mb.account_id AND m.mailbox_id = mb.id "
		       "    AND (m.flags & 8) <> 0) ELSE 0 END "
		       "FROM mailboxes mb WHERE mb.account_id = $1 AND ($2::text IS NULL OR "
		       "mb.name = $2) ORDER BY mb.name COLLATE \"C\"");
	pg_request_param_textf(req, "%lld", (long long)account_id);
	if (name != NULL)
		pg_request_param_text(req, name);
	else
		pg_request_param_null(req);
	pg_request_param_text(req, (counts & STORE_IMAP_COUNT_UNSEEN) != 0 ? "true" : "false");
	pg_request_param_text(req, (counts & STORE_IMAP_COUNT_DELETED) != 0 ? "true" : "false");
	pg_pool_submit(pool, req);
}

static void store_imap_select_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_select_callback_t *cb = (store_imap_select_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];

	if (error != NULL || PQntuples(res) == 0) {
		cb(call->ctx, error, NULL);
		free(call);
		return;
	}
	struct store_imap_select info = {
		.id = store_get_int64(res, 0, 0),
		.uidvalidity = (uint32_t)store_get_int64(res, 0, 1),
		.uidnext = (uint32_t)store_get_int64(res, 0, 2),
		.highestmodseq = (uint64_t)store_get_int64(res, 0, 3),
		.keywords = store_get_text(res, 0, 4),
		.first_unseen_uid = (uint32_t)store_get_int64(res, 0, 5),
		.uids = store_get_text(res, 0, 6),
	};

	cb(call->ctx, NULL, &info);
	free(call);
}

void store_imap_select(struct pg_pool *pool, int64_t account_id, const char *name,
		       store_imap_select_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_select_reply,
		STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT id, uidvalidity, uidnext, highestmodseq, keywords, "
		       "first_unseen, uids FROM petrel_mailbox_select($1, $2)");
	pg_request_param_textf(req, "%lld", (long long)account_id);
	pg_request_param_text(req, name);
	pg_pool_submit(pool, req);
}

static void store_imap_done_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_done_callback_t *cb = (store_imap_done_callback_t *)call->callback;

	cb(call->ctx, store_reply_error(reply));
	free(call);
}

void store_imap_mailbox_change(struct pg_pool *pool, int64_t account_id,
			       enum store_imap_mailbox_op op, const char *name, const char *arg,
			       store_imap_done_callback_t *callback, void *ctx)
{
	static const char *const sql[] = {
		[STORE_IMAP_CREATE] = "SELECT petrel_mailbox_create($1, $2, $3)",
		[STORE_IMAP_DELETE] = "SELECT petrel_mailbox_delete($1, $2)",
		[STORE_IMAP_RENAME] = "SELECT petrel_mailbox_rename($1, $2, $3)",
		[STORE_IMAP_SUBSCRIBE] = "UPDATE mailboxes SET subscribed = true "
					 "WHERE account_id = $1 AND name = $2",
		[STORE_IMAP_UNSUBSCRIBE] = "UPDATE mailboxes SET subscribed = false "
					   "WHERE account_id = $1 AND name = $2",
	};
	struct pg_request *req = pg_request_new(store_imap_done_reply,
		STORE_CALL(callback, ctx));

	pg_request_add(req, sql[op]);
	pg_request_param_textf(req, "%lld", (long long)account_id);
	pg_request_param_text(req, name);
	if (op == STORE_IMAP_CREATE || op == STORE_IMAP_RENAME) {
		if (arg != NULL)
			pg_request_param_text(req, arg);
		else
			pg_request_param_null(req);
	}
	pg_pool_submit(pool, req);
}

static void store_imap_quota_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_quota_callback_t *cb = (store_imap_quota_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];

	if (error == NULL && PQntuples(res) == 1)
		cb(call->ctx, NULL, (uint64_t)store_get_int64(res, 0, 0),
		   (uint64_t)store_get_int64(res, 0, 1), (uint64_t)store_get_int64(res, 0, 2));
	else
		cb(call->ctx, error != NULL ? error : "no such account", 0, 0, 0);
	free(call);
}

void store_imap_quota(struct pg_pool *pool, int64_t account_id,
		      store_imap_quota_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_quota_reply,
		STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT (SELECT coalesce(sum(bytes), 0) FROM mailboxes "
		       "WHERE account_id = a.id), a.quota_bytes, (SELECT coalesce(sum(messages), 0) "
		       "FROM mailboxes WHERE account_id = a.id) FROM accounts a WHERE a.id = $1");
	pg_request_param_textf(req, "%lld", (long long)account_id);
	pg_pool_submit(pool, req);
}
