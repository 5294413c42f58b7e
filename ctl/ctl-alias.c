/*
 * ctl-alias.c — `petrelctl alias add|del|list`.
 */
#include "ctl.h"

#include "admin-alias.h"
#include "ctl-output.h"

static const struct ctl_column ctl_alias_columns[] = {
	{ "ADDRESS", "address", CTL_CELL_TEXT, NULL },
	{ "TARGET", "target", CTL_CELL_TEXT, NULL },
};

enum ctl_exit ctl_alias_add(struct ctl_context *ctx)
{
	int count = ctx->arg_count - 1;

	return ctl_done(ctx, admin_alias_add(ctx->db, ctx->args[0],
					     (const char *const *)ctx->args + 1, count,
					     &ctx->error),
			"alias %s: %d target%s added", ctx->args[0], count, count == 1 ? "" : "s");
}

enum ctl_exit ctl_alias_del(struct ctl_context *ctx)
{
	const char *target = ctx->arg_count > 1 ? ctx->args[1] : NULL;

	return ctl_done(ctx, admin_alias_del(ctx->db, ctx->args[0], target, &ctx->error),
			"alias %s%s%s deleted", ctx->args[0], target != NULL ? " -> " : "",
			target != NULL ? target : "");
}

static void ctl_alias_row(const struct admin_alias *alias, void *context)
{
	ctl_table_add(context, alias->address, alias->target);
}

enum ctl_exit ctl_alias_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_alias_columns);
	const char *domain = ctx->arg_count > 0 ? ctx->args[0] : NULL;

	return ctl_table_done(ctx, &table, admin_alias_list(ctx->db, domain, ctl_alias_row,
							    table, &ctx->error), false);
}
