/*
 * admin-alias.c — adding, removing and listing aliases (see admin-alias.h).
 */
#include "admin-alias.h"

#include "admin-lines.h"
#include "admin-page.h"
#include "admin-private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void admin_addresses_free(struct admin_address *addrs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		admin_address_free(&addrs[i]);
	free(addrs);
}

/* Parse every target before anything is written; NULL on the first bad one. */
static struct admin_address *admin_alias_targets_parse(struct admin_db *db,
						       const struct admin_address *alias,
						       const char *const *targets, size_t count,
						       const char **error_r)
{
	struct admin_address *parsed = xcalloc(count, sizeof(*parsed));

	for (size_t i = 0; i < count; i++) {
		if (admin_address_parse(db, targets[i], false, &parsed[i], error_r) < 0) {
			admin_addresses_free(parsed, i);
			return NULL;
		}
		if (strcmp(parsed[i].address, alias->address) == 0) {
			*error_r = admin_error(db, "alias %s cannot point to itself", alias->address);
			admin_addresses_free(parsed, i + 1);
			return NULL;
		}
	}
	return parsed;
}

/* Insert the targets (inside the caller's transaction); flag is the
   reject_external value, NULL to take the alias's current one. A target
   already there is a conflict unless tolerate_existing. */
static int admin_alias_insert(struct admin_db *db, int64_t domain_id,
			      const struct admin_address *alias,
			      const struct admin_address *targets, size_t count,
			      const char *flag, bool tolerate_existing, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO aliases (domain_id, localpart, target, reject_external)"
		" VALUES ($1, $2, $3, coalesce($4::boolean,"
		"         (SELECT bool_or(reject_external) FROM aliases"
		"           WHERE domain_id = $1 AND localpart = $2), false))"
		" ON CONFLICT DO NOTHING";
	char id_text[24];

	for (size_t i = 0; i < count; i++) {
		const char *params[4] = {
			admin_int_param(id_text, domain_id), alias->localpart,
			targets[i].address, flag,
		};
		int ret = admin_command(db, sql, 4, params, error_r);

		if (ret < 0)
			return -1;
		if (ret == 0 && !tolerate_existing) {
			*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT,
						  "alias %s -> %s already exists",
						  alias->address, targets[i].address);
			return -1;
		}
	}
	return 0;
}

/* Whether the alias has any target: 1, 0, or -1 on error. */
static int admin_alias_exists(struct admin_db *db, int64_t domain_id,
			      const struct admin_address *alias, const char **error_r)
{
	char id_text[24];
	const char *params[2] = { admin_int_param(id_text, domain_id), alias->localpart };
	PGresult *res = admin_query(db, "SELECT 1 FROM aliases WHERE domain_id = $1"
				    " AND localpart = $2 LIMIT 1", 2, params, error_r);
	int ret = res == NULL ? -1 : PQntuples(res) > 0;

	PQclear(res);
	return ret;
}

/* Make the alias's rows match targets and flag (it must exist). */
static int admin_alias_rewrite(struct admin_db *db, int64_t domain_id,
			       const struct admin_address *alias,
			       const struct admin_address *targets, size_t count,
			       const char *flag, const char **error_r)
{
	const char **addresses = xcalloc(count, sizeof(*addresses));
	char id_text[24], *joined;
	int ret;

	for (size_t i = 0; i < count; i++)
		addresses[i] = targets[i].address;
	joined = admin_lines_join(addresses, count);
	const char *params[4] = {
		admin_int_param(id_text, domain_id), alias->localpart, joined, flag,
	};
	ret = admin_command(db, "DELETE FROM aliases WHERE domain_id = $1 AND localpart = $2"
			    " AND target <> ALL (string_to_array($3, E'\\n'))", 3, params, error_r);
	if (ret >= 0)
		ret = admin_command(db, "UPDATE aliases SET reject_external = $3::boolean"
				    " WHERE domain_id = $1 AND localpart = $2"
				    " AND reject_external <> $3::boolean", 3,
				    (const char *[]){ params[0], params[1], flag }, error_r);
	if (ret >= 0)
		ret = admin_alias_insert(db, domain_id, alias, targets, count, flag, true, error_r);
	free(joined);
	free(addresses);
	return ret < 0 ? -1 : 0;
}

enum admin_alias_write { ADMIN_ALIAS_ADD, ADMIN_ALIAS_CREATE, ADMIN_ALIAS_REPLACE };

