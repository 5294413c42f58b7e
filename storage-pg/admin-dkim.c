/*
 * admin-dkim.c — storing, deleting and listing DKIM keys (see
 * admin-dkim.h).
 */
#include "admin-dkim.h"

#include "admin-page.h"
#include "admin-private.h"

#include <stdlib.h>
#include <string.h>

/* A selector is written like a host name (RFC 6376 3.1: sub-domains
   allowed): lower-case it and check it as one. */
static char *admin_dkim_selector_parse(struct admin_db *db, const char *input,
				       const char **error_r)
{
	char *selector = NULL;

	if (strlen(input) <= ADMIN_DKIM_SELECTOR_MAX)
		selector = admin_domain_name_parse(db, input, error_r);
	if (selector == NULL)
		*error_r = admin_error(db, "invalid selector '%.100s' (letters, digits, '-' and "
				       "'.', at most %d bytes)", input, ADMIN_DKIM_SELECTOR_MAX);
	return selector;
}

int admin_dkim_add(struct admin_db *db, const char *domain, const char *input_selector,
		   const char *algorithm, const char *private_key, const char *public_key,
		   const char **error_r)
{
	char *selector = admin_dkim_selector_parse(db, input_selector, error_r);
	char id_text[24];
	int64_t domain_id;
	int ret = -1;

	if (selector == NULL)
		return -1;
	if (admin_domain_lookup(db, domain, &domain_id, error_r) == 0) {
		const char *params[5] = {
			admin_int_param(id_text, domain_id), selector, algorithm, private_key,
			public_key,
		};

		ret = admin_command(db, "INSERT INTO dkim_keys (domain_id, selector, algorithm,"
				    " private_key, public_key) VALUES ($1, $2, $3, $4, $5)"
				    " ON CONFLICT (domain_id, selector) DO NOTHING",
				    5, params, error_r);
		if (ret == 0) {
			*error_r = admin_error_of(db, ADMIN_ERROR_CONFLICT, "domain %s already has a DKIM key with "
					       "selector %s", domain, selector);
			ret = -1;
		}
	}
	free(selector);
	return ret < 0 ? -1 : 0;
}

int admin_dkim_del(struct admin_db *db, const char *domain, const char *input_selector,
		   const char **error_r)
{
	char *selector = admin_dkim_selector_parse(db, input_selector, error_r);
	char id_text[24];
	int64_t domain_id;
	int ret = -1;

	if (selector == NULL)
		return -1;
	if (admin_domain_lookup(db, domain, &domain_id, error_r) == 0) {
		const char *params[2] = { admin_int_param(id_text, domain_id), selector };

		ret = admin_command(db, "DELETE FROM dkim_keys WHERE domain_id = $1"
				    " AND selector = $2", 2, params, error_r);
		if (ret == 0) {
			*error_r = admin_error_of(db, ADMIN_ERROR_NOT_FOUND,
						  "domain %s has no DKIM key with selector %s",
						  domain, selector);
			ret = -1;
		}
	}
	free(selector);
	return ret < 0 ? -1 : 0;
}

/* The keys of $1 domain id and $2 selector (each NULL: any) searched by
   $5; the %s is the ORDER BY keys, the last column counts every match. */
#define ADMIN_DKIM_PAGE(order) \
	"SELECT d.name, k.selector, k.algorithm, k.public_key," \
	" " ADMIN_SQL_TIME("k.created_at") ", count(*) OVER ()" \
	" FROM dkim_keys k JOIN domains d ON d.id = k.domain_id" \
	" WHERE ($1::bigint IS NULL OR k.domain_id = $1)" \
	"  AND ($2::text IS NULL OR k.selector = lower($2))" \
	"  AND ($5::text IS NULL OR strpos(d.name, lower($5)) > 0" \
	"   OR strpos(k.selector, lower($5)) > 0 OR strpos(k.algorithm, lower($5)) > 0)" \
	" ORDER BY " order " LIMIT $3::bigint OFFSET $4::bigint"

/* ORDER BY keys by sort name, the first the default; (domain, selector)
   is unique, so the order is total. Never the caller's text. */
static const struct admin_sort admin_dkim_sorts[] = {
	ADMIN_SORT(ADMIN_DKIM_PAGE, "domain", "d.name, k.selector",
		   "d.name DESC, k.selector DESC"),
	ADMIN_SORT(ADMIN_DKIM_PAGE, "selector", "k.selector, d.name",
		   "k.selector DESC, d.name DESC"),
	ADMIN_SORT(ADMIN_DKIM_PAGE, "created_at", "k.created_at, d.name, k.selector",
		   "k.created_at DESC, d.name DESC, k.selector DESC"),
};

int admin_dkim_page(struct admin_db *db, const struct admin_dkim_query *query,
		   admin_dkim_cb *cb, void *context, long long *total_r, const char **error_r)
{
	const char *sql = ADMIN_PAGE_ORDER(db, admin_dkim_sorts, &query->paging, error_r);
	char id_text[24], limit_text[24], offset_text[24];
	const char *params[5] = {
		NULL, query->selector,
		admin_paging_limit(&query->paging, limit_text),
		admin_int_param(offset_text, query->paging.offset),
		admin_paging_search(&query->paging),
	};
	PGresult *res;
	int count;

	if (sql == NULL ||
	    admin_domain_filter(db, query->domain, id_text, &params[0], error_r) < 0)
		return -1;
	if ((res = admin_query(db, sql, 5, params, error_r)) == NULL)
		return -1;
	count = PQntuples(res);
	for (int i = 0; i < count; i++) {
		struct admin_dkim_key key = {
			.domain = PQgetvalue(res, i, 0),
			.selector = PQgetvalue(res, i, 1),
			.algorithm = PQgetvalue(res, i, 2),
			.public_key = PQgetvalue(res, i, 3),
			.created_at = PQgetvalue(res, i, 4),
		};

		cb(&key, context);
	}
	if (admin_page_total(db, sql, 5, params, 2, 3, res, 5, total_r, error_r) < 0)
		count = -1;
	PQclear(res);
	return count;
}

int admin_dkim_list(struct admin_db *db, const char *domain, admin_dkim_cb *cb, void *context,
		    const char **error_r)
{
	struct admin_dkim_query query = { .domain = domain, .paging.limit = -1 };
	long long total;

	return admin_dkim_page(db, &query, cb, context, &total, error_r);
}
