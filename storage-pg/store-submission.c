/*
 * store-submission.c — the sender ownership query (see store-submission.h).
 */
#include "store-submission.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct store_submission_call {
	store_submission_sender_callback_t *callback;
	void *ctx;
};

static void store_submission_sender_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_submission_call *call = ctx;
	const PGresult *res = reply->results[0];

	if (reply->error != NULL || res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1)
		call->callback(call->ctx, false, reply->error != NULL ? reply->error : "no result");
	else
		call->callback(call->ctx, strcmp(PQgetvalue(res, 0, 0), "t") == 0, NULL);
	free(call);
}

void store_submission_sender_owned(struct pg_pool *pool, int64_t account_id, const char *address,
				   store_submission_sender_callback_t *callback, void *ctx)
{
	struct store_submission_call *call = xmalloc(sizeof(*call));
	struct pg_request *req = pg_request_new(store_submission_sender_reply, call);

	call->callback = callback;
	call->ctx = ctx;
	pg_request_add(req, "SELECT petrel_sender_owned($1::bigint, $2)");
	pg_request_param_textf(req, "%lld", (long long)account_id);
	pg_request_param_text(req, address);
	pg_pool_submit(pool, req);
}
