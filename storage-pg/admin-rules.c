/*
 * admin-rules.c — storing, deleting and listing SMTP and delivery rules
 * (see admin-rules.h).
 */
#include "admin-rules.h"

#include "admin-page.h"
#include "admin-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statements of one kind of rule. */
struct admin_rule_sql {
	const char *insert, *insert_cond, *del, *update, *del_conds;
};

/* The rules called (or numbered) $1 (NULL: every rule) having $4 in a
   column or a condition; both kinds give the same columns (a delivery
   rule has no stage and weight 0), in order; the last column counts
   every match. */
#define ADMIN_RULE_LIST(table, cond_table, attr, stage, weight, order) \
	"SELECT r.id, r.name, r.priority, " stage ", r.enabled, r.action, r.action_arg, " \
	weight ", r.comment," \
	" coalesce(string_agg(c." attr " || ' ' || c.operator || ' ' || c.value, '; '" \
	"  ORDER BY c.position), '')," \
	" coalesce(json_agg(json_build_object('attribute', c." attr ", 'operator', c.operator," \
	"  'value', c.value) ORDER BY c.position) FILTER (WHERE c.rule_id IS NOT NULL), '[]')," \
	" count(*) OVER ()" \
	" FROM " table " r LEFT JOIN " cond_table " c ON c.rule_id = r.id" \
	" WHERE ($1::text IS NULL OR r.name = $1 OR r.id::text = $1)" \
	"  AND ($4::text IS NULL OR strpos(lower(r.name), lower($4)) > 0" \
	"   OR strpos(lower(coalesce(" stage ", '')), lower($4)) > 0" \
	"   OR strpos(r.action, lower($4)) > 0" \
	"   OR strpos(lower(r.action_arg), lower($4)) > 0" \
	"   OR strpos(lower(r.comment), lower($4)) > 0" \
	"   OR EXISTS (SELECT 1 FROM " cond_table " s WHERE s.rule_id = r.id" \
	"    AND (strpos(lower(s." attr "), lower($4)) > 0" \
	"     OR strpos(s.operator, lower($4)) > 0" \
	"     OR strpos(lower(s.value), lower($4)) > 0)))" \
	" GROUP BY r.id ORDER BY " order " LIMIT $2::bigint OFFSET $3::bigint"
#define ADMIN_RULE_LIST_SMTP(order) \
	ADMIN_RULE_LIST("smtp_rules", "smtp_rule_conditions", "attribute", "r.stage", "r.weight", \
			order)
#define ADMIN_RULE_LIST_DELIVERY(order) \
	ADMIN_RULE_LIST("delivery_rules", "delivery_rule_conditions", "field", "NULL", "0", order)

/* ORDER BY keys by sort name, the first the default (the order rules
   are evaluated in), the id the tie-break. Never the caller's text. */
#define ADMIN_RULE_SORTS(page) \
	ADMIN_SORT(page, "priority", "r.priority, r.id", "r.priority DESC, r.id DESC"), \
	ADMIN_SORT(page, "name", "r.name, r.id", "r.name DESC, r.id DESC"), \
	ADMIN_SORT(page, "id", "r.id", "r.id DESC")
static const struct admin_sort admin_rule_sorts[][3] = {
	[ADMIN_RULE_SMTP] = { ADMIN_RULE_SORTS(ADMIN_RULE_LIST_SMTP) },
	[ADMIN_RULE_DELIVERY] = { ADMIN_RULE_SORTS(ADMIN_RULE_LIST_DELIVERY) },
};

static const struct admin_rule_sql admin_rule_sql[] = {
	[ADMIN_RULE_SMTP] = {
		"INSERT INTO smtp_rules (name, priority, enabled, action, action_arg, comment,"
		" stage, weight) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
		" ON CONFLICT (name) DO NOTHING RETURNING id",
		"INSERT INTO smtp_rule_conditions (rule_id, position, attribute, operator, value)"
		" VALUES ($1, $2, $3, $4, $5)",
		"DELETE FROM smtp_rules WHERE name = $1 OR id::text = $1",
		"UPDATE smtp_rules SET priority = $2, enabled = $3, action = $4, action_arg = $5,"
		" comment = $6, stage = $7, weight = $8 WHERE name = $1 RETURNING id",
		"DELETE FROM smtp_rule_conditions WHERE rule_id = $1",
	},
	[ADMIN_RULE_DELIVERY] = {
		"INSERT INTO delivery_rules (name, priority, enabled, action, action_arg, comment)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING id",
		"INSERT INTO delivery_rule_conditions (rule_id, position, field, operator, value)"
		" VALUES ($1, $2, $3, $4, $5)",
		"DELETE FROM delivery_rules WHERE name = $1 OR id::text = $1",
		"UPDATE delivery_rules SET priority = $2, enabled = $3, action = $4,"
		" action_arg = $5, comment = $6 WHERE name = $1 RETURNING id",
		"DELETE FROM delivery_rule_conditions WHERE rule_id = $1",
	},
};

