/*
 * ctl-settings.c — `petrelctl settings get|set|unset|list`: cluster-wide
 * settings at the server, domain (--domain D) or account (--account A)
 * scope, with each effective value and where it comes from.
 */
#include "ctl.h"

#include "admin-settings.h"
#include "ctl-output.h"

#include <stdio.h>

static const struct ctl_column ctl_setting_columns[] = {
	{ "NAME", "name", CTL_CELL_TEXT, NULL },
	{ "VALUE", "value", CTL_CELL_TEXT, NULL },
	{ "SOURCE", NULL, CTL_CELL_TEXT, NULL },
	{ NULL, "source", CTL_CELL_TEXT, NULL },
	{ NULL, "type", CTL_CELL_TEXT, NULL },
	{ NULL, "default", CTL_CELL_TEXT, NULL },
	{ NULL, "invalid_value", CTL_CELL_TEXT, NULL },
	{ NULL, "invalid_source", CTL_CELL_TEXT, NULL },
	{ NULL, "description", CTL_CELL_TEXT, NULL },
};

/* The scope named by --domain or --account (server when neither). */
static int ctl_settings_target(struct ctl_context *ctx, struct admin_settings_target *target_r)
{
	if (ctx->given[CTL_OPT_DOMAIN] && ctx->given[CTL_OPT_ACCOUNT]) {
		ctx->error = "use --domain or --account, not both";
		return -1;
	}
	target_r->scope = ctx->given[CTL_OPT_DOMAIN] ? SETTING_SCOPE_DOMAIN :
		ctx->given[CTL_OPT_ACCOUNT] ? SETTING_SCOPE_ACCOUNT : SETTING_SCOPE_SERVER;
	target_r->name = ctx->given[CTL_OPT_DOMAIN] ? ctx->value[CTL_OPT_DOMAIN] :
		ctx->value[CTL_OPT_ACCOUNT];
	return 0;
}

/* "the server", "domain example.test", "account a@example.test" */
static const char *ctl_settings_target_text(const struct admin_settings_target *target)
{
	static char text[512];

	if (target->scope == SETTING_SCOPE_SERVER)
		return "the server";
	snprintf(text, sizeof(text), "%s %s", settings_scope_name(target->scope), target->name);
	return text;
}

static void ctl_setting_row(const struct admin_setting *s, void *context)
{
	char source[256];

	if (s->invalid_value != NULL)
		snprintf(source, sizeof(source), "%s (invalid %s value '%.64s' ignored)",
			 s->source, s->invalid_source, s->invalid_value);
	else
		snprintf(source, sizeof(source), "%s", s->source);
	ctl_table_add(context, s->def->name, s->value, source, s->source,
		      admin_setting_type_name(s->def->type), s->def->default_value,
		      s->invalid_value, s->invalid_source, s->def->description);
}

/* get (one name, printed as one object in JSON) and list (every name). */
static enum ctl_exit ctl_settings_show(struct ctl_context *ctx, const char *name)
{
	struct admin_settings_target target;
	struct ctl_table *table;

	if (ctl_settings_target(ctx, &target) < 0)
		return CTL_EXIT_USAGE;
	table = CTL_TABLE_NEW(ctl_setting_columns);
	return ctl_table_done(ctx, &table, admin_settings_list(ctx->db, &target, name,
							       ctl_setting_row, table,
							       &ctx->error), name != NULL);
}

enum ctl_exit ctl_settings_get(struct ctl_context *ctx)
{
	return ctl_settings_show(ctx, ctx->args[0]);
}

enum ctl_exit ctl_settings_list(struct ctl_context *ctx)
{
	return ctl_settings_show(ctx, NULL);
}

enum ctl_exit ctl_settings_set(struct ctl_context *ctx)
{
	struct admin_settings_target target;

	if (ctl_settings_target(ctx, &target) < 0)
		return CTL_EXIT_USAGE;
	return ctl_done(ctx, admin_settings_set(ctx->db, &target, ctx->args[0], ctx->args[1],
						&ctx->error),
			"%s set to '%s' for %s", ctx->args[0], ctx->args[1],
			ctl_settings_target_text(&target));
}

enum ctl_exit ctl_settings_unset(struct ctl_context *ctx)
{
	struct admin_settings_target target;

	if (ctl_settings_target(ctx, &target) < 0)
		return CTL_EXIT_USAGE;
	return ctl_done(ctx, admin_settings_unset(ctx->db, &target, ctx->args[0], &ctx->error),
			"%s unset for %s", ctx->args[0], ctl_settings_target_text(&target));
}
