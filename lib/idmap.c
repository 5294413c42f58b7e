/*
 * idmap.c — open-addressing hash map of uint64 ids (see idmap.h).
 *
 * Linear probing with backward-shift deletion, so there are no tombstones
 * and lookups stay short however many sessions come and go.
 */
#include "idmap.h"

#include "xalloc.h"

#include <assert.h>
#include <stdlib.h>

struct idmap_slot {
	uint64_t id;          /* 0 = empty */
	void *value;
};

struct idmap {
	struct idmap_slot *slots;
	size_t mask;
	size_t count;
};

static size_t idmap_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id;
}

struct idmap *idmap_new(void)
{
	struct idmap *map = xcalloc(1, sizeof(*map));

	map->mask = 63;
	map->slots = xcalloc(map->mask + 1, sizeof(*map->slots));
	return map;
}

void idmap_free(struct idmap **map)
{
	if (*map == NULL)
		return;
	free((*map)->slots);
	free(*map);
	*map = NULL;
}

static void idmap_grow(struct idmap *map)
{
	struct idmap_slot *old = map->slots;
	size_t old_size = map->mask + 1;

	map->mask = old_size * 2 - 1;
	map->slots = xcalloc(map->mask + 1, sizeof(*map->slots));
	map->count = 0;
	for (size_t i = 0; i < old_size; i++) {
		if (old[i].id != 0)
			idmap_put(map, old[i].id, old[i].value);
	}
	free(old);
}

void idmap_put(struct idmap *map, uint64_t id, void *value)
{
	assert(id != 0);
	if ((map->count + 1) * 4 > (map->mask + 1) * 3)
		idmap_grow(map);
	size_t i = idmap_hash(id) & map->mask;

	while (map->slots[i].id != 0) {
		assert(map->slots[i].id != id);
		i = (i + 1) & map->mask;
	}
	map->slots[i].id = id;
	map->slots[i].value = value;
	map->count++;
}

void *idmap_get(const struct idmap *map, uint64_t id)
{
	size_t i = idmap_hash(id) & map->mask;

	while (map->slots[i].id != 0) {
		if (map->slots[i].id == id)
			return map->slots[i].value;
		i = (i + 1) & map->mask;
	}
	return NULL;
}

void idmap_remove(struct idmap *map, uint64_t id)
{
	size_t i = idmap_hash(id) & map->mask;

	while (map->slots[i].id != id) {
		if (map->slots[i].id == 0)
			return;
		i = (i + 1) & map->mask;
	}
	/* backward-shift the following run so probing never hits a hole */
	size_t j = i;

	for (;;) {
		j = (j + 1) & map->mask;
		if (map->slots[j].id == 0)
			break;
		size_t home = idmap_hash(map->slots[j].id) & map->mask;

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			map->slots[i] = map->slots[j];
			i = j;
		}
	}
	map->slots[i].id = 0;
	map->slots[i].value = NULL;
	map->count--;
}

size_t idmap_count(const struct idmap *map)
{
	return map->count;
}

void idmap_foreach(const struct idmap *map, void (*fn)(uint64_t id, void *value, void *ctx),
		   void *ctx)
{
	for (size_t i = 0; i <= map->mask; i++) {
		if (map->slots[i].id != 0)
			fn(map->slots[i].id, map->slots[i].value, ctx);
	}
}
