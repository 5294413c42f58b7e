/*
 * ctl-domain.c — `petrelctl domain add|del|list`.
 */
#include "ctl.h"

#include "admin-domain.h"
#include "ctl-output.h"

static const struct ctl_column ctl_domain_columns[] = {
	{ "DOMAIN", "name", CTL_CELL_TEXT, NULL },
	{ "ACCOUNTS", "accounts", CTL_CELL_NUMBER, NULL },
	{ "ALIASES", "aliases", CTL_CELL_NUMBER, NULL },
	{ "CREATED", "created_at", CTL_CELL_TEXT, NULL },
};

enum ctl_exit ctl_domain_add(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_domain_add(ctx->db, ctx->args[0], &ctx->error),
			"domain %s added", ctx->args[0]);
}

enum ctl_exit ctl_domain_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_domain_del(ctx->db, ctx->args[0], ctx->given[CTL_OPT_FORCE],
					      &ctx->error),
			"domain %s deleted", ctx->args[0]);
}

static void ctl_domain_row(const struct admin_domain *domain, void *context)
{
	ctl_table_add(context, domain->name, domain->accounts, domain->aliases,
		      domain->created_at);
}

enum ctl_exit ctl_domain_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_domain_columns);

	return ctl_table_done(ctx, &table,
			      admin_domain_list(ctx->db, ctl_domain_row, table, &ctx->error), false);
}
