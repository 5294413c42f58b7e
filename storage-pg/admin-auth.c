/*
 * admin-auth.c — administrators of the web admin and their tokens (see
 * admin-auth.h). Tokens are hashed in SQL (sha256 of the token's bytes),
 * so the token itself never reaches a table or a log.
 */
#include "admin-auth.h"

#include "admin-private.h"
#include "base64.h"
#include "password.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* The columns every identity query selects, in this order. */
#define ADMIN_IDENTITY_COLUMNS                                                          \
	"a.id, a.login, a.role = 'superadmin',"                                         \
	" coalesce((SELECT string_agg(d.name, ',' ORDER BY d.name) FROM admin_domains ad" \
	"           JOIN domains d ON d.id = ad.domain_id WHERE ad.admin_id = a.id), '')," \
	" " ADMIN_SQL_TIME("a.created_at")

#define ADMIN_TOKEN_HASH(param) "sha256(convert_to(" param ", 'UTF8'))"

void admin_identity_free(struct admin_identity *who)
{
	for (unsigned int i = 0; i < who->domain_count; i++)
		free(who->domains[i]);
	free(who->domains);
	free(who->login);
	free(who->created_at);
	memset(who, 0, sizeof(*who));
}

static void admin_identity_load(const PGresult *res, int row, int column,
				struct admin_identity *who_r)
{
	const char *domains = PQgetvalue(res, row, column + 3);

	memset(who_r, 0, sizeof(*who_r));
	who_r->id = admin_result_int(res, row, column);
	who_r->login = xstrdup(PQgetvalue(res, row, column + 1));
	who_r->superadmin = admin_result_bool(res, row, column + 2);
	who_r->created_at = xstrdup(PQgetvalue(res, row, column + 4));
	while (domains[0] != '\0') {
		size_t len = strcspn(domains, ",");

		who_r->domains = xrealloc(who_r->domains,
					  (who_r->domain_count + 1) * sizeof(char *));
		who_r->domains[who_r->domain_count++] = xstrndup(domains, len);
		domains += len + (domains[len] == ',');
	}
}

/* A fresh token: 32 random bytes, base64url without padding. */
static int admin_token_new(struct admin_db *db, char token_r[ADMIN_TOKEN_SIZE],
			   const char **error_r)
{
	unsigned char raw[32];
	struct strbuf buf = STRBUF_INIT;
	size_t n = 0;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		*error_r = admin_error_of(db, ADMIN_ERROR_DATABASE, "no randomness for a token");
		return -1;
	}
	base64_encode(&buf, raw, sizeof(raw));
	for (size_t i = 0; i < buf.len && buf.data[i] != '=' && n + 1 < ADMIN_TOKEN_SIZE; i++)
		token_r[n++] = buf.data[i] == '+' ? '-' : buf.data[i] == '/' ? '_' : buf.data[i];
	token_r[n] = '\0';
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(buf.data, buf.len);
	strbuf_free(&buf);
	return 0;
}

static int admin_login_check(struct admin_db *db, const char *login, const char **error_r)
{
	size_t len = login == NULL ? 0 : strlen(login);

	if (len == 0 || len > 128) {
		*error_r = admin_error(db, "an admin login is 1 to 128 characters");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = login[i];

		if (c <= ' ' || c == 0x7f || c == ',') {
			*error_r = admin_error(db, "the admin login may not contain spaces, "
					       "commas or control characters");
			return -1;
		}
	}
	return 0;
}

