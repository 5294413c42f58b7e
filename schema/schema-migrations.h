/*
 * schema-migrations.h — the numbered SQL migrations of schema/, embedded
 * into the binaries at build time (see embed-migrations.cmake).
 *
 * Migration NNN_name.sql becomes { NNN, "name", <file text> }. The array is
 * sorted by version; versions are unique. petrelctl's `db migrate` applies
 * each pending one in its own transaction.
 */
#ifndef SCHEMA_MIGRATIONS_H
#define SCHEMA_MIGRATIONS_H

#include <stddef.h>

struct schema_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const size_t schema_migration_count;

#endif
