/*
 * admin-domain.h — the domains served by the cluster.
 */
#ifndef ADMIN_DOMAIN_H
#define ADMIN_DOMAIN_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>

struct admin_domain {
	const char *name;
	long long accounts;
	long long aliases;         /* alias rows, one per (address, target) */
	const char *created_at;    /* ISO 8601 UTC */
};

typedef void admin_domain_cb(const struct admin_domain *domain, void *context);

/* Add a domain (lower-cased, validated); "domain NAME already exists". */
int admin_domain_add(struct admin_db *db, const char *name, const char **error_r);
/* Delete a domain with its aliases and settings. A domain that still has
   accounts is refused ("domain NAME still has N accounts") unless force,
   which deletes the accounts and their mail too. */
int admin_domain_del(struct admin_db *db, const char *name, bool force, const char **error_r);
/* Every domain, by name; pointers are valid during the callback only. */
int admin_domain_list(struct admin_db *db, admin_domain_cb *cb, void *context,
		      const char **error_r);

/* One domain; "no such domain NAME" (not found). */
int admin_domain_get(struct admin_db *db, const char *name, admin_domain_cb *cb, void *context,
		     const char **error_r);
/* Rename a domain (its accounts, aliases and settings follow). */
int admin_domain_rename(struct admin_db *db, const char *name, const char *new_name,
			const char **error_r);

/* Which page of domains admin_domain_page() lists. */
struct admin_domain_query {
	struct admin_paging paging;  /* search: the name; sorts: name (default),
				   created_at, accounts, aliases */
	long long admin_id;          /* > 0: only the domains of this domain admin */
};

/* A page of domains; *total_r counts every match. */
int admin_domain_page(struct admin_db *db, const struct admin_domain_query *query,
		      admin_domain_cb *cb, void *context, long long *total_r,
		      const char **error_r);

#endif
