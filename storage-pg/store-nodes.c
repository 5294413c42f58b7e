/*
 * store-nodes.c — the node heartbeat upsert (see store-nodes.h).
 */
#include "store-nodes.h"

#include "log.h"

static void store_node_heartbeat_reply(void *ctx, const struct pg_reply *reply)
{
	if (reply->error != NULL)
		log_warning("nodes", NULL, "event=heartbeat_failed error=\"%s\"", reply->error);
}

void store_node_heartbeat(struct pg_pool *pool, const struct store_node_info *info)
{
	struct pg_request *req = pg_request_new(store_node_heartbeat_reply, NULL);

	pg_request_add(req, "INSERT INTO nodes (id, hostname, version, pid, started_at, last_seen, "
		       "sessions) VALUES ($1, $2, $3, $4::int, to_timestamp($5::bigint), now(), "
		       "$6::jsonb) ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname, "
		       "version = EXCLUDED.version, pid = EXCLUDED.pid, "
		       "started_at = EXCLUDED.started_at, last_seen = now(), "
		       "sessions = EXCLUDED.sessions");
	pg_request_param_text(req, info->id);
	pg_request_param_text(req, info->hostname);
	pg_request_param_text(req, info->version);
	pg_request_param_textf(req, "%d", info->pid);
	pg_request_param_textf(req, "%lld", (long long)info->started);
	pg_request_param_text(req, info->sessions_json);
	pg_pool_submit(pool, req);
}
