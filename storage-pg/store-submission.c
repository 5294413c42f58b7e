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
	/* $2 is split at its last '@' so both lookups use the unique indexes */
	pg_request_add(req,
		       "WITH s AS (SELECT lower(substring($2 from '^(.*)@[^@]*$')) AS localpart, "
		       "                  lower(substring($2 from '@([^@]*)$')) AS domain), "
		       "me AS (SELECT a.id, a.localpart || '@' || d.name AS address "
		       "       FROM accounts a JOIN domains d ON d.id = a.domain_id "
		       "       WHERE a.id = $1::bigint) "
		       "SELECT EXISTS (SELECT 1 FROM me, s WHERE me.address = "
		       "               s.localpart || '@' || s.domain) "
		       "    OR EXISTS (SELECT 1 FROM me, s, aliases al "
		       "               JOIN domains d ON d.id = al.domain_id "
		       "               WHERE d.name = s.domain AND al.localpart = s.localpart "
		       "                 AND al.localpart <> '' AND lower(al.target) = me.address)");
	pg_request_param_textf(req, "%lld", (long long)account_id);
	pg_request_param_text(req, address);
	pg_pool_submit(pool, req);
}
