/*
 * strcache.h — a small time-limited cache keyed by strings, for a
 * worker's memories of database answers (recipient lookups, verified
 * logins).
 *
 * Entries older than the caller's TTL are misses; a full cache is simply
 * emptied, which bounds memory without bookkeeping. Owners empty it when a
 * NOTIFY says the underlying rows changed.
 */
#ifndef STRCACHE_H
#define STRCACHE_H

typedef void strcache_free_value_t(void *value);

struct strcache;

struct strcache *strcache_new(strcache_free_value_t *free_value);
void strcache_free(struct strcache **cache);
void strcache_clear(struct strcache *cache);

/* The value stored for key at most ttl seconds before now, or NULL. */
void *strcache_get(struct strcache *cache, const char *key, double now, double ttl);
/* Store value (owned by the cache from now on) under key, replacing any
   older value. With max_entries entries already, the cache starts over. */
void strcache_put(struct strcache *cache, const char *key, void *value, double now,
		  unsigned int max_entries);

#endif
