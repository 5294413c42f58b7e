/*
 * admin-lists.c — the white and black lists for operators (see
 * admin-lists.h): reading an item as written into (type, canonical value),
 * validating it, and the statements on policy_lists.
 */
#include "admin-lists.h"

#include "admin-page.h"
#include "admin-private.h"
#include "netlist.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define ADMIN_LIST_COLUMNS \
	"id, kind, type, value, comment, " ADMIN_SQL_TIME("created_at")
/* As policy_lists.value allows. */
#define ADMIN_LIST_VALUE_MAX 512

struct admin_list_item {
	const char *type;
	char *value;
};

static void admin_list_emit(const PGresult *res, admin_list_cb *cb, void *context)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct admin_list_entry e = {
			.id = admin_result_int(res, i, 0),
			.kind = PQgetvalue(res, i, 1),
			.type = PQgetvalue(res, i, 2),
			.value = PQgetvalue(res, i, 3),
			.comment = PQgetvalue(res, i, 4),
			.created_at = PQgetvalue(res, i, 5),
		};

		cb(&e, context);
	}
}

/* Only digits, dots, colons, hex letters and a slash: meant as an address
   or network (a domain always has a letter outside a-f or a dot-free
   label, and a TLD is never numeric). */
static bool admin_list_looks_ip(const char *item)
{
	bool digit = false;

	if (strchr(item, ':') == NULL && strspn(item, "0123456789./") != strlen(item))
		return false;
	for (const char *p = item; *p != '\0'; p++) {
		if (strchr("0123456789abcdefABCDEF.:/", *p) == NULL)
			return false;
		digit |= *p >= '0' && *p <= '9';
	}
	return digit || strchr(item, ':') != NULL;
}

