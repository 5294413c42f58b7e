/*
 * admin-bans.c — brute-force bans for operators (see admin-bans.h).
 */
#include "admin-bans.h"

#include "admin-page.h"
#include "admin-private.h"
#include "netlist.h"

#include <string.h>

int admin_ban_page(struct admin_db *db, long long offset, long long limit, admin_ban_cb *cb,
		   void *context, long long *total_r, const char **error_r)
{
	/* the last column counts every ban in force */
	static const char sql[] =
		"SELECT host(ip), reason, " ADMIN_SQL_TIME("created_at") ", "
		ADMIN_SQL_TIME("expires_at") ", count(*) OVER () FROM bans"
		" WHERE expires_at > now() ORDER BY created_at DESC, ip"
		" LIMIT $1::bigint OFFSET $2::bigint";
	char limit_text[24], offset_text[24];
	const char *params[2] = { limit < 0 ? NULL : admin_int_param(limit_text, limit),
				  admin_int_param(offset_text, offset) };
	PGresult *res = admin_query(db, sql, 2, params, error_r);
	int ret;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_ban ban = {
			.ip = PQgetvalue(res, i, 0),
			.reason = PQgetvalue(res, i, 1),
			.created_at = PQgetvalue(res, i, 2),
			.expires_at = PQgetvalue(res, i, 3),
		};

		cb(&ban, context);
	}
	ret = admin_page_total(db, sql, 2, params, 0, 1, res, 4, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_ban_list(struct admin_db *db, admin_ban_cb *cb, void *context, const char **error_r)
{
	long long total;

	return admin_ban_page(db, 0, -1, cb, context, &total, error_r);
}

int admin_ban_del(struct admin_db *db, const char *ip, const char **error_r)
{
	const char *error;
	int count;

	/* a single address, not a network or a list */
	if (netlist_contains(ip, "0.0.0.0", &error) < 0 || strpbrk(ip, ",/ \t") != NULL) {
		*error_r = admin_error(db, "invalid IP address '%s'", ip);
		return -1;
	}
	/* end it now rather than delete it: the row bounds the failures
	   counted towards the next ban (petrel_auth_failure) */
	count = admin_command(db, "UPDATE bans SET expires_at = now()"
			      " WHERE ip = $1::inet AND expires_at > now()", 1, &ip, error_r);
	if (count == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "%s is not banned", ip);
	return count > 0 ? 0 : -1;
}
