/*
 * policy-rules-cache.c — per-worker compiled rules, reloaded on NOTIFY
 * (see policy-rules-cache.h).
 *
 * One load at a time: a NOTIFY during a load marks the cache stale and
 * the load that ends then starts another, so the last change always wins.
 */
#include "policy-rules-cache.h"

#include "log.h"
#include "store-rules.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct policy_rules_cache {
	struct pg_pool *pool;
	struct smtp_rule *smtp;
	unsigned int smtp_count;
	struct delivery_rule *delivery;
	unsigned int delivery_count;
	struct store_policy_presence presence;   /* rows: not kept (see lists) */
	bool client_name;        /* some SMTP rule tests client_name */
	struct policy_list_entry *lists;
	unsigned int list_count;
	bool loading, stale;
	bool freed;              /* freed while a load was in flight */
};

static void policy_rules_cache_load(struct policy_rules_cache *cache);

static void policy_rules_clear(struct policy_rules_cache *cache)
{
	for (unsigned int i = 0; i < cache->smtp_count; i++)
		smtp_rule_deinit(&cache->smtp[i]);
	for (unsigned int i = 0; i < cache->delivery_count; i++)
		delivery_rule_deinit(&cache->delivery[i]);
	for (unsigned int i = 0; i < cache->list_count; i++)
		free((char *)cache->lists[i].value);
	free(cache->lists);
	cache->lists = NULL;
	cache->list_count = 0;
	free(cache->smtp);
	free(cache->delivery);
	cache->smtp = NULL;
	cache->delivery = NULL;
	cache->smtp_count = cache->delivery_count = 0;
}

static void policy_rules_skip(const struct store_rule *row, const char *error)
{
	log_warning("policy", NULL, "event=rule_skipped rule=\"%s\" id=%lld error=\"%s\"",
		    row->name, (long long)row->id, error);
}

/* Compile one SMTP rule row; false (logged) when it cannot run. */
static bool policy_rules_build_smtp(const struct store_rule *row, struct smtp_rule *rule)
{
	int stage = smtp_rule_stage_parse(row->stage);
	int action = smtp_rule_action_parse(row->action);
	char error[400];

	if (stage < 0 || action < 0) {
		policy_rules_skip(row, "unknown stage or action");
		return false;
	}
	if (smtp_rule_check_action(stage, action, row->action_arg, error, sizeof(error)) < 0) {
		policy_rules_skip(row, error);
		return false;
	}
	smtp_rule_init(rule, row->id, row->name, row->priority, stage, action, row->action_arg,
		       row->weight);
	for (unsigned int i = 0; i < row->cond_count; i++) {
		const struct store_rule_cond *c = &row->conds[i];

		if (smtp_rule_add_cond(rule, c->attribute, c->op, c->value, error,
				       sizeof(error)) < 0) {
			policy_rules_skip(row, error);
			smtp_rule_deinit(rule);
			return false;
		}
	}
	return true;
}

static bool policy_rules_build_delivery(const struct store_rule *row,
					struct delivery_rule *rule)
{
	int action = delivery_rule_action_parse(row->action);
	char error[400];

	if (action < 0 ||
	    delivery_rule_check_action(action, row->action_arg, error, sizeof(error)) < 0) {
		policy_rules_skip(row, action < 0 ? "unknown action" : error);
		return false;
	}
	delivery_rule_init(rule, row->id, row->name, row->priority, action, row->action_arg);
	for (unsigned int i = 0; i < row->cond_count; i++) {
		const struct store_rule_cond *c = &row->conds[i];

		if (delivery_rule_add_cond(rule, c->attribute, c->op, c->value, error,
					   sizeof(error)) < 0) {
			policy_rules_skip(row, error);
			delivery_rule_deinit(rule);
			return false;
		}
	}
	return true;
}

/* Keep the list entries other than regexes, for matching in memory. */
static void policy_rules_keep_lists(struct policy_rules_cache *cache,
				    const struct store_policy_presence *presence)
{
	cache->presence.rows = NULL;
	cache->presence.row_count = 0;
	cache->lists = xcalloc(presence->row_count + 1, sizeof(*cache->lists));
	for (unsigned int i = 0; i < presence->row_count; i++) {
		int type = policy_list_type_parse(presence->rows[i].type);

		if (type < 0)
			continue;
		cache->lists[cache->list_count++] = (struct policy_list_entry){
			.white = presence->rows[i].white, .type = type,
			.value = xstrdup(presence->rows[i].value),
		};
	}
}

