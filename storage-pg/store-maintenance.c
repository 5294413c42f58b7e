/*
 * store-maintenance.c — the SQL of the cluster-wide singleton clean-up
 * jobs (see store-maintenance.h).
 */
#include "store-maintenance.h"

#include "store-private.h"

#include <stdlib.h>

/* pg_try_advisory_xact_lock() key of autoexpunge: "pautoexp" in ASCII. */
#define STORE_AUTOEXPUNGE_LOCK_KEY "8097882747934439536"
/* ... and of search indexing: "psrchidx". */
#define STORE_SEARCH_INDEX_LOCK_KEY "8102945925848720504"
/* ... and of the greylist clean-up: "pgreylst". */
#define STORE_GREYLIST_CLEANUP_LOCK_KEY "8099568235003540340"

static void store_maintenance_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_maintenance_callback_t *callback = (store_maintenance_callback_t *)call->callback;
	const char *error = store_reply_error(reply);

	callback(call->ctx, error, error != NULL ? 0 : store_get_int64(reply->results[0], 0, 0));
	free(call);
}

void store_autoexpunge(struct pg_pool *pool, int default_days, int limit,
		       store_maintenance_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_maintenance_reply,
						STORE_CALL(callback, ctx));

	/* one statement, so the transaction-level lock lasts exactly as long
	   as the work */
	pg_request_add(req, "SELECT CASE WHEN pg_try_advisory_xact_lock("
		       STORE_AUTOEXPUNGE_LOCK_KEY ") THEN petrel_autoexpunge($1::int, $2::int) "
		       "ELSE -1 END");
	pg_request_param_textf(req, "%d", default_days);
	pg_request_param_textf(req, "%d", limit);
	pg_pool_submit(pool, req);
}

void store_search_index(struct pg_pool *pool, int limit, store_maintenance_callback_t *callback,
			void *ctx)
{
	struct pg_request *req = pg_request_new(store_maintenance_reply,
						STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT CASE WHEN pg_try_advisory_xact_lock("
		       STORE_SEARCH_INDEX_LOCK_KEY ") THEN petrel_search_index($1::int) "
		       "ELSE -1 END");
	pg_request_param_textf(req, "%d", limit);
	pg_pool_submit(pool, req);
}

void store_greylist_cleanup(struct pg_pool *pool, store_maintenance_callback_t *callback,
			    void *ctx)
{
	struct pg_request *req = pg_request_new(store_maintenance_reply,
						STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT CASE WHEN pg_try_advisory_xact_lock("
		       STORE_GREYLIST_CLEANUP_LOCK_KEY ") THEN petrel_greylist_cleanup() "
		       "ELSE -1 END");
	pg_pool_submit(pool, req);
}
