/*
 * admin-account.c — creating, changing, deleting and listing accounts (see
 * admin-account.h).
 */
#include "admin-account.h"

#include "admin-private.h"
#include "admin-lines.h"
#include "admin-page.h"
#include "password.h"

#include <stdio.h>
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

char *admin_password_hash(struct admin_db *db, const char *password, const char **error_r)
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

int admin_account_set_display_name(struct admin_db *db, const char *address,
				   const char *display_name, const char **error_r)
{
	if (admin_display_name_check(db, display_name, error_r) < 0)
		return -1;
	return admin_account_modify(db, address, ADMIN_ACCOUNT_UPDATE("display_name = $3"),
				    display_name, error_r);
}

int admin_account_set_master(struct admin_db *db, const char *address, bool is_master,
			     const char **error_r)
{
	return admin_account_modify(db, address, ADMIN_ACCOUNT_UPDATE("is_master = $3::boolean"),
				    is_master ? "true" : "false", error_r);
}

/* The accounts a query selects; $1 domain id, $2 allowed domain names
   joined by newlines (names never hold one), $3 search text
   (LIKE-escaped), $4 account id, each NULL when not filtering. The filter
   reads accounts alone, so the page of ids comes from an index-only scan.
   The search matches the display name, or the local part for text
   without '@'; "left@right" matches an address whose local part ends in
   left and whose domain starts with right, as a substring of the address
   would. The LIKEs use the trigram indexes of schema 018. */
#define ADMIN_ACCOUNT_FILTER \
	" WHERE ($1::bigint IS NULL OR a.domain_id = $1)" \
	" AND ($2::text IS NULL OR a.domain_id IN (SELECT id FROM domains" \
	"      WHERE name = ANY (string_to_array($2, E'\\n'))))" \
	" AND ($3::text IS NULL OR lower(a.display_name) LIKE '%' || lower($3) || '%'" \
	"      OR (strpos(lower($3), '@') = 0 AND a.localpart LIKE '%' || lower($3) || '%')" \
	"      OR (length($3) - length(replace($3, '@', '')) = 1" \
	"          AND a.localpart LIKE '%' || split_part(lower($3), '@', 1)" \
	"          AND a.domain_id IN (SELECT id FROM domains" \
	"              WHERE name LIKE split_part(lower($3), '@', 2) || '%')))" \
	" AND ($4::bigint IS NULL OR a.id = $4)"

/* Usage of the account whose id is column id, as alias.bytes and
   alias.messages. */
#define ADMIN_ACCOUNT_USAGE(alias, id) \
	" CROSS JOIN LATERAL (SELECT coalesce(sum(m.bytes), 0) AS bytes," \
	"                            coalesce(sum(m.messages), 0) AS messages" \
	"                       FROM mailboxes m WHERE m.account_id = " id ") " alias

/* The page is cut in the inner query, on account ids alone (domain names
   only when they are a sort key, usage only when it is); the page's rows
   are then read in full and put back in order: joins of the inner query,
   its ORDER BY, the outer ORDER BY. */
#define ADMIN_ACCOUNT_PAGE(joins, inner, outer) \
	"SELECT a.localpart || '@' || d.name, a.display_name, a.status, a.quota_bytes," \
	" u.bytes, u.messages, a.is_master, " ADMIN_SQL_TIME("a.created_at") "," \
	" (SELECT string_agg(al.localpart || '@' || ad.name, E'\\n'" \
	"                    ORDER BY ad.name, al.localpart)" \
	"    FROM aliases al JOIN domains ad ON ad.id = al.domain_id" \
	"   WHERE al.target = a.localpart || '@' || d.name)" \
	" FROM accounts a JOIN domains d ON d.id = a.domain_id" ADMIN_ACCOUNT_USAGE("u", "a.id") \
	" WHERE a.id IN (SELECT a.id FROM accounts a" joins ADMIN_ACCOUNT_FILTER \
	"                ORDER BY " inner " LIMIT $5::bigint OFFSET $6::bigint)" \
	" ORDER BY " outer
#define ADMIN_ACCOUNT_JOIN_DOMAIN " JOIN domains d ON d.id = a.domain_id"
/* sorting by usage needs every account's: one grouped pass over the
   mailboxes, not one lookup per account */
#define ADMIN_ACCOUNT_JOIN_USAGE \
	" LEFT JOIN (SELECT account_id, sum(bytes) AS bytes FROM mailboxes" \
	" GROUP BY account_id) s ON s.account_id = a.id"

/* A sort's statements, for one domain (whose (domain_id, ...) indexes give
   the order without a sort) and for every domain (by domain name too):
   the sort's key in the inner and the outer query, each way (with its
   comma; empty for the address alone), then the address as the
   tie-break. */
#define ADMIN_ACCOUNT_PAGE_IN_DOMAIN(joins, inner, outer) \
	ADMIN_ACCOUNT_PAGE(joins, inner "a.localpart", outer "a.localpart")
#define ADMIN_ACCOUNT_PAGE_ALL(joins, inner, outer) \
	ADMIN_ACCOUNT_PAGE(ADMIN_ACCOUNT_JOIN_DOMAIN joins, inner "d.name, a.localpart", \
			   outer "d.name, a.localpart")
#define ADMIN_ACCOUNT_PAGE_IN_DOMAIN_DESC(joins, inner, outer) \
	ADMIN_ACCOUNT_PAGE(joins, inner "a.localpart DESC", outer "a.localpart DESC")
