/*
 * store-nodes.h — a running node records itself in the `nodes` table and
 * refreshes last_seen, so operators (petrelctl nodes list, the web admin)
 * see the whole cluster.
 */
#ifndef STORE_NODES_H
#define STORE_NODES_H

#include "pg-pool.h"

#include <time.h>

struct store_node_info {
	const char *id;
	const char *hostname;
	const char *version;
	int pid;
	time_t started;
	const char *sessions_json;   /* {"smtp": 3, "lmtp": 0} */
};

/* Upsert the node's row; failures are logged, not reported. */
void store_node_heartbeat(struct pg_pool *pool, const struct store_node_info *info);

#endif
