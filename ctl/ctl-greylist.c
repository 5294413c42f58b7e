/*
 * ctl-greylist.c — `petrelctl greylist list|flush`: what greylisting
 * remembers (triplets and auto-whitelisted client networks), and
 * forgetting it, all of it or what was last seen before --older.
 */
#include "ctl.h"

#include "admin-greylist.h"
#include "ctl-output.h"
#include "settings.h"

#include <limits.h>

static const struct ctl_column ctl_greylist_columns[] = {
	{ "NETWORK", "network", CTL_CELL_TEXT, NULL },
	{ "SENDER", "sender", CTL_CELL_TEXT, NULL },
	{ "RECIPIENT", "recipient", CTL_CELL_TEXT, NULL },
	{ "STATE", "state", CTL_CELL_TEXT, NULL },
	{ "ATTEMPTS", "attempts", CTL_CELL_NUMBER, NULL },
	{ "PASSES", "passes", CTL_CELL_NUMBER, NULL },
	{ "FIRST SEEN", "first_seen", CTL_CELL_TEXT, NULL },
	{ "LAST SEEN", "last_seen", CTL_CELL_TEXT, NULL },
	{ "EXPIRES", "expires_at", CTL_CELL_TEXT, NULL },
};

static void ctl_greylist_row(const struct admin_greylist_entry *e, void *context)
{
	ctl_table_add(context, e->network, e->sender, e->recipient, e->state, e->attempts,
		      e->passes, e->first_seen, e->last_seen, e->expires_at);
}

enum ctl_exit ctl_greylist_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_greylist_columns);
	int ret = admin_greylist_list(ctx->db, ctl_greylist_row, table, &ctx->error);

	return ctl_table_done(ctx, &table, ret, false);
}

enum ctl_exit ctl_greylist_flush(struct ctl_context *ctx)
{
	/* --older is a duration written as settings are (300, 5m, 2h, 1d) */
	static const struct setting_def older_def = {
		"--older", SETTING_DURATION, "0", 0, LLONG_MAX, "",
	};
	const char *older = ctx->value[CTL_OPT_OLDER];
	long long seconds = -1, count = 0;
	int ret;

	if (older != NULL && (settings_validate(&older_def, older, &ctx->error) < 0 ||
			      settings_parse_number(&older_def, older, &seconds) < 0))
		return CTL_EXIT_USAGE;
	ret = admin_greylist_flush(ctx->db, seconds, &count, &ctx->error);
	return ctl_done(ctx, ret, "%lld greylist records deleted", count);
}
