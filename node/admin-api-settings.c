/*
 * admin-api-settings.c — settings at the server, domain and account scope:
 * /api/v1/settings[/{name}], /domains/{d}/settings[/{name}] and
 * /accounts/{a}/settings[/{name}].
 *
 * Each setting shows the value stored at this scope (null when it
 * inherits), the built-in default, the effective value and where that
 * came from: account > domain > server > default (CommuniGate's
 * GETACCOUNTEFFECTIVESETTINGS). PUT {value} stores a value validated by
 * the registry (422 with the parse error); DELETE removes it, so the
 * scope inherits again. The list is the registry, paged in memory: it is
 * a fixed, short table, not rows of the database.
 */
#include "admin-api.h"

#include "admin-settings.h"

#include <stdio.h>
#include <string.h>

static const char *const admin_settings_sorts[] = { "name", NULL };

/* What admin_settings_list() gives is collected into: every setting
   matching the page's search, or the one setting asked for. */
struct admin_settings_list {
	const struct admin_settings_target *target;
	const struct admin_page *page;    /* NULL for one setting */
	json_t *items;
};

static json_t *admin_setting_to_json(const struct admin_settings_target *target,
				     const struct admin_setting *setting)
{
	const char *scope = settings_scope_name(target->scope), *stored = NULL;

	if (strcmp(setting->source, scope) == 0)
		stored = setting->value;
	else if (setting->invalid_source != NULL && strcmp(setting->invalid_source, scope) == 0)
		stored = setting->invalid_value;
	json_t *doc = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s}",
				"name", setting->def->name, "value", stored,
				"default", setting->def->default_value,
				"effective", setting->value, "source", setting->source,
				"type", admin_setting_type_name(setting->def->type),
				"description", setting->def->description);

	if (setting->invalid_value != NULL)
		json_object_set_new(doc, "invalid_value",
				    json_pack("{s:s, s:s}", "value", setting->invalid_value,
					      "source", setting->invalid_source));
	return doc;
}

static bool admin_setting_matches(const struct admin_setting *setting, const char *search)
{
	return search == NULL || strcasestr(setting->def->name, search) != NULL ||
	       strcasestr(setting->def->description, search) != NULL;
}

static void admin_settings_collect(const struct admin_setting *setting, void *context)
{
	struct admin_settings_list *list = context;

	if (list->page == NULL)
		list->items = admin_setting_to_json(list->target, setting);
	else if (admin_setting_matches(setting, list->page->paging.search))
		json_array_append_new(list->items, admin_setting_to_json(list->target, setting));
}

/* The page's window over every match (the registry comes sorted by name). */
static json_t *admin_settings_window(json_t *all, const struct admin_page *page)
{
	json_t *items = json_array();
	size_t total = json_array_size(all);

	for (size_t i = 0; i < page->per_page && (size_t)page->paging.offset + i < total; i++) {
		size_t at = (size_t)page->paging.offset + i;

		json_array_append(items,
				  json_array_get(all, page->paging.descending ? total - 1 - at : at));
	}
	json_decref(all);
	return items;
}

/* The scope of the route: server, /domains/{d} or /accounts/{a}, checked
   against the caller's domains. */
static bool admin_settings_target(struct admin_call *call, enum setting_scope scope,
				  struct admin_settings_target *target_r)
{
	target_r->scope = scope;
	target_r->name = scope == SETTING_SCOPE_SERVER ? NULL : call->args[0];
	if (scope == SETTING_SCOPE_DOMAIN)
		return admin_call_domain_allowed(call, target_r->name);
	if (scope == SETTING_SCOPE_ACCOUNT)
		return admin_call_address_allowed(call, target_r->name);
	return true;
}

/* The setting name of a /.../settings/{name} route. */
static const char *admin_settings_name(const struct admin_call *call)
{
	return call->args[call->arg_count - 1];
}