static void policy_rules_loaded(void *ctx, const char *error,
				const struct store_rule *smtp, unsigned int smtp_count,
				const struct store_rule *delivery, unsigned int delivery_count,
				const struct store_policy_presence *presence)
{
	struct policy_rules_cache *cache = ctx;

	cache->loading = false;
	if (cache->freed) {
		free(cache);
		return;
	}
	if (error != NULL) {
		/* keep the rules we had; the next NOTIFY or reconnect retries */
		log_warning("policy", NULL, "event=rules_load_failed error=\"%s\"", error);
	} else {
		policy_rules_clear(cache);
		cache->presence = *presence;
		policy_rules_keep_lists(cache, presence);
		cache->smtp = xcalloc(smtp_count + 1, sizeof(*cache->smtp));
		cache->delivery = xcalloc(delivery_count + 1, sizeof(*cache->delivery));
		cache->client_name = false;
		for (unsigned int i = 0; i < smtp_count; i++) {
			struct smtp_rule *rule = &cache->smtp[cache->smtp_count];

			if (!policy_rules_build_smtp(&smtp[i], rule))
				continue;
			cache->smtp_count++;
			for (unsigned int c = 0; c < rule->cond_count; c++)
				cache->client_name |= rule->conds[c].attr == SMTP_RULE_ATTR_CLIENT_NAME;
		}
		for (unsigned int i = 0; i < delivery_count; i++) {
			if (policy_rules_build_delivery(&delivery[i],
							&cache->delivery[cache->delivery_count]))
				cache->delivery_count++;
		}
		log_debug("policy", NULL, "event=rules_loaded smtp=%u delivery=%u",
			  cache->smtp_count, cache->delivery_count);
	}
	if (cache->stale)
		policy_rules_cache_load(cache);
}

static void policy_rules_cache_load(struct policy_rules_cache *cache)
{
	if (cache->loading) {
		cache->stale = true;
		return;
	}
	cache->loading = true;
	cache->stale = false;
	store_rules_load(cache->pool, policy_rules_loaded, cache);
}

struct policy_rules_cache *policy_rules_cache_new(struct pg_pool *pool)
{
	struct policy_rules_cache *cache = xcalloc(1, sizeof(*cache));

	cache->pool = pool;
	/* until the first load: look everything up */
	cache->presence = (struct store_policy_presence){
		.ip_lists = true, .sender_lists = true, .regex_lists = true, .bans = true,
	};
	policy_rules_cache_load(cache);
	return cache;
}

void policy_rules_cache_free(struct policy_rules_cache **cache)
{
	struct policy_rules_cache *c = *cache;

	if (c == NULL)
		return;
	*cache = NULL;
	policy_rules_clear(c);
	if (c->loading)
		c->freed = true;       /* the load's callback frees it */
	else
		free(c);
}

void policy_rules_cache_notify(struct policy_rules_cache *cache, const char *channel)
{
	if (channel == NULL || strcmp(channel, STORE_RULES_CHANNEL) == 0 ||
	    strcmp(channel, STORE_POLICY_LISTS_CHANNEL) == 0)
		policy_rules_cache_load(cache);
}

const struct smtp_rule *policy_rules_smtp(const struct policy_rules_cache *cache,
					  unsigned int *count_r)
{
	*count_r = cache->smtp_count;
	return cache->smtp;
}

const struct delivery_rule *policy_rules_delivery(const struct policy_rules_cache *cache,
						  unsigned int *count_r)
{
	*count_r = cache->delivery_count;
	return cache->delivery;
}

const struct store_policy_presence *policy_rules_presence(const struct policy_rules_cache *cache)
{
	return &cache->presence;
}

const struct policy_list_entry *policy_rules_lists(const struct policy_rules_cache *cache,
						   unsigned int *count_r)
{
	*count_r = cache->list_count;
	return cache->lists;
}

bool policy_rules_need_client_name(const struct policy_rules_cache *cache)
{
	return cache->client_name;
}
