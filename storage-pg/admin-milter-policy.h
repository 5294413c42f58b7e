/*
 * admin-milter-policy.h — the SQL behind petrel-milter: bans, white/black
 * lists and greylisting checked for an external MTA (Postfix, Sendmail),
 * with the same functions and tables the nodes use
 * (schema/012_greylist_lists_bans.sql), and the settings they need.
 *
 * Blocking libpq on an admin_db (admin-db.h): petrel-milter calls these
 * from libmilter's threads, one connection per thread.
 */
#ifndef ADMIN_MILTER_POLICY_H
#define ADMIN_MILTER_POLICY_H

#include "admin-db.h"
#include "settings.h"

#include <stdbool.h>
#include <stddef.h>

/* The ban refusing ip now: 1 with its reason in reason[size], 0 when
   there is none, -1 with *error_r. */
int admin_milter_ban_check(struct admin_db *db, const char *ip, char *reason, size_t size,
			   const char **error_r);

/* The list entry deciding for ip and/or sender (either may be NULL):
   1 with *white_r and a description ("ip 192.0.2.0/24") in what[size],
   0 when no entry matches, -1 with *error_r. */
int admin_milter_list_lookup(struct admin_db *db, const char *ip, const char *sender,
			     bool *white_r, char *what, size_t size, const char **error_r);

struct admin_milter_greylist {
	const char *ip, *sender, *recipient;   /* sender "" = the null sender */
	int v4_prefix, v6_prefix;
	long long delay, window, lifetime;     /* seconds */
	int auto_whitelist;
};

/* petrel_greylist_check(): its verdict text ("pass", "new:300" ...) in
   verdict[size]. Returns 0, or -1 with *error_r. */
int admin_milter_greylist_check(struct admin_db *db, const struct admin_milter_greylist *q,
				char *verdict, size_t size, const char **error_r);

/* The id of the domain we serve called name (lower case), 0 when it is
   not ours (its settings are then the server's), -1 with *error_r. */
long long admin_milter_domain_id(struct admin_db *db, const char *name, const char **error_r);

/* Replace cache's rows with the settings table. Returns 0 or -1. */
int admin_milter_settings_load(struct admin_db *db, struct settings_cache *cache,
			       const char **error_r);

#endif
