/*
 * admin-migrate.c — applying the embedded schema migrations and reporting
 * their state (see admin-migrate.h).
 */
#include "admin-migrate.h"

#include "admin-private.h"
#include "schema-migrations.h"

#include <stdbool.h>
#include <stdio.h>

/* pg_advisory_xact_lock() key serialising migrations: "petrel" in ASCII. */
#define ADMIN_MIGRATE_LOCK_KEY "123581047661932"

static const char admin_migrate_table_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version int PRIMARY KEY,"
	" name text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

/* Inside an open transaction holding the lock: apply m unless it already
   is. Returns 1 when applied (with its time in applied_at_r), 0 when it
   already was, -1 on error. */
static int admin_migrate_pending_one(struct admin_db *db, const struct schema_migration *m,
				     char applied_at_r[static 32], const char **error_r)
{
	char version[24];
	const char *params[2] = { admin_int_param(version, m->version), m->name };
	PGresult *res;
	bool applied;

	res = admin_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1",
			  1, params, error_r);
	if (res == NULL)
		return -1;
	applied = PQntuples(res) > 0;
	PQclear(res);
	if (applied)
		return 0;
	if (admin_script(db, m->sql, error_r) < 0) {
		*error_r = admin_error(db, "migration %03d_%s failed: %s", m->version, m->name,
				       *error_r);
		return -1;
	}
	res = admin_query(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"
			  " RETURNING " ADMIN_SQL_TIME("applied_at"), 2, params, error_r);
	if (res == NULL)
		return -1;
	snprintf(applied_at_r, 32, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 1;
}

static int admin_migrate_one(struct admin_db *db, const struct schema_migration *m,
			     char applied_at_r[static 32], const char **error_r)
{
	int ret;

	if (admin_begin(db, error_r) < 0)
		return -1;
	ret = admin_command(db, "SELECT pg_advisory_xact_lock(" ADMIN_MIGRATE_LOCK_KEY ")",
			    0, NULL, error_r);
	if (ret >= 0)
		ret = admin_command(db, admin_migrate_table_sql, 0, NULL, error_r);
	if (ret >= 0)
		ret = admin_migrate_pending_one(db, m, applied_at_r, error_r);
	return admin_end(db, ret, error_r);
}

int admin_migrate(struct admin_db *db, admin_migration_cb *cb, void *context,
		  const char **error_r)
{
	int applied = 0;

	for (size_t i = 0; i < schema_migration_count; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		char applied_at[32];
		int ret = admin_migrate_one(db, m, applied_at, error_r);

		if (ret < 0)
			return -1;
		if (ret > 0) {
			struct admin_migration done = { m->version, m->name, applied_at };

			applied++;
			cb(&done, context);
		}
	}
	return applied;
}

/* Merge the embedded list with the applied rows (version, name, applied_at;
   both sorted by version). */
static void admin_migrate_merge(const PGresult *res, admin_migration_cb *cb, void *context)
{
	int rows = res == NULL ? 0 : PQntuples(res), row = 0;
	size_t i = 0;

	while (i < schema_migration_count || row < rows) {
		int applied_version = row < rows ? (int)admin_result_int(res, row, 0) : 0;
		struct admin_migration m = { 0 };

		if (row < rows && (i == schema_migration_count ||
				   applied_version <= schema_migrations[i].version)) {
			m.version = applied_version;
			m.name = PQgetvalue(res, row, 1);
			m.applied_at = PQgetvalue(res, row, 2);
			if (i < schema_migration_count && applied_version == schema_migrations[i].version)
				i++;
			row++;
		} else {
			m.version = schema_migrations[i].version;
			m.name = schema_migrations[i].name;
			i++;
		}
		cb(&m, context);
	}
}

int admin_migrate_status(struct admin_db *db, admin_migration_cb *cb, void *context,
			 const char **error_r)
{
	static const char sql[] =
		"SELECT version, name, " ADMIN_SQL_TIME("applied_at")
		" FROM schema_migrations ORDER BY version";
	PGresult *res = admin_query(db, "SELECT to_regclass('schema_migrations') IS NOT NULL",
				    0, NULL, error_r);
	bool exists;

	if (res == NULL)
		return -1;
	exists = admin_result_bool(res, 0, 0);
	PQclear(res);
	res = NULL;
	if (exists && (res = admin_query(db, sql, 0, NULL, error_r)) == NULL)
		return -1;
	admin_migrate_merge(res, cb, context);
	PQclear(res);
	return 0;
}
