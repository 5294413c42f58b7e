/*
 * rcpt-cache.h — a worker's short-lived memory of recipient lookups.
 *
 * Most RCPTs name addresses seen moments ago (and most spam names the same
 * unknown ones), so answers from petrel_resolve_rcpt() are kept for the
 * recipient_cache_ttl setting. Any change to domains, accounts or aliases
 * anywhere in the cluster NOTIFYs every node, which empties its caches, so
 * an answer is stale only for the instant the notification travels. Quota
 * usage in a cached answer may lag by up to the TTL.
 */
#ifndef RCPT_CACHE_H
#define RCPT_CACHE_H

#include "store-rcpt.h"

#include <ev.h>

/* NOTIFY channel the directory tables' triggers signal. */
#define RCPT_CACHE_CHANNEL "petrel_directory"

struct rcpt_cache;

struct rcpt_cache *rcpt_cache_new(void);
void rcpt_cache_free(struct rcpt_cache **cache);
void rcpt_cache_clear(struct rcpt_cache *cache);

/* A fresh answer for address (stored at most ttl seconds before now), or
   NULL; *count_r is set on a hit. Valid until the next cache call. */
const struct store_rcpt_target *rcpt_cache_get(struct rcpt_cache *cache, const char *address,
					       ev_tstamp now, double ttl,
					       unsigned int *count_r);
/* Remember an answer (copied). At max_entries the cache starts over. */
void rcpt_cache_put(struct rcpt_cache *cache, const char *address,
		    const struct store_rcpt_target *targets, unsigned int count,
		    ev_tstamp now, unsigned int max_entries);

#endif
