/*
 * admin-domain.c — adding, deleting, listing and looking up domains (see
 * admin-domain.h).
 */
#include "admin-domain.h"

#include "admin-private.h"

#include <stdlib.h>

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

int admin_domain_list(struct admin_db *db, admin_domain_cb *cb, void *context,
		      const char **error_r)
{
	static const char sql[] =
		"SELECT d.name,"
		" (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id),"
		" (SELECT count(*) FROM aliases al WHERE al.domain_id = d.id),"
		" " ADMIN_SQL_TIME("d.created_at")
		" FROM domains d ORDER BY d.name";
	PGresult *res = admin_query(db, sql, 0, NULL, error_r);

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_domain domain = {
			.name = PQgetvalue(res, i, 0),
			.accounts = admin_result_int(res, i, 1),
			.aliases = admin_result_int(res, i, 2),
			.created_at = PQgetvalue(res, i, 3),
		};

		cb(&domain, context);
	}
	PQclear(res);
	return 0;
}
