/*
 * admin-api-policy.c — /api/v1/greylist, /lists and /bans: the inbound
 * policy state operators look at and clear, as petrelctl greylist,
 * whitelist/blacklist and ban do. Greylist triplets and networks (list,
 * flush), the white and black lists (list, add, delete by id) and the
 * brute-force bans in force (list, lift); each list searched (?q=) and
 * sorted in SQL.
 *
 * Superadmins only: this state is cluster-wide.
 */
#include "admin-api.h"

#include "admin-bans.h"
#include "admin-greylist.h"
#include "admin-lists.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The sorts each list takes (storage-pg knows their ORDER BY keys), the
   first the default. Without ?sort= the greylist (networks first, then
   triplets) and the bans show the newest first, the lists the oldest. */
static const char *const admin_api_greylist_sorts[] = {
	"last_seen", "first_seen", "expires_at", NULL,
};
static const char *const admin_api_lists_sorts[] = {
	"id", "kind", "type", "value", "created_at", NULL,
};
static const char *const admin_api_bans_sorts[] = { "created_at", "expires_at", "ip", NULL };

/* The greylist's and the bans' direction: newest first unless ?sort=
   says otherwise. */
static bool admin_api_policy_descending(const struct admin_call *call,
					const struct admin_page *page)
{
	const char *sort = admin_call_query(call, "sort");

	return sort == NULL || sort[0] == '\0' || page->paging.descending;
}

static void admin_api_greylist_append(const struct admin_greylist_entry *e, void *context)
{
	json_array_append_new(context,
			      json_pack("{s:s, s:s?, s:s?, s:s, s:I, s:I, s:s?, s:s?, s:s}",
					"network", e->network, "sender", e->sender,
					"recipient", e->recipient, "state", e->state,
					"attempts", (json_int_t)e->attempts,
					"passes", (json_int_t)e->passes,
					"first_seen", e->first_seen, "last_seen", e->last_seen,
					"expires_at", e->expires_at));
}

static void admin_api_greylist_list(struct admin_call *call)
{
	struct admin_greylist_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_api_greylist_sorts, &page))
		return;
	query.paging = page.paging;
	query.paging.descending = admin_api_policy_descending(call, &page);
	items = json_array();
	if (admin_greylist_page(call->db, &query, admin_api_greylist_append, items, &total,
				&error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static void admin_api_greylist_flush(struct admin_call *call)
{
	long long count = 0;
	const char *error;

	if (admin_greylist_flush(call->db, -1, &count, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->result = json_pack("{s:I}", "deleted", (json_int_t)count);
}

static json_t *admin_api_list_json(const struct admin_list_entry *e)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id,
			 "kind", e->kind, "type", e->type, "value", e->value,
			 "comment", e->comment, "created_at", e->created_at);
}

static void admin_api_list_append(const struct admin_list_entry *e, void *context)
{
	json_array_append_new(context, admin_api_list_json(e));
}

static void admin_api_list_store(const struct admin_list_entry *e, void *context)
{
	*(json_t **)context = admin_api_list_json(e);
}

/* NULL (both lists) or "white"/"black"; false with the answer set. */
static bool admin_api_list_kind(struct admin_call *call, const char *kind)
{
	if (kind == NULL || strcmp(kind, "white") == 0 || strcmp(kind, "black") == 0)
		return true;
	admin_call_error(call, 422, "invalid", "kind", "kind must be white or black");
	return false;
}

static void admin_api_lists_list(struct admin_call *call)
{
	struct admin_list_query query = { .kind = admin_call_query(call, "kind") };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_api_lists_sorts, &page) ||
	    !admin_api_list_kind(call, query.kind))
		return;
	query.paging = page.paging;
	items = json_array();
	if (admin_list_page(call->db, &query, admin_api_list_append, items, &total,
			    &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static void admin_api_lists_add(struct admin_call *call)
{
	const char *kind, *value, *comment, *error;
	json_t *entry = NULL;
	bool bad = false;

	if (!admin_call_body_object(call))
		return;
	/* the first member of the wrong type is the answer */
	kind = admin_json_string(call, call->body, "kind", &bad);
	value = bad ? NULL : admin_json_string(call, call->body, "value", &bad);
	comment = bad ? NULL : admin_json_string(call, call->body, "comment", &bad);
	if (bad)
		return;
	if (kind == NULL) {
		admin_call_error(call, 422, "invalid", "kind", "kind (white or black) is required");
	} else if (value == NULL) {
		admin_call_error(call, 422, "invalid", "value", "value is required");
	} else if (admin_api_list_kind(call, kind)) {
		if (admin_list_add(call->db, kind, value, comment, admin_api_list_store, &entry,
				   &error) < 0) {
			admin_call_db_error(call, error, "value");
		} else {
			call->result = entry;
			call->status = 201;
		}
	}
}

static void admin_api_lists_delete(struct admin_call *call)
{
	const char *text = call->args[0], *error;
	char *end;
	long long id;

	errno = 0;
	id = strtoll(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || id <= 0) {
		admin_call_error(call, 404, "not_found", NULL, "no list entry %s", text);
		return;
	}
	if (admin_list_del_id(call->db, id, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->status = 204;
}

static void admin_api_ban_append(const struct admin_ban *ban, void *context)
{
	json_array_append_new(context, json_pack("{s:s, s:s, s:s, s:s}", "ip", ban->ip,
						 "reason", ban->reason,
						 "created_at", ban->created_at,
						 "expires_at", ban->expires_at));
}

static void admin_api_bans_list(struct admin_call *call)
{
	struct admin_ban_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_api_bans_sorts, &page))
		return;
	query.paging = page.paging;
	query.paging.descending = admin_api_policy_descending(call, &page);
	items = json_array();
	if (admin_ban_page(call->db, &query, admin_api_ban_append, items, &total, &error) < 0) {
		json_decref(items);
		admin_call_db_error(call, error, NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static void admin_api_bans_lift(struct admin_call *call)
{
	const char *error;

	if (admin_ban_del(call->db, call->args[0], &error) < 0)
		admin_call_db_error(call, error, "ip");
	else
		call->status = 204;
}

ADMIN_ROUTES(admin_api_policy_routes,
	{ "GET", "/greylist", ADMIN_ROLE_SUPER, admin_api_greylist_list },
	{ "DELETE", "/greylist", ADMIN_ROLE_SUPER, admin_api_greylist_flush },
	{ "GET", "/lists", ADMIN_ROLE_SUPER, admin_api_lists_list },
	{ "POST", "/lists", ADMIN_ROLE_SUPER, admin_api_lists_add },
	{ "DELETE", "/lists/{}", ADMIN_ROLE_SUPER, admin_api_lists_delete },
	{ "GET", "/bans", ADMIN_ROLE_SUPER, admin_api_bans_list },
	{ "DELETE", "/bans/{}", ADMIN_ROLE_SUPER, admin_api_bans_lift },
)