/* Validate everything, then write in one transaction. */
static int admin_alias_write(struct admin_db *db, enum admin_alias_write mode,
			     const char *address, const char *const *targets,
			     size_t target_count, const char *flag, const char **error_r)
{
	struct admin_address alias, *parsed;
	int64_t domain_id;
	int ret = -1, exists;

	if (target_count == 0) {
		*error_r = admin_error(db, "an alias needs at least one target");
		return -1;
	}
	if (admin_address_parse(db, address, true, &alias, error_r) < 0)
		return -1;
	if (admin_domain_lookup(db, alias.domain, &domain_id, error_r) < 0 ||
	    (parsed = admin_alias_targets_parse(db, &alias, targets, target_count,
						error_r)) == NULL) {
		admin_address_free(&alias);
		return -1;
	}
	if (admin_begin(db, error_r) == 0) {
		exists = mode == ADMIN_ALIAS_ADD ? 0 :
			 admin_alias_exists(db, domain_id, &alias, error_r);
		if (exists < 0)
			ret = -1;
		else if (mode == ADMIN_ALIAS_CREATE && exists)
			*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "alias %s already exists",
					       alias.address);
		else if (mode == ADMIN_ALIAS_REPLACE && !exists)
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such alias %s",
					       alias.address);
		else if (mode == ADMIN_ALIAS_REPLACE)
			ret = admin_alias_rewrite(db, domain_id, &alias, parsed, target_count, flag,
						  error_r);
		else
			ret = admin_alias_insert(db, domain_id, &alias, parsed, target_count, flag,
						 false, error_r);
		ret = admin_end(db, ret, error_r);
	}
	admin_addresses_free(parsed, target_count);
	admin_address_free(&alias);
	return ret;
}

int admin_alias_add(struct admin_db *db, const char *address, const char *const *targets,
		    size_t target_count, const char **error_r)
{
	return admin_alias_write(db, ADMIN_ALIAS_ADD, address, targets, target_count, NULL,
				 error_r);
}

int admin_alias_create(struct admin_db *db, const char *address, const char *const *targets,
		       size_t target_count, bool reject_external, const char **error_r)
{
	return admin_alias_write(db, ADMIN_ALIAS_CREATE, address, targets, target_count,
				 reject_external ? "true" : "false", error_r);
}

int admin_alias_replace(struct admin_db *db, const char *address, const char *const *targets,
			size_t target_count, bool reject_external, const char **error_r)
{
	return admin_alias_write(db, ADMIN_ALIAS_REPLACE, address, targets, target_count,
				 reject_external ? "true" : "false", error_r);
}

int admin_alias_del(struct admin_db *db, const char *address, const char *target,
		    const char **error_r)
{
	static const char sql[] =
		"DELETE FROM aliases al USING domains d"
		" WHERE d.id = al.domain_id AND d.name = $1 AND al.localpart = $2"
		" AND ($3::text IS NULL OR al.target = $3)";
	struct admin_address alias, parsed = { 0 };
	int ret = -1;

	if (admin_address_parse(db, address, true, &alias, error_r) < 0)
		return -1;
	if (target == NULL || admin_address_parse(db, target, false, &parsed, error_r) == 0) {
		const char *params[3] = { alias.domain, alias.localpart, parsed.address };

		ret = admin_command(db, sql, 3, params, error_r);
		if (ret == 0 && target == NULL)
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such alias %s", alias.address);
		else if (ret == 0)
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such alias %s -> %s",
					       alias.address, parsed.address);
	}
	admin_address_free(&parsed);
	admin_address_free(&alias);
	return ret > 0 ? 0 : -1;
}

