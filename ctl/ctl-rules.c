/*
 * ctl-rules.c — `petrelctl rule add|del|list|show` (staged SMTP rules) and
 * `petrelctl delivery-rule add|del|list` (delivery-time global rules).
 *
 *   rule add NAME STAGE ACTION [ARG] [if ATTR OP VALUE [and ATTR OP VALUE]...]
 *            [priority=N] [comment=TEXT] [disabled]
 *   delivery-rule add NAME ACTION [ARG] [if FIELD OP VALUE [and ...]] [...]
 *
 * A rule is validated with lib-policy (rule-check.h, as the web admin
 * does) before it is stored, so a regex that does not compile is refused
 * with PCRE2's message and offset.
 */
#include "ctl.h"

#include "admin-rules.h"
#include "ctl-output.h"
#include "rule-check.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Error sentences outlive the handler's locals: ctx->error points here. */
static char ctl_rule_error[512];

static const struct ctl_column ctl_rule_columns[] = {
	{ "ID", "id", CTL_CELL_NUMBER, NULL },
	{ "PRIO", "priority", CTL_CELL_NUMBER, NULL },
	{ "NAME", "name", CTL_CELL_TEXT, NULL },
	{ "STAGE", "stage", CTL_CELL_TEXT, NULL },
	{ "ON", "enabled", CTL_CELL_BOOL, NULL },
	{ "CONDITIONS", NULL, CTL_CELL_TEXT, NULL },
	{ NULL, "conditions", CTL_CELL_JSON, NULL },
	{ "ACTION", "action", CTL_CELL_TEXT, NULL },
	{ "ARGUMENT", "argument", CTL_CELL_TEXT, NULL },
	{ "WEIGHT", "weight", CTL_CELL_NUMBER, NULL },
	{ "COMMENT", "comment", CTL_CELL_TEXT, NULL },
};

static const struct ctl_column ctl_delivery_rule_columns[] = {
	{ "ID", "id", CTL_CELL_NUMBER, NULL },
	{ "PRIO", "priority", CTL_CELL_NUMBER, NULL },
	{ "NAME", "name", CTL_CELL_TEXT, NULL },
	{ "ON", "enabled", CTL_CELL_BOOL, NULL },
	{ "CONDITIONS", NULL, CTL_CELL_TEXT, NULL },
	{ NULL, "conditions", CTL_CELL_JSON, NULL },
	{ "ACTION", "action", CTL_CELL_TEXT, NULL },
	{ "ARGUMENT", "argument", CTL_CELL_TEXT, NULL },
	{ "COMMENT", "comment", CTL_CELL_TEXT, NULL },
};

static enum ctl_exit ctl_rule_fail(struct ctl_context *ctx, enum ctl_exit status,
				   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum ctl_exit ctl_rule_fail(struct ctl_context *ctx, enum ctl_exit status,
				   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctl_rule_error, sizeof(ctl_rule_error), fmt, ap);
	va_end(ap);
	ctx->error = ctl_rule_error;
	return status;
}

static int ctl_rule_int(const char *text, long long min, long long max, long long *n_r)
{
	char *end;
	long long n = strtoll(text, &end, 10);

	if (end == text || *end != '\0' || n < min || n > max)
		return -1;
	*n_r = n;
	return 0;
}

/* Whether ACTION's optional argument is the next word: reject/tempfail
   take a reply starting with its code; the others need one. */
static bool ctl_rule_takes_arg(const char *action, const char *next)
{
	if (strcmp(action, "reject") == 0 || strcmp(action, "tempfail") == 0)
		return next != NULL && isdigit((unsigned char)next[0]);
	return strcmp(action, "weight") == 0 || strcmp(action, "add_header") == 0 ||
	       strcmp(action, "tag_subject") == 0 || strcmp(action, "redirect") == 0 ||
	       strcmp(action, "move") == 0 || strcmp(action, "copy") == 0 ||
	       strcmp(action, "keyword") == 0;
}

/* The words after ACTION [ARG]: conditions and key=value settings. The
   conditions point into ctx->args; free rule->conds. */
static enum ctl_exit ctl_rule_parse_tail(struct ctl_context *ctx, int i, struct admin_rule *rule)
{
	struct admin_rule_cond *conds = xcalloc((size_t)ctx->arg_count, sizeof(*conds));
	long long n;

	rule->conds = conds;
	for (; i < ctx->arg_count; i++) {
		const char *w = ctx->args[i];

		if (strcmp(w, "if") == 0 || strcmp(w, "and") == 0) {
			if (i + 3 >= ctx->arg_count)
				return ctl_rule_fail(ctx, CTL_EXIT_USAGE,
						     "'%s' needs ATTRIBUTE OPERATOR VALUE", w);
			conds[rule->cond_count++] = (struct admin_rule_cond){
				ctx->args[i + 1], ctx->args[i + 2], ctx->args[i + 3] };
			i += 3;
		} else if (strncmp(w, "priority=", 9) == 0 &&
			   ctl_rule_int(w + 9, -1000000, 1000000, &n) == 0) {
			rule->priority = (int)n;
		} else if (strncmp(w, "comment=", 8) == 0) {
			rule->comment = w + 8;
		} else if (strcmp(w, "disabled") == 0) {
			rule->enabled = false;
		} else {
			return ctl_rule_fail(ctx, CTL_EXIT_USAGE, "unexpected '%s' (expected "
					     "if/and ATTRIBUTE OPERATOR VALUE, priority=N, "
					     "comment=TEXT or disabled)", w);
		}
	}
	return CTL_EXIT_OK;
}

