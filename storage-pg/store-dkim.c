/*
 * store-dkim.c — DKIM key lookup for the node's signer (see store-dkim.h).
 */
#include "store-dkim.h"

#include "store-private.h"

#include <stdlib.h>

static void store_dkim_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_dkim_callback_t *callback = (store_dkim_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct store_dkim_key keys[STORE_DKIM_MAX_KEYS];
	const PGresult *res = reply->count > 0 ? reply->results[0] : NULL;
	unsigned int count = 0;
	int64_t domain_id = 0;

	if (error == NULL && PQntuples(res) > 0) {
		domain_id = store_get_int64(res, 0, 0);
		/* a local domain without keys is one row of NULL key columns */
		for (int row = 0; row < PQntuples(res) && count < STORE_DKIM_MAX_KEYS; row++) {
			if (PQgetisnull(res, row, 1))
				continue;
			keys[count].selector = store_get_text(res, row, 1);
			keys[count].algorithm = store_get_text(res, row, 2);
			keys[count].private_key = store_get_text(res, row, 3);
			count++;
		}
	}
	callback(call->ctx, domain_id, keys, count, error);
	free(call);
}

void store_dkim_lookup(struct pg_pool *pool, const char *domain,
		       store_dkim_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_dkim_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT d.id, k.selector, k.algorithm, k.private_key"
		       " FROM domains d LEFT JOIN dkim_keys k ON k.domain_id = d.id"
		       " WHERE d.name = $1 ORDER BY k.selector");
	pg_request_param_text(req, domain);
	pg_pool_submit(pool, req);
}
