/*
 * policy-rules-cache.h — a worker's compiled SMTP and delivery rules.
 *
 * Loaded from PostgreSQL when the worker starts and again whenever the
 * rule tables NOTIFY a change (or the LISTEN connection reconnects), so a
 * rule edit takes effect on every node without a restart. Until the
 * first load succeeds there are no rules. A stored rule that no longer
 * compiles (written by hand in SQL) is skipped and logged.
 *
 * With the rules it keeps whether any list entries and bans exist, so
 * the list and ban checks skip their round trip when there is nothing
 * to find, and the list entries other than regexes, so lists without
 * regexes are matched in memory; the list and ban tables NOTIFY their
 * changes too.
 */
#ifndef POLICY_RULES_CACHE_H
#define POLICY_RULES_CACHE_H

#include "delivery-rule.h"
#include "policy-list.h"
#include "smtp-rule.h"
#include "store-rules.h"

struct pg_pool;
struct policy_rules_cache;

struct policy_rules_cache *policy_rules_cache_new(struct pg_pool *pool);
/* A load still in flight ends quietly (the cache goes with its reply). */
void policy_rules_cache_free(struct policy_rules_cache **cache);
/* A NOTIFY on channel (NULL: the LISTEN connection reconnected): reload
   when it concerns rules. */
void policy_rules_cache_notify(struct policy_rules_cache *cache, const char *channel);

/* The rules in evaluation order; valid until control returns to the loop. */
const struct smtp_rule *policy_rules_smtp(const struct policy_rules_cache *cache,
					  unsigned int *count_r);
const struct delivery_rule *policy_rules_delivery(const struct policy_rules_cache *cache,
						  unsigned int *count_r);
/* Whether list entries and bans exist (reloaded with the rules, and on
   every change of the lists and bans). */
const struct store_policy_presence *policy_rules_presence(const struct policy_rules_cache *cache);
/* Whether an SMTP rule tests the client's reverse name (then it is looked
   up before the Connect rules run). */
bool policy_rules_need_client_name(const struct policy_rules_cache *cache);
/* The white/black list entries other than regexes, in precedence order
   (matched in memory while no regex entry exists). */
const struct policy_list_entry *policy_rules_lists(const struct policy_rules_cache *cache,
						   unsigned int *count_r);

#endif
