/*
 * pgq-claim.c — claiming a batch of due outbound recipients (see
 * pgq-claim.h). The choice of domain, SKIP LOCKED and the lease are all in
 * the SQL function; this file only carries the rows to the runner.
 */
#include "pgq-claim.h"

#include "store-private.h"
#include "xalloc.h"

#include <stdlib.h>

static void pgq_claim_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_claim_callback_t *callback = (pgq_claim_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct pgq_recipient *rcpts = NULL;
	unsigned int count = 0;

	if (error == NULL) {
		const PGresult *res = reply->results[0];

		count = (unsigned int)PQntuples(res);
		rcpts = count > 0 ? xcalloc(count, sizeof(*rcpts)) : NULL;
		for (unsigned int i = 0; i < count; i++) {
			rcpts[i] = (struct pgq_recipient) {
				.id = store_get_int64(res, i, 0),
				.queue_id = store_get_text(res, i, 1),
				.sender = store_get_text(res, i, 2),
				.recipient = store_get_text(res, i, 3),
				.domain = store_get_text(res, i, 4),
				.content_id = store_get_int64(res, i, 5),
				.size = store_get_int64(res, i, 6),
				.attempts = (int)store_get_int64(res, i, 7),
			};
		}
	}
	callback(call->ctx, error, rcpts, count);
	free(rcpts);
	free(call);
}

void pgq_claim_batch(struct pg_pool *pool, const char *holder, unsigned int max,
		     unsigned int lease_seconds, pgq_claim_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_claim_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT recipient_id, queue_id, sender, recipient, domain, content_id, "
		       "size, attempts FROM petrel_queue_claim($1, $2::int, $3::int)");
	pg_request_param_text(req, holder);
	pg_request_param_textf(req, "%u", max);
	pg_request_param_textf(req, "%u", lease_seconds);
	pg_pool_submit(pool, req);
}
