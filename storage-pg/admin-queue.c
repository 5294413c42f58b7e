/*
 * admin-queue.c — the outbound queue for operators (see admin-queue.h).
 *
 * Listing aggregates each message's recipients in one statement; retry
 * goes through petrel_queue_retry() so the runners get their NOTIFY.
 * Statements touch only waiting rows ('queued', 'deferred'): a runner's
 * claim takes its rows FOR UPDATE, and PostgreSQL re-checks the state of
 * a row it had to wait for, so a row claimed meanwhile is left alone.
 */
#include "admin-queue.h"

#include "admin-page.h"
#include "admin-private.h"

#include <stddef.h>
#include <string.h>

#define ADMIN_QUEUE_WAITING "('queued', 'deferred')"

/* One message row: its columns, then the recipients aggregated over
   "FROM <m> m LEFT JOIN queue_recipients r ON r.message_id = m.id". */
#define ADMIN_QUEUE_MESSAGE_COLUMNS \
	"m.queue_id, m.node_id, m.sender, count(r.id)," \
	" count(r.id) FILTER (WHERE r.state IN ('queued', 'deferred', 'delivering')), m.size," \
	" " ADMIN_SQL_TIME("m.created_at") ", " ADMIN_SQL_TIME("m.expires_at") "," \
	" " ADMIN_SQL_TIME("min(r.next_attempt_at) FILTER (WHERE r.state IN " \
			   ADMIN_QUEUE_WAITING ")") "," \
	" (array_agg(r.last_error ORDER BY r.updated_at DESC, r.id DESC)" \
	"   FILTER (WHERE r.last_error <> ''))[1]"
#define ADMIN_QUEUE_MESSAGE_JOIN " m LEFT JOIN queue_recipients r ON r.message_id = m.id"
#define ADMIN_QUEUE_MESSAGE_GROUP \
	" GROUP BY m.id, m.queue_id, m.node_id, m.sender, m.size, m.created_at, m.expires_at"

#define ADMIN_STR(x) #x
#define ADMIN_XSTR(x) ADMIN_STR(x)

static const char *const admin_queue_states[] = {
	"queued", "delivering", "deferred", "sent", "failed", "expired",
};

static const char *admin_value(const PGresult *res, int row, int column)
{
	return PQgetisnull(res, row, column) ? NULL : PQgetvalue(res, row, column);
}

/* Hand each row of res (ADMIN_QUEUE_MESSAGE_COLUMNS) to cb. */
static void admin_queue_messages_emit(const PGresult *res, admin_queue_message_cb *cb,
				      void *context)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_queue_message msg = {
			.queue_id = PQgetvalue(res, i, 0),
			.node_id = PQgetvalue(res, i, 1),
			.sender = PQgetvalue(res, i, 2),
			.recipients = admin_result_int(res, i, 3),
			.pending = admin_result_int(res, i, 4),
			.size = admin_result_int(res, i, 5),
			.queued_at = PQgetvalue(res, i, 6),
			.expires_at = PQgetvalue(res, i, 7),
			.next_attempt = admin_value(res, i, 8),
			.last_error = admin_value(res, i, 9),
		};

		cb(&msg, context);
	}
}

static int admin_queue_state_check(struct admin_db *db, const char *state,
				   const char **error_r)
{
	if (state == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(admin_queue_states) / sizeof(admin_queue_states[0]); i++) {
		if (strcmp(state, admin_queue_states[i]) == 0)
			return 0;
	}
	*error_r = admin_error(db, "invalid state '%s': expected queued, delivering, deferred, "
			       "sent, failed or expired", state);
	return -1;
}

static int admin_queue_totals_get(struct admin_db *db, const char *const params[2],
				  struct admin_queue_totals *totals_r, const char **error_r)
{
	static const char sql[] =
		"SELECT count(DISTINCT message_id), count(*),"
		" count(*) FILTER (WHERE state = 'queued'),"
		" count(*) FILTER (WHERE state = 'deferred'),"
		" count(*) FILTER (WHERE state = 'delivering'),"
		" count(*) FILTER (WHERE state IN ('sent', 'failed', 'expired'))"
		" FROM queue_recipients"
		" WHERE ($1::text IS NULL OR domain = lower($1)) AND ($2::text IS NULL OR state = $2)";
	PGresult *res = admin_query(db, sql, 2, params, error_r);

	if (res == NULL)
		return -1;
	*totals_r = (struct admin_queue_totals){
		.messages = admin_result_int(res, 0, 0),
		.recipients = admin_result_int(res, 0, 1),
		.queued = admin_result_int(res, 0, 2),
		.deferred = admin_result_int(res, 0, 3),
		.delivering = admin_result_int(res, 0, 4),
		.done = admin_result_int(res, 0, 5),
	};
	PQclear(res);
	return 0;
}

