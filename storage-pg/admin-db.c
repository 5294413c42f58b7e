/*
 * admin-db.c — the blocking libpq connection of the admin operations and
 * the statement, transaction and result helpers they share (see
 * admin-db.h and admin-private.h).
 */
#include "admin-private.h"

#include "xalloc.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq messages may span lines ("...failed: ...\n\tIs the server
   running...?"): fold them into one line of single spaces. */
static void admin_one_line(char *text)
{
	char *out = text;
	bool space = false;

	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == ' ') {
			space = out != text;
			continue;
		}
		if (space)
			*out++ = ' ';
		space = false;
		*out++ = *p;
	}
	*out = '\0';
}

/* Notices ("relation already exists, skipping") are not for the operator. */
static void admin_notice_ignore(void *context, const PGresult *res)
{
}

int admin_db_connect(const char *conninfo, struct admin_db **db_r, const char **error_r)
{
	static char error[1024];
	static const char *const keywords[] = { "fallback_application_name", "dbname", NULL };
	const char *values[] = { "petrelctl", conninfo, NULL };
	PGconn *conn = PQconnectdbParams(keywords, values, 1);
	struct admin_db *db;

	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(error, sizeof(error), "cannot connect to the database: %s",
			 PQerrorMessage(conn));
		admin_one_line(error);
		PQfinish(conn);
		*error_r = error;
		return -1;
	}
	PQsetNoticeReceiver(conn, admin_notice_ignore, NULL);
	db = xcalloc(1, sizeof(*db));
	db->conn = conn;
	*db_r = db;
	return 0;
}

void admin_db_close(struct admin_db **db)
{
	if (*db == NULL)
		return;
	PQfinish((*db)->conn);
	free(*db);
	*db = NULL;
}

static const char *admin_error_v(struct admin_db *db, enum admin_error_kind kind,
				 const char *fmt, va_list ap)
{
	char text[sizeof(db->error)];

	vsnprintf(text, sizeof(text), fmt, ap);
	admin_one_line(text);
	memcpy(db->error, text, sizeof(text));
	db->error_kind = kind;
	return db->error;
}

const char *admin_error(struct admin_db *db, const char *fmt, ...)
{
	const char *error;
	va_list ap;

	va_start(ap, fmt);
	error = admin_error_v(db, ADMIN_ERROR_INVALID, fmt, ap);
	va_end(ap);
	return error;
}

const char *admin_error_of(struct admin_db *db, enum admin_error_kind kind, const char *fmt, ...)
{
	const char *error;
	va_list ap;

	va_start(ap, fmt);
	error = admin_error_v(db, kind, fmt, ap);
	va_end(ap);
	return error;
}

enum admin_error_kind admin_db_error_kind(const struct admin_db *db)
{
	return db->error_kind;
}

bool admin_db_connected(const struct admin_db *db)
{
	struct pollfd pfd = { .fd = PQsocket(db->conn), .events = POLLIN };

	/* an idle admin connection (no LISTEN) has nothing to read: anything
	   there is most likely the server's goodbye (a shutdown or restart),
	   which PQstatus() only reflects after a failed query; a needless
	   reconnect is cheaper than a failed request */
	return PQstatus(db->conn) == CONNECTION_OK && pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

static const char *admin_result_error(struct admin_db *db, const PGresult *res)
{
	const char *primary = res == NULL ? NULL :
		PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	return admin_error_of(db, ADMIN_ERROR_DATABASE, "database error: %s",
			   primary != NULL ? primary : PQerrorMessage(db->conn));
}

PGresult *admin_query(struct admin_db *db, const char *sql, int param_count,
		      const char *const *params, const char **error_r)
{
	PGresult *res = PQexecParams(db->conn, sql, param_count, NULL, params, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
		return res;
	*error_r = admin_result_error(db, res);
	PQclear(res);
	return NULL;
}

int admin_command(struct admin_db *db, const char *sql, int param_count,
		  const char *const *params, const char **error_r)
{
	PGresult *res = admin_query(db, sql, param_count, params, error_r);
	int count;

	if (res == NULL)
		return -1;
	count = atoi(PQcmdTuples(res));
	PQclear(res);
	return count;
}

int admin_script(struct admin_db *db, const char *sql, const char **error_r)
{
	PGresult *res = PQexec(db->conn, sql);
	ExecStatusType status = PQresultStatus(res);
	int ret = 0;

	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
		*error_r = admin_result_error(db, res);
		ret = -1;
	}
	PQclear(res);
	return ret;
}

int admin_begin(struct admin_db *db, const char **error_r)
{
	return admin_command(db, "BEGIN", 0, NULL, error_r) < 0 ? -1 : 0;
}

int admin_end(struct admin_db *db, int ret, const char **error_r)
{
	if (ret >= 0)
		return admin_command(db, "COMMIT", 0, NULL, error_r) < 0 ? -1 : ret;
	/* The error that made us roll back is the one worth reporting. */
	PQclear(PQexec(db->conn, "ROLLBACK"));
	return ret;
}

const char *admin_int_param(char buf[static 24], long long n)
{
	snprintf(buf, 24, "%lld", n);
	return buf;
}

long long admin_result_int(const PGresult *res, int row, int column)
{
	return strtoll(PQgetvalue(res, row, column), NULL, 10);
}

bool admin_result_bool(const PGresult *res, int row, int column)
{
	return PQgetvalue(res, row, column)[0] == 't';
}
