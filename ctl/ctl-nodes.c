/*
 * ctl-nodes.c — `petrelctl nodes list`: the nodes registered in the cluster.
 */
#include "ctl.h"

#include "admin-nodes.h"
#include "ctl-output.h"

static const struct ctl_column ctl_node_columns[] = {
	{ "ID", "id", CTL_CELL_TEXT, NULL },
	{ "HOSTNAME", "hostname", CTL_CELL_TEXT, NULL },
	{ "VERSION", "version", CTL_CELL_TEXT, NULL },
	{ "PID", "pid", CTL_CELL_NUMBER, NULL },
	{ "STARTED", "started_at", CTL_CELL_TEXT, NULL },
	{ "LAST SEEN", "last_seen", CTL_CELL_TEXT, NULL },
	{ "SESSIONS", "sessions", CTL_CELL_JSON, NULL },
};

static void ctl_node_row(const struct admin_node *node, void *context)
{
	ctl_table_add(context, node->id, node->hostname, node->version, node->pid,
		      node->started_at, node->last_seen, node->sessions);
}

enum ctl_exit ctl_nodes_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_node_columns);

	return ctl_table_done(ctx, &table,
			      admin_nodes_list(ctx->db, ctl_node_row, table, &ctx->error), false);
}
