/*
 * admin-stats.c — traffic statistics (see admin-stats.h). Each statement
 * reads one window of an indexed time column (inbound_messages.received_at,
 * block_log.at), so a dashboard refresh stays cheap on a busy cluster.
 */
#include "admin-stats.h"

#include "admin-private.h"

#include <stddef.h>

int admin_stats_traffic(struct admin_db *db, int hours, admin_stats_hour_cb *cb, void *context,
			const char **error_r)
{
	/* $1 hours ending with the current one; sent counts recipients by
	   the time their last attempt finished */
	static const char sql[] =
		"WITH h AS (SELECT generate_series(date_trunc('hour', now())"
		"   - make_interval(hours => $1::int - 1), date_trunc('hour', now()),"
		"   interval '1 hour') AS hour),"
		" r AS (SELECT date_trunc('hour', received_at) AS hour, count(*) AS n"
		"   FROM inbound_messages WHERE received_at >= (SELECT min(hour) FROM h) GROUP BY 1),"
		" s AS (SELECT date_trunc('hour', updated_at) AS hour, count(*) AS n"
		"   FROM queue_recipients WHERE state = 'sent'"
		"   AND updated_at >= (SELECT min(hour) FROM h) GROUP BY 1)"
		" SELECT " ADMIN_SQL_TIME("h.hour") ", coalesce(r.n, 0), coalesce(s.n, 0)"
		" FROM h LEFT JOIN r USING (hour) LEFT JOIN s USING (hour) ORDER BY h.hour";
	char hours_text[24];
	const char *param = admin_int_param(hours_text, hours);
	PGresult *res;

	if (hours < 1 || hours > ADMIN_STATS_HOURS_MAX) {
		*error_r = admin_error(db, "hours must be 1 to %d", ADMIN_STATS_HOURS_MAX);
		return -1;
	}
	if ((res = admin_query(db, sql, 1, &param, error_r)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_stats_hour hour = {
			.hour = PQgetvalue(res, i, 0),
			.received = admin_result_int(res, i, 1),
			.sent = admin_result_int(res, i, 2),
		};

		cb(&hour, context);
	}
	PQclear(res);
	return 0;
}

/* Each statement: $1 hours, $2 limit; columns group, name, count. */
static const char *const admin_stats_top_sql[] = {
	[ADMIN_STATS_TOP_SENDERS] =
		"SELECT NULL, lower(mail_from), count(*) FROM inbound_messages"
		" WHERE received_at > now() - make_interval(hours => $1::int)"
		" GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT $2::int",
	[ADMIN_STATS_TOP_RECIPIENTS] =
		"SELECT NULL, lower(r), count(*) FROM inbound_messages, unnest(recipients) r"
		" WHERE received_at > now() - make_interval(hours => $1::int)"
		" GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT $2::int",
	[ADMIN_STATS_TOP_REJECTS] =
		"SELECT check_name, reason, count(*) FROM block_log"
		" WHERE at > now() - make_interval(hours => $1::int)"
		" GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT $2::int",
};

int admin_stats_top(struct admin_db *db, enum admin_stats_top top, int hours, int limit,
		    admin_stats_count_cb *cb, void *context, const char **error_r)
{
	char hours_text[24], limit_text[24];
	const char *params[2] = { admin_int_param(hours_text, hours),
				  admin_int_param(limit_text, limit) };
	PGresult *res = admin_query(db, admin_stats_top_sql[top], 2, params, error_r);

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		cb(PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		   admin_result_int(res, i, 2), context);
	PQclear(res);
	return 0;
}
