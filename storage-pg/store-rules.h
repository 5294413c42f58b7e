/*
 * store-rules.h — load the enabled SMTP rules and delivery rules
 * (schema/013_rules.sql) for a node's compiled rule cache, on start and
 * whenever PostgreSQL notifies a change.
 */
#ifndef STORE_RULES_H
#define STORE_RULES_H

#include "pg-pool.h"

#include <stdbool.h>
#include <stdint.h>

/* NOTIFY channels the rule tables' triggers and the list and ban tables'
   triggers (schema/012) signal. */
#define STORE_RULES_CHANNEL "petrel_rules"
#define STORE_POLICY_LISTS_CHANNEL "petrel_policy_lists"

/* One white/black list entry other than a regex, as stored. */
struct store_policy_list_row {
	bool white;
	const char *type;          /* "ip", "address", "domain" */
	const char *value;
};

/* Whether any white/black list entry for client addresses, any for
   senders, any regex entry and any ban in force exist (a check with
   nothing to look up makes no round trip), and the entries other than
   regexes in the order petrel_policy_lookup() decides by. */
struct store_policy_presence {
	bool ip_lists, sender_lists, regex_lists, bans;
	const struct store_policy_list_row *rows;
	unsigned int row_count;
};

struct store_rule_cond {
	const char *attribute;     /* SMTP attribute or delivery field */
	const char *op;
	const char *value;
};

struct store_rule {
	int64_t id;
	const char *name;
	int priority;
	const char *stage;         /* SMTP rules; NULL for delivery rules */
	const char *action;
	const char *action_arg;
	long long weight;
	const struct store_rule_cond *conds;
	unsigned int cond_count;
};

/* The rules in evaluation order (priority, id) and the presence of list
   entries and bans, or error (and no rules). Everything is valid only
   during the callback. */
typedef void store_rules_callback_t(void *ctx, const char *error,
				    const struct store_rule *smtp, unsigned int smtp_count,
				    const struct store_rule *delivery, unsigned int delivery_count,
				    const struct store_policy_presence *presence);

void store_rules_load(struct pg_pool *pool, store_rules_callback_t *callback, void *ctx);

#endif
