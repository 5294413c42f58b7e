/*
 * idmap.h — a map from 64-bit ids to pointers.
 *
 * Sessions waiting on PostgreSQL are parked here by id (the OpenSMTPD way):
 * a callback looks its session up again, so a client that disconnected in
 * the meantime is simply not found — never a dangling pointer.
 */
#ifndef IDMAP_H
#define IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap_new(void);
void idmap_free(struct idmap **map);
/* id must be non-zero and not present. */
void idmap_put(struct idmap *map, uint64_t id, void *value);
void *idmap_get(const struct idmap *map, uint64_t id);
void idmap_remove(struct idmap *map, uint64_t id);
size_t idmap_count(const struct idmap *map);
/* Call fn for every entry; fn must not modify the map. */
void idmap_foreach(const struct idmap *map, void (*fn)(uint64_t id, void *value, void *ctx),
		   void *ctx);

#endif
