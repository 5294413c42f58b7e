/*
 * store-greylist.h — greylisting for the node: one call to
 * petrel_greylist_check() per recipient (one round trip, an upsert;
 * schema/012_greylist_lists_bans.sql). Its clean-up job is in
 * store-maintenance.h.
 */
#ifndef STORE_GREYLIST_H
#define STORE_GREYLIST_H

#include "pg-pool.h"

struct store_greylist_query {
	const char *ip;            /* the client address */
	const char *sender;        /* "" = null sender */
	const char *recipient;
	int v4_prefix, v6_prefix;  /* client network of the triplet */
	long long delay, window, lifetime;   /* seconds */
	int auto_whitelist;        /* passes that whitelist a network; 0 never */
};

/* verdict: the function's text ("whitelisted", "pass", "new:N",
   "early:N"; see greylist-key.h), NULL with error set. Valid during the
   callback only. */
typedef void store_greylist_callback_t(void *ctx, const char *error, const char *verdict);

void store_greylist_check(struct pg_pool *pool, const struct store_greylist_query *q,
			  store_greylist_callback_t *callback, void *ctx);

#endif
