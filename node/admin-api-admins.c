/*
 * admin-api-admins.c — /api/v1/admins (superadmins only): list, create
 * {login, password, role, domains}, get, update (role, domains, password)
 * and delete administrators. The last superadmin cannot be removed or
 * demoted (storage-pg/admin-auth.c refuses, 409).
 */
#include "admin-api-private.h"

#include "admin-auth.h"

#include <stdlib.h>
#include <string.h>

#define ADMIN_API_MAX_DOMAINS 1000

static const char *const admin_admin_sorts[] = { "login", NULL };

static json_t *admin_api_admin_doc(const struct admin_identity *who)
{
	json_t *doc = admin_api_admin_json(who->login, who->superadmin,
					   (const char *const *)who->domains, who->domain_count);

	json_object_set_new(doc, "created_at", json_string(who->created_at));
	return doc;
}

static void admin_api_admin_item(const struct admin_identity *who, void *context)
{
	json_array_append_new(context, admin_api_admin_doc(who));
}

static void admin_api_admins_list(struct admin_call *call)
{
	struct admin_page page;
	json_t *items;
	long long total;
	const char *error;

	if (!admin_call_page(call, admin_admin_sorts, &page))
		return;
	items = json_array();
	if (admin_admin_list(call->db, page.paging.search, page.paging.descending,
			     page.paging.offset, page.per_page, admin_api_admin_item, items, &total,
			     &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static json_t *admin_api_admin_load(struct admin_call *call, const char *login)
{
	struct admin_identity who;
	const char *error;
	json_t *doc;

	if (admin_admin_get(call->db, login, &who, &error) < 0) {
		admin_call_db_error(call, error, NULL);
		return NULL;
	}
	doc = admin_api_admin_doc(&who);
	admin_identity_free(&who);
	return doc;
}

static void admin_api_admin_get(struct admin_call *call)
{
	admin_call_answer(call, admin_api_admin_load(call, call->args[0]));
}

/* role and domains of doc: *superadmin_r and the domain names (borrowed
   from doc). Returns the count, 0 when domains is absent, or -1 with 422. */
static int admin_api_admin_role(struct admin_call *call, const json_t *doc, bool *superadmin_r,
				bool *role_given_r, const char **domains_r)
{
	bool bad = false;
	const char *role = admin_json_string(call, doc, "role", &bad);
	const json_t *list = json_object_get(doc, "domains"), *value;
	size_t i;

	if (bad)
		return -1;
	*role_given_r = role != NULL;
	if (role != NULL && strcmp(role, "superadmin") != 0 && strcmp(role, "domain") != 0) {
		admin_call_error(call, 422, "invalid", "role", "role is superadmin or domain");
		return -1;
	}
	*superadmin_r = role == NULL || strcmp(role, "superadmin") == 0;
	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list) || json_array_size(list) > ADMIN_API_MAX_DOMAINS) {
		admin_call_error(call, 422, "invalid", "domains", "domains must be a list of names");
		return -1;
	}
	json_array_foreach(list, i, value) {
		if (!json_is_string(value)) {
			admin_call_error(call, 422, "invalid", "domains", "domains must be a list of names");
			return -1;
		}
		domains_r[i] = json_string_value(value);
	}
	return (int)json_array_size(list);
}

static void admin_api_admin_create(struct admin_call *call)
{
	const char *domains[ADMIN_API_MAX_DOMAINS];
	const char *login, *password, *error;
	bool bad = false, superadmin, role_given;
	int count;

	if (!admin_call_body_object(call))
		return;
	login = admin_json_string(call, call->body, "login", &bad);
	password = bad ? NULL : admin_json_string(call, call->body, "password", &bad);
	if (bad)
		return;
	if (login == NULL || password == NULL) {
		admin_call_error(call, 422, "invalid", login == NULL ? "login" : "password",
				 "%s is required", login == NULL ? "login" : "password");
		return;
	}
	count = admin_api_admin_role(call, call->body, &superadmin, &role_given, domains);
	if (count < 0)
		return;
	/* no default: a forgotten role must not make a superadmin */
	if (!role_given) {
		admin_call_error(call, 422, "invalid", "role", "role is required (superadmin or domain)");
		return;
	}
	if (admin_admin_add(call->db, login, password, superadmin, domains, (unsigned int)count,
			    &error) < 0) {
		admin_call_db_error(call, error, strstr(error, "domain") != NULL ? "domains" : "login");
		return;
	}
	admin_call_answer(call, admin_api_admin_load(call, login));
	call->status = call->status == 0 ? 201 : call->status;
}

/* Apply the changed members of updated (role, domains, password). */
static void admin_api_admin_apply(struct admin_call *call, const json_t *current,
				  const json_t *updated)
{
	const char *domains[ADMIN_API_MAX_DOMAINS], *password, *error;
	bool superadmin, role_given, bad = false;
	int count;

	static const char *const read_only[] = { "login", "created_at" };

	for (unsigned int i = 0; i < 2; i++) {
		const json_t *value = json_object_get(updated, read_only[i]);

		/* PUT may leave them out; nobody may change them */
		if (value != NULL && !json_equal(value, json_object_get(current, read_only[i]))) {
			admin_call_error(call, 422, "invalid", read_only[i], "%s cannot be changed",
					 read_only[i]);
			return;
		}
	}
	password = admin_json_string(call, updated, "password", &bad);
	if (bad || (count = admin_api_admin_role(call, updated, &superadmin, &role_given,
						 domains)) < 0)
		return;
	if (admin_admin_update(call->db, call->args[0], role_given ? &superadmin : NULL,
			       json_object_get(updated, "domains") != NULL ? domains : NULL,
			       (unsigned int)count, &error) < 0) {
		/* a conflict is the last superadmin losing its role */
		admin_call_db_error(call, error, admin_db_error_kind(call->db) ==
				    ADMIN_ERROR_CONFLICT ? "role" : "domains");
		return;
	}
	if (password != NULL && admin_admin_passwd(call->db, call->args[0], password, &error) < 0) {
		admin_call_db_error(call, error, "password");
		return;
	}
	admin_call_answer(call, admin_api_admin_load(call, call->args[0]));
}

static void admin_api_admin_update(struct admin_call *call)
{
	json_t *current = admin_api_admin_load(call, call->args[0]), *updated;

	if (current == NULL)
		return;
	updated = admin_call_patched(call, current);
	if (updated != NULL)
		admin_api_admin_apply(call, current, updated);
	json_decref(updated);
	json_decref(current);
}

static void admin_api_admin_delete(struct admin_call *call)
{
	const char *error;

	if (admin_admin_del(call->db, call->args[0], &error) < 0)
		admin_call_db_error(call, error, NULL);
}

ADMIN_ROUTES(admin_api_admin_routes,
	{ "GET", "/admins", ADMIN_ROLE_SUPER, admin_api_admins_list },
	{ "POST", "/admins", ADMIN_ROLE_SUPER, admin_api_admin_create },
	{ "GET", "/admins/{}", ADMIN_ROLE_SUPER, admin_api_admin_get },
	{ "PATCH", "/admins/{}", ADMIN_ROLE_SUPER, admin_api_admin_update },
	{ "PUT", "/admins/{}", ADMIN_ROLE_SUPER, admin_api_admin_update },
	{ "DELETE", "/admins/{}", ADMIN_ROLE_SUPER, admin_api_admin_delete },
)
