/*
 * admin-api-rules.c — /api/v1/rules (staged SMTP rules) and
 * /api/v1/delivery-rules (delivery-time global rules): list (searched and
 * sorted in SQL), get (by name or id), create, update (merge or JSON Patch
 * onto the rule as GET shows it) and delete, on storage-pg/admin-rules.h.
 *
 * A rule is checked as a node would load it (lib-policy/rule-check.h,
 * shared with petrelctl) before it is stored, so a regex that does not
 * compile is a 422 with PCRE2's message. Superadmins only.
 *
 *   {"name": "no-exe", "stage": "headers", "action": "reject",
 *    "argument": "550 5.7.1 no", "weight": 0, "priority": 100,
 *    "enabled": true, "comment": "",
 *    "conditions": [{"attribute": "subject", "operator": "regex", "value": "\\.exe"}]}
 */
#include "admin-api.h"

#include "admin-rules.h"
#include "rule-check.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define ADMIN_API_RULE_PRIORITY_MAX 1000000
#define ADMIN_API_RULE_WEIGHT_MAX 1000000

/* The first is the default: the order rules are evaluated in. */
static const char *const admin_api_rules_sorts[] = { "priority", "name", "id", NULL };

static json_t *admin_api_rule_json(const struct admin_rule *r)
{
	json_t *conds = json_loads(r->conditions_json, 0, NULL);
	json_t *doc = json_pack("{s:I, s:s, s:i, s:b, s:s, s:s, s:s, s:o}",
				"id", (json_int_t)r->id, "name", r->name,
				"priority", r->priority, "enabled", r->enabled,
				"action", r->action, "argument", r->action_arg,
				"comment", r->comment,
				"conditions", conds != NULL ? conds : json_array());

	if (r->stage != NULL) {
		json_object_set_new(doc, "stage", json_string(r->stage));
		json_object_set_new(doc, "weight", json_integer(r->weight));
	}
	return doc;
}

static void admin_api_rule_append(const struct admin_rule *r, void *context)
{
	json_array_append_new(context, admin_api_rule_json(r));
}

static void admin_api_rule_store(const struct admin_rule *r, void *context)
{
	*(json_t **)context = admin_api_rule_json(r);
}

