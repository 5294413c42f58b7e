/*
 * admin-bans.c — brute-force bans for operators (see admin-bans.h).
 */
#include "admin-bans.h"

#include "admin-page.h"
#include "admin-private.h"
#include "netlist.h"

#include <string.h>

/* The bans in force searched by $3; the %s is the ORDER BY keys, the
   last column counts every match. */
#define ADMIN_BAN_PAGE(order) \
	"SELECT host(ip), reason, " ADMIN_SQL_TIME("created_at") ", " \
	ADMIN_SQL_TIME("expires_at") ", count(*) OVER () FROM bans" \
	" WHERE expires_at > now()" \
	"  AND ($3::text IS NULL OR strpos(host(ip), lower($3)) > 0" \
	"   OR strpos(lower(reason), lower($3)) > 0)" \
	" ORDER BY " order " LIMIT $1::bigint OFFSET $2::bigint"

/* ORDER BY keys by sort name, the first the default, the address (the
   key) the tie-break. Never the caller's text. */
static const struct admin_sort admin_ban_sorts[] = {
	ADMIN_SORT(ADMIN_BAN_PAGE, "created_at", "created_at, ip",
		   "created_at DESC, ip DESC"),
	ADMIN_SORT(ADMIN_BAN_PAGE, "expires_at", "expires_at, ip",
		   "expires_at DESC, ip DESC"),
	ADMIN_SORT(ADMIN_BAN_PAGE, "ip", "ip",
		   "ip DESC"),
};

int admin_ban_page(struct admin_db *db, const struct admin_ban_query *query, admin_ban_cb *cb,
		   void *context, long long *total_r, const char **error_r)
{
	const char *sql = ADMIN_PAGE_ORDER(db, admin_ban_sorts, &query->paging, error_r);
	char limit_text[24], offset_text[24];
	const char *params[3] = {
		admin_paging_limit(&query->paging, limit_text),
		admin_int_param(offset_text, query->paging.offset),
		admin_paging_search(&query->paging),
	};
	PGresult *res;
	int ret;

	if (sql == NULL)
		return -1;
	if ((res = admin_query(db, sql, 3, params, error_r)) == NULL)
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
	ret = admin_page_total(db, sql, 3, params, 0, 1, res, 4, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_ban_list(struct admin_db *db, admin_ban_cb *cb, void *context, const char **error_r)
{
	struct admin_ban_query query = { .paging.descending = true, .paging.limit = -1 };
	long long total;

	return admin_ban_page(db, &query, cb, context, &total, error_r);
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