/* Replace an administrator's domains (in the caller's transaction). */
static int admin_domains_set(struct admin_db *db, int64_t admin_id, const char *const *domains,
			     unsigned int domain_count, const char **error_r)
{
	char id_text[24], domain_text[24];
	const char *params[2] = { admin_int_param(id_text, admin_id), NULL };

	if (admin_command(db, "DELETE FROM admin_domains WHERE admin_id = $1", 1, params,
			  error_r) < 0)
		return -1;
	for (unsigned int i = 0; i < domain_count; i++) {
		int64_t domain_id;

		if (admin_domain_lookup(db, domains[i], &domain_id, error_r) < 0)
			return -1;
		params[1] = admin_int_param(domain_text, domain_id);
		if (admin_command(db, "INSERT INTO admin_domains (admin_id, domain_id)"
				  " VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, params, error_r) < 0)
			return -1;
	}
	return 0;
}

/* The id of an administrator, locked for the transaction. */
static int admin_admin_lock(struct admin_db *db, const char *login, int64_t *id_r,
			    bool *superadmin_r, const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT id, role = 'superadmin' FROM admins"
				    " WHERE login = $1 FOR UPDATE", 1, &login, error_r);
	int ret = -1;

	if (res != NULL && PQntuples(res) == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such admin %s", login);
	} else if (res != NULL) {
		*id_r = admin_result_int(res, 0, 0);
		*superadmin_r = admin_result_bool(res, 0, 1);
		ret = 0;
	}
	PQclear(res);
	return ret;
}

/* Whether another superadmin than id exists (all superadmins locked, so
   two concurrent demotions cannot both pass). */
static int admin_other_superadmin(struct admin_db *db, int64_t id, const char **error_r)
{
	char id_text[24];
	const char *param = admin_int_param(id_text, id);
	PGresult *res = admin_query(db, "SELECT id FROM admins WHERE role = 'superadmin'"
				    " AND id <> $1 FOR UPDATE", 1, &param, error_r);
	int ret;

	if (res == NULL)
		return -1;
	ret = PQntuples(res) > 0;
	PQclear(res);
	if (ret == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT,
					  "the last superadmin cannot be removed or demoted");
	return ret;
}

/* Insert an administrator (in the caller's transaction). */
static int admin_admin_insert(struct admin_db *db, const char *login, const char *password,
			      bool superadmin, const char *const *domains,
			      unsigned int domain_count, const char **error_r)
{
	char *hash;
	PGresult *res;
	int ret = -1;

	if (admin_login_check(db, login, error_r) < 0)
		return -1;
	if (!superadmin && domain_count == 0) {
		*error_r = admin_error(db, "a domain admin needs at least one domain");
		return -1;
	}
	if ((hash = admin_password_hash(db, password, error_r)) == NULL)
		return -1;
	const char *params[3] = { login, hash, superadmin ? "superadmin" : "domain" };

	res = admin_query(db, "INSERT INTO admins (login, password_hash, role) VALUES ($1, $2, $3)"
			  " ON CONFLICT (login) DO NOTHING RETURNING id", 3, params, error_r);
	if (res != NULL && PQntuples(res) == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "admin %s already exists", login);
	else if (res != NULL)
		ret = admin_domains_set(db, admin_result_int(res, 0, 0),
					superadmin ? NULL : domains, superadmin ? 0 : domain_count,
					error_r);
	PQclear(res);
	free(hash);
	return ret;
}

int admin_admin_add(struct admin_db *db, const char *login, const char *password,
		    bool superadmin, const char *const *domains, unsigned int domain_count,
		    const char **error_r)
{
	if (admin_begin(db, error_r) < 0)
		return -1;
	return admin_end(db, admin_admin_insert(db, login, password, superadmin, domains,
						domain_count, error_r), error_r);
}

int admin_admin_del(struct admin_db *db, const char *login, const char **error_r)
{
	int64_t id;
	bool superadmin;
	char id_text[24];
	const char *param;
	int ret;

	if (admin_begin(db, error_r) < 0)
		return -1;
	ret = admin_admin_lock(db, login, &id, &superadmin, error_r);
	if (ret == 0 && superadmin && admin_other_superadmin(db, id, error_r) <= 0)
		ret = -1;
	if (ret == 0) {
		param = admin_int_param(id_text, id);
		ret = admin_command(db, "DELETE FROM admins WHERE id = $1", 1, &param, error_r);
	}
	return admin_end(db, ret < 0 ? -1 : 0, error_r);
}

int admin_admin_passwd(struct admin_db *db, const char *login, const char *password,
		       const char **error_r)
{
	char *hash = admin_password_hash(db, password, error_r);
	int ret;

	if (hash == NULL)
		return -1;
	const char *params[2] = { login, hash };

	ret = admin_command(db, "UPDATE admins SET password_hash = $2 WHERE login = $1",
			    2, params, error_r);
	free(hash);
	if (ret == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such admin %s", login);
		return -1;
	}
	return ret < 0 ? -1 : 0;
}

static int admin_admin_update_locked(struct admin_db *db, const char *login,
				     const bool *superadmin, const char *const *domains,
				     unsigned int domain_count, const char **error_r)
{
	int64_t id;
	bool was_super, now_super;
	char id_text[24];
	const char *params[2];

	if (admin_admin_lock(db, login, &id, &was_super, error_r) < 0)
		return -1;
	now_super = superadmin != NULL ? *superadmin : was_super;
	if (was_super && !now_super && admin_other_superadmin(db, id, error_r) <= 0)
		return -1;
	params[0] = admin_int_param(id_text, id);
	params[1] = now_super ? "superadmin" : "domain";
	if (admin_command(db, "UPDATE admins SET role = $2 WHERE id = $1", 2, params, error_r) < 0)
		return -1;
	if (now_super)
		return admin_domains_set(db, id, NULL, 0, error_r);
	if (domains != NULL && admin_domains_set(db, id, domains, domain_count, error_r) < 0)
		return -1;
	PGresult *res = admin_query(db, "SELECT count(*) FROM admin_domains WHERE admin_id = $1",
				    1, params, error_r);
	int ret = res == NULL ? -1 : 0;

	if (res != NULL && admin_result_int(res, 0, 0) == 0) {
		*error_r = admin_error(db, "a domain admin needs at least one domain");
		ret = -1;
	}
	PQclear(res);
	return ret;
}

int admin_admin_update(struct admin_db *db, const char *login, const bool *superadmin,
		       const char *const *domains, unsigned int domain_count,
		       const char **error_r)
{
	if (admin_begin(db, error_r) < 0)
		return -1;
	return admin_end(db, admin_admin_update_locked(db, login, superadmin, domains,
						       domain_count, error_r), error_r);
}

int admin_admin_get(struct admin_db *db, const char *login, struct admin_identity *who_r,
		    const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT " ADMIN_IDENTITY_COLUMNS
				    " FROM admins a WHERE a.login = $1", 1, &login, error_r);
	int ret = -1;

	if (res != NULL && PQntuples(res) == 0) {
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such admin %s", login);
	} else if (res != NULL) {
		admin_identity_load(res, 0, 0, who_r);
		ret = 0;
	}
	PQclear(res);
	return ret;
}