#define ADMIN_ACCOUNT_PAGE_ALL_DESC(joins, inner, outer) \
	ADMIN_ACCOUNT_PAGE(ADMIN_ACCOUNT_JOIN_DOMAIN joins, inner "d.name DESC, a.localpart DESC", \
			   outer "d.name DESC, a.localpart DESC")
#define ADMIN_ACCOUNT_SORT(scope, name, joins, inner, outer, inner_desc, outer_desc) \
	{ name, ADMIN_ACCOUNT_PAGE_##scope(joins, inner, outer), \
	  ADMIN_ACCOUNT_PAGE_##scope##_DESC(joins, inner_desc, outer_desc) }
#define ADMIN_ACCOUNT_SORTS(scope) \
	ADMIN_ACCOUNT_SORT(scope, "address", "", "", "", "", ""), \
	ADMIN_ACCOUNT_SORT(scope, "display_name", "", "a.display_name, ", "a.display_name, ", \
			   "a.display_name DESC, ", "a.display_name DESC, "), \
	ADMIN_ACCOUNT_SORT(scope, "used_bytes", ADMIN_ACCOUNT_JOIN_USAGE, \
			   "coalesce(s.bytes, 0), ", "u.bytes, ", \
			   "coalesce(s.bytes, 0) DESC, ", "u.bytes DESC, "), \
	ADMIN_ACCOUNT_SORT(scope, "created_at", "", "a.created_at, ", "a.created_at, ", \
			   "a.created_at DESC, ", "a.created_at DESC, "), \
	ADMIN_ACCOUNT_SORT(scope, "quota_bytes", "", "a.quota_bytes, ", "a.quota_bytes, ", \
			   "a.quota_bytes DESC, ", "a.quota_bytes DESC, ")
static const struct admin_sort admin_account_sorts_in_domain[] = {
	ADMIN_ACCOUNT_SORTS(IN_DOMAIN)
};
static const struct admin_sort admin_account_sorts_all[] = {
	ADMIN_ACCOUNT_SORTS(ALL)
};

static void admin_account_rows(PGresult *res, admin_account_cb *cb, void *context)
{
	for (int i = 0; i < PQntuples(res); i++) {
		char *aliases = PQgetvalue(res, i, 8);
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
		const char **list = admin_lines_split(aliases, &account.alias_count);

		account.aliases = list;
		cb(&account, context);
		free(list);
	}
}

/* The filter parameters $1..$4 of ADMIN_ACCOUNT_FILTER; *joined_r is the
   allowed domains' text, to free. */
static int admin_account_params(struct admin_db *db, const struct admin_account_query *query,
				int64_t account_id, char id_text[static 24],
				char account_text[static 24], const char *params[4],
				char **joined_r, const char **error_r)
{
	*joined_r = NULL;
	if (admin_domain_filter(db, query->domain, id_text, &params[0], error_r) < 0)
		return -1;
	*joined_r = admin_lines_join(query->domains, query->domain_count);
	params[1] = *joined_r;
	params[2] = admin_paging_search(&query->paging);
	params[3] = account_id > 0 ? admin_int_param(account_text, account_id) : NULL;
	return 0;
}

static int admin_account_select(struct admin_db *db, const struct admin_account_query *query,
				int64_t account_id, admin_account_cb *cb, void *context,
				long long *total_r, const char **error_r)
{
	char id_text[24], account_text[24], limit[24], offset[24];
	const char *sql = query->domain != NULL ?
		ADMIN_PAGE_ORDER(db, admin_account_sorts_in_domain, &query->paging, error_r) :
		ADMIN_PAGE_ORDER(db, admin_account_sorts_all, &query->paging, error_r);
	const char *params[6];
	char *joined, *search = NULL;
	PGresult *res = NULL;
	int ret = -1;

	if (sql == NULL ||
	    admin_account_params(db, query, account_id, id_text, account_text, params,
				 &joined, error_r) < 0)
		return -1;
	if (params[2] != NULL)
		params[2] = search = admin_like_escape(params[2]);
	params[4] = admin_paging_limit(&query->paging, limit);
	params[5] = admin_int_param(offset, query->paging.offset);
	if ((res = admin_query(db, sql, 6, params, error_r)) == NULL)
		goto out;
	admin_account_rows(res, cb, context);
	PQclear(res);
	res = NULL;
	if (total_r != NULL) {
		res = admin_query(db, "SELECT count(*) FROM accounts a" ADMIN_ACCOUNT_FILTER, 4, params,
				  error_r);
		if (res == NULL)
			goto out;
		*total_r = admin_result_int(res, 0, 0);
	}
	ret = 0;
out:
	PQclear(res);
	free(joined);
	free(search);
	return ret;
}

int admin_account_page(struct admin_db *db, const struct admin_account_query *query,
		       admin_account_cb *cb, void *context, long long *total_r,
		       const char **error_r)
{
	return admin_account_select(db, query, 0, cb, context, total_r, error_r);
}

int admin_account_get(struct admin_db *db, const char *address, admin_account_cb *cb,
		      void *context, const char **error_r)
{
	const struct admin_account_query query = { .paging.limit = 1 };
	int64_t account_id, domain_id;

	if (admin_account_lookup(db, address, &account_id, &domain_id, error_r) < 0)
		return -1;
	return admin_account_select(db, &query, account_id, cb, context, NULL, error_r);
}

int admin_account_list(struct admin_db *db, const char *domain, admin_account_cb *cb,
		       void *context, const char **error_r)
{
	const struct admin_account_query query = { .domain = domain, .paging.limit = -1 };

	return admin_account_select(db, &query, 0, cb, context, NULL, error_r);
}
