/*
 * store-settings.c — settings table loading (see store-settings.h).
 */
#include "store-settings.h"

#include "xalloc.h"

#include <stdlib.h>

struct store_settings_call {
	struct settings_cache *cache;
	store_settings_callback_t *callback;
	void *ctx;
};

static void store_settings_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_settings_call *call = ctx;
	const PGresult *res = reply->results[0];

	if (reply->error != NULL || res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		call->callback(call->ctx, reply->error != NULL ? reply->error : "no result");
		free(call);
		return;
	}
	settings_cache_clear(call->cache);
	for (int i = 0; i < PQntuples(res); i++) {
		int scope = settings_scope_parse(PQgetvalue(res, i, 0));

		if (scope < 0)
			continue;
		settings_cache_put(call->cache, scope, strtoll(PQgetvalue(res, i, 1), NULL, 10),
				   PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	}
	call->callback(call->ctx, NULL);
	free(call);
}

void store_settings_load(struct pg_pool *pool, struct settings_cache *cache,
			 store_settings_callback_t *callback, void *ctx)
{
	struct store_settings_call *call = xmalloc(sizeof(*call));

	call->cache = cache;
	call->callback = callback;
	call->ctx = ctx;
	pg_pool_query(pool, "SELECT scope, scope_id, name, value FROM settings", 0, NULL,
		      store_settings_reply, call);
}