int admin_admin_list(struct admin_db *db, const char *search, bool descending,
		     unsigned long long offset, unsigned int limit, admin_admin_cb *cb,
		     void *context, long long *total_r, const char **error_r)
{
	static const char sql_asc[] =
		"SELECT " ADMIN_IDENTITY_COLUMNS ", count(*) OVER ()"
		" FROM admins a WHERE $1::text IS NULL OR strpos(lower(a.login), lower($1)) > 0"
		" ORDER BY a.login LIMIT $2 OFFSET $3";
	static const char sql_desc[] =
		"SELECT " ADMIN_IDENTITY_COLUMNS ", count(*) OVER ()"
		" FROM admins a WHERE $1::text IS NULL OR strpos(lower(a.login), lower($1)) > 0"
		" ORDER BY a.login DESC LIMIT $2 OFFSET $3";
	char limit_text[24], offset_text[24];
	const char *params[3] = { search, limit == 0 ? NULL : admin_int_param(limit_text, limit),
				  admin_int_param(offset_text, (long long)offset) };
	PGresult *res = admin_query(db, descending ? sql_desc : sql_asc, 3, params, error_r);
	int rows;

	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*total_r = rows > 0 ? admin_result_int(res, 0, 5) : 0;
	for (int i = 0; i < rows; i++) {
		struct admin_identity who;

		admin_identity_load(res, i, 0, &who);
		cb(&who, context);
		admin_identity_free(&who);
	}
	PQclear(res);
	if (rows == 0 && offset > 0) {
		/* a page past the end still reports the total */
		res = admin_query(db, "SELECT count(*) FROM admins a WHERE $1::text IS NULL"
				  " OR strpos(lower(a.login), lower($1)) > 0", 1, params, error_r);
		if (res == NULL)
			return -1;
		*total_r = admin_result_int(res, 0, 0);
		PQclear(res);
	}
	return 0;
}

int admin_auth_password(struct admin_db *db, const char *login, const char *password,
			struct admin_identity *who_r, const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT " ADMIN_IDENTITY_COLUMNS ", a.password_hash"
				    " FROM admins a WHERE a.login = $1", 1, &login, error_r);
	const char *verify_error;
	int ret;

	if (res == NULL)
		return -1;
	ret = PQntuples(res) == 1 &&
		password_verify(password, PQgetvalue(res, 0, 5), &verify_error) == 1;
	if (ret == 1)
		admin_identity_load(res, 0, 0, who_r);
	PQclear(res);
	return ret;
}

