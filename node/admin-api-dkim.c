/*
 * admin-api-dkim.c — /api/v1/dkim: the DKIM signing keys of the local
 * domains. List (?domain=, searched and sorted in SQL), generate (rsa or
 * ed25519, made in this admin thread: an RSA-2048 key takes about a
 * second, which a loop could not afford), show one with the DNS TXT
 * record that publishes it, delete.
 * The private key never leaves the database.
 *
 * Superadmins only.
 */
#include "admin-api.h"

#include "admin-dkim.h"

#include <stdlib.h>

/* The first is the default: by domain, then selector. */
static const char *const admin_api_dkim_sorts[] = { "domain", "selector", "created_at", NULL };

/* A key as listed; with its DNS record (name and TXT value) when shown. */
static json_t *admin_api_dkim_json(const struct admin_dkim_key *key)
{
	char *record = admin_dkim_record(key), *name = admin_dkim_record_name(key);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				"domain", key->domain, "selector", key->selector,
				"algorithm", key->algorithm, "public_key", key->public_key,
				"created_at", key->created_at, "dns_name", name,
				"dns_record", record);

	free(record);
	free(name);
	return doc;
}

static void admin_api_dkim_append(const struct admin_dkim_key *key, void *context)
{
	json_array_append_new(context, admin_api_dkim_json(key));
}

static void admin_api_dkim_store(const struct admin_dkim_key *key, void *context)
{
	*(json_t **)context = admin_api_dkim_json(key);
}

static void admin_api_dkim_list(struct admin_call *call)
{
	struct admin_dkim_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_api_dkim_sorts, &page))
		return;
	query.domain = admin_call_query(call, "domain");
	query.paging = page.paging;
	items = json_array();
	if (admin_dkim_page(call->db, &query, admin_api_dkim_append, items, &total, &error) < 0) {
		enum admin_error_kind kind = admin_db_error_kind(call->db);

		json_decref(items);
		/* only ?domain= can be unknown or invalid here */
		admin_call_db_error(call, error, query.domain != NULL &&
				    (kind == ADMIN_ERROR_NOT_FOUND || kind == ADMIN_ERROR_INVALID) ?
				    "domain" : NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

/* The key of domain with selector as shown; NULL with the answer set. */
static json_t *admin_api_dkim_load(struct admin_call *call, const char *domain,
				   const char *selector)
{
	struct admin_dkim_query query = { .domain = domain, .selector = selector, .paging.limit = 1 };
	json_t *doc = NULL;
	long long total;
	const char *error;
	int ret = admin_dkim_page(call->db, &query, admin_api_dkim_store, &doc, &total, &error);

	if (ret < 0)
		admin_call_db_error(call, error, NULL);
	else if (ret == 0)
		admin_call_error(call, 404, "not_found", NULL, "domain %s has no DKIM key with "
				 "selector %s", domain, selector);
	return doc;
}

/* Answer with that key as shown (status when found). */
static void admin_api_dkim_answer(struct admin_call *call, const char *domain,
				  const char *selector, int status)
{
	json_t *doc = admin_api_dkim_load(call, domain, selector);

	if (doc != NULL) {
		call->result = doc;
		call->status = status;
	}
}

static void admin_api_dkim_generate(struct admin_call *call)
{
	const char *domain, *selector, *algorithm, *stored, *error;
	char selector_buf[ADMIN_DKIM_SELECTOR_MAX + 1];
	bool bad = false;

	if (!admin_call_body_object(call))
		return;
	/* the first member of the wrong type is the answer */
	domain = admin_json_string(call, call->body, "domain", &bad);
	selector = bad ? NULL : admin_json_string(call, call->body, "selector", &bad);
	algorithm = bad ? NULL : admin_json_string(call, call->body, "algorithm", &bad);
	if (bad)
		return;
	if (domain == NULL) {
		admin_call_error(call, 422, "invalid", "domain", "domain is required");
		return;
	}
	if (admin_dkim_generate(call->db, domain, selector, algorithm != NULL ? algorithm : "rsa",
				selector_buf, &stored, &error) < 0) {
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_api_dkim_answer(call, domain, stored, 201);
}

static void admin_api_dkim_get(struct admin_call *call)
{
	admin_api_dkim_answer(call, call->args[0], call->args[1], 200);
}

static void admin_api_dkim_delete(struct admin_call *call)
{
	const char *error;

	if (admin_dkim_del(call->db, call->args[0], call->args[1], &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->status = 204;
}

ADMIN_ROUTES(admin_api_dkim_routes,
	{ "GET", "/dkim", ADMIN_ROLE_SUPER, admin_api_dkim_list },
	{ "POST", "/dkim", ADMIN_ROLE_SUPER, admin_api_dkim_generate },
	{ "GET", "/dkim/{}/{}", ADMIN_ROLE_SUPER, admin_api_dkim_get },
	{ "DELETE", "/dkim/{}/{}", ADMIN_ROLE_SUPER, admin_api_dkim_delete },
)
