/*
 * pgq-lease.c — claims, renewals, batch results and releases of a delivery
 * runner (see pgq-lease.h). The lease checks are in the SQL functions of
 * schema/006_queue_runner.sql; this file carries arrays to and rows from
 * them.
 */
#include "pgq-lease.h"

#include "store-private.h"
#include "xalloc.h"

#include <assert.h>
#include <stdlib.h>

static void pgq_lease_claim_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_lease_claim_callback_t *callback = (pgq_lease_claim_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct pgq_claimed *rcpts = NULL;
	unsigned int count = 0;

	if (error == NULL) {
		const PGresult *res = reply->results[0];

		count = (unsigned int)PQntuples(res);
		rcpts = count > 0 ? xcalloc(count, sizeof(*rcpts)) : NULL;
		for (unsigned int i = 0; i < count; i++) {
			rcpts[i].r = (struct pgq_recipient) {
				.id = store_get_int64(res, i, 0),
				.queue_id = store_get_text(res, i, 1),
				.sender = store_get_text(res, i, 2),
				.recipient = store_get_text(res, i, 3),
				.domain = store_get_text(res, i, 4),
				.content_id = store_get_int64(res, i, 5),
				.size = store_get_int64(res, i, 6),
				.attempts = (int)store_get_int64(res, i, 7),
			};
			rcpts[i].sender_domain_id = store_get_int64(res, i, 8);
		}
	}
	callback(call->ctx, error, rcpts, count);
	free(rcpts);
	free(call);
}

void pgq_lease_claim(struct pg_pool *pool, const char *holder, unsigned int max,
		     unsigned int lease_seconds, const char *const *skip, unsigned int skip_count,
		     pgq_lease_claim_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_lease_claim_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT recipient_id, queue_id, sender, recipient, domain, content_id, "
		       "size, attempts, sender_domain_id "
		       "FROM petrel_queue_claim($1, $2::int, $3::int, $4::text[])");
	pg_request_param_text(req, holder);
	pg_request_param_textf(req, "%u", max);
	pg_request_param_textf(req, "%u", lease_seconds);
	pg_request_param_text_array(req, skip, skip_count);
	pg_pool_submit(pool, req);
}

static void pgq_lease_next_due_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_lease_next_due_callback_t *callback = (pgq_lease_next_due_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = error == NULL ? reply->results[0] : NULL;
	bool found = res != NULL && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);

	callback(call->ctx, error, found, found ? strtod(PQgetvalue(res, 0, 0), NULL) : 0);
	free(call);
}

void pgq_lease_next_due(struct pg_pool *pool, pgq_lease_next_due_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_lease_next_due_reply,
						STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT extract(epoch FROM petrel_queue_next_due() - now())::float8");
	pg_pool_submit(pool, req);
}

static const char *pgq_lease_state_name(enum pgq_state state)
{
	switch (state) {
	case PGQ_STATE_SENT:
		return "sent";
	case PGQ_STATE_FAILED:
		return "failed";
	case PGQ_STATE_DEFERRED:
	case PGQ_STATE_EXPIRED:
		break;
	}
	return "deferred";
}

void pgq_lease_results(struct pg_pool *pool, const char *holder,
		       const struct pgq_lease_result *results, unsigned int count,
		       const struct pgq_schedule *schedule, pgq_result_callback_t *callback,
		       void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_result_reply, STORE_CALL(callback, ctx));
	int64_t *ids = xcalloc(count + 1, sizeof(*ids)), *codes = xcalloc(count + 1, sizeof(*codes));
	const char **states = xcalloc(count + 1, sizeof(*states));
	const char **texts = xcalloc(count + 1, sizeof(*texts));

	assert(schedule->count >= 1);
	for (unsigned int i = 0; i < count; i++) {
		ids[i] = results[i].id;
		codes[i] = results[i].code;
		states[i] = pgq_lease_state_name(results[i].state);
		texts[i] = results[i].text;
	}
	pg_request_add(req, "SELECT recipient_id, state FROM petrel_queue_results($1, "
		       "$2::bigint[], $3::text[], $4::int[], $5::text[], $6::int[])");
	pg_request_param_text(req, holder);
	pg_request_param_int64_array(req, ids, count);
	pg_request_param_text_array(req, states, count);
	pg_request_param_int64_array(req, codes, count);
	pg_request_param_text_array(req, texts, count);
	pg_request_param_int64_array(req, schedule->steps, schedule->count);
	pg_pool_submit(pool, req);
	free(ids);
	free(codes);
	free(states);
	free(texts);
}

static void pgq_lease_count_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_lease_count_callback_t *callback = (pgq_lease_count_callback_t *)call->callback;
	const char *error = store_reply_error(reply);

	callback(call->ctx, error, error == NULL ? store_get_int64(reply->results[0], 0, 0) : -1);
	free(call);
}

void pgq_lease_renew(struct pg_pool *pool, const char *holder, const int64_t *ids,
		     unsigned int count, unsigned int lease_seconds,
		     pgq_lease_count_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_lease_count_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT petrel_queue_renew($1, $2::bigint[], $3::int)");
	pg_request_param_text(req, holder);
	pg_request_param_int64_array(req, ids, count);
	pg_request_param_textf(req, "%u", lease_seconds);
	pg_pool_submit(pool, req);
}

void pgq_lease_release(struct pg_pool *pool, const char *holder, const int64_t *ids,
		       unsigned int count, pgq_lease_count_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_lease_count_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT petrel_queue_release($1, $2::bigint[])");
	pg_request_param_text(req, holder);
	pg_request_param_int64_array(req, ids, count);
	pg_pool_submit(pool, req);
}
