/*
 * imap-msgmap.c — sequence number <-> UID map of a selected mailbox, kept
 * as UID ranges (see imap-msgmap.h).
 */
#include "imap-msgmap.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void imap_msgmap_free(struct imap_msgmap *map)
{
	free(map->ranges);
	free(map->prefix);
	*map = (struct imap_msgmap)IMAP_MSGMAP_INIT;
}

void imap_msgmap_clear(struct imap_msgmap *map)
{
	map->count = 0;
	map->messages = 0;
	map->prefix_valid = false;
}

static void imap_msgmap_reserve(struct imap_msgmap *map, unsigned int count)
{
	if (count <= map->alloc)
		return;
	map->alloc = count < 4 ? 4 : count + count / 2;
	map->ranges = xrealloc(map->ranges, map->alloc * sizeof(*map->ranges));
	map->prefix = xrealloc(map->prefix, map->alloc * sizeof(*map->prefix));
}

void imap_msgmap_append(struct imap_msgmap *map, uint32_t first, uint32_t last)
{
	if (map->count > 0 && map->ranges[map->count - 1].last + 1 == first) {
		map->ranges[map->count - 1].last = last;
	} else {
		imap_msgmap_reserve(map, map->count + 1);
		map->ranges[map->count].first = first;
		map->ranges[map->count].last = last;
		map->prefix[map->count] = map->messages;   /* stays right for appends */
		map->count++;
	}
	map->messages += last - first + 1;
}

uint32_t imap_msgmap_max_uid(const struct imap_msgmap *map)
{
	return map->count == 0 ? 0 : map->ranges[map->count - 1].last;
}

static void imap_msgmap_build_prefix(struct imap_msgmap *map)
{
	uint32_t n = 0;

	if (map->prefix_valid)
		return;
	for (unsigned int i = 0; i < map->count; i++) {
		map->prefix[i] = n;
		n += map->ranges[i].last - map->ranges[i].first + 1;
	}
	map->prefix_valid = true;
}

/* Index of the range holding uid, or of the first range above it. */
static unsigned int imap_msgmap_find_range(const struct imap_msgmap *map, uint32_t uid)
{
	unsigned int lo = 0, hi = map->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (map->ranges[mid].last < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t imap_msgmap_uid(struct imap_msgmap *map, uint32_t seq)
{
	unsigned int lo = 0, hi = map->count;

	if (seq == 0 || seq > map->messages)
		return 0;
	imap_msgmap_build_prefix(map);
	/* the last range whose prefix is below seq */
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (map->prefix[mid] < seq)
			lo = mid;
		else
			hi = mid;
	}
	return map->ranges[lo].first + (seq - map->prefix[lo] - 1);
}

uint32_t imap_msgmap_seq(struct imap_msgmap *map, uint32_t uid)
{
	unsigned int i = imap_msgmap_find_range(map, uid);

	if (i == map->count || map->ranges[i].first > uid)
		return 0;
	imap_msgmap_build_prefix(map);
	return map->prefix[i] + (uid - map->ranges[i].first) + 1;
}

uint32_t imap_msgmap_remove(struct imap_msgmap *map, uint32_t uid)
{
	uint32_t seq = imap_msgmap_seq(map, uid);
	unsigned int i;
	struct imap_seq_range *r;

	if (seq == 0)
		return 0;
	i = imap_msgmap_find_range(map, uid);
	r = &map->ranges[i];
	if (r->first == r->last) {
		memmove(r, r + 1, (map->count - i - 1) * sizeof(*r));
		map->count--;
	} else if (uid == r->first) {
		r->first++;
	} else if (uid == r->last) {
		r->last--;
	} else {
		imap_msgmap_reserve(map, map->count + 1);
		r = &map->ranges[i];
		memmove(r + 2, r + 1, (map->count - i - 1) * sizeof(*r));
		r[1].first = uid + 1;
		r[1].last = r->last;
		r->last = uid - 1;
		map->count++;
	}
	map->messages--;
	map->prefix_valid = false;
	return seq;
}

void imap_msgmap_seqs_to_uids(struct imap_msgmap *map, const struct imap_seqset *seqs,
			      struct imap_seqset *uids)
{
	for (unsigned int i = 0; i < seqs->count; i++) {
		uint32_t seq = seqs->ranges[i].first;
		uint32_t last = seqs->ranges[i].last;

		if (last > map->messages)
			last = map->messages;
		while (seq != 0 && seq <= last) {
			uint32_t uid = imap_msgmap_uid(map, seq);
			unsigned int r = imap_msgmap_find_range(map, uid);
			/* the rest of this UID range, as far as the seq range goes */
			uint32_t run = map->ranges[r].last - uid;

			if (run > last - seq)
				run = last - seq;
			imap_seqset_add_range(uids, uid, uid + run);
			if (last - seq == run)
				break;
			seq += run + 1;
		}
	}
}

void imap_msgmap_filter_uids(const struct imap_msgmap *map, const struct imap_seqset *uids,
			     struct imap_seqset *out)
{
	for (unsigned int i = 0; i < uids->count; i++) {
		uint32_t first = uids->ranges[i].first, last = uids->ranges[i].last;

		for (unsigned int r = imap_msgmap_find_range(map, first);
		     r < map->count && map->ranges[r].first <= last; r++) {
			uint32_t lo = map->ranges[r].first > first ? map->ranges[r].first : first;
			uint32_t hi = map->ranges[r].last < last ? map->ranges[r].last : last;

			if (lo <= hi)
				imap_seqset_add_range(out, lo, hi);
		}
	}
}
