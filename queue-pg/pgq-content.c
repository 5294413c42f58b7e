/*
 * pgq-content.c — loading queued messages' bytes (see pgq-content.h), in
 * binary format so a 30 MB message is not hex-encoded twice its size.
 */
#include "pgq-content.h"

#include "store-private.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static int64_t pgq_content_int8(const PGresult *res, int row, int col)
{
	uint32_t hi, lo;

	memcpy(&hi, PQgetvalue(res, row, col), 4);
	memcpy(&lo, PQgetvalue(res, row, col) + 4, 4);
	return (int64_t)(((uint64_t)ntohl(hi) << 32) | ntohl(lo));
}

static void pgq_content_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_content_callback_t *callback = (pgq_content_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct pgq_content *contents = NULL;
	unsigned int count = 0;

	if (error == NULL) {
		const PGresult *res = reply->results[0];

		count = (unsigned int)PQntuples(res);
		contents = xcalloc(count + 1, sizeof(*contents));
		for (unsigned int i = 0; i < count; i++) {
			contents[i].id = pgq_content_int8(res, i, 0);
			contents[i].raw = (const unsigned char *)PQgetvalue(res, i, 1);
			contents[i].size = (size_t)PQgetlength(res, i, 1);
		}
	}
	callback(call->ctx, error, contents, count);
	free(contents);
	free(call);
}

void pgq_content_load(struct pg_pool *pool, const int64_t *ids, unsigned int count,
		      pgq_content_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(pgq_content_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT id, raw FROM message_contents WHERE id = ANY ($1::bigint[])");
	pg_request_binary_result(req);
	pg_request_param_int64_array(req, ids, count);
	pg_pool_submit(pool, req);
}
