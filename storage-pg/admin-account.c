/*
 * admin-account.c — creating, changing, deleting and listing accounts (see
 * admin-account.h).
 */
#include "admin-account.h"

#include "admin-private.h"
#include "password.h"

#include <stdlib.h>
#include <string.h>

#define ADMIN_DISPLAY_NAME_MAX 256

/* One UPDATE/DELETE of the account $2@$1, with an optional value $3. */
#define ADMIN_ACCOUNT_WHERE " WHERE d.id = a.domain_id AND d.name = $1 AND a.localpart = $2"
#define ADMIN_ACCOUNT_UPDATE(set) "UPDATE accounts a SET " set " FROM domains d" ADMIN_ACCOUNT_WHERE

int admin_account_lookup(struct admin_db *db, const char *address, int64_t *account_id_r,
			 int64_t *domain_id_r, const char **error_r)
{
	struct admin_address addr;
	PGresult *res;
	int ret = -1;

	if (admin_address_parse(db, address, false, &addr, error_r) < 0)
		return -1;
	const char *params[2] = { addr.domain, addr.localpart };
	res = admin_query(db, "SELECT a.id, a.domain_id FROM accounts a, domains d"
			  ADMIN_ACCOUNT_WHERE, 2, params, error_r);
	if (res != NULL && PQntuples(res) == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such account %s", addr.address);
	} else if (res != NULL) {
		*account_id_r = admin_result_int(res, 0, 0);
		*domain_id_r = admin_result_int(res, 0, 1);
		ret = 0;
	}
	PQclear(res);
	admin_address_free(&addr);
	return ret;
}

static char *admin_password_hash(struct admin_db *db, const char *password, const char **error_r)
{
	char *hash;

	if (password == NULL || password[0] == '\0') {
		*error_r = admin_error(db, "the password is empty");
		return NULL;
	}
	if (password_hash(password, &hash, error_r) < 0)
		return NULL;
	return hash;
}

static int admin_display_name_check(struct admin_db *db, const char *name, const char **error_r)
{
	if (strlen(name) > ADMIN_DISPLAY_NAME_MAX) {
		*error_r = admin_error(db, "the display name is longer than %d bytes",
				       ADMIN_DISPLAY_NAME_MAX);
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < ' ' || *p == 0x7f) {
			*error_r = admin_error(db, "the display name holds a control character");
			return -1;
		}
	}
	return 0;
}

static int admin_account_insert(struct admin_db *db, const struct admin_account_new *account,
				const struct admin_address *addr, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO accounts (domain_id, localpart, password_hash, display_name,"
		"                      quota_bytes, is_master)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (domain_id, localpart) DO NOTHING";
	const char *display_name = account->display_name != NULL ? account->display_name : "";
	char domain_id[24], quota[24];
	int64_t id;
	char *hash;
	int ret;

	if (admin_display_name_check(db, display_name, error_r) < 0 ||
	    admin_domain_lookup(db, addr->domain, &id, error_r) < 0 ||
	    (hash = admin_password_hash(db, account->password, error_r)) == NULL)
		return -1;

	const char *params[6] = {
		admin_int_param(domain_id, id), addr->localpart, hash, display_name,
		admin_int_param(quota, account->quota_bytes), account->is_master ? "true" : "false",
	};
	ret = admin_command(db, sql, 6, params, error_r);
	free(hash);
	if (ret == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "account %s already exists", addr->address);
	return ret > 0 ? 0 : -1;
}

int admin_account_add(struct admin_db *db, const struct admin_account_new *account,
		      const char **error_r)
{
	struct admin_address addr;
	int ret;

	if (account->quota_bytes < 0) {
		*error_r = admin_error(db, "the quota cannot be negative");
		return -1;
	}
	if (admin_address_parse(db, account->address, false, &addr, error_r) < 0)
		return -1;
	ret = admin_account_insert(db, account, &addr, error_r);
	admin_address_free(&addr);
	return ret;
}

/* Run sql (built on ADMIN_ACCOUNT_WHERE) for one account, with value as $3
   unless NULL; "no such account" when no row matched. */
static int admin_account_modify(struct admin_db *db, const char *address, const char *sql,
				const char *value, const char **error_r)
{
	struct admin_address addr;
	int ret;

	if (admin_address_parse(db, address, false, &addr, error_r) < 0)
		return -1;
	const char *params[3] = { addr.domain, addr.localpart, value };
	ret = admin_command(db, sql, value != NULL ? 3 : 2, params, error_r);
	if (ret == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such account %s", addr.address);
	admin_address_free(&addr);
	return ret > 0 ? 0 : -1;
}

int admin_account_del(struct admin_db *db, const char *address, const char **error_r)
{
	/* Mailboxes and messages cascade; a trigger removes its settings. */
	return admin_account_modify(db, address, "DELETE FROM accounts a USING domains d"
				    ADMIN_ACCOUNT_WHERE, NULL, error_r);
}

int admin_account_set_password(struct admin_db *db, const char *address,
			       const char *password, const char **error_r)
{
	char *hash = admin_password_hash(db, password, error_r);
	int ret;

	if (hash == NULL)
		return -1;
	ret = admin_account_modify(db, address, ADMIN_ACCOUNT_UPDATE("password_hash = $3"),
				   hash, error_r);
	free(hash);
	return ret;
}

int admin_account_set_quota(struct admin_db *db, const char *address, long long quota_bytes,
			    const char **error_r)
{
	char quota[24];

	if (quota_bytes < 0) {
		*error_r = admin_error(db, "the quota cannot be negative");
		return -1;
	}
	return admin_account_modify(db, address, ADMIN_ACCOUNT_UPDATE("quota_bytes = $3::bigint"),
				    admin_int_param(quota, quota_bytes), error_r);
}

int admin_account_set_blocked(struct admin_db *db, const char *address, bool blocked,
			      const char **error_r)
{
	return admin_account_modify(db, address, ADMIN_ACCOUNT_UPDATE("status = $3"),
				    blocked ? "blocked" : "active", error_r);
}

int admin_account_list(struct admin_db *db, const char *domain, admin_account_cb *cb,
		       void *context, const char **error_r)
{
	static const char sql[] =
		"SELECT a.localpart || '@' || d.name, a.display_name, a.status, a.quota_bytes,"
		" coalesce(sum(m.bytes), 0), coalesce(sum(m.messages), 0), a.is_master,"
		" " ADMIN_SQL_TIME("a.created_at")
		" FROM accounts a JOIN domains d ON d.id = a.domain_id"
		" LEFT JOIN mailboxes m ON m.account_id = a.id"
		" WHERE $1::bigint IS NULL OR a.domain_id = $1"
		" GROUP BY a.id, d.name ORDER BY d.name, a.localpart";
	char id_text[24];
	const char *param;
	PGresult *res;

	if (admin_domain_filter(db, domain, id_text, &param, error_r) < 0 ||
	    (res = admin_query(db, sql, 1, &param, error_r)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_account account = {
			.address = PQgetvalue(res, i, 0),
			.display_name = PQgetvalue(res, i, 1),
			.status = PQgetvalue(res, i, 2),
			.quota_bytes = admin_result_int(res, i, 3),
			.used_bytes = admin_result_int(res, i, 4),
			.messages = admin_result_int(res, i, 5),
			.is_master = admin_result_bool(res, i, 6),
			.created_at = PQgetvalue(res, i, 7),
		};

		cb(&account, context);
	}
	PQclear(res);
	return 0;
}