static void admin_api_settings_list(struct admin_call *call, enum setting_scope scope)
{
	struct admin_settings_target target;
	struct admin_page page;
	const char *error;

	if (!admin_settings_target(call, scope, &target) ||
	    !admin_call_page(call, admin_settings_sorts, &page))
		return;
	struct admin_settings_list list = {
		.target = &target, .page = &page, .items = json_array(),
	};

	if (admin_settings_list(call->db, &target, NULL, admin_settings_collect, &list,
				&error) < 0) {
		json_decref(list.items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	long long total = (long long)json_array_size(list.items);

	admin_call_list(call, &page, admin_settings_window(list.items, &page), total);
}

static void admin_api_settings_get(struct admin_call *call, enum setting_scope scope)
{
	struct admin_settings_target target;
	const char *error;

	if (!admin_settings_target(call, scope, &target))
		return;
	struct admin_settings_list list = { .target = &target };

	if (admin_settings_list(call->db, &target, admin_settings_name(call),
				admin_settings_collect, &list, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->result = list.items;
}

/* The body's value as the registry's text: a string, or a number or
   boolean written the way the registry reads it. */
static bool admin_settings_value(struct admin_call *call, char *buf, size_t size)
{
	json_t *value = json_is_object(call->body) ? json_object_get(call->body, "value") : NULL;

	if (json_is_string(value))
		snprintf(buf, size, "%s", json_string_value(value));
	else if (json_is_integer(value))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
	else if (json_is_boolean(value))
		snprintf(buf, size, "%s", json_is_true(value) ? "yes" : "no");
	else {
		admin_call_error(call, 422, "invalid", "value",
				 "the body must be {\"value\": a string, number or boolean}");
		return false;
	}
	if (json_is_string(value) && strlen(json_string_value(value)) >= size) {
		admin_call_error(call, 422, "invalid", "value", "the value is too long");
		return false;
	}
	return true;
}

static void admin_api_settings_put(struct admin_call *call, enum setting_scope scope)
{
	struct admin_settings_target target;
	const char *error;
	char value[4096];

	if (!admin_settings_target(call, scope, &target) ||
	    !admin_settings_value(call, value, sizeof(value)))
		return;
	if (admin_settings_set(call->db, &target, admin_settings_name(call), value, &error) < 0)
		/* not found: the setting in the path, not the value */
		admin_call_db_error(call, error, admin_db_error_kind(call->db) ==
				    ADMIN_ERROR_NOT_FOUND ? NULL : "value");
	else
		admin_api_settings_get(call, scope);
}

static void admin_api_settings_delete(struct admin_call *call, enum setting_scope scope)
{
	struct admin_settings_target target;
	const char *error;

	if (!admin_settings_target(call, scope, &target))
		return;
	if (admin_settings_unset(call->db, &target, admin_settings_name(call), &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->status = 204;
}

/* One handler per route and scope (the route table takes plain handlers). */
#define ADMIN_SETTINGS_HANDLERS(scope_name, scope)                                          \
	static void admin_settings_list_##scope_name(struct admin_call *call)              \
	{ admin_api_settings_list(call, scope); }                                              \
	static void admin_settings_get_##scope_name(struct admin_call *call)               \
	{ admin_api_settings_get(call, scope); }                                               \
	static void admin_settings_put_##scope_name(struct admin_call *call)               \
	{ admin_api_settings_put(call, scope); }                                               \
	static void admin_settings_delete_##scope_name(struct admin_call *call)            \
	{ admin_api_settings_delete(call, scope); }

ADMIN_SETTINGS_HANDLERS(server, SETTING_SCOPE_SERVER)
ADMIN_SETTINGS_HANDLERS(domain, SETTING_SCOPE_DOMAIN)
ADMIN_SETTINGS_HANDLERS(account, SETTING_SCOPE_ACCOUNT)

#define ADMIN_SETTINGS_ROUTES(prefix, role, scope_name)                                     \
	{ "GET", prefix "/settings", role, admin_settings_list_##scope_name },              \
	{ "GET", prefix "/settings/{}", role, admin_settings_get_##scope_name },            \
	{ "PUT", prefix "/settings/{}", role, admin_settings_put_##scope_name },            \
	{ "DELETE", prefix "/settings/{}", role, admin_settings_delete_##scope_name }

ADMIN_ROUTES(admin_settings_routes,
	ADMIN_SETTINGS_ROUTES("", ADMIN_ROLE_SUPER, server),
	ADMIN_SETTINGS_ROUTES("/domains/{}", ADMIN_ROLE_DOMAIN, domain),
	ADMIN_SETTINGS_ROUTES("/accounts/{}", ADMIN_ROLE_DOMAIN, account),
)
