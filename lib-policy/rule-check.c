/*
 * rule-check.c — an operator's rule checked as a node would load it (see
 * rule-check.h): the rule is built with smtp-rule.h / delivery-rule.h
 * and thrown away.
 */
#include "rule-check.h"

#include "delivery-rule.h"
#include "smtp-rule.h"

#include <stdio.h>
#include <string.h>

bool rule_check_name(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= 64 && strspn(name, "0123456789") < len &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-") == len;
}

static int rule_check_smtp(const struct rule_check *rule, char *error, size_t size)
{
	int stage = smtp_rule_stage_parse(rule->stage != NULL ? rule->stage : "");
	int action = smtp_rule_action_parse(rule->action);
	struct smtp_rule r;
	int ret = 0;

	if (stage < 0) {
		snprintf(error, size, "unknown stage '%s' (connect, helo, mail, rcpt, headers, "
			 "complete)", rule->stage != NULL ? rule->stage : "");
		return -1;
	}
	if (action < 0) {
		snprintf(error, size, "unknown action '%s' (accept, reject, tempfail, weight, "
			 "add_header, tag_subject, discard, redirect)", rule->action);
		return -1;
	}
	if (smtp_rule_check_action(stage, action, rule->action_arg, error, size) < 0)
		return -1;
	smtp_rule_init(&r, 0, rule->name, rule->priority, stage, action, rule->action_arg,
		       rule->weight);
	for (unsigned int i = 0; i < rule->cond_count && ret == 0; i++)
		ret = smtp_rule_add_cond(&r, rule->conds[i].attribute, rule->conds[i].op,
					 rule->conds[i].value, error, size);
	smtp_rule_deinit(&r);
	return ret;
}

static int rule_check_delivery(const struct rule_check *rule, char *error, size_t size)
{
	int action = delivery_rule_action_parse(rule->action);
	struct delivery_rule r;
	int ret = 0;

	if (action < 0) {
		snprintf(error, size, "unknown action '%s' (move, copy, mark_read, flag, keyword, "
			 "reject)", rule->action);
		return -1;
	}
	if (delivery_rule_check_action(action, rule->action_arg, error, size) < 0)
		return -1;
	delivery_rule_init(&r, 0, rule->name, rule->priority, action, rule->action_arg);
	for (unsigned int i = 0; i < rule->cond_count && ret == 0; i++)
		ret = delivery_rule_add_cond(&r, rule->conds[i].attribute, rule->conds[i].op,
					     rule->conds[i].value, error, size);
	delivery_rule_deinit(&r);
	return ret;
}

int rule_check(const struct rule_check *rule, char *error, size_t size)
{
	if (!rule_check_name(rule->name)) {
		snprintf(error, size, "a rule name is 1-64 letters, digits, '.', '_' or '-', "
			 "not only digits");
		return -1;
	}
	return rule->smtp ? rule_check_smtp(rule, error, size) :
	       rule_check_delivery(rule, error, size);
}
