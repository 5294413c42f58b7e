/*
 * admin-api-nodes.c — /api/v1/nodes: the petrel-node processes of the
 * cluster as they record themselves (storage-pg/admin-nodes.h): id, host,
 * version, start time and uptime, when they were last seen, and their
 * open sessions per protocol. Superadmins only.
 */
#include "admin-api.h"

#include "admin-nodes.h"

static void admin_api_node_append(const struct admin_node *node, void *context)
{
	json_t *sessions = json_loads(node->sessions, 0, NULL);

	json_array_append_new(context,
			      json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:o}",
					"id", node->id, "host", node->hostname,
					"version", node->version, "pid", (json_int_t)node->pid,
					"started_at", node->started_at,
					"uptime_seconds", (json_int_t)node->uptime_seconds,
					"last_seen", node->last_seen,
					"sessions", sessions != NULL ? sessions : json_object()));
}

/* A cluster has a handful of nodes: one page holds them all. */
static void admin_api_nodes_list(struct admin_call *call)
{
	struct admin_page page = { .page = 1 };
	json_t *items = json_array();
	const char *error;

	if (admin_nodes_list(call->db, admin_api_node_append, items, &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	page.per_page = json_array_size(items) > 0 ? (unsigned int)json_array_size(items) : 1;
	admin_call_list(call, &page, items, (long long)json_array_size(items));
}

ADMIN_ROUTES(admin_api_nodes_routes,
	{ "GET", "/nodes", ADMIN_ROLE_SUPER, admin_api_nodes_list },
)
