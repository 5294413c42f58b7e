/*
 * imap-seqset.h — RFC 9051 sequence-set parsing and printing.
 *
 * A parsed set keeps its explicit numbers as sorted, merged ranges and
 * remembers what "*" stood with, so the session can resolve it against
 * the current message count or highest UID when the command runs. "$"
 * (RFC 5182 SEARCHRES) is recognised and flagged; the session substitutes
 * the saved search result. The same structure carries UID sets built by
 * the session for COPYUID, APPENDUID and VANISHED, printed compactly.
 */
#ifndef IMAP_SEQSET_H
#define IMAP_SEQSET_H

#include "strbuf.h"

#include <stdbool.h>
#include <stdint.h>

/* Default for the setting limiting the elements of one sequence set. */
#define IMAP_SEQSET_DEFAULT_MAX_RANGES 10000

struct imap_seq_range {
	uint32_t first, last;   /* 1 <= first <= last */
};

struct imap_seqset {
	struct imap_seq_range *ranges;   /* sorted, merged, disjoint */
	unsigned int count, size;
	/* Elements with "*": "*" alone, or "n:*" / "*:n" — each resolves to
	   the numbers between n and the maximum, so together they resolve to
	   min(star_low, max)..max(star_high, max). */
	bool has_star;
	bool star_bounded;               /* some "n:*" was seen */
	uint32_t star_low, star_high;    /* smallest and largest such n */
	bool searchres;                  /* the set was "$" */
};

#define IMAP_SEQSET_INIT { NULL, 0, 0, false, false, 0, 0, false }

/* Parse the sequence-set str into *set_r (initialised here; free it with
   imap_seqset_free()). max_ranges limits the comma-separated elements
   (0 = IMAP_SEQSET_DEFAULT_MAX_RANGES). Returns 0, or -1 with *error_r a
   static message for a tagged BAD. */
int imap_seqset_parse(const char *str, unsigned int max_ranges,
		      struct imap_seqset *set_r, const char **error_r);

/* Write into *dest_r (initialised here; free it) the explicit set that set
   means when "*" is max: the largest message sequence number or UID in
   the mailbox. With max 0 (empty mailbox) the elements with "*" resolve to
   nothing. set->searchres is copied, not resolved. */
void imap_seqset_resolve(const struct imap_seqset *set, uint32_t max,
			 struct imap_seqset *dest_r);

/* Add first..last (1 <= first <= last) to a set, keeping it sorted and
   merged. Appending in ascending order is O(1) per call. */
void imap_seqset_add_range(struct imap_seqset *set, uint32_t first, uint32_t last);

/* Whether the explicit ranges contain n (binary search; "*" not counted). */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n);

/* How many numbers the explicit ranges hold. */
uint64_t imap_seqset_count(const struct imap_seqset *set);

/* Append the explicit ranges to out as a compact sequence-set
   ("1:3,5,7:9"); nothing for an empty set. */
void imap_seqset_append(struct strbuf *out, const struct imap_seqset *set);

/* Append ranges[0..count) to out in the given order (COPYUID pairs its
   two sets element by element, so they are not re-sorted). */
void imap_seq_ranges_append(struct strbuf *out, const struct imap_seq_range *ranges,
			    unsigned int count);

void imap_seqset_free(struct imap_seqset *set);

#endif
