/*
 * admin-bans.c — brute-force bans for operators (see admin-bans.h).
 */
#include "admin-bans.h"

#include "admin-private.h"
#include "netlist.h"

#include <string.h>

int admin_ban_list(struct admin_db *db, admin_ban_cb *cb, void *context, const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT host(ip), reason, " ADMIN_SQL_TIME("created_at")
				    ", " ADMIN_SQL_TIME("expires_at") " FROM bans"
				    " WHERE expires_at > now() ORDER BY created_at DESC, ip",
				    0, NULL, error_r);

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
	PQclear(res);
	return 0;
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
