/*
 * store-rcpt.c — recipient resolution query (see store-rcpt.h).
 */
#include "store-rcpt.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define STORE_RCPT_MAX_TARGETS 10000

struct store_rcpt_call {
	store_rcpt_callback_t *callback;
	void *ctx;
};

static enum store_rcpt_kind store_rcpt_kind_parse(const char *kind)
{
	if (strcmp(kind, "account") == 0)
		return STORE_RCPT_ACCOUNT;
	if (strcmp(kind, "remote") == 0)
		return STORE_RCPT_REMOTE;
	if (strcmp(kind, "nodomain") == 0)
		return STORE_RCPT_NODOMAIN;
	if (strcmp(kind, "loop") == 0)
		return STORE_RCPT_LOOP;
	return STORE_RCPT_UNKNOWN;
}

static int64_t store_rcpt_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void store_rcpt_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_rcpt_call *call = ctx;
	const PGresult *res = reply->results[0];

	if (reply->error != NULL || res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		call->callback(call->ctx, NULL, 0,
			       reply->error != NULL ? reply->error : "no result");
		free(call);
		return;
	}
	unsigned int count = PQntuples(res);

	if (count > STORE_RCPT_MAX_TARGETS)
		count = STORE_RCPT_MAX_TARGETS;
	struct store_rcpt_target *targets = xcalloc(count, sizeof(*targets));

	for (unsigned int i = 0; i < count; i++) {
		targets[i].kind = store_rcpt_kind_parse(PQgetvalue(res, i, 0));
		targets[i].account_id = store_rcpt_int(res, i, 1);
		targets[i].mailbox_id = store_rcpt_int(res, i, 2);
		targets[i].domain_id = store_rcpt_int(res, i, 3);
		targets[i].address = PQgetvalue(res, i, 4);
		targets[i].quota_bytes = store_rcpt_int(res, i, 5);
		targets[i].used_bytes = store_rcpt_int(res, i, 6);
		targets[i].blocked = strcmp(PQgetvalue(res, i, 7), "blocked") == 0;
		targets[i].reject_external = strcmp(PQgetvalue(res, i, 8), "t") == 0;
	}
	call->callback(call->ctx, targets, count, NULL);
	free(targets);
	free(call);
}

void store_rcpt_resolve(struct pg_pool *pool, const char *address, const char *delimiter,
			int max_depth, store_rcpt_callback_t *callback, void *ctx)
{
	struct store_rcpt_call *call = xmalloc(sizeof(*call));
	struct pg_request *req = pg_request_new(store_rcpt_reply, call);

	call->callback = callback;
	call->ctx = ctx;
	pg_request_add(req, "SELECT kind, account_id, mailbox_id, domain_id, address, "
		       "quota_bytes, used_bytes, status, "
		       "(SELECT petrel_alias_reject_external($1)) "
		       "FROM petrel_resolve_rcpt($1, $2, $3::int)");
	pg_request_param_text(req, address);
	pg_request_param_text(req, delimiter);
	pg_request_param_textf(req, "%d", max_depth);
	pg_pool_submit(pool, req);
}
