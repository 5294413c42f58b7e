/*
 * admin-domain.c — adding, deleting, listing and looking up domains (see
 * admin-domain.h).
 */
#include "admin-domain.h"

#include "admin-page.h"
#include "admin-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int admin_domain_lookup(struct admin_db *db, const char *input, int64_t *domain_id_r,
			const char **error_r)
{
	char *name = admin_domain_name_parse(db, input, error_r);
	PGresult *res;
	int ret = -1;

	if (name == NULL)
		return -1;
	res = admin_query(db, "SELECT id FROM domains WHERE name = $1",
			  1, (const char *const *)&name, error_r);
	if (res != NULL && PQntuples(res) == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such domain %s", name);
	} else if (res != NULL) {
		*domain_id_r = admin_result_int(res, 0, 0);
		ret = 0;
	}
	PQclear(res);
	free(name);
	return ret;
}

int admin_domain_filter(struct admin_db *db, const char *domain, char id_text[static 24],
			const char **param_r, const char **error_r)
{
	int64_t id;

	*param_r = NULL;
	if (domain == NULL)
		return 0;
	if (admin_domain_lookup(db, domain, &id, error_r) < 0)
		return -1;
	*param_r = admin_int_param(id_text, id);
	return 0;
}

int admin_domain_add(struct admin_db *db, const char *input, const char **error_r)
{
	char *name = admin_domain_name_parse(db, input, error_r);
	int ret;

	if (name == NULL)
		return -1;
	ret = admin_command(db, "INSERT INTO domains (name) VALUES ($1) "
			    "ON CONFLICT (name) DO NOTHING",
			    1, (const char *const *)&name, error_r);
	if (ret == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "domain %s already exists", name);
		ret = -1;
	}
	free(name);
	return ret < 0 ? -1 : 0;
}

int admin_domain_del(struct admin_db *db, const char *input, bool force, const char **error_r)
{
	/* Count and delete in one statement; cascades take accounts, their
	   mailboxes and messages, aliases and (by trigger) settings along. */
	static const char sql[] =
		"WITH d AS (SELECT id, (SELECT count(*) FROM accounts a"
		"                       WHERE a.domain_id = domains.id) AS accounts"
		"             FROM domains WHERE name = $1),"
		" gone AS (DELETE FROM domains WHERE id IN"
		"           (SELECT id FROM d WHERE $2::boolean OR accounts = 0) RETURNING id)"
		" SELECT accounts, EXISTS (SELECT 1 FROM gone) FROM d";
	char *name = admin_domain_name_parse(db, input, error_r);
	const char *params[2] = { name, force ? "true" : "false" };
	PGresult *res;
	int ret = -1;

	if (name == NULL)
		return -1;
	res = admin_query(db, sql, 2, params, error_r);
	if (res != NULL) {
		long long accounts = PQntuples(res) == 0 ? 0 : admin_result_int(res, 0, 0);

		if (PQntuples(res) == 0)
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such domain %s", name);
		else if (!admin_result_bool(res, 0, 1))
			*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "domain %s still has %lld account%s",
					       name, accounts, accounts == 1 ? "" : "s");
		else
			ret = 0;
		PQclear(res);
	}
	free(name);
	return ret;
}

/* The columns admin_domain_row() reads, from domains d. */
#define ADMIN_DOMAIN_COLUMNS                                                  \
	"d.name,"                                                             \
	" (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id),"        \
	" (SELECT count(*) FROM aliases al WHERE al.domain_id = d.id),"       \
	" " ADMIN_SQL_TIME("d.created_at")

static void admin_domain_row(const PGresult *res, int row, admin_domain_cb *cb, void *context)
{
	struct admin_domain domain = {
		.name = PQgetvalue(res, row, 0),
		.accounts = admin_result_int(res, row, 1),
		.aliases = admin_result_int(res, row, 2),
		.created_at = PQgetvalue(res, row, 3),
	};

	cb(&domain, context);
}