int admin_auth_failure(struct admin_db *db, const struct admin_auth_failure *f,
		       const char **error_r)
{
	char failures[24], window[24], duration[24];
	const char *params[8] = {
		f->node_id, "admin", f->client_ip != NULL && f->client_ip[0] != '\0' ?
		f->client_ip : NULL, f->login, f->reason,
		admin_int_param(failures, f->ban_failures), admin_int_param(window, f->ban_window),
		admin_int_param(duration, f->ban_duration),
	};
	PGresult *res = admin_query(db, "SELECT petrel_auth_failure($1, $2, $3::inet, $4, $5,"
				    " $6::int, $7::int, $8::int)", 8, params, error_r);
	int ret;

	if (res == NULL)
		return -1;
	ret = admin_result_bool(res, 0, 0);
	PQclear(res);
	return ret;
}

int admin_auth_banned(struct admin_db *db, const char *ip, const char **error_r)
{
	PGresult *res;
	int ret;

	if (ip == NULL || ip[0] == '\0')
		return 0;
	res = admin_query(db, "SELECT 1 FROM petrel_ban_check($1::inet)", 1, &ip, error_r);
	if (res == NULL)
		return -1;
	ret = PQntuples(res) > 0;
	PQclear(res);
	return ret;
}

static int admin_auth_insert_pair(struct admin_db *db, int64_t admin_id, long long access_ttl,
				  long long refresh_ttl, struct admin_token_pair *pair_r,
				  const char **error_r)
{
	char id_text[24], access_text[24], refresh_text[24];
	const char *params[5];

	if (admin_token_new(db, pair_r->access, error_r) < 0 ||
	    admin_token_new(db, pair_r->refresh, error_r) < 0)
		return -1;
	params[0] = admin_int_param(id_text, admin_id);
	params[1] = pair_r->access;
	params[2] = admin_int_param(access_text, access_ttl);
	params[3] = pair_r->refresh;
	params[4] = admin_int_param(refresh_text, refresh_ttl);
	return admin_command(db,
		"WITH p AS (SELECT gen_random_uuid() AS id)"
		" INSERT INTO admin_tokens (token_hash, admin_id, kind, pair_id, expires_at)"
		" SELECT " ADMIN_TOKEN_HASH("$2::text") ", $1::bigint, 'access', p.id,"
		"        now() + make_interval(secs => $3::int) FROM p"
		" UNION ALL SELECT " ADMIN_TOKEN_HASH("$4::text") ", $1::bigint, 'refresh', p.id,"
		"        now() + make_interval(secs => $5::int) FROM p",
		5, params, error_r) < 0 ? -1 : 0;
}

int admin_auth_issue(struct admin_db *db, int64_t admin_id, long long access_ttl,
		     long long refresh_ttl, struct admin_token_pair *pair_r, const char **error_r)
{
	/* cleaning on issue keeps the table to the live tokens without a job */
	if (admin_command(db, "DELETE FROM admin_tokens WHERE expires_at < now()", 0, NULL,
			  error_r) < 0)
		return -1;
	return admin_auth_insert_pair(db, admin_id, access_ttl, refresh_ttl, pair_r, error_r);
}

int admin_auth_verify(struct admin_db *db, const char *access_token,
		      struct admin_identity *who_r, const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT " ADMIN_IDENTITY_COLUMNS
				    " FROM admin_tokens t JOIN admins a ON a.id = t.admin_id"
				    " WHERE t.token_hash = " ADMIN_TOKEN_HASH("$1::text")
				    " AND t.kind = 'access' AND t.expires_at > now()",
				    1, &access_token, error_r);
	int ret;

	if (res == NULL)
		return -1;
	ret = PQntuples(res) == 1;
	if (ret == 1)
		admin_identity_load(res, 0, 0, who_r);
	PQclear(res);
	return ret;
}

