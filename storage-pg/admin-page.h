/*
 * admin-page.h — the total of a list read one page at a time (the web
 * admin's ?page=&per_page=), and its search text, for the admin-*.c
 * modules.
 *
 * A page statement carries its total as a "count(*) OVER ()" column, so
 * one round trip gives both; only a page past the end has no row to read
 * it from, and then the statement runs again for its first row.
 */
#ifndef ADMIN_PAGE_H
#define ADMIN_PAGE_H

#include "admin-paging.h"
#include "admin-private.h"

/* The total of res, the result of sql run with params, whose LIMIT and
   OFFSET are params[limit_param] and params[offset_param] (changed when
   the statement runs again) and whose column holds the total. */
int admin_page_total(struct admin_db *db, const char *sql, int param_count,
		     const char **params, int limit_param, int offset_param,
		     const PGresult *res, int column, long long *total_r, const char **error_r);

/* A paging's limit as an SQL parameter in buf (NULL: no limit), and its
   search (NULL when absent or empty). */
const char *admin_paging_limit(const struct admin_paging *paging, char buf[static 24]);
const char *admin_paging_search(const struct admin_paging *paging);

/* One sort of a list: its name (?sort=name) and the list's whole
   statement ordered each way, tie-break included. The statements are
   string literals put together at compile time (a module's PAGE(order)
   macro): no SQL text is built while serving, and the caller's text only
   ever picks one by name. */
struct admin_sort {
	const char *name, *asc, *desc;
};
/* A table entry: page is the module's PAGE(order) macro. */
#define ADMIN_SORT(page, name, asc, desc) { name, page(asc), page(desc) }

/* The statement of paging's sort (NULL: the first, the default) and
   direction, from the fixed table sorts. NULL with *error_r for a name
   not in the table. */
const char *admin_page_order(struct admin_db *db, const struct admin_sort *sorts, size_t count,
			     const struct admin_paging *paging, const char **error_r);
/* admin_page_order() of a static table */
#define ADMIN_PAGE_ORDER(db, table, paging, error_r) \
	admin_page_order(db, table, sizeof(table) / sizeof((table)[0]), paging, error_r)

/* search with LIKE's metacharacters (backslash, % and _) escaped, for
   "column LIKE '%' || $n || '%'"; the caller frees it. */
char *admin_like_escape(const char *search);

#endif