static void admin_api_rules_list_kind(struct admin_call *call, enum admin_rule_kind kind)
{
	struct admin_rule_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_api_rules_sorts, &page))
		return;
	query.paging = page.paging;
	items = json_array();
	if (admin_rule_page(call->db, kind, &query, admin_api_rule_append, items, &total,
			    &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

/* The rule called (or numbered) name as GET shows it; NULL with the
   answer set. */
static json_t *admin_api_rule_load(struct admin_call *call, enum admin_rule_kind kind,
				   const char *name)
{
	struct admin_rule_query query = { .name = name, .paging.limit = 1 };
	json_t *doc = NULL;
	long long total;
	const char *error;

	if (admin_rule_page(call->db, kind, &query, admin_api_rule_store, &doc, &total,
			    &error) < 0) {
		admin_call_db_error(call, error, NULL);
		return NULL;
	}
	return doc;
}

/* Answer with the rule as GET shows it (status when found); false when
   the answer is an error. */
static bool admin_api_rule_answer(struct admin_call *call, enum admin_rule_kind kind,
				  const char *name, int status)
{
	json_t *doc = admin_api_rule_load(call, kind, name);

	if (doc == NULL)
		return false;
	call->result = doc;
	call->status = status;
	return true;
}

/* conditions of a body: an array of {attribute, operator, value}
   strings; *conds_r is malloc'd and points into the body. */
static bool admin_api_rule_conds(struct admin_call *call, const json_t *array,
				 struct admin_rule *rule, struct admin_rule_cond **conds_r)
{
	struct admin_rule_cond *conds;
	json_t *item;
	size_t i;

	if (array != NULL && !json_is_array(array)) {
		admin_call_error(call, 422, "invalid", "conditions",
				 "conditions must be an array of {attribute, operator, value}");
		return false;
	}
	conds = xcalloc(json_array_size(array) + 1, sizeof(*conds));
	json_array_foreach(array, i, item) {
		conds[i] = (struct admin_rule_cond){
			json_string_value(json_object_get(item, "attribute")),
			json_string_value(json_object_get(item, "operator")),
			json_string_value(json_object_get(item, "value")),
		};
		if (conds[i].attribute == NULL || conds[i].op == NULL || conds[i].value == NULL) {
			admin_call_error(call, 422, "invalid", "conditions", "conditions[%zu] needs "
					 "string attribute, operator and value", i);
			free(conds);
			return false;
		}
	}
	rule->conds = conds;
	rule->cond_count = (unsigned int)json_array_size(array);
	*conds_r = conds;
	return true;
}

/* The optional members of a body, defaults already in rule; false with
   the answer set at the first bad one. */
static bool admin_api_rule_options(struct admin_call *call, const json_t *body,
				   enum admin_rule_kind kind, struct admin_rule *rule)
{
	const char *text;
	long long n;
	bool bad = false;

	if ((text = admin_json_string(call, body, "argument", &bad)) != NULL)
		rule->action_arg = text;
	if (!bad && (text = admin_json_string(call, body, "comment", &bad)) != NULL)
		rule->comment = text;
	if (!bad)
		admin_json_boolean(call, body, "enabled", &rule->enabled, &bad);
	if (!bad && admin_json_integer(call, body, "priority", &n, &bad)) {
		if (n < -ADMIN_API_RULE_PRIORITY_MAX || n > ADMIN_API_RULE_PRIORITY_MAX) {
			admin_call_error(call, 422, "invalid", "priority", "priority must be "
					 "-%d to %d", ADMIN_API_RULE_PRIORITY_MAX,
					 ADMIN_API_RULE_PRIORITY_MAX);
			return false;
		}
		rule->priority = (int)n;
	}
	if (!bad && kind == ADMIN_RULE_SMTP &&
	    admin_json_integer(call, body, "weight", &n, &bad)) {
		if (n < -ADMIN_API_RULE_WEIGHT_MAX || n > ADMIN_API_RULE_WEIGHT_MAX) {
			admin_call_error(call, 422, "invalid", "weight", "weight must be "
					 "-%d to %d", ADMIN_API_RULE_WEIGHT_MAX,
					 ADMIN_API_RULE_WEIGHT_MAX);
			return false;
		}
		rule->weight = n;
	}
	return !bad;
}

/* A rule from a body, checked as a node would load it; false with the
   answer set. Strings point into body; free *conds_r. */
static bool admin_api_rule_parse(struct admin_call *call, const json_t *body,
				 enum admin_rule_kind kind, struct admin_rule *rule,
				 struct admin_rule_cond **conds_r)
{
	struct rule_check_cond *check_conds;
	struct rule_check check;
	const char *missing;
	char error[400];
	bool bad = false;
	int ret;

	*rule = (struct admin_rule){ .priority = 100, .enabled = true, .action_arg = "",
				     .comment = "" };
	*conds_r = NULL;
	/* the first member of the wrong type is the answer */
	rule->name = admin_json_string(call, body, "name", &bad);
	if (!bad)
		rule->action = admin_json_string(call, body, "action", &bad);
	if (!bad && kind == ADMIN_RULE_SMTP)
		rule->stage = admin_json_string(call, body, "stage", &bad);
	if (bad || !admin_api_rule_options(call, body, kind, rule))
		return false;
	missing = rule->name == NULL ? "name" : rule->action == NULL ? "action" :
		  kind == ADMIN_RULE_SMTP && rule->stage == NULL ? "stage" : NULL;
	if (missing != NULL) {
		admin_call_error(call, 422, "invalid", missing, "%s is required", missing);
		return false;
	}
	if (!admin_api_rule_conds(call, json_object_get(body, "conditions"), rule, conds_r))
		return false;
	check_conds = xcalloc(rule->cond_count + 1, sizeof(*check_conds));
	for (unsigned int i = 0; i < rule->cond_count; i++)
		check_conds[i] = (struct rule_check_cond){ rule->conds[i].attribute,
							   rule->conds[i].op, rule->conds[i].value };
	check = (struct rule_check){
		.smtp = kind == ADMIN_RULE_SMTP, .name = rule->name, .priority = rule->priority,
		.stage = rule->stage, .action = rule->action, .action_arg = rule->action_arg,
		.weight = rule->weight, .conds = check_conds, .cond_count = rule->cond_count,
	};
	ret = rule_check(&check, error, sizeof(error));
	free(check_conds);
	if (ret < 0) {
		admin_call_error(call, 422, "invalid", NULL, "rule %s: %s", rule->name, error);
		free(*conds_r);
		*conds_r = NULL;
		return false;
	}
	return true;
}

static void admin_api_rules_create_kind(struct admin_call *call, enum admin_rule_kind kind)
{
	struct admin_rule_cond *conds;
	struct admin_rule rule;
	const char *error;
	int64_t id;

	if (!admin_call_body_object(call))
		return;
	if (!admin_api_rule_parse(call, call->body, kind, &rule, &conds))
		return;
	if (admin_rule_add(call->db, kind, &rule, &id, &error) < 0) {
		admin_call_db_error(call, error, "name");
	} else {
		admin_api_rule_answer(call, kind, rule.name, 201);
	}
	free(conds);
}

static void admin_api_rules_update_kind(struct admin_call *call, enum admin_rule_kind kind)
{
	struct admin_rule_cond *conds;
	json_t *current, *patched;
	struct admin_rule rule;
	const char *error;

	if ((current = admin_api_rule_load(call, kind, call->args[0])) == NULL)
		return;
	patched = admin_call_patched(call, current);
	if (patched == NULL) {
		/* the answer is set */
	} else if (!json_is_object(patched)) {
		admin_call_error(call, 422, "invalid", NULL, "a rule is a JSON object");
	} else if (!json_equal(json_object_get(patched, "name"), json_object_get(current, "name"))) {
		admin_call_error(call, 422, "invalid", "name", "name cannot be changed");
	} else if (admin_api_rule_parse(call, patched, kind, &rule, &conds)) {
		if (admin_rule_update(call->db, kind, &rule, &error) < 0)
			admin_call_db_error(call, error, NULL);
		else
			admin_api_rule_answer(call, kind, rule.name, 200);
		free(conds);
	}
	json_decref(patched);
	json_decref(current);
}

static void admin_api_rules_delete_kind(struct admin_call *call, enum admin_rule_kind kind)
{
	const char *error;

	if (admin_rule_del(call->db, kind, call->args[0], &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->status = 204;
}

static void admin_api_rules_get_kind(struct admin_call *call, enum admin_rule_kind kind)
{
	admin_api_rule_answer(call, kind, call->args[0], 200);
}

/* The routes' handlers: one of each per kind of rule. */
#define ADMIN_API_RULES_HANDLERS(suffix, kind)                                         \
	static void admin_api_rules_list_##suffix(struct admin_call *call)             \
	{ admin_api_rules_list_kind(call, kind); }                                     \
	static void admin_api_rules_get_##suffix(struct admin_call *call)              \
	{ admin_api_rules_get_kind(call, kind); }                                      \
	static void admin_api_rules_create_##suffix(struct admin_call *call)           \
	{ admin_api_rules_create_kind(call, kind); }                                   \
	static void admin_api_rules_update_##suffix(struct admin_call *call)           \
	{ admin_api_rules_update_kind(call, kind); }                                   \
	static void admin_api_rules_delete_##suffix(struct admin_call *call)           \
	{ admin_api_rules_delete_kind(call, kind); }

ADMIN_API_RULES_HANDLERS(smtp, ADMIN_RULE_SMTP)
ADMIN_API_RULES_HANDLERS(delivery, ADMIN_RULE_DELIVERY)

ADMIN_ROUTES(admin_api_rules_routes,
	{ "GET", "/rules", ADMIN_ROLE_SUPER, admin_api_rules_list_smtp },
	{ "POST", "/rules", ADMIN_ROLE_SUPER, admin_api_rules_create_smtp },
	{ "GET", "/rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_get_smtp },
	{ "PATCH", "/rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_update_smtp },
	{ "PUT", "/rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_update_smtp },
	{ "DELETE", "/rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_delete_smtp },
	{ "GET", "/delivery-rules", ADMIN_ROLE_SUPER, admin_api_rules_list_delivery },
	{ "POST", "/delivery-rules", ADMIN_ROLE_SUPER, admin_api_rules_create_delivery },
	{ "GET", "/delivery-rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_get_delivery },
	{ "PATCH", "/delivery-rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_update_delivery },
	{ "PUT", "/delivery-rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_update_delivery },
	{ "DELETE", "/delivery-rules/{}", ADMIN_ROLE_SUPER, admin_api_rules_delete_delivery },
)