/* Messages having a recipient that matches $1 domain, $2 state and $3
   search (queue id, or a substring of the sender or a recipient), with
   $4 LIMIT (NULL = all) and $5 OFFSET; the last column is the count of
   every match. */
#define ADMIN_QUEUE_PAGE_SQL(order) \
	"SELECT " ADMIN_QUEUE_MESSAGE_COLUMNS ", m.total FROM" \
	" (SELECT q.*, count(*) OVER () AS total FROM queue_messages q WHERE EXISTS" \
	"   (SELECT 1 FROM queue_recipients f WHERE f.message_id = q.id" \
	"     AND ($1::text IS NULL OR f.domain = lower($1))" \
	"     AND ($2::text IS NULL OR f.state = $2)" \
	"     AND ($3::text IS NULL OR q.queue_id = $3" \
	"       OR strpos(lower(q.sender), lower($3)) > 0" \
	"       OR strpos(lower(f.recipient), lower($3)) > 0))" \
	"  ORDER BY q.created_at " order ", q.id " order \
	"  LIMIT $4::bigint OFFSET $5::bigint)" ADMIN_QUEUE_MESSAGE_JOIN \
	ADMIN_QUEUE_MESSAGE_GROUP ", m.total ORDER BY m.created_at " order ", m.id " order

