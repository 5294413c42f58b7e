/*
 * imap-seqset.c — sequence sets (see imap-seqset.h). Parsing collects the
 * explicit elements (bounded by the element limit, so a hostile set costs
 * at most that many ranges), then sorts and merges them once; "*" is kept
 * aside as the bounds it was paired with until the session resolves it.
 */
#include "imap-seqset.h"

#include "xalloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define IMAP_SEQ_STAR 0   /* seq-number "*" while parsing; 0 is no nz-number */

static void imap_seqset_grow(struct imap_seqset *set)
{
	if (set->count < set->size)
		return;
	set->size = set->size < 16 ? 16 : set->size * 2;
	set->ranges = xrealloc(set->ranges, set->size * sizeof(*set->ranges));
}

/* seq-number = nz-number / "*"; returns the number, IMAP_SEQ_STAR, or -1. */
static int64_t imap_seqset_number(const char **p)
{
	const char *s = *p;
	uint64_t value = 0;

	if (*s == '*') {
		*p = s + 1;
		return IMAP_SEQ_STAR;
	}
	if (*s < '1' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		value = value * 10 + (uint64_t)(*s - '0');
		if (value > UINT32_MAX)
			return -1;
	}
	*p = s;
	return (int64_t)value;
}

static void imap_seqset_add_star(struct imap_seqset *set, uint32_t n)
{
	set->has_star = true;
	if (n == IMAP_SEQ_STAR)
		return;
	if (!set->star_bounded || n < set->star_low)
		set->star_low = n;
	if (!set->star_bounded || n > set->star_high)
		set->star_high = n;
	set->star_bounded = true;
}

static int imap_seq_range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *ra = a, *rb = b;

	return ra->first < rb->first ? -1 : ra->first > rb->first;
}

/* Sort the collected ranges and merge overlapping or adjacent ones. */
static void imap_seqset_normalize(struct imap_seqset *set)
{
	unsigned int out = 0;

	if (set->count == 0)
		return;
	qsort(set->ranges, set->count, sizeof(*set->ranges), imap_seq_range_cmp);
	for (unsigned int i = 1; i < set->count; i++) {
		struct imap_seq_range *last = &set->ranges[out];

		if ((uint64_t)last->last + 1 >= set->ranges[i].first) {
			if (set->ranges[i].last > last->last)
				last->last = set->ranges[i].last;
		} else {
			set->ranges[++out] = set->ranges[i];
		}
	}
	set->count = out + 1;
}

/* One element: seq-number [":" seq-number]. */
static int imap_seqset_element(struct imap_seqset *set, const char **p)
{
	int64_t a, b;

	if ((a = imap_seqset_number(p)) < 0)
		return -1;
	b = a;
	if (**p == ':') {
		(*p)++;
		if ((b = imap_seqset_number(p)) < 0)
			return -1;
	}
	if (a == IMAP_SEQ_STAR || b == IMAP_SEQ_STAR) {
		imap_seqset_add_star(set, (uint32_t)(a == IMAP_SEQ_STAR ? b : a));
		return 0;
	}
	imap_seqset_grow(set);
	set->ranges[set->count].first = (uint32_t)(a < b ? a : b);
	set->ranges[set->count].last = (uint32_t)(a < b ? b : a);
	set->count++;
	return 0;
}

int imap_seqset_parse(const char *str, unsigned int max_ranges,
		      struct imap_seqset *set_r, const char **error_r)
{
	const char *p = str;
	unsigned int elements = 0;

	memset(set_r, 0, sizeof(*set_r));
	if (max_ranges == 0)
		max_ranges = IMAP_SEQSET_DEFAULT_MAX_RANGES;
	if (strcmp(str, "$") == 0) {
		set_r->searchres = true;
		return 0;
	}
	for (;;) {
		if (++elements > max_ranges) {
			*error_r = "Too many elements in sequence set";
			goto fail;
		}
		if (imap_seqset_element(set_r, &p) < 0)
			break;
		if (*p == '\0') {
			imap_seqset_normalize(set_r);
			return 0;
		}
		if (*p++ != ',')
			break;
	}
	*error_r = "Invalid sequence set";
fail:
	imap_seqset_free(set_r);
	return -1;
}

/* Index of the first range that first..last overlaps or touches, or of
   the first range after it. */
static unsigned int imap_seqset_find(const struct imap_seqset *set, uint32_t first)
{
	unsigned int lo = 0, hi = set->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if ((uint64_t)set->ranges[mid].last + 1 < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void imap_seqset_add_range(struct imap_seqset *set, uint32_t first, uint32_t last)
{
	unsigned int i, j;

	assert(first >= 1 && first <= last);
	i = imap_seqset_find(set, first);
	if (i == set->count || set->ranges[i].first > (uint64_t)last + 1) {
		imap_seqset_grow(set);
		memmove(&set->ranges[i + 1], &set->ranges[i],
			(set->count - i) * sizeof(*set->ranges));
		set->ranges[i].first = first;
		set->ranges[i].last = last;
		set->count++;
		return;
	}
	if (first < set->ranges[i].first)
		set->ranges[i].first = first;
	if (last > set->ranges[i].last)
		set->ranges[i].last = last;
	for (j = i + 1; j < set->count &&
	     set->ranges[j].first <= (uint64_t)set->ranges[i].last + 1; j++) {
		if (set->ranges[j].last > set->ranges[i].last)
			set->ranges[i].last = set->ranges[j].last;
	}
	memmove(&set->ranges[i + 1], &set->ranges[j], (set->count - j) * sizeof(*set->ranges));
	set->count -= j - (i + 1);
}

void imap_seqset_resolve(const struct imap_seqset *set, uint32_t max,
			 struct imap_seqset *dest_r)
{
	uint32_t low = max, high = max;

	memset(dest_r, 0, sizeof(*dest_r));
	dest_r->searchres = set->searchres;
	if (set->count > 0) {
		dest_r->size = set->count + 1;
		dest_r->ranges = xmalloc(dest_r->size * sizeof(*dest_r->ranges));
		memcpy(dest_r->ranges, set->ranges, set->count * sizeof(*set->ranges));
		dest_r->count = set->count;
	}
	if (!set->has_star || max == 0)
		return;
	if (set->star_bounded) {
		low = set->star_low < max ? set->star_low : max;
		high = set->star_high > max ? set->star_high : max;
	}
	imap_seqset_add_range(dest_r, low, high);
}

bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n)
{
	unsigned int i;

	if (n == 0)
		return false;
	i = imap_seqset_find(set, n);
	return i < set->count && set->ranges[i].first <= n && n <= set->ranges[i].last;
}

uint64_t imap_seqset_count(const struct imap_seqset *set)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < set->count; i++)
		total += (uint64_t)set->ranges[i].last - set->ranges[i].first + 1;
	return total;
}

void imap_seq_ranges_append(struct strbuf *out, const struct imap_seq_range *ranges,
			    unsigned int count)
{
	for (unsigned int i = 0; i < count; i++) {
		if (i > 0)
			strbuf_append_c(out, ',');
		if (ranges[i].first == ranges[i].last)
			strbuf_printf(out, "%u", (unsigned int)ranges[i].first);
		else
			strbuf_printf(out, "%u:%u", (unsigned int)ranges[i].first,
				      (unsigned int)ranges[i].last);
	}
}

void imap_seqset_append(struct strbuf *out, const struct imap_seqset *set)
{
	imap_seq_ranges_append(out, set->ranges, set->count);
}

void imap_seqset_free(struct imap_seqset *set)
{
	free(set->ranges);
	memset(set, 0, sizeof(*set));
}