static int admin_rule_insert_conds(struct admin_db *db, const struct admin_rule_sql *sql,
				   int64_t id, const struct admin_rule *rule,
				   const char **error_r)
{
	char id_text[24], position[24];

	for (unsigned int i = 0; i < rule->cond_count; i++) {
		const char *params[5] = {
			admin_int_param(id_text, id), admin_int_param(position, i),
			rule->conds[i].attribute, rule->conds[i].op, rule->conds[i].value,
		};

		if (admin_command(db, sql->insert_cond, 5, params, error_r) < 0)
			return -1;
	}
	return 0;
}

/* Insert (update false) or update the rule's row, then its conditions
   (an update replaces them), in one transaction. */
static int admin_rule_store(struct admin_db *db, enum admin_rule_kind kind,
			    const struct admin_rule *rule, bool update, int64_t *id_r,
			    const char **error_r)
{
	const struct admin_rule_sql *sql = &admin_rule_sql[kind];
	char priority[24], weight[24], id_text[24];
	const char *params[8] = {
		rule->name, admin_int_param(priority, rule->priority),
		rule->enabled ? "true" : "false", rule->action, rule->action_arg,
		rule->comment, rule->stage, admin_int_param(weight, rule->weight),
	};
	const char *id_param;
	PGresult *res;
	int ret = -1;

	if (admin_begin(db, error_r) < 0)
		return -1;
	res = admin_query(db, update ? sql->update : sql->insert,
			  kind == ADMIN_RULE_SMTP ? 8 : 6, params, error_r);
	if (res != NULL && PQntuples(res) == 0) {
		*error_r = update ?
			admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such rule %s", rule->name) :
			admin_error_of(db, ADMIN_ERROR_CONFLICT, "rule %s already exists",
				       rule->name);
	} else if (res != NULL) {
		*id_r = admin_result_int(res, 0, 0);
		id_param = admin_int_param(id_text, *id_r);
		if (!update || admin_command(db, sql->del_conds, 1, &id_param, error_r) >= 0)
			ret = admin_rule_insert_conds(db, sql, *id_r, rule, error_r);
	}
	if (res != NULL)
		PQclear(res);
	return admin_end(db, ret, error_r);
}

int admin_rule_add(struct admin_db *db, enum admin_rule_kind kind, const struct admin_rule *rule,
		   int64_t *id_r, const char **error_r)
{
	return admin_rule_store(db, kind, rule, false, id_r, error_r);
}

int admin_rule_update(struct admin_db *db, enum admin_rule_kind kind,
		      const struct admin_rule *rule, const char **error_r)
{
	int64_t id;

	return admin_rule_store(db, kind, rule, true, &id, error_r);
}

int admin_rule_del(struct admin_db *db, enum admin_rule_kind kind, const char *name,
		   const char **error_r)
{
	int ret = admin_command(db, admin_rule_sql[kind].del, 1, &name, error_r);

	if (ret == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such rule %s", name);
	return ret > 0 ? 0 : -1;
}

int admin_rule_page(struct admin_db *db, enum admin_rule_kind kind,
		    const struct admin_rule_query *query, admin_rule_cb *cb, void *context,
		    long long *total_r, const char **error_r)
{
	const char *sql = ADMIN_PAGE_ORDER(db, admin_rule_sorts[kind], &query->paging, error_r);
	char limit_text[24], offset_text[24];
	const char *params[4] = {
		query->name, admin_paging_limit(&query->paging, limit_text),
		admin_int_param(offset_text, query->paging.offset),
		admin_paging_search(&query->paging),
	};
	PGresult *res;
	int ret;

	if (sql == NULL)
		return -1;
	if ((res = admin_query(db, sql, 4, params, error_r)) == NULL)
		return -1;
	if (query->name != NULL && PQntuples(res) == 0) {
		PQclear(res);
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such rule %s",
					  query->name);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_rule rule = {
			.id = admin_result_int(res, i, 0),
			.name = PQgetvalue(res, i, 1),
			.priority = (int)admin_result_int(res, i, 2),
			.stage = PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
			.enabled = admin_result_bool(res, i, 4),
			.action = PQgetvalue(res, i, 5),
			.action_arg = PQgetvalue(res, i, 6),
			.weight = admin_result_int(res, i, 7),
			.comment = PQgetvalue(res, i, 8),
			.conditions_text = PQgetvalue(res, i, 9),
			.conditions_json = PQgetvalue(res, i, 10),
		};

		cb(&rule, context);
	}
	ret = admin_page_total(db, sql, 4, params, 1, 2, res, 11, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_rule_list(struct admin_db *db, enum admin_rule_kind kind, const char *name,
		    admin_rule_cb *cb, void *context, const char **error_r)
{
	struct admin_rule_query query = { .name = name, .paging.limit = -1 };
	long long total;

	return admin_rule_page(db, kind, &query, cb, context, &total, error_r);
}
