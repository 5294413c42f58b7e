/*
 * store-maintenance.h — periodic clean-up jobs the nodes run against the
 * store. Each is a singleton across the cluster: the statement takes a
 * transaction-level advisory lock first and does nothing when another node
 * holds it, so any number of nodes may schedule the same job.
 */
#ifndef STORE_MAINTENANCE_H
#define STORE_MAINTENANCE_H

#include "pg-pool.h"

#include <stdint.h>

/* removed: messages removed, or -1 when another node is running the job
   (error NULL then too). */
typedef void store_maintenance_callback_t(void *ctx, const char *error, int64_t removed);

/* Remove at most limit messages from \Trash and \Junk mailboxes that were
   saved there more than autoexpunge_days ago (the domain's setting, else
   the server's, else default_days; 0 = keep). */
void store_autoexpunge(struct pg_pool *pool, int default_days, int limit,
		       store_maintenance_callback_t *callback, void *ctx);

/* Move at most limit rows of search text from message_search_pending into
   the word-indexed message_search (removed: rows moved). Delivery and
   APPEND leave the indexing to this job so it happens in bulk, outside the
   transactions clients wait for; SEARCH reads both tables meanwhile. */
void store_search_index(struct pg_pool *pool, int limit, store_maintenance_callback_t *callback,
			void *ctx);

/* Remove expired greylist triplets and networks and long-ended bans
   (petrel_greylist_cleanup(), schema/012; removed: rows). */
void store_greylist_cleanup(struct pg_pool *pool, store_maintenance_callback_t *callback,
			    void *ctx);

#endif
