/*
 * strcache.c — string-keyed TTL cache (see strcache.h).
 *
 * Entries live in an idmap keyed by a 64-bit FNV-1a hash of the key; the
 * key is kept in the entry and compared, so a hash collision is only a
 * miss (the newer entry wins the slot).
 */
#include "strcache.h"

#include "idmap.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strcache_entry {
	char *key;
	double stored;
	void *value;
};

struct strcache {
	struct idmap *map;
	strcache_free_value_t *free_value;
};

static uint64_t strcache_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (const char *p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h == 0 ? 1 : h;
}

struct strcache *strcache_new(strcache_free_value_t *free_value)
{
	struct strcache *cache = xcalloc(1, sizeof(*cache));

	cache->map = idmap_new();
	cache->free_value = free_value;
	return cache;
}

static void strcache_entry_free(uint64_t id, void *value, void *ctx)
{
	struct strcache *cache = ctx;
	struct strcache_entry *e = value;

	free(e->key);
	cache->free_value(e->value);
	free(e);
}

void strcache_clear(struct strcache *cache)
{
	idmap_foreach(cache->map, strcache_entry_free, cache);
	idmap_free(&cache->map);
	cache->map = idmap_new();
}

void strcache_free(struct strcache **cachep)
{
	struct strcache *cache = *cachep;

	if (cache == NULL)
		return;
	*cachep = NULL;
	idmap_foreach(cache->map, strcache_entry_free, cache);
	idmap_free(&cache->map);
	free(cache);
}

void *strcache_get(struct strcache *cache, const char *key, double now, double ttl)
{
	struct strcache_entry *e = idmap_get(cache->map, strcache_hash(key));

	if (e == NULL || strcmp(e->key, key) != 0 || now - e->stored > ttl)
		return NULL;
	return e->value;
}

void strcache_put(struct strcache *cache, const char *key, void *value, double now,
		  unsigned int max_entries)
{
	uint64_t hash = strcache_hash(key);
	struct strcache_entry *e = idmap_get(cache->map, hash);

	if (e != NULL) {
		idmap_remove(cache->map, hash);
		strcache_entry_free(hash, e, cache);
	}
	if (idmap_count(cache->map) >= max_entries)
		strcache_clear(cache);
	e = xmalloc(sizeof(*e));
	e->key = xstrdup(key);
	e->stored = now;
	e->value = value;
	idmap_put(cache->map, hash, e);
}