/* The canonical text of an address or network: network(inet) in CIDR. */
static char *admin_list_network(struct admin_db *db, const char *item, const char **error_r)
{
	const char *error;
	PGresult *res;
	char *value;

	if (netlist_contains(item, "0.0.0.0", &error) < 0 || strpbrk(item, ", \t") != NULL) {
		*error_r = admin_error(db, "invalid IP address or CIDR network '%s'", item);
		return NULL;
	}
	res = admin_query(db, "SELECT network($1::inet)::text", 1, &item, error_r);
	if (res == NULL) {
		*error_r = admin_error(db, "invalid IP address or CIDR network '%s'", item);
		return NULL;
	}
	value = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

/* A regular expression PostgreSQL compiles, without the slashes. */
static char *admin_list_regex(struct admin_db *db, const char *item, const char **error_r)
{
	size_t len = strlen(item) - 2;
	char *regex = xstrndup(item + 1, len);
	const char *prefix = "database error: ";
	PGresult *res;

	res = admin_query(db, "SELECT '' ~* $1", 1, (const char *const *)&regex, error_r);
	if (res == NULL) {
		const char *why = strncmp(*error_r, prefix, strlen(prefix)) == 0 ?
			*error_r + strlen(prefix) : *error_r;

		*error_r = admin_error(db, "bad regex /%s/: %s", regex, why);
		free(regex);
		return NULL;
	}
	PQclear(res);
	return regex;
}

/* A sender domain ("@d", "d") or its subdomains (".d"), lower-cased. */
static char *admin_list_domain(struct admin_db *db, const char *item, const char **error_r)
{
	bool subdomains = item[0] == '.';
	char *name = admin_domain_name_parse(db, item + (item[0] == '@' || subdomains),
					     error_r);
	char *value;

	if (name == NULL || !subdomains)
		return name;
	value = xasprintf(".%s", name);
	free(name);
	return value;
}

static int admin_list_parse(struct admin_db *db, const char *item,
			    struct admin_list_item *item_r, const char **error_r)
{
	size_t len = strlen(item);
	const char *at = strchr(item, '@');

	if (len == 0 || len > ADMIN_LIST_VALUE_MAX) {
		*error_r = admin_error(db, "a list item has 1 to %d characters",
				       ADMIN_LIST_VALUE_MAX);
		return -1;
	}
	if (len > 2 && item[0] == '/' && item[len - 1] == '/') {
		item_r->type = "regex";
		item_r->value = admin_list_regex(db, item, error_r);
	} else if (at != NULL && at != item) {
		struct admin_address addr;

		item_r->type = "address";
		item_r->value = NULL;
		if (admin_address_parse(db, item, false, &addr, error_r) == 0) {
			item_r->value = addr.address;
			addr.address = NULL;
			admin_address_free(&addr);
		}
	} else if (at == NULL && admin_list_looks_ip(item)) {
		item_r->type = "ip";
		item_r->value = admin_list_network(db, item, error_r);
	} else {
		item_r->type = "domain";
		item_r->value = admin_list_domain(db, item, error_r);
	}
	return item_r->value != NULL ? 0 : -1;
}

int admin_list_add(struct admin_db *db, const char *kind, const char *item,
		   const char *comment, admin_list_cb *cb, void *context, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO policy_lists (kind, type, value, network, comment)"
		" VALUES ($1, $2, $3::text, CASE WHEN $2 = 'ip' THEN $3::text::cidr END, $4)"
		" ON CONFLICT (kind, type, value) DO NOTHING RETURNING " ADMIN_LIST_COLUMNS;
	struct admin_list_item parsed;
	PGresult *res;

	if (admin_list_parse(db, item, &parsed, error_r) < 0)
		return -1;
	const char *params[4] = { kind, parsed.type, parsed.value,
				  comment != NULL ? comment : "" };

	res = admin_query(db, sql, 4, params, error_r);
	if (res != NULL && PQntuples(res) == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "%s is already on the %s list", item, kind);
	else if (res != NULL)
		admin_list_emit(res, cb, context);
	free(parsed.value);
	if (res == NULL || PQntuples(res) == 0) {
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int admin_list_del(struct admin_db *db, const char *kind, const char *item,
		   const char **error_r)
{
	struct admin_list_item parsed;
	int count;

	if (admin_list_parse(db, item, &parsed, error_r) < 0)
		return -1;
	const char *params[3] = { kind, parsed.type, parsed.value };

	count = admin_command(db, "DELETE FROM policy_lists WHERE kind = $1 AND type = $2"
			      " AND value = $3", 3, params, error_r);
	free(parsed.value);
	if (count == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "%s is not on the %s list", item, kind);
	return count > 0 ? 0 : -1;
}

int admin_list_del_id(struct admin_db *db, long long id, const char **error_r)
{
	char id_text[24];
	const char *param = admin_int_param(id_text, id);
	int count = admin_command(db, "DELETE FROM policy_lists WHERE id = $1::bigint", 1, &param,
				  error_r);

	if (count == 0)
		*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND, "no list entry %lld", id);
	return count > 0 ? 0 : -1;
}

/* The entries of $1 kind (NULL: both) searched by $4; the %s is the
   ORDER BY keys, the last column counts every match. */
#define ADMIN_LIST_PAGE(order) \
	"SELECT " ADMIN_LIST_COLUMNS ", count(*) OVER () FROM policy_lists" \
	" WHERE ($1::text IS NULL OR kind = $1)" \
	"  AND ($4::text IS NULL OR strpos(kind, lower($4)) > 0" \
	"   OR strpos(type, lower($4)) > 0 OR strpos(lower(value), lower($4)) > 0" \
	"   OR strpos(lower(comment), lower($4)) > 0)" \
	" ORDER BY " order " LIMIT $2::bigint OFFSET $3::bigint"

/* ORDER BY keys by sort name, the first the default, id the tie-break.
   Never the caller's text. */
static const struct admin_sort admin_list_sorts[] = {
	ADMIN_SORT(ADMIN_LIST_PAGE, "id", "id",
		   "id DESC"),
	ADMIN_SORT(ADMIN_LIST_PAGE, "kind", "kind, id",
		   "kind DESC, id DESC"),
	ADMIN_SORT(ADMIN_LIST_PAGE, "type", "type, id",
		   "type DESC, id DESC"),
	ADMIN_SORT(ADMIN_LIST_PAGE, "value", "value, id",
		   "value DESC, id DESC"),
	ADMIN_SORT(ADMIN_LIST_PAGE, "created_at", "created_at, id",
		   "created_at DESC, id DESC"),
};

int admin_list_page(struct admin_db *db, const struct admin_list_query *query,
		    admin_list_cb *cb, void *context, long long *total_r, const char **error_r)
{
	const char *sql = ADMIN_PAGE_ORDER(db, admin_list_sorts, &query->paging, error_r);
	char limit_text[24], offset_text[24];
	const char *params[4] = {
		query->kind, admin_paging_limit(&query->paging, limit_text),
		admin_int_param(offset_text, query->paging.offset),
		admin_paging_search(&query->paging),
	};
	PGresult *res;
	int ret;

	if (sql == NULL)
		return -1;
	if ((res = admin_query(db, sql, 4, params, error_r)) == NULL)
		return -1;
	admin_list_emit(res, cb, context);
	ret = admin_page_total(db, sql, 4, params, 1, 2, res, 6, total_r, error_r);
	PQclear(res);
	return ret;
}

int admin_list_list(struct admin_db *db, const char *kind, admin_list_cb *cb, void *context,
		    const char **error_r)
{
	struct admin_list_query query = { .kind = kind, .paging.limit = -1 };
	long long total;

	return admin_list_page(db, &query, cb, context, &total, error_r);
}
