/*
 * admin-greylist.h — greylisting state for operators (petrelctl greylist):
 * listing the triplets and auto-whitelisted networks, and flushing them.
 *
 * The tables are schema/012_greylist_lists_bans.sql; the nodes fill them
 * through petrel_greylist_check().
 */
#ifndef ADMIN_GREYLIST_H
#define ADMIN_GREYLIST_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>

/* At most this many rows are listed, the most recently seen first. */
#define ADMIN_GREYLIST_LIST_MAX 1000

struct admin_greylist_entry {
	const char *network;           /* client network, CIDR notation */
	const char *sender;            /* "" = null sender; NULL for a network row */
	const char *recipient;         /* NULL for a network row */
	const char *state;             /* "greylisted", "whitelisted" or, for a
					  network, "counting" / "whitelisted" */
	long long attempts;            /* tries answered 451 (0 for a network) */
	long long passes;              /* messages (network: triplets) let through */
	const char *first_seen;        /* ISO 8601 UTC; NULL for a network row */
	const char *last_seen;         /* ISO 8601 UTC; NULL for a network row */
	const char *expires_at;        /* ISO 8601 UTC */
};

typedef void admin_greylist_cb(const struct admin_greylist_entry *entry, void *context);

/* The auto-whitelist networks, then the triplets, the most recently
   seen first. Pointers are valid during the callback only. */
int admin_greylist_list(struct admin_db *db, admin_greylist_cb *cb, void *context,
			const char **error_r);

/* Which rows admin_greylist_page() gives. The networks always come
   first, the triplets after them; sort orders each part (a network,
   which keeps no times of use, counts its expires_at as both times). */
struct admin_greylist_query {
	struct admin_paging paging;  /* search: network, sender, recipient or state;
				   sorts: last_seen (default), first_seen,
				   expires_at */
};

/* One page of the rows; *total_r counts every match. -1 with "unknown
   sort field S" for another sort. */
int admin_greylist_page(struct admin_db *db, const struct admin_greylist_query *query,
			admin_greylist_cb *cb, void *context, long long *total_r,
			const char **error_r);
/* Delete every triplet and network (older_seconds < 0), or only the
   triplets last seen more than older_seconds ago; *count_r is how many
   rows went. */
int admin_greylist_flush(struct admin_db *db, long long older_seconds, long long *count_r,
			 const char **error_r);

#endif
