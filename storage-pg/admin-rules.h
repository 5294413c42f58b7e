/*
 * admin-rules.h — staged SMTP rules and delivery-time global rules
 * (schema/013_rules.sql) for petrelctl.
 *
 * These operations only store and list rows: the caller validates a rule
 * (lib-policy's smtp-rule.h / delivery-rule.h, which compile its regexes)
 * before adding it. The tables' triggers tell every node to reload.
 */
#ifndef ADMIN_RULES_H
#define ADMIN_RULES_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>
#include <stdint.h>

enum admin_rule_kind {
	ADMIN_RULE_SMTP,       /* smtp_rules */
	ADMIN_RULE_DELIVERY,   /* delivery_rules: no stage, no weight */
};

struct admin_rule_cond {
	const char *attribute;   /* an SMTP attribute or a delivery field */
	const char *op;
	const char *value;
};

struct admin_rule {
	int64_t id;
	const char *name;
	int priority;
	const char *stage;         /* SMTP rules only */
	bool enabled;
	const char *action;
	const char *action_arg;
	long long weight;          /* SMTP rules only */
	const char *comment;
	/* admin_rule_add() reads these ... */
	const struct admin_rule_cond *conds;
	unsigned int cond_count;
	/* ... admin_rule_list() fills these instead: "attr op value; ..." and
	   a JSON array of {"attribute", "operator", "value"}. */
	const char *conditions_text;
	const char *conditions_json;
};

typedef void admin_rule_cb(const struct admin_rule *rule, void *context);

/* Insert the rule and its conditions in one transaction; *id_r is its id.
   "rule NAME already exists" when the name is taken. */
int admin_rule_add(struct admin_db *db, enum admin_rule_kind kind, const struct admin_rule *rule,
		   int64_t *id_r, const char **error_r);
/* Replace the rule called rule->name (its settings and conditions);
   "no such rule NAME". */
int admin_rule_update(struct admin_db *db, enum admin_rule_kind kind,
		      const struct admin_rule *rule, const char **error_r);
/* Delete a rule by name (or by id when the text is a number); "no such
   rule NAME". */
int admin_rule_del(struct admin_db *db, enum admin_rule_kind kind, const char *name,
		   const char **error_r);
/* Every rule in evaluation order, or only the one called name (name or
   id; "no such rule NAME" when none). */
int admin_rule_list(struct admin_db *db, enum admin_rule_kind kind, const char *name,
		    admin_rule_cb *cb, void *context, const char **error_r);

/* Which rules admin_rule_page() gives. */
struct admin_rule_query {
	const char *name;            /* only the rule called (or numbered) name;
					NULL: every rule */
	struct admin_paging paging;  /* search: name, stage, action, argument, comment
				   or a condition; sorts: priority (default:
				   evaluation order), name, id */
};

/* One page of rules; *total_r counts every match. -1 with "no such rule
   NAME" when query->name matches none, "unknown sort field S" for
   another sort. */
int admin_rule_page(struct admin_db *db, enum admin_rule_kind kind,
		    const struct admin_rule_query *query, admin_rule_cb *cb, void *context,
		    long long *total_r, const char **error_r);

#endif
