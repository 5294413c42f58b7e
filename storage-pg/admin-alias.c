/*
 * admin-alias.c — adding, removing and listing aliases (see admin-alias.h).
 */
#include "admin-alias.h"

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

static int admin_alias_insert(struct admin_db *db, int64_t domain_id,
			      const struct admin_address *alias,
			      const struct admin_address *targets, size_t count,
			      const char **error_r)
{
	char id_text[24];
	int ret = 0;

	if (admin_begin(db, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count && ret == 0; i++) {
		const char *params[3] = {
			admin_int_param(id_text, domain_id), alias->localpart, targets[i].address,
		};

		ret = admin_command(db, "INSERT INTO aliases (domain_id, localpart, target)"
				    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
				    3, params, error_r);
		if (ret == 0) {
			*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "alias %s -> %s already exists",
					       alias->address, targets[i].address);
			ret = -1;
		} else if (ret > 0) {
			ret = 0;
		}
	}
	return admin_end(db, ret, error_r);
}

int admin_alias_add(struct admin_db *db, const char *address, const char *const *targets,
		    size_t target_count, const char **error_r)
{
	struct admin_address alias, *parsed = NULL;
	int64_t domain_id;
	int ret = -1;

	if (target_count == 0) {
		*error_r = admin_error(db, "an alias needs at least one target");
		return -1;
	}
	if (admin_address_parse(db, address, true, &alias, error_r) < 0)
		return -1;
	if (admin_domain_lookup(db, alias.domain, &domain_id, error_r) == 0 &&
	    (parsed = admin_alias_targets_parse(db, &alias, targets, target_count,
						error_r)) != NULL) {
		ret = admin_alias_insert(db, domain_id, &alias, parsed, target_count, error_r);
		admin_addresses_free(parsed, target_count);
	}
	admin_address_free(&alias);
	return ret;
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
