/*
 * imap-msgmap.h — a selected mailbox as the IMAP session sees it: which
 * UIDs exist, in order, so message sequence numbers map to UIDs and back.
 *
 * The map holds UID ranges, not one entry per message: a mailbox of
 * 100,000 messages that never saw an expunge is one range, and the session
 * loads it from PostgreSQL as ranges (gaps-and-islands), never as 100,000
 * rows. Lookups are binary searches over the ranges with a prefix count
 * that is rebuilt lazily after a change.
 *
 * The map changes only when the session tells the client: new messages
 * are appended when EXISTS is sent, expunged ones removed when EXPUNGE or
 * VANISHED is sent, so sequence numbers always match the client's view.
 */
#ifndef IMAP_MSGMAP_H
#define IMAP_MSGMAP_H

#include "imap-seqset.h"

#include <stdbool.h>
#include <stdint.h>

struct imap_msgmap {
	struct imap_seq_range *ranges;   /* UID ranges, ascending, disjoint, not adjacent */
	uint32_t *prefix;                /* messages before ranges[i] */
	unsigned int count, alloc;
	uint32_t messages;
	bool prefix_valid;
};

#define IMAP_MSGMAP_INIT { NULL, NULL, 0, 0, 0, false }

void imap_msgmap_free(struct imap_msgmap *map);
void imap_msgmap_clear(struct imap_msgmap *map);

/* Add UIDs first..last, all above the current highest UID. */
void imap_msgmap_append(struct imap_msgmap *map, uint32_t first, uint32_t last);

static inline uint32_t imap_msgmap_count(const struct imap_msgmap *map)
{
	return map->messages;
}
/* The highest UID in the map, 0 when empty. */
uint32_t imap_msgmap_max_uid(const struct imap_msgmap *map);

/* The UID of sequence number seq, 0 when seq is not 1..count. */
uint32_t imap_msgmap_uid(struct imap_msgmap *map, uint32_t seq);
/* The sequence number of uid, 0 when uid is not in the map. */
uint32_t imap_msgmap_seq(struct imap_msgmap *map, uint32_t uid);
/* Remove uid; returns the sequence number it had, 0 when absent. */
uint32_t imap_msgmap_remove(struct imap_msgmap *map, uint32_t uid);

/* The UIDs of the sequence numbers in seqs (already resolved against the
   message count), added to *uids (which must be initialised). */
void imap_msgmap_seqs_to_uids(struct imap_msgmap *map, const struct imap_seqset *seqs,
			      struct imap_seqset *uids);
/* The UIDs of uids that are in the map, added to *out. */
void imap_msgmap_filter_uids(const struct imap_msgmap *map, const struct imap_seqset *uids,
			     struct imap_seqset *out);

#endif
