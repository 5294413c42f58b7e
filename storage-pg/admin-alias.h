/*
 * admin-alias.h — aliases, distribution lists and catch-alls.
 *
 * An alias is an address of a local domain ("@domain" for the domain's
 * catch-all) with one or more targets; a target is any address, local (it
 * is expanded again at delivery) or remote.
 */
#ifndef ADMIN_ALIAS_H
#define ADMIN_ALIAS_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>
#include <stddef.h>

struct admin_alias {
	const char *address;     /* "@domain" for a catch-all */
	const char *target;
};

typedef void admin_alias_cb(const struct admin_alias *alias, void *context);

/* An alias with all its targets (a distribution list's members). */
struct admin_alias_group {
	const char *address;
	const char *const *targets;
	size_t target_count;
	bool reject_external;        /* only authenticated or same-domain senders */
	const char *created_at;      /* ISO 8601 UTC, of its first target */
};

typedef void admin_alias_group_cb(const struct admin_alias_group *alias, void *context);

/* A page of aliases, filtered and ordered in SQL. */
struct admin_alias_query {
	const char *domain;          /* NULL = every domain */
	const char *const *domains;  /* NULL = no restriction; else only these */
	unsigned int domain_count;
	struct admin_paging paging;  /* search: the address or a target; by address */
};

/* Add targets to an alias, all or none: "alias A -> T already exists",
   "no such domain D", validation errors. */
int admin_alias_add(struct admin_db *db, const char *address, const char *const *targets,
		    size_t target_count, const char **error_r);
/* Remove one target (target != NULL) or the whole alias; "no such alias". */
int admin_alias_del(struct admin_db *db, const char *address, const char *target,
		    const char **error_r);
/* One row per (alias, target), for one domain (NULL = all). */
int admin_alias_list(struct admin_db *db, const char *domain, admin_alias_cb *cb,
		     void *context, const char **error_r);

/* Create an alias with its targets and flag: "alias A already exists". */
int admin_alias_create(struct admin_db *db, const char *address, const char *const *targets,
		       size_t target_count, bool reject_external, const char **error_r);
/* Set an existing alias's targets (added and removed to match) and flag,
   all or none: "no such alias A". */
int admin_alias_replace(struct admin_db *db, const char *address, const char *const *targets,
			size_t target_count, bool reject_external, const char **error_r);
int admin_alias_page(struct admin_db *db, const struct admin_alias_query *query,
		     admin_alias_group_cb *cb, void *context, long long *total_r,
		     const char **error_r);
/* One alias: "no such alias A". */
int admin_alias_get(struct admin_db *db, const char *address, admin_alias_group_cb *cb,
		    void *context, const char **error_r);

#endif
