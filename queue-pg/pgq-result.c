/*
 * pgq-result.c — the per-recipient outcome of a delivery attempt (see
 * pgq-result.h). The lease check is in the SQL functions, so a result is
 * recorded or refused atomically with respect to a takeover.
 */
#include "pgq-result.h"

#include "store-private.h"
#include "xalloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static enum pgq_state pgq_state_parse(const char *state)
{
	if (strcmp(state, "sent") == 0)
		return PGQ_STATE_SENT;
	if (strcmp(state, "failed") == 0)
		return PGQ_STATE_FAILED;
	if (strcmp(state, "expired") == 0)
		return PGQ_STATE_EXPIRED;
	assert(strcmp(state, "deferred") == 0);
	return PGQ_STATE_DEFERRED;
}

void pgq_result_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_result_callback_t *callback = (pgq_result_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct pgq_outcome *accepted = NULL;
	unsigned int count = 0;

	if (error == NULL) {
		const PGresult *res = reply->results[0];

		count = (unsigned int)PQntuples(res);
		accepted = count > 0 ? xcalloc(count, sizeof(*accepted)) : NULL;
		for (unsigned int i = 0; i < count; i++) {
			accepted[i].id = store_get_int64(res, i, 0);
			accepted[i].state = pgq_state_parse(store_get_text(res, i, 1));
		}
	}
	callback(call->ctx, error, accepted, count);
	free(accepted);
	free(call);
}

/* The request every result shares: holder, ids, code, text as $1..$4. */
static struct pg_request *pgq_result_request(const char *sql, const char *holder,
					     const int64_t *ids, unsigned int count, int code,
					     const char *text, pgq_result_callback_t *callback,
					     void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_result_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, sql);
	pg_request_param_text(req, holder);
	pg_request_param_int64_array(req, ids, count);
	pg_request_param_textf(req, "%d", code);
	pg_request_param_text(req, text);
	return req;
}

void pgq_mark_sent(struct pg_pool *pool, const char *holder, const int64_t *ids,
		   unsigned int count, int code, const char *text,
		   pgq_result_callback_t *callback, void *ctx)
{
	pg_pool_submit(pool, pgq_result_request(
		"SELECT recipient_id, state FROM petrel_queue_sent($1, $2::bigint[], $3::int, $4)",
		holder, ids, count, code, text, callback, ctx));
}

void pgq_mark_failed(struct pg_pool *pool, const char *holder, const int64_t *ids,
		     unsigned int count, int code, const char *text,
		     pgq_result_callback_t *callback, void *ctx)
{
	pg_pool_submit(pool, pgq_result_request(
		"SELECT recipient_id, state FROM petrel_queue_failed($1, $2::bigint[], $3::int, $4)",
		holder, ids, count, code, text, callback, ctx));
}

void pgq_defer(struct pg_pool *pool, const char *holder, const int64_t *ids,
	       unsigned int count, int code, const char *text,
	       const struct pgq_schedule *schedule, pgq_result_callback_t *callback, void *ctx)
{
	struct pg_request *req = pgq_result_request(
		"SELECT recipient_id, state FROM petrel_queue_defer($1, $2::bigint[], $3::int, $4, "
		"$5::int[])", holder, ids, count, code, text, callback, ctx);

	assert(schedule->count >= 1);
	pg_request_param_int64_array(req, schedule->steps, schedule->count);
	pg_pool_submit(pool, req);
}
