/*
 * store-policy-folder.c — the per-account mailbox lookup behind
 * "file into folder" (see store-policy-folder.h).
 */
#include "store-policy-folder.h"

#include "pg-pool.h"
#include "store-private.h"
#include "xalloc.h"

#include <stdlib.h>

struct store_policy_folder_call {
	store_policy_folder_callback_t *callback;
	void *ctx;
	unsigned int count;
};

static void store_policy_folder_found(void *ctx, const struct pg_reply *reply)
{
	struct store_policy_folder_call *call = ctx;
	const char *error = store_reply_error(reply);
	int64_t *ids = xcalloc(call->count + 1, sizeof(*ids));

	if (error == NULL) {
		const PGresult *res = reply->results[0];

		/* one row per target in input order: ordinality n, mailbox id or NULL */
		for (int row = 0; row < PQntuples(res); row++) {
			int64_t n = store_get_int64(res, row, 0);

			if (n >= 1 && n <= call->count)
				ids[n - 1] = store_get_int64(res, row, 1);
		}
	}
	call->callback(call->ctx, ids, error);
	free(ids);
	free(call);
}

void store_policy_folder_find(struct pg_pool *pool, const int64_t *account_ids,
			      unsigned int count, const char *folder,
			      store_policy_folder_callback_t *callback, void *ctx)
{
	struct store_policy_folder_call *call = xmalloc(sizeof(*call));
	struct pg_request *req = pg_request_new(store_policy_folder_found, call);

	call->callback = callback;
	call->ctx = ctx;
	call->count = count;
	pg_request_add(req, "SELECT t.n, m.id FROM unnest($1::bigint[]) WITH ORDINALITY AS t(a, n) "
		       "JOIN mailboxes m ON m.account_id = t.a AND m.name = $2");
	pg_request_param_int64_array(req, account_ids, count);
	pg_request_param_text(req, folder);
	pg_pool_submit(pool, req);
}
