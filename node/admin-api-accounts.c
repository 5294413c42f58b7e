/*
 * admin-api-accounts.c — /api/v1/accounts: list (paged, searched and
 * sorted in SQL), get, create, update (merge patch or JSON Patch) and
 * delete mail accounts, on the admin layer petrelctl uses
 * (storage-pg/admin-account.h).
 *
 * A domain admin sees and changes only their domains' accounts, and may
 * not make master users: a master user logs in as anyone, in any domain.
 */
#include "admin-api.h"

#include "admin-account.h"

#include <string.h>

static const char *const admin_accounts_sorts[] = {
	"address", "display_name", "used_bytes", "created_at", "quota_bytes", NULL,
};

static json_t *admin_account_to_json(const struct admin_account *account)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:s}",
				"address", account->address,
				"display_name", account->display_name,
				"status", account->status,
				"quota_bytes", (json_int_t)account->quota_bytes,
				"used_bytes", (json_int_t)account->used_bytes,
				"messages", (json_int_t)account->messages,
				"is_master", account->is_master,
				"created_at", account->created_at);
	json_t *aliases = json_array();

	for (size_t i = 0; i < account->alias_count; i++)
		json_array_append_new(aliases, json_string(account->aliases[i]));
	json_object_set_new(doc, "aliases", aliases);
	return doc;
}

static void admin_account_append(const struct admin_account *account, void *context)
{
	json_array_append_new(context, admin_account_to_json(account));
}

static void admin_account_store(const struct admin_account *account, void *context)
{
	*(json_t **)context = admin_account_to_json(account);
}

/* The account as GET shows it, or NULL with the answer set. */
static json_t *admin_accounts_load(struct admin_call *call, const char *address)
{
	json_t *doc = NULL;
	const char *error;

	if (admin_account_get(call->db, address, admin_account_store, &doc, &error) < 0) {
		admin_call_db_error(call, error, NULL);
		return NULL;
	}
	return doc;
}