int admin_alias_list(struct admin_db *db, const char *domain, admin_alias_cb *cb,
		     void *context, const char **error_r)
{
	static const char sql[] =
		"SELECT al.localpart || '@' || d.name, al.target"
		" FROM aliases al JOIN domains d ON d.id = al.domain_id"
		" WHERE $1::bigint IS NULL OR al.domain_id = $1"
		" ORDER BY d.name, al.localpart, al.target";
	char id_text[24];
	const char *param;
	PGresult *res;

	if (admin_domain_filter(db, domain, id_text, &param, error_r) < 0 ||
	    (res = admin_query(db, sql, 1, &param, error_r)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_alias alias = {
			.address = PQgetvalue(res, i, 0),
			.target = PQgetvalue(res, i, 1),
		};

		cb(&alias, context);
	}
	PQclear(res);
	return 0;
}

/* One row per alias: $1 domain id, $2 allowed domain names (newlines), $3
   search text, $4 local part (one alias), each NULL when not filtering.
   The search matches the address or any target, so it is a HAVING: the
   targets that did not match are still listed. */
#define ADMIN_ALIAS_GROUPS \
	" FROM aliases al JOIN domains d ON d.id = al.domain_id" \
	" WHERE ($1::bigint IS NULL OR al.domain_id = $1)" \
	" AND ($2::text IS NULL OR d.name = ANY (string_to_array($2, E'\\n')))" \
	" AND ($4::text IS NULL OR al.localpart = $4)" \
	" GROUP BY d.name, al.localpart" \
	" HAVING $3::text IS NULL OR strpos(al.localpart || '@' || d.name, lower($3)) > 0" \
	"        OR bool_or(strpos(al.target, lower($3)) > 0)"

#define ADMIN_ALIAS_SELECT \
	"SELECT al.localpart || '@' || d.name," \
	" string_agg(al.target, E'\\n' ORDER BY al.target)," \
	" bool_or(al.reject_external), " ADMIN_SQL_TIME("min(al.created_at)")

static void admin_alias_group_rows(PGresult *res, admin_alias_group_cb *cb, void *context)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_alias_group alias = {
			.address = PQgetvalue(res, i, 0),
			.reject_external = admin_result_bool(res, i, 2),
			.created_at = PQgetvalue(res, i, 3),
		};
		const char **targets = admin_lines_split(PQgetvalue(res, i, 1),
							 &alias.target_count);

		alias.targets = targets;
		cb(&alias, context);
		free(targets);
	}
}

/* Returns the number of rows given to cb, or -1. */
static int admin_alias_select(struct admin_db *db, const struct admin_alias_query *query,
			      const char *localpart, admin_alias_group_cb *cb, void *context,
			      long long *total_r, const char **error_r)
{
	static const char sql_asc[] =
		ADMIN_ALIAS_SELECT ADMIN_ALIAS_GROUPS " ORDER BY d.name, al.localpart"
		" LIMIT $5::bigint OFFSET $6::bigint";
	static const char sql_desc[] =
		ADMIN_ALIAS_SELECT ADMIN_ALIAS_GROUPS " ORDER BY d.name DESC, al.localpart DESC"
		" LIMIT $5::bigint OFFSET $6::bigint";
	char id_text[24], limit[24], offset[24];
	const char *params[6];
	char *joined;
	PGresult *res;
	int ret = -1;

	if (admin_domain_filter(db, query->domain, id_text, &params[0], error_r) < 0)
		return -1;
	joined = admin_lines_join(query->domains, query->domain_count);
	params[1] = joined;
	params[2] = admin_paging_search(&query->paging);
	params[3] = localpart;
	params[4] = admin_paging_limit(&query->paging, limit);
	params[5] = admin_int_param(offset, query->paging.offset);
	res = admin_query(db, query->paging.descending ? sql_desc : sql_asc, 6, params, error_r);
	if (res != NULL) {
		admin_alias_group_rows(res, cb, context);
		ret = PQntuples(res);
		PQclear(res);
	}
	if (ret >= 0 && total_r != NULL) {
		res = admin_query(db, "SELECT count(*) FROM (SELECT 1" ADMIN_ALIAS_GROUPS ") g",
				  4, params, error_r);
		if (res == NULL)
			ret = -1;
		else
			*total_r = admin_result_int(res, 0, 0);
		PQclear(res);
	}
	free(joined);
	return ret;
}

int admin_alias_page(struct admin_db *db, const struct admin_alias_query *query,
		     admin_alias_group_cb *cb, void *context, long long *total_r,
		     const char **error_r)
{
	return admin_alias_select(db, query, NULL, cb, context, total_r, error_r) < 0 ? -1 : 0;
}

int admin_alias_get(struct admin_db *db, const char *address, admin_alias_group_cb *cb,
		    void *context, const char **error_r)
{
	struct admin_alias_query query = { .paging.limit = 1 };
	struct admin_address alias;
	int ret;

	if (admin_address_parse(db, address, true, &alias, error_r) < 0)
		return -1;
	query.domain = alias.domain;
	ret = admin_alias_select(db, &query, alias.localpart, cb, context, NULL, error_r);
	if (ret == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no such alias %s", alias.address);
	admin_address_free(&alias);
	return ret > 0 ? 0 : -1;
}
