/*
 * ctl-account.c — `petrelctl account add|del|list|passwd|quota|block|unblock`.
 *
 * Passwords never appear on the command line: --password-stdin reads the
 * first line of standard input, which is wiped from memory after hashing.
 */
#include "ctl.h"

#include "admin-account.h"
#include "ctl-output.h"
#include "settings.h"
#include "xalloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct ctl_column ctl_account_columns[] = {
	{ "ADDRESS", "address", CTL_CELL_TEXT, NULL },
	{ "STATUS", "status", CTL_CELL_TEXT, NULL },
	{ "QUOTA", "quota_bytes", CTL_CELL_SIZE, "unlimited" },
	{ "USED", "used_bytes", CTL_CELL_SIZE, NULL },
	{ "MESSAGES", "messages", CTL_CELL_NUMBER, NULL },
	{ "MASTER", "master", CTL_CELL_BOOL, NULL },
	{ "NAME", "name", CTL_CELL_TEXT, NULL },
	{ NULL, "created_at", CTL_CELL_TEXT, NULL },
};

char *ctl_password_read(void)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len = getline(&line, &size, stdin);

	if (len < 0) {
		free(line);
		return xstrdup("");
	}
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	return line;
}

void ctl_password_free(char *password)
{
	explicit_bzero(password, strlen(password));
	free(password);
}

/* SIZE as a quota: bytes, a K/M/G suffix, 0 or "unlimited" for none. */
static int ctl_quota_parse(struct ctl_context *ctx, const char *text, long long *quota_r)
{
	static const struct setting_def quota_def = {
		"quota", SETTING_SIZE, "0", 0, LLONG_MAX, "account quota",
	};
	static char error[256];

	if (strcasecmp(text, "unlimited") == 0) {
		*quota_r = 0;
		return 0;
	}
	if (settings_parse_number(&quota_def, text, quota_r) == 0)
		return 0;
	snprintf(error, sizeof(error), "invalid quota '%.64s': expected bytes or a number with "
		 "a K, M or G suffix (500M), or 0 or unlimited", text);
	ctx->error = error;
	return -1;
}

enum ctl_exit ctl_account_add(struct ctl_context *ctx)
{
	struct admin_account_new account = {
		.address = ctx->args[0],
		.display_name = ctx->value[CTL_OPT_NAME],
		.is_master = ctx->given[CTL_OPT_MASTER],
	};
	char *password;
	int ret;

	if (ctx->value[CTL_OPT_QUOTA] != NULL &&
	    ctl_quota_parse(ctx, ctx->value[CTL_OPT_QUOTA], &account.quota_bytes) < 0)
		return CTL_EXIT_ERROR;
	account.password = password = ctl_password_read();
	ret = admin_account_add(ctx->db, &account, &ctx->error);
	ctl_password_free(password);
	return ctl_done(ctx, ret, "account %s added", ctx->args[0]);
}

enum ctl_exit ctl_account_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_account_del(ctx->db, ctx->args[0], &ctx->error),
			"account %s deleted", ctx->args[0]);
}

enum ctl_exit ctl_account_passwd(struct ctl_context *ctx)
{
	char *password = ctl_password_read();
	int ret = admin_account_set_password(ctx->db, ctx->args[0], password, &ctx->error);

	ctl_password_free(password);
	return ctl_done(ctx, ret, "password of %s changed", ctx->args[0]);
}

enum ctl_exit ctl_account_quota(struct ctl_context *ctx)
{
	long long quota;
	char text[32];

	if (ctl_quota_parse(ctx, ctx->args[1], &quota) < 0)
		return CTL_EXIT_ERROR;
	if (quota == 0)
		snprintf(text, sizeof(text), "unlimited");
	else
		ctl_format_size(quota, text, sizeof(text));
	return ctl_done(ctx, admin_account_set_quota(ctx->db, ctx->args[0], quota, &ctx->error),
			"quota of %s set to %s", ctx->args[0], text);
}

static enum ctl_exit ctl_account_set_blocked(struct ctl_context *ctx, bool blocked)
{
	return ctl_done(ctx, admin_account_set_blocked(ctx->db, ctx->args[0], blocked, &ctx->error),
			"account %s %s", ctx->args[0], blocked ? "blocked" : "unblocked");
}

enum ctl_exit ctl_account_block(struct ctl_context *ctx)
{
	return ctl_account_set_blocked(ctx, true);
}

enum ctl_exit ctl_account_unblock(struct ctl_context *ctx)
{
	return ctl_account_set_blocked(ctx, false);
}

static void ctl_account_row(const struct admin_account *a, void *context)
{
	ctl_table_add(context, a->address, a->status, a->quota_bytes, a->used_bytes,
		      a->messages, (int)a->is_master, a->display_name, a->created_at);
}

enum ctl_exit ctl_account_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_account_columns);
	const char *domain = ctx->arg_count > 0 ? ctx->args[0] : NULL;

	return ctl_table_done(ctx, &table, admin_account_list(ctx->db, domain, ctl_account_row,
							      table, &ctx->error), false);
}
