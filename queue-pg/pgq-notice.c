/*
 * pgq-notice.c — claiming DSN work and marking it done (see pgq-notice.h).
 * The claim returns one row per recipient to report, ordered by message;
 * this file folds them back into one notice per message.
 */
#include "pgq-notice.h"

#include "store-private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Result columns of petrel_queue_notice_claim. */
enum {
	PGQ_NOTICE_MESSAGE, PGQ_NOTICE_QUEUE_ID, PGQ_NOTICE_SENDER, PGQ_NOTICE_ARRIVAL,
	PGQ_NOTICE_EXPIRES, PGQ_NOTICE_HEADERS, PGQ_NOTICE_RCPT_ID, PGQ_NOTICE_RCPT,
	PGQ_NOTICE_ACTION, PGQ_NOTICE_STATE, PGQ_NOTICE_CODE, PGQ_NOTICE_ERROR,
	PGQ_NOTICE_ATTEMPTS, PGQ_NOTICE_LAST_ATTEMPT,
};

static void pgq_notice_rcpt(const PGresult *res, int row, struct pgq_dsn_recipient *r_r,
			    int64_t *id_r)
{
	*id_r = store_get_int64(res, row, PGQ_NOTICE_RCPT_ID);
	*r_r = (struct pgq_dsn_recipient) {
		.address = store_get_text(res, row, PGQ_NOTICE_RCPT),
		.action = strcmp(store_get_text(res, row, PGQ_NOTICE_ACTION), "failed") == 0
			  ? PGQ_DSN_FAILED : PGQ_DSN_DELAYED,
		.expired = strcmp(store_get_text(res, row, PGQ_NOTICE_STATE), "expired") == 0,
		.code = (int)store_get_int64(res, row, PGQ_NOTICE_CODE),
		.reply = store_get_text(res, row, PGQ_NOTICE_ERROR),
		.attempts = (int)store_get_int64(res, row, PGQ_NOTICE_ATTEMPTS),
		.last_attempt = (time_t)store_get_int64(res, row, PGQ_NOTICE_LAST_ATTEMPT),
	};
}

/* Start notice n at row: the message's columns and its header bytes (only
   the first row of a message carries them; hex-escaped bytea). */
static void pgq_notice_start(const PGresult *res, int row, struct pgq_notice *n,
			     struct pgq_dsn_recipient *rcpts, int64_t *ids)
{
	const char *hex = store_get_text(res, row, PGQ_NOTICE_HEADERS);
	size_t size = 0;

	*n = (struct pgq_notice) {
		.message_id = store_get_int64(res, row, PGQ_NOTICE_MESSAGE),
		.queue_id = store_get_text(res, row, PGQ_NOTICE_QUEUE_ID),
		.sender = store_get_text(res, row, PGQ_NOTICE_SENDER),
		.arrival = (time_t)store_get_int64(res, row, PGQ_NOTICE_ARRIVAL),
		.expires = (time_t)store_get_int64(res, row, PGQ_NOTICE_EXPIRES),
		.rcpts = rcpts + row,
		.rcpt_ids = ids + row,
	};
	n->headers = PQunescapeBytea((const unsigned char *)hex, &size);
	n->headers_size = n->headers != NULL ? size : 0;
}

static void pgq_notice_claim_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_notice_claim_callback_t *callback = (pgq_notice_claim_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct pgq_notice *notices = NULL;
	struct pgq_dsn_recipient *rcpts = NULL;
	int64_t *ids = NULL;
	unsigned int count = 0;

	if (error == NULL && PQntuples(reply->results[0]) > 0) {
		const PGresult *res = reply->results[0];
		int rows = PQntuples(res);

		notices = xcalloc((size_t)rows, sizeof(*notices));
		rcpts = xcalloc((size_t)rows, sizeof(*rcpts));
		ids = xcalloc((size_t)rows, sizeof(*ids));
		for (int row = 0; row < rows; row++) {
			if (count == 0 || notices[count - 1].message_id !=
					  store_get_int64(res, row, PGQ_NOTICE_MESSAGE))
				pgq_notice_start(res, row, &notices[count++], rcpts, ids);
			pgq_notice_rcpt(res, row, &rcpts[row], &ids[row]);
			notices[count - 1].rcpt_count++;
		}
	}
	callback(call->ctx, error, notices, count);
	for (unsigned int i = 0; i < count; i++)
		PQfreemem((void *)notices[i].headers);
	free(notices);
	free(rcpts);
	free(ids);
	free(call);
}

void pgq_notice_claim(struct pg_pool *pool, const char *holder, unsigned int max,
		      unsigned int lease_seconds, unsigned int delay_seconds,
		      pgq_notice_claim_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_notice_claim_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT message_id, queue_id, sender, arrival, expires, headers, "
		       "recipient_id, recipient, action, state, last_code, last_error, attempts, "
		       "last_attempt FROM petrel_queue_notice_claim($1, $2::int, $3::int, $4::int)");
	pg_request_param_text(req, holder);
	pg_request_param_textf(req, "%u", max);
	pg_request_param_textf(req, "%u", lease_seconds);
	pg_request_param_textf(req, "%u", delay_seconds);
	pg_pool_submit(pool, req);
}

void pgq_notice_done_add(struct pg_request *req, const char *holder, int64_t message_id,
			 const int64_t *failed_ids, unsigned int failed_count,
			 const int64_t *delayed_ids, unsigned int delayed_count)
{
	pg_request_add(req, "SELECT petrel_queue_notice_done($1, $2::bigint, $3::bigint[], "
		       "$4::bigint[])");
	pg_request_param_text(req, holder);
	pg_request_param_textf(req, "%lld", (long long)message_id);
	pg_request_param_int64_array(req, failed_ids, failed_count);
	pg_request_param_int64_array(req, delayed_ids, delayed_count);
}
