/*
 * store-policy-lists.c — white/black list and ban lookups for the node
 * (see store-policy-lists.h).
 */
#include "store-policy-lists.h"

#include "store-private.h"

#include <stdlib.h>

static void store_policy_lists_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_policy_lists_callback_t *callback = (store_policy_lists_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = error == NULL ? reply->results[0] : NULL;
	struct store_policy_match match;

	if (res != NULL && PQntuples(res) > 0) {
		match = (struct store_policy_match){
			.kind = store_get_text(res, 0, 0),
			.type = store_get_text(res, 0, 1),
			.value = store_get_text(res, 0, 2),
			.comment = store_get_text(res, 0, 3),
		};
	}
	callback(call->ctx, error, res != NULL && PQntuples(res) > 0 ? &match : NULL);
	free(call);
}

static void store_policy_param(struct pg_request *req, const char *value)
{
	if (value != NULL)
		pg_request_param_text(req, value);
	else
		pg_request_param_null(req);
}

void store_policy_lists_lookup(struct pg_pool *pool, const char *ip, const char *sender,
			       store_policy_lists_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_policy_lists_reply,
						STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT kind, type, value, comment "
		       "FROM petrel_policy_lookup($1::inet, $2)");
	store_policy_param(req, ip);
	store_policy_param(req, sender);
	pg_pool_submit(pool, req);
}

static void store_ban_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_ban_callback_t *callback = (store_ban_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = error == NULL ? reply->results[0] : NULL;
	bool banned = res != NULL && PQntuples(res) > 0;

	callback(call->ctx, error, banned ? store_get_text(res, 0, 0) : NULL,
		 banned ? store_get_text(res, 0, 1) : NULL);
	free(call);
}

void store_ban_check(struct pg_pool *pool, const char *ip, store_ban_callback_t *callback,
		     void *ctx)
{
	struct pg_request *req = pg_request_new(store_ban_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT reason, to_char(expires_at AT TIME ZONE 'UTC', "
		       "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM petrel_ban_check($1::inet)");
	pg_request_param_text(req, ip);
	pg_pool_submit(pool, req);
}
