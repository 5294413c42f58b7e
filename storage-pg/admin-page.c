/*
 * admin-page.c — totals and search text of paged lists (see admin-page.h).
 */
#include "admin-page.h"

#include "xalloc.h"

#include <string.h>

char *admin_like_escape(const char *search)
{
	char *escaped = xmalloc(strlen(search) * 2 + 1), *out = escaped;

	for (const char *p = search; *p != '\0'; p++) {
		if (*p == '\\' || *p == '%' || *p == '_')
			*out++ = '\\';
		*out++ = *p;
	}
	*out = '\0';
	return escaped;
}

const char *admin_paging_limit(const struct admin_paging *paging, char buf[static 24])
{
	return paging->limit < 0 ? NULL : admin_int_param(buf, paging->limit);
}

const char *admin_paging_search(const struct admin_paging *paging)
{
	return paging->search != NULL && paging->search[0] != '\0' ? paging->search : NULL;
}

const char *admin_page_order(struct admin_db *db, const struct admin_sort *sorts, size_t count,
			     const struct admin_paging *paging, const char **error_r)
{
	const char *sort = paging->sort != NULL ? paging->sort : sorts[0].name;

	for (size_t i = 0; i < count; i++) {
		if (strcmp(sorts[i].name, sort) == 0)
			return paging->descending ? sorts[i].desc : sorts[i].asc;
	}
	*error_r = admin_error(db, "unknown sort field %s", sort);
	return NULL;
}

int admin_page_total(struct admin_db *db, const char *sql, int param_count,
		     const char **params, int limit_param, int offset_param,
		     const PGresult *res, int column, long long *total_r, const char **error_r)
{
	PGresult *first;

	if (PQntuples(res) > 0) {
		*total_r = admin_result_int(res, 0, column);
		return 0;
	}
	*total_r = 0;
	if (params[offset_param] == NULL || strcmp(params[offset_param], "0") == 0)
		return 0;
	/* past the end: does the list have a first row? */
	params[limit_param] = "1";
	params[offset_param] = "0";
	if ((first = admin_query(db, sql, param_count, params, error_r)) == NULL)
		return -1;
	if (PQntuples(first) > 0)
		*total_r = admin_result_int(first, 0, column);
	PQclear(first);
	return 0;
}
