/*
 * ctl-admin.c — `petrelctl admin add|del|list|passwd|setup-link`: the
 * administrators of the web admin (storage-pg/admin-auth.h).
 */
#include "ctl.h"

#include "admin-auth.h"
#include "admin-settings.h"
#include "ctl-output.h"
#include "xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_ADMIN_MAX_DOMAINS 256

static const struct ctl_column ctl_admin_columns[] = {
	{ "LOGIN", "login", CTL_CELL_TEXT, NULL },
	{ "ROLE", "role", CTL_CELL_TEXT, NULL },
	{ "DOMAINS", "domains", CTL_CELL_JSON, NULL },
	{ "CREATED", "created_at", CTL_CELL_TEXT, NULL },
};

enum ctl_exit ctl_admin_add(struct ctl_context *ctx)
{
	const char *role = ctx->given[CTL_OPT_ROLE] ? ctx->value[CTL_OPT_ROLE] : "superadmin";
	char *list = xstrdup(ctx->given[CTL_OPT_DOMAIN] ? ctx->value[CTL_OPT_DOMAIN] : "");
	const char *domains[CTL_ADMIN_MAX_DOMAINS];
	unsigned int count = 0;
	char *password, *save = NULL;
	int ret;

	if (strcmp(role, "superadmin") != 0 && strcmp(role, "domain") != 0) {
		free(list);
		ctx->error = "--role is superadmin or domain";
		return CTL_EXIT_USAGE;
	}
	if (strcmp(role, "superadmin") == 0 && ctx->given[CTL_OPT_DOMAIN]) {
		free(list);
		ctx->error = "a superadmin manages every domain: --domain goes with --role domain";
		return CTL_EXIT_USAGE;
	}
	for (char *d = strtok_r(list, ",", &save); d != NULL && count < CTL_ADMIN_MAX_DOMAINS;
	     d = strtok_r(NULL, ",", &save))
		domains[count++] = d;
	password = ctl_password_read();
	ret = admin_admin_add(ctx->db, ctx->args[0], password, strcmp(role, "superadmin") == 0,
			      domains, count, &ctx->error);
	ctl_password_free(password);
	free(list);
	return ctl_done(ctx, ret, "admin %s added", ctx->args[0]);
}

enum ctl_exit ctl_admin_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_admin_del(ctx->db, ctx->args[0], &ctx->error),
			"admin %s deleted", ctx->args[0]);
}

enum ctl_exit ctl_admin_passwd(struct ctl_context *ctx)
{
	char *password = ctl_password_read();
	int ret = admin_admin_passwd(ctx->db, ctx->args[0], password, &ctx->error);

	ctl_password_free(password);
	return ctl_done(ctx, ret, "password of admin %s changed", ctx->args[0]);
}

static void ctl_admin_row(const struct admin_identity *who, void *context)
{
	json_t *domains = json_array();
	char *text;

	for (unsigned int i = 0; i < who->domain_count; i++)
		json_array_append_new(domains, json_string(who->domains[i]));
	text = json_dumps(domains, JSON_COMPACT);
	ctl_table_add(context, who->login, who->superadmin ? "superadmin" : "domain", text,
		      who->created_at);
	free(text);
	json_decref(domains);
}

enum ctl_exit ctl_admin_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_admin_columns);
	long long total;

	return ctl_table_done(ctx, &table, admin_admin_list(ctx->db, NULL, false, 0, 0,
							    ctl_admin_row, table, &total,
							    &ctx->error), false);
}

static void ctl_admin_ttl(const struct admin_setting *setting, void *context)
{
	settings_parse_number(setting->def, setting->value, context);
}

enum ctl_exit ctl_admin_setup_link(struct ctl_context *ctx)
{
	const struct admin_settings_target server = { SETTING_SCOPE_SERVER, NULL };
	const char *base = ctx->given[CTL_OPT_URL] ? ctx->value[CTL_OPT_URL] : "";
	long long ttl = 0;
	char token[ADMIN_TOKEN_SIZE], url[2048];
	size_t len = strlen(base);

	if (admin_settings_list(ctx->db, &server, "admin_setup_link_ttl", ctl_admin_ttl, &ttl,
				&ctx->error) < 0 ||
	    admin_setup_new(ctx->db, ttl, token, &ctx->error) < 0)
		return CTL_EXIT_ERROR;
	while (len > 0 && base[len - 1] == '/')
		len--;
	snprintf(url, sizeof(url), "%.*s/setup#token=%s", (int)len, base, token);
	if (ctx->json) {
		json_t *doc = json_pack("{s:s, s:I}", "url", url, "expires_in", (json_int_t)ttl);

		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(doc);
	} else {
		printf("%s\n(valid %lld s, once, while no superadmin exists)\n", url, ttl);
	}
	explicit_bzero(url, sizeof(url));
	explicit_bzero(token, sizeof(token));
	return CTL_EXIT_OK;
}
