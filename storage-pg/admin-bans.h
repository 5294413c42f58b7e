/*
 * admin-bans.h — brute-force bans for operators (petrelctl ban list|del).
 *
 * Table bans, schema/012_greylist_lists_bans.sql: the nodes ban a client
 * address when it fails too many logins (petrel_auth_failure()); every
 * node refuses it until the ban ends.
 */
#ifndef ADMIN_BANS_H
#define ADMIN_BANS_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>

struct admin_ban {
	const char *ip;
	const char *reason;
	const char *created_at;    /* ISO 8601 UTC */
	const char *expires_at;
};

typedef void admin_ban_cb(const struct admin_ban *ban, void *context);

/* The bans in force, the newest first. */
int admin_ban_list(struct admin_db *db, admin_ban_cb *cb, void *context, const char **error_r);

/* Which bans in force admin_ban_page() gives. */
struct admin_ban_query {
	struct admin_paging paging;  /* search: the address or reason; sorts:
				   created_at (default), expires_at, ip */
};

/* One page of them; *total_r counts every match. -1 with "unknown sort
   field S" for another sort. */
int admin_ban_page(struct admin_db *db, const struct admin_ban_query *query, admin_ban_cb *cb,
		   void *context, long long *total_r, const char **error_r);
/* Lift the ban of ip at once on every node; -1 with "IP is not banned"
   (or "invalid IP address 'IP'"). The failed logins that led to it are no
   longer counted for a new ban. */
int admin_ban_del(struct admin_db *db, const char *ip, const char **error_r);

#endif
