/*
 * store-greylist.c — greylisting for the node (see store-greylist.h).
 */
#include "store-greylist.h"

#include "store-private.h"

#include <stdlib.h>

static void store_greylist_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_greylist_callback_t *callback = (store_greylist_callback_t *)call->callback;
	const char *error = store_reply_error(reply);

	callback(call->ctx, error, error == NULL ? store_get_text(reply->results[0], 0, 0) : NULL);
	free(call);
}

void store_greylist_check(struct pg_pool *pool, const struct store_greylist_query *q,
			  store_greylist_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_greylist_reply, STORE_CALL(callback, ctx));

	/* the function commits without waiting for the WAL flush (017) */
	pg_request_add(req, "SELECT petrel_greylist_check($1::inet, $2, $3, $4::int, $5::int, "
		       "$6::int, $7::int, $8::int, $9::int)");
	pg_request_param_text(req, q->ip);
	pg_request_param_text(req, q->sender);
	pg_request_param_text(req, q->recipient);
	pg_request_param_textf(req, "%d", q->v4_prefix);
	pg_request_param_textf(req, "%d", q->v6_prefix);
	pg_request_param_textf(req, "%lld", q->delay);
	pg_request_param_textf(req, "%lld", q->window);
	pg_request_param_textf(req, "%lld", q->lifetime);
	pg_request_param_textf(req, "%d", q->auto_whitelist);
	pg_pool_submit(pool, req);
}
