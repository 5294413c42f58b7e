/*
 * rcpt-cache.c — recipient lookup cache (see rcpt-cache.h).
 *
 * Entries live in an idmap keyed by a 64-bit hash of the address; the
 * address is kept in the entry and compared, so a hash collision is only a
 * miss. Expired entries are replaced when looked up again; a full cache is
 * simply emptied, which bounds memory without bookkeeping.
 */
#include "rcpt-cache.h"

#include "idmap.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct rcpt_cache_entry {
	char *address;
	ev_tstamp stored;
	unsigned int count;
	struct store_rcpt_target *targets;   /* addresses point into strings */
	char *strings;
};

struct rcpt_cache {
	struct idmap *map;
};

static uint64_t rcpt_cache_key(const char *address)
{
	uint64_t h = 14695981039346656037ULL;

	for (const char *p = address; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h == 0 ? 1 : h;
}

static void rcpt_cache_entry_free(struct rcpt_cache_entry *e)
{
	free(e->address);
	free(e->targets);
	free(e->strings);
	free(e);
}

struct rcpt_cache *rcpt_cache_new(void)
{
	struct rcpt_cache *cache = xcalloc(1, sizeof(*cache));

	cache->map = idmap_new();
	return cache;
}

static void rcpt_cache_free_entry(uint64_t id, void *value, void *ctx)
{
	rcpt_cache_entry_free(value);
}

void rcpt_cache_clear(struct rcpt_cache *cache)
{
	idmap_foreach(cache->map, rcpt_cache_free_entry, NULL);
	idmap_free(&cache->map);
	cache->map = idmap_new();
}

void rcpt_cache_free(struct rcpt_cache **cachep)
{
	struct rcpt_cache *cache = *cachep;

	if (cache == NULL)
		return;
	*cachep = NULL;
	idmap_foreach(cache->map, rcpt_cache_free_entry, NULL);
	idmap_free(&cache->map);
	free(cache);
}

const struct store_rcpt_target *rcpt_cache_get(struct rcpt_cache *cache, const char *address,
					       ev_tstamp now, double ttl,
					       unsigned int *count_r)
{
	struct rcpt_cache_entry *e = idmap_get(cache->map, rcpt_cache_key(address));

	if (e == NULL || strcmp(e->address, address) != 0 || now - e->stored > ttl)
		return NULL;
	*count_r = e->count;
	return e->targets;
}

void rcpt_cache_put(struct rcpt_cache *cache, const char *address,
		    const struct store_rcpt_target *targets, unsigned int count,
		    ev_tstamp now, unsigned int max_entries)
{
	uint64_t key = rcpt_cache_key(address);
	struct rcpt_cache_entry *e = idmap_get(cache->map, key);
	size_t strings_len = 0, off = 0;

	if (e != NULL) {
		idmap_remove(cache->map, key);
		rcpt_cache_entry_free(e);
	}
	if (idmap_count(cache->map) >= max_entries)
		rcpt_cache_clear(cache);
	for (unsigned int i = 0; i < count; i++)
		strings_len += strlen(targets[i].address) + 1;
	e = xcalloc(1, sizeof(*e));
	e->address = xstrdup(address);
	e->stored = now;
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
	idmap_put(cache->map, key, e);
}
