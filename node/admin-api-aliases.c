/*
 * admin-api-aliases.c — /api/v1/aliases: aliases and distribution lists
 * (an alias with several targets; the targets are the list's members),
 * with the list's "reject mail from external senders" flag. List, get,
 * create, update (targets replaced, or added and removed with JSON Patch
 * on /targets) and delete, on storage-pg/admin-alias.h.
 *
 * Domain admins work on their domains' aliases only; targets may be any
 * address, as with petrelctl alias add.
 */
#include "admin-api.h"

#include "admin-alias.h"
#include "xalloc.h"

#include <stdlib.h>

static const char *const admin_aliases_sorts[] = { "address", NULL };

static json_t *admin_alias_to_json(const struct admin_alias_group *alias)
{
	json_t *targets = json_array();

	for (size_t i = 0; i < alias->target_count; i++)
		json_array_append_new(targets, json_string(alias->targets[i]));
	return json_pack("{s:s, s:o, s:b, s:s}", "address", alias->address, "targets", targets,
			 "reject_external", alias->reject_external,
			 "created_at", alias->created_at);
}

static void admin_alias_append(const struct admin_alias_group *alias, void *context)
{
	json_array_append_new(context, admin_alias_to_json(alias));
}

static void admin_alias_store(const struct admin_alias_group *alias, void *context)
{
	*(json_t **)context = admin_alias_to_json(alias);
}

static json_t *admin_aliases_load(struct admin_call *call, const char *address)
{
	json_t *doc = NULL;
	const char *error;

	if (admin_alias_get(call->db, address, admin_alias_store, &doc, &error) < 0) {
		admin_call_db_error(call, error, NULL);
		return NULL;
	}
	return doc;
}

static void admin_aliases_list(struct admin_call *call)
{
	struct admin_alias_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_aliases_sorts, &page))
		return;
	if (!admin_call_domain_scope(call, &query.domain, &query.domains, &query.domain_count))
		return;
	query.paging = page.paging;
	items = json_array();
	if (admin_alias_page(call->db, &query, admin_alias_append, items, &total, &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, query.domain != NULL ? "domain" : NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static void admin_aliases_get(struct admin_call *call)
{
	if (admin_call_address_allowed(call, call->args[0]))
		admin_call_answer(call, admin_aliases_load(call, call->args[0]));
}

/* targets (an array of strings) and reject_external of a body; targets
   is malloc'd, pointing into body. */
static bool admin_aliases_fields(struct admin_call *call, const json_t *body,
				 const char ***targets_r, size_t *count_r, bool *reject_r)
{
	json_t *targets = json_object_get(body, "targets"), *item;
	bool bad = false;
	size_t i;

	admin_json_boolean(call, body, "reject_external", reject_r, &bad);
	if (bad)
		return false;
	if (!json_is_array(targets) || json_array_size(targets) == 0) {
		admin_call_error(call, 422, "invalid", "targets",
				 "targets must be a non-empty array of addresses");
		return false;
	}
	*count_r = json_array_size(targets);
	*targets_r = xcalloc(*count_r, sizeof(**targets_r));
	json_array_foreach(targets, i, item) {
		if (!json_is_string(item)) {
			admin_call_error(call, 422, "invalid", "targets",
					 "targets[%zu] must be a string", i);
			free(*targets_r);
			return false;
		}
		(*targets_r)[i] = json_string_value(item);
	}
	return true;
}

static void admin_aliases_create(struct admin_call *call)
{
	const char *address, *error, **targets;
	bool bad = false, reject = false;
	size_t count;

	if (!admin_call_body_object(call))
		return;
	address = admin_json_string(call, call->body, "address", &bad);
	if (bad)
		return;
	if (address == NULL) {
		admin_call_error(call, 422, "invalid", "address", "address is required");
		return;
	}
	if (!admin_call_address_allowed(call, address) ||
	    !admin_aliases_fields(call, call->body, &targets, &count, &reject))
		return;
	if (admin_alias_create(call->db, address, targets, count, reject, &error) < 0) {
		admin_call_db_error(call, error, NULL);
	} else {
		call->status = 201;
		admin_call_answer(call, admin_aliases_load(call, address));
	}
	free(targets);
}

static void admin_aliases_update(struct admin_call *call)
{
	const char *address = call->args[0], *error, **targets = NULL;
	json_t *current, *patched;
	bool reject = false;
	size_t count;

	if (!admin_call_address_allowed(call, address) ||
	    (current = admin_aliases_load(call, address)) == NULL)
		return;
	patched = admin_call_patched(call, current);
	if (patched == NULL) {
		/* the answer is set */
	} else if (!json_is_object(patched)) {
		admin_call_error(call, 422, "invalid", NULL, "an alias is a JSON object");
	} else if (!json_equal(json_object_get(patched, "address"),
			       json_object_get(current, "address")) &&
		   json_object_get(patched, "address") != NULL) {
		admin_call_error(call, 422, "invalid", "address", "address cannot be changed");
	} else if (admin_aliases_fields(call, patched, &targets, &count, &reject)) {
		if (admin_alias_replace(call->db, address, targets, count, reject, &error) < 0)
			admin_call_db_error(call, error, "targets");
		else
			admin_call_answer(call, admin_aliases_load(call, address));
		free(targets);
	}
	json_decref(patched);
	json_decref(current);
}

static void admin_aliases_delete(struct admin_call *call)
{
	const char *error;

	if (!admin_call_address_allowed(call, call->args[0]))
		return;
	if (admin_alias_del(call->db, call->args[0], NULL, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->status = 204;
}

ADMIN_ROUTES(admin_aliases_routes,
	{ "GET", "/aliases", ADMIN_ROLE_DOMAIN, admin_aliases_list },
	{ "POST", "/aliases", ADMIN_ROLE_DOMAIN, admin_aliases_create },
	{ "GET", "/aliases/{}", ADMIN_ROLE_DOMAIN, admin_aliases_get },
	{ "PATCH", "/aliases/{}", ADMIN_ROLE_DOMAIN, admin_aliases_update },
	{ "PUT", "/aliases/{}", ADMIN_ROLE_DOMAIN, admin_aliases_update },
	{ "DELETE", "/aliases/{}", ADMIN_ROLE_DOMAIN, admin_aliases_delete },
)