/* The rule as the node will load it, to refuse what it could not run. */
static int ctl_rule_validate(enum admin_rule_kind kind, const struct admin_rule *rule,
			     char *error, size_t size)
{
	struct rule_check_cond *conds = xcalloc(rule->cond_count + 1, sizeof(*conds));
	struct rule_check check = {
		.smtp = kind == ADMIN_RULE_SMTP, .name = rule->name, .priority = rule->priority,
		.stage = rule->stage, .action = rule->action, .action_arg = rule->action_arg,
		.weight = rule->weight, .conds = conds, .cond_count = rule->cond_count,
	};
	int ret;

	for (unsigned int i = 0; i < rule->cond_count; i++)
		conds[i] = (struct rule_check_cond){ rule->conds[i].attribute, rule->conds[i].op,
						     rule->conds[i].value };
	ret = rule_check(&check, error, size);
	free(conds);
	return ret;
}

static enum ctl_exit ctl_rule_add_kind(struct ctl_context *ctx, enum admin_rule_kind kind)
{
	struct admin_rule rule = { .name = ctx->args[0], .priority = 100, .enabled = true,
				   .action_arg = "", .comment = "" };
	int i = 1;
	enum ctl_exit status;
	char error[400];
	int64_t id = 0;
	long long weight;
	int ret;

	if (!rule_check_name(rule.name))
		return ctl_rule_fail(ctx, CTL_EXIT_USAGE, "a rule name is 1-64 letters, digits, "
				     "'.', '_' or '-', not only digits");
	if (kind == ADMIN_RULE_SMTP)
		rule.stage = ctx->args[i++];
	if (i >= ctx->arg_count)
		return ctl_rule_fail(ctx, CTL_EXIT_USAGE, "rule %s needs an action", rule.name);
	rule.action = ctx->args[i++];
	if (ctl_rule_takes_arg(rule.action, i < ctx->arg_count ? ctx->args[i] : NULL)) {
		if (i >= ctx->arg_count)
			return ctl_rule_fail(ctx, CTL_EXIT_USAGE, "action %s needs an argument",
					     rule.action);
		rule.action_arg = ctx->args[i++];
	}
	if (strcmp(rule.action, "weight") == 0) {
		if (ctl_rule_int(rule.action_arg, -1000000, 1000000, &weight) < 0)
			return ctl_rule_fail(ctx, CTL_EXIT_USAGE, "weight needs a number such as "
					     "5 or -3, not '%s'", rule.action_arg);
		rule.weight = weight;
		rule.action_arg = "";
	}
	status = ctl_rule_parse_tail(ctx, i, &rule);
	if (status == CTL_EXIT_OK && ctl_rule_validate(kind, &rule, error, sizeof(error)) < 0)
		status = ctl_rule_fail(ctx, CTL_EXIT_ERROR, "rule %s: %s", rule.name, error);
	if (status == CTL_EXIT_OK) {
		ret = admin_rule_add(ctx->db, kind, &rule, &id, &ctx->error);
		status = ctl_done(ctx, ret, "rule %s added (id %lld)", rule.name, (long long)id);
	}
	free((void *)rule.conds);
	return status;
}

enum ctl_exit ctl_rule_add(struct ctl_context *ctx)
{
	return ctl_rule_add_kind(ctx, ADMIN_RULE_SMTP);
}

enum ctl_exit ctl_delivery_rule_add(struct ctl_context *ctx)
{
	return ctl_rule_add_kind(ctx, ADMIN_RULE_DELIVERY);
}

enum ctl_exit ctl_rule_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_rule_del(ctx->db, ADMIN_RULE_SMTP, ctx->args[0], &ctx->error),
			"rule %s deleted", ctx->args[0]);
}

enum ctl_exit ctl_delivery_rule_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_rule_del(ctx->db, ADMIN_RULE_DELIVERY, ctx->args[0],
					    &ctx->error),
			"rule %s deleted", ctx->args[0]);
}

static void ctl_rule_row(const struct admin_rule *r, void *context)
{
	ctl_table_add(context, (long long)r->id, (long long)r->priority, r->name, r->stage,
		      (int)r->enabled, r->conditions_text, r->conditions_json, r->action,
		      r->action_arg, r->weight, r->comment);
}

static void ctl_delivery_rule_row(const struct admin_rule *r, void *context)
{
	ctl_table_add(context, (long long)r->id, (long long)r->priority, r->name,
		      (int)r->enabled, r->conditions_text, r->conditions_json, r->action,
		      r->action_arg, r->comment);
}

enum ctl_exit ctl_rule_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_rule_columns);

	return ctl_table_done(ctx, &table, admin_rule_list(ctx->db, ADMIN_RULE_SMTP, NULL,
							   ctl_rule_row, table, &ctx->error),
			      false);
}

enum ctl_exit ctl_rule_show(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_rule_columns);

	return ctl_table_done(ctx, &table, admin_rule_list(ctx->db, ADMIN_RULE_SMTP,
							   ctx->args[0], ctl_rule_row, table,
							   &ctx->error), true);
}

enum ctl_exit ctl_delivery_rule_list(struct ctl_context *ctx)
{
	struct ctl_table *table = CTL_TABLE_NEW(ctl_delivery_rule_columns);

	return ctl_table_done(ctx, &table, admin_rule_list(ctx->db, ADMIN_RULE_DELIVERY, NULL,
							   ctl_delivery_rule_row, table,
							   &ctx->error), false);
}
