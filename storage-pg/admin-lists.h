/*
 * admin-lists.h — the white and black lists for operators (petrelctl
 * whitelist|blacklist add|del|list): client IPs/networks and sender
 * addresses, domains and regular expressions, Proxmox-style.
 *
 * Table policy_lists, schema/012_greylist_lists_bans.sql; the nodes match
 * through petrel_policy_lookup().
 */
#ifndef ADMIN_LISTS_H
#define ADMIN_LISTS_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>

struct admin_list_entry {
	long long id;
	const char *kind;          /* "white" or "black" */
	const char *type;          /* "ip", "address", "domain" or "regex" */
	const char *value;         /* network (CIDR), address, domain or regex */
	const char *comment;
	const char *created_at;    /* ISO 8601 UTC */
};

typedef void admin_list_cb(const struct admin_list_entry *entry, void *context);

/* The item is read as written by the operator: "/regex/" is a regular
   expression (it must compile in PostgreSQL), an IPv4/IPv6 address or a
   CIDR network is an ip entry, "user@domain" an address, "@domain" or
   "domain" a sender domain and ".domain" its subdomains. Adding what is
   already there fails with "ITEM is already on the KIND list". cb gets
   the stored entry (pointers valid during the callback only). */
int admin_list_add(struct admin_db *db, const char *kind, const char *item,
		   const char *comment, admin_list_cb *cb, void *context, const char **error_r);
/* -1 with "ITEM is not on the KIND list" when absent. */
int admin_list_del(struct admin_db *db, const char *kind, const char *item,
		   const char **error_r);
/* Delete the entry with this id; -1 with "no list entry ID" when absent. */
int admin_list_del_id(struct admin_db *db, long long id, const char **error_r);
/* Which entries admin_list_page() gives. */
struct admin_list_query {
	const char *kind;            /* "white" or "black"; NULL: both lists */
	struct admin_paging paging;  /* search: kind, type, value or comment; sorts:
				   id (default), kind, type, value, created_at */
};

/* One page of the entries; *total_r counts every match. -1 with
   "unknown sort field S" for another sort. */
int admin_list_page(struct admin_db *db, const struct admin_list_query *query,
		    admin_list_cb *cb, void *context, long long *total_r, const char **error_r);
/* Every entry of the list (kind "white" or "black"), oldest first. */
int admin_list_list(struct admin_db *db, const char *kind, admin_list_cb *cb, void *context,
		    const char **error_r);

#endif
