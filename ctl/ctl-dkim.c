/*
 * ctl-dkim.c — `petrelctl dkim generate|show|list|del`: DKIM signing keys
 * for the local domains, and the DNS TXT records that publish them.
 *
 * generate makes and stores the key pair with admin_dkim_generate() (the
 * web admin's too; petrelctl runs outside any event loop, so the second
 * or so an RSA-2048 key takes is fine).
 *
 * For people, generate and show print zone-file records whose TXT data is
 * split into strings of at most 255 bytes (RFC 1035 3.3.14); --json gives
 * the record name and the whole TXT value instead.
 */
#include "ctl.h"

#include "admin-dkim.h"
#include "ctl-output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CTL_DKIM_TXT_STRING_MAX 255

static const struct ctl_column ctl_dkim_columns[] = {
	{ "DOMAIN", "domain", CTL_CELL_TEXT, NULL },
	{ "SELECTOR", "selector", CTL_CELL_TEXT, NULL },
	{ "ALGORITHM", "algorithm", CTL_CELL_TEXT, NULL },
	{ "CREATED", "created_at", CTL_CELL_TEXT, NULL },
	{ NULL, "name", CTL_CELL_TEXT, NULL },
	{ NULL, "record", CTL_CELL_TEXT, NULL },
};

/* What the printing callbacks collect. */
struct ctl_dkim_output {
	struct ctl_table *table;
	const char *selector;   /* only this key (generate), NULL = all */
};

/* One zone-file record, the TXT data in strings of at most 255 bytes. */
static void ctl_dkim_print_zone(const struct admin_dkim_key *key, const char *record)
{
	size_t len = strlen(record);

	printf("%s._domainkey.%s. IN TXT (", key->selector, key->domain);
	for (size_t off = 0; off < len; off += CTL_DKIM_TXT_STRING_MAX) {
		int chunk = len - off < CTL_DKIM_TXT_STRING_MAX ?
			(int)(len - off) : CTL_DKIM_TXT_STRING_MAX;

		printf("%s\"%.*s\"", off == 0 ? " " : "\n\t", chunk, record + off);
	}
	printf(" )\n");
}

static void ctl_dkim_row(const struct admin_dkim_key *key, void *context)
{
	struct ctl_dkim_output *out = context;
	char *record, *name;

	if (out->selector != NULL && strcasecmp(out->selector, key->selector) != 0)
		return;
	record = admin_dkim_record(key);
	if (out->table == NULL) {
		ctl_dkim_print_zone(key, record);
	} else {
		name = admin_dkim_record_name(key);
		ctl_table_add(out->table, key->domain, key->selector, key->algorithm,
			      key->created_at, name, record);
		free(name);
	}
	free(record);
}

/* Print the domain's keys (only selector's when not NULL): zone records
   for people, JSON objects (one when single) for scripts. */
static enum ctl_exit ctl_dkim_print(struct ctl_context *ctx, const char *domain,
				    const char *selector, bool single)
{
	static char error[512];
	struct ctl_dkim_output out = { .selector = selector };
	int ret;

	if (ctx->json)
		out.table = CTL_TABLE_NEW(ctl_dkim_columns);
	ret = admin_dkim_list(ctx->db, domain, ctl_dkim_row, &out, &ctx->error);
	if (ret == 0) {
		snprintf(error, sizeof(error), "domain %.300s has no DKIM keys "
			 "(see petrelctl dkim generate)", domain);
		ctx->error = error;
		ret = -1;
	}
	if (out.table != NULL)
		return ctl_table_done(ctx, &out.table, ret, single);
	return ret < 0 ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

enum ctl_exit ctl_dkim_generate(struct ctl_context *ctx)
{
	const char *algorithm = ctx->given[CTL_OPT_ALGORITHM] ? ctx->value[CTL_OPT_ALGORITHM] : "rsa";
	char selector_buf[ADMIN_DKIM_SELECTOR_MAX + 1];
	const char *selector;

	if (strcmp(algorithm, "rsa") != 0 && strcmp(algorithm, "ed25519") != 0) {
		ctx->error = "--algorithm must be rsa or ed25519";
		return CTL_EXIT_USAGE;
	}
	if (admin_dkim_generate(ctx->db, ctx->args[0], ctx->value[CTL_OPT_SELECTOR], algorithm,
				selector_buf, &selector, &ctx->error) < 0)
		return CTL_EXIT_ERROR;
	return ctl_dkim_print(ctx, ctx->args[0], selector, true);
}

enum ctl_exit ctl_dkim_show(struct ctl_context *ctx)
{
	return ctl_dkim_print(ctx, ctx->args[0], NULL, false);
}

enum ctl_exit ctl_dkim_list(struct ctl_context *ctx)
{
	struct ctl_dkim_output out = { .table = CTL_TABLE_NEW(ctl_dkim_columns) };
	const char *domain = ctx->arg_count > 0 ? ctx->args[0] : NULL;

	return ctl_table_done(ctx, &out.table, admin_dkim_list(ctx->db, domain, ctl_dkim_row,
								&out, &ctx->error), false);
}

enum ctl_exit ctl_dkim_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_dkim_del(ctx->db, ctx->args[0], ctx->args[1], &ctx->error),
			"DKIM key %s of domain %s deleted", ctx->args[1], ctx->args[0]);
}
