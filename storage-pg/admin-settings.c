/*
 * admin-settings.c — writing rows of the settings table and computing
 * effective values with their source (see admin-settings.h).
 */
#include "admin-settings.h"

#include "admin-private.h"

#include <assert.h>
#include <string.h>

/* The rows a target reads: its own scope's and the ones it inherits from. */
struct admin_settings_ids {
	int64_t scope_id;       /* the target's own row key */
	int64_t domain_id;      /* 0 for the server */
	int64_t account_id;     /* 0 unless the target is an account */
};

static int admin_settings_resolve(struct admin_db *db, const struct admin_settings_target *target,
				  struct admin_settings_ids *ids_r, const char **error_r)
{
	memset(ids_r, 0, sizeof(*ids_r));
	switch (target->scope) {
	case SETTING_SCOPE_SERVER:
		return 0;
	case SETTING_SCOPE_DOMAIN:
		if (admin_domain_lookup(db, target->name, &ids_r->domain_id, error_r) < 0)
			return -1;
		ids_r->scope_id = ids_r->domain_id;
		return 0;
	case SETTING_SCOPE_ACCOUNT:
		if (admin_account_lookup(db, target->name, &ids_r->account_id,
					 &ids_r->domain_id, error_r) < 0)
			return -1;
		ids_r->scope_id = ids_r->account_id;
		return 0;
	}
	assert(!"unknown setting scope");
	return -1;
}

static const struct setting_def *admin_settings_def(struct admin_db *db, const char *name,
						    const char **error_r)
{
	const struct setting_def *def = settings_find(name);

	if (def == NULL)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "unknown setting '%s'", name);
	return def;
}

const char *admin_setting_type_name(enum setting_type type)
{
	static const char *const names[] = {
		[SETTING_BOOL] = "bool",
		[SETTING_INT] = "int",
		[SETTING_SIZE] = "size",
		[SETTING_DURATION] = "duration",
		[SETTING_STRING] = "string",
	};

	assert((size_t)type < sizeof(names) / sizeof(names[0]));
	return names[type];
}

int admin_settings_set(struct admin_db *db, const struct admin_settings_target *target,
		       const char *name, const char *value, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO settings (scope, scope_id, name, value) VALUES ($1, $2, $3, $4)"
		" ON CONFLICT (scope, scope_id, name)"
		" DO UPDATE SET value = EXCLUDED.value, updated_at = now()";
	const struct setting_def *def = admin_settings_def(db, name, error_r);
	struct admin_settings_ids ids;
	char scope_id[24];

	if (def == NULL || admin_settings_resolve(db, target, &ids, error_r) < 0)
		return -1;
	if (settings_validate(def, value, error_r) < 0) {
		/* a static sentence: through db->error so its kind is "invalid" */
		*error_r = admin_error(db, "%s", *error_r);
		return -1;
	}
	const char *params[4] = {
		settings_scope_name(target->scope), admin_int_param(scope_id, ids.scope_id),
		name, value,
	};
	return admin_command(db, sql, 4, params, error_r) < 0 ? -1 : 0;
}

int admin_settings_unset(struct admin_db *db, const struct admin_settings_target *target,
			 const char *name, const char **error_r)
{
	static const char sql[] =
		"DELETE FROM settings WHERE scope = $1 AND scope_id = $2 AND name = $3";
	struct admin_settings_ids ids;
	char scope_id[24];
	int ret;

	if (admin_settings_resolve(db, target, &ids, error_r) < 0)
		return -1;
	const char *params[3] = {
		settings_scope_name(target->scope), admin_int_param(scope_id, ids.scope_id), name,
	};
	ret = admin_command(db, sql, 3, params, error_r);
	if (ret == 0 && admin_settings_def(db, name, error_r) != NULL) {
		if (target->scope == SETTING_SCOPE_SERVER)
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "%s is not set for the server", name);
		else
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "%s is not set for %s %s", name,
					       settings_scope_name(target->scope), target->name);
	}
	return ret > 0 ? 0 : -1;
}

/* The effective value of def among the loaded rows (scope, name, value). */
static void admin_setting_effective(const PGresult *res, const struct setting_def *def,
				    struct admin_setting *setting_r)
{
	int best_row = -1, best_scope = -1;
	const char *error;

	for (int i = 0; i < PQntuples(res); i++) {
		int scope = settings_scope_parse(PQgetvalue(res, i, 0));

		if (strcmp(PQgetvalue(res, i, 1), def->name) == 0 && scope > best_scope) {
			best_scope = scope;
			best_row = i;
		}
	}
	*setting_r = (struct admin_setting) {
		.def = def, .value = def->default_value, .source = "default",
	};
	if (best_row < 0)
		return;
	if (settings_validate(def, PQgetvalue(res, best_row, 2), &error) == 0) {
		setting_r->value = PQgetvalue(res, best_row, 2);
		setting_r->source = settings_scope_name(best_scope);
	} else {
		setting_r->invalid_value = PQgetvalue(res, best_row, 2);
		setting_r->invalid_source = settings_scope_name(best_scope);
	}
}

int admin_settings_list(struct admin_db *db, const struct admin_settings_target *target,
			const char *name, admin_setting_cb *cb, void *context,
			const char **error_r)
{
	static const char sql[] =
		"SELECT scope, name, value FROM settings"
		" WHERE (scope = 'server' OR (scope = 'domain' AND scope_id = $1)"
		"        OR (scope = 'account' AND scope_id = $2))"
		" AND ($3::text IS NULL OR name = $3)";
	const struct setting_def *defs;
	struct admin_settings_ids ids;
	char domain_id[24], account_id[24];
	size_t count;
	PGresult *res;

	if (name != NULL) {
		if ((defs = admin_settings_def(db, name, error_r)) == NULL)
			return -1;
		count = 1;
	} else {
		defs = settings_all(&count);
	}
	if (admin_settings_resolve(db, target, &ids, error_r) < 0)
		return -1;
	const char *params[3] = {
		admin_int_param(domain_id, ids.domain_id),
		admin_int_param(account_id, ids.account_id), name,
	};
	if ((res = admin_query(db, sql, 3, params, error_r)) == NULL)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct admin_setting setting;

		admin_setting_effective(res, &defs[i], &setting);
		cb(&setting, context);
	}
	PQclear(res);
	return 0;
}
