/*
 * ctl-lists.c — `petrelctl whitelist|blacklist add|del|list`: the client
 * networks and sender addresses, domains and /regexes/ that skip every
 * SMTP check (white) or are refused (black) on every node.
 */
#include "ctl.h"

#include "admin-lists.h"
#include "ctl-output.h"

static const struct ctl_column ctl_list_columns[] = {
	{ "ID", "id", CTL_CELL_NUMBER, NULL },
	{ NULL, "kind", CTL_CELL_TEXT, NULL },
	{ "TYPE", "type", CTL_CELL_TEXT, NULL },
	{ "VALUE", "value", CTL_CELL_TEXT, NULL },
	{ "COMMENT", "comment", CTL_CELL_TEXT, NULL },
	{ "CREATED", "created_at", CTL_CELL_TEXT, NULL },
};

static void ctl_list_row(const struct admin_list_entry *e, void *context)
{
	ctl_table_add(context, e->id, e->kind, e->type, e->value, e->comment, e->created_at);
}

static enum ctl_exit ctl_list_add(struct ctl_context *ctx, const char *kind)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_list_columns);
	int ret = admin_list_add(ctx->db, kind, ctx->args[0], ctx->value[CTL_OPT_COMMENT],
				 ctl_list_row, table, &ctx->error);

	return ctl_table_done(ctx, &table, ret, true);
}

static enum ctl_exit ctl_list_del(struct ctl_context *ctx, const char *kind)
{
	int ret = admin_list_del(ctx->db, kind, ctx->args[0], &ctx->error);

	return ctl_done(ctx, ret, "%s removed from the %s list", ctx->args[0], kind);
}

static enum ctl_exit ctl_list_list(struct ctl_context *ctx, const char *kind)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_list_columns);
	int ret = admin_list_list(ctx->db, kind, ctl_list_row, table, &ctx->error);

	return ctl_table_done(ctx, &table, ret, false);
}

enum ctl_exit ctl_whitelist_add(struct ctl_context *ctx)
{
	return ctl_list_add(ctx, "white");
}

enum ctl_exit ctl_whitelist_del(struct ctl_context *ctx)
{
	return ctl_list_del(ctx, "white");
}

enum ctl_exit ctl_whitelist_list(struct ctl_context *ctx)
{
	return ctl_list_list(ctx, "white");
}

enum ctl_exit ctl_blacklist_add(struct ctl_context *ctx)
{
	return ctl_list_add(ctx, "black");
}

enum ctl_exit ctl_blacklist_del(struct ctl_context *ctx)
{
	return ctl_list_del(ctx, "black");
}

enum ctl_exit ctl_blacklist_list(struct ctl_context *ctx)
{
	return ctl_list_list(ctx, "black");
}