int admin_queue_page(struct admin_db *db, const struct admin_queue_query *query,
		     admin_queue_message_cb *cb, void *context, long long *total_r,
		     const char **error_r)
{
	static const char asc_sql[] = ADMIN_QUEUE_PAGE_SQL("ASC");
	static const char desc_sql[] = ADMIN_QUEUE_PAGE_SQL("DESC");
	char limit[24], offset[24];
	const char *sql = query->paging.descending ? desc_sql : asc_sql;
	const char *params[5] = {
		query->domain, query->state, query->paging.search,
		admin_paging_limit(&query->paging, limit),
		admin_int_param(offset, query->paging.offset),
	};
	PGresult *res;
	int ret;

	if (admin_queue_state_check(db, query->state, error_r) < 0)
		return -1;
	res = admin_query(db, sql, 5, params, error_r);
	if (res == NULL)
		return -1;
	admin_queue_messages_emit(res, cb, context);
	ret = admin_page_total(db, sql, 5, params, 3, 4, res, 10, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_queue_list(struct admin_db *db, const char *domain, const char *state,
		     admin_queue_message_cb *cb, void *context,
		     struct admin_queue_totals *totals_r, const char **error_r)
{
	struct admin_queue_query query = {
		.domain = domain, .state = state, .paging.limit = ADMIN_QUEUE_LIST_MAX,
		.paging.descending = true,
	};
	const char *params[2] = { domain, state };
	long long total;

	if (admin_queue_state_check(db, state, error_r) < 0 ||
	    admin_queue_totals_get(db, params, totals_r, error_r) < 0)
		return -1;
	return admin_queue_page(db, &query, cb, context, &total, error_r);
}

int admin_queue_summary(struct admin_db *db, struct admin_queue_totals *totals_r,
			admin_queue_domain_cb *cb, void *context, const char **error_r)
{
	static const char sql[] =
		"SELECT domain, count(*) FROM queue_recipients WHERE state IN "
		ADMIN_QUEUE_WAITING " GROUP BY domain ORDER BY count(*) DESC, domain"
		" LIMIT " ADMIN_XSTR(ADMIN_QUEUE_TOP_DOMAINS);
	const char *params[2] = { NULL, NULL };
	PGresult *res;

	if (admin_queue_totals_get(db, params, totals_r, error_r) < 0)
		return -1;
	if (cb == NULL)
		return 0;
	if ((res = admin_query(db, sql, 0, NULL, error_r)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		cb(PQgetvalue(res, i, 0), admin_result_int(res, i, 1), context);
	PQclear(res);
	return 0;
}

static void admin_queue_recipients_emit(const PGresult *res, admin_queue_recipient_cb *cb,
					void *context)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_queue_recipient rcpt = {
			.recipient = PQgetvalue(res, i, 0),
			.state = PQgetvalue(res, i, 1),
			.attempts = admin_result_int(res, i, 2),
			.next_attempt = admin_value(res, i, 3),
			.last_code = admin_value(res, i, 4),
			.last_error = admin_value(res, i, 5),
			.lease_node = admin_value(res, i, 6),
			.lease_until = admin_value(res, i, 7),
		};

		cb(&rcpt, context);
	}
}

int admin_queue_show(struct admin_db *db, const char *queue_id,
		     admin_queue_message_cb *msg_cb, admin_queue_recipient_cb *rcpt_cb,
		     void *context, const char **error_r)
{
	static const char msg_sql[] =
		"SELECT " ADMIN_QUEUE_MESSAGE_COLUMNS " FROM queue_messages" ADMIN_QUEUE_MESSAGE_JOIN
		" WHERE m.queue_id = $1" ADMIN_QUEUE_MESSAGE_GROUP;
	static const char rcpt_sql[] =
		"SELECT r.recipient, r.state, r.attempts,"
		" CASE WHEN r.state IN " ADMIN_QUEUE_WAITING " THEN "
		ADMIN_SQL_TIME("r.next_attempt_at") " END,"
		" r.last_code::text, nullif(r.last_error, ''), r.lease_node, "
		ADMIN_SQL_TIME("r.lease_until")
		" FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id"
		" WHERE m.queue_id = $1 ORDER BY r.id";
	PGresult *res;

	/* one snapshot for both statements */
	if (admin_begin(db, error_r) < 0)
		return -1;
	res = admin_query(db, msg_sql, 1, &queue_id, error_r);
	if (res != NULL && PQntuples(res) == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such queued message %s", queue_id);
	if (res == NULL || PQntuples(res) == 0) {
		PQclear(res);
		return admin_end(db, -1, error_r);
	}
	admin_queue_messages_emit(res, msg_cb, context);
	PQclear(res);
	res = admin_query(db, rcpt_sql, 1, &queue_id, error_r);
	if (res != NULL) {
		admin_queue_recipients_emit(res, rcpt_cb, context);
		PQclear(res);
	}
	return admin_end(db, res != NULL ? 0 : -1, error_r);
}

/* -1 with "no such queued message ID" unless it exists (or queue_id is NULL). */
static int admin_queue_exists(struct admin_db *db, const char *queue_id, const char **error_r)
{
	PGresult *res;
	int ret;

	if (queue_id == NULL)
		return 0;
	res = admin_query(db, "SELECT 1 FROM queue_messages WHERE queue_id = $1", 1, &queue_id,
			  error_r);
	if (res == NULL)
		return -1;
	ret = PQntuples(res) > 0 ? 0 : -1;
	PQclear(res);
	if (ret < 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such queued message %s", queue_id);
	return ret;
}

int admin_queue_retry(struct admin_db *db, const char *queue_id, long long *count_r,
		      const char **error_r)
{
	static const char sql[] =
		"SELECT petrel_queue_retry(CASE WHEN $1::text IS NULL THEN NULL"
		" ELSE ARRAY[$1::text] END)";
	PGresult *res;

	if (admin_queue_exists(db, queue_id, error_r) < 0)
		return -1;
	res = admin_query(db, sql, 1, &queue_id, error_r);
	if (res == NULL)
		return -1;
	*count_r = admin_result_int(res, 0, 0);
	PQclear(res);
	return 0;
}

/* Delete the waiting recipients; the result is their count and the ids
   of their messages as an array literal. */
static PGresult *admin_queue_delete_recipients(struct admin_db *db, const char *queue_id,
					       const char **error_r)
{
	static const char sql[] =
		"WITH gone AS (DELETE FROM queue_recipients r USING queue_messages m"
		"  WHERE m.id = r.message_id AND r.state IN " ADMIN_QUEUE_WAITING
		"    AND ($1::text IS NULL OR m.queue_id = $1)"
		"  RETURNING r.message_id)"
		" SELECT count(*), coalesce(array_agg(DISTINCT message_id), '{}')::text FROM gone";

	return admin_query(db, sql, 1, &queue_id, error_r);
}

int admin_queue_delete(struct admin_db *db, const char *queue_id, long long *recipients_r,
		       long long *messages_r, const char **error_r)
{
	/* A later statement, so it sees the recipients still there (sent,
	   failed, or claimed meanwhile) and keeps their message. */
	static const char sql[] =
		"DELETE FROM queue_messages m WHERE m.id = ANY ($1::bigint[])"
		" AND NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.message_id = m.id)";
	PGresult *res;
	const char *ids;
	int ret;

	if (admin_begin(db, error_r) < 0)
		return -1;
	if (admin_queue_exists(db, queue_id, error_r) < 0 ||
	    (res = admin_queue_delete_recipients(db, queue_id, error_r)) == NULL)
		return admin_end(db, -1, error_r);
	*recipients_r = admin_result_int(res, 0, 0);
	ids = PQgetvalue(res, 0, 1);
	ret = admin_command(db, sql, 1, &ids, error_r);
	PQclear(res);
	if (ret >= 0)
		*messages_r = ret;
	return admin_end(db, ret < 0 ? -1 : 0, error_r);
}
