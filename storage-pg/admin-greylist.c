/*
 * admin-greylist.c — greylisting state for operators (see
 * admin-greylist.h).
 */
#include "admin-greylist.h"

#include "admin-page.h"
#include "admin-private.h"

#include <stddef.h>

static const char *admin_greylist_value(const PGresult *res, int row, int column)
{
	return PQgetisnull(res, row, column) ? NULL : PQgetvalue(res, row, column);
}

int admin_greylist_page(struct admin_db *db, long long offset, long long limit,
			admin_greylist_cb *cb, void *context, long long *total_r,
			const char **error_r)
{
	/* networks first (NULL first_seen), then the triplets, newest first;
	   the last column counts every row */
	static const char sql[] =
		"SELECT *, count(*) OVER () FROM ("
		" SELECT network::text, NULL::text, NULL::text,"
		"  CASE WHEN whitelisted_until > now() THEN 'whitelisted' ELSE 'counting' END,"
		"  0, passes, NULL::text, NULL::text, " ADMIN_SQL_TIME("expires_at") ","
		"  0 AS part, expires_at AS seen"
		" FROM greylist_networks"
		" UNION ALL"
		" SELECT network::text, sender, recipient,"
		"  CASE WHEN whitelisted_until > now() THEN 'whitelisted' ELSE 'greylisted' END,"
		"  attempts, passes, " ADMIN_SQL_TIME("first_seen") ", "
		ADMIN_SQL_TIME("last_seen") ", " ADMIN_SQL_TIME("expires_at") ", 1, last_seen"
		" FROM greylist) g"
		" ORDER BY part, seen DESC LIMIT $1::bigint OFFSET $2::bigint";
	char limit_text[24], offset_text[24];
	const char *params[2] = { admin_int_param(limit_text, limit),
				  admin_int_param(offset_text, offset) };
	PGresult *res = admin_query(db, sql, 2, params, error_r);
	int ret;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_greylist_entry e = {
			.network = PQgetvalue(res, i, 0),
			.sender = admin_greylist_value(res, i, 1),
			.recipient = admin_greylist_value(res, i, 2),
			.state = PQgetvalue(res, i, 3),
			.attempts = admin_result_int(res, i, 4),
			.passes = admin_result_int(res, i, 5),
			.first_seen = admin_greylist_value(res, i, 6),
			.last_seen = admin_greylist_value(res, i, 7),
			.expires_at = PQgetvalue(res, i, 8),
		};

		cb(&e, context);
	}
	ret = admin_page_total(db, sql, 2, params, 0, 1, res, 11, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_greylist_list(struct admin_db *db, admin_greylist_cb *cb, void *context,
			const char **error_r)
{
	long long total;

	return admin_greylist_page(db, 0, ADMIN_GREYLIST_LIST_MAX, cb, context, &total, error_r);
}

int admin_greylist_flush(struct admin_db *db, long long older_seconds, long long *count_r,
			 const char **error_r)
{
	/* --older picks triplets by last_seen; a network keeps no time of
	   its last use, so only a full flush removes networks */
	static const char sql[] =
		"WITH t AS (DELETE FROM greylist"
		"  WHERE $1::bigint IS NULL OR last_seen < now() - make_interval(secs => $1::bigint)"
		"  RETURNING 1),"
		" n AS (DELETE FROM greylist_networks WHERE $1::bigint IS NULL RETURNING 1)"
		" SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM n)";
	char older[24];
	const char *param = older_seconds < 0 ? NULL : admin_int_param(older, older_seconds);
	PGresult *res = admin_query(db, sql, 1, &param, error_r);

	if (res == NULL)
		return -1;
	*count_r = admin_result_int(res, 0, 0);
	PQclear(res);
	return 0;
}
