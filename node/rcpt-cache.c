/*
 * rcpt-cache.c — recipient lookup cache (see rcpt-cache.h).
 *
 * Entries are the answers with their address strings packed into one
 * allocation, kept in a strcache (TTL, emptied when full).
 */
#include "rcpt-cache.h"

#include "strcache.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct rcpt_cache_entry {
	unsigned int count;
	struct store_rcpt_target *targets;   /* addresses point into strings */
	char *strings;
};

struct rcpt_cache {
	struct strcache *cache;
};

static void rcpt_cache_entry_free(void *value)
{
	struct rcpt_cache_entry *e = value;

	free(e->targets);
	free(e->strings);
	free(e);
}

struct rcpt_cache *rcpt_cache_new(void)
{
	struct rcpt_cache *cache = xcalloc(1, sizeof(*cache));

	cache->cache = strcache_new(rcpt_cache_entry_free);
	return cache;
}

void rcpt_cache_clear(struct rcpt_cache *cache)
{
	strcache_clear(cache->cache);
}

void rcpt_cache_free(struct rcpt_cache **cachep)
{
	struct rcpt_cache *cache = *cachep;

	if (cache == NULL)
		return;
	*cachep = NULL;
	strcache_free(&cache->cache);
	free(cache);
}

const struct store_rcpt_target *rcpt_cache_get(struct rcpt_cache *cache, const char *address,
					       ev_tstamp now, double ttl,
					       unsigned int *count_r)
{
	struct rcpt_cache_entry *e = strcache_get(cache->cache, address, now, ttl);

	if (e == NULL)
		return NULL;
	*count_r = e->count;
	return e->targets;
}

void rcpt_cache_put(struct rcpt_cache *cache, const char *address,
		    const struct store_rcpt_target *targets, unsigned int count,
		    ev_tstamp now, unsigned int max_entries)
{
	struct rcpt_cache_entry *e = xcalloc(1, sizeof(*e));
	size_t strings_len = 0, off = 0;

	for (unsigned int i = 0; i < count; i++)
		strings_len += strlen(targets[i].address) + 1;
	e->count = count;
	e->targets = xmalloc(sizeof(*targets) * (count == 0 ? 1 : count));
	e->strings = xmalloc(strings_len == 0 ? 1 : strings_len);
	for (unsigned int i = 0; i < count; i++) {
		size_t len = strlen(targets[i].address) + 1;

		e->targets[i] = targets[i];
		memcpy(e->strings + off, targets[i].address, len);
		e->targets[i].address = e->strings + off;
		off += len;
	}
	strcache_put(cache->cache, address, e, now, max_entries);
}
