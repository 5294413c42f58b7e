/*
 * admin-nodes.h — the nodes registry: which petrel-node processes run,
 * as they record themselves in the nodes table.
 */
#ifndef ADMIN_NODES_H
#define ADMIN_NODES_H

#include "admin-db.h"

struct admin_node {
	const char *id;
	const char *hostname;
	const char *version;
	long long pid;
	const char *started_at;     /* ISO 8601 UTC */
	const char *last_seen;      /* ISO 8601 UTC */
	const char *sessions;       /* JSON object: open sessions per protocol */
	long long uptime_seconds;   /* since started_at, by the database's clock */
};

typedef void admin_node_cb(const struct admin_node *node, void *context);

/* Every registered node, by id. */
int admin_nodes_list(struct admin_db *db, admin_node_cb *cb, void *context,
		     const char **error_r);

#endif
