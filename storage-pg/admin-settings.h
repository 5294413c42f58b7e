/*
 * admin-settings.h — reading and writing rows of the settings table, and
 * the effective value of registry settings (settings.h) at a scope.
 *
 * Writes are validated against the registry; the table's trigger notifies
 * the nodes, which reload. Effective values follow the node's rule: the most
 * specific row (account, domain, server) wins, and an invalid stored value
 * means the built-in default.
 */
#ifndef ADMIN_SETTINGS_H
#define ADMIN_SETTINGS_H

#include "admin-db.h"
#include "settings.h"

/* Where a setting is read or written. */
struct admin_settings_target {
	enum setting_scope scope;
	const char *name;          /* the domain or account address; NULL for the server */
};

struct admin_setting {
	const struct setting_def *def;
	const char *value;           /* effective value */
	const char *source;          /* "default", "server", "domain" or "account" */
	/* A stored value ignored because it is invalid (value is then the
	   default), and the scope it was stored at; NULL otherwise. */
	const char *invalid_value;
	const char *invalid_source;
};

typedef void admin_setting_cb(const struct admin_setting *setting, void *context);

/* "bool", "int", "size", "duration" or "string". */
const char *admin_setting_type_name(enum setting_type type);

/* Store a validated value: "unknown setting 'N'", settings_validate()'s
   sentence, "no such domain D" / "no such account A". */
int admin_settings_set(struct admin_db *db, const struct admin_settings_target *target,
		       const char *name, const char *value, const char **error_r);
/* Remove the row stored at the target ("N is not set for ..."). Rows of
   names no longer in the registry can be removed too. */
int admin_settings_unset(struct admin_db *db, const struct admin_settings_target *target,
			 const char *name, const char **error_r);
/* Effective values at the target for one setting (name) or every registry
   setting (name NULL), in registry order. */
int admin_settings_list(struct admin_db *db, const struct admin_settings_target *target,
			const char *name, admin_setting_cb *cb, void *context,
			const char **error_r);

#endif
