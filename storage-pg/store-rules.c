/*
 * store-rules.c — loading SMTP and delivery rules (see store-rules.h).
 *
 * Both kinds come in one request: each row is a rule with one of its
 * conditions (or none), in order, and rows of one rule are gathered here.
 */
#include "store-rules.h"

#include "store-private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define STORE_RULES_SELECT(table, cond_table, attr, stage, weight) \
	"SELECT r.id, r.name, r.priority, " stage ", r.action, r.action_arg, " weight "," \
	" c." attr ", c.operator, c.value" \
	" FROM " table " r LEFT JOIN " cond_table " c ON c.rule_id = r.id" \
	" WHERE r.enabled ORDER BY r.priority, r.id, c.position"

struct store_rules_set {
	struct store_rule *rules;
	struct store_rule_cond *conds;
	unsigned int count;
};

/* Gather the rows of res into rules; pointers point into res. */
static void store_rules_gather(const PGresult *res, struct store_rules_set *set)
{
	int rows = PQntuples(res);
	unsigned int cond_count = 0;

	set->rules = xcalloc((size_t)rows + 1, sizeof(*set->rules));
	set->conds = xcalloc((size_t)rows + 1, sizeof(*set->conds));
	set->count = 0;
	for (int i = 0; i < rows; i++) {
		int64_t id = store_get_int64(res, i, 0);
		struct store_rule *r = set->count > 0 ? &set->rules[set->count - 1] : NULL;

		if (r == NULL || r->id != id) {
			r = &set->rules[set->count++];
			r->id = id;
			r->name = store_get_text(res, i, 1);
			r->priority = (int)store_get_int64(res, i, 2);
			r->stage = PQgetisnull(res, i, 3) ? NULL : store_get_text(res, i, 3);
			r->action = store_get_text(res, i, 4);
			r->action_arg = store_get_text(res, i, 5);
			r->weight = store_get_int64(res, i, 6);
			r->conds = &set->conds[cond_count];
		}
		if (PQgetisnull(res, i, 7))
			continue;
		set->conds[cond_count++] = (struct store_rule_cond){
			store_get_text(res, i, 7), store_get_text(res, i, 8),
			store_get_text(res, i, 9),
		};
		r->cond_count++;
	}
}

static void store_rules_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_rules_callback_t *callback = (store_rules_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct store_rules_set smtp = { 0 }, delivery = { 0 };
	struct store_policy_presence presence = { true, true, true, true, NULL, 0 };
	struct store_policy_list_row *rows = NULL;

	if (error == NULL) {
		const PGresult *lists = reply->results[3];

		store_rules_gather(reply->results[0], &smtp);
		store_rules_gather(reply->results[1], &delivery);
		presence.ip_lists = store_get_bool(reply->results[2], 0, 0);
		presence.sender_lists = store_get_bool(reply->results[2], 0, 1);
		presence.regex_lists = store_get_bool(reply->results[2], 0, 2);
		presence.bans = store_get_bool(reply->results[2], 0, 3);
		rows = xcalloc((size_t)PQntuples(lists) + 1, sizeof(*rows));
		for (int i = 0; i < PQntuples(lists); i++) {
			rows[i] = (struct store_policy_list_row){
				.white = store_get_bool(lists, i, 0),
				.type = store_get_text(lists, i, 1),
				.value = store_get_text(lists, i, 2),
			};
		}
		presence.rows = rows;
		presence.row_count = (unsigned int)PQntuples(lists);
	}
	callback(call->ctx, error, smtp.rules, smtp.count, delivery.rules, delivery.count,
		 &presence);
	free(rows);
	free(smtp.rules);
	free(smtp.conds);
	free(delivery.rules);
	free(delivery.conds);
	free(call);
}

void store_rules_load(struct pg_pool *pool, store_rules_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_rules_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, STORE_RULES_SELECT("smtp_rules", "smtp_rule_conditions", "attribute",
					       "r.stage", "r.weight"));
	pg_request_add(req, STORE_RULES_SELECT("delivery_rules", "delivery_rule_conditions",
					       "field", "NULL", "0"));
	/* a ban that ends later still counts: the lookup then finds it over */
	pg_request_add(req, "SELECT EXISTS (SELECT 1 FROM policy_lists WHERE type = 'ip'), "
		       "EXISTS (SELECT 1 FROM policy_lists WHERE type <> 'ip'), "
		       "EXISTS (SELECT 1 FROM policy_lists WHERE type = 'regex'), "
		       "EXISTS (SELECT 1 FROM bans WHERE expires_at > now())");
	/* the order petrel_policy_lookup decides by (schema/012) */
	pg_request_add(req, "SELECT kind = 'white', type, value FROM policy_lists "
		       "WHERE type <> 'regex' ORDER BY kind = 'white' DESC, "
		       "array_position(ARRAY['ip', 'address', 'domain'], type), id");
	pg_pool_submit(pool, req);
}
