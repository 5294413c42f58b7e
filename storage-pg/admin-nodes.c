/*
 * admin-nodes.c — listing the nodes registry (see admin-nodes.h).
 */
#include "admin-nodes.h"

#include "admin-private.h"

int admin_nodes_list(struct admin_db *db, admin_node_cb *cb, void *context,
		     const char **error_r)
{
	static const char sql[] =
		"SELECT id, hostname, version, pid,"
		" " ADMIN_SQL_TIME("started_at") ", " ADMIN_SQL_TIME("last_seen") ","
		" sessions::text, floor(extract(epoch FROM now() - started_at))::bigint"
		" FROM nodes ORDER BY id";
	PGresult *res = admin_query(db, sql, 0, NULL, error_r);

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_node node = {
			.id = PQgetvalue(res, i, 0),
			.hostname = PQgetvalue(res, i, 1),
			.version = PQgetvalue(res, i, 2),
			.pid = admin_result_int(res, i, 3),
			.started_at = PQgetvalue(res, i, 4),
			.last_seen = PQgetvalue(res, i, 5),
			.sessions = PQgetvalue(res, i, 6),
			.uptime_seconds = admin_result_int(res, i, 7),
		};

		cb(&node, context);
	}
	PQclear(res);
	return 0;
}
