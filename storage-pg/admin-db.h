/*
 * admin-db.h — the synchronous PostgreSQL connection behind petrelctl's
 * operations (admin-migrate.h, admin-domain.h, admin-account.h,
 * admin-alias.h, admin-settings.h, admin-nodes.h).
 *
 * The admin operations block; they are meant for the CLI and for anything
 * else that may wait (a thread of a web admin), never for a node's event
 * loop. Every operation returns 0 (or a count) on success and -1 with
 * *error_r one sentence, e.g. "no such account a@example.test"; that text
 * lives in the admin_db and stays valid until its next operation.
 */
#ifndef ADMIN_DB_H
#define ADMIN_DB_H

#include <stdbool.h>

struct admin_db;

/* Connect with a libpq conninfo string (multi-host lists allowed). Returns
   0, or -1 with *error_r a single line (static storage). */
/* What kind of failure the last error was, for callers that answer with
   a status (the web admin: 422, 404, 409, 503). */
enum admin_error_kind {
	ADMIN_ERROR_INVALID,     /* bad input: a value failed validation */
	ADMIN_ERROR_NOT_FOUND,   /* "no such ...", "... is not set" */
	ADMIN_ERROR_CONFLICT,    /* "... already exists", "domain still has accounts" */
	ADMIN_ERROR_DATABASE,    /* PostgreSQL failed or is unreachable */
};

int admin_db_connect(const char *conninfo, struct admin_db **db_r, const char **error_r);
void admin_db_close(struct admin_db **db);
/* The kind of the error the last failed operation returned. */
enum admin_error_kind admin_db_error_kind(const struct admin_db *db);
/* Whether the connection is still usable (a thread keeping one reconnects
   when it is not). */
bool admin_db_connected(const struct admin_db *db);

#endif
