/*
 * admin-bans.h — brute-force bans for operators (petrelctl ban list|del).
 *
 * Table bans, schema/012_greylist_lists_bans.sql: the nodes ban a client
 * address when it fails too many logins (petrel_auth_failure()); every
 * node refuses it until the ban ends.
 */
#ifndef ADMIN_BANS_H
#define ADMIN_BANS_H

#include "admin-db.h"

struct admin_ban {
	const char *ip;
	const char *reason;
	const char *created_at;    /* ISO 8601 UTC */
	const char *expires_at;
};

typedef void admin_ban_cb(const struct admin_ban *ban, void *context);

/* The bans in force, the newest first. */
int admin_ban_list(struct admin_db *db, admin_ban_cb *cb, void *context, const char **error_r);
/* One page of them (limit < 0: all); *total_r counts them all. */
int admin_ban_page(struct admin_db *db, long long offset, long long limit, admin_ban_cb *cb,
		   void *context, long long *total_r, const char **error_r);
/* Lift the ban of ip at once on every node; -1 with "IP is not banned"
   (or "invalid IP address 'IP'"). The failed logins that led to it are no
   longer counted for a new ban. */
int admin_ban_del(struct admin_db *db, const char *ip, const char **error_r);

#endif
