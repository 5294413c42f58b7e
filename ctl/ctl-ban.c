/*
 * ctl-ban.c — `petrelctl ban list|del`: the client addresses banned for
 * failed logins, and lifting a ban on every node.
 */
#include "ctl.h"

#include "admin-bans.h"
#include "ctl-output.h"

static const struct ctl_column ctl_ban_columns[] = {
	{ "IP", "ip", CTL_CELL_TEXT, NULL },
	{ "REASON", "reason", CTL_CELL_TEXT, NULL },
	{ "SINCE", "created_at", CTL_CELL_TEXT, NULL },
	{ "UNTIL", "expires_at", CTL_CELL_TEXT, NULL },
};

static void ctl_ban_row(const struct admin_ban *ban, void *context)
{
	ctl_table_add(context, ban->ip, ban->reason, ban->created_at, ban->expires_at);
}

enum ctl_exit ctl_ban_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_ban_columns);
	int ret = admin_ban_list(ctx->db, ctl_ban_row, table, &ctx->error);

	return ctl_table_done(ctx, &table, ret, false);
}

enum ctl_exit ctl_ban_del(struct ctl_context *ctx)
{
	int ret = admin_ban_del(ctx->db, ctx->args[0], &ctx->error);

	return ctl_done(ctx, ret, "ban of %s lifted", ctx->args[0]);
}