int admin_auth_refresh(struct admin_db *db, const char *refresh_token, long long access_ttl,
		       long long refresh_ttl, struct admin_token_pair *pair_r,
		       struct admin_identity *who_r, const char **error_r)
{
	/* deleting the pair first makes a refresh token single-use even when
	   two requests race with it: only one DELETE returns the row */
	static const char sql[] =
		"WITH old AS (SELECT pair_id FROM admin_tokens WHERE token_hash = "
		ADMIN_TOKEN_HASH("$1::text") " AND kind = 'refresh' AND expires_at > now()),"
		" gone AS (DELETE FROM admin_tokens t USING old WHERE t.pair_id = old.pair_id"
		"          RETURNING t.admin_id, t.kind)"
		" SELECT " ADMIN_IDENTITY_COLUMNS " FROM gone JOIN admins a ON a.id = gone.admin_id"
		" WHERE gone.kind = 'refresh'";
	PGresult *res;
	int ret;

	if (admin_begin(db, error_r) < 0)
		return -1;
	res = admin_query(db, sql, 1, &refresh_token, error_r);
	ret = res == NULL ? -1 : PQntuples(res) == 1;
	if (ret == 1) {
		admin_identity_load(res, 0, 0, who_r);
		if (admin_auth_insert_pair(db, who_r->id, access_ttl, refresh_ttl, pair_r,
					   error_r) < 0) {
			admin_identity_free(who_r);
			ret = -1;
		}
	}
	PQclear(res);
	return admin_end(db, ret, error_r);
}

int admin_auth_logout(struct admin_db *db, const char *access_token, const char **error_r)
{
	return admin_command(db, "DELETE FROM admin_tokens WHERE pair_id IN (SELECT pair_id"
			     " FROM admin_tokens WHERE token_hash = " ADMIN_TOKEN_HASH("$1::text")
			     " AND kind = 'access')", 1, &access_token, error_r) < 0 ? -1 : 0;
}

int admin_setup_new(struct admin_db *db, long long ttl, char token_r[ADMIN_TOKEN_SIZE],
		    const char **error_r)
{
	char ttl_text[24];
	const char *params[2] = { token_r, admin_int_param(ttl_text, ttl) };
	int ret;

	if (admin_token_new(db, token_r, error_r) < 0)
		return -1;
	ret = admin_command(db, "INSERT INTO admin_tokens (token_hash, kind, expires_at)"
			    " SELECT " ADMIN_TOKEN_HASH("$1::text") ", 'setup',"
			    "        now() + make_interval(secs => $2::int)"
			    " WHERE NOT EXISTS (SELECT 1 FROM admins WHERE role = 'superadmin')",
			    2, params, error_r);
	if (ret == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "a superadmin already exists; "
					  "log in and add administrators instead");
	return ret == 1 ? 0 : -1;
}

int admin_setup_check(struct admin_db *db, const char *token, const char **error_r)
{
	PGresult *res = admin_query(db, "SELECT 1 FROM admin_tokens WHERE token_hash = "
				    ADMIN_TOKEN_HASH("$1::text") " AND kind = 'setup'"
				    " AND expires_at > now()", 1, &token, error_r);
	int ret;

	if (res == NULL)
		return -1;
	ret = PQntuples(res) == 1;
	PQclear(res);
	return ret;
}

int admin_setup_use(struct admin_db *db, const char *token, const char *login,
		    const char *password, struct admin_identity *who_r, const char **error_r)
{
	int ret;

	if (admin_login_check(db, login, error_r) < 0)
		return -1;
	if (admin_begin(db, error_r) < 0)
		return -1;
	/* the DELETE consumes the token; the lock on admins keeps a second
	   setup link from creating a second "first" superadmin */
	ret = admin_command(db, "LOCK TABLE admins IN SHARE ROW EXCLUSIVE MODE", 0, NULL, error_r);
	if (ret >= 0)
		ret = admin_command(db, "DELETE FROM admin_tokens WHERE token_hash = "
				    ADMIN_TOKEN_HASH("$1::text") " AND kind = 'setup'"
				    " AND expires_at > now() AND NOT EXISTS (SELECT 1 FROM admins"
				    " WHERE role = 'superadmin')", 1, &token, error_r);
	if (ret == 1 && (admin_admin_insert(db, login, password, true, NULL, 0, error_r) < 0 ||
			 admin_admin_get(db, login, who_r, error_r) < 0))
		ret = -1;
	return admin_end(db, ret, error_r);
}
