/*
 * admin-alias.h — aliases, distribution lists and catch-alls.
 *
 * An alias is an address of a local domain ("@domain" for the domain's
 * catch-all) with one or more targets; a target is any address, local (it
 * is expanded again at delivery) or remote.
 */
#ifndef ADMIN_ALIAS_H
#define ADMIN_ALIAS_H

#include "admin-db.h"

#include <stddef.h>

struct admin_alias {
	const char *address;     /* "@domain" for a catch-all */
	const char *target;
};

typedef void admin_alias_cb(const struct admin_alias *alias, void *context);

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

#endif
