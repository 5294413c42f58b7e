/*
 * admin-milter-policy.c — petrel-milter's queries: one call of the
 * schema's policy functions each (see admin-milter-policy.h).
 */
#include "admin-milter-policy.h"

#include "admin-private.h"

#include <stdio.h>
#include <stdlib.h>

int admin_milter_ban_check(struct admin_db *db, const char *ip, char *reason, size_t size,
			   const char **error_r)
{
	const char *params[] = { ip };
	PGresult *res = admin_query(db, "SELECT reason FROM petrel_ban_check($1::inet)", 1,
				    params, error_r);
	int found;

	if (res == NULL)
		return -1;
	found = PQntuples(res) > 0;
	if (found)
		snprintf(reason, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

int admin_milter_list_lookup(struct admin_db *db, const char *ip, const char *sender,
			     bool *white_r, char *what, size_t size, const char **error_r)
{
	const char *params[] = { ip, sender };
	PGresult *res = admin_query(db, "SELECT kind, type, value "
				    "FROM petrel_policy_lookup($1::inet, $2)", 2, params, error_r);
	int found;

	if (res == NULL)
		return -1;
	found = PQntuples(res) > 0;
	if (found) {
		*white_r = PQgetvalue(res, 0, 0)[0] == 'w';
		snprintf(what, size, "%s %s", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return found;
}

int admin_milter_greylist_check(struct admin_db *db, const struct admin_milter_greylist *q,
				char *verdict, size_t size, const char **error_r)
{
	char v4[24], v6[24], delay[24], window[24], lifetime[24], auto_wl[24];
	const char *params[] = {
		q->ip, q->sender, q->recipient, admin_int_param(v4, q->v4_prefix),
		admin_int_param(v6, q->v6_prefix), admin_int_param(delay, q->delay),
		admin_int_param(window, q->window), admin_int_param(lifetime, q->lifetime),
		admin_int_param(auto_wl, q->auto_whitelist),
	};
	PGresult *res = admin_query(db, "SELECT petrel_greylist_check($1::inet, $2, $3, $4::int, "
				    "$5::int, $6::int, $7::int, $8::int, $9::int)", 9, params,
				    error_r);

	if (res == NULL)
		return -1;
	snprintf(verdict, size, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return 0;
}

long long admin_milter_domain_id(struct admin_db *db, const char *name, const char **error_r)
{
	const char *params[] = { name };
	PGresult *res = admin_query(db, "SELECT id FROM domains WHERE name = $1", 1, params,
				    error_r);
	long long id;

	if (res == NULL)
		return -1;
	id = PQntuples(res) > 0 ? admin_result_int(res, 0, 0) : 0;
	PQclear(res);
	return id;
}

int admin_milter_settings_load(struct admin_db *db, struct settings_cache *cache,
			       const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT scope, scope_id, name, value FROM settings", 0,
				    NULL, error_r);

	if (res == NULL)
		return -1;
	settings_cache_clear(cache);
	for (int i = 0; i < PQntuples(res); i++) {
		int scope = settings_scope_parse(PQgetvalue(res, i, 0));

		if (scope >= 0)
			settings_cache_put(cache, (enum setting_scope)scope,
					   strtoll(PQgetvalue(res, i, 1), NULL, 10),
					   PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	}
	PQclear(res);
	return 0;
}
