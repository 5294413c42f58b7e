/*
 * store-policy-lists.h — the white/black lists and brute-force bans for
 * the node: petrel_policy_lookup() and petrel_ban_check()
 * (schema/012_greylist_lists_bans.sql), one round trip each.
 */
#ifndef STORE_POLICY_LISTS_H
#define STORE_POLICY_LISTS_H

#include "pg-pool.h"

/* The list entry that decides; kind "white" or "black". */
struct store_policy_match {
	const char *kind;
	const char *type;          /* "ip", "address", "domain", "regex" */
	const char *value;
	const char *comment;
};

/* match is NULL when no entry matches (or on error). Pointers are valid
   during the callback only. */
typedef void store_policy_lists_callback_t(void *ctx, const char *error,
					   const struct store_policy_match *match);

/* The entry deciding for ip and/or sender (NULL: not tested; "" is the
   null sender), a white one before a black one. */
void store_policy_lists_lookup(struct pg_pool *pool, const char *ip, const char *sender,
			       store_policy_lists_callback_t *callback, void *ctx);

/* reason is NULL when ip is not banned (or on error); expires_at is ISO
   8601 UTC. Valid during the callback only. */
typedef void store_ban_callback_t(void *ctx, const char *error, const char *reason,
				  const char *expires_at);

void store_ban_check(struct pg_pool *pool, const char *ip, store_ban_callback_t *callback,
		     void *ctx);

#endif
