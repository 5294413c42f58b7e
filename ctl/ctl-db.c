/*
 * ctl-db.c — `petrelctl db migrate|status`: bringing the schema up to date
 * and showing which migrations a database has.
 */
#include "ctl.h"

#include "admin-migrate.h"
#include "ctl-output.h"

#include <stdio.h>

static const struct ctl_column ctl_migration_columns[] = {
	{ "VERSION", "version", CTL_CELL_NUMBER, NULL },
	{ "NAME", "name", CTL_CELL_TEXT, NULL },
	{ "STATE", "state", CTL_CELL_TEXT, NULL },
	{ "APPLIED", "applied_at", CTL_CELL_TEXT, NULL },
};

static void ctl_migration_row(const struct admin_migration *m, void *context)
{
	ctl_table_add(context, (long long)m->version, m->name,
		      m->applied_at != NULL ? "applied" : "pending", m->applied_at);
}

static void ctl_migration_applied(const struct admin_migration *m, void *context)
{
	printf("applied %03d_%s\n", m->version, m->name);
}

enum ctl_exit ctl_db_migrate(struct ctl_context *ctx)
{
	struct ctl_table *table;
	int ret;

	if (ctx->json) {
		/* the migrations applied, as db status rows */
		table = CTL_TABLE_NEW(ctl_migration_columns);
		ret = admin_migrate(ctx->db, ctl_migration_row, table, &ctx->error);
		return ctl_table_done(ctx, &table, ret, false);
	}
	ret = admin_migrate(ctx->db, ctl_migration_applied, NULL, &ctx->error);
	if (ret == 0)
		printf("schema is up to date\n");
	return ret < 0 ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

enum ctl_exit ctl_db_status(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_migration_columns);

	return ctl_table_done(ctx, &table,
			      admin_migrate_status(ctx->db, ctl_migration_row, table, &ctx->error),
			      false);
}
