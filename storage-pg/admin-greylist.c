/*
 * admin-greylist.c — greylisting state for operators (see
 * admin-greylist.h).
 */
#include "admin-greylist.h"

#include "admin-page.h"
#include "admin-private.h"

#include <stddef.h>
#include <string.h>

static const char *admin_greylist_value(const PGresult *res, int row, int column)
{
	return PQgetisnull(res, row, column) ? NULL : PQgetvalue(res, row, column);
}

/* The rows: networks (part 0) then triplets (part 1), each with the
   times its sorts use (a network's are its expires_at), searched by $3;
   the %s is the ORDER BY keys after the part, the last column counts
   every match. */
#define ADMIN_GREYLIST_PAGE(order) \
	"SELECT g.network, g.sender, g.recipient, g.state, g.attempts, g.passes," \
	" " ADMIN_SQL_TIME("g.first_seen") ", " ADMIN_SQL_TIME("g.last_seen") "," \
	" " ADMIN_SQL_TIME("g.expires_at") ", count(*) OVER () FROM (" \
	" SELECT network::text AS network, NULL::text AS sender, NULL::text AS recipient," \
	"  CASE WHEN whitelisted_until > now() THEN 'whitelisted' ELSE 'counting' END AS state," \
	"  0 AS attempts, passes, NULL::timestamptz AS first_seen," \
	"  NULL::timestamptz AS last_seen, expires_at, 0 AS part," \
	"  expires_at AS first_key, expires_at AS last_key" \
	" FROM greylist_networks" \
	" UNION ALL" \
	" SELECT network::text, sender, recipient," \
	"  CASE WHEN whitelisted_until > now() THEN 'whitelisted' ELSE 'greylisted' END," \
	"  attempts, passes, first_seen, last_seen, expires_at, 1, first_seen, last_seen" \
	" FROM greylist) g" \
	" WHERE $3::text IS NULL OR strpos(lower(g.network), lower($3)) > 0" \
	"  OR strpos(lower(g.sender), lower($3)) > 0" \
	"  OR strpos(lower(g.recipient), lower($3)) > 0" \
	"  OR strpos(g.state, lower($3)) > 0" \
	" ORDER BY g.part, " order " LIMIT $1::bigint OFFSET $2::bigint"

/* ORDER BY keys by sort name, the first the default; (network, sender,
   recipient) is unique, so the order is total. Never the caller's text. */
static const struct admin_sort admin_greylist_sorts[] = {
	ADMIN_SORT(ADMIN_GREYLIST_PAGE, "last_seen",
		   "g.last_key, g.network, g.sender, g.recipient",
		   "g.last_key DESC, g.network DESC, g.sender DESC, g.recipient DESC"),
	ADMIN_SORT(ADMIN_GREYLIST_PAGE, "first_seen",
		   "g.first_key, g.network, g.sender, g.recipient",
		   "g.first_key DESC, g.network DESC, g.sender DESC, g.recipient DESC"),
	ADMIN_SORT(ADMIN_GREYLIST_PAGE, "expires_at",
		   "g.expires_at, g.network, g.sender, g.recipient",
		   "g.expires_at DESC, g.network DESC, g.sender DESC, g.recipient DESC"),
};

int admin_greylist_page(struct admin_db *db, const struct admin_greylist_query *query,
			admin_greylist_cb *cb, void *context, long long *total_r,
			const char **error_r)
{
	const char *sql = ADMIN_PAGE_ORDER(db, admin_greylist_sorts, &query->paging, error_r);
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
	ret = admin_page_total(db, sql, 3, params, 0, 1, res, 9, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_greylist_list(struct admin_db *db, admin_greylist_cb *cb, void *context,
			const char **error_r)
{
	struct admin_greylist_query query = {
		.paging.descending = true, .paging.limit = ADMIN_GREYLIST_LIST_MAX,
	};
	long long total;

	return admin_greylist_page(db, &query, cb, context, &total, error_r);
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
