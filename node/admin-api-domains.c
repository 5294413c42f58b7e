/*
 * admin-api-domains.c — /api/v1/domains: list and get with account and
 * alias counts (a domain admin sees only its domains); create, rename by
 * PATCH {"name": ...} and delete (superadmins: a rename moves every
 * address of the domain, as much a change of the delegation as a delete).
 */
#include "admin-api.h"

#include "admin-domain.h"

#include <string.h>

static const char *const admin_domain_sorts[] = {
	"name", "created_at", "accounts", "aliases", NULL,
};

/* Fields GET shows that no update may change. */
static const char *const admin_domain_read_only[] = { "accounts", "aliases", "created_at", NULL };

static void admin_domain_json(const struct admin_domain *domain, void *context)
{
	json_t *item = json_pack("{s:s, s:I, s:I, s:s}", "name", domain->name,
				 "accounts", (json_int_t)domain->accounts,
				 "aliases", (json_int_t)domain->aliases,
				 "created_at", domain->created_at);

	/* a list collects items; a single GET fills its object */
	if (json_is_array((json_t *)context)) {
		json_array_append_new(context, item);
	} else {
		json_object_update(context, item);
		json_decref(item);
	}
}

static void admin_api_domains_list(struct admin_call *call)
{
	struct admin_page page;
	struct admin_domain_query query;
	json_t *items;
	long long total;
	const char *error;

	if (!admin_call_page(call, admin_domain_sorts, &page))
		return;
	query = (struct admin_domain_query){
		.paging = page.paging,
		.admin_id = call->who->superadmin ? 0 : call->who->id,
	};
	items = json_array();
	if (admin_domain_page(call->db, &query, admin_domain_json, items, &total, &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

/* The domain as GET shows it, or NULL with the answer set. */
static json_t *admin_api_domain_load(struct admin_call *call, const char *name)
{
	json_t *domain = json_object();
	const char *error;

	if (admin_domain_get(call->db, name, admin_domain_json, domain, &error) < 0) {
		json_decref(domain);
		admin_call_db_error(call, error, NULL);
		return NULL;
	}
	return domain;
}

static void admin_api_domain_get(struct admin_call *call)
{
	if (admin_call_domain_allowed(call, call->args[0]))
		admin_call_answer(call, admin_api_domain_load(call, call->args[0]));
}

static void admin_api_domain_create(struct admin_call *call)
{
	bool bad = false;
	const char *name, *error;

	if (!admin_call_body_object(call))
		return;
	name = admin_json_string(call, call->body, "name", &bad);
	if (bad)
		return;
	if (name == NULL) {
		admin_call_error(call, 422, "invalid", "name", "name is required");
		return;
	}
	if (admin_domain_add(call->db, name, &error) < 0) {
		admin_call_db_error(call, error, "name");
		return;
	}
	admin_call_answer(call, admin_api_domain_load(call, name));
	call->status = call->status == 0 ? 201 : call->status;
}

static void admin_api_domain_update(struct admin_call *call)
{
	json_t *current, *updated = NULL;
	const char *name, *error;
	bool bad = false;

	if (!admin_call_domain_allowed(call, call->args[0]) ||
	    (current = admin_api_domain_load(call, call->args[0])) == NULL)
		return;
	if ((updated = admin_call_patched(call, current)) == NULL)
		goto out;
	for (unsigned int i = 0; admin_domain_read_only[i] != NULL; i++) {
		const char *field = admin_domain_read_only[i];
		json_t *value = json_object_get(updated, field);

		if (value != NULL && !json_equal(value, json_object_get(current, field))) {
			admin_call_error(call, 422, "invalid", field, "%s cannot be changed", field);
			goto out;
		}
	}
	name = admin_json_string(call, updated, "name", &bad);
	if (bad)
		goto out;
	if (name == NULL) {
		admin_call_error(call, 422, "invalid", "name", "name is required");
		goto out;
	}
	if (strcmp(name, json_string_value(json_object_get(current, "name"))) != 0 &&
	    admin_domain_rename(call->db, call->args[0], name, &error) < 0) {
		admin_call_db_error(call, error, "name");
		goto out;
	}
	admin_call_answer(call, admin_api_domain_load(call, name));
out:
	json_decref(updated);
	json_decref(current);
}

static void admin_api_domain_delete(struct admin_call *call)
{
	const char *force = admin_call_query(call, "force"), *error;

	if (admin_domain_del(call->db, call->args[0], force != NULL && strcmp(force, "true") == 0,
			     &error) < 0)
		admin_call_db_error(call, error, NULL);
}

ADMIN_ROUTES(admin_api_domain_routes,
	{ "GET", "/domains", ADMIN_ROLE_DOMAIN, admin_api_domains_list },
	{ "POST", "/domains", ADMIN_ROLE_SUPER, admin_api_domain_create },
	{ "GET", "/domains/{}", ADMIN_ROLE_DOMAIN, admin_api_domain_get },
	{ "PATCH", "/domains/{}", ADMIN_ROLE_SUPER, admin_api_domain_update },
	{ "PUT", "/domains/{}", ADMIN_ROLE_SUPER, admin_api_domain_update },
	{ "DELETE", "/domains/{}", ADMIN_ROLE_SUPER, admin_api_domain_delete },
)