int admin_domain_list(struct admin_db *db, admin_domain_cb *cb, void *context,
		      const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT " ADMIN_DOMAIN_COLUMNS
				    " FROM domains d ORDER BY d.name", 0, NULL, error_r);

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		admin_domain_row(res, i, cb, context);
	PQclear(res);
	return 0;
}

int admin_domain_get(struct admin_db *db, const char *input, admin_domain_cb *cb, void *context,
		     const char **error_r)
{
	char *name = admin_domain_name_parse(db, input, error_r);
	PGresult *res;
	int ret = -1;

	if (name == NULL)
		return -1;
	res = admin_query(db, "SELECT " ADMIN_DOMAIN_COLUMNS " FROM domains d WHERE d.name = $1",
			  1, (const char *const *)&name, error_r);
	if (res != NULL && PQntuples(res) == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such domain %s", name);
	} else if (res != NULL) {
		admin_domain_row(res, 0, cb, context);
		ret = 0;
	}
	PQclear(res);
	free(name);
	return ret;
}

int admin_domain_rename(struct admin_db *db, const char *input, const char *new_input,
			const char **error_r)
{
	char *name = admin_domain_name_parse(db, input, error_r), *new_name = NULL;
	int ret = -1;

	if (name != NULL && (new_name = admin_domain_name_parse(db, new_input, error_r)) != NULL) {
		const char *params[2] = { name, new_name };

		ret = admin_command(db, "UPDATE domains SET name = $2 WHERE name = $1 AND NOT EXISTS"
				    " (SELECT 1 FROM domains WHERE name = $2 AND name <> $1)",
				    2, params, error_r);
		if (ret == 0 && admin_domain_lookup(db, new_name, &(int64_t){ 0 }, error_r) == 0)
			*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT,
						  "domain %s already exists", new_name);
		else if (ret == 0)
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such domain %s", name);
	}
	free(name);
	free(new_name);
	return ret > 0 ? 0 : -1;
}

/* The domains of admin $1 (NULL: all) whose name holds $2, in order; the
   last column counts every match. */
#define ADMIN_DOMAIN_PAGE(order) \
	"SELECT " ADMIN_DOMAIN_COLUMNS ", count(*) OVER ()" \
	" FROM domains d WHERE ($1::bigint IS NULL OR d.id IN (SELECT domain_id" \
	" FROM admin_domains WHERE admin_id = $1))" \
	" AND ($2::text IS NULL OR strpos(d.name, lower($2)) > 0)" \
	" ORDER BY " order " LIMIT $3 OFFSET $4"

static const struct admin_sort admin_domain_sorts[] = {
	ADMIN_SORT(ADMIN_DOMAIN_PAGE, "name", "d.name", "d.name DESC"),
	ADMIN_SORT(ADMIN_DOMAIN_PAGE, "created_at", "d.created_at, d.name",
		   "d.created_at DESC, d.name DESC"),
	ADMIN_SORT(ADMIN_DOMAIN_PAGE, "accounts", "2, d.name", "2 DESC, d.name DESC"),
	ADMIN_SORT(ADMIN_DOMAIN_PAGE, "aliases", "3, d.name", "3 DESC, d.name DESC"),
};

int admin_domain_page(struct admin_db *db, const struct admin_domain_query *query,
		      admin_domain_cb *cb, void *context, long long *total_r,
		      const char **error_r)
{
	const char *sql = ADMIN_PAGE_ORDER(db, admin_domain_sorts, &query->paging, error_r);
	char admin_text[24], limit_text[24], offset_text[24];
	const char *params[4] = {
		query->admin_id > 0 ? admin_int_param(admin_text, query->admin_id) : NULL,
		admin_paging_search(&query->paging), admin_paging_limit(&query->paging, limit_text),
		admin_int_param(offset_text, query->paging.offset),
	};
	PGresult *res;
	int ret;

	if (sql == NULL || (res = admin_query(db, sql, 4, params, error_r)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		admin_domain_row(res, i, cb, context);
	ret = admin_page_total(db, sql, 4, params, 2, 3, res, 4, total_r, error_r);
	PQclear(res);
	return ret;
}
