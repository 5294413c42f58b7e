/*
 * rule-check.h — validating an SMTP rule or a delivery rule exactly as a
 * node will load it (smtp-rule.h, delivery-rule.h: regexes compiled,
 * actions and their arguments checked), before an operator's tool stores
 * it: petrelctl rule / delivery-rule add and the web admin's /rules and
 * /delivery-rules share this, so both refuse the same rules.
 */
#ifndef RULE_CHECK_H
#define RULE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct rule_check_cond {
	const char *attribute;     /* an SMTP attribute or a delivery field */
	const char *op;
	const char *value;
};

struct rule_check {
	bool smtp;                 /* an SMTP rule (stage, weight), else a delivery rule */
	const char *name;
	int priority;
	const char *stage;         /* SMTP rules only */
	const char *action;
	const char *action_arg;
	long long weight;          /* SMTP rules only */
	const struct rule_check_cond *conds;
	unsigned int cond_count;
};

/* Names appear in logs and the block log ("rule NAME") and may be given
   instead of the id, so they are 1-64 letters, digits, '.', '_' or '-',
   and not only digits. */
bool rule_check_name(const char *name);

/* 0, or -1 with one sentence in error (e.g. PCRE2's message and offset
   for a regex that does not compile). The name is checked too. */
int rule_check(const struct rule_check *rule, char *error, size_t size);

#endif
