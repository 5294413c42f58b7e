/*
 * admin-private.h — helpers shared by the admin-*.c modules: running
 * parameterised statements, transactions, error sentences, address
 * validation and the domain/account lookups every module needs.
 */
#ifndef ADMIN_PRIVATE_H
#define ADMIN_PRIVATE_H

#include "admin-db.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

struct admin_db {
	PGconn *conn;
	char error[1024];
	enum admin_error_kind error_kind;
};

/* A timestamptz column rendered as ISO 8601 UTC, e.g. 2024-05-01T12:00:00Z. */
#define ADMIN_SQL_TIME(column) \
	"to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Format the sentence into db->error (arguments may point into it) and
   return it, for *error_r; the kind is ADMIN_ERROR_INVALID. */
const char *admin_error(struct admin_db *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* admin_error() of another kind. */
const char *admin_error_of(struct admin_db *db, enum admin_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run one statement with text parameters (NULL = SQL NULL). Returns the
   result for the caller to PQclear(), or NULL with *error_r
   "database error: ...". */
PGresult *admin_query(struct admin_db *db, const char *sql, int param_count,
		      const char *const *params, const char **error_r);
/* admin_query() for statements whose result is only the affected row
   count; returns that count, or -1. */
int admin_command(struct admin_db *db, const char *sql, int param_count,
		  const char *const *params, const char **error_r);
/* Run a multi-statement script (a migration file) without parameters. */
int admin_script(struct admin_db *db, const char *sql, const char **error_r);

/* BEGIN; and its end: COMMIT when ret >= 0, else ROLLBACK (keeping the
   error already in *error_r). Returns ret, or -1 when COMMIT fails. */
int admin_begin(struct admin_db *db, const char **error_r);
int admin_end(struct admin_db *db, int ret, const char **error_r);

/* Decimal text of n in buf, for a parameter. */
const char *admin_int_param(char buf[static 24], long long n);
long long admin_result_int(const PGresult *res, int row, int column);
bool admin_result_bool(const PGresult *res, int row, int column);

/* Hash a new password (lib/password.h); an empty one is refused. Returns
   the allocated hash, or NULL with *error_r. */
char *admin_password_hash(struct admin_db *db, const char *password, const char **error_r);

/* An address split for the accounts/aliases tables, lower-cased. */
struct admin_address {
	char *address;      /* localpart@domain, or @domain for a catch-all */
	char *localpart;    /* "" for a catch-all */
	char *domain;
};

/* Lower-case and validate a domain name (LDH labels, IDNs as xn--).
   Returns the allocated name, or NULL with *error_r. */
char *admin_domain_name_parse(struct admin_db *db, const char *input, const char **error_r);
/* Lower-case and validate localpart@domain; "@domain" only when
   allow_catchall. Returns 0, or -1 with *error_r (nothing to free). */
int admin_address_parse(struct admin_db *db, const char *input, bool allow_catchall,
			struct admin_address *addr_r, const char **error_r);
void admin_address_free(struct admin_address *addr);

/* The id of a domain (name validated and lower-cased first); -1 with
   "no such domain NAME". */
int admin_domain_lookup(struct admin_db *db, const char *name, int64_t *domain_id_r,
			const char **error_r);
/* The parameter for "WHERE $1::bigint IS NULL OR domain_id = $1": NULL for
   every domain (domain NULL), else the domain's id written in id_text.
   Returns 0, or -1 when there is no such domain. */
int admin_domain_filter(struct admin_db *db, const char *domain, char id_text[static 24],
			const char **param_r, const char **error_r);
/* The ids of an account (address validated and lower-cased first); -1
   with "no such account ADDRESS". */
int admin_account_lookup(struct admin_db *db, const char *address, int64_t *account_id_r,
			 int64_t *domain_id_r, const char **error_r);

#endif