static void admin_accounts_list(struct admin_call *call)
{
	struct admin_account_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_accounts_sorts, &page))
		return;
	if (!admin_call_domain_scope(call, &query.domain, &query.domains, &query.domain_count))
		return;
	query.paging = page.paging;
	items = json_array();
	if (admin_account_page(call->db, &query, admin_account_append, items, &total,
			       &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, query.domain != NULL ? "domain" : NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static void admin_accounts_get(struct admin_call *call)
{
	if (admin_call_address_allowed(call, call->args[0]))
		admin_call_answer(call, admin_accounts_load(call, call->args[0]));
}

/* The writable fields of a create or update body, type-checked. */
struct admin_account_fields {
	const char *password, *display_name, *status;
	long long quota_bytes;
	bool has_quota, is_master, has_master;
};

static bool admin_account_fields_read(struct admin_call *call, const json_t *body,
				      struct admin_account_fields *f)
{
	bool bad = false;

	/* one answer: stop at the first field of the wrong type */
	f->password = admin_json_string(call, body, "password", &bad);
	if (!bad)
		f->display_name = admin_json_string(call, body, "display_name", &bad);
	if (!bad)
		f->status = admin_json_string(call, body, "status", &bad);
	if (!bad)
		f->has_quota = admin_json_integer(call, body, "quota_bytes", &f->quota_bytes, &bad);
	if (!bad)
		f->has_master = admin_json_boolean(call, body, "is_master", &f->is_master, &bad);
	if (bad)
		return false;
	if (f->status != NULL && strcmp(f->status, "active") != 0 &&
	    strcmp(f->status, "blocked") != 0) {
		admin_call_error(call, 422, "invalid", "status",
				 "status must be \"active\" or \"blocked\"");
		return false;
	}
	if (f->has_master && f->is_master && !call->who->superadmin) {
		admin_call_error(call, 403, "forbidden", "is_master",
				 "only a superadmin may make master users");
		return false;
	}
	return true;
}

static void admin_accounts_create(struct admin_call *call)
{
	struct admin_account_fields f = { 0 };
	const char *address, *error;
	bool bad = false;

	if (!admin_call_body_object(call))
		return;
	address = admin_json_string(call, call->body, "address", &bad);
	if (bad || !admin_account_fields_read(call, call->body, &f))
		return;
	if (address == NULL || f.password == NULL) {
		admin_call_error(call, 422, "invalid", address == NULL ? "address" : "password",
				 "%s is required", address == NULL ? "address" : "password");
		return;
	}
	if (!admin_call_address_allowed(call, address))
		return;
	const struct admin_account_new account = {
		.address = address, .password = f.password, .display_name = f.display_name,
		.quota_bytes = f.quota_bytes, .is_master = f.is_master,
	};
	if (admin_account_add(call->db, &account, &error) < 0 ||
	    (f.status != NULL && strcmp(f.status, "blocked") == 0 &&
	     admin_account_set_blocked(call->db, address, true, &error) < 0)) {
		admin_call_db_error(call, error, NULL);
		return;
	}
	call->status = 201;
	admin_call_answer(call, admin_accounts_load(call, address));
}

/* Fields an update may not change (computed or the key). */
static bool admin_accounts_fixed_kept(struct admin_call *call, const json_t *current,
				      const json_t *patched)
{
	static const char *const fixed[] = {
		"address", "used_bytes", "messages", "aliases", "created_at",
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		json_t *now = json_object_get(patched, fixed[i]);

		if (now != NULL && !json_equal(now, json_object_get(current, fixed[i]))) {
			admin_call_error(call, 422, "invalid", fixed[i], "%s cannot be changed",
					 fixed[i]);
			return false;
		}
	}
	return true;
}

/* Apply the fields that differ from the current document. */
static int admin_accounts_apply(struct admin_call *call, const char *address,
				const json_t *current, const struct admin_account_fields *f,
				const char **error_r)
{
	struct admin_db *db = call->db;

	const char *display_name = json_string_value(json_object_get(current, "display_name"));

	if (f->password != NULL &&
	    admin_account_set_password(db, address, f->password, error_r) < 0)
		return -1;
	if (f->display_name != NULL && strcmp(f->display_name, display_name) != 0 &&
	    admin_account_set_display_name(db, address, f->display_name, error_r) < 0)
		return -1;
	if (f->has_quota && admin_account_set_quota(db, address, f->quota_bytes, error_r) < 0)
		return -1;
	if (f->status != NULL &&
	    admin_account_set_blocked(db, address, strcmp(f->status, "blocked") == 0, error_r) < 0)
		return -1;
	if (f->has_master && f->is_master != json_is_true(json_object_get(current, "is_master")) &&
	    admin_account_set_master(db, address, f->is_master, error_r) < 0)
		return -1;
	return 0;
}

static void admin_accounts_update(struct admin_call *call)
{
	const char *address = call->args[0], *error;
	struct admin_account_fields f = { 0 };
	json_t *current, *patched;

	if (!admin_call_address_allowed(call, address) ||
	    (current = admin_accounts_load(call, address)) == NULL)
		return;
	patched = admin_call_patched(call, current);
	if (patched != NULL && !json_is_object(patched)) {
		admin_call_error(call, 422, "invalid", NULL, "an account is a JSON object");
	} else if (patched != NULL && admin_accounts_fixed_kept(call, current, patched)) {
		/* an unchanged is_master is no change, even from a domain admin */
		if (json_equal(json_object_get(patched, "is_master"),
			       json_object_get(current, "is_master")))
			json_object_del(patched, "is_master");
		if (admin_account_fields_read(call, patched, &f)) {
			if (admin_accounts_apply(call, address, current, &f, &error) < 0)
				admin_call_db_error(call, error, NULL);
			else
				admin_call_answer(call, admin_accounts_load(call, address));
		}
	}
	json_decref(patched);
	json_decref(current);
}

static void admin_accounts_delete(struct admin_call *call)
{
	const char *error;

	if (!admin_call_address_allowed(call, call->args[0]))
		return;
	if (admin_account_del(call->db, call->args[0], &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->status = 204;
}

ADMIN_ROUTES(admin_accounts_routes,
	{ "GET", "/accounts", ADMIN_ROLE_DOMAIN, admin_accounts_list },
	{ "POST", "/accounts", ADMIN_ROLE_DOMAIN, admin_accounts_create },
	{ "GET", "/accounts/{}", ADMIN_ROLE_DOMAIN, admin_accounts_get },
	{ "PATCH", "/accounts/{}", ADMIN_ROLE_DOMAIN, admin_accounts_update },
	{ "PUT", "/accounts/{}", ADMIN_ROLE_DOMAIN, admin_accounts_update },
	{ "DELETE", "/accounts/{}", ADMIN_ROLE_DOMAIN, admin_accounts_delete },
)
