/*
 * admin-migrate.h — applying the embedded schema migrations
 * (schema-migrations.h) and reporting which ones a database has.
 *
 * Applied versions are recorded in schema_migrations (version, name,
 * applied_at), created on first use. Each migration runs in its own
 * transaction together with its schema_migrations row, under a transaction
 * advisory lock, so concurrent `db migrate` runs serialise and a re-run
 * applies nothing.
 */
#ifndef ADMIN_MIGRATE_H
#define ADMIN_MIGRATE_H

#include "admin-db.h"

struct admin_migration {
	int version;
	const char *name;
	const char *applied_at;    /* ISO 8601 UTC; NULL while pending */
};

/* Called for one migration; pointers are valid during the call only. */
typedef void admin_migration_cb(const struct admin_migration *migration, void *context);

/* Apply every pending migration in version order, calling cb after each
   one commits. Returns how many were applied, or -1 (those applied before
   the failing one stay applied). */
int admin_migrate(struct admin_db *db, admin_migration_cb *cb, void *context,
		  const char **error_r);
/* Every migration this build knows plus any applied one it does not, in
   version order. Read-only: creates nothing. Returns 0 or -1. */
int admin_migrate_status(struct admin_db *db, admin_migration_cb *cb, void *context,
			 const char **error_r);

#endif
